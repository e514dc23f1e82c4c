//! `maestro exec --schema`: agents scripted here (shell scripts that print
//! right or wrong documents by attempt), the seed's ImplementerOut schema,
//! the state's record and `stats`.

mod common;

use common::Project;
use std::path::Path;

const SCHEMA: &str = "fixtures/schemas/implementer-out.json";

fn schema(p: &Project) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(SCHEMA);
    std::fs::create_dir_all(p.path().join("fixtures/schemas")).unwrap();
    std::fs::copy(src, p.path().join(SCHEMA)).unwrap();
}

/// An agent script in the project: `body` runs under `sh`.
fn agent(p: &Project, name: &str, body: &str) -> String {
    let path = p.path().join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    name.to_string()
}

const GOOD: &str = r#"{"patch": "--- a/x\n+++ b/x\n", "tests": ["t1"], "rationale": "because the caller needs it"}"#;

fn exec(p: &Project, extra: &[&str], agent: &str) -> std::process::Output {
    let mut args = vec!["exec", "--schema", SCHEMA];
    args.extend_from_slice(extra);
    args.extend(["--", "sh", agent]);
    p.cmd().args(&args).output().unwrap()
}

#[test]
fn a_valid_document_is_printed_and_recorded() {
    let p = Project::new("");
    schema(&p);
    let a = agent(
        &p,
        "good.sh",
        &format!("cat <<'EOF'\nSure! Here it is:\n```json\n{GOOD}\n```\nEOF"),
    );
    let out = exec(&p, &[], &a);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["tests"][0], "t1");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("attempt 1: valid, from the last fenced code block"),
        "{err}"
    );
    let s = p.json(&["stats"]);
    let all = s["schema"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (all["arm"].as_str(), all["runs"].as_i64()),
        (Some("all"), Some(1))
    );
    assert_eq!(all["first_try_valid"], 1.0);
}

#[test]
fn violations_go_back_to_the_agent_which_fixes_them() {
    let p = Project::new("");
    schema(&p);
    // Wrong on the first attempt (tests is a string, rationale too short);
    // the second attempt saves what it was told and prints a valid one.
    let a = agent(
        &p,
        "learns.sh",
        &format!(
            r#"if [ "$MAESTRO_ATTEMPT" = 1 ]; then
  printf '%s\n' '{{"patch": "--- a/x\n+++ b/x\n", "tests": "t1", "rationale": "short"}}'
else
  printf '%s' "$MAESTRO_SCHEMA_ERRORS" > errors.json
  printf '%s' "$MAESTRO_SCHEMA_FEEDBACK" > feedback.txt
  cat > stdin.txt
  printf '%s\n' '{GOOD}'
fi"#
        ),
    );
    let out = exec(&p, &["--feedback-stdin", "--json"], &a);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["valid"], true);
    assert_eq!(v["attempts"].as_array().unwrap().len(), 2);
    assert_eq!(v["attempts"][0]["outcome"], "invalid");
    assert_eq!(v["document"]["tests"][0], "t1");
    let errors: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p.path().join("errors.json")).unwrap())
            .unwrap();
    let paths: Vec<&str> = errors
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["instance_path"].as_str().unwrap())
        .collect();
    assert_eq!(paths.len(), 2, "{errors}");
    assert!(
        paths.contains(&"/tests") && paths.contains(&"/rationale"),
        "{errors}"
    );
    assert!(errors[0]["schema_path"].as_str().unwrap().starts_with('/'));
    let words = std::fs::read_to_string(p.path().join("feedback.txt")).unwrap();
    assert!(
        words.contains("at `/tests`") && words.contains("at `/rationale`"),
        "{words}"
    );
    assert_eq!(
        std::fs::read_to_string(p.path().join("stdin.txt")).unwrap(),
        words,
        "the same words on stdin"
    );
}

