//! Helpers for driving the real `maestro` binary in a scratch project.
#![allow(dead_code)]

pub mod github;
pub mod repo;

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// A scratch project directory with its own config and state.
pub struct Project {
    pub dir: tempfile::TempDir,
}

impl Project {
    pub fn new(config: &str) -> Project {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("maestro.toml"), config).unwrap();
        Project { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn state(&self) -> PathBuf {
        self.dir.path().join(".maestro/state.db")
    }

    /// `maestro` with a clean environment, run in the project.
    pub fn cmd(&self) -> Command {
        Command::from_std(self.process())
    }

    /// The same as a plain process, to spawn and signal.
    pub fn process(&self) -> std::process::Command {
        let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("maestro"));
        c.current_dir(self.path());
        for (k, _) in std::env::vars() {
            if k.starts_with("MAESTRO_") || k.starts_with("GITHUB_") || k.starts_with("NEO4J_") {
                c.env_remove(k);
            }
        }
        c
    }

    /// Runs `maestro ARGS` and asserts it succeeded.
    pub fn ok(&self, args: &[&str]) {
        self.cmd().args(args).assert().success();
    }

    /// Runs `maestro ARGS`: its exit code and its stderr.
    pub fn status(&self, args: &[&str]) -> (Option<i32>, String) {
        let out = self.cmd().args(args).output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        self.json_env(args, &[])
    }

    /// [`Project::json`] with extra environment variables.
    pub fn json_env(&self, args: &[&str], env: &[(&str, String)]) -> serde_json::Value {
        let mut c = self.cmd();
        c.envs(env.iter().map(|(k, v)| (k, v))).arg("--json");
        stdout_json(&mut c, args)
    }

    /// Every table's schema and rows, read through SQLite (read-only), to
    /// prove a refused command changed nothing.
    pub fn snapshot(&self) -> Vec<u8> {
        use rusqlite::{types::Value, OpenFlags};
        let conn =
            rusqlite::Connection::open_with_flags(self.state(), OpenFlags::SQLITE_OPEN_READ_ONLY)
                .unwrap();
        let mut out = Vec::new();
        let tables: Vec<(String, String)> = conn
            .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for (name, sql) in tables {
            out.extend(format!("{sql};\n").bytes());
            let mut st = conn
                .prepare(&format!("SELECT * FROM \"{name}\" ORDER BY rowid"))
                .or_else(|_| conn.prepare(&format!("SELECT * FROM \"{name}\"")))
                .unwrap();
            let n = st.column_count();
            let rows = st
                .query_map([], |r| {
                    (0..n)
                        .map(|i| r.get::<_, Value>(i))
                        .collect::<Result<Vec<_>, _>>()
                })
                .unwrap();
            for row in rows {
                out.extend(format!("{name}: {:?}\n", row.unwrap()).bytes());
            }
        }
        out
    }
}

/// The Bolt server for tests, from `MAESTRO_TEST_BOLT_URI` (`scripts/test`
/// starts ArcadeDB), with the login in `NEO4J_USER` / `NEO4J_PASSWORD`
/// form. Missing in CI is a failure; locally the test is skipped.
pub fn bolt() -> Option<Vec<(&'static str, String)>> {
    match std::env::var("MAESTRO_TEST_BOLT_URI") {
        Ok(uri) if !uri.is_empty() => Some(vec![
            ("NEO4J_URI", uri),
            (
                "NEO4J_USER",
                std::env::var("MAESTRO_TEST_BOLT_USER").unwrap_or_else(|_| "root".into()),
            ),
            (
                "NEO4J_PASSWORD",
                std::env::var("MAESTRO_TEST_BOLT_PASSWORD").unwrap_or_default(),
            ),
            ("NEO4J_DATABASE", "sei".into()),
        ]),
        _ if ci() => {
            panic!("MAESTRO_TEST_BOLT_URI is not set: start scripts/services/bolt (CI must run the Bolt tests)")
        }
        _ => {
            skip("MAESTRO_TEST_BOLT_URI is not set (run scripts/services/bolt start)");
            None
        }
    }
}

/// The moto (or other S3) endpoint for tests, from `MAESTRO_TEST_S3_ENDPOINT`
/// (`scripts/test` starts one). Missing in CI is a failure; locally the test
/// is skipped with a note.
pub fn s3_endpoint() -> Option<String> {
    service("MAESTRO_TEST_S3_ENDPOINT", "run scripts/services/s3 start")
}

/// A test service's address from `var` (`scripts/test` provides it).
/// Missing in CI is a failure; locally the test is skipped with a note.
pub fn service(var: &str, how: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(e) if !e.is_empty() => Some(e),
        _ if ci() => panic!("{var} is not set: {how} (CI must run these tests)"),
        _ => {
            skip(&format!("{var} is not set ({how})"));
            None
        }
    }
}

/// Creates a fresh bucket on the test endpoint (anonymous PUT, as moto allows).
pub fn create_bucket(endpoint: &str, bucket: &str) {
    use std::io::{Read, Write};
    let host = endpoint.trim_start_matches("http://").trim_end_matches('/');
    let mut s = std::net::TcpStream::connect(host).unwrap();
    write!(
        s,
        "PUT /{bucket} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    assert!(
        resp.starts_with("HTTP/1.1 200"),
        "create bucket {bucket}: {resp}"
    );
}

