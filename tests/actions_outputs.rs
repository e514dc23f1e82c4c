//! Every GitHub Actions output docs/github-actions.md lists is set, with the
//! value the command's JSON result has, and every key set is documented.

mod common;
use common::Project;
use std::collections::BTreeMap;
use std::path::Path;

const ARMS: &str = r#"
[router]
seed = 3

[[arms]]
id = "a@small"
tier = "small"

[[arms]]
id = "b@large"
tier = "large"

[[slo]]
name = "agent-success"
objective = 99.5
good = "ok"
total = "all"
"#;

/// Runs `maestro ARGS` as in Actions; its exit code, JSON result and outputs.
fn run(p: &Project, dir: &Path, args: &[&str]) -> (i32, serde_json::Value, Outputs) {
    let out_file = p.path().join("gh_output");
    let _ = std::fs::remove_file(&out_file);
    let out = p
        .cmd()
        .current_dir(dir)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &out_file)
        .env("GITHUB_ENV", p.path().join("gh_env"))
        .env("GITHUB_STEP_SUMMARY", p.path().join("gh_summary"))
        .arg("--json")
        .args(args)
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", String::from_utf8_lossy(&out.stderr)));
    let text = std::fs::read_to_string(&out_file).unwrap_or_default();
    (out.status.code().unwrap(), json, parse(&text))
}

type Outputs = BTreeMap<String, String>;

/// `key=value` lines and `key<<DELIM` heredocs.
fn parse(text: &str) -> Outputs {
    let mut out = Outputs::new();
    let mut lines = text.lines();
    while let Some(l) = lines.next() {
        if let Some((k, delim)) = l.split_once("<<") {
            let mut v = Vec::new();
            for l in lines.by_ref() {
                if l == delim {
                    break;
                }
                v.push(l);
            }
            out.insert(k.to_string(), v.join("\n"));
        } else if let Some((k, v)) = l.split_once('=') {
            out.insert(k.to_string(), v.to_string());
        }
    }
    out
}

/// The output names docs/github-actions.md's outputs table lists for
/// `command` (the row whose first cell names it), values in parentheses left
/// out.
fn documented(command: &str) -> Vec<String> {
    let cell = format!("`{command}`");
    common::documented_outputs()
        .into_iter()
        .find(|(c, _)| *c == cell)
        .unwrap_or_else(|| panic!("{command} is not in the outputs table"))
        .1
}

/// The outputs are the documented ones, no more and no fewer.
fn check_documented(command: &str, got: &Outputs) {
    let mut want = documented(command);
    want.sort();
    want.dedup();
    let keys: Vec<&String> = got.keys().collect();
    assert_eq!(keys, want.iter().collect::<Vec<_>>(), "{command}: {got:?}");
}

#[test]
fn router_outputs() {
    let p = Project::new(ARMS);
    let (_, d, o) = run(&p, p.path(), &["route", "--task", "T1"]);
    check_documented("route", &o);
    assert_eq!(o["arm"], d["arm"].as_str().unwrap());
    assert_eq!(o["decision_id"], d["decision_id"].as_str().unwrap());
    assert_eq!(o["tier"], d["tier"].as_str().unwrap());
    assert_eq!(o["explored"], d["explored"].to_string());
    assert_eq!((o["attempt"].as_str(), o["done"].as_str()), ("1", "false"));

    let (_, r, o) = run(
        &p,
        p.path(),
        &["report", "--task", "T1", "--eval", "0.9", "--cost", "0.1"],
    );
    check_documented("report", &o);
    assert_eq!(o["passed"], "true", "{r}");
    assert_eq!(
        (o["escalate"].as_str(), o["attempt"].as_str()),
        ("false", "1")
    );

    let (_, _, o) = run(&p, p.path(), &["downshift", "on", "--reason", "burn"]);
    check_documented("downshift on`, `downshift off", &o);
    assert_eq!(o["downshift"], "true");
    let (_, _, o) = run(&p, p.path(), &["downshift", "off"]);
    assert_eq!(o["downshift"], "false");
}

