//! Regression tests for defects found by trying maestro as a hostile user
//! (file names, ids and data fields from a pull request) and with inputs at
//! the edges of their ranges. Each test failed before its fix.

mod common;
use common::Project;
use predicates::prelude::*;

const TWO_ARMS: &str = r#"
[router]
seed = 7

[[arms]]
id = "a@small"
tier = "small"

[[arms]]
id = "b@large"
tier = "large"
"#;

/// The lines the Actions runner would execute as workflow commands: those
/// that start (after white space) with `::`, outside a stop-commands window.
fn runner_commands(log: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stopped: Option<String> = None;
    for line in log.split(['\n', '\r']) {
        let l = line.trim_start();
        match &stopped {
            Some(t) if l == format!("::{t}::") => stopped = None,
            Some(_) => {}
            None => match l.strip_prefix("::stop-commands::") {
                Some(t) => stopped = Some(t.to_string()),
                None if l.starts_with("::") => out.push(line.to_string()),
                None => {}
            },
        }
    }
    out
}

/// Runs `maestro ARGS` in Actions; stdout and stderr.
fn in_actions(p: &Project, args: &[&str]) -> (String, String, Option<i32>) {
    let out = p
        .cmd()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", p.path().join("gh_output"))
        .env("GITHUB_STEP_SUMMARY", p.path().join("gh_summary.md"))
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code(),
    )
}

#[test]
fn ids_with_control_characters_are_refused() {
    let p = Project::new(TWO_ARMS);
    p.ok(&["route", "--task", "t0"]);
    let before = p.snapshot();
    for task in ["x\n::error::INJECTED", "x\u{1b}[31mred", "x\rback"] {
        p.cmd()
            .args(["route", "--task", task])
            .assert()
            .code(2)
            .stderr(predicates::str::contains("control characters"));
        p.cmd()
            .args(["report", "--task", task, "--eval", "1", "--cost", "0"])
            .assert()
            .code(2);
    }
    assert_eq!(p.snapshot(), before);
}

