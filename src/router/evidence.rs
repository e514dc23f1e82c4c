//! The evidence behind the posteriors: per-arm statistics in SQL, the
//! decision clock, and the posteriors built from them.

use super::arms::Arm;
use crate::bandit::draw::{bernoulli, uniform_from};
use crate::bandit::{Evidence, Posterior};
use crate::error::Result;
use rusqlite::{params, Connection, OptionalExtension, Transaction};

/// Statistics stored per arm.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ArmStats {
    /// Decisions routed to the arm.
    pub pulls: i64,
    /// Outcomes reported for the arm.
    pub reports: i64,
    /// Sum of reported evals.
    pub eval_sum: f64,
    /// Sum of reported costs.
    pub cost_sum: f64,
    /// Decayed evidence.
    pub evidence: Evidence,
}

/// Reads one arm's statistics (zero when never used).
pub fn arm_stats(conn: &Connection, arm: &str) -> Result<ArmStats> {
    Ok(conn
        .query_row(
            "SELECT pulls, reports, eval_sum, cost_sum, ev_clock, ev_successes, ev_failures, ev_cost_weight, ev_cost_mean, ev_cost_m2
             FROM arm_stats WHERE arm = ?1",
            [arm],
            |r| {
                Ok(ArmStats {
                    pulls: r.get(0)?,
                    reports: r.get(1)?,
                    eval_sum: r.get(2)?,
                    cost_sum: r.get(3)?,
                    evidence: Evidence {
                        clock: r.get::<_, i64>(4)? as u64,
                        successes: r.get(5)?,
                        failures: r.get(6)?,
                        cost_weight: r.get(7)?,
                        cost_mean: r.get(8)?,
                        cost_m2: r.get(9)?,
                    },
                })
            },
        )
        .optional()?
        .unwrap_or_default())
}

pub(crate) fn save_arm_stats(tx: &Transaction, arm: &str, s: &ArmStats) -> Result<()> {
    tx.execute(
        "INSERT INTO arm_stats (arm, pulls, reports, eval_sum, cost_sum, ev_clock, ev_successes, ev_failures, ev_cost_weight, ev_cost_mean, ev_cost_m2)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT(arm) DO UPDATE SET pulls = excluded.pulls, reports = excluded.reports, eval_sum = excluded.eval_sum,
           cost_sum = excluded.cost_sum, ev_clock = excluded.ev_clock, ev_successes = excluded.ev_successes,
           ev_failures = excluded.ev_failures, ev_cost_weight = excluded.ev_cost_weight,
           ev_cost_mean = excluded.ev_cost_mean, ev_cost_m2 = excluded.ev_cost_m2",
        params![
            arm,
            s.pulls,
            s.reports,
            s.eval_sum,
            s.cost_sum,
            s.evidence.clock as i64,
            s.evidence.successes,
            s.evidence.failures,
            s.evidence.cost_weight,
            s.evidence.cost_mean,
            s.evidence.cost_m2
        ],
    )?;
    Ok(())
}

/// The decision clock: how many decisions have been made.
pub(crate) fn decision_clock(conn: &Connection) -> Result<u64> {
    Ok(
        conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM decisions", [], |r| {
            r.get::<_, i64>(0)
        })? as u64,
    )
}

/// Each arm's posterior at decision `clock`, with its stored statistics.
pub(crate) fn posteriors(
    conn: &Connection,
    arms: &[Arm],
    clock: u64,
    half_life: f64,
) -> Result<Vec<(Posterior, ArmStats)>> {
    arms.iter()
        .map(|a| {
            let s = arm_stats(conn, &a.id)?;
            Ok((
                Posterior::new(&a.prior, &s.evidence.at(clock, half_life)),
                s,
            ))
        })
        .collect()
}

/// The Bernoulli trick with a draw derived from the decision id, so that
/// re-applying a report always yields the same evidence.
pub fn bernoulli_for(decision_id: &str, eval: f64) -> bool {
    bernoulli(eval, uniform_from(decision_id))
}
