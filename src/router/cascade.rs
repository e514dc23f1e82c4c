//! Escalation in `route`: where a task's chain of attempts stands, the
//! cascade model read from the log, and the answer for a task that is done.

use super::arms::Arm;
use super::downshift::Downshift;
use super::evidence::ArmStats;
use super::round6;
use super::route::{Alternative, Choice, Chosen};
use crate::bandit::cascade::{self, bit, ArmSet, CascadeModel, CascadeParams, Counts, POOL_WEIGHT};
use crate::bandit::policy;
use crate::bandit::posterior::decay_factor;
use crate::bandit::Posterior;
use crate::config::RouterConfig;
use crate::error::Result;
use rand::Rng;
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

/// Where the next attempt of a task stands.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Position {
    /// The chain the attempt continues (`None`: it starts one).
    pub chain: Option<String>,
    /// The attempt number, from 1.
    pub attempt: u32,
    /// Arms that already failed on this task, in order.
    pub failed: Vec<String>,
}

impl Position {
    /// The first attempt of a new chain.
    pub fn first() -> Position {
        Position {
            chain: None,
            attempt: 1,
            failed: Vec::new(),
        }
    }
}

/// Why a task gets no further attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DoneReason {
    /// An attempt passed.
    Passed,
    /// `max_attempts` were made.
    MaxAttempts,
    /// Every active arm was tried.
    NoArmLeft,
    /// No further attempt is worth its expected cost.
    NotWorthIt,
    /// The downshift or the budget allows no arm that has not failed yet.
    EscalationRefused,
}

/// The task's chain, from its latest decision that was not superseded:
/// the next attempt, or why there is none.
pub fn chain_state(
    conn: &Connection,
    task: &str,
    r: &RouterConfig,
) -> Result<std::result::Result<Position, (DoneReason, String)>> {
    let latest: Option<(String, String, u32, String, String, Option<f64>)> = conn
        .query_row(
            "SELECT d.id, d.arm, d.attempt, COALESCE(d.chain, d.id), d.failed, o.eval
             FROM decisions d LEFT JOIN outcomes o ON o.decision_id = d.id
             WHERE d.task = ?1 AND d.status != 'superseded' ORDER BY d.seq DESC LIMIT 1",
            [task],
            |row| {
                Ok((
                    row.get(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                    row.get(4)?,
                    row.get(5)?,
                ))
            },
        )
        .optional()?;
    let Some((_, arm, attempt, chain, failed, eval)) = latest else {
        return Ok(Ok(Position::first()));
    };
    // A decision without an outcome here was reported nowhere: the caller
    // returned pending ones already, so this cannot happen; start over.
    let Some(eval) = eval else {
        return Ok(Ok(Position::first()));
    };
    if eval >= r.pass_threshold {
        return Ok(Err((DoneReason::Passed, chain)));
    }
    if attempt >= r.max_attempts {
        return Ok(Err((DoneReason::MaxAttempts, chain)));
    }
    let mut failed = split_arms(&failed);
    failed.push(arm);
    Ok(Ok(Position {
        chain: Some(chain),
        attempt: attempt + 1,
        failed,
    }))
}

/// Arms stored comma-joined (arm ids hold no commas).
pub fn split_arms(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .collect()
}

/// The set of `names` among `arms` (arms no longer active are left out).
pub fn arm_set(arms: &[Arm], names: &[String]) -> ArmSet {
    arms.iter()
        .enumerate()
        .filter(|(_, a)| names.contains(&a.id))
        .fold(0, |s, (i, _)| s | bit(i))
}

/// The cascade model over the active arms at decision clock `clock`: every
/// reported attempt as a pass or a failure of its cell, aged by the
/// half-life; an arm's prior counts toward its overall rate, and its mean
/// cost is the cost posterior's.
pub fn model(
    conn: &Connection,
    arms: &[Arm],
    posts: &[Posterior],
    clock: u64,
    r: &RouterConfig,
) -> Result<CascadeModel> {
    let mut m = CascadeModel::new(arms.len());
    for (i, (a, p)) in arms.iter().zip(posts).enumerate() {
        m.cost[i] = p.mean_cost();
        if let (Some(e), w) = (a.prior.eval, a.prior.weight.max(0.0)) {
            m.arm[i] = Counts {
                pass: e * w,
                fail: (1.0 - e) * w,
            };
        }
    }
    let index: std::collections::HashMap<&str, usize> = arms
        .iter()
        .enumerate()
        .map(|(i, a)| (a.id.as_str(), i))
        .collect();
    let mut stmt = conn.prepare(
        "SELECT d.arm, d.failed, d.seq, o.eval FROM decisions d JOIN outcomes o ON o.decision_id = d.id",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let arm: String = row.get(0)?;
        let Some(&i) = index.get(arm.as_str()) else {
            continue;
        };
        let failed: String = row.get(1)?;
        let seq: i64 = row.get(2)?;
        let eval: f64 = row.get(3)?;
        let w = decay_factor(clock.saturating_sub(seq as u64), r.half_life);
        let passed = eval >= r.pass_threshold;
        m.arm[i].add(passed, w);
        m.cells
            .entry((i, arm_set(arms, &split_arms(&failed))))
            .or_default()
            .add(passed, w);
    }
    Ok(m)
}

/// One attempt of a finished chain.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttemptLine {
    /// Its decision.
    pub decision_id: String,
    /// Attempt number.
    pub attempt: u32,
    /// The arm.
    pub arm: String,
    /// Reported eval.
    pub eval: Option<f64>,
    /// Reported cost.
    pub cost_usd: Option<f64>,
}