#[test]
fn a_file_name_cannot_inject_workflow_commands_through_pii_scan() {
    let p = Project::new("");
    let dir = p.path().join("t");
    std::fs::create_dir_all(&dir).unwrap();
    let evil = dir.join("evil\n::error::INJECTED x.txt");
    std::fs::write(&evil, "mail jane.doe@corp-mail.net now\n").unwrap();
    let (stdout, stderr, code) = in_actions(&p, &["pii-scan", "t", "--fail-on", "none"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.contains("INJECTED"),
        "the finding is still shown: {stdout}"
    );
    assert!(runner_commands(&stdout).is_empty(), "{stdout}");
    assert!(
        runner_commands(&stderr)
            .iter()
            .all(|l| l.starts_with("::warning file=") || l.starts_with("::error file=")),
        "{stderr}"
    );
    // Outside Actions the newline is shown escaped, on one line.
    let out = p
        .cmd()
        .args(["pii-scan", "t", "--fail-on", "none"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("evil\\n::error::INJECTED"), "{text}");
    assert!(!text.lines().any(|l| l.starts_with("::")), "{text}");
}

#[test]
fn sbom_fields_cannot_inject_workflow_commands() {
    let p = Project::new("");
    let sbom = |name: &str, version: &str| {
        serde_json::json!({
            "bomFormat": "CycloneDX", "specVersion": "1.5",
            "components": [{"type": "library", "name": name, "version": version}]
        })
        .to_string()
    };
    std::fs::write(p.path().join("base.json"), sbom("left-pad", "1.0.0")).unwrap();
    std::fs::write(
        p.path().join("head.json"),
        sbom("x\n::error::INJECTED\n", "2.0.0\r::warning::also"),
    )
    .unwrap();
    let (stdout, stderr, code) = in_actions(
        &p,
        &["sbom-diff", "--base", "base.json", "--head", "head.json"],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(runner_commands(&stdout).is_empty(), "{stdout}");
    assert!(runner_commands(&stderr).is_empty(), "{stderr}");
    let (md, _, _) = in_actions(
        &p,
        &[
            "sbom-diff",
            "--base",
            "base.json",
            "--head",
            "head.json",
            "--format",
            "markdown",
        ],
    );
    assert!(runner_commands(&md).is_empty(), "{md}");
}

#[test]
fn arm_names_in_a_replay_csv_cannot_inject_workflow_commands() {
    let p = Project::new("");
    let mut csv = String::from("instance_id,arm,resolved,cost_usd\n");
    for t in 0..20 {
        csv += &format!("t{t},\"x\n::error::INJECTED\",1,0.1\nt{t},ok,0,0.01\n");
    }
    std::fs::write(p.path().join("d.csv"), csv).unwrap();
    let (stdout, stderr, code) = in_actions(
        &p,
        &["replay", "--data", "d.csv", "--tasks", "20", "--seeds", "1"],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("INJECTED"));
    assert!(runner_commands(&stdout).is_empty(), "{stdout}");
}

#[test]
fn downshift_reasons_cannot_inject_workflow_commands() {
    let p = Project::new(TWO_ARMS);
    p.ok(&[
        "downshift",
        "on",
        "--reason",
        "slo\n::error::INJECTED",
        "--actor",
        "ci",
    ]);
    let (stdout, stderr, code) = in_actions(&p, &["route", "--task", "t1"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(runner_commands(&stdout).is_empty(), "{stdout}");
    assert!(
        runner_commands(&stderr)
            .iter()
            .all(|l| l.starts_with("::warning::") && !l.contains('\n')),
        "{stderr}"
    );
    let (status, _, _) = in_actions(&p, &["downshift", "status"]);
    assert!(runner_commands(&status).is_empty(), "{status}");
}

#[test]
fn numbers_out_of_range_are_refused_and_leave_state_alone() {
    let p = Project::new(TWO_ARMS);
    p.ok(&["route", "--task", "t1"]);
    let before = p.snapshot();
    for args in [
        &["--cost", "1e308"][..],
        &["--cost", "inf"],
        &["--cost", "1000001"],
        &["--cost", "0.1", "--tokens-in", "9223372036854775808"],
        &["--cost", "0.1", "--tokens-out", "1000000000001"],
    ] {
        let mut all = vec!["report", "--task", "t1", "--eval", "0.5"];
        all.extend(args);
        p.cmd().args(&all).assert().code(2);
    }
    assert_eq!(p.snapshot(), before);
    p.cmd()
        .args([
            "arms",
            "add",
            "c@small",
            "--tier",
            "small",
            "--prior-weight",
            "1e308",
        ])
        .assert()
        .code(2);
    p.cmd()
        .args([
            "arms",
            "add",
            "c@small",
            "--tier",
            "small",
            "--prior-cost",
            "1e300",
            "--prior-eval",
            "0.5",
        ])
        .assert()
        .code(2);
    // The largest values allowed still give finite statistics.
    p.ok(&[
        "report",
        "--task",
        "t1",
        "--eval",
        "0.5",
        "--cost",
        "1000000",
        "--tokens-in",
        "1000000000000",
    ]);
    let s = p.json(&["stats"]);
    assert!(s["spend_today"].as_f64().is_some_and(f64::is_finite), "{s}");
}

#[test]
fn completions_into_a_closed_pipe_do_not_panic() {
    let p = Project::new("");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("maestro"))
        .args(["completions", "bash"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .current_dir(p.path())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // `| head -0`: the reader is gone
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Card numbers that pass the issuer and Luhn checks (not published test cards).
const CARDS: [&str; 2] = ["4539148803436467", "5425233430109903"];

#[test]
fn cards_next_to_other_long_numbers_are_found_and_never_printed() {
    let p = Project::new("");
    let dir = p.path().join("t");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("a.csv"), format!("{},{}\n", CARDS[0], CARDS[1])).unwrap();
    std::fs::write(
        dir.join("b.txt"),
        format!(
            "card {c} card {c}\norder {c} ts 1733443200123\n1,John,{c},4158675309\n",
            c = CARDS[0]
        ),
    )
    .unwrap();
    let out = p
        .cmd()
        .args(["pii-scan", "t", "--json", "--sarif-out", "x.sarif"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let cards: Vec<_> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["entity"] == "CREDIT_CARD")
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(cards.len(), 6, "{cards:?}");
    let text = p.cmd().args(["pii-scan", "t"]).output().unwrap().stdout;
    let sarif = std::fs::read_to_string(p.path().join("x.sarif")).unwrap();
    for shown in [
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&text).into_owned(),
        sarif,
    ] {
        for c in CARDS {
            assert!(!shown.contains(c), "{c} printed: {shown}");
        }
    }
}

#[test]
fn a_card_in_a_table_of_numbers_is_counted_and_redacted_not_dropped() {
    let p = Project::new("");
    std::fs::create_dir_all(p.path().join("t")).unwrap();
    // Two of three 16-digit constants are not cards: the valid one is likely
    // chance. The digits of a decimal fraction are no value at all.
    std::fs::write(
        p.path().join("t/consts.txt"),
        format!(
            "1234567890123456 9876543210987650 {} mail jane.doe@corp-mail.net\nx = 0.{}\n",
            CARDS[0], CARDS[1]
        ),
    )
    .unwrap();
    let doc = p.json(&["pii-scan", "t", "--fail-on", "none"]);
    let findings = doc["findings"].as_array().unwrap();
    assert!(
        findings.iter().all(|f| f["entity"] != "CREDIT_CARD"),
        "{doc}"
    );
    assert_eq!(doc["summary"]["below_threshold"], 1, "{doc}");
    let email = findings
        .iter()
        .find(|f| f["entity"] == "EMAIL_ADDRESS")
        .unwrap();
    assert!(
        email["snippet"].as_str().unwrap().contains("[CREDIT_CARD]"),
        "{email}"
    );
    assert!(!doc.to_string().contains(CARDS[0]));
}

#[test]
fn a_labelled_ssn_is_an_ssn_not_a_phone_number() {
    let p = Project::new("");
    std::fs::write(p.path().join("s.txt"), "ssn: 123-45-6789\n").unwrap();
    let doc = p.json(&["pii-scan", "s.txt", "--fail-on", "none"]);
    assert_eq!(doc["findings"][0]["entity"], "US_SSN", "{doc}");
}

#[test]
fn pii_scan_of_a_path_that_does_not_exist_is_an_input_error() {
    let p = Project::new("");
    p.cmd()
        .args(["pii-scan", "nope", "--sarif-out", "x.sarif"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("nope"));
    assert!(!p.path().join("x.sarif").exists());
    p.cmd()
        .args(["pii-scan", "baseline", "create", "nope", "--reason", "r"])
        .assert()
        .code(2);
}

#[test]
fn diff_revisions_cannot_be_options_to_git() {
    let p = Project::new("");
    let git = |args: &[&str]| {
        let ok = std::process::Command::new("git")
            .args(["-c", "user.email=a@b", "-c", "user.name=n"])
            .args(args)
            .current_dir(p.path())
            .output()
            .unwrap()
            .status
            .success();
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q"]);
    std::fs::write(p.path().join("a.txt"), "a\n").unwrap();
    git(&["add", "a.txt"]);
    git(&["commit", "-qm", "a"]);
    std::fs::write(p.path().join("a.txt"), "a\nb\n").unwrap();
    git(&["commit", "-qam", "b"]);
    for spec in [
        "--output=evil.txt..HEAD",
        "HEAD~1..--output=evil2.txt",
        "-p..",
    ] {
        p.cmd()
            .arg("pii-scan")
            .arg(format!("--diff={spec}"))
            .assert()
            .code(2);
    }
    assert!(!p.path().join("evil.txt").exists());
    assert!(!p.path().join("evil2.txt").exists());
    p.ok(&["pii-scan", "--diff", "HEAD~1..HEAD"]);
}

fn hyperfine_rounds(side: &str, flag: &str) -> Vec<String> {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/bench/hyperfine-sleep");
    (1..=8)
        .flat_map(|r| {
            [
                flag.to_string(),
                dir.join(format!("{side}-r{r}.json")).display().to_string(),
            ]
        })
        .collect()
}

#[test]
fn bench_gate_judges_a_waiting_hyperfine_command_on_wall_time() {
    let p = Project::new("");
    let mut args = vec!["bench-gate".to_string(), "--json".into()];
    args.extend(hyperfine_rounds("base", "--base"));
    args.extend(hyperfine_rounds("head", "--head"));
    let out = p.cmd().args(&args).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let b = &v["benchmarks"][0];
    assert_eq!(b["measure"], "wall-time", "{b}");
    assert!(b["ratio"].as_f64().unwrap() > 1.4, "{b}");
    // The override: CPU time barely moved.
    args.extend(["--measure".into(), "cpu".into()]);
    let v: serde_json::Value =
        serde_json::from_slice(&p.cmd().args(&args).output().unwrap().stdout).unwrap();
    assert_eq!(v["benchmarks"][0]["measure"], "cpu-time", "{v}");
    assert_ne!(v["verdict"], "fail", "{v}");
    // A/A on wall time does not cry wolf.
    let mut aa = vec!["bench-gate".to_string()];
    aa.extend(hyperfine_rounds("base", "--base"));
    aa.extend(hyperfine_rounds("base", "--head"));
    p.cmd().args(&aa).assert().code(0);
}

#[test]
fn bench_gate_fails_a_regression_from_a_zero_base_and_never_passes_nan() {
    let p = Project::new("");
    let go = |ns: u32, bytes: u32, allocs: u32| -> String {
        (0..6)
            .map(|_| format!("BenchmarkParse-8   \t 1000000\t {ns} ns/op\t {bytes} B/op\t {allocs} allocs/op\n"))
            .collect::<String>()
            + "PASS\n"
    };
    std::fs::write(p.path().join("base.txt"), go(1000, 0, 0)).unwrap();
    std::fs::write(p.path().join("head.txt"), go(1000, 64, 3)).unwrap();
    std::fs::write(p.path().join("same.txt"), go(1000, 0, 0)).unwrap();
    let out = p
        .cmd()
        .args([
            "--json",
            "bench-gate",
            "--base",
            "base.txt",
            "--head",
            "head.txt",
            "--min-rounds",
            "2",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{v}");
    let failing: Vec<_> = v["benchmarks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["verdict"] == "fail")
        .collect();
    assert_eq!(failing.len(), 2, "B/op and allocs/op: {v}");
    assert!(failing
        .iter()
        .all(|b| b["reason"].as_str().unwrap().contains("from 0")));
    assert!(!v.to_string().contains("NaN"));
    // Zero on both sides passes.
    p.cmd()
        .args([
            "bench-gate",
            "--base",
            "base.txt",
            "--head",
            "same.txt",
            "--min-rounds",
            "2",
        ])
        .assert()
        .code(0);
}

#[test]
fn bench_gate_refuses_negative_times() {
    let p = Project::new("");
    let doc =
        serde_json::json!({"results": [{"command": "x", "mean": -0.5, "times": [0.1, -0.2, 0.1]}]});
    std::fs::write(p.path().join("neg.json"), doc.to_string()).unwrap();
    p.cmd()
        .args(["bench-gate", "--base", "neg.json", "--head", "neg.json"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("neg.json").and(predicates::str::contains("negative")));
}

#[test]
fn an_empty_signing_key_is_an_error_not_signing_off() {
    let p = Project::new("");
    std::fs::create_dir_all(p.path().join("out")).unwrap();
    std::fs::write(p.path().join("out/app"), "built").unwrap();
    p.cmd()
        .env("MAESTRO_CACHE_SIGNING_KEY", "")
        .args(["cache", "put", "k", "out"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("MAESTRO_CACHE_SIGNING_KEY"));
    p.cmd()
        .env("MAESTRO_CACHE_SIGNING_KEY", "")
        .args(["cache", "get", "k"])
        .assert()
        .code(2);
    // Once the cache holds signed entries, a job without the key can neither
    // add nor restore unless told to.
    p.cmd()
        .env("MAESTRO_CACHE_SIGNING_KEY", "s3cret")
        .args(["cache", "put", "k", "out"])
        .assert()
        .success();
    p.cmd().args(["cache", "put", "k2", "out"]).assert().code(2);
    p.cmd().args(["cache", "get", "k"]).assert().code(2);
    p.cmd()
        .args(["cache", "put", "k2", "out", "--allow-unsigned"])
        .assert()
        .success();
    p.cmd()
        .env("MAESTRO_CACHE_SIGNING_KEY", "s3cret")
        .args(["cache", "get", "k2", "--dest", "d"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("not signed"));
}

#[test]
fn cache_put_refuses_symlinks_that_get_would_refuse() {
    let p = Project::new("");
    let out = p.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("app"), "built").unwrap();
    std::os::unix::fs::symlink("/etc/passwd", out.join("abs")).unwrap();
    p.cmd()
        .args(["cache", "put", "k", "out"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("absolute path"));
    std::fs::remove_file(out.join("abs")).unwrap();
    std::os::unix::fs::symlink("../../elsewhere", out.join("up")).unwrap();
    p.cmd()
        .args(["cache", "put", "k", "out"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("escaping"));
    // The key was not taken: a clean tree can still be stored under it.
    std::fs::remove_file(out.join("up")).unwrap();
    std::os::unix::fs::symlink("app", out.join("ok")).unwrap();
    p.ok(&["cache", "put", "k", "out"]);
    p.ok(&["cache", "get", "k", "--dest", "d"]);
}

fn sha(path: &std::path::Path) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(std::fs::read(path).unwrap()).to_vec()
}

#[test]
fn read_only_commands_leave_foreign_newer_and_older_files_untouched() {
    let p = Project::new(TWO_ARMS);
    std::fs::create_dir_all(p.path().join(".maestro")).unwrap();
    // Another program's database.
    let other = p.path().join("other.db");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        .unwrap();
    let before = sha(&other);
    for args in [
        &["stats"][..],
        &["route", "--task", "t1"],
        &["arms", "list"],
    ] {
        p.cmd()
            .args(["--state", "other.db"])
            .args(args)
            .assert()
            .code(2)
            .stderr(predicates::str::contains("not a maestro state file"));
        assert_eq!(
            sha(&other),
            before,
            "{args:?} changed another program's file"
        );
    }
    // A maestro state from a newer maestro.
    p.ok(&["route", "--task", "t1"]);
    let state = p.state();
    rusqlite::Connection::open(&state)
        .unwrap()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA user_version = 99;")
        .unwrap();
    let before = sha(&state);
    for args in [&["stats"][..], &["route", "--task", "t2"]] {
        p.cmd()
            .args(args)
            .assert()
            .code(2)
            .stderr(predicates::str::contains("newer"));
        assert_eq!(sha(&state), before, "{args:?} changed a newer state file");
    }
    // An older schema is read through a migrated copy; the file stays as it is.
    let old = p.path().join("old.db");
    let c = rusqlite::Connection::open(&old).unwrap();
    c.execute_batch(maestro::state::schema::MIGRATIONS[0])
        .unwrap();
    c.pragma_update(None, "user_version", 1).unwrap();
    drop(c);
    let before = sha(&old);
    p.cmd()
        .args(["--state", "old.db", "stats"])
        .assert()
        .success();
    assert_eq!(sha(&old), before);
}

#[test]
fn a_state_location_that_is_not_a_file_is_an_input_error() {
    let p = Project::new(TWO_ARMS);
    for state in [".", "/dev/null"] {
        for args in [&["stats"][..], &["route", "--task", "t1"]] {
            p.cmd().args(["--state", state]).args(args).assert().code(2);
        }
    }
}

#[test]
fn repro_with_nothing_to_compare_is_an_input_error() {
    let p = Project::new("");
    for d in ["a", "b"] {
        std::fs::create_dir_all(p.path().join(d)).unwrap();
        std::fs::write(p.path().join(d).join("x"), "1").unwrap();
    }
    p.cmd()
        .args(["repro", "compare", "a", "b", "--glob", "nomatch*"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("nothing to compare"));
}

#[test]
fn smaller_input_defects_name_the_cause() {
    let p = Project::new("");
    // A quoted tool command line is run as a shell would split it.
    let hash = |prog: &str| -> String {
        p.json(&["env-hash", "--no-detect", "--tool", prog])["env_hash"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_ne!(
        hash("python3 -c \"print(1)\""),
        hash("python3 -c \"print(2)\""),
        "the quoted argument reaches the tool"
    );
    p.cmd()
        .args(["env-hash", "--tool", "python3 -c \"print(1)"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("quotes"));
    // A policy's TOML error says what is wrong, not only where.
    std::fs::write(p.path().join("pol.toml"), "[rules]\nx = \n").unwrap();
    std::fs::write(p.path().join("a.txt"), "nothing\n").unwrap();
    p.cmd()
        .args(["pii-scan", "a.txt", "--policy", "pol.toml"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("line 2").and(predicates::str::contains("expected")));
    // --config naming a directory says so.
    p.cmd()
        .args(["--config", ".", "stats"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("is a directory"));
    // A threshold out of range says which range.
    p.cmd()
        .args(["bench-gate", "--head", "x", "--threshold", "1e308"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("below 1000%"));
    // replay's help names every policy it takes.
    p.cmd()
        .args(["replay", "--help"])
        .assert()
        .success()
        .stdout(predicates::str::contains("ids"));
}

#[test]
fn other_numbers_from_flags_and_data_are_bounded() {
    let p = Project::new("");
    std::fs::create_dir_all(p.path().join("out")).unwrap();
    std::fs::write(p.path().join("out/app"), "x").unwrap();
    for s in ["1e308", "-1", "nan"] {
        p.cmd()
            .args(["cache", "put", "k", "out", "--build-seconds", s])
            .assert()
            .code(2);
    }
    let mut csv = String::from("instance_id,arm,resolved,cost_usd\n");
    for t in 0..5 {
        csv += &format!("t{t},a,1,0.1\nt{t},b,0,0.01\n");
    }
    std::fs::write(p.path().join("d.csv"), &csv).unwrap();
    p.cmd()
        .args(["replay", "--data", "d.csv", "--lambda", "1e308"])
        .assert()
        .code(2);
    std::fs::write(p.path().join("big.csv"), csv.replace("0.01", "1e300")).unwrap();
    p.cmd()
        .args(["replay", "--data", "big.csv"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("big.csv:"));
}

/// A reader that goes away (`maestro … | head -1`) is not an error: exit 0,
/// nothing on stderr, for output larger than the pipe's buffer.
#[test]
fn a_closed_stdout_pipe_is_exit_0_and_silent() {
    let juice = common::fixture("sbom/sboms/cyclonedx/juice-shop");
    let base = juice.join("juice-shop-v11.1.2.bom.json");
    let head = juice.join("juice-shop-v14.1.1.flat.bom.1.4.json");
    let p = Project::new("");
    let runs: [Vec<&std::ffi::OsStr>; 2] = [
        vec!["completions".as_ref(), "bash".as_ref()],
        vec![
            "--json".as_ref(),
            "sbom-diff".as_ref(),
            "--base".as_ref(),
            base.as_os_str(),
            "--head".as_ref(),
            head.as_os_str(),
        ],
    ];
    for args in runs {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("maestro"))
            .current_dir(p.path())
            .args(&args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(
            out.stderr.is_empty(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
