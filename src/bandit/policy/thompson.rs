//! Thompson sampling: the arm that is best for one posterior draw, and each
//! arm's probability of being best.

use super::Objective;
use crate::bandit::posterior::Posterior;
use rand::Rng;

/// One Thompson-sampling choice.
pub fn thompson<R: Rng + ?Sized>(objective: &Objective, arms: &[Posterior], rng: &mut R) -> usize {
    let mut evals = Vec::with_capacity(arms.len());
    let mut costs = Vec::with_capacity(arms.len());
    for a in arms {
        let (e, c) = a.sample(rng);
        evals.push(e);
        costs.push(c);
    }
    objective.plan(&evals, &costs).draw(rng.gen())
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
