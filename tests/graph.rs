//! `maestro graph ingest git` and `graph stats` on histories scripted in the
//! test: squash and merge pull requests, renames, a revert, a hostile file
//! name, an incremental second run, and a directory that is not a repository.

mod common;

use common::Project;
use std::path::Path;
use std::process::Command;

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn commit(dir: &Path, files: &[(&str, &str)], msg: &str) -> String {
    for (f, body) in files {
        let p = dir.join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    }
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", msg]);
    git(dir, &["rev-parse", "HEAD"])
}

/// A repository with five pull requests (four squashed, one merged), a
/// rename, a revert and a direct push: seven commits on the first-parent
/// line.
fn history(dir: &Path) {
    git(dir, &["init", "-q", "-b", "main"]);
    git(dir, &["config", "user.name", "Ann Lee"]);
    git(dir, &["config", "user.email", "ann@corp.io"]);
    commit(
        dir,
        &[("src/a.rs", "a\n"), ("src/b.rs", "b\n")],
        "Start (#1)",
    );
    commit(dir, &[("src/a.rs", "a2\n")], "Change a (#2)");
    git(dir, &["mv", "src/b.rs", "src/c.rs"]);
    let renamed = commit(dir, &[("src/c.rs", "b\n")], "Move b to c (#3)");
    git(dir, &["checkout", "-q", "-b", "feature"]);
    git(dir, &["config", "user.name", "Bo Chen"]);
    git(dir, &["config", "user.email", "bo@corp.io"]);
    commit(dir, &[("src/d.rs", "d\n")], "work");
    commit(dir, &[("src/a.rs", "a3\n")], "more work");
    git(dir, &["checkout", "-q", "main"]);
    git(
        dir,
        &[
            "merge",
            "-q",
            "--no-ff",
            "feature",
            "-m",
            "Merge pull request #4 from bo/feature",
        ],
    );
    git(dir, &["revert", "--no-edit", &renamed]);
    commit(
        dir,
        &[("line\nbreak ::error::x.txt", "x\n")],
        "Odd name (#5)",
    );
    commit(dir, &[("README", "r\n")], "Direct push");
}

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
