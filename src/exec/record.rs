//! `exec` runs in the state (`exec_runs`, `exec_attempts`), and what
//! `stats` shows of them: per arm, the share valid at the first attempt and
//! in the end, and retries at p50 and p95.

use super::{Execution, Outcome};
use crate::error::Result;
use crate::percentile::nearest_rank;
use rusqlite::{params, Connection, Transaction};
use serde::Serialize;

/// The decision an `exec` is linked to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// The decision.
    pub decision: String,
    /// Its arm.
    pub arm: String,
}

/// The decision a `--decision ID` or `--task ID` names (the task's latest),
/// or `None` when the state has none.
pub fn link(conn: &Connection, decision: Option<&str>, task: Option<&str>) -> Result<Option<Link>> {
    let Some(target) = crate::router::ReportTarget::from_flags(decision, task) else {
        return Ok(None);
    };
    Ok(crate::router::report::resolve(conn, &target)?
        .map(|(decision, _, arm)| Link { decision, arm }))
}

/// Records a run and its attempts.
pub fn record(
    tx: &Transaction,
    id: &str,
    link: Option<&Link>,
    schema_sha: &str,
    e: &Execution,
    at_ms: i64,
) -> Result<()> {
    let first_valid = e
        .attempts
        .first()
        .is_some_and(|a| a.outcome == Outcome::Valid);
    let last = e.attempts.last().map_or("none", |a| a.outcome.name());
    tx.execute(
        "INSERT INTO exec_runs (id, decision_id, arm, schema_sha, attempts, valid, first_valid, outcome, at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            id,
            link.map(|l| &l.decision),
            link.map(|l| &l.arm),
            schema_sha,
            e.attempts.len() as i64,
            e.valid(),
            first_valid,
            last,
            at_ms
        ],
    )?;
    for a in &e.attempts {
        tx.execute(
            "INSERT INTO exec_attempts (run_id, attempt, outcome, method, violations, exit_code, duration_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                id,
                a.n,
                a.outcome.name(),
                a.method.map(|m| format!("{m:?}").to_lowercase()),
                a.violations.len() as i64,
                a.exit_code,
                a.duration_ms as i64
            ],
        )?;
    }
    Ok(())
}

/// Schema-guarded runs of one arm (or of runs linked to no decision).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SchemaLine {
    /// The arm; `None` for runs without a decision.
    pub arm: Option<String>,
    /// Runs recorded.
    pub runs: i64,
    /// Share valid at the first attempt.
    pub first_try_valid: f64,
    /// Share valid in the end.
    pub valid: f64,
    /// Retries (attempts after the first) at the median.
    pub retries_p50: i64,
    /// Retries at the 95th percentile.
    pub retries_p95: i64,
}

/// Per arm (by name; runs without a decision last), and all runs together
/// as the final line (arm `"all"`), when there are any.
pub fn schema_stats(conn: &Connection) -> Result<Vec<SchemaLine>> {
    let mut st = conn.prepare("SELECT arm, attempts, valid, first_valid FROM exec_runs")?;
    let rows = st.query_map([], |r| {
        Ok((
            r.get::<_, Option<String>>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, bool>(2)?,
            r.get::<_, bool>(3)?,
        ))
    })?;
    // (no decision, arm) → (attempts, valid, valid first time) per run; runs
    // without a decision sort last.
    type Runs = Vec<(i64, bool, bool)>;
    let mut by: std::collections::BTreeMap<(bool, Option<String>), Runs> = Default::default();
    let mut all = Vec::new();
    for r in rows {
        let (arm, attempts, valid, first) = r?;
        by.entry((arm.is_none(), arm))
            .or_default()
            .push((attempts, valid, first));
        all.push((attempts, valid, first));
    }
    if all.is_empty() {
        return Ok(Vec::new());
    }
    let line = |arm: Option<String>, v: &[(i64, bool, bool)]| {
        let n = v.len() as f64;
        let mut retries: Vec<i64> = v.iter().map(|x| x.0 - 1).collect();
        retries.sort_unstable();
        SchemaLine {
            arm,
            runs: v.len() as i64,
            first_try_valid: v.iter().filter(|x| x.2).count() as f64 / n,
            valid: v.iter().filter(|x| x.1).count() as f64 / n,
            retries_p50: nearest_rank(&retries, 0.5),
            retries_p95: nearest_rank(&retries, 0.95),
        }
    };
    let mut out: Vec<SchemaLine> = by.into_iter().map(|((_, a), v)| line(a, &v)).collect();
    out.push(line(Some("all".into()), &all));
    Ok(out)
}
