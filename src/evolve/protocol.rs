//! The evaluation protocol and its cache.
//!
//! `--eval-cmd CMD` runs (through `sh -c`) once per (candidate, scenario,
//! replicate) with `{"params", "scenario": {"id", "tags", "vars"},
//! "replicate"}` on stdin and the parameters also in the file named by
//! `MAESTRO_PARAMS_FILE`. It prints a score in [0, 1], `{"score": x}`, or
//! `{"output": …}` for maestro to score by the scenario's assertions. A
//! crash (non-zero exit) or a timeout scores 0 and is named; anything else
//! it prints is a protocol error (exit 2).
//!
//! Results are kept in an SQLite cache keyed by (parameter hash, scenario
//! hash, evaluator hash, replicate), one committed row per result, so a
//! run that is killed and restarted pays for nothing twice.

use super::scenario::Scenario;
use super::space::Point;
use crate::error::{input, Result};
use crate::exec::run::{run, Spec};
use crate::output::safe::one_line;
use rayon::prelude::*;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

/// How an evaluation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// It printed a score or an output.
    Ok,
    /// It exited non-zero (or was killed by a signal).
    Crash,
    /// It ran past `--timeout`.
    Timeout,
}

impl Status {
    fn name(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Crash => "crash",
            Status::Timeout => "timeout",
        }
    }

    fn from_name(s: &str) -> Option<Status> {
        match s {
            "ok" => Some(Status::Ok),
            "crash" => Some(Status::Crash),
            "timeout" => Some(Status::Timeout),
            _ => None,
        }
    }
}

/// One evaluation's result.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Outcome {
    /// The scenario.
    pub scenario: String,
    /// The replicate.
    pub replicate: u32,
    /// Score in [0, 1] (0 for a crash or a timeout).
    pub score: f64,
    /// How it ended.
    pub status: Status,
    /// For a crash or timeout: what happened.
    pub detail: String,
    /// Read from the cache.
    pub cached: bool,
}

/// A canonical hash of a parameter point.
pub fn point_hash(p: &Point) -> String {
    hex::encode(Sha256::digest(
        serde_json::to_string(p).unwrap_or_default().as_bytes(),
    ))
}

/// The results cache.
pub struct Cache {
    conn: Mutex<Connection>,
    path: PathBuf,
}

fn cache_error(path: &Path, e: impl std::fmt::Display) -> anyhow::Error {
    input(format!(
        "{}: not a usable evaluation cache ({}); move it away or pass another --cache",
        path.display(),
        one_line(&e.to_string())
    ))
}

impl Cache {
    /// Opens (or creates) the cache at `path`. A file that is not a sound
    /// cache is refused, never overwritten.
    pub fn open(path: &Path) -> Result<Cache> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| cache_error(path, e))?;
        }
        let conn = Connection::open(path).map_err(|e| cache_error(path, e))?;
        let check: String = conn
            .query_row("PRAGMA quick_check", [], |r| r.get(0))
            .map_err(|e| cache_error(path, e))?;
        if check != "ok" {
            return Err(cache_error(path, check));
        }
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             PRAGMA busy_timeout = 10000;
             CREATE TABLE IF NOT EXISTS evolve_results (
                 params    TEXT NOT NULL,
                 scenario  TEXT NOT NULL,
                 evaluator TEXT NOT NULL,
                 replicate INTEGER NOT NULL,
                 score     REAL NOT NULL,
                 status    TEXT NOT NULL,
                 detail    TEXT NOT NULL,
                 at_ms     INTEGER NOT NULL,
                 PRIMARY KEY (params, scenario, evaluator, replicate)
             ) WITHOUT ROWID;",
        )
        .map_err(|e| cache_error(path, e))?;
        Ok(Cache {
            conn: Mutex::new(conn),
            path: path.to_path_buf(),
        })
    }

    fn get(&self, k: &[&str; 3], rep: u32) -> Result<Option<(f64, Status, String)>> {
        let conn = self.conn.lock().expect("cache lock");
        let row: Option<(f64, String, String)> = conn
            .query_row(
                "SELECT score, status, detail FROM evolve_results
                 WHERE params = ?1 AND scenario = ?2 AND evaluator = ?3 AND replicate = ?4",
                params![k[0], k[1], k[2], rep],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(|e| cache_error(&self.path, e))?;
        match row {
            None => Ok(None),
            Some((score, status, detail)) => match Status::from_name(&status) {
                Some(st) if (0.0..=1.0).contains(&score) => Ok(Some((score, st, detail))),
                _ => Err(cache_error(&self.path, "a row holds an impossible result")),
            },
        }
    }

    fn put(&self, k: &[&str; 3], rep: u32, o: &Outcome) -> Result<()> {
        let conn = self.conn.lock().expect("cache lock");
        conn.execute(
            "INSERT OR REPLACE INTO evolve_results VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                k[0],
                k[1],
                k[2],
                rep,
                o.score,
                o.status.name(),
                o.detail,
                crate::clock::Clock::now().now_ms
            ],
        )
        .map_err(|e| cache_error(&self.path, e))?;
        Ok(())
    }

    /// Results stored.
    pub fn len(&self) -> Result<u64> {
        let conn = self.conn.lock().expect("cache lock");
        conn.query_row("SELECT count(*) FROM evolve_results", [], |r| r.get(0))
            .map_err(|e| cache_error(&self.path, e))
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> Result<bool> {
        Ok(self.len()? == 0)
    }
}

