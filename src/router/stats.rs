//! `stats`: what the router has learnt, per arm, with exploration and spend.

use super::arms::all_arms;
use super::downshift::{downshift_state, spend_on, Downshift};
use super::evidence::{decision_clock, posteriors};
use super::round6;
use crate::bandit::{policy, Posterior};
use crate::clock::Clock;
use crate::config::{Config, Tier};
use crate::error::Result;
use rand::Rng;
use rusqlite::Connection;
use serde::Serialize;

/// Per-arm line of `stats`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ArmLine {
    /// Arm id.
    pub arm: String,
    /// Tier.
    pub tier: Tier,
    /// Retired arms keep their history.
    pub retired: bool,
    /// Outcomes reported.
    pub n: i64,
    /// Decisions routed here.
    pub pulls: i64,
    /// Mean reported eval (`null` before the first report).
    pub mean_eval: Option<f64>,
    /// Mean reported cost in USD.
    pub mean_cost: Option<f64>,
    /// Share of all decisions.
    pub traffic_share: f64,
    /// Probability of being best under the posterior (active arms).
    pub p_best: f64,
}

/// The output of `stats`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Stats {
    /// The objective, in words.
    pub objective: String,
    /// Total decisions.
    pub decisions: i64,
    /// Decisions with a reported outcome.
    pub reported: i64,
    /// Decisions still waiting for a report.
    pub pending: i64,
    /// Share of non-greedy picks over the last `window` decisions.
    pub exploration_share: f64,
    /// The cap on that share.
    pub exploration_cap: f64,
    /// The window, in decisions.
    pub window: u32,
    /// USD reported today (UTC).
    pub spend_today: f64,
    /// Daily ceiling, if any.
    pub budget_daily_usd: Option<f64>,
    /// Manual downshift state.
    pub downshift: Downshift,
    /// Per arm.
    pub arms: Vec<ArmLine>,
    /// Schema-guarded `exec` runs per arm, then all together (empty when
    /// there are none).
    pub schema: Vec<crate::exec::record::SchemaLine>,
}

/// Collects `stats`.
pub fn stats<R: Rng>(conn: &Connection, cfg: &Config, clock: &Clock, rng: &mut R) -> Result<Stats> {
    let r = &cfg.router;
    let arms = all_arms(conn, cfg)?;
    let t = decision_clock(conn)?;
    let posts = posteriors(conn, &arms, t, r.half_life)?;
    let active: Vec<usize> = (0..arms.len()).filter(|&i| !arms[i].retired).collect();
    let mut p_best = vec![0.0; arms.len()];
    if !active.is_empty() {
        let ps: Vec<Posterior> = active.iter().map(|&i| posts[i].0).collect();
        let p = policy::p_best(&r.objective(), &ps, 4 * policy::DRAWS, rng);
        for (j, &i) in active.iter().enumerate() {
            p_best[i] = round6(p[j]);
        }
    }
    let count = |sql: &str| -> Result<i64> { Ok(conn.query_row(sql, [], |row| row.get(0))?) };
    let decisions = count("SELECT count(*) FROM decisions")?;
    let reported = count("SELECT count(*) FROM decisions WHERE status = 'reported'")?;
    let pending = count("SELECT count(*) FROM decisions WHERE status = 'pending'")?;
    let (explored, seen): (i64, i64) = conn.query_row(
        "SELECT COALESCE(SUM(explored), 0), count(*) FROM (SELECT explored FROM decisions ORDER BY seq DESC LIMIT ?1)",
        [r.window],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    Ok(Stats {
        objective: r.objective().describe(),
        decisions,
        reported,
        pending,
        exploration_share: if seen > 0 {
            round6(explored as f64 / seen as f64)
        } else {
            0.0
        },
        exploration_cap: r.exploration_cap,
        window: r.window,
        spend_today: round6(spend_on(conn, &clock.day)?),
        budget_daily_usd: cfg.budget.daily_usd,
        downshift: downshift_state(conn)?,
        arms: arms
            .iter()
            .zip(&posts)
            .zip(&p_best)
            .map(|((a, (_, s)), &pb)| ArmLine {
                arm: a.id.clone(),
                tier: a.tier,
                retired: a.retired,
                n: s.reports,
                pulls: s.pulls,
                mean_eval: (s.reports > 0).then(|| round6(s.eval_sum / s.reports as f64)),
                mean_cost: (s.reports > 0).then(|| round6(s.cost_sum / s.reports as f64)),
                traffic_share: if decisions > 0 {
                    round6(s.pulls as f64 / decisions as f64)
                } else {
                    0.0
                },
                p_best: pb,
            })
            .collect(),
        schema: crate::exec::record::schema_stats(conn)?,
    })
}
