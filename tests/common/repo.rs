//! Git repositories scripted for the graph tests: pull requests squashed
//! and merged, renames, reverts, a Cargo workspace, CI reports and
//! incidents.

use std::path::Path;
use std::process::Command;

pub fn git(dir: &Path, args: &[&str]) -> String {
    git_at(dir, args, "2026-01-01T00:00:00Z")
}

/// [`git`] with the author and committer date `date`.
pub fn git_at(dir: &Path, args: &[&str], date: &str) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

pub fn commit(dir: &Path, files: &[(&str, &str)], msg: &str) -> String {
    commit_at(dir, files, msg, "2026-01-01T00:00:00Z")
}

/// [`commit`] at `date` (anything git takes, e.g. `@1735689600 +0000`).
pub fn commit_at(dir: &Path, files: &[(&str, &str)], msg: &str, date: &str) -> String {
    for (f, body) in files {
        let p = dir.join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    }
    git_at(dir, &["add", "-A"], date);
    git_at(dir, &["commit", "-q", "-m", msg], date);
    git_at(dir, &["rev-parse", "HEAD"], date)
}

/// A repository with five pull requests (four squashed, one merged), a
/// rename, a revert and a direct push: seven commits on the first-parent
/// line.
pub fn history(dir: &Path) {
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

/// A Cargo workspace of three crates (cli → app → core → serde) with a
/// CODEOWNERS file, landed as five squashed pull requests; returns each
/// pull request's commit, and writes beside the repository a JUnit report
/// of two runs, incidents and a pull_request event:
/// - #1 starts everything; #2 and #3 change core with app; #4 changes core
///   with its test; #5 changes cli.
/// - `junit-3.xml`: the run on #3: `core::api` failed, `app::smoke` flaky.
/// - `junit-5.xml`: the run on #5: `cli::x` failed.
/// - `incidents.csv`: INC-1 caused by #2, INC-2 by #5's commit.
/// - `event-6.json`: an open pull request #6 whose head changes core.
pub fn workspace(dir: &Path) -> Vec<String> {
    git(dir, &["init", "-q", "-b", "main"]);
    git(dir, &["config", "user.name", "Ann Lee"]);
    git(dir, &["config", "user.email", "ann@corp.io"]);
    let lock = r#"version = 4

[[package]]
name = "app"
version = "0.1.0"
dependencies = ["core"]

[[package]]
name = "cli"
version = "0.1.0"
dependencies = ["app"]

[[package]]
name = "core"
version = "0.1.0"
dependencies = ["serde"]

[[package]]
name = "serde"
version = "1.0.0"
source = "registry+https://example.invalid/index"
"#;
    let mut shas = vec![commit(
        dir,
        &[
            ("Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\n"),
            ("Cargo.lock", lock),
            ("crates/core/Cargo.toml", "[package]\nname = \"core\"\n"),
            ("crates/core/src/lib.rs", "1\n"),
            ("crates/app/Cargo.toml", "[package]\nname = \"app\"\n"),
            ("crates/app/src/lib.rs", "1\n"),
            ("crates/cli/Cargo.toml", "[package]\nname = \"cli\"\n"),
            ("crates/cli/src/main.rs", "1\n"),
            (
                ".github/CODEOWNERS",
                "* @org/all\n/crates/core/ @org/core @bo\n/crates/cli/\n",
            ),
        ],
        "Start (#1)",
    )];
    shas.push(commit(
        dir,
        &[
            ("crates/core/src/lib.rs", "2\n"),
            ("crates/app/src/lib.rs", "2\n"),
        ],
        "Core API (#2)",
    ));
    shas.push(commit(
        dir,
        &[
            ("crates/core/src/lib.rs", "3\n"),
            ("crates/app/src/lib.rs", "3\n"),
        ],
        "Core fix (#3)",
    ));
    shas.push(commit(
        dir,
        &[
            ("crates/core/src/lib.rs", "4\n"),
            ("crates/core/tests/api.rs", "4\n"),
        ],
        "Core tweak (#4)",
    ));
    shas.push(commit(
        dir,
        &[("crates/cli/src/main.rs", "5\n")],
        "CLI (#5)",
    ));
    let base = shas[4].clone();
    git(dir, &["checkout", "-q", "-b", "pr6"]);
    let head = commit(dir, &[("crates/core/src/lib.rs", "6\n")], "wip");
    git(dir, &["checkout", "-q", "main"]);
    let out = dir.parent().unwrap();
    std::fs::write(
        out.join("junit-3.xml"),
        r#"<testsuites><testsuite name="cargo">
<testcase classname="core" name="api"><failure message="left != right"/></testcase>
<testcase classname="app" name="smoke"><flakyFailure message="timeout"/></testcase>
<testcase classname="cli" name="x"/>
</testsuite></testsuites>"#,
    )
    .unwrap();
    std::fs::write(
        out.join("junit-5.xml"),
        r#"<testsuite name="cargo"><testcase classname="cli" name="x"><failure message="boom"/></testcase><testcase classname="core" name="api"/></testsuite>"#,
    )
    .unwrap();
    std::fs::write(
        out.join("incidents.csv"),
        format!(
            "id,time,severity,pr,commit,title\nINC-1,2026-01-02T00:00:00Z,SEV2,#2,,core down\nINC-2,2026-01-03,SEV3,,{},cli slow\n",
            &shas[4][..10]
        ),
    )
    .unwrap();
    std::fs::write(
        out.join("event-6.json"),
        format!(
            r#"{{"action": "opened", "pull_request": {{"number": 6, "title": "Core again", "user": {{"login": "bo"}},
               "state": "open", "merged": false, "updated_at": "2026-01-04T00:00:00Z",
               "base": {{"sha": "{base}"}}, "head": {{"sha": "{head}"}}, "labels": []}}}}"#
        ),
    )
    .unwrap();
    shas
}

/// Every source of the [`workspace`] scenario ingested, with `env` (a Bolt
/// server's, or none for the project's state).
pub fn ingest_all(p: &super::Project, env: &[(&str, String)]) {
    for args in [
        &["graph", "ingest", "git", "--repo", "repo"][..],
        &["graph", "ingest", "codeowners", "repo/.github/CODEOWNERS"],
        &["graph", "ingest", "lockfile", "repo/Cargo.lock"],
        &["graph", "ingest", "incidents", "incidents.csv"],
        &["graph", "ingest", "pr", "event-6.json"],
    ] {
        p.json_env(args, env);
    }
}

/// The [`workspace`] scenario's two JUnit runs ingested.
pub fn junit(p: &super::Project, shas: &[String], env: &[(&str, String)]) {
    for (file, i, run) in [("junit-3.xml", 2, "r3"), ("junit-5.xml", 4, "r5")] {
        p.json_env(
            &[
                "graph", "ingest", "junit", file, "--commit", &shas[i], "--run", run,
            ],
            env,
        );
    }
}
