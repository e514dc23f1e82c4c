//! Helpers for driving the real `maestro` binary in a scratch project.
#![allow(dead_code)]

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
        let mut c = Command::cargo_bin("maestro").unwrap();
        c.current_dir(self.path());
        for (k, _) in std::env::vars() {
            if k.starts_with("MAESTRO_") || k.starts_with("GITHUB_") {
                c.env_remove(k);
            }
        }
        c
    }

    /// Runs `maestro ARGS` and asserts it succeeded.
    pub fn ok(&self, args: &[&str]) {
        self.cmd().args(args).assert().success();
    }

    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let out = self.cmd().arg("--json").args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// Bytes of the state file (and its WAL), to prove nothing changed.
    pub fn snapshot(&self) -> Vec<u8> {
        let rows = std::process::Command::new("sqlite3")
            .arg(self.state())
            .arg(".dump")
            .output()
            .map(|o| o.stdout)
            .unwrap_or_default();
        if rows.is_empty() {
            // No sqlite3 CLI: fall back to reading through the library.
            let conn = rusqlite::Connection::open(self.state()).unwrap();
            let mut out = Vec::new();
            for table in [
                "events",
                "decisions",
                "outcomes",
                "arm_stats",
                "arms",
                "daily_spend",
                "downshift_audit",
                "meta",
            ] {
                let n: i64 = conn
                    .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
                    .unwrap();
                out.extend(format!("{table}:{n};").bytes());
            }
            return out;
        }
        rows
    }
}
