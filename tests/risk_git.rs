//! `maestro risk features | label` and `risk score --range` on a repository
//! scripted here, with every expected value worked out by hand.

mod common;

use common::repo::git;
use common::Project;
use std::path::Path;

const DAY: i64 = 86_400;
const T0: i64 = 1_700_000_000;

/// Commits `files` as `who` at `T0 + day` days (author and commit time).
fn commit_at(dir: &Path, who: &str, day: i64, files: &[(&str, &str)], msg: &str) -> String {
    for (f, body) in files {
        let p = dir.join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    }
    let mut add = vec!["add", "--"];
    add.extend(files.iter().map(|f| f.0));
    run_at(dir, who, day, &add);
    run_at(dir, who, day, &["commit", "-q", "-m", msg]);
    git(dir, &["rev-parse", "HEAD"])
}

fn run_at(dir: &Path, who: &str, day: i64, args: &[&str]) {
    let when = format!("@{} +0000", T0 + day * DAY);
    let out = std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_DATE", &when)
        .env("GIT_COMMITTER_DATE", &when)
        .env("GIT_AUTHOR_NAME", who)
        .env("GIT_AUTHOR_EMAIL", format!("{who}@corp.io"))
        .env("GIT_COMMITTER_NAME", who)
        .env("GIT_COMMITTER_EMAIL", format!("{who}@corp.io"))
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {:?}", out);
}

struct Repo {
    p: Project,
    shas: Vec<String>,
}

/// Six commits: ann starts; bob writes a bad line; ann's fix deletes it;
/// bob adds a file that ann reverts; a year later ann edits the README.
/// A file name carries a newline and a workflow command.
fn scripted() -> Repo {
    let p = Project::new("");
    let d = p.path();
    git(d, &["init", "-q", "-b", "main"]);
    let a10: String = (1..=10).map(|i| format!("line {i}\n")).collect();
    let c1 = commit_at(
        d,
        "ann",
        0,
        &[("src/a.rs", &a10), ("README", "1\n2\n3\n4\n5\n")],
        "start",
    );
    let mut a = a10.replace("line 3\n", "let bad = 1;\n");
    a.push_str("new 1\nnew 2\n");
    let c2 = commit_at(d, "bob", 10, &[("src/a.rs", &a)], "add the thing");
    let fixed = a.replace("let bad = 1;\n", "let good = 1;\n");
    let c3 = commit_at(
        d,
        "ann",
        20,
        &[("src/a.rs", &fixed)],
        "Fix the crash in the thing",
    );
    let c4 = commit_at(
        d,
        "bob",
        30,
        &[("lib/x.rs", "x\ny\n"), ("lib/odd\n::error::name.rs", "z\n")],
        "add x\n\n::warning::not a command",
    );
    run_at(d, "ann", 40, &["revert", "--no-edit", &c4]);
    let c5 = git(d, &["rev-parse", "HEAD"]);
    let c6 = commit_at(d, "ann", 400, &[("README", "1\n2\n3\n4\n5\n6\n")], "docs");
    Repo {
        p,
        shas: vec![c1, c2, c3, c4, c5, c6],
    }
}