/// What the evaluator printed.
enum Printed {
    Score(f64),
    Output(Value),
}

fn printed(stdout: &[u8]) -> std::result::Result<Printed, String> {
    let text = String::from_utf8_lossy(stdout);
    let t = text.trim();
    let unit = |x: f64| -> std::result::Result<f64, String> {
        if (0.0..=1.0).contains(&x) {
            Ok(x)
        } else {
            Err(format!("score {x} is outside [0, 1]"))
        }
    };
    if let Ok(x) = t.parse::<f64>() {
        return unit(x).map(Printed::Score);
    }
    if let Ok(Value::Object(m)) = serde_json::from_str::<Value>(t) {
        if let Some(s) = m.get("score") {
            return match s.as_f64() {
                Some(x) => unit(x).map(Printed::Score),
                None => Err("`score` is not a number".into()),
            };
        }
        if let Some(o) = m.get("output") {
            return Ok(Printed::Output(o.clone()));
        }
    }
    let shown: String = one_line(t).chars().take(80).collect();
    Err(format!(
        "printed neither a score in [0, 1] nor {{\"score\": …}} or {{\"output\": …}} JSON: `{shown}`"
    ))
}

/// Runs the evaluator and the judges.
pub struct Evaluator<'a> {
    cmd: String,
    hash: String,
    timeout: Duration,
    cwd: PathBuf,
    cache: &'a Cache,
    pool: rayon::ThreadPool,
    /// Called after each evaluation (for a progress bar).
    pub tick: Box<dyn Fn() + Sync + 'a>,
}