/// A bucket name no other test uses.
pub fn unique_bucket(tag: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "mt-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}

/// The environment that points `maestro` at S3 state on `endpoint`.
pub fn s3_env(endpoint: &str, state: &str) -> Vec<(&'static str, String)> {
    vec![
        ("MAESTRO_S3_ENDPOINT", endpoint.to_string()),
        ("MAESTRO_STATE", state.to_string()),
        ("AWS_ACCESS_KEY_ID", "test".into()),
        ("AWS_SECRET_ACCESS_KEY", "test".into()),
        ("AWS_REGION", "us-east-1".into()),
    ]
}

impl Project {
    /// `maestro` pointed at S3 state on `endpoint`.
    pub fn s3_cmd(&self, endpoint: &str, state: &str) -> Command {
        let mut c = self.cmd();
        c.envs(s3_env(endpoint, state)).env_remove("AWS_PROFILE");
        c
    }

    /// The same as a plain process, for spawning in the background.
    pub fn s3_spawn(&self, endpoint: &str, state: &str, args: &[&str]) -> std::process::Child {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("maestro"))
            .current_dir(self.path())
            .envs(s3_env(endpoint, state))
            .env_remove("AWS_PROFILE")
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    }
}

/// The rule ids of a SARIF log's one run, in order (results refer to them by index).
pub fn sarif_rule_ids(log: &serde_json::Value) -> Vec<&str> {
    log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect()
}

/// Whether this run must not skip a test for a missing service: `CI=true`
/// (GitHub and `.ci/run` set it; `scripts/test` starts every service).
pub fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Notes a skipped test: on stderr (shown when the test fails) and as a line
/// in `$MAESTRO_TEST_SKIPS`, which `scripts/test` prints once at the end.
pub fn skip(why: &str) {
    let test = std::thread::current().name().unwrap_or("?").to_string();
    eprintln!("skipped: {test}: {why}");
    if let Ok(f) = std::env::var("MAESTRO_TEST_SKIPS") {
        use std::io::Write;
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(f)
        {
            // One write of the whole line: with O_APPEND, lines from tests
            // running in parallel never interleave.
            let _ = f.write_all(format!("{test}: {why}\n").as_bytes());
        }
    }
}

/// Runs `f`, and once more if a UTC midnight passed while it ran: a test
/// that checks today's spend must see one day (two midnights within one test
/// cannot happen).
pub fn within_one_utc_day<T>(f: impl Fn() -> T) -> T {
    let day = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            / 86_400
    };
    let before = day();
    let out = f();
    if day() == before {
        out
    } else {
        f()
    }
}

/// docs/github-actions.md's outputs table: each row's first cell (the
/// command, as written) and the output names in its second, leaving out
/// what stands in parentheses (values and conditions).
pub fn documented_outputs() -> Vec<(String, Vec<String>)> {
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/github-actions.md"),
    )
    .unwrap();
    doc.lines()
        .map(str::trim)
        .filter(|l| l.starts_with("| `"))
        .map(|row| {
            let cells: Vec<&str> = row.split('|').collect();
            let mut names = String::new();
            let mut depth = 0;
            for c in cells[2].chars() {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ if depth == 0 => names.push(c),
                    _ => {}
                }
            }
            let names = names.split('`').skip(1).step_by(2).map(str::to_string);
            (cells[1].trim().to_string(), names.collect())
        })
        .collect()
}

/// Copies the tree `from` into `to` (created, with its subdirectories).
pub fn copy_dir(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from).into_iter().map(Result::unwrap) {
        let dest = to.join(e.path().strip_prefix(from).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

/// A file or folder under the repository's `fixtures/` (always present).
pub fn fixture(rel: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel);
    assert!(p.exists(), "{} is missing", p.display());
    p
}

/// An evaluation data set: `$MAESTRO_EVAL_DATA/<rel>` or
/// `../shared/data/<rel>`, the non-redistributable data the evaluations
/// need. Missing, the test is skipped (noted), unless
/// `MAESTRO_REQUIRE_EVAL_DATA=1` (`.ci/run` sets it): then it fails.
pub fn shared_data(rel: &str) -> Option<PathBuf> {
    let root = match std::env::var("MAESTRO_EVAL_DATA") {
        Ok(d) if !d.is_empty() => PathBuf::from(d),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"),
    };
    let d = root.join(rel);
    if d.exists() {
        return Some(d);
    }
    assert!(
        std::env::var("MAESTRO_REQUIRE_EVAL_DATA").map_or(true, |v| v != "1"),
        "{} is missing and MAESTRO_REQUIRE_EVAL_DATA=1",
        d.display()
    );
    skip(&format!(
        "evaluation data {rel} not found (set MAESTRO_EVAL_DATA or put ../shared beside the clone)"
    ));
    None
}

/// Runs `cmd ARGS`, asserts it succeeded, and parses its stdout as JSON.
pub fn stdout_json(cmd: &mut Command, args: &[&str]) -> serde_json::Value {
    let out = cmd.args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}
