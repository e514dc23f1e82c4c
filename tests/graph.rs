//! `maestro graph ingest git` and `graph stats` on histories scripted in the
//! test: squash and merge pull requests, renames, a revert, a hostile file
//! name, an incremental second run, and a directory that is not a repository.

mod common;

use common::repo::{commit, history, ingest_all, junit, workspace};
use common::Project;

#[test]
fn ingest_links_pull_requests_to_files_and_authors_and_is_incremental() {
    let p = Project::new("");
    let repo = p.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    history(&repo);
    let r = p.json(&["graph", "ingest", "git", "--repo", "repo"]);
    // First parent only: the feature branch's two commits arrive as the merge.
    assert_eq!(r["read"], 7, "{r}");
    assert_eq!(r["new"], 7);
    let s = p.json(&["graph", "stats"]);
    assert_eq!(s["commits"], 7, "{s}");
    assert_eq!(s["prs"], 5, "#1 to #5");
    assert_eq!(s["prs_linked"], 5);
    assert_eq!(s["authors"], 2);
    assert_eq!(s["reverts"], 1);
    // The merge carries its pull request's files (d.rs and a.rs).
    let db = rusqlite::Connection::open(p.state()).unwrap();
    let files = |pr: i64| -> Vec<String> {
        let mut st = db
            .prepare("SELECT t.path FROM graph_touches t JOIN graph_commits c ON c.sha = t.sha WHERE c.pr = ?1 ORDER BY t.path")
            .unwrap();
        st.query_map([pr], |r| r.get(0))
            .unwrap()
            .map(|x| x.unwrap())
            .collect()
    };
    assert_eq!(files(4), ["src/a.rs", "src/d.rs"]);
    let old: Option<String> = db
        .query_row(
            "SELECT t.old_path FROM graph_touches t JOIN graph_commits c ON c.sha = t.sha WHERE c.pr = 3",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(old.as_deref(), Some("src/b.rs"), "renames followed");
    assert_eq!(
        files(5),
        ["line\nbreak ::error::x.txt"],
        "names kept as they are"
    );
    // A second run reads nothing; a new commit is read alone.
    let again = p.json(&["graph", "ingest", "git", "--repo", "repo"]);
    assert_eq!(again["read"], 0, "{again}");
    commit(&repo, &[("src/e.rs", "e\n")], "Add e (#6)");
    let more = p.json(&["graph", "ingest", "git", "--repo", "repo"]);
    assert_eq!(
        (more["read"].as_u64(), more["new"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(p.json(&["graph", "stats"])["prs"], 6);
}

#[test]
fn a_separate_graph_file_and_the_same_input_twice() {
    let p = Project::new("");
    let repo = p.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    history(&repo);
    let args = [
        "graph", "ingest", "git", "--repo", "repo", "--graph", "g.db",
    ];
    p.json(&args);
    let first = p.json(&["graph", "stats", "--graph", "g.db"]);
    // Forget the tip: the whole history is read again and changes nothing.
    let db = rusqlite::Connection::open(p.path().join("g.db")).unwrap();
    db.execute("DELETE FROM meta WHERE key = 'graph.git.tip'", [])
        .unwrap();
    drop(db);
    let r = p.json(&args);
    assert_eq!((r["read"].as_u64(), r["new"].as_u64()), (Some(7), Some(0)));
    assert_eq!(p.json(&["graph", "stats", "--graph", "g.db"]), first);
    assert!(!p.state().exists(), "the state was not touched");
}

#[test]
fn a_directory_that_is_not_a_repository_is_exit_2_and_writes_nothing() {
    let p = Project::new("");
    std::fs::create_dir(p.path().join("plain")).unwrap();
    let out = p
        .cmd()
        .args(["graph", "ingest", "git", "--repo", "plain"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("plain") && err.contains("not a git repository"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(!p.state().exists());
    let bad = p
        .cmd()
        .args(["graph", "ingest", "git", "--since", "--output=x"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn coupling_over_the_ingested_history() {
    let p = Project::new("");
    let repo = p.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    history(&repo);
    p.json(&["graph", "ingest", "git", "--repo", "repo"]);
    let all = [
        "graph",
        "coupling",
        "--min-revs",
        "1",
        "--min-shared-revs",
        "1",
        "--min-coupling",
        "0",
    ];
    let pairs = p.json(&all);
    // src/a.rs: #1, #2, #4 (3 commits); src/b.rs: #1 and the revert that
    // moves c back to b (2); src/d.rs: #4 (1). a–b share #1: average 2.5,
    // degree 40. a–d share #4: average 2, degree 50.
    let rows: Vec<(String, String, u64)> = pairs
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["entity"].as_str().unwrap().to_string(),
                x["coupled"].as_str().unwrap().to_string(),
                x["degree"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(
        rows.contains(&("src/a.rs".into(), "src/b.rs".into(), 40)),
        "{rows:?}"
    );
    assert!(
        rows.contains(&("src/a.rs".into(), "src/d.rs".into(), 50)),
        "{rows:?}"
    );
    // code-maat's defaults need 5 shared commits: none here.
    assert_eq!(p.json(&["graph", "coupling"]), serde_json::json!([]));
    let bad = p
        .cmd()
        .args(["graph", "coupling", "--min-coupling", "NaN"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn codeowners_rules_give_files_and_pull_requests_owners() {
    let p = Project::new("");
    let repo = p.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    history(&repo);
    p.json(&["graph", "ingest", "git", "--repo", "repo"]);
    std::fs::write(
        p.path().join("CODEOWNERS"),
        "# owners\n/src/ @org/core\n/src/d.rs\n*.txt dev@corp.io\n",
    )
    .unwrap();
    let r = p.json(&["graph", "ingest", "codeowners", "CODEOWNERS"]);
    assert_eq!(r["rules"], 3);
    let s = p.json(&["graph", "stats"]);
    // Touched: src/a.rs, src/b.rs, src/c.rs, src/d.rs, the odd .txt, README.
    // Owned: a, b, c (the /src/ rule), the .txt; d.rs is unowned (last match).
    assert_eq!(s["files"], 6, "{s}");
    assert_eq!(s["files_owned"], 4, "{s}");
    // #1, #2, #3, #4 (a.rs), #5 (.txt) touch an owned file.
    assert_eq!(s["prs_with_owner"], 5, "{s}");
    // The same file again changes nothing; a malformed one is exit 2 naming
    // its line, and the rules stay.
    p.json(&["graph", "ingest", "codeowners", "CODEOWNERS"]);
    assert_eq!(p.json(&["graph", "stats"]), s);
    std::fs::write(p.path().join("BAD"), "* @ok\nsrc/ not-an-owner\n").unwrap();
    let out = p
        .cmd()
        .args(["graph", "ingest", "codeowners", "BAD"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("BAD:2:"));
    assert_eq!(p.json(&["graph", "stats"]), s);
}

#[test]
fn hotspots_count_revisions_authors_and_churn() {
    let p = Project::new("");
    let repo = p.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    history(&repo);
    p.json(&["graph", "ingest", "git", "--repo", "repo", "--lines"]);
    let h = p.json(&["graph", "hotspots", "--top", "2"]);
    // src/a.rs: #1 (+1), #2 (+1 -1), #4 (+1 -1): 3 revisions, 2 authors, churn 5.
    assert_eq!(h[0]["path"], "src/a.rs", "{h}");
    assert_eq!(h[0]["revisions"], 3);
    assert_eq!(h[0]["authors"], 2);
    assert_eq!(h[0]["churn"], 5);
    assert_eq!(h.as_array().unwrap().len(), 2);
    let none = p.json(&["graph", "hotspots", "--since", "2030-01-01"]);
    assert_eq!(none, serde_json::json!([]));
    let bad = p
        .cmd()
        .args(["graph", "hotspots", "--since", "yesterday"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn centrality_ranks_files_of_the_co_change_graph() {
    let p = Project::new("");
    let repo = p.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    history(&repo);
    p.json(&["graph", "ingest", "git", "--repo", "repo"]);
    let c = p.json(&["graph", "centrality", "--min-shared-revs", "1"]);
    let rows = c.as_array().unwrap();
    // a.rs changes with b.rs (#1) and d.rs (#4): the hub of the graph.
    assert_eq!(rows[0]["path"], "src/a.rs", "{c}");
    assert_eq!(rows[0]["degree"], 2);
    let total: f64 = rows.iter().map(|r| r["pagerank"].as_f64().unwrap()).sum();
    assert!((total - 1.0).abs() < 1e-9, "{total}");
    assert_eq!(
        p.json(&["graph", "centrality"]),
        serde_json::json!([]),
        "no pair shares 3 commits"
    );
}

#[test]
fn impact_names_co_changes_dependents_owners_failing_tests_and_incidents() {
    let p = Project::new("");
    let repo = p.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    let shas = workspace(&repo);
    ingest_all(&p, &[]);
    junit(&p, &shas, &[]);
    let s = p.json(&["graph", "stats"]);
    assert_eq!(
        (&s["test_results"], &s["tests_failed"], &s["tests_flaky"]),
        (&5.into(), &2.into(), &1.into()),
        "{s}"
    );
    assert_eq!(s["incidents_linked"], 2);
    assert_eq!((&s["packages"], &s["dependencies"]), (&4.into(), &3.into()));
    let r = p.json(&["graph", "impact", "--files", "crates/core/src/lib.rs"]);
    // core/src/lib.rs: commits #1–#4; app/src/lib.rs with it in #1–#3.
    let co = &r["co_changes"];
    assert_eq!(co.as_array().unwrap().len(), 1, "{r}");
    assert_eq!(co[0]["file"], "crates/app/src/lib.rs");
    assert_eq!(
        (&co[0]["support"], &co[0]["revisions"]),
        (&3.into(), &4.into())
    );
    assert_eq!(
        co[0]["reason"],
        "changed together with crates/core/src/lib.rs in 3 of its 4 commits (75 %)"
    );
    assert_eq!(r["packages"], serde_json::json!(["core 0.1.0"]));
    let deps: Vec<(&str, u64)> = r["dependents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["package"].as_str().unwrap(), d["depth"].as_u64().unwrap()))
        .collect();
    assert_eq!(deps, [("app", 1), ("cli", 2)]);
    assert_eq!(
        r["dependents"][1]["reason"],
        "depends on core through app, which this change touches (crates/core/src/lib.rs)"
    );
    let owners: Vec<&str> = r["owners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["owner"].as_str().unwrap())
        .collect();
    assert_eq!(owners, ["@bo", "@org/core"], "line 2 wins over line 1");
    let tests: Vec<(&str, u64, u64)> = r["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap(),
                t["failed"].as_u64().unwrap(),
                t["flaky"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        tests,
        [("api", 1, 0), ("smoke", 0, 1)],
        "cli::x failed on #5 only"
    );
    let inc: Vec<&str> = r["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(inc, ["INC-1"]);
    assert_eq!(
        r["incidents"][0]["reason"],
        "INC-1 \"core down\" (SEV2) was caused by #2, which changed crates/core/src/lib.rs"
    );
    // cli's file: its unowned rule, its incident by commit, its failing test.
    let c = p.json(&["graph", "impact", "--files", "crates/cli/src/main.rs"]);
    assert_eq!(c["unowned"], serde_json::json!(["crates/cli/src/main.rs"]));
    assert_eq!(c["incidents"][0]["id"], "INC-2");
    assert_eq!(c["tests"][0]["name"], "x");
    assert_eq!(
        c["dependents"],
        serde_json::json!([]),
        "nothing depends on cli"
    );
    // A merged pull request leaves its own commit out of the evidence: #3
    // is then no longer a co-change, nor the run on it.
    let pr = p.json(&["graph", "impact", "--pr", "3"]);
    assert_eq!(
        pr["files"],
        serde_json::json!(["crates/app/src/lib.rs", "crates/core/src/lib.rs"])
    );
    assert_eq!(pr["tests"], serde_json::json!([]), "{pr}");
    // An open one: its files from the event's base...head, read with git.
    let open = p.json(&["graph", "impact", "--pr", "6", "--repo", "repo"]);
    assert_eq!(open["files"], serde_json::json!(["crates/core/src/lib.rs"]));
    assert_eq!(open["co_changes"][0]["file"], "crates/app/src/lib.rs");
    let range = p.json(&[
        "graph",
        "impact",
        "--repo",
        "repo",
        "--range",
        &format!("{}..{}", shas[0], shas[1]),
    ]);
    assert_eq!(range["files"], pr["files"]);
    // Markdown for the PR report, text for a terminal.
    let md = p
        .cmd()
        .args([
            "--format",
            "markdown",
            "graph",
            "impact",
            "--files",
            "crates/core/src/lib.rs",
        ])
        .output()
        .unwrap();
    let md = String::from_utf8(md.stdout).unwrap();
    assert!(md.starts_with("#### Impact of 1 changed file\n"), "{md}");
    assert!(
        md.contains("| `crates/app/src/lib.rs` | `crates/core/src/lib.rs` | 3 / 4 | 75 % |"),
        "{md}"
    );
    let unknown = p
        .cmd()
        .args(["graph", "impact", "--pr", "99"])
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("#99 is not in the graph"));
}

#[test]
fn every_ingest_twice_changes_nothing() {
    let p = Project::new("");
    let repo = p.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    let shas = workspace(&repo);
    ingest_all(&p, &[]);
    junit(&p, &shas, &[]);
    let once = p.snapshot();
    ingest_all(&p, &[]);
    junit(&p, &shas, &[]);
    assert!(once == p.snapshot(), "the second ingest changed the state");
    // Without --run, the run id is the reports' hash: the same again.
    let a = p.json(&[
        "graph",
        "ingest",
        "junit",
        "junit-3.xml",
        "--commit",
        &shas[2],
    ]);
    let b = p.json(&[
        "graph",
        "ingest",
        "junit",
        "junit-3.xml",
        "--commit",
        &shas[2],
    ]);
    assert_eq!(a["run"], b["run"]);
    assert!(a["run"].as_str().unwrap().starts_with("sha256:"));
    // An older event for the same pull request does not overwrite a newer one.
    let old = std::fs::read_to_string(p.path().join("event-6.json"))
        .unwrap()
        .replace("2026-01-04", "2025-12-01")
        .replace("Core again", "Old title");
    std::fs::write(p.path().join("old.json"), old).unwrap();
    let r = p.json(&["graph", "ingest", "pr", "old.json"]);
    assert_eq!(r["written"], false);
}

#[test]
fn bad_sources_are_exit_2_naming_the_file_and_line_and_write_nothing() {
    let p = Project::new("");
    let repo = p.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    workspace(&repo);
    ingest_all(&p, &[]);
    let before = p.snapshot();
    let full = std::fs::read_to_string(p.path().join("junit-3.xml")).unwrap();
    std::fs::write(p.path().join("cut.xml"), &full[..full.len() / 2]).unwrap();
    std::fs::write(p.path().join("Cargo.lock"), "{\"lockfileVersion\": 3}\n").unwrap();
    std::fs::write(p.path().join("inc.csv"), "id,time\nA,2026-01-01\nB,soon\n").unwrap();
    std::fs::write(p.path().join("push.json"), "{\"ref\": \"refs/heads/main\"}").unwrap();
    std::fs::write(p.path().join("packages.lock.json"), "{}\n").unwrap();
    for (args, want) in [
        (
            &["graph", "ingest", "junit", "junit-5.xml", "cut.xml"][..],
            "cut.xml: line ",
        ),
        (
            &["graph", "ingest", "lockfile", "Cargo.lock"][..],
            "Cargo.lock: line 1:",
        ),
        (
            &["graph", "ingest", "lockfile", "packages.lock.json"][..],
            "packages.lock.json: not a lockfile",
        ),
        (
            &["graph", "ingest", "incidents", "inc.csv"][..],
            "inc.csv: line 3: time \"soon\"",
        ),
        (
            &["graph", "ingest", "pr", "push.json"][..],
            "push.json: no pull_request",
        ),
        (
            &["graph", "ingest", "junit", "missing.xml"][..],
            "missing.xml: ",
        ),
        (
            &[
                "graph",
                "ingest",
                "junit",
                "junit-5.xml",
                "--commit",
                "HEAD",
            ][..],
            "--commit \"HEAD\"",
        ),
    ] {
        let out = p.cmd().args(args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    }
    assert!(before == p.snapshot(), "a refused input changed the state");
}

#[test]
fn an_unreachable_bolt_server_is_exit_3_within_the_timeout() {
    let p = Project::new("");
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let uri = format!("bolt://127.0.0.1:{port}");
    let started = std::time::Instant::now();
    let out = p
        .cmd()
        .args(["graph", "stats", "--neo4j", &uri, "--connect-timeout", "3s"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(started.elapsed().as_secs() < 30, "{:?}", started.elapsed());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&uri) && err.contains("cannot reach"), "{err}");
}
