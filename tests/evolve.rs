//! `maestro evolve`: the scripted noisy evaluator examples/evolve/eval.sh (true
//! lift +0.03, or 0), the cache across a kill -9, deploying winners as arms,
//! and bad input.

mod common;
use common::Project;
use std::path::PathBuf;
use std::process::Command;

fn example(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("examples/evolve")
        .join(name)
        .display()
        .to_string()
}

/// A project with `n` scenarios for eval.sh in `scenarios/`.
fn project(n: usize, config: &str) -> Project {
    let p = Project::new(config);
    let ok = Command::new("python3")
        .arg(example("make_scenarios.py"))
        .arg(n.to_string())
        .arg(p.path().join("scenarios"))
        .status()
        .unwrap();
    assert!(ok.success());
    p
}

fn run_args<'a>(eval: &'a str, space: &'a str, budget: &'a str) -> Vec<&'a str> {
    vec![
        "evolve",
        "run",
        "--scenarios",
        "scenarios",
        "--space",
        space,
        "--eval-cmd",
        eval,
        "--holdout",
        "0.5",
        "--budget",
        budget,
        "--jobs",
        "2",
    ]
}

#[test]
fn a_true_lift_is_proven_deployed_and_routed_and_a_null_one_is_not() {
    let p = project(
        80,
        "[[arms]]\nid = \"impl@sonnet\"\ntier = \"medium\"\nprior_cost = 0.2\n",
    );
    let eval = example("eval.sh");
    let space = example("space.toml");
    let args = run_args(&eval, &space, "40");
    let v = p.json(
        &[
            &args[..],
            &["--deploy-top", "2", "--base-arm", "impl@sonnet"][..],
        ]
        .concat(),
    );
    let l = &v["lift"];
    assert_eq!(l["n"], 40);
    assert_eq!(l["proven"], true, "{v}");
    let (low, high) = (l["low"].as_f64().unwrap(), l["high"].as_f64().unwrap());
    assert!(low > 0.0 && low <= 0.03 && high >= 0.03, "{l}");
    assert!(v["verdict"].as_str().unwrap().starts_with("lift proven"));
    assert_eq!(v["candidates_evaluated"], 40);
    // The best on train has the style the true model rewards.
    assert_eq!(v["top"][0]["params"]["style"], "detailed", "{v}");

    // The winners are arms with their parameters and a prior.
    let deployed: Vec<String> = serde_json::from_value(v["deployed"].clone()).unwrap();
    assert!(!deployed.is_empty() && deployed.len() <= 2, "{v}");
    assert!(deployed[0].starts_with("impl@sonnet@"));
    let arms = p.json(&["arms", "list"]);
    let arm = arms
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == deployed[0].as_str())
        .unwrap();
    assert_eq!(arm["tier"], "medium");
    assert_eq!(arm["params"], v["top"][0]["params"]);
    assert_eq!(arm["prior"]["cost"], 0.2);
    assert_eq!(arm["prior"]["eval"], v["top"][0]["held_out"]);
    // No true lift: the noise-selected best shows none on held-out data,
    // and nothing is deployed.
    let null = p.json_env(
        &[
            &run_args(&eval, &space, "20")[..],
            &[
                "--cache",
                "null.db",
                "--deploy-top",
                "2",
                "--base-arm",
                "impl@sonnet",
            ][..],
        ]
        .concat(),
        &[("TRUE_LIFT", "0".to_string())],
    );
    assert_eq!(null["lift"]["proven"], false, "{null}");
    assert_eq!(null["verdict"], "no lift proven");
    assert_eq!(null["deployed"].as_array().unwrap().len(), 0);
    let (low, high) = (
        null["lift"]["low"].as_f64().unwrap(),
        null["lift"]["high"].as_f64().unwrap(),
    );
    assert!(low <= 0.0 && high >= 0.0, "{null}");

    // Routing only to the deployed arm hands its parameters to the agent step.
    p.ok(&["arms", "retire", "impl@sonnet"]);
    for d in &deployed[1..] {
        p.ok(&["arms", "retire", d]);
    }
    let r = p.json(&["route", "--task", "T1"]);
    assert_eq!(r["arm"], deployed[0].as_str());
    assert_eq!(r["params"], v["top"][0]["params"]);
}

