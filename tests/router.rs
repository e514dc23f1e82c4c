//! The router through the binary: acceptance checks from the foundation issue.

mod common;
use common::Project;
use predicates::prelude::*;

const TWO_ARMS: &str = r#"
[router]
seed = 42

[[arms]]
id = "chainA@small"
tier = "small"

[[arms]]
id = "chainB@large"
tier = "large"
"#;

#[test]
fn seed_acceptance_cheaper_arm_wins_through_the_binary() {
    seed_acceptance(TWO_ARMS, "thompson");
}

#[test]
fn seed_acceptance_holds_with_information_directed_sampling() {
    seed_acceptance(
        &TWO_ARMS.replace("seed = 42", "seed = 42\npolicy = \"ids\""),
        "ids",
    );
}

fn seed_acceptance(config: &str, rule: &str) {
    // Both arms eval 0.9; A costs 0.2, B costs 0.8.
    let p = Project::new(config);
    let mut picks = Vec::new();
    for i in 0..200 {
        let task = format!("t{i}");
        let d = p.json(&["route", "--task", &task]);
        assert_eq!(d["rule"], rule);
        let arm = d["arm"].as_str().unwrap().to_string();
        let cost = if arm == "chainA@small" { "0.2" } else { "0.8" };
        p.ok(&["report", "--task", &task, "--eval", "0.9", "--cost", cost]);
        picks.push(arm);
    }
    let a_total = picks.iter().filter(|a| *a == "chainA@small").count();
    let a_last = picks[100..].iter().filter(|a| *a == "chainA@small").count();
    eprintln!("seed acceptance ({rule}): A {a_total}/200 overall, {a_last}/100 of the last 100");
    assert!(a_total > 100, "A picked {a_total} of 200");
    assert!(a_last >= 80, "A picked {a_last} of the last 100");
    let stats = p.json(&["stats"]);
    assert_eq!(stats["decisions"], 200);
    assert_eq!(stats["reported"], 200);
    assert!(stats["exploration_share"].as_f64().unwrap() <= 0.2);
}

#[test]
fn route_json_contract_and_pending_reuse() {
    let p = Project::new(TWO_ARMS);
    let d = p.json(&["route", "--task", "pr-1", "--context", "repo=x/y"]);
    for key in [
        "decision_id",
        "task",
        "arm",
        "explored",
        "propensity",
        "alternatives",
        "downshift",
    ] {
        assert!(d.get(key).is_some(), "missing {key} in {d}");
    }
    let alts = d["alternatives"].as_array().unwrap();
    assert_eq!(alts.len(), 2);
    for a in alts {
        for key in ["arm", "p_best", "mean_eval", "mean_cost"] {
            assert!(a.get(key).is_some(), "alternative lacks {key}: {a}");
        }
    }
    assert_eq!(d["downshift"]["active"], false);
    assert_eq!(d["context"]["repo"], "x/y");
    let p_sum: f64 = alts.iter().map(|a| a["p_best"].as_f64().unwrap()).sum();
    assert!((p_sum - 1.0).abs() < 1e-3);

    // A retried CI job gets the same decision back.
    let again = p.json(&["route", "--task", "pr-1"]);
    assert_eq!(again["decision_id"], d["decision_id"]);
    assert_eq!(again["reused"], true);
    // --new forces a fresh one.
    let fresh = p.json(&["route", "--task", "pr-1", "--new"]);
    assert_ne!(fresh["decision_id"], d["decision_id"]);
    // Reporting by task reports the fresh one; the superseded one is unknown to --task.
    let r = p.json(&["report", "--task", "pr-1", "--eval", "1", "--cost", "0.1"]);
    assert_eq!(r["decision_id"], fresh["decision_id"]);
    assert_eq!(p.json(&["stats"])["pending"], 0);
}