#[test]
fn env_hash_cache_and_repro_outputs() {
    let p = Project::new("");
    std::fs::write(p.path().join("Cargo.lock"), "version = 3\n").unwrap();
    let (_, v, o) = run(
        &p,
        p.path(),
        &["env-hash", "--no-detect", "--lockfile", "Cargo.lock"],
    );
    check_documented("env-hash", &o);
    let h = v["env_hash"].as_str().unwrap();
    assert!(h.len() >= 16);
    assert_eq!(o["env_hash"], h);
    let env = std::fs::read_to_string(p.path().join("gh_env")).unwrap();
    assert!(env.lines().any(|l| l == format!("ENV_HASH={h}")), "{env}");

    std::fs::create_dir_all(p.path().join("out")).unwrap();
    std::fs::write(p.path().join("out/bin"), "x").unwrap();
    p.ok(&["cache", "put", "linux-1", "out"]);
    let (code, _, o) = run(
        &p,
        p.path(),
        &[
            "cache",
            "get",
            "linux-2",
            "--restore-key",
            "linux-",
            "--dest",
            "r",
        ],
    );
    assert_eq!(code, 0);
    check_documented("cache get", &o);
    // A restore-key hit is not an exact hit (actions/cache's meaning).
    assert_eq!(
        (o["cache-hit"].as_str(), o["matched-key"].as_str()),
        ("false", "linux-1")
    );

    for d in ["a", "b"] {
        std::fs::create_dir_all(p.path().join(d)).unwrap();
        std::fs::write(p.path().join(d).join("lib.so"), "same").unwrap();
    }
    std::fs::write(p.path().join("a/app"), "1").unwrap();
    std::fs::write(p.path().join("b/app"), "2").unwrap();
    let (code, v, o) = run(&p, p.path(), &["repro", "compare", "a", "b"]);
    assert_eq!(code, 1);
    check_documented("repro", &o);
    let rate: f64 = o["reproducible_rate"].parse().unwrap();
    assert_eq!(rate, v["rate"].as_f64().unwrap());
}

#[test]
fn gate_outputs() {
    let p = Project::new("");
    let go = common::fixture("bench-outputs/go");
    let (_, v, o) = run(
        &p,
        p.path(),
        &[
            "bench-gate",
            "--base",
            go.join("benchstat-old.txt").to_str().unwrap(),
            "--head",
            go.join("benchstat-new.txt").to_str().unwrap(),
        ],
    );
    check_documented("bench-gate", &o);
    assert_eq!(o["verdict"], v["verdict"].as_str().unwrap());
    assert_eq!(o["verdict"], "improved");

    let hf = common::fixture("sbom/sboms/generated/rust-hyperfine");
    let db = common::fixture("sbom/osv-db/crates.io/all.zip");
    let (code, v, o) = run(
        &p,
        p.path(),
        &[
            "sbom-diff",
            "--base",
            hf.join("hyperfine-v1.12.0.cdx.json").to_str().unwrap(),
            "--head",
            hf.join("hyperfine-v1.16.0.cdx.json").to_str().unwrap(),
            "--osv-db",
            db.to_str().unwrap(),
            "--fail-on",
            "any",
            "--pr-body",
            "pr.md",
        ],
    );
    assert_eq!(code, 1);
    check_documented("sbom-diff", &o);
    assert_eq!(o["new_vulnerabilities"], "5", "{v}");
    assert_eq!(
        o["failing"],
        v["vulnerabilities"]["new"]
            .as_array()
            .unwrap()
            .len()
            .to_string()
    );
    assert!(o["pr_title"].starts_with("Bump "), "{o:?}");

    std::fs::copy(hf.join("Cargo.lock.v1.16.0"), p.path().join("Cargo.lock")).unwrap();
    let (_, v, o) = run(&p, p.path(), &["sbom", "generate", "Cargo.lock"]);
    check_documented("sbom generate", &o);
    assert_eq!(
        o["components"],
        v["components"].as_array().unwrap().len().to_string()
    );

    // bump plans without applying: counts, and no PR title.
    let dir = p.path().join("bump");
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["Cargo.toml", "Cargo.lock"] {
        std::fs::copy(
            common::fixture("bump/hyperfine-v1.12.0").join(f),
            dir.join(f),
        )
        .unwrap();
    }
    let osv = common::fixture("bump/osv");
    let (_, v, o) = run(
        &p,
        &dir,
        &[
            "bump",
            "--osv-db",
            osv.to_str().unwrap(),
            "--dry-run",
            "--pr-body",
            "pr.md",
        ],
    );
    let mut want = documented("bump");
    want.retain(|k| k != "pr_title");
    want.sort();
    assert_eq!(
        o.keys().collect::<Vec<_>>(),
        want.iter().collect::<Vec<_>>()
    );
    assert_eq!(
        (
            o["applied"].as_str(),
            o["failed"].as_str(),
            o["changed"].as_str()
        ),
        ("0", "0", "false"),
        "{v}"
    );

    std::fs::write(
        p.path().join("a.py"),
        "logger.info(user.ssn)\nlogger.info(user.email)\n",
    )
    .unwrap();
    let (code, v, o) = run(&p, p.path(), &["pii-scan", "a.py"]);
    assert_eq!(code, 1);
    check_documented("pii-scan", &o);
    let count = |level: &str| {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["action"] == level)
            .count()
            .to_string()
    };
    assert_eq!((&o["block"], &o["warn"]), (&count("block"), &count("warn")));
    assert_ne!(o["block"], "0");
}