/// Runs `args` with `--cache cache` in the background and sends it `sig`
/// once 30 results are cached.
fn stop_midway(p: &Project, args: &[&str], cache: &str, sig: &str) -> std::process::ExitStatus {
    let mut child = p
        .process()
        .args(args)
        .args(["--cache", cache])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let db = p.path().join(cache);
    let t0 = std::time::Instant::now();
    loop {
        std::thread::sleep(std::time::Duration::from_millis(200));
        let rows: u32 =
            rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .and_then(|c| c.query_row("SELECT count(*) FROM evolve_results", [], |r| r.get(0)))
                .unwrap_or(0);
        if rows >= 30 || t0.elapsed().as_secs() > 120 {
            break;
        }
    }
    let sent = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success(), "it was still running");
    child.wait().unwrap()
}

#[test]
fn a_killed_run_resumes_from_its_cache_to_the_same_result() {
    let p = project(20, "");
    // Slowed down, so that the kill lands mid-run.
    let eval = format!("sleep 0.05 && {}", example("eval.sh"));
    let space = example("space.toml");
    let args = run_args(&eval, &space, "10");
    let whole = p.json(&[&args[..], &["--cache", "whole.db"]].concat());

    // The same run, killed with SIGKILL once some results are cached: it
    // resumes to the same result.
    let status = stop_midway(&p, &args, "killed.db", "-KILL");
    assert_eq!(status.code(), None, "it was still running when killed");
    let resumed = p.json(&[&args[..], &["--cache", "killed.db"]].concat());
    assert!(
        resumed["evaluations"]["cached"].as_u64().unwrap() >= 30,
        "{resumed}"
    );
    for k in ["lift", "top", "baseline", "verdict", "candidates_evaluated"] {
        assert_eq!(resumed[k], whole[k], "{k}");
    }
    // Ctrl-C: passed on to the evaluation running, exit 130, and the same.
    let status = stop_midway(&p, &args, "interrupted.db", "-INT");
    assert_eq!(status.code(), Some(130));
    let resumed = p.json(&[&args[..], &["--cache", "interrupted.db"]].concat());
    for k in ["lift", "top", "baseline", "verdict", "candidates_evaluated"] {
        assert_eq!(resumed[k], whole[k], "{k}");
    }
    // A third run pays for nothing.
    let again = p.json(&[&args[..], &["--cache", "killed.db"]].concat());
    assert_eq!(again["evaluations"]["run"], 0);
}

