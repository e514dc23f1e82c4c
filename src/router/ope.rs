//! Off-policy evaluation from the state's own log: what another router
//! configuration (λ, rule, exploration cap, half-life) would have achieved on
//! the decisions actually made.
//!
//! The log is replayed in event order, so the posteriors at each decision
//! are rebuilt from the reports that had arrived by then (under the target's
//! half-life). At each first attempt the target's probability of playing
//! each eligible arm is estimated from posterior draws, as `route` estimates
//! its own propensities; the estimators are in [`crate::bandit::ope`].

use super::arms::all_arms;
use super::evidence::bernoulli_for;
use super::report::Outcome;
use super::route::Decision;
use super::stats::{self, TaskStats};
use crate::bandit::ope::{self, Estimates, Overlap, Step, Z95};
use crate::bandit::policy::{greedy, ids, p_best, ExplorationCap, Objective, Rule};
use crate::bandit::{Evidence, Posterior};
use crate::config::Config;
use crate::error::{input, Result};
use rand::Rng;
use rusqlite::Connection;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, VecDeque};

/// The configuration to evaluate.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Target {
    /// reward = eval − λ·cost.
    pub lambda: f64,
    /// Decision rule.
    pub rule: Rule,
    /// Exploration cap.
    pub exploration_cap: f64,
    /// Its window, in decisions.
    pub window: u32,
    /// Evidence half-life in decisions.
    pub half_life: f64,
}

/// What the logged decisions themselves achieved.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Observed {
    /// Mean eval.
    pub eval: f64,
    /// Mean cost, USD.
    pub cost_usd: f64,
    /// Mean reward at the target's λ.
    pub reward: f64,
}

/// Decisions that could not be used.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct LeftOut {
    /// Never reported (pending or superseded).
    pub unreported: usize,
    /// Second and later attempts of a task (a single-decision target has no
    /// rule for them).
    pub later_attempts: usize,
    /// Logged without a usable propensity or eligible set.
    pub unusable: usize,
}

/// The result of `replay --from-state`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OpeReport {
    /// The configuration evaluated.
    pub target: Target,
    /// Decisions the estimates use.
    pub decisions: usize,
    /// Decisions left out, by reason.
    pub left_out: LeftOut,
    /// What was logged.
    pub observed: Observed,
    /// Mean eval per decision under the target.
    pub eval: Estimates,
    /// Mean cost per decision under the target.
    pub cost_usd: Estimates,
    /// Mean reward per decision under the target, at its λ.
    pub reward: Estimates,
    /// How well the log covers the target.
    pub overlap: Overlap,
    /// Where the target would have sent traffic: mean probability per arm.
    pub target_share: BTreeMap<String, f64>,
    /// Reasons not to trust the estimates.
    pub warnings: Vec<String>,
    /// With a target `max_attempts`: the logged tasks and the same tasks cut
    /// to that many attempts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tasks: Option<Truncated>,
}

/// Per-task results with fewer attempts, read off the logged chains: the
/// first K attempts of each chain are what the router would have done, so
/// the figures are exact (no weighting) as long as no logged task failed
/// after fewer than K attempts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Truncated {
    /// The attempts evaluated.
    pub max_attempts: u32,
    /// As logged.
    pub logged: TaskStats,
    /// Cut to `max_attempts`.
    pub target: TaskStats,
}

/// The logged chains cut to `k` attempts, or an input error naming the
/// largest `k` the log can answer.
pub fn truncated(conn: &Connection, pass_threshold: f64, k: u32) -> Result<Truncated> {
    let chains = stats::chains(conn, pass_threshold)?;
    let short = chains
        .iter()
        .filter(|c| !c.1.iter().any(|&p| p) && c.0.len() < k as usize)
        .map(|c| c.0.len())
        .collect::<Vec<_>>();
    if let Some(&m) = short.iter().min() {
        return Err(input(format!(
            "--max-attempts {k}: {} logged tasks failed after fewer attempts, and the log cannot say what another attempt would have done; it answers up to --max-attempts {m}",
            short.len()
        )));
    }
    Ok(Truncated {
        max_attempts: k,
        logged: stats::summarise(&chains, None),
        target: stats::summarise(&chains, Some(k as usize)),
    })
}

