//! Choosing an arm: the objective, the greedy choice, the decision rules
//! (Thompson sampling and information-directed sampling) and the exploration
//! cap. Pure functions; randomness comes from the caller.

mod ids;
mod objective;
mod thompson;

pub use ids::{ids, ids_from_draws, least_information_ratio};
pub use objective::{greedy, Objective, Plan};
pub use thompson::{p_best, thompson};

use super::posterior::Posterior;
use rand::Rng;
use serde::{Deserialize, Serialize};

/// How the posterior becomes a pick.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// Thompson sampling: the arm that is best for one posterior draw.
    #[default]
    Thompson,
    /// Information-directed sampling (Russo and Van Roy, 2018, variance form):
    /// the mix of at most two arms with the least squared expected regret per
    /// unit of information about which arm is best. Applies to the reward
    /// objective; min-cost decisions use Thompson sampling.
    Ids,
}

/// Posterior draws per decision: they estimate `p_best` and the propensity,
/// and IDS's expected regrets and information gains. `route` and `replay` use
/// the same number, so a replay scores IDS as it is deployed.
pub const DRAWS: u32 = 1000;

/// The exploration budget: at most `cap` of the last `window` decisions may be
/// non-greedy.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ExplorationCap {
    /// Maximum share of non-greedy picks.
    pub cap: f64,
    /// Number of recent decisions the share is taken over.
    pub window: u32,
}

impl ExplorationCap {
    /// Whether one more exploring pick is allowed, given how many of the last
    /// `window - 1` decisions explored.
    pub fn allows(&self, recent_explored: u32) -> bool {
        let limit = (self.cap * f64::from(self.window) + 1e-9).floor() as u32;
        recent_explored < limit
    }
}

/// A routing choice and how it was made.
#[derive(Clone, Debug, PartialEq)]
pub struct Pick {
    /// Index of the chosen arm.
    pub arm: usize,
    /// Index of the greedy arm.
    pub greedy: usize,
    /// The pick differs from the greedy arm.
    pub explored: bool,
    /// Probability that this policy makes this pick in this state.
    pub propensity: f64,
    /// The exploration cap overrode Thompson sampling.
    pub capped: bool,
    /// Per-arm probability of being best under the posterior.
    pub p_best: Vec<f64>,
    /// The rule that made the pick.
    pub rule: Rule,
}

/// Picks an arm with `rule` under the exploration cap. `draws` posterior
/// draws estimate `p_best` and the propensity (IDS takes `DRAWS` when
/// given none). A Thompson pick is the first draw, so it follows the same
/// distribution.
pub fn pick<R: Rng + ?Sized>(
    rule: Rule,
    objective: &Objective,
    arms: &[Posterior],
    cap: ExplorationCap,
    recent_explored: u32,
    draws: u32,
    rng: &mut R,
) -> Pick {
    assert!(!arms.is_empty(), "pick needs at least one arm");
    let plan = greedy(objective, arms);
    let (rule, chosen, propensity, p_best) = match (rule, *objective) {
        (Rule::Ids, Objective::Reward { lambda }) => {
            let draws = if draws == 0 { DRAWS } else { draws };
            let (mix, p_best) = ids(lambda, arms, draws, rng);
            let arm = mix.draw(rng.gen());
            (Rule::Ids, arm, mix.weight(arm), p_best)
        }
        _ => {
            let sampled = thompson(objective, arms, rng);
            let p_best = if draws > 0 {
                let mut p = p_best(objective, arms, draws, rng);
                // Count the pick itself so its propensity is never zero.
                let n = f64::from(draws);
                for (i, x) in p.iter_mut().enumerate() {
                    *x = (*x * n + f64::from(u8::from(i == sampled))) / (n + 1.0);
                }
                p
            } else {
                let mut p = vec![0.0; arms.len()];
                p[sampled] = 1.0;
                p
            };
            (Rule::Thompson, sampled, p_best[sampled], p_best)
        }
    };
    // Exploring means picking an arm the posterior means would not use.
    let explored = plan.weight(chosen) == 0.0;
    if !cap.allows(recent_explored) {
        // The cap is binding: follow the greedy plan this round.
        let arm = plan.draw(rng.gen());
        return Pick {
            arm,
            greedy: plan.main,
            explored: false,
            propensity: plan.weight(arm),
            capped: explored,
            p_best,
            rule,
        };
    }
    Pick {
        arm: chosen,
        greedy: plan.main,
        explored,
        propensity,
        capped: false,
        p_best,
        rule,
    }
}

#[cfg(test)]
mod tests;
