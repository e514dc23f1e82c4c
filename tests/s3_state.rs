//! S3-synced state against a real S3 server (moto, started by scripts/test).

mod common;
use common::{create_bucket, s3_endpoint, unique_bucket, Project};
use maestro::storage::s3::{S3Settings, S3Store};
use maestro::storage::{Cond, ObjectStore};
use std::time::Duration;

const ARMS: &str = r#"
[[arms]]
id = "a@small"
tier = "small"

[[arms]]
id = "b@large"
tier = "large"
"#;

/// A new bucket on the test endpoint, and the state location `key` in it.
fn fresh_state(ep: &str, tag: &str, key: &str) -> String {
    let bucket = unique_bucket(tag);
    create_bucket(ep, &bucket);
    format!("s3://{bucket}/{key}")
}

fn json(p: &Project, ep: &str, state: &str, args: &[&str]) -> serde_json::Value {
    common::stdout_json(p.s3_cmd(ep, state).arg("--json"), args)
}

fn route_many(p: &Project, ep: &str, state: &str, n: usize, tag: &str) -> Vec<String> {
    (0..n)
        .map(|i| {
            json(p, ep, state, &["route", "--task", &format!("{tag}{i}")])["decision_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

fn report_child(p: &Project, ep: &str, state: &str, id: &str) -> std::process::Child {
    p.s3_spawn(
        ep,
        state,
        &["report", "--decision", id, "--eval", "1", "--cost", "0.5"],
    )
}

fn reported(p: &Project, ep: &str, state: &str) -> i64 {
    let s = json(p, ep, state, &["stats"]);
    let n: i64 = s["arms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["n"].as_i64().unwrap())
        .sum();
    assert_eq!(
        s["reported"].as_i64().unwrap(),
        n,
        "outcomes and arm counts agree"
    );
    n
}

#[test]
fn thirty_two_concurrent_reports_on_s3_are_all_counted_once() {
    let Some(ep) = s3_endpoint() else { return };
    common::within_one_utc_day(|| thirty_two_concurrent_reports(&ep));
}

fn thirty_two_concurrent_reports(ep: &str) {
    let state = fresh_state(ep, "c32", "team/state.db");
    let p = Project::new(ARMS);
    let ids = route_many(&p, ep, &state, 32, "t");
    let children: Vec<_> = ids
        .iter()
        .map(|id| report_child(&p, ep, &state, id))
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(reported(&p, ep, &state), 32);
    // Reporting all of them again changes nothing.
    for id in ids.iter().take(4) {
        p.s3_cmd(ep, &state)
            .args(["report", "--decision", id, "--eval", "1", "--cost", "0.5"])
            .assert()
            .success();
    }
    assert_eq!(reported(&p, ep, &state), 32);
}

/// Escalation on a shared state: for eight tasks at once, the report of
/// attempt k races a `route` for the same task. Whatever the order, the
/// next `route` makes attempt k + 1 after exactly the arms that failed, and
/// every attempt and its cost is kept.
#[test]
fn concurrent_attempts_of_the_same_tasks_on_s3_lose_nothing() {
    let Some(ep) = s3_endpoint() else { return };
    common::within_one_utc_day(|| concurrent_attempts(&ep));
}

fn concurrent_attempts(ep: &str) {
    let ep = ep.to_string();
    let state = fresh_state(&ep, "esc", "team/state.db");
    let p = Project::new(&format!(
        "[router]\nmax_attempts = 3\nlambda = 0\n{ARMS}\n[[arms]]\nid = \"c@medium\"\ntier = \"medium\"\n"
    ));
    let tasks: Vec<String> = (0..8).map(|i| format!("esc{i}")).collect();
    let mut failed: Vec<Vec<String>> = vec![Vec::new(); tasks.len()];
    for t in &tasks {
        json(&p, &ep, &state, &["route", "--task", t]);
    }
    for attempt in 1..=2u64 {
        let mut children = Vec::new();
        for t in &tasks {
            children.push(p.s3_spawn(
                &ep,
                &state,
                &["report", "--task", t, "--eval", "0", "--cost", "0.25"],
            ));
            children.push(p.s3_spawn(&ep, &state, &["route", "--task", t]));
        }
        for c in children {
            let out = c.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        for (i, t) in tasks.iter().enumerate() {
            let d = json(&p, &ep, &state, &["route", "--task", t]);
            assert_eq!(d["attempt"].as_u64(), Some(attempt + 1), "{t}: {d}");
            let before: Vec<String> = serde_json::from_value(d["failed_arms"].clone()).unwrap();
            assert_eq!(before.len() as u64, attempt, "{t}: {d}");
            assert!(
                before.starts_with(&failed[i]),
                "{t}: {before:?} after {:?}",
                failed[i]
            );
            assert!(!before.contains(&d["arm"].as_str().unwrap().to_string()));
            failed[i] = before;
        }
    }
    let s = json(&p, &ep, &state, &["stats"]);
    assert_eq!(s["reported"], 16);
    assert_eq!(s["pending"], 8);
    let t = &s["tasks"];
    assert_eq!(t["tasks"], 8);
    assert!(
        (t["cost_per_task"].as_f64().unwrap() - 0.5).abs() < 1e-9,
        "{t}"
    );
    assert!((s["spend_today"].as_f64().unwrap() - 4.0).abs() < 1e-9);
}

#[test]
fn killed_writers_never_double_count_and_survivors_are_kept() {
    let Some(ep) = s3_endpoint() else { return };
    let state = fresh_state(&ep, "kill", "state.db");
    let p = Project::new(ARMS);
    let ids = route_many(&p, &ep, &state, 32, "k");
    let mut children: Vec<_> = ids
        .iter()
        .map(|id| report_child(&p, &ep, &state, id))
        .collect();
    // SIGKILL 8 of the 32 at staggered points of their run.
    for (i, c) in children.iter_mut().enumerate().filter(|(i, _)| i % 4 == 0) {
        std::thread::sleep(Duration::from_millis(20 * (i as u64 % 9)));
        let _ = c.kill();
    }
    let mut ok = Vec::new();
    let mut killed = 0;
    for (c, id) in children.into_iter().zip(&ids) {
        let status = c.wait_with_output().unwrap().status;
        if status.success() {
            ok.push(id.clone());
        }
        // Killed while running, not after it had finished.
        use std::os::unix::process::ExitStatusExt;
        killed += usize::from(status.signal() == Some(9));
    }
    assert!(killed >= 1, "no writer was still running when killed");
    assert!(
        ok.len() >= 24,
        "the 24 unkilled reports succeed: {}",
        ok.len()
    );
    let n = reported(&p, &ep, &state);
    assert!(
        n >= ok.len() as i64 && n <= 32,
        "counted {n}, succeeded {}",
        ok.len()
    );
    // Each successful report is there exactly once: re-reporting is a no-op.
    for id in &ok {
        let v = json(
            &p,
            &ep,
            &state,
            &["report", "--decision", id, "--eval", "1", "--cost", "0.5"],
        );
        assert_eq!(v["duplicate"], true, "{id} was counted");
    }
    assert_eq!(reported(&p, &ep, &state), n);
}

#[test]
fn read_only_commands_never_upload_and_bad_state_objects_are_refused() {
    let Some(ep) = s3_endpoint() else { return };
    let bucket = unique_bucket("ro");
    create_bucket(&ep, &bucket);
    let state = format!("s3://{bucket}/s.db");
    let p = Project::new(ARMS);
    // Reading a state that does not exist yet creates nothing.
    json(&p, &ep, &state, &["stats"]);
    json(&p, &ep, &state, &["arms", "list"]);
    let probe = p
        .s3_cmd(&ep, &state)
        .args(["downshift", "status"])
        .output()
        .unwrap();
    assert!(probe.status.success());
    let s3 = store(&ep, &bucket);
    assert!(s3.list("").unwrap().is_empty(), "nothing uploaded");

    // A corrupt state object: exit 2, named, and left as it was.
    let junk = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(junk.path(), "not a database at all ".repeat(64)).unwrap();
    s3.put_file("s.db", junk.path(), &Cond::Always).unwrap();
    let before = s3.head("s.db").unwrap().unwrap();
    let out = p
        .s3_cmd(&ep, &state)
        .args(["route", "--task", "x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&state) && err.contains("not a maestro state file"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(s3.head("s.db").unwrap().unwrap(), before, "left as it was");
}

#[test]
fn missing_bucket_and_unreachable_endpoint_have_their_exit_codes() {
    let Some(ep) = s3_endpoint() else { return };
    let p = Project::new(ARMS);
    let out = p
        .s3_cmd(&ep, "s3://no-such-bucket-here/s.db")
        .args(["stats"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
}

/// A port that was just free: nothing listens there.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[test]
fn an_unreachable_endpoint_is_exit_3() {
    let p = Project::new(ARMS);
    let ep = format!("http://127.0.0.1:{}", closed_port());
    let out = p
        .s3_cmd(&ep, "s3://b/s.db")
        .args(["report", "--task", "x", "--eval", "1", "--cost", "0"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("cannot reach S3") && err.contains("after 5 attempts"),
        "{err}"
    );
}

/// A server that answers every request with 500: exit 3 after the SDK's
/// five attempts, each of which reached the server.
#[test]
fn a_server_answering_500_is_exit_3_after_five_attempts() {
    use std::io::{Read, Write};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let ep = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    std::thread::spawn(move || {
        for s in listener.incoming() {
            let Ok(mut s) = s else { continue };
            counter.fetch_add(1, Ordering::SeqCst);
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = s.write_all(
                b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    let p = Project::new(ARMS);
    let out = p
        .s3_cmd(&ep, "s3://b/s.db")
        .args(["stats"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("after 5 attempts: HTTP 500"), "{err}");
    assert_eq!(seen.load(Ordering::SeqCst), 5);
}

/// A real S3 client on the test endpoint (credentials passed, not set in
/// the environment other test threads read).
fn store(ep: &str, bucket: &str) -> S3Store {
    let settings = S3Settings {
        endpoint: Some(ep.to_string()),
        path_style: Some(true),
        static_credentials: Some(("test".into(), "test".into())),
    };
    S3Store::new(bucket, "", &settings).unwrap()
}

/// No credentials anywhere is a configuration error (exit 2) that says what
/// to set, before any request: not "cannot reach S3" (exit 3).
#[test]
fn missing_aws_credentials_is_exit_2_naming_the_variables() {
    let p = Project::new("");
    let out = p
        .cmd()
        .env("MAESTRO_STATE", "s3://bucket/state.db")
        .env("MAESTRO_S3_ENDPOINT", "http://127.0.0.1:9")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", p.path().join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", p.path().join("none"))
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_WEB_IDENTITY_TOKEN_FILE")
        .env_remove("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
        .env_remove("AWS_CONTAINER_CREDENTIALS_FULL_URI")
        .args(["stats"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with("maestro: error: s3://bucket/state.db: ")
            && err.contains("no usable AWS credentials")
            && err.contains("AWS_ACCESS_KEY_ID"),
        "{err}"
    );
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
}
