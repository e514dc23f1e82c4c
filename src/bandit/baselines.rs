//! Baseline policies for offline comparison: the seed document's sampler,
//! UCB1, ε-greedy and a fixed arm. They see exactly what the router sees.

use super::policy::Objective;
use rand::Rng;
use rand_distr::{Distribution, Gamma};

/// Running per-arm means, shared by the baselines.
#[derive(Clone, Debug, Default)]
pub struct Means {
    /// Pulls per arm.
    pub n: Vec<f64>,
    /// Mean eval per arm.
    pub eval: Vec<f64>,
    /// Mean cost per arm.
    pub cost: Vec<f64>,
}

impl Means {
    /// Empty statistics for `k` arms.
    pub fn new(k: usize) -> Means {
        Means {
            n: vec![0.0; k],
            eval: vec![0.0; k],
            cost: vec![0.0; k],
        }
    }

    /// Adds one observation.
    pub fn observe(&mut self, arm: usize, eval: f64, cost: f64) {
        self.n[arm] += 1.0;
        self.eval[arm] += (eval - self.eval[arm]) / self.n[arm];
        self.cost[arm] += (cost - self.cost[arm]) / self.n[arm];
    }

    /// The arm the objective prefers on the current means (untried arms count
    /// as eval 0.5 and cost 0).
    pub fn greedy(&self, objective: &Objective) -> usize {
        let evals: Vec<f64> = (0..self.n.len())
            .map(|i| if self.n[i] > 0.0 { self.eval[i] } else { 0.5 })
            .collect();
        objective.choose(&evals, &self.cost)
    }
}

/// The seed document's Thompson sampler, reproduced with its two defects: the
/// "Beta" draw is `X / (X + Y)` with `X ~ Gamma(1, α)`, `Y ~ Gamma(1, β)`
/// (shape 1, scale α: an exponential, not Gamma(α, 1)), and the pseudo-counts
/// are fixed at 20, so the posterior never narrows. It scores arms by their
/// mean reward `eval - λ·cost` clipped to [0, 1]; untried arms score 0.5.
pub fn seed_pick<R: Rng + ?Sized>(means: &Means, lambda: f64, rng: &mut R) -> usize {
    const PSEUDO_COUNTS: f64 = 20.0;
    let mut best = (0, f64::NEG_INFINITY);
    for i in 0..means.n.len() {
        let m = if means.n[i] > 0.0 {
            (means.eval[i] - lambda * means.cost[i]).clamp(0.0, 1.0)
        } else {
            0.5
        };
        let x = gamma_shape_one(PSEUDO_COUNTS * m, rng);
        let y = gamma_shape_one(PSEUDO_COUNTS * (1.0 - m), rng);
        let score = if x + y > 0.0 { x / (x + y) } else { 0.5 };
        if score > best.1 {
            best = (i, score);
        }
    }
    best.0
}

fn gamma_shape_one<R: Rng + ?Sized>(scale: f64, rng: &mut R) -> f64 {
    if scale <= 0.0 {
        return 0.0;
    }
    Gamma::new(1.0, scale).map(|g| g.sample(rng)).unwrap_or(0.0)
}

/// UCB1: untried arms first, then the objective applied to optimistic evals
/// (`mean + sqrt(2 ln t / n)`) and mean costs.
pub fn ucb1_pick(means: &Means, objective: &Objective, t: u64) -> usize {
    if let Some(i) = means.n.iter().position(|&n| n == 0.0) {
        return i;
    }
    let ln_t = (t.max(1) as f64).ln();
    let evals: Vec<f64> = (0..means.n.len())
        .map(|i| means.eval[i] + (2.0 * ln_t / means.n[i]).sqrt())
        .collect();
    objective.choose(&evals, &means.cost)
}

/// ε-greedy: a uniformly random arm with probability ε, else the greedy arm.
pub fn egreedy_pick<R: Rng + ?Sized>(
    means: &Means,
    objective: &Objective,
    epsilon: f64,
    rng: &mut R,
) -> usize {
    if rng.gen::<f64>() < epsilon {
        rng.gen_range(0..means.n.len())
    } else {
        means.greedy(objective)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn seed_sampler_has_the_documented_variance_defect() {
        // Beta(10, 10) has variance 0.012; the seed's draw is uniform (0.083).
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        let xs: Vec<f64> = (0..40_000)
            .map(|_| {
                let x = gamma_shape_one(10.0, &mut rng);
                let y = gamma_shape_one(10.0, &mut rng);
                x / (x + y)
            })
            .collect();
        let m = xs.iter().sum::<f64>() / xs.len() as f64;
        let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / xs.len() as f64;
        assert!((v - 1.0 / 12.0).abs() < 0.003, "variance {v}");
    }

    #[test]
    fn ucb1_tries_every_arm_first() {
        let mut m = Means::new(3);
        let o = Objective::Reward { lambda: 0.5 };
        assert_eq!(ucb1_pick(&m, &o, 1), 0);
        m.observe(0, 1.0, 0.0);
        assert_eq!(ucb1_pick(&m, &o, 2), 1);
    }
}
