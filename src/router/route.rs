//! `route`: pick an arm for a task under the objective, the exploration cap,
//! a manual downshift and the daily budget, or return its pending decision.

use super::arms::{active_arms, Arm};
use super::cascade::{self, arm_set, chain_state, finished, DoneReason, Finished, Position};
use super::downshift::{
    audit, downshift_state, manual_downshift, note_budget_pressure, Budget, Downshift,
};
use super::evidence::{decision_clock, posteriors, save_arm_stats, ArmStats};
use super::{check_id, round6};
use crate::bandit::{policy, Evidence, Objective, Posterior, Rule};
use crate::clock::Clock;
use crate::config::{Config, RouterConfig, Tier};
use crate::error::{input, Result};
use crate::state::{append_event, Store};
use rand::Rng;
use rusqlite::{params, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An alternative the router considered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Alternative {
    /// Arm id.
    pub arm: String,
    /// Model tier.
    pub tier: Tier,
    /// Probability of being the best arm under the posterior.
    pub p_best: f64,
    /// Posterior mean eval.
    pub mean_eval: f64,
    /// Posterior mean cost in USD (`null` while unknown).
    pub mean_cost: Option<f64>,
    /// Outcomes reported for the arm.
    pub n: i64,
    /// Escalation: posterior mean chance to pass after the arms that failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_pass: Option<f64>,
    /// Escalation: expected task reward of attempting it now, later attempts included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
}

impl Alternative {
    /// An eligible arm with its posterior and probability of being best.
    pub(super) fn of(arm: &Arm, post: &(Posterior, ArmStats), p_best: f64) -> Alternative {
        Alternative {
            arm: arm.id.clone(),
            tier: arm.tier,
            p_best: round6(p_best),
            mean_eval: round6(post.0.mean_eval()),
            mean_cost: post.0.cost_mean.map(round6),
            n: post.1.reports,
            p_pass: None,
            value: None,
        }
    }
}

/// A routing decision, as printed by `route --json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// Unique decision id; `report --decision` takes it.
    pub decision_id: String,
    /// The task routed.
    pub task: String,
    /// The chosen arm.
    pub arm: String,
    /// Its tier.
    pub tier: Tier,
    /// The pick was not the greedy arm.
    pub explored: bool,
    /// Probability that the policy made this pick (for off-policy evaluation).
    pub propensity: f64,
    /// The arm with the best posterior means.
    pub greedy_arm: String,
    /// The exploration cap overrode the sampled arm.
    pub capped: bool,
    /// The decision rule that made the pick.
    #[serde(default)]
    pub rule: Rule,
    /// The objective, in words.
    pub objective: String,
    /// Every eligible arm, best first.
    pub alternatives: Vec<Alternative>,
    /// Downshift state at decision time.
    pub downshift: Downshift,
    /// Task context given with `--context`.
    pub context: BTreeMap<String, String>,
    /// Decision time, Unix milliseconds.
    pub created_at_ms: i64,
    /// This is an earlier pending decision returned again.
    #[serde(default)]
    pub reused: bool,
    /// The attempt at the task, from 1.
    #[serde(default = "one")]
    pub attempt: u32,
    /// Arms that already failed on this task, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed_arms: Vec<String>,
    /// Why this arm (escalation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
    /// Always false for a decision; `route` says `"done": true` when a task
    /// gets no further attempt.
    #[serde(default)]
    pub done: bool,
    /// The arm's parameters (e.g. deployed by `evolve`), for the agent step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<serde_json::Value>,
}

fn one() -> u32 {
    1
}

/// What `route` is asked.
#[derive(Clone, Debug)]
pub struct RouteRequest {
    /// Task id.
    pub task: String,
    /// Context pairs.
    pub context: BTreeMap<String, String>,
    /// Force a fresh decision even if one is pending.
    pub fresh: bool,
}

/// What `route` answers: a decision, or that the task is done.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Routed {
    /// A new or pending decision.
    Decision(Box<Decision>),
    /// No further attempt (escalation only).
    Done(Box<Finished>),
}

impl Routed {
    /// The decision, or `None` when the task is done.
    pub fn decision(self) -> Option<Decision> {
        match self {
            Routed::Decision(d) => Some(*d),
            Routed::Done(_) => None,
        }
    }
}