#[test]
fn bad_registries_spaces_and_evaluators_exit_2_and_keep_the_cache() {
    let p = project(6, "");
    let space = example("space.toml");
    std::fs::write(
        p.path().join("scenarios/bad.toml"),
        "id = \"x\"\n[[assert]]\ntype = \"regex\"\nvalue = \"(\"\n",
    )
    .unwrap();
    let out = p
        .cmd()
        .args(["evolve", "scenarios", "check", "scenarios"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("bad.toml") && err.contains("not a regular expression"),
        "{err}"
    );
    std::fs::remove_file(p.path().join("scenarios/bad.toml")).unwrap();
    let ok = p.json(&["evolve", "scenarios", "check", "scenarios"]);
    assert_eq!(ok["scenarios"], 6);

    std::fs::write(
        p.path().join("space.toml"),
        "[[param]]\nname = \"t\"\ntype = \"float\"\nmin = 2\nmax = 1\n",
    )
    .unwrap();
    let out = p
        .cmd()
        .args(run_args("echo 0.5", "space.toml", "4"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("space.toml: parameter `t`"));

    // An evaluator that prints garbage after some good results: exit 2,
    // one line naming the scenario; the cache keeps the good rows and opens.
    let garbage = "read x; case \"$MAESTRO_SCENARIO_ID\" in s005) echo 'I think it went well';; *) echo 0.5;; esac";
    let out = p
        .cmd()
        .args(run_args(garbage, &space, "4"))
        .args(["--cache", "c.db"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("s005") && err.contains("printed neither") && err.trim().lines().count() == 1,
        "{err}"
    );
    let c = rusqlite::Connection::open(p.path().join("c.db")).unwrap();
    let ok: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    let (n, lo, hi): (u32, f64, f64) = c
        .query_row(
            "SELECT count(*), min(score), max(score) FROM evolve_results",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    // Only the good results were kept (s005's garbage never was).
    assert!(n >= 1 && lo == 0.5 && hi == 0.5, "{n} {lo} {hi}");

    // Crashes and timeouts are scored 0 and named, not fatal.
    let flaky = "read x; case \"$MAESTRO_SCENARIO_ID\" in s001) exit 3;; s002) sleep 5;; *) echo 0.5;; esac";
    let v = p.json(
        &[
            &run_args(flaky, &space, "3")[..],
            &["--timeout", "1s", "--cache", "f.db"][..],
        ]
        .concat(),
    );
    assert!(v["evaluations"]["crash"].as_u64().unwrap() >= 1, "{v}");
    assert!(v["evaluations"]["timeout"].as_u64().unwrap() >= 1, "{v}");
    let f = v["failures"].to_string();
    assert!(f.contains("exit 3") && f.contains("ran past"), "{f}");

    // A cache that is not a database is refused, not overwritten.
    std::fs::write(
        p.path().join("junk.db"),
        "not sqlite at all, just text ".repeat(100),
    )
    .unwrap();
    let out = p
        .cmd()
        .args(run_args("echo 0.5", &space, "2"))
        .args(["--cache", "junk.db"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a usable evaluation cache"));
    assert!(std::fs::read_to_string(p.path().join("junk.db"))
        .unwrap()
        .starts_with("not sqlite"));
}

#[test]
fn outputs_are_scored_by_the_scenarios_assertions_and_judges() {
    let p = Project::new("");
    let dir = p.path().join("scenarios");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(p.path().join("judge.sh"), "cat >/dev/null; echo 0.8\n").unwrap();
    for i in 0..6 {
        std::fs::write(
            dir.join(format!("c{i}.yaml")),
            format!(
                "id: c{i}\nvars: {{n: {i}}}\nassert:\n  - type: contains\n    value: is_empty()\n  - type: judge\n    cmd: sh judge.sh\n"
            ),
        )
        .unwrap();
    }
    std::fs::write(
        p.path().join("space.toml"),
        "[[param]]\nname = \"style\"\ntype = \"categorical\"\nvalues = [\"terse\", \"detailed\"]\n",
    )
    .unwrap();
    let eval = r#"case "$(cat)" in *detailed*) echo '{"output": "guard with is_empty()"}';; *) echo '{"output": "nope"}';; esac"#;
    let v = p.json(&run_args(eval, "space.toml", "5"));
    // Baseline: contains fails (0), the judge gives 0.8: 0.4. Detailed: 0.9.
    assert_eq!(v["candidates_evaluated"], 2, "{v}");
    assert!(
        (v["baseline"]["train"].as_f64().unwrap() - 0.4).abs() < 1e-9,
        "{v}"
    );
    assert_eq!(v["top"][0]["params"]["style"], "detailed");
    assert!(
        (v["top"][0]["train"].as_f64().unwrap() - 0.9).abs() < 1e-9,
        "{v}"
    );
    let l = &v["lift"];
    assert!((l["mean"].as_f64().unwrap() - 0.5).abs() < 1e-9, "{l}");
    assert_eq!(v["verdict"], "lift proven; +0.02 target met");
}
