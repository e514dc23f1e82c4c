//! Choosing an arm: the objective, the greedy choice, Thompson sampling and
//! the exploration cap. Pure functions; randomness comes from the caller.

use super::posterior::Posterior;
use rand::Rng;
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
    /// Cheapest arm whose eval is at least `min_eval`; the best eval if none is.
    MinCost {
        /// The quality floor.
        min_eval: f64,
    },
}

impl Objective {
    /// Index of the arm this objective prefers given point values for each arm.
    /// Ties go to the lower index, so arm order makes choices deterministic.
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

    /// A one-line description for reports.
    pub fn describe(&self) -> String {
        match self {
            Objective::Reward { lambda } => format!("reward = eval - {lambda} * cost_usd"),
            Objective::MinCost { min_eval } => format!("cheapest arm with eval >= {min_eval}"),
        }
    }
}

/// The arm with the best posterior means: what a pure exploiter would pick.
pub fn greedy(objective: &Objective, arms: &[Posterior]) -> usize {
    let evals: Vec<f64> = arms.iter().map(Posterior::mean_eval).collect();
    let costs: Vec<f64> = arms.iter().map(Posterior::mean_cost).collect();
    objective.choose(&evals, &costs)
}

/// One Thompson-sampling choice.
pub fn thompson<R: Rng + ?Sized>(objective: &Objective, arms: &[Posterior], rng: &mut R) -> usize {
    let mut evals = Vec::with_capacity(arms.len());
    let mut costs = Vec::with_capacity(arms.len());
    for a in arms {
        let (e, c) = a.sample(rng);
        evals.push(e);
        costs.push(c);
    }
    objective.choose(&evals, &costs)
}

/// Monte Carlo estimate of each arm's probability of being chosen by Thompson
/// sampling, i.e. of being the best arm under the posterior.
pub fn p_best<R: Rng + ?Sized>(
    objective: &Objective,
    arms: &[Posterior],
    draws: u32,
    rng: &mut R,
) -> Vec<f64> {
    let mut wins = vec![0u32; arms.len()];
    for _ in 0..draws {
        wins[thompson(objective, arms, rng)] += 1;
    }
    wins.iter()
        .map(|&w| f64::from(w) / f64::from(draws.max(1)))
        .collect()
}

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
}

/// Picks an arm by Thompson sampling under the exploration cap. `draws`
/// Monte Carlo draws estimate `p_best` and the propensity; the pick itself is
/// the first draw, so it follows the same distribution.
pub fn pick<R: Rng + ?Sized>(
    objective: &Objective,
    arms: &[Posterior],
    cap: ExplorationCap,
    recent_explored: u32,
    draws: u32,
    rng: &mut R,
) -> Pick {
    assert!(!arms.is_empty(), "pick needs at least one arm");
    let greedy_arm = greedy(objective, arms);
    let sampled = thompson(objective, arms, rng);
    let mut p_best = if draws > 0 {
        let mut p = p_best(objective, arms, draws, rng);
        // Count the pick itself so its propensity is never zero.
        let n = f64::from(draws);
        for (i, x) in p.iter_mut().enumerate() {
            *x = (*x * n + f64::from(u8::from(i == sampled))) / (n + 1.0);
        }
        p
    } else {
        Vec::new()
    };
    if p_best.is_empty() {
        p_best = vec![0.0; arms.len()];
        p_best[sampled] = 1.0;
    }
    if !cap.allows(recent_explored) {
        // The cap is binding: the policy is deterministic this round.
        return Pick {
            arm: greedy_arm,
            greedy: greedy_arm,
            explored: false,
            propensity: 1.0,
            capped: sampled != greedy_arm,
            p_best,
        };
    }
    Pick {
        arm: sampled,
        greedy: greedy_arm,
        explored: sampled != greedy_arm,
        propensity: p_best[sampled],
        capped: false,
        p_best,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bandit::posterior::{Evidence, Prior};
    use rand::SeedableRng;

    fn arm(successes: f64, failures: f64, cost: f64) -> Posterior {
        let mut ev = Evidence {
            successes,
            failures,
            ..Default::default()
        };
        for _ in 0..((successes + failures) as usize) {
            ev.cost_weight += 1.0;
        }
        ev.cost_mean = cost;
        ev.cost_m2 = 0.01 * ev.cost_weight;
        Posterior::new(&Prior::default(), &ev)
    }

    #[test]
    fn reward_trades_eval_against_cost() {
        let o = Objective::Reward { lambda: 0.5 };
        assert_eq!(o.choose(&[0.9, 0.9], &[0.8, 0.2]), 1);
        assert_eq!(o.choose(&[0.9, 0.3], &[0.8, 0.0]), 0);
        let o = Objective::Reward { lambda: 0.0 };
        assert_eq!(o.choose(&[0.5, 0.6], &[0.0, 9.0]), 1);
    }

    #[test]
    fn min_cost_takes_the_cheapest_feasible_arm_or_the_best_eval() {
        let o = Objective::MinCost { min_eval: 0.7 };
        assert_eq!(o.choose(&[0.75, 0.8, 0.6], &[0.5, 0.9, 0.01]), 0);
        assert_eq!(o.choose(&[0.5, 0.65, 0.6], &[0.5, 0.9, 0.01]), 1);
    }

    #[test]
    fn cap_limits_exploring_picks() {
        let cap = ExplorationCap {
            cap: 0.2,
            window: 100,
        };
        assert!(cap.allows(19));
        assert!(!cap.allows(20));
        let zero = ExplorationCap {
            cap: 0.0,
            window: 100,
        };
        assert!(!zero.allows(0));
    }

    #[test]
    fn binding_cap_forces_the_greedy_arm_with_propensity_one() {
        let arms = [arm(50.0, 50.0, 0.1), arm(5.0, 5.0, 0.1)];
        let cap = ExplorationCap {
            cap: 0.0,
            window: 10,
        };
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for _ in 0..50 {
            let p = pick(
                &Objective::Reward { lambda: 0.5 },
                &arms,
                cap,
                0,
                64,
                &mut rng,
            );
            assert_eq!(p.arm, p.greedy);
            assert!(!p.explored);
            assert_eq!(p.propensity, 1.0);
        }
    }

    #[test]
    fn thompson_prefers_the_clearly_better_arm_and_p_best_sums_to_one() {
        let arms = [
            arm(90.0, 10.0, 0.2),
            arm(50.0, 50.0, 0.2),
            arm(9.0, 1.0, 0.2),
        ];
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let o = Objective::Reward { lambda: 0.5 };
        let p = p_best(&o, &arms, 4000, &mut rng);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        assert!(p[0] > 0.5 && p[1] < 0.01, "{p:?}");
        let open = ExplorationCap {
            cap: 1.0,
            window: 10,
        };
        let pk = pick(&o, &arms, open, 0, 500, &mut rng);
        assert!(pk.propensity > 0.0 && pk.propensity <= 1.0);
        assert_eq!(pk.explored, pk.arm != pk.greedy);
    }
}
