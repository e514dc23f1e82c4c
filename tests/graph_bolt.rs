//! The graph on a real Bolt server (ArcadeDB, started by `scripts/test`):
//! every ingest and the same answers as on SQLite; a wrong password.

mod common;

use common::repo::{ingest_all, junit, workspace};
use common::Project;
use maestro::graph::bolt::{Bolt, Config};
use std::time::Duration;

fn value<'a>(env: &'a [(&str, String)], key: &str) -> &'a str {
    env.iter().find(|(k, _)| *k == key).map_or("", |(_, v)| v)
}

fn connect(env: &[(&str, String)]) -> Bolt {
    Bolt::connect(Config {
        uri: value(env, "NEO4J_URI").into(),
        user: value(env, "NEO4J_USER").into(),
        password: value(env, "NEO4J_PASSWORD").into(),
        database: value(env, "NEO4J_DATABASE").into(),
        timeout: Duration::from_secs(10),
        batch: 1000,
    })
    .unwrap()
}

/// One test, its parts in order: they share the server's one database,
/// and after a refused login ArcadeDB delays the next ones.
#[test]
fn on_a_bolt_server() {
    let Some(env) = common::bolt() else { return };
    every_answer_is_the_same_on_sqlite_and_on_bolt(env.clone());
    a_wrong_password_is_exit_3(env);
}

fn every_answer_is_the_same_on_sqlite_and_on_bolt(env: Vec<(&'static str, String)>) {
    connect(&env).clear().unwrap();
    let p = Project::new("");
    let repo = p.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    let shas = workspace(&repo);
    ingest_all(&p, &[]);
    junit(&p, &shas, &[]);
    let bolt = env;
    for round in 0..2 {
        ingest_all(&p, &bolt);
        junit(&p, &shas, &bolt);
        // A batch size of 2 splits every batch (nothing new on round 1).
        p.json_env(
            &[
                "graph",
                "ingest",
                "git",
                "--repo",
                "repo",
                "--bolt-batch",
                "2",
            ],
            &bolt,
        );
        for args in [
            &["graph", "stats"][..],
            &["graph", "impact", "--files", "crates/core/src/lib.rs"],
            &["graph", "impact", "--files", "crates/cli/src/main.rs"],
            &["graph", "impact", "--pr", "3"],
            &["graph", "impact", "--pr", "6", "--repo", "repo"],
            &[
                "graph",
                "coupling",
                "--min-revs",
                "1",
                "--min-shared-revs",
                "1",
                "--min-coupling",
                "0",
            ],
            &["graph", "centrality", "--min-shared-revs", "1"],
            &["graph", "centrality", "--kind", "package"],
            &["graph", "hotspots"],
        ] {
            let sqlite = p.json(args);
            let server = p.json_env(args, &bolt);
            assert_eq!(sqlite, server, "round {round}: {args:?}");
        }
    }
    let s = p.json_env(&["graph", "stats"], &bolt);
    assert_eq!(s["commits"], 5, "{s}");
    assert_eq!(s["tests_failed"], 2);
}

fn a_wrong_password_is_exit_3(mut env: Vec<(&'static str, String)>) {
    for (k, v) in &mut env {
        if *k == "NEO4J_PASSWORD" {
            *v = "not-the-password".into();
        }
    }
    let p = Project::new("");
    let started = std::time::Instant::now();
    let out = p
        .cmd()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .args(["graph", "stats", "--connect-timeout", "5s"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

/// Bolt over TLS (`neo4j+s://`) reaches the handshake and fails as an
/// unreachable server, exit 3, where it used to panic: two TLS providers
/// are linked, so rustls could not pick one without being told.
#[test]
fn a_tls_bolt_uri_fails_cleanly_when_the_server_hangs_up() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in listener.incoming() {
            drop(s);
        }
    });
    let p = common::Project::new("");
    let out = p
        .cmd()
        .env("NEO4J_URI", format!("neo4j+s://127.0.0.1:{port}"))
        .env("NEO4J_USER", "u")
        .env("NEO4J_PASSWORD", "p")
        .args(["graph", "stats"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        err.starts_with("maestro: error: neo4j+s://127.0.0.1"),
        "{err}"
    );
}
