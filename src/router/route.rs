//! `route`: pick an arm for a task under the objective, the exploration cap,
//! a manual downshift and the daily budget, or return its pending decision.

use super::arms::{active_arms, Arm};
use super::downshift::{manual_downshift, note_budget_pressure, spend_on, Budget, Downshift};
use super::evidence::{decision_clock, posteriors, save_arm_stats};
use super::{check_id, round6};
use crate::bandit::{policy, Evidence, Posterior, Rule};
use crate::clock::Clock;
use crate::config::{Config, Tier};
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

/// Picks an arm for a task, or returns the task's pending decision.
pub fn route<R: Rng>(
    store: &mut Store,
    cfg: &Config,
    req: &RouteRequest,
    clock: &Clock,
    rng: &mut R,
) -> Result<Decision> {
    check_id("--task", &req.task)?;
    store.write(|tx| {
        if let Some(d) = take_pending(tx, req)? {
            return Ok(d);
        }
        let r = &cfg.router;
        let arms = active_arms(tx, cfg)?;
        let t = decision_clock(tx)?;
        let posts = posteriors(tx, &arms, t, r.half_life)?;
        let recent = recent_explored(tx, r.window)?;
        let observed: Vec<Evidence> = posts
            .iter()
            .map(|p| p.1.evidence.at(t, r.half_life))
            .collect();
        let objective = r.objective().paced(&observed, r.window);
        let choose = |eligible: &[usize], rng: &mut R| {
            let ps: Vec<Posterior> = eligible.iter().map(|&i| posts[i].0).collect();
            policy::pick(
                r.policy,
                &objective,
                &ps,
                r.cap(),
                recent,
                policy::DRAWS,
                rng,
            )
        };
        let restrict = |restricted: bool| eligible_arms(&arms, &r.downshift_tiers, restricted);

        // Manual downshift first, then budget pressure: spend already at the
        // ceiling, or the pick's expected cost would pass it.
        let budget = Budget {
            limit: cfg.budget.daily_usd,
            spent: spend_on(tx, &clock.day)?,
        };
        let mut budget_reason = budget.exhausted();
        let mut reason = manual_downshift(tx)?
            .map(|m| format!("downshift on: {}", m.by()))
            .or_else(|| budget_reason.clone());
        let mut eligible = restrict(reason.is_some());
        let mut pick = choose(&eligible, rng);
        if reason.is_none() {
            let a = eligible[pick.arm];
            if let Some(why) = budget.would_pass(posts[a].0.mean_cost(), &arms[a].id) {
                budget_reason = Some(why);
                reason = budget_reason.clone();
                eligible = restrict(true);
                pick = choose(&eligible, rng);
            }
        }
        note_budget_pressure(tx, clock, budget_reason.as_deref())?;
        let in_tiers = |a: &Arm| r.downshift_tiers.contains(&a.tier);
        if let Some(r0) = &reason {
            if eligible.len() == arms.len() && !arms.iter().all(in_tiers) {
                reason = Some(format!(
                    "{r0}; no active arm in downshift tiers [{}], routing to all arms",
                    r.downshift_tiers
                        .iter()
                        .map(|t| t.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }

        let chosen = eligible[pick.arm];
        let mut alternatives: Vec<Alternative> = eligible
            .iter()
            .enumerate()
            .map(|(j, &i)| Alternative {
                arm: arms[i].id.clone(),
                tier: arms[i].tier,
                p_best: round6(pick.p_best[j]),
                mean_eval: round6(posts[i].0.mean_eval()),
                mean_cost: posts[i].0.cost_mean.map(round6),
                n: posts[i].1.reports,
            })
            .collect();
        alternatives.sort_by(|a, b| {
            b.p_best
                .total_cmp(&a.p_best)
                .then_with(|| a.arm.cmp(&b.arm))
        });
        let decision = Decision {
            decision_id: new_decision_id(clock),
            task: req.task.clone(),
            arm: arms[chosen].id.clone(),
            tier: arms[chosen].tier,
            explored: pick.explored,
            propensity: round6(pick.propensity),
            greedy_arm: arms[eligible[pick.greedy]].id.clone(),
            capped: pick.capped,
            rule: pick.rule,
            objective: objective.describe(),
            alternatives,
            downshift: Downshift {
                active: reason.is_some(),
                reason,
            },
            context: req.context.clone(),
            created_at_ms: clock.now_ms,
            reused: false,
        };
        save_decision(tx, &decision, t + 1)?;
        let mut s = posts[chosen].1.clone();
        s.pulls += 1;
        save_arm_stats(tx, &decision.arm, &s)?;
        Ok(decision)
    })
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

/// Appends the decision's event and its row, as decision number `seq`.
fn save_decision(tx: &Transaction, d: &Decision, seq: u64) -> Result<()> {
    let body = serde_json::to_string(d)?;
    let id = &d.decision_id;
    append_event(tx, &format!("route:{id}"), "route", d.created_at_ms, &body)?;
    tx.execute(
        "INSERT INTO decisions (seq, id, task, arm, explored, propensity, at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![seq as i64, id, d.task, d.arm, d.explored, d.propensity, d.created_at_ms],
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