/// `route`'s answer for a task that gets no further attempt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finished {
    /// The task.
    pub task: String,
    /// Always true: no new decision was made.
    pub done: bool,
    /// Why.
    pub reason: DoneReason,
    /// The reason in words.
    pub message: String,
    /// Some attempt passed.
    pub passed: bool,
    /// The chain's attempts, in order.
    pub attempts: Vec<AttemptLine>,
    /// Their total cost.
    pub cost_usd: f64,
    /// Downshift state at this time.
    pub downshift: Downshift,
}

/// The attempts of chain `chain`, in order.
pub fn attempts(conn: &Connection, chain: &str) -> Result<Vec<AttemptLine>> {
    let mut stmt = conn.prepare(
        "SELECT d.id, d.attempt, d.arm, o.eval, o.cost_usd FROM decisions d
         LEFT JOIN outcomes o ON o.decision_id = d.id
         WHERE COALESCE(d.chain, d.id) = ?1 AND d.status != 'superseded' ORDER BY d.seq",
    )?;
    let rows = stmt.query_map([chain], |r| {
        Ok(AttemptLine {
            decision_id: r.get(0)?,
            attempt: r.get(1)?,
            arm: r.get(2)?,
            eval: r.get(3)?,
            cost_usd: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The answer for a finished task.
pub fn finished(
    conn: &Connection,
    task: &str,
    chain: Option<&str>,
    reason: DoneReason,
    message: String,
    downshift: Downshift,
    threshold: f64,
) -> Result<Finished> {
    let attempts = match chain {
        Some(c) => attempts(conn, c)?,
        None => Vec::new(),
    };
    Ok(Finished {
        task: task.to_string(),
        done: true,
        reason,
        message,
        passed: attempts
            .iter()
            .any(|a| a.eval.is_some_and(|e| e >= threshold)),
        cost_usd: round6(attempts.iter().filter_map(|a| a.cost_usd).sum()),
        attempts,
        downshift,
    })
}

/// The message for a chain that ended by itself.
pub fn done_message(reason: DoneReason, r: &RouterConfig, attempts: &[AttemptLine]) -> String {
    match reason {
        DoneReason::Passed => {
            let a = attempts
                .iter()
                .rev()
                .find(|a| a.eval.is_some_and(|e| e >= r.pass_threshold));
            match a {
                Some(a) => format!(
                    "attempt {} on {} passed (eval {} ≥ pass_threshold {}); `route --new` starts over",
                    a.attempt,
                    a.arm,
                    a.eval.unwrap_or_default(),
                    r.pass_threshold
                ),
                None => "the task passed; `route --new` starts over".into(),
            }
        }
        DoneReason::MaxAttempts => format!(
            "{} attempts failed, router.max_attempts = {}; `route --new` starts over",
            attempts.len(),
            r.max_attempts
        ),
        _ => String::new(),
    }
}

/// The next attempt among `eligible` (indices into `arms`) after the arms in
/// `failed`: a pick with its reasons, a stop when no attempt is worth its
/// cost, or none left.
#[allow(clippy::too_many_arguments)]
pub(super) fn choose<R: Rng>(
    r: &RouterConfig,
    model: &CascadeModel,
    arms: &[Arm],
    posts: &[(Posterior, ArmStats)],
    pos: &Position,
    failed: ArmSet,
    eligible: &[usize],
    recent_explored: u32,
    rng: &mut R,
) -> Choice {
    let candidates: Vec<usize> = eligible
        .iter()
        .copied()
        .filter(|&i| failed & bit(i) == 0)
        .collect();
    if candidates.is_empty() {
        return Choice::NoneLeft;
    }
    let params = CascadeParams {
        lambda: r.lambda,
        latency_weight: r.latency_weight,
        max_attempts: r.max_attempts,
        pool_weight: POOL_WEIGHT,
    };
    let c = cascade::pick(
        r.policy,
        model,
        &params,
        failed,
        eligible,
        r.cap(),
        recent_explored,
        policy::DRAWS,
        rng,
    );
    // Index of an arm among the candidates, as the pick's vectors are.
    let at = |i: usize| candidates.iter().position(|&j| j == i).unwrap_or(0);
    let after = if pos.failed.is_empty() {
        String::new()
    } else {
        format!(" after {} failed", pos.failed.join(", "))
    };
    let Some(arm) = c.arm else {
        let g = at(c.greedy);
        return Choice::Stop(format!(
            "another attempt is not worth its cost{after}: the best, {}, passes with p = {:.3} for ${:.4} (value {:.3} at λ = {})",
            arms[c.greedy].id, c.p_pass[g], model.cost[c.greedy], c.value[g], r.lambda
        ));
    };
    let j = at(arm);
    let cost = match posts[arm].0.cost_mean {
        Some(x) => format!("${x:.4}"),
        None => "a cost not yet seen".into(),
    };
    let why = format!(
        "attempt {} of {}{after}: {} passes with p = {:.3} ({} such attempts seen, pooled toward its overall {:.3}) for {cost}; value {:.3} counting the attempts after it",
        pos.attempt,
        r.max_attempts,
        arms[arm].id,
        c.p_pass[j],
        model.cell_n(arm, failed).round(),
        model.arm_rate(arm),
        c.value[j],
    );
    let alternatives = candidates
        .iter()
        .enumerate()
        .map(|(k, &i)| Alternative {
            p_pass: Some(round6(c.p_pass[k])),
            value: Some(round6(c.value[k])),
            ..Alternative::of(&arms[i], &posts[i], c.p_best[k])
        })
        .collect();
    Choice::Pick(Chosen {
        arm,
        greedy: c.greedy,
        explored: c.explored,
        propensity: c.propensity,
        capped: c.capped,
        rule: c.rule,
        alternatives,
        why: Some(why),
    })
}