impl<'a> Evaluator<'a> {
    /// An evaluator running `cmd` with `jobs` in parallel.
    pub fn new(
        cmd: &str,
        timeout: Duration,
        jobs: usize,
        cwd: &Path,
        cache: &'a Cache,
    ) -> Result<Self> {
        if cmd.trim().is_empty() {
            return Err(input("--eval-cmd is empty"));
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(jobs.max(1))
            .build()
            .map_err(|e| anyhow::anyhow!("cannot start {jobs} workers: {e}"))?;
        Ok(Evaluator {
            cmd: cmd.to_string(),
            hash: hex::encode(Sha256::digest(format!("evolve-eval-v1\0{cmd}").as_bytes())),
            timeout,
            cwd: cwd.to_path_buf(),
            cache,
            pool,
            tick: Box::new(|| {}),
        })
    }

    /// Runs `f` inside the evaluator's worker pool.
    pub fn install<R: Send>(&self, f: impl FnOnce() -> R + Send) -> R {
        self.pool.install(f)
    }

    /// Scores `point` on every scenario × replicate, in parallel.
    pub fn score(
        &self,
        point: &Point,
        scenarios: &[&Scenario],
        replicates: u32,
    ) -> Result<Vec<Outcome>> {
        let ph = point_hash(point);
        let tasks: Vec<(&Scenario, u32)> = scenarios
            .iter()
            .flat_map(|s| (0..replicates).map(move |r| (*s, r)))
            .collect();
        self.pool.install(|| {
            tasks
                .par_iter()
                .map(|(s, r)| {
                    let o = self.one(point, &ph, s, *r);
                    (self.tick)();
                    o
                })
                .collect()
        })
    }

    fn one(&self, point: &Point, ph: &str, s: &Scenario, rep: u32) -> Result<Outcome> {
        let key = [ph, s.hash.as_str(), self.hash.as_str()];
        if let Some((score, status, detail)) = self.cache.get(&key, rep)? {
            return Ok(Outcome {
                scenario: s.id.clone(),
                replicate: rep,
                score,
                status,
                detail,
                cached: true,
            });
        }
        let stdin = json!({
            "params": point,
            "scenario": {"id": s.id, "tags": s.tags, "vars": s.vars},
            "replicate": rep,
        })
        .to_string();
        let mut params_file = tempfile::NamedTempFile::new()?;
        std::io::Write::write_all(&mut params_file, serde_json::to_string(point)?.as_bytes())?;
        let env = vec![
            (
                "MAESTRO_PARAMS_FILE".to_string(),
                params_file.path().display().to_string(),
            ),
            ("MAESTRO_SCENARIO_ID".to_string(), s.id.clone()),
            ("MAESTRO_REPLICATE".to_string(), rep.to_string()),
        ];
        let f = self.run(&self.cmd, &env, &stdin)?;
        let (score, status, detail) = if f.timed_out {
            (
                0.0,
                Status::Timeout,
                format!("ran past {} s", self.timeout.as_secs_f64()),
            )
        } else if f.code != Some(0) {
            let how = f
                .code
                .map_or("killed by a signal".to_string(), |c| format!("exit {c}"));
            let tail: String = one_line(&f.stderr_tail).chars().take(300).collect();
            (0.0, Status::Crash, format!("{how}: {tail}"))
        } else {
            let p = printed(&f.stdout).map_err(|e| {
                input(format!(
                    "--eval-cmd on scenario `{}` ({}) {e}",
                    one_line(&s.id),
                    s.file.display()
                ))
            })?;
            let score = match p {
                Printed::Score(x) => x,
                Printed::Output(out) => s.score(&out, &|cmd, v| self.judge(cmd, v, s))?.0,
            };
            (score, Status::Ok, String::new())
        };
        let o = Outcome {
            scenario: s.id.clone(),
            replicate: rep,
            score,
            status,
            detail,
            cached: false,
        };
        self.cache.put(&key, rep, &o)?;
        Ok(o)
    }

    fn run(
        &self,
        cmd: &str,
        env: &[(String, String)],
        stdin: &str,
    ) -> Result<crate::exec::run::Finished> {
        let argv = [cmd.to_string()];
        run(&Spec {
            argv: &argv,
            shell: true,
            env,
            stdin: Some(stdin),
            cwd: &self.cwd,
            timeout: self.timeout,
            stop_token: None,
            relay_stderr: false,
        })
    }

    fn judge(&self, cmd: &str, v: &Value, s: &Scenario) -> Result<f64> {
        let f = self.run(cmd, &[], &v.to_string())?;
        let at = format!(
            "judge `{}` of scenario `{}`",
            one_line(cmd),
            one_line(&s.id)
        );
        if f.timed_out || f.code != Some(0) {
            return Err(input(format!(
                "{at} failed ({}): {}",
                if f.timed_out {
                    "timeout".to_string()
                } else {
                    format!("exit {:?}", f.code)
                },
                one_line(&f.stderr_tail)
            )));
        }
        match printed(&f.stdout) {
            Ok(Printed::Score(x)) => Ok(x),
            Ok(Printed::Output(_)) => Err(input(format!("{at} printed an output, not a score"))),
            Err(e) => Err(input(format!("{at} {e}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_an_evaluator_may_print() {
        assert!(matches!(printed(b" 0.25\n"), Ok(Printed::Score(x)) if x == 0.25));
        assert!(matches!(printed(b"{\"score\": 1}"), Ok(Printed::Score(x)) if x == 1.0));
        assert!(matches!(
            printed(b"{\"output\": \"4\"}"),
            Ok(Printed::Output(_))
        ));
        for bad in [
            &b"1.5"[..],
            b"NaN",
            b"hello\nworld",
            b"{\"score\": \"high\"}",
            b"",
            b"[1]",
        ] {
            let e = printed(bad).err().unwrap();
            assert!(!e.contains('\n'), "{e}");
        }
    }
}