#[test]
fn every_attempt_failing_is_exit_1_with_the_reasons() {
    let p = Project::new("");
    schema(&p);
    let a = agent(&p, "bad.sh", r#"echo '{"patch": "x"}'"#);
    let out = exec(&p, &["--retries", "1"], &a);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "no document on stdout");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no valid document after 2 attempt(s)"),
        "{err}"
    );
    assert!(err.contains("/patch"), "{err}");
    // Crash, no output and no JSON are named as such.
    for (body, want) in [
        (
            "echo oops >&2; exit 3",
            "crash: the agent exited with code 3 (stderr ends: oops)",
        ),
        ("true", "no_output: the agent printed nothing"),
        (
            "echo 'I could not do it'",
            "no_json: no JSON document in the output",
        ),
    ] {
        let a = agent(&p, "fails.sh", body);
        let out = exec(&p, &["--retries", "0"], &a);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{body}: {err}");
        assert!(err.contains(want), "{body}: {err}");
    }
    let s = p.json(&["stats"]);
    let all = s["schema"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(all["runs"], 4);
    assert_eq!(all["valid"], 0.0);
}

#[test]
fn a_timeout_kills_the_agent_and_what_it_started_and_is_not_retried() {
    let p = Project::new("");
    schema(&p);
    // The agent starts a grandchild that would outlive it and write a file.
    let a = agent(&p, "slow.sh", "(sleep 3; touch late) & sleep 30");
    let started = std::time::Instant::now();
    let out = exec(&p, &["--timeout", "1s", "--retries", "2", "--json"], &a);
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let attempts = v["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 1, "not retried: {v}");
    assert_eq!(attempts[0]["outcome"], "timeout");
    std::thread::sleep(std::time::Duration::from_millis(3500));
    assert!(!p.path().join("late").exists(), "the grandchild was killed");
}

/// Starts `maestro exec` on `agent` and waits until the agent has written
/// `pid` (it runs, its signal traps are set).
fn exec_running(p: &Project, agent: &str) -> std::process::Child {
    let child = p
        .process()
        .args(["exec", "--schema", SCHEMA, "--", "sh", agent])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while !p.path().join("pid").exists() {
        assert!(started.elapsed().as_secs() < 30, "the agent never started");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(100));
    child
}

fn kill(child: &std::process::Child, sig: &str) {
    let ok = std::process::Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

#[test]
fn ctrl_c_reaches_the_agent_and_everything_it_started() {
    let p = Project::new("");
    schema(&p);
    // The agent's own process group: a signal to maestro alone would leave
    // it, and the grandchild that ignores SIGINT, running.
    let a = agent(
        &p,
        "long.sh",
        "trap 'echo INT > got; exit 7' INT\n(trap '' INT; sleep 2; touch late) &\necho $$ > pid\nwait",
    );
    let child = exec_running(&p, &a);
    kill(&child, "-INT");
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "interrupted by SIGINT: passed on to the agent `sh`, which exited with code 7"
        ),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(p.path().join("got")).unwrap(),
        "INT\n"
    );
    std::thread::sleep(std::time::Duration::from_millis(2500));
    assert!(!p.path().join("late").exists(), "the grandchild was killed");
}

#[test]
fn an_agent_that_ignores_sigterm_is_killed_on_the_second() {
    let p = Project::new("");
    schema(&p);
    let a = agent(
        &p,
        "stubborn.sh",
        "trap '' TERM\necho $$ > pid\nwhile :; do sleep 0.1; done",
    );
    let mut child = exec_running(&p, &a);
    kill(&child, "-TERM");
    // Passed on; the agent has a grace period to stop on its own.
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "maestro waits for the agent"
    );
    kill(&child, "-TERM");
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(143), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("interrupted by SIGTERM: passed on to the agent `sh`, which was killed"),
        "{err}"
    );
}

