//! What the router optimises, the greedy choice under it, and the plans
//! (a choice between at most two arms) that choices are made of.

use crate::bandit::posterior::{Evidence, Posterior};
use serde::{Deserialize, Serialize};

/// What the router optimises.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Objective {
    /// Maximise `eval - lambda * cost_usd`.
    Reward {
        /// USD to eval exchange rate.
        lambda: f64,
    },
    /// Cheapest mix of arms whose average eval is at least `min_eval`; the best
    /// eval if no arm reaches it.
    MinCost {
        /// The quality floor.
        min_eval: f64,
    },
}

impl Objective {
    /// The single arm this objective prefers given point values for each arm
    /// (for min-cost: the cheapest arm reaching the floor alone, else the best
    /// eval). Ties go to the lower index, so arm order makes choices deterministic.
    pub fn choose(&self, evals: &[f64], costs: &[f64]) -> usize {
        debug_assert_eq!(evals.len(), costs.len());
        let mut best = 0;
        match *self {
            Objective::Reward { lambda } => {
                let u = |i: usize| evals[i] - lambda * costs[i];
                for i in 1..evals.len() {
                    if u(i) > u(best) {
                        best = i;
                    }
                }
            }
            Objective::MinCost { min_eval } => {
                let feasible: Vec<usize> =
                    (0..evals.len()).filter(|&i| evals[i] >= min_eval).collect();
                if let Some(&first) = feasible.first() {
                    best = first;
                    for &i in &feasible[1..] {
                        if costs[i] < costs[best]
                            || (costs[i] == costs[best] && evals[i] > evals[best])
                        {
                            best = i;
                        }
                    }
                } else {
                    for i in 1..evals.len() {
                        if evals[i] > evals[best] {
                            best = i;
                        }
                    }
                }
            }
        }
        best
    }

    /// The (possibly randomised) choice this objective prefers given point
    /// values for each arm. The reward objective takes one arm. The min-cost
    /// objective solves its linear programme over mixtures: the cheapest mix of
    /// at most two arms whose average eval meets the floor, so an arm just
    /// above the floor can be blended with a cheap one below it, and an arm
    /// just below it with a better one, instead of jumping to the next arm
    /// that clears the floor alone.
    pub fn plan(&self, evals: &[f64], costs: &[f64]) -> Plan {
        let single = Plan::single(self.choose(evals, costs));
        let Objective::MinCost { min_eval } = *self else {
            return single;
        };
        if evals[single.main] < min_eval {
            return single; // nothing reaches the floor: best eval
        }
        let mut best = single;
        let mut best_cost = costs[single.main];
        for lo in (0..evals.len()).filter(|&i| evals[i] < min_eval) {
            for hi in (0..evals.len()).filter(|&j| evals[j] > min_eval && costs[j] > costs[lo]) {
                let w_hi = (min_eval - evals[lo]) / (evals[hi] - evals[lo]);
                let cost = costs[lo] + w_hi * (costs[hi] - costs[lo]);
                if cost < best_cost {
                    best_cost = cost;
                    best = if w_hi >= 0.5 {
                        Plan {
                            main: hi,
                            other: lo,
                            p_other: 1.0 - w_hi,
                        }
                    } else {
                        Plan {
                            main: lo,
                            other: hi,
                            p_other: w_hi,
                        }
                    };
                }
            }
        }
        best
    }

    /// The objective for the next decision given the evidence observed so far
    /// (already aged). The min-cost floor applies to the average eval of the
    /// routed traffic: while the observed average is below it, the floor for
    /// the next decisions is raised so that the shortfall is paid back over
    /// `window` decisions. A surplus is not spent down.
    pub fn paced(&self, observed: &[Evidence], window: u32) -> Objective {
        let Objective::MinCost { min_eval } = *self else {
            return *self;
        };
        let shortfall: f64 = observed
            .iter()
            .map(|e| min_eval * (e.successes + e.failures) - e.successes)
            .sum();
        if shortfall <= 0.0 {
            return *self;
        }
        Objective::MinCost {
            min_eval: (min_eval + shortfall / f64::from(window.max(1))).min(1.0),
        }
    }

    /// A one-line description for reports.
    pub fn describe(&self) -> String {
        match self {
            Objective::Reward { lambda } => format!("reward = eval - {lambda} * cost_usd"),
            Objective::MinCost { min_eval } => {
                format!("cheapest arms with average eval >= {min_eval:.4}")
            }
        }
    }
}

/// A randomised choice between at most two arms: `main`, or `other` with
/// probability `p_other`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Plan {
    /// The arm taken with probability `1 - p_other` (at least one half).
    pub main: usize,
    /// The arm taken with probability `p_other`.
    pub other: usize,
    /// Probability of `other`.
    pub p_other: f64,
}

impl Plan {
    /// Always `arm`.
    pub fn single(arm: usize) -> Plan {
        Plan {
            main: arm,
            other: arm,
            p_other: 0.0,
        }
    }

    /// Arm `i` with probability `q`, else arm `j`.
    pub fn mix(i: usize, j: usize, q: f64) -> Plan {
        if i == j || q >= 1.0 {
            Plan::single(i)
        } else if q <= 0.0 {
            Plan::single(j)
        } else if q >= 0.5 {
            Plan {
                main: i,
                other: j,
                p_other: 1.0 - q,
            }
        } else {
            Plan {
                main: j,
                other: i,
                p_other: q,
            }
        }
    }

    /// Probability that the plan picks arm `i`.
    pub fn weight(&self, i: usize) -> f64 {
        let mut w = 0.0;
        if i == self.main {
            w += 1.0 - self.p_other;
        }
        if i == self.other {
            w += self.p_other;
        }
        w
    }

    /// The arm for a uniform draw `u` in [0, 1).
    pub fn draw(&self, u: f64) -> usize {
        if u < self.p_other {
            self.other
        } else {
            self.main
        }
    }
}

/// The plan for the posterior means: what a pure exploiter would do.
pub fn greedy(objective: &Objective, arms: &[Posterior]) -> Plan {
    let evals: Vec<f64> = arms.iter().map(Posterior::mean_eval).collect();
    let costs: Vec<f64> = arms.iter().map(Posterior::mean_cost).collect();
    objective.plan(&evals, &costs)
}
