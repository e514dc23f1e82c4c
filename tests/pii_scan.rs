//! pii-scan through the binary: the JSON and SARIF contracts, exit codes,
//! skipped files, controls (inline allows, baselines, policies), diff mode,
//! and that no detected value is ever printed in clear.

mod common;
use common::Project;
use std::process::Command as Std;

const CARD: &str = "4000 0012 3456 7899"; // Luhn-valid Visa, not a published test card
const SSN: &str = "219-45-6789";

fn write(p: &Project, rel: &str, text: &str) {
    let f = p.path().join(rel);
    std::fs::create_dir_all(f.parent().unwrap()).unwrap();
    std::fs::write(f, text).unwrap();
}

fn sample(p: &Project) {
    write(p, "app/views.py", "import logging\nlog = logging.getLogger(__name__)\n\ndef signup(user):\n    log.info(\"new user %s\", user.email)\n    return user.id\n");
    write(
        p,
        "notes.txt",
        &format!("customer card {CARD}, ssn {SSN}\ncontact: jane.roe@corp.io\n"),
    );
    write(p, "clean.rs", "fn main() { println!(\"hello\"); }\n");
}

fn scan(p: &Project, args: &[&str]) -> (i32, serde_json::Value, String) {
    let out = p
        .cmd()
        .args(["--json", "pii-scan"])
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    (
        out.status.code().unwrap(),
        serde_json::from_str(&stdout).unwrap_or(serde_json::Value::Null),
        stdout + &String::from_utf8_lossy(&out.stderr),
    )
}

#[test]
fn json_contract_reasons_and_exit_code() {
    let p = Project::new("");
    sample(&p);
    let (code, v, all) = scan(&p, &[]);
    assert_eq!(code, 1, "block findings fail: {all}");
    let f = v["findings"].as_array().unwrap();
    for k in [
        "rule",
        "entity",
        "kind",
        "action",
        "reason",
        "path",
        "line",
        "column",
        "snippet",
        "fingerprint",
    ] {
        assert!(f.iter().all(|x| !x[k].is_null()), "every finding has {k}");
    }
    let rules: Vec<&str> = f.iter().map(|x| x["rule"].as_str().unwrap()).collect();
    for r in [
        "pii/flow/logger",
        "pii/value/credit-card",
        "pii/value/us-ssn",
        "pii/value/email",
    ] {
        assert!(rules.contains(&r), "{r} in {rules:?}");
    }
    let flow = f.iter().find(|x| x["rule"] == "pii/flow/logger").unwrap();
    assert_eq!(
        (
            flow["path"].as_str(),
            flow["line"].as_u64(),
            flow["kind"].as_str()
        ),
        (Some("app/views.py"), Some(5), Some("flow"))
    );
    assert!(
        flow["reason"]
            .as_str()
            .unwrap()
            .contains("`user.email` (PII: email) is passed to `log.info`"),
        "{flow}"
    );
    assert_eq!(v["summary"]["files"], 4, "three files and maestro.toml");
    assert!(v["summary"]["block"].as_u64() >= Some(3));
    // The values never appear in clear.
    for secret in [CARD, SSN, "jane.roe@corp.io", "4000001234567899"] {
        assert!(!all.contains(secret), "{secret} printed");
    }
    let card = f
        .iter()
        .find(|x| x["rule"] == "pii/value/credit-card")
        .unwrap();
    assert_eq!(card["snippet"], "customer card [CREDIT_CARD], ssn [US_SSN]");
    // Text output: same redaction.
    let out = p.cmd().arg("pii-scan").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("app/views.py:5:") && !text.contains(CARD),
        "{text}"
    );
    // --fail-on none never fails.
    assert_eq!(scan(&p, &["--fail-on", "none"]).0, 0);
}

