//! `stats`: what the router has learnt, per arm, with exploration and spend.

use super::arms::all_arms;
use super::downshift::{downshift_state, Budget, Downshift};
use super::evidence::{decision_clock, posteriors};
use super::round6;
use crate::bandit::{policy, Posterior};
use crate::clock::Clock;
use crate::config::{Config, Tier};
use crate::error::Result;
use crate::percentile::nearest_rank;
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
    /// Per task, counting every attempt (when escalation is on or was used).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tasks: Option<TaskStats>,
}

/// The router's results per task, where a task may take several attempts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TaskStats {
    /// Chains of attempts with at least one reported outcome.
    pub tasks: i64,
    /// Share of them that some attempt passed.
    pub pass_rate: f64,
    /// Mean total cost per task, USD.
    pub cost_per_task: f64,
    /// Mean reported attempts per task.
    pub attempts_mean: f64,
    /// 95th percentile of reported attempts per task.
    pub attempts_p95: u32,
    /// The commonest escalation paths, most frequent first (at most 10).
    pub paths: Vec<PathLine>,
}

/// One escalation path.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PathLine {
    /// The arms attempted, in order.
    pub arms: Vec<String>,
    /// Tasks that took this path.
    pub tasks: i64,
    /// Of them, those that passed.
    pub passed: i64,
}

/// Per-task results from every reported attempt, in chains.
pub fn task_stats(conn: &Connection, pass_threshold: f64) -> Result<TaskStats> {
    Ok(summarise(&chains(conn, pass_threshold)?, None))
}

/// A chain of reported attempts: the arms, whether each passed, their costs.
pub type Chain = (Vec<String>, Vec<bool>, Vec<f64>);

/// Every chain with a reported attempt, in the order they started.
pub fn chains(conn: &Connection, pass_threshold: f64) -> Result<Vec<Chain>> {
    let mut stmt = conn.prepare(
        "SELECT COALESCE(d.chain, d.id), d.arm, o.eval, o.cost_usd FROM decisions d
         JOIN outcomes o ON o.decision_id = d.id WHERE d.status != 'superseded' ORDER BY d.seq",
    )?;
    let mut chains: Vec<Chain> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let chain: String = row.get(0)?;
        let i = *index.entry(chain).or_insert_with(|| {
            chains.push((Vec::new(), Vec::new(), Vec::new()));
            chains.len() - 1
        });
        let c = &mut chains[i];
        c.0.push(row.get(1)?);
        c.1.push(row.get::<_, f64>(2)? >= pass_threshold);
        c.2.push(row.get(3)?);
    }
    Ok(chains)
}

/// The per-task summary of `chains`, each cut to its first `limit` attempts.
pub fn summarise(chains: &[Chain], limit: Option<usize>) -> TaskStats {
    let cut = |v: usize| limit.map_or(v, |k| v.min(k));
    let chains: Vec<(Vec<String>, bool, f64)> = chains
        .iter()
        .map(|(arms, passed, cost)| {
            let k = cut(arms.len());
            (
                arms[..k].to_vec(),
                passed[..k].iter().any(|&p| p),
                cost[..k].iter().sum(),
            )
        })
        .collect();
    let n = chains.len();
    let mut attempts: Vec<u32> = chains.iter().map(|c| c.0.len() as u32).collect();
    attempts.sort_unstable();
    let mut paths: std::collections::HashMap<&[String], (i64, i64)> =
        std::collections::HashMap::new();
    for c in &chains {
        let e = paths.entry(&c.0).or_default();
        e.0 += 1;
        e.1 += i64::from(c.1);
    }
    let mut paths: Vec<PathLine> = paths
        .into_iter()
        .map(|(arms, (tasks, passed))| PathLine {
            arms: arms.to_vec(),
            tasks,
            passed,
        })
        .collect();
    paths.sort_by(|a, b| b.tasks.cmp(&a.tasks).then_with(|| a.arms.cmp(&b.arms)));
    paths.truncate(10);
    let per = |x: f64| if n > 0 { round6(x / n as f64) } else { 0.0 };
    TaskStats {
        tasks: n as i64,
        pass_rate: per(chains.iter().filter(|c| c.1).count() as f64),
        cost_per_task: per(chains.iter().map(|c| c.2).sum()),
        attempts_mean: per(attempts.iter().map(|&a| f64::from(a)).sum()),
        attempts_p95: nearest_rank(&attempts, 0.95),
        paths,
    }
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
    let budget = Budget::today(conn, cfg.budget.daily_usd, &clock.day)?;
    Ok(Stats {
        objective: super::route::describe_objective(r, &r.objective()),
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
        spend_today: round6(budget.spent),
        budget_daily_usd: cfg.budget.daily_usd,
        downshift: {
            // As `route` sees it: the manual switch, else a spent budget.
            let manual = downshift_state(conn)?;
            match budget.exhausted() {
                Some(reason) if !manual.active => Downshift {
                    active: true,
                    reason: Some(reason),
                },
                _ => manual,
            }
        },
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
        tasks: if r.max_attempts > 1
            || count("SELECT count(*) FROM decisions WHERE attempt > 1")? > 0
        {
            Some(task_stats(conn, r.pass_threshold)?)
        } else {
            None
        },
    })
}