/// A choice made by one of the rules, in terms of indices into the active arms.
pub(super) struct Chosen {
    pub arm: usize,
    pub greedy: usize,
    pub explored: bool,
    pub propensity: f64,
    pub capped: bool,
    pub rule: Rule,
    pub alternatives: Vec<Alternative>,
    pub why: Option<String>,
}

/// What a rule made of the eligible arms.
pub(super) enum Choice {
    Pick(Chosen),
    /// Escalation: no further attempt is worth its cost.
    Stop(String),
    /// Escalation: every eligible arm already failed.
    NoneLeft,
}

/// Picks an arm for a task, returns its pending decision, or (with
/// escalation) says that the task is done.
pub fn route<R: Rng>(
    store: &mut Store,
    cfg: &Config,
    req: &RouteRequest,
    clock: &Clock,
    rng: &mut R,
) -> Result<Routed> {
    check_id("--task", &req.task)?;
    store.write(|tx| {
        if let Some(d) = take_pending(tx, req)? {
            return Ok(Routed::Decision(Box::new(d)));
        }
        let r = &cfg.router;
        let escalating = r.max_attempts > 1;
        let pos = if escalating && !req.fresh {
            match chain_state(tx, &req.task, r)? {
                Ok(pos) => pos,
                Err((why, chain)) => {
                    let lines = cascade::attempts(tx, &chain)?;
                    let message = cascade::done_message(why, r, &lines);
                    let ds = downshift_state(tx)?;
                    let th = r.pass_threshold;
                    let f = finished(tx, &req.task, Some(&chain), why, message, ds, th)?;
                    return Ok(Routed::Done(Box::new(f)));
                }
            }
        } else {
            Position::first()
        };
        let arms = active_arms(tx, cfg)?;
        let t = decision_clock(tx)?;
        let posts = posteriors(tx, &arms, t, r.half_life)?;
        let recent = recent_explored(tx, r.window)?;
        let observed: Vec<Evidence> = posts
            .iter()
            .map(|p| p.1.evidence.at(t, r.half_life))
            .collect();
        let objective = r.objective().paced(&observed, r.window);
        let describe = describe_objective(r, &objective);
        let plain: Vec<Posterior> = posts.iter().map(|p| p.0).collect();
        let model = if escalating {
            Some(cascade::model(tx, &arms, &plain, t, r)?)
        } else {
            None
        };
        let failed = arm_set(&arms, &pos.failed);
        let alternative = |i: usize, p_best: f64| Alternative::of(&arms[i], &posts[i], p_best);
        let choose = |eligible: &[usize], rng: &mut R| -> Choice {
            let Some(model) = &model else {
                let ps: Vec<Posterior> = eligible.iter().map(|&i| plain[i]).collect();
                let pick = policy::pick(
                    r.policy,
                    &objective,
                    &ps,
                    r.cap(),
                    recent,
                    policy::DRAWS,
                    rng,
                );
                return Choice::Pick(Chosen {
                    arm: eligible[pick.arm],
                    greedy: eligible[pick.greedy],
                    explored: pick.explored,
                    propensity: pick.propensity,
                    capped: pick.capped,
                    rule: pick.rule,
                    alternatives: eligible
                        .iter()
                        .zip(&pick.p_best)
                        .map(|(&i, &p)| alternative(i, p))
                        .collect(),
                    why: None,
                });
            };
            cascade::choose(r, model, &arms, &posts, &pos, failed, eligible, recent, rng)
        };
        let restrict = |restricted: bool| eligible_arms(&arms, &r.downshift_tiers, restricted);

        // Manual downshift first, then budget pressure: spend already at the
        // ceiling, or the pick's expected cost would pass it.
        let budget = Budget::today(tx, cfg.budget.daily_usd, &clock.day)?;
        let mut budget_reason = budget.exhausted();
        let mut reason = manual_downshift(tx)?
            .map(|m| format!("downshift on: {}", m.by()))
            .or_else(|| budget_reason.clone());
        let mut eligible = restrict(reason.is_some());
        let mut choice = choose(&eligible, rng);
        if reason.is_none() {
            if let Choice::Pick(ch) = &choice {
                if let Some(why) = budget.would_pass(posts[ch.arm].0.mean_cost(), &arms[ch.arm].id)
                {
                    budget_reason = Some(why);
                    reason = budget_reason.clone();
                    eligible = restrict(true);
                    choice = choose(&eligible, rng);
                }
            }
        }
        note_budget_pressure(tx, clock, budget_reason.as_deref())?;
        let in_tiers = |a: &Arm| r.downshift_tiers.contains(&a.tier);
        if let Some(r0) = &reason {
            if eligible.len() == arms.len() && !arms.iter().all(in_tiers) {
                reason = Some(format!(
                    "{r0}; no active arm in downshift tiers [{}], routing to all arms",
                    tier_list(&r.downshift_tiers)
                ));
            }
        }
        let downshift = Downshift {
            active: reason.is_some(),
            reason: reason.clone(),
        };
        let chosen = match choice {
            Choice::Pick(ch) => ch,
            Choice::Stop(message) => {
                let chain = pos.chain.as_deref();
                let why = DoneReason::NotWorthIt;
                let f = finished(
                    tx,
                    &req.task,
                    chain,
                    why,
                    message,
                    downshift,
                    r.pass_threshold,
                )?;
                return Ok(Routed::Done(Box::new(f)));
            }
            Choice::NoneLeft => {
                let restricted = reason.as_deref().filter(|_| eligible.len() < arms.len());
                let f = none_left(tx, r, req, &pos, restricted, downshift, clock)?;
                return Ok(Routed::Done(Box::new(f)));
            }
        };
        let mut alternatives = chosen.alternatives;
        alternatives.sort_by(|a, b| {
            b.p_best
                .total_cmp(&a.p_best)
                .then_with(|| a.arm.cmp(&b.arm))
        });
        let decision = Decision {
            decision_id: new_decision_id(clock),
            task: req.task.clone(),
            arm: arms[chosen.arm].id.clone(),
            tier: arms[chosen.arm].tier,
            explored: chosen.explored,
            propensity: round6(chosen.propensity),
            greedy_arm: arms[chosen.greedy].id.clone(),
            capped: chosen.capped,
            rule: chosen.rule,
            objective: describe,
            alternatives,
            downshift,
            context: req.context.clone(),
            created_at_ms: clock.now_ms,
            reused: false,
            attempt: pos.attempt,
            failed_arms: pos.failed.clone(),
            why: chosen.why,
            done: false,
            params: arms[chosen.arm].params.clone(),
        };
        save_decision(tx, &decision, t + 1, pos.chain.as_deref())?;
        let mut s = posts[chosen.arm].1.clone();
        s.pulls += 1;
        save_arm_stats(tx, &decision.arm, &s)?;
        Ok(Routed::Decision(Box::new(decision)))
    })
}