fn rows(csv: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| {
            header
                .iter()
                .zip(l.split(','))
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn stdout(p: &Project, args: &[&str]) -> String {
    let out = p.cmd().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn history_features_match_the_definitions_and_each_commit_alone() {
    let r = scripted();
    let csv = stdout(&r.p, &["risk", "features", "--history"]);
    let t = rows(&csv);
    assert_eq!(t.len(), 6, "{csv}");
    let shas: Vec<&str> = t.iter().map(|x| x["commit_id"].as_str()).collect();
    assert_eq!(shas, r.shas.iter().map(String::as_str).collect::<Vec<_>>());
    let v = |i: usize, k: &str| t[i][k].parse::<f64>().unwrap();
    // start: two files in two subsystems (src, root), 10:5 lines.
    assert_eq!((v(0, "ns"), v(0, "nd"), v(0, "nf")), (2.0, 2.0, 2.0));
    assert!((v(0, "entropy") - 0.918296).abs() < 1e-6);
    assert_eq!((v(0, "la"), v(0, "lt"), v(0, "exp")), (15.0, 0.0, 0.0));
    // bob's change: one line changed, two added, to ann's 10-line file.
    assert_eq!((v(1, "la"), v(1, "ld"), v(1, "lt")), (3.0, 1.0, 10.0));
    assert_eq!((v(1, "ndev"), v(1, "nuc"), v(1, "age")), (1.0, 1.0, 10.0));
    assert_eq!((v(1, "exp"), v(1, "fix")), (0.0, 0.0));
    // ann's fix: both earlier authors, both earlier changes, her one change.
    assert_eq!((v(2, "fix"), v(2, "ndev"), v(2, "nuc")), (1.0, 2.0, 2.0));
    assert_eq!((v(2, "lt"), v(2, "exp"), v(2, "sexp")), (12.0, 1.0, 1.0));
    assert!((v(2, "rexp") - 1.0 / (1.0 + 20.0 / 365.25)).abs() < 1e-6);
    // the hostile file name is one file.
    assert_eq!((v(3, "nf"), v(3, "ns"), v(3, "la")), (2.0, 1.0, 3.0));
    // the revert: deletes both of bob's files.
    assert_eq!((v(4, "ld"), v(4, "lt"), v(4, "ndev")), (3.0, 3.0, 1.0));
    // a year on: README last changed on day 0.
    assert_eq!(v(5, "age"), 400.0);
    // Each commit measured alone (exact line counts from its parent) gives
    // the same row as the replay.
    for (i, sha) in r.shas.iter().enumerate() {
        let one = rows(&stdout(&r.p, &["risk", "features", "--commit", sha]));
        assert_eq!(one[0], t[i], "commit {i}");
    }
    // JSON carries the same numbers.
    let j = r.p.json(&["risk", "features", "--history"]);
    assert_eq!(j[1]["la"], 3.0, "{j}");
    assert_eq!(j[1]["commit_id"], r.shas[1].as_str());
}

#[test]
fn a_range_is_one_change_from_the_merge_base() {
    let r = scripted();
    let range = format!("{}..{}", r.shas[0], r.shas[2]);
    let t = rows(&stdout(&r.p, &["risk", "features", "--range", &range]));
    let v = |k: &str| t[0][k].parse::<f64>().unwrap();
    // bob's and ann's changes as one diff: line 3 replaced, two added.
    assert_eq!((v("nf"), v("la"), v("ld"), v("lt")), (1.0, 3.0, 1.0, 10.0));
    // the head's author (ann) and history as of the base (her one change).
    assert_eq!(
        (v("exp"), v("ndev"), v("nuc"), v("fix")),
        (1.0, 1.0, 1.0, 1.0)
    );
    assert_eq!(t[0]["commit_id"], r.shas[2]);
}

#[test]
fn labels_from_reverts_and_fixes_with_a_maturity_horizon() {
    let r = scripted();
    let csv = stdout(&r.p, &["risk", "label", "--horizon", "90d"]);
    let t = rows(&csv);
    let label = |i: usize| t[i]["label"].as_str();
    assert_eq!(label(0), "0", "{csv}");
    assert_eq!(label(1), "1", "the fix deletes bob's line: {csv}");
    assert!(t[1]["reason"].contains(&r.shas[2][..12]), "{csv}");
    assert_eq!(label(2), "0");
    assert_eq!(label(3), "1", "reverted: {csv}");
    assert!(t[3]["reason"].starts_with("reverted by"), "{csv}");
    assert_eq!(label(4), "0");
    assert_eq!(label(5), "", "younger than the horizon: censored");
    // With a horizon longer than the history, only evidence labels.
    let t = rows(&stdout(&r.p, &["risk", "label", "--horizon", "1000d"]));
    let l: Vec<&str> = t.iter().map(|x| x["label"].as_str()).collect();
    assert_eq!(l, ["", "1", "", "1", "", ""]);
    // The training table: labelled rows only, features and label.
    let t = rows(&stdout(
        &r.p,
        &[
            "risk",
            "features",
            "--history",
            "--labels",
            "--horizon",
            "90d",
        ],
    ));
    assert_eq!(t.len(), 5);
    assert_eq!(t[1]["label"], "1");
    assert_eq!(t[1]["la"], "3");
}

#[test]
fn an_incident_in_the_graph_labels_its_commit() {
    let r = scripted();
    let inc = format!(
        "id,time,severity,commit\nINC-7,2023-12-01T00:00:00Z,SEV2,{}\n",
        &r.shas[2][..10]
    );
    std::fs::write(r.p.path().join("inc.csv"), inc).unwrap();
    r.p.ok(&["graph", "ingest", "incidents", "inc.csv"]);
    let t = rows(&stdout(&r.p, &["risk", "label", "--horizon", "90d"]));
    assert_eq!(t[2]["label"], "1");
    assert_eq!(t[2]["reason"], "incident INC-7");
}

/// A model over the 14 metrics (risk grows with lines added), then
/// `risk score --range` on the scripted repository.
#[test]
fn score_measures_a_range_from_git() {
    let r = scripted();
    let mut s =
        String::from("commit_ts,ns,nd,nf,entropy,la,ld,lt,fix,ndev,age,nuc,exp,rexp,sexp,label\n");
    for i in 0..600u64 {
        let la = (i * 7919) % 400;
        let label = u8::from((i * 104_729) % 400 < la);
        s.push_str(&format!(
            "{i},1,1,1,0,{la},1,50,0,1,3,2,{},1,1,{label}\n",
            i % 5
        ));
    }
    std::fs::write(r.p.path().join("train.csv"), s).unwrap();
    r.p.ok(&[
        "risk",
        "train",
        "--data",
        "train.csv",
        "--time",
        "commit_ts",
        "--out",
        "m.json",
    ]);
    let range = format!("{}..{}", r.shas[0], r.shas[2]);
    let v =
        r.p.json(&["risk", "score", "--model", "m.json", "--range", &range]);
    let p = v["probability"].as_f64().unwrap();
    assert!(p > 0.0 && p < 0.2, "3 lines added: low risk: {v}");
    assert_eq!(v["verdict"], "pass");
    // Neither features nor a change: refused by the argument parser.
    let out =
        r.p.cmd()
            .args(["risk", "score", "--model", "m.json"])
            .output()
            .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn bad_input_is_exit_2_with_a_message() {
    let r = scripted();
    let cases: [(&[&str], &str); 4] = [
        (
            &["risk", "features", "--history", "--repo", "nowhere"],
            "nowhere",
        ),
        (&["risk", "features", "--range", "nope..HEAD"], "nope"),
        (
            &["risk", "features", "--history", "--fix-pattern", "("],
            "fix pattern",
        ),
        (&["risk", "label", "--horizon", "soon"], "horizon `soon`"),
    ];
    for (args, want) in cases {
        let out = r.p.cmd().args(args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
    }
}

/// The graph's features as of each change: owners from CODEOWNERS, test
/// failures and incidents of earlier changes to the files (an incident
/// only once it has happened).
#[test]
fn graph_features_count_only_what_came_before() {
    let r = scripted();
    let d = r.p.path();
    std::fs::write(d.join("CODEOWNERS"), "/src/ @org/core @ann\n").unwrap();
    r.p.ok(&["graph", "ingest", "codeowners", "CODEOWNERS"]);
    std::fs::write(
        d.join("junit.xml"),
        r#"<testsuite name="s"><testcase classname="s" name="t"><failure message="boom"/></testcase></testsuite>"#,
    )
    .unwrap();
    r.p.ok(&[
        "graph",
        "ingest",
        "junit",
        "junit.xml",
        "--commit",
        &r.shas[1],
        "--run",
        "r1",
    ]);
    let day = |n: i64| T0 + n * DAY;
    let inc = format!(
        "id,time,severity,commit\nINC-1,{},SEV2,{}\nINC-2,{},SEV1,{}\n",
        day(15),
        r.shas[1],
        day(500),
        r.shas[0]
    );
    std::fs::write(d.join("inc.csv"), inc).unwrap();
    r.p.ok(&["graph", "ingest", "incidents", "inc.csv"]);
    let t = rows(&stdout(
        &r.p,
        &["risk", "features", "--history", "--graph-features"],
    ));
    let v = |i: usize, k: &str| t[i][k].parse::<f64>().unwrap();
    // start: src/a.rs owned by two owners, README by none; nothing earlier.
    assert_eq!((v(0, "owners"), v(0, "unowned")), (2.0, 1.0));
    assert_eq!(
        (v(0, "prior_failures"), v(0, "prior_incidents")),
        (0.0, 0.0)
    );
    // bob's change: after ann's start, whose incident comes on day 500.
    assert_eq!(
        (v(1, "prior_failures"), v(1, "prior_incidents")),
        (0.0, 0.0)
    );
    // ann's fix on day 20: bob's change failed a test and caused INC-1.
    assert_eq!(
        (v(2, "prior_failures"), v(2, "prior_incidents")),
        (1.0, 1.0)
    );
    // README on day 400: INC-2 has not happened yet.
    assert_eq!((v(5, "prior_incidents"), v(5, "unowned")), (0.0, 1.0));
    // One commit alone gives the same graph features as the replay.
    let one = rows(&stdout(
        &r.p,
        &[
            "risk",
            "features",
            "--commit",
            &r.shas[2],
            "--graph-features",
        ],
    ));
    assert_eq!(one[0], t[2]);
}

/// Coupling: files that changed together at least twice; a partner the
/// change leaves out; a deleted file is no one's partner.
#[test]
fn coupling_features_follow_co_changes_and_deletions() {
    let p = Project::new("");
    let d = p.path();
    git(d, &["init", "-q", "-b", "main"]);
    commit_at(
        d,
        "ann",
        0,
        &[("a", "1\n"), ("b", "1\n"), ("c", "1\n")],
        "one",
    );
    commit_at(d, "ann", 1, &[("a", "2\n"), ("b", "2\n")], "two");
    commit_at(d, "ann", 2, &[("a", "3\n")], "three");
    run_at(d, "ann", 3, &["rm", "-q", "b"]);
    run_at(d, "ann", 3, &["commit", "-q", "-m", "drop b"]);
    commit_at(d, "ann", 4, &[("a", "4\n")], "five");
    let t = rows(&stdout(
        &p,
        &["risk", "features", "--history", "--graph-features"],
    ));
    let v = |i: usize, k: &str| t[i][k].parse::<f64>().unwrap();
    // two: a and b shared one commit (support 1): not yet coupled.
    assert_eq!((v(1, "coupled"), v(1, "cochange_missed")), (0.0, 0.0));
    // three: a alone; b shared both of a's commits: coupled and missed;
    // c shared one.
    assert_eq!((v(2, "coupled"), v(2, "cochange_missed")), (1.0, 1.0));
    // five: b is gone.
    assert_eq!((v(4, "coupled"), v(4, "cochange_missed")), (0.0, 0.0));
}