#[test]
fn slo_and_scale_outputs() {
    let p = Project::new(ARMS);
    let trace = common::fixture("slo/fast-burn.csv");
    let trace = trace.to_str().unwrap();
    let at = ["--at", "2026-01-03T12:05:00Z"];
    let (_, v, o) = run(
        &p,
        p.path(),
        &[&["slo", "burn", "--input", trace][..], &at].concat(),
    );
    check_documented("slo burn", &o);
    assert_eq!(o["page"], v[0]["page"].to_string(), "{v}");
    let (_, v, o) = run(
        &p,
        p.path(),
        &[&["slo", "evaluate", "--input", trace][..], &at].concat(),
    );
    check_documented("slo evaluate", &o);
    assert_eq!(o["downshift"], "true", "{v}");
    let (code, _, o) = run(&p, p.path(), &["slo", "gate", "--input", trace]);
    check_documented("slo gate", &o);
    assert_eq!(o["pass"], (code == 0).to_string());

    let (_, v, o) = run(
        &p,
        p.path(),
        &[
            "scale",
            "simulate",
            "--poisson",
            "360/h",
            "--service-mean",
            "20s",
            "--pods",
            "4",
            "--duration",
            "1h",
        ],
    );
    check_documented("scale simulate", &o);
    let p95: f64 = o["wait_p95"].parse().unwrap();
    assert!(
        (p95 - v["wait_p95"].as_f64().unwrap()).abs() < 1e-3,
        "{o:?} {v}"
    );
    let (_, v, o) = run(
        &p,
        p.path(),
        &[
            "scale",
            "plan",
            "--target-p95",
            "30s",
            "--try-list-length",
            "5",
            "--try-polling",
            "10s",
            "--try-min-replicas",
            "1",
            "--poisson",
            "360/h",
            "--service-mean",
            "20s",
            "--duration",
            "1h",
        ],
    );
    check_documented("scale plan", &o);
    assert_eq!(o["meets"], (!v["best"].is_null()).to_string(), "{v}");
}

#[test]
fn risk_and_evolve_outputs() {
    let p = Project::new(ARMS);
    // Risk rises with lines added: a model from 400 made-up changes.
    let mut csv = String::from("commit_id,commit_ts,la,nf,label\n");
    for i in 0..400u64 {
        let la = (i * 37) % 500;
        let label = u8::from((i * 7919) % 500 < la);
        csv.push_str(&format!(
            "c{i},{},{la},{},{label}\n",
            1_000_000 + i * 60,
            1 + i % 5
        ));
    }
    std::fs::write(p.path().join("h.csv"), csv).unwrap();
    p.ok(&[
        "risk",
        "train",
        "--data",
        "h.csv",
        "--time",
        "commit_ts",
        "--out",
        "m.json",
    ]);
    std::fs::write(p.path().join("c.json"), r#"{"la": 450, "nf": 2}"#).unwrap();
    let (_, v, o) = run(
        &p,
        p.path(),
        &["risk", "score", "--model", "m.json", "--features", "c.json"],
    );
    check_documented("risk score", &o);
    assert_eq!(o["verdict"], v["verdict"].as_str().unwrap());
    let risk: f64 = o["risk"].parse().unwrap();
    assert!(
        (risk - v["probability"].as_f64().unwrap()).abs() < 1e-4,
        "{o:?} {v}"
    );

    let ex = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/evolve");
    let ok = std::process::Command::new("python3")
        .arg(ex.join("make_scenarios.py"))
        .arg("12")
        .arg(p.path().join("scenarios"))
        .status()
        .unwrap();
    assert!(ok.success());
    let (_, v, o) = run(
        &p,
        p.path(),
        &[
            "evolve",
            "run",
            "--scenarios",
            "scenarios",
            "--space",
            ex.join("space.toml").to_str().unwrap(),
            "--eval-cmd",
            ex.join("eval.sh").to_str().unwrap(),
            "--holdout",
            "0.5",
            "--budget",
            "6",
            "--jobs",
            "2",
        ],
    );
    check_documented("evolve run", &o);
    assert_eq!(o["verdict"], v["verdict"].as_str().unwrap());
    let lift: f64 = o["lift"].parse().unwrap();
    assert!(
        (lift - v["lift"]["mean"].as_f64().unwrap()).abs() < 1e-4,
        "{o:?}"
    );
    assert_eq!(o["deployed"], "");
}