#[test]
fn a_document_from_a_file_and_a_run_linked_to_a_decision() {
    let p = Project::new("[router]\nseed = 7\n");
    schema(&p);
    p.ok(&["arms", "add", "impl@small", "--tier", "small"]);
    let d = p.json(&["route", "--task", "t-1"]);
    // A stale file from before is removed, so only what this run writes counts.
    std::fs::write(p.path().join("out.json"), GOOD).unwrap();
    let a = agent(
        &p,
        "writes.sh",
        &format!("echo working; echo \"$MAESTRO_ARM\" > arm.txt; [ -f out.json ] && exit 9; printf '%s\n' '{GOOD}' > out.json"),
    );
    let out = exec(
        &p,
        &["--from", "out.json", "--task", "t-1", "--out", "doc.json"],
        &a,
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        std::fs::read_to_string(p.path().join("arm.txt"))
            .unwrap()
            .trim(),
        d["arm"].as_str().unwrap()
    );
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p.path().join("doc.json")).unwrap()).unwrap();
    assert_eq!(doc["tests"][0], "t1");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("working"),
        "the agent's log is relayed"
    );
    let s = p.json(&["stats"]);
    assert_eq!(s["schema"][0]["arm"], "impl@small");
    assert_eq!(s["schema"][0]["runs"], 1);
}

#[test]
fn agent_output_cannot_run_workflow_commands_in_actions() {
    let p = Project::new("");
    schema(&p);
    let out_file = p.path().join("gh_output");
    let a = agent(
        &p,
        "hostile.sh",
        &format!("echo '::error::pwned' >&2; echo '::set-output name=valid::true' >&2; printf '%s\n' '{GOOD}'"),
    );
    let out = p
        .cmd()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &out_file)
        .args(["exec", "--schema", SCHEMA, "--", "sh", &a])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err.lines().collect();
    let open = lines
        .iter()
        .position(|l| l.starts_with("::stop-commands::"))
        .expect("a stop-commands window");
    let token = lines[open].trim_start_matches("::stop-commands::");
    let close = lines
        .iter()
        .position(|l| *l == format!("::{token}::"))
        .expect("the window is closed");
    let inside = |s: &str| {
        lines
            .iter()
            .position(|l| *l == s)
            .is_some_and(|i| open < i && i < close)
    };
    assert!(
        inside("::error::pwned") && inside("::set-output name=valid::true"),
        "{err}"
    );
    let outputs = std::fs::read_to_string(out_file).unwrap();
    assert!(
        outputs.contains("valid<<") || outputs.contains("valid=true"),
        "{outputs}"
    );
}

#[test]
fn bad_input_is_exit_2_naming_what_is_wrong() {
    let p = Project::new("");
    schema(&p);
    std::fs::write(p.path().join("broken.json"), "{\n  \"type\": ").unwrap();
    std::fs::write(
        p.path().join("remote.json"),
        r#"{"$ref": "https://example.com/s.json"}"#,
    )
    .unwrap();
    let ok = agent(&p, "ok.sh", &format!("printf '%s\\n' '{GOOD}'"));
    let cases: [(&[&str], &str); 5] = [
        (
            &["exec", "--schema", "missing.json", "--", "sh", &ok],
            "missing.json",
        ),
        (
            &["exec", "--schema", "broken.json", "--", "sh", &ok],
            "broken.json: line 2",
        ),
        (
            &["exec", "--schema", "remote.json", "--", "sh", &ok],
            "refers to a schema outside the file",
        ),
        (
            &[
                "exec",
                "--schema",
                SCHEMA,
                "--decision",
                "nope",
                "--",
                "sh",
                &ok,
            ],
            "unknown decision `nope`",
        ),
        (
            &["exec", "--schema", SCHEMA, "--", "no-such-agent-binary"],
            "cannot run agent `no-such-agent-binary`",
        ),
    ];
    for (args, want) in cases {
        let out = p.cmd().args(args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
    // Nothing was recorded for them.
    assert!(p.json(&["stats"])["schema"].as_array().unwrap().is_empty());
}