/// `ARM=$(maestro route --task X)` captures the arm alone; the decision and
/// why are on stderr, and `-q` drops them.
#[test]
fn route_text_stdout_is_the_arm_alone() {
    let p = Project::new(TWO_ARMS);
    let out = p.cmd().args(["route", "--task", "T1"]).output().unwrap();
    assert!(out.status.success());
    let arm = String::from_utf8(out.stdout).unwrap();
    assert!(
        arm == "chainA@small\n" || arm == "chainB@large\n",
        "{arm:?}"
    );
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("decision d") && err.contains("for task T1"),
        "{err}"
    );
    let d = p.json(&["route", "--task", "T1"]);
    assert_eq!(format!("{}\n", d["arm"].as_str().unwrap()), arm);
    let out = p
        .cmd()
        .args(["-q", "route", "--task", "T1"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), arm);
    assert!(
        out.stderr.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn report_is_idempotent_and_refuses_different_values() {
    let p = Project::new(TWO_ARMS);
    let d = p.json(&["route", "--task", "t"]);
    let id = d["decision_id"].as_str().unwrap();
    p.ok(&["report", "--decision", id, "--eval", "0.5", "--cost", "0.3"]);
    let before = p.snapshot();
    let dup = p.json(&["report", "--decision", id, "--eval", "0.5", "--cost", "0.3"]);
    assert_eq!(dup["duplicate"], true);
    p.cmd()
        .args(["report", "--decision", id, "--eval", "0.6", "--cost", "0.3"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already reported"));
    assert_eq!(p.snapshot(), before, "state changed");
    assert_eq!(p.json(&["stats"])["reported"], 1);
}

#[test]
fn bad_input_is_one_line_exit_2_and_leaves_state_alone() {
    let p = Project::new(TWO_ARMS);
    p.json(&["route", "--task", "t"]);
    let before = p.snapshot();
    let cases: Vec<Vec<&str>> = vec![
        vec!["report", "--task", "t", "--eval", "1.5", "--cost", "0.1"],
        vec!["report", "--task", "t", "--eval", "-0.1", "--cost", "0.1"],
        vec!["report", "--task", "t", "--eval", "0.5", "--cost", "-1"],
        vec!["report", "--task", "nope", "--eval", "0.5", "--cost", "1"],
        vec![
            "report",
            "--decision",
            "d123",
            "--eval",
            "0.5",
            "--cost",
            "1",
        ],
        vec!["arms", "retire", "no-such-arm"],
        vec!["arms", "add", "chainA@small", "--tier", "small"],
        vec!["arms", "add", "x", "--tier", "small", "--prior-eval", "2"],
        vec!["route", "--task", "t", "--config", "missing.toml"],
    ];
    for args in cases {
        let out = p.cmd().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("maestro: error: "), "{args:?}: {err}");
        assert!(!err.contains("panicked"));
    }
    assert_eq!(p.snapshot(), before, "state changed");

    // Malformed config: named, exit 2.
    std::fs::write(p.path().join("maestro.toml"), "[router\nlambda = ").unwrap();
    p.cmd()
        .args(["route", "--task", "u"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("maestro.toml").and(predicate::str::contains("line 1")));
    // Unknown key: named.
    std::fs::write(p.path().join("maestro.toml"), "[router]\nlamda = 0.3\n").unwrap();
    p.cmd()
        .args(["stats"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("lamda"));
    // Unknown decision rule, from the file or the environment: named.
    std::fs::write(
        p.path().join("maestro.toml"),
        "[router]\npolicy = \"ucb\"\n",
    )
    .unwrap();
    p.cmd()
        .args(["route", "--task", "u"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("policy").and(predicate::str::contains("ucb")));
    std::fs::write(p.path().join("maestro.toml"), TWO_ARMS).unwrap();
    p.cmd()
        .env("MAESTRO_ROUTER_POLICY", "gittins")
        .args(["route", "--task", "u"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("gittins"));
    assert_eq!(p.snapshot(), before, "state changed");
}

#[test]
fn corrupt_state_is_refused_and_untouched() {
    let p = Project::new(TWO_ARMS);
    std::fs::create_dir_all(p.state().parent().unwrap()).unwrap();
    let junk = b"SQLite format 2\0 definitely not a database ".repeat(40);
    std::fs::write(p.state(), &junk).unwrap();
    for args in [
        vec!["route", "--task", "t"],
        vec!["stats"],
        vec!["report", "--task", "t", "--eval", "1", "--cost", "0"],
    ] {
        p.cmd().args(&args).assert().code(2).stderr(
            predicate::str::contains("state.db")
                .and(predicate::str::contains("not a maestro state")),
        );
    }
    assert_eq!(std::fs::read(p.state()).unwrap(), junk);
}

#[test]
fn no_arms_is_a_clear_error() {
    let p = Project::new("");
    p.cmd()
        .args(["route", "--task", "t"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no active arms"));
}

#[test]
fn sixteen_concurrent_reports_are_all_counted() {
    common::within_one_utc_day(sixteen_concurrent_reports);
}

fn sixteen_concurrent_reports() {
    let p = Project::new(TWO_ARMS);
    let ids: Vec<String> = (0..16)
        .map(|i| {
            p.json(&["route", "--task", &format!("c{i}")])["decision_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let bin = assert_cmd::cargo::cargo_bin("maestro");
    let children: Vec<_> = ids
        .iter()
        .map(|id| {
            std::process::Command::new(&bin)
                .current_dir(p.path())
                .args(["report", "--decision", id, "--eval", "1", "--cost", "0.25"])
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let s = p.json(&["stats"]);
    assert_eq!(s["reported"], 16);
    let n: i64 = s["arms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["n"].as_i64().unwrap())
        .sum();
    assert_eq!(n, 16);
    assert!((s["spend_today"].as_f64().unwrap() - 4.0).abs() < 1e-9);
}

#[test]
fn arms_lifecycle() {
    let p = Project::new(TWO_ARMS);
    p.ok(&[
        "arms",
        "add",
        "chainC@medium",
        "--tier",
        "medium",
        "--prior-eval",
        "0.7",
        "--prior-cost",
        "0.4",
        "--prior-weight",
        "5",
    ]);
    let list = p.json(&["arms", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 3);
    p.ok(&["arms", "retire", "chainB@large"]);
    for i in 0..20 {
        let d = p.json(&["route", "--task", &format!("r{i}")]);
        assert_ne!(d["arm"], "chainB@large");
        assert_eq!(d["alternatives"].as_array().unwrap().len(), 2);
    }
    let arm_b = || {
        p.json(&["arms", "list"])
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == "chainB@large")
            .unwrap()
            .clone()
    };
    assert_eq!(arm_b()["retired"], true);
    // Re-adding a retired arm re-activates it.
    p.ok(&["arms", "add", "chainB@large", "--tier", "large"]);
    let b = arm_b();
    assert_eq!(b["retired"], false, "{b}");
}

#[test]
fn downshift_restricts_tiers_and_is_audited() {
    let p = Project::new(TWO_ARMS);
    p.ok(&[
        "downshift",
        "on",
        "--reason",
        "SLO burn",
        "--actor",
        "slo-bot",
    ]);
    for i in 0..15 {
        let d = p.json(&["route", "--task", &format!("d{i}")]);
        assert_eq!(d["arm"], "chainA@small");
        assert_eq!(d["downshift"]["active"], true);
        assert!(d["downshift"]["reason"]
            .as_str()
            .unwrap()
            .contains("SLO burn"));
    }
    p.ok(&[
        "downshift",
        "off",
        "--reason",
        "recovered",
        "--actor",
        "slo-bot",
    ]);
    let st = p.json(&["downshift", "status"]);
    assert_eq!(st["active"], false);
    let audit = st["audit"].as_array().unwrap();
    assert_eq!(audit.len(), 2);
    assert_eq!(audit[0]["reason"], "recovered");
    assert_eq!(audit[1]["actor"], "slo-bot");
}

#[test]
fn budget_pressure_downshifts_with_a_reason() {
    common::within_one_utc_day(budget_pressure);
}

fn budget_pressure() {
    let p = Project::new(&format!("{TWO_ARMS}\n[budget]\ndaily_usd = 1.0\n"));
    // Spend the whole budget on the large arm.
    let mut spent = 0.0;
    let mut i = 0;
    while spent < 1.0 {
        let task = format!("b{i}");
        p.json(&["route", "--task", &task]);
        p.ok(&["report", "--task", &task, "--eval", "1", "--cost", "0.5"]);
        spent += 0.5;
        i += 1;
    }
    let d = p.json(&["route", "--task", "after"]);
    assert_eq!(d["downshift"]["active"], true);
    assert!(
        d["downshift"]["reason"]
            .as_str()
            .unwrap()
            .contains("budget"),
        "{d}"
    );
    assert_eq!(d["arm"], "chainA@small");
    let st = p.json(&["downshift", "status"]);
    assert_eq!(st["audit"][0]["actor"], "budget");
    // `stats` agrees with `route` (the manual switch is off).
    let stats = p.json(&["stats"]);
    assert_eq!(stats["downshift"]["active"], true, "{stats}");
    assert!(stats["downshift"]["reason"]
        .as_str()
        .unwrap()
        .starts_with("budget: spent $1.00 of $1.00"));
    let text = p.cmd().arg("downshift").arg("status").output().unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    // Times as RFC 3339, not epoch milliseconds.
    assert!(
        text.lines()
            .nth(1)
            .is_some_and(|l| l.trim_start().starts_with("20") && l.contains('T')),
        "{text}"
    );
}

#[test]
fn github_actions_outputs_and_summary() {
    let p = Project::new(TWO_ARMS);
    let out = p.path().join("gh_output");
    let summary = p.path().join("gh_summary.md");
    p.cmd()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &out)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args(["route", "--task", "gh-1"])
        .assert()
        .success();
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.lines().any(|l| l.starts_with("arm=chain")), "{text}");
    assert!(
        text.lines().any(|l| l.starts_with("decision_id=d")),
        "{text}"
    );
    p.cmd()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args(["stats"])
        .assert()
        .success();
    assert!(std::fs::read_to_string(&summary)
        .unwrap()
        .contains("| ARM |"));
}

#[test]
fn config_show_reports_sources() {
    let p = Project::new("[router]\nlambda = 0.25\n");
    let doc = p.json(&["config", "show"]);
    let find = |k: &str| {
        doc["values"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["key"] == k)
            .unwrap()
            .clone()
    };
    assert_eq!(find("router.lambda")["value"], 0.25);
    assert_eq!(find("router.lambda")["source"]["kind"], "file");
    assert_eq!(find("router.window")["source"]["kind"], "default");
    let out = p
        .cmd()
        .env("MAESTRO_ROUTER_WINDOW", "7")
        .args(["--json", "config", "show"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let w = doc["values"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["key"] == "router.window")
        .unwrap()
        .clone();
    assert_eq!(w["value"], 7);
    assert_eq!(w["source"]["from"], "MAESTRO_ROUTER_WINDOW");
}

#[test]
fn completions_are_generated() {
    let p = Project::new("");
    for shell in ["bash", "zsh", "fish"] {
        p.cmd()
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(predicate::str::contains("route"));
    }
}

#[test]
fn replay_rejects_bad_data_and_runs_on_synthetic_data() {
    let p = Project::new("");
    let data = p.path().join("outcomes.csv");
    let mut csv = String::from("instance_id,arm,resolved,cost_usd\n");
    for t in 0..40 {
        csv += &format!("t{t},big,{},0.9\n", u8::from(t % 10 != 0));
        csv += &format!("t{t},small,{},0.05\n", u8::from(t % 2 == 0));
    }
    std::fs::write(&data, &csv).unwrap();
    let r = p.json(&[
        "replay",
        "--data",
        data.to_str().unwrap(),
        "--policy",
        "ts,seed,ucb1,egreedy,fixed:big",
        "--tasks",
        "300",
        "--seeds",
        "3",
        "--min-eval",
        "0.8",
    ]);
    assert_eq!(r["best_fixed"]["arm"], "big");
    let pols = r["policies"].as_array().unwrap();
    assert_eq!(pols.len(), 5);
    // With --min-eval the objective is min-cost: Thompson sampling keeps
    // the floor and pays less than always taking the strong arm.
    assert_eq!(r["objective"], "cheapest arms with average eval >= 0.8000");
    let ts_eval = pols[0]["eval"]["mean"].as_f64().unwrap();
    assert!(
        ts_eval >= 0.8,
        "ts eval {ts_eval} is below its --min-eval 0.8"
    );
    let cost = |i: usize| pols[i]["cost_per_task"]["mean"].as_f64().unwrap();
    assert_eq!(pols[4]["policy"], "fixed:big");
    assert!(
        cost(0) < cost(4),
        "ts ${} vs fixed:big ${}",
        cost(0),
        cost(4)
    );
    p.cmd()
        .args([
            "replay",
            "--data",
            data.to_str().unwrap(),
            "--policy",
            "fixed:nope",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown arm `nope`"));
    std::fs::write(&data, "instance_id,arm,resolved\nt1,a,1\n").unwrap();
    p.cmd()
        .args(["replay", "--data", data.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("outcomes.csv").and(predicate::str::contains("cost_usd")));
}

#[test]
fn annotations_in_actions_never_pollute_json_on_stdout() {
    let p = Project::new(TWO_ARMS);
    p.ok(&["downshift", "on", "--reason", "burn"]);
    let out = p
        .cmd()
        .env("GITHUB_ACTIONS", "true")
        .args(["--json", "route", "--task", "gh-warn"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let doc: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("stdout is one JSON document");
    assert_eq!(doc["downshift"]["active"], true);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("::warning::routing restricted"), "{err}");
}

/// docs/router.md's SWE-bench Verified table is what the documented replay
/// command prints, to the table's precision (CC BY-NC data: evaluation only).
#[test]
fn the_documented_swebench_replay_table_reproduces() {
    let Some(data) = common::shared_data("routing/swebench_verified_mini/per_task.csv") else {
        return;
    };
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/router.md"),
    )
    .unwrap();
    let section = &doc[doc.find("### Results on SWE-bench Verified").unwrap()..];
    let section = &section[..section.find("\n#### ").unwrap()];
    // The command as documented, with the data path and --json.
    let arms = section
        .lines()
        .find_map(|l| l.strip_prefix("ARMS="))
        .unwrap();
    let cmd = section
        .lines()
        .skip_while(|l| !l.starts_with("maestro replay"))
        .take_while(|l| !l.starts_with("```"))
        .collect::<Vec<_>>()
        .join(" ")
        .replace('\\', " ");
    let args: Vec<String> = cmd
        .split_whitespace()
        .skip(1)
        .map(|a| match a {
            "$ARMS" => arms.to_string(),
            _ if a.ends_with("per_task.csv") => data.display().to_string(),
            _ => a.to_string(),
        })
        .collect();
    let p = Project::new("");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let v = p.json(&args);
    let rows: Vec<Vec<&str>> = section
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| policy"))
        .map(|l| l.trim_matches('|').split('|').map(str::trim).collect())
        .collect();
    let policies = v["policies"].as_array().unwrap();
    assert_eq!(rows.len(), policies.len());
    let shown = |m: &serde_json::Value, digits: usize| {
        format!(
            "{:.digits$} ± {:.digits$}",
            m["mean"].as_f64().unwrap(),
            m["sd"].as_f64().unwrap()
        )
    };
    for (row, got) in rows.iter().zip(policies) {
        assert_eq!(row[1], shown(&got["eval"], 4), "{row:?}");
        assert_eq!(row[2], shown(&got["cost_per_task"], 3), "{row:?}");
        if row[3] != "0" {
            assert_eq!(row[3], shown(&got["exploration"], 3), "{row:?}");
        }
    }
}
