//! `report`: record a decision's eval and cost, once; the arm's evidence and
//! the day's spend follow in the same transaction.

use super::check_id;
use super::evidence::{arm_stats, bernoulli_for, decision_clock, save_arm_stats};
use crate::clock::Clock;
use crate::config::{check_range, Config, MAX_TOKENS, MAX_USD};
use crate::error::{input, Result};
use crate::state::{append_event, Appended, Store};
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

/// Which decision a report is for.
#[derive(Clone, Debug)]
pub enum ReportTarget {
    /// The task's latest decision.
    Task(String),
    /// A decision id.
    Decision(String),
}

impl ReportTarget {
    /// From `--decision` (first) or `--task`; `None` when neither is given.
    pub fn from_flags(decision: Option<&str>, task: Option<&str>) -> Option<ReportTarget> {
        match (decision, task) {
            (Some(d), _) => Some(ReportTarget::Decision(d.to_string())),
            (None, Some(t)) => Some(ReportTarget::Task(t.to_string())),
            (None, None) => None,
        }
    }
}

/// The decision a target names, as `(id, task, arm)`: by id, or the task's
/// latest that was not superseded. `None` when there is none.
pub fn resolve(
    conn: &rusqlite::Connection,
    target: &ReportTarget,
) -> rusqlite::Result<Option<(String, String, String)>> {
    let get = |r: &rusqlite::Row| Ok((r.get(0)?, r.get(1)?, r.get(2)?));
    match target {
        ReportTarget::Decision(id) => conn
            .query_row("SELECT id, task, arm FROM decisions WHERE id = ?1", [id], get)
            .optional(),
        ReportTarget::Task(task) => conn
            .query_row(
                "SELECT id, task, arm FROM decisions WHERE task = ?1 AND status != 'superseded' ORDER BY seq DESC LIMIT 1",
                [task],
                get,
            )
            .optional(),
    }
}

/// A reported outcome.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// Eval score in [0, 1].
    pub eval: f64,
    /// Cost in USD.
    pub cost_usd: f64,
    /// Prompt tokens.
    pub tokens_in: Option<u64>,
    /// Completion tokens.
    pub tokens_out: Option<u64>,
    /// The eval on perturbed inputs (the robustness check), when run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eval_robust: Option<f64>,
}

/// The result of `report`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reported {
    /// The decision reported.
    pub decision_id: String,
    /// Its task.
    pub task: String,
    /// Its arm.
    pub arm: String,
    /// The outcome.
    #[serde(flatten)]
    pub outcome: Outcome,
    /// The same outcome had already been reported; nothing changed.
    pub duplicate: bool,
    /// Reward under the configured λ.
    pub reward: f64,
    /// The decision's attempt at its task.
    pub attempt: u32,
    /// The eval reached `router.pass_threshold`.
    pub passed: bool,
    /// The task may escalate: it failed and attempts remain, so the next
    /// `route` for it makes attempt `attempt + 1`.
    pub escalate: bool,
}

/// Records an outcome for a decision. Reporting identical values again is a
/// no-op; different values for a reported decision are refused.
pub fn report(
    store: &mut Store,
    cfg: &Config,
    target: &ReportTarget,
    outcome: &Outcome,
    clock: &Clock,
) -> Result<Reported> {
    match target {
        ReportTarget::Task(t) => check_id("--task", t)?,
        ReportTarget::Decision(d) => check_id("--decision", d)?,
    }
    if !(0.0..=1.0).contains(&outcome.eval) {
        return Err(input(format!("--eval {} must be in [0, 1]", outcome.eval)));
    }
    if let Some(r) = outcome.eval_robust.filter(|r| !(0.0..=1.0).contains(r)) {
        return Err(input(format!("--eval-robust {r} must be in [0, 1]")));
    }
    check_range("--cost", outcome.cost_usd, MAX_USD).map_err(input)?;
    for (name, n) in [
        ("--tokens-in", outcome.tokens_in),
        ("--tokens-out", outcome.tokens_out),
    ] {
        if n.is_some_and(|n| n > MAX_TOKENS) {
            return Err(input(format!(
                "{name} = {} must be at most {MAX_TOKENS}",
                n.unwrap_or_default()
            )));
        }
    }
    let half_life = cfg.router.half_life;
    let lambda = cfg.router.lambda;
    store.write(|tx| {
        let row = resolve(tx, target)?;
        let (id, task, arm) = row.ok_or_else(|| match target {
            ReportTarget::Decision(id) => input(format!("unknown decision `{id}`")),
            ReportTarget::Task(t) => input(format!("no decision for task `{t}`: run `maestro route --task {t}` first")),
        })?;
        let payload = serde_json::to_string(outcome)?;
        let reward = outcome.eval - lambda * outcome.cost_usd;
        let attempt: u32 =
            tx.query_row("SELECT attempt FROM decisions WHERE id = ?1", [&id], |r| r.get(0))?;
        let passed = outcome.eval >= cfg.router.pass_threshold;
        let mut reported = Reported {
            decision_id: id.clone(),
            task,
            arm: arm.clone(),
            outcome: outcome.clone(),
            duplicate: false,
            reward,
            attempt,
            passed,
            escalate: !passed && attempt < cfg.router.max_attempts,
        };
        match append_event(tx, &format!("report:{id}"), "report", clock.now_ms, &payload)? {
            Appended::Existing(prev) => {
                let prev: Outcome = serde_json::from_str(&prev)?;
                if &prev == outcome {
                    reported.duplicate = true;
                    return Ok(reported);
                }
                return Err(input(format!(
                    "decision {id} was already reported with eval {} and cost {}; refusing different values",
                    prev.eval, prev.cost_usd
                )));
            }
            Appended::New => {}
        }
        tx.execute(
            "INSERT INTO outcomes (decision_id, arm, eval, cost_usd, tokens_in, tokens_out, day, at_ms, eval_robust) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                id,
                arm,
                outcome.eval,
                outcome.cost_usd,
                outcome.tokens_in.map(|v| v as i64),
                outcome.tokens_out.map(|v| v as i64),
                clock.day,
                clock.now_ms,
                outcome.eval_robust
            ],
        )?;
        tx.execute("UPDATE decisions SET status = 'reported' WHERE id = ?1", [&id])?;
        tx.execute(
            "INSERT INTO daily_spend (day, usd) VALUES (?1, ?2) ON CONFLICT(day) DO UPDATE SET usd = usd + excluded.usd",
            params![clock.day, outcome.cost_usd],
        )?;
        let t = decision_clock(tx)?;
        let mut s = arm_stats(tx, &arm)?;
        s.reports += 1;
        s.eval_sum += outcome.eval;
        s.cost_sum += outcome.cost_usd;
        s.evidence.observe(t, half_life, bernoulli_for(&id, outcome.eval), outcome.cost_usd);
        save_arm_stats(tx, &arm, &s)?;
        Ok(reported)
    })
}