/// The answer when every eligible arm already failed on the task: with a
/// downshift or budget `restricted` routing, the escalation is refused (and
/// audited); otherwise no arm is left.
fn none_left(
    tx: &Transaction,
    r: &RouterConfig,
    req: &RouteRequest,
    pos: &Position,
    restricted: Option<&str>,
    downshift: Downshift,
    clock: &Clock,
) -> Result<Finished> {
    let failed = pos.failed.join(", ");
    let (why, message) = match restricted {
        Some(r0) => (
            DoneReason::EscalationRefused,
            format!(
                "escalation of task {} refused: {r0}; every arm in tiers [{}] already failed ({failed})",
                req.task,
                tier_list(&r.downshift_tiers)
            ),
        ),
        None => (
            DoneReason::NoArmLeft,
            format!("every active arm already failed on this task ({failed})"),
        ),
    };
    if why == DoneReason::EscalationRefused {
        audit(tx, clock.now_ms, true, &message, "router")?;
    }
    let chain = pos.chain.as_deref();
    finished(
        tx,
        &req.task,
        chain,
        why,
        message,
        downshift,
        r.pass_threshold,
    )
}

/// Tiers as `small, medium`.
fn tier_list(tiers: &[Tier]) -> String {
    tiers
        .iter()
        .map(|t| t.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The objective in words: per decision, or per task with escalation.
pub fn describe_objective(r: &RouterConfig, objective: &Objective) -> String {
    if r.max_attempts <= 1 {
        return objective.describe();
    }
    let latency = if r.latency_weight > 0.0 {
        format!(" - {} per extra attempt", r.latency_weight)
    } else {
        String::new()
    };
    format!(
        "task reward = passed - {} * total cost_usd{latency}, up to {} attempts (pass: eval >= {})",
        r.lambda, r.max_attempts, r.pass_threshold
    )
}

/// The task's pending decision, returned again unless a fresh one is asked
/// for; then it is superseded and `None` comes back.
fn take_pending(tx: &Transaction, req: &RouteRequest) -> Result<Option<Decision>> {
    let pending: Option<(String, String)> = tx
        .query_row(
            "SELECT d.id, e.payload FROM decisions d JOIN events e ON e.idem_key = 'route:' || d.id
             WHERE d.task = ?1 AND d.status = 'pending' ORDER BY d.seq DESC LIMIT 1",
            [&req.task],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((id, body)) = pending else {
        return Ok(None);
    };
    if !req.fresh {
        let mut d: Decision = serde_json::from_str(&body)
            .map_err(|e| input(format!("state: decision {id} is unreadable: {e}")))?;
        d.reused = true;
        return Ok(Some(d));
    }
    tx.execute(
        "UPDATE decisions SET status = 'superseded' WHERE task = ?1 AND status = 'pending'",
        [&req.task],
    )?;
    Ok(None)
}

/// Non-greedy picks among the last `window - 1` decisions.
fn recent_explored(tx: &Transaction, window: u32) -> Result<u32> {
    Ok(tx.query_row(
        "SELECT COALESCE(SUM(explored), 0) FROM (SELECT explored FROM decisions ORDER BY seq DESC LIMIT ?1)",
        [i64::from(window.saturating_sub(1))],
        |row| row.get(0),
    )?)
}

/// The arms routing may pick: all of them, or when `restricted` those in the
/// downshift tiers (all again when none is).
fn eligible_arms(arms: &[Arm], tiers: &[Tier], restricted: bool) -> Vec<usize> {
    let all: Vec<usize> = (0..arms.len()).collect();
    if !restricted {
        return all;
    }
    let some: Vec<usize> = all
        .iter()
        .copied()
        .filter(|&i| tiers.contains(&arms[i].tier))
        .collect();
    if some.is_empty() {
        all
    } else {
        some
    }
}

/// Appends the decision's event and its row, as decision number `seq`, in
/// `chain` (a new chain when `None`).
fn save_decision(tx: &Transaction, d: &Decision, seq: u64, chain: Option<&str>) -> Result<()> {
    let body = serde_json::to_string(d)?;
    let id = &d.decision_id;
    append_event(tx, &format!("route:{id}"), "route", d.created_at_ms, &body)?;
    tx.execute(
        "INSERT INTO decisions (seq, id, task, arm, explored, propensity, at_ms, attempt, chain, failed)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            seq as i64,
            id,
            d.task,
            d.arm,
            d.explored,
            d.propensity,
            d.created_at_ms,
            d.attempt,
            chain,
            d.failed_arms.join(",")
        ],
    )?;
    Ok(())
}

/// A decision id: the time in ms and 64 bits from the OS-seeded thread RNG, not
/// the router's RNG, so that ids made in the same millisecond (a batch, concurrent
/// jobs, or a fixed `router.seed` routing the same task again) do not collide.
fn new_decision_id(clock: &Clock) -> String {
    format!(
        "d{:011x}{:016x}",
        clock.now_ms,
        rand::thread_rng().gen::<u64>()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn decision_ids_made_in_one_millisecond_are_unique() {
        // 32 random bits collided near 77k ids (the birthday bound); 64 must not.
        let clock = Clock {
            now_ms: 1_764_000_000_000,
            day: "2025-11-24".into(),
        };
        let ids: HashSet<String> = (0..200_000).map(|_| new_decision_id(&clock)).collect();
        assert_eq!(ids.len(), 200_000);
        assert!(ids
            .iter()
            .all(|id| id.len() == 28 && id.starts_with("d19ab")));
    }
}