#[test]
fn sarif_is_written_before_a_failing_exit_and_names_every_rule() {
    let p = Project::new("");
    sample(&p);
    let out = p
        .cmd()
        .args(["pii-scan", "--format", "sarif", "--sarif-out", "out.sarif"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let file: serde_json::Value =
        serde_json::from_slice(&std::fs::read(p.path().join("out.sarif")).unwrap()).unwrap();
    let stdout: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(file, stdout);
    assert_eq!(file["version"], "2.1.0");
    let run = &file["runs"][0];
    let rules = common::sarif_rule_ids(&file);
    for r in run["results"].as_array().unwrap() {
        assert_eq!(
            rules[r["ruleIndex"].as_u64().unwrap() as usize],
            r["ruleId"].as_str().unwrap()
        );
        assert!(r["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64() >= Some(1));
        assert!(!r["message"]["text"].as_str().unwrap().contains(CARD));
        assert!(["error", "warning"].contains(&r["level"].as_str().unwrap()));
    }
}

#[test]
fn skipped_files_are_listed_with_a_reason() {
    let p = Project::new("");
    write(&p, "a.py", "print(user.email)\n");
    std::fs::write(p.path().join("blob.bin"), b"\x00\x01\x02user.email").unwrap();
    std::fs::write(p.path().join("latin1.txt"), b"caf\xe9 jane@corp.io").unwrap();
    write(&p, "big.txt", &"x".repeat(2 << 20));
    write(
        &p,
        "min.js",
        &format!(
            "var a=1;{}console.log(user.email);\n",
            "a=a+1;".repeat(3000)
        ),
    );
    let (_, v, _) = scan(&p, &["--fail-on", "none"]);
    let skipped: Vec<(String, String)> = v["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["path"].as_str().unwrap().to_string(),
                s["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let why = |f: &str| {
        skipped
            .iter()
            .find(|(p, _)| p == f)
            .map(|(_, r)| r.clone())
            .unwrap_or_default()
    };
    assert!(why("blob.bin").contains("binary"), "{skipped:?}");
    assert!(why("latin1.txt").contains("UTF-8"), "{skipped:?}");
    assert!(why("big.txt").contains("limit"), "{skipped:?}");
    assert!(why("min.js").contains("minified"), "{skipped:?}");
    assert_eq!(v["findings"][0]["path"], "a.py");
}

#[test]
fn inline_allows_baselines_and_policies() {
    let p = Project::new("");
    write(&p, "a.py", "logger.info(user.email)  # maestro:allow pii/flow/logger -- audited, hashed downstream\nlogger.info(user.phone)  # maestro:allow pii/flow/logger\n");
    let (_, v, _) = scan(&p, &["--fail-on", "none"]);
    let rules: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        ["pii/control/allow-without-reason", "pii/flow/logger"]
    );
    assert_eq!(v["summary"]["allowed"], 1);

    // Baseline: accept what is there; new findings still fail.
    p.cmd()
        .args([
            "pii-scan",
            "baseline",
            "create",
            "--reason",
            "legacy, ticket PRIV-12",
            "--owner",
            "privacy-team",
            "--expires",
            "2999-01-01",
        ])
        .assert()
        .success();
    let (code, v, _) = scan(&p, &["--baseline", ".maestro/pii-baseline.json"]);
    assert_eq!(
        (code, v["summary"]["baselined"].as_u64()),
        (0, Some(2)),
        "{v}"
    );
    write(&p, "b.py", "print(customer.ssn)\n");
    let (code, v, _) = scan(&p, &["--baseline", ".maestro/pii-baseline.json"]);
    assert_eq!(code, 1);
    assert_eq!(v["findings"][0]["path"], "b.py");
    // Expired entries stop suppressing and are reported; check exits 1.
    let b = p.path().join(".maestro/pii-baseline.json");
    let text = std::fs::read_to_string(&b)
        .unwrap()
        .replace("2999-01-01", "2001-01-01");
    std::fs::write(&b, text).unwrap();
    let (_, v, _) = scan(
        &p,
        &[
            "--baseline",
            ".maestro/pii-baseline.json",
            "--fail-on",
            "none",
        ],
    );
    assert_eq!(v["baseline"]["expired"].as_array().unwrap().len(), 2);
    assert_eq!(v["summary"]["baselined"], 0);
    p.cmd()
        .args(["pii-scan", "baseline", "check"])
        .assert()
        .code(1);

    // Stale: live entries whose finding is gone (the code was fixed) are
    // reported, and `check` exits 1 for them too.
    let text = std::fs::read_to_string(&b)
        .unwrap()
        .replace("2001-01-01", "2999-01-01");
    std::fs::write(&b, text).unwrap();
    p.ok(&["pii-scan", "baseline", "check"]);
    write(&p, "a.py", "print(1)\n");
    let (code, v, _) = scan(&p, &["--baseline", ".maestro/pii-baseline.json"]);
    assert_eq!(code, 1, "b.py still fails: {v}");
    assert_eq!(v["baseline"]["stale"].as_array().unwrap().len(), 2, "{v}");
    assert_eq!(v["baseline"]["expired"].as_array().unwrap().len(), 0);
    p.cmd()
        .args(["pii-scan", "baseline", "check"])
        .assert()
        .code(1);
    write(
        &p,
        "a.py",
        "logger.info(user.email)  # maestro:allow pii/flow/logger -- audited, hashed downstream\nlogger.info(user.phone)  # maestro:allow pii/flow/logger\n",
    );

    // --files-from: only the listed files (one per line; a missing one is
    // listed as skipped, not an error).
    write(&p, "list.txt", "b.py\ngone.py\n");
    let (_, v, _) = scan(&p, &["--files-from", "list.txt", "--fail-on", "none"]);
    let paths: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["b.py"], "{v}");
    assert!(v["skipped"].to_string().contains("gone.py"), "{v}");

    // Policy: turn a rule off, exclude a path.
    write(
        &p,
        "policy.toml",
        "[rules]\n\"pii/flow/stdout\" = \"off\"\n[paths]\nexclude = [\"a.py\"]\n",
    );
    let (code, v, _) = scan(&p, &["--policy", "policy.toml"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["summary"]["off"], 1);
}

#[test]
fn broken_baseline_or_policy_is_exit_2_naming_the_file() {
    let p = Project::new("");
    write(&p, "a.py", "print(1)\n");
    write(
        &p,
        "bad.json",
        "{\"version\": 1, \"entries\": [{\"fingerprint\": \"x\"}]}",
    );
    write(&p, "bad.toml", "[rules]\n\"pii/flow/logger\" = \"maybe\"\n");
    write(&p, "no-reason.json", "{\"version\": 1, \"entries\": [{\"fingerprint\": \"x\", \"rule\": \"r\", \"path\": \"a\", \"reason\": \"\", \"owner\": \"o\", \"expires\": \"2030-01-01\"}]}");
    for (flag, file, why) in [
        ("--baseline", "bad.json", "not a pii-scan baseline"),
        ("--baseline", "no-reason.json", "needs a reason"),
        ("--baseline", "missing.json", "missing.json"),
        ("--policy", "bad.toml", "bad.toml"),
    ] {
        p.cmd()
            .args(["pii-scan", flag, file])
            .assert()
            .code(2)
            .stderr(predicates::str::contains(file))
            .stderr(predicates::str::contains(why));
    }
}

#[test]
fn diff_mode_reports_only_added_lines() {
    let p = Project::new("");
    let git = |args: &[&str]| {
        let ok = Std::new("git")
            .args(["-c", "user.email=ci@invalid", "-c", "user.name=ci"])
            .args(args)
            .current_dir(p.path())
            .output()
            .unwrap();
        assert!(
            ok.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&ok.stderr)
        );
    };
    git(&["init", "-q", "-b", "main"]);
    write(&p, "a.py", "print(user.email)\n");
    git(&["add", "."]);
    git(&["commit", "-qm", "base"]);
    write(&p, "a.py", "print(user.email)\nprint(user.phone)\n");
    write(&p, "new.py", "logger.info(customer.ssn)\n");
    git(&["add", "."]);
    git(&["commit", "-qm", "head"]);
    let (_, v, all) = scan(&p, &["--diff", "HEAD~1..HEAD", "--fail-on", "none"]);
    let got: Vec<(String, u64)> = v["findings"]
        .as_array()
        .unwrap_or(&vec![])
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [("a.py".to_string(), 2), ("new.py".to_string(), 1)],
        "{all}"
    );
    p.cmd()
        .args(["pii-scan", "--diff", "nope"])
        .assert()
        .code(2);

    // BASE...HEAD: only what the branch changed since it left main; BASE..HEAD
    // also counts as added the lines main removed meanwhile.
    git(&["checkout", "-q", "-b", "feature"]);
    write(&p, "b.py", "print(user.address)\n");
    git(&["add", "."]);
    git(&["commit", "-qm", "feature"]);
    git(&["checkout", "-q", "main"]);
    write(&p, "a.py", "print(user.phone)\n");
    git(&["add", "."]);
    git(&["commit", "-qm", "main moves on"]);
    git(&["checkout", "-q", "feature"]);
    let paths = |spec: &str| -> Vec<String> {
        let (_, v, _) = scan(&p, &["--diff", spec, "--fail-on", "none"]);
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["path"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(paths("main...HEAD"), ["b.py"]);
    assert_eq!(paths("main...feature"), ["b.py"]);
    assert_eq!(paths("main..feature"), ["a.py", "b.py"]);

    // A shallow clone says how to get the history.
    let clone = tempfile::tempdir().unwrap();
    let out = Std::new("git")
        .args(["clone", "-q", "--depth", "1"])
        .arg(format!("file://{}", p.path().display()))
        .arg(clone.path().join("c"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let out = p
        .cmd()
        .current_dir(clone.path().join("c"))
        .args(["pii-scan", "--diff", "HEAD~1..HEAD"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("shallow clone") && err.contains("fetch-depth: 0"),
        "{err}"
    );
}

#[test]
fn actions_annotations_stay_within_limits() {
    let p = Project::new("");
    let many: String = (0..30)
        .map(|i| format!("logger.info(user.email) # {i}\n"))
        .collect();
    write(&p, "a.py", &many);
    let summary = p.path().join("summary.md");
    let out = p
        .cmd()
        .args(["pii-scan", "--fail-on", "none"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", p.path().join("out.txt"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.matches("::error ").count(), 10, "{err}");
    assert!(std::fs::read_to_string(&summary)
        .unwrap()
        .contains("| block | `pii/flow/logger` |"));
}