/// One first attempt, waiting for its report.
struct Pending {
    logged: f64,
    unsupported: f64,
    chosen: usize,
    probs: Vec<f64>,
    q_eval: Vec<f64>,
    q_cost: Vec<f64>,
}

/// Evaluates `target` on the state's log; `draws` posterior draws per
/// decision estimate the target's probabilities.
pub fn evaluate<R: Rng>(
    conn: &Connection,
    cfg: &Config,
    target: &Target,
    draws: u32,
    rng: &mut R,
) -> Result<OpeReport> {
    let arms = all_arms(conn, cfg)?;
    let index: HashMap<&str, usize> = arms
        .iter()
        .enumerate()
        .map(|(i, a)| (a.id.as_str(), i))
        .collect();
    let objective = Objective::Reward {
        lambda: target.lambda,
    };
    let cap = ExplorationCap {
        cap: target.exploration_cap,
        window: target.window,
    };
    let mut evidence = vec![Evidence::default(); arms.len()];
    let mut arm_of: HashMap<String, usize> = HashMap::new();
    let mut pending: HashMap<String, Pending> = HashMap::new();
    let mut recent: VecDeque<f64> = VecDeque::new();
    let mut clock: u64 = 0;
    let mut left = LeftOut::default();
    let mut steps: Vec<(Pending, Outcome)> = Vec::new();
    let mut share = vec![0.0; arms.len()];

    let mut stmt = conn.prepare(
        "SELECT idem_key, kind, payload FROM events WHERE kind IN ('route', 'report') ORDER BY seq",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let key: String = row.get(0)?;
        let kind: String = row.get(1)?;
        let payload: String = row.get(2)?;
        if kind == "route" {
            let d: Decision = serde_json::from_str(&payload)
                .map_err(|e| input(format!("state: event {key} is unreadable: {e}")))?;
            let t = clock;
            clock += 1;
            let Some(&chosen) = index.get(d.arm.as_str()) else {
                left.unusable += 1;
                continue;
            };
            arm_of.insert(d.decision_id.clone(), chosen);
            if d.attempt > 1 {
                left.later_attempts += 1;
                continue;
            }
            let eligible: Vec<usize> = d
                .alternatives
                .iter()
                .filter_map(|a| index.get(a.arm.as_str()).copied())
                .collect();
            let Some(j) = eligible.iter().position(|&i| i == chosen) else {
                left.unusable += 1;
                continue;
            };
            if d.propensity.is_nan() || d.propensity <= 0.0 {
                left.unusable += 1;
                continue;
            }
            let posts: Vec<Posterior> = eligible
                .iter()
                .map(|&i| Posterior::new(&arms[i].prior, &evidence[i].at(t, target.half_life)))
                .collect();
            let plan = greedy(&objective, &posts);
            let explored_recent = recent.iter().sum::<f64>().floor() as u32;
            let probs: Vec<f64> = if !cap.allows(explored_recent) {
                (0..posts.len()).map(|k| plan.weight(k)).collect()
            } else {
                match target.rule {
                    Rule::Thompson => p_best(&objective, &posts, draws, rng),
                    Rule::Ids => {
                        let (mix, _) = ids(target.lambda, &posts, draws, rng);
                        (0..posts.len()).map(|k| mix.weight(k)).collect()
                    }
                }
            };
            let exploring: f64 = probs
                .iter()
                .enumerate()
                .filter(|(k, _)| plan.weight(*k) == 0.0)
                .map(|(_, p)| p)
                .sum();
            recent.push_back(exploring);
            if recent.len() >= cap.window as usize {
                recent.pop_front();
            }
            // The logging probabilities of the other arms are known for a
            // Thompson pick (its p_best) and a capped one (the greedy arm).
            let logging: Option<Vec<f64>> = if d.capped {
                Some(
                    (0..eligible.len())
                        .map(|k| f64::from(u8::from(k == j)))
                        .collect(),
                )
            } else if d.rule == Rule::Thompson {
                let by_arm: HashMap<&str, f64> = d
                    .alternatives
                    .iter()
                    .map(|a| (a.arm.as_str(), a.p_best))
                    .collect();
                Some(
                    eligible
                        .iter()
                        .map(|&i| by_arm.get(arms[i].id.as_str()).copied().unwrap_or(0.0))
                        .collect(),
                )
            } else {
                None
            };
            let unsupported = logging.map_or(0.0, |mu| {
                probs
                    .iter()
                    .zip(&mu)
                    .filter(|(_, &m)| m < ope::RARE)
                    .map(|(p, _)| p)
                    .sum()
            });
            pending.insert(
                d.decision_id.clone(),
                Pending {
                    logged: d.propensity,
                    unsupported,
                    chosen: j,
                    q_eval: posts.iter().map(Posterior::mean_eval).collect(),
                    q_cost: posts.iter().map(Posterior::mean_cost).collect(),
                    probs: {
                        for (k, &i) in eligible.iter().enumerate() {
                            share[i] += probs[k];
                        }
                        probs
                    },
                },
            );
        } else {
            let Some(id) = key.strip_prefix("report:") else {
                continue;
            };
            let o: Outcome = serde_json::from_str(&payload)
                .map_err(|e| input(format!("state: event {key} is unreadable: {e}")))?;
            if let Some(&a) = arm_of.get(id) {
                evidence[a].observe(
                    clock,
                    target.half_life,
                    bernoulli_for(id, o.eval),
                    o.cost_usd,
                );
            }
            if let Some(p) = pending.remove(id) {
                steps.push((p, o));
            }
        }
    }
    left.unreported = pending.len();
    let n = steps.len();
    let metric = |value: &dyn Fn(&Outcome) -> f64, q: &dyn Fn(&Pending, usize) -> f64| {
        let s: Vec<Step> = steps
            .iter()
            .map(|(p, o)| Step {
                logged: p.logged,
                target: p.probs[p.chosen],
                value: value(o),
                q_played: q(p, p.chosen),
                q_target: p.probs.iter().enumerate().map(|(k, w)| w * q(p, k)).sum(),
                unsupported: p.unsupported,
            })
            .collect();
        s
    };
    let l = target.lambda;
    let eval_steps = metric(&|o| o.eval, &|p, k| p.q_eval[k]);
    let cost_steps = metric(&|o| o.cost_usd, &|p, k| p.q_cost[k]);
    let reward_steps = metric(&|o| o.eval - l * o.cost_usd, &|p, k| {
        p.q_eval[k] - l * p.q_cost[k]
    });
    let mean = |f: &dyn Fn(&Outcome) -> f64| {
        if n == 0 {
            0.0
        } else {
            steps.iter().map(|(_, o)| f(o)).sum::<f64>() / n as f64
        }
    };
    let overlap = ope::overlap(&reward_steps);
    let total: f64 = share.iter().sum();
    Ok(OpeReport {
        target: *target,
        decisions: n,
        left_out: left,
        observed: Observed {
            eval: mean(&|o| o.eval),
            cost_usd: mean(&|o| o.cost_usd),
            reward: mean(&|o| o.eval - l * o.cost_usd),
        },
        eval: ope::estimate(&eval_steps, Z95),
        cost_usd: ope::estimate(&cost_steps, Z95),
        reward: ope::estimate(&reward_steps, Z95),
        warnings: ope::warnings(&overlap),
        overlap,
        target_share: arms
            .iter()
            .zip(&share)
            .filter(|(_, &s)| s > 0.0)
            .map(|(a, &s)| (a.id.clone(), s / total))
            .collect(),
        tasks: None,
    })
}
