//! Per-arm evidence and the posteriors Thompson sampling draws from.
//!
//! Eval and cost are learnt separately so that λ (or the objective) can change
//! without relearning: eval is a Beta posterior fed by Bernoulli trials (the
//! "Bernoulli trick" for scores in [0, 1]), cost is a Normal posterior on the
//! mean built from weighted Welford statistics. Both decay with an optional
//! half-life counted in decisions.

use rand::Rng;
use rand_distr::{Beta, Distribution, Normal};
use serde::{Deserialize, Serialize};

/// Decayed sufficient statistics for one arm, valid at decision clock `clock`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// Decision clock at which the weights below are current.
    pub clock: u64,
    /// Decayed count of Bernoulli successes.
    pub successes: f64,
    /// Decayed count of Bernoulli failures.
    pub failures: f64,
    /// Decayed weight of the cost observations.
    pub cost_weight: f64,
    /// Weighted mean of the observed costs.
    pub cost_mean: f64,
    /// Weighted sum of squared deviations from `cost_mean`.
    pub cost_m2: f64,
}

/// Multiplicative weight that evidence keeps after `elapsed` decisions.
pub fn decay_factor(elapsed: u64, half_life: f64) -> f64 {
    if half_life <= 0.0 || elapsed == 0 {
        1.0
    } else {
        0.5f64.powf(elapsed as f64 / half_life)
    }
}

impl Evidence {
    /// The same evidence, aged to `clock` with the given half-life.
    pub fn at(&self, clock: u64, half_life: f64) -> Evidence {
        let f = decay_factor(clock.saturating_sub(self.clock), half_life);
        Evidence {
            clock: clock.max(self.clock),
            successes: self.successes * f,
            failures: self.failures * f,
            cost_weight: self.cost_weight * f,
            cost_mean: self.cost_mean,
            cost_m2: self.cost_m2 * f,
        }
    }

    /// Adds one observation at `clock`: a Bernoulli trial for eval and a cost.
    pub fn observe(&mut self, clock: u64, half_life: f64, success: bool, cost: f64) {
        *self = self.at(clock, half_life);
        if success {
            self.successes += 1.0;
        } else {
            self.failures += 1.0;
        }
        // Weighted Welford update with weight 1.
        self.cost_weight += 1.0;
        let delta = cost - self.cost_mean;
        self.cost_mean += delta / self.cost_weight;
        self.cost_m2 += delta * (cost - self.cost_mean);
    }
}

/// Prior belief about an arm, expressed as pseudo-observations.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Prior {
    /// Prior mean eval in [0, 1].
    pub eval: Option<f64>,
    /// Prior mean cost in USD.
    pub cost: Option<f64>,
    /// How many observations the prior is worth.
    pub weight: f64,
}

/// Posterior over an arm's mean eval and mean cost.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Posterior {
    /// Beta α for the eval.
    pub alpha: f64,
    /// Beta β for the eval.
    pub beta: f64,
    /// Posterior mean cost, `None` while nothing is known.
    pub cost_mean: Option<f64>,
    /// Standard deviation of the mean cost.
    pub cost_sd: f64,
}

/// Relative spread assumed for costs until two observations exist.
const DEFAULT_COST_CV: f64 = 0.5;

impl Posterior {
    /// Combines a prior with (already aged) evidence.
    pub fn new(prior: &Prior, ev: &Evidence) -> Posterior {
        let pw = prior.weight.max(0.0);
        let (a0, b0) = match prior.eval {
            Some(p) => (1.0 + p * pw, 1.0 + (1.0 - p) * pw),
            None => (1.0, 1.0),
        };
        let prior_cost_w = if prior.cost.is_some() { pw } else { 0.0 };
        let w = ev.cost_weight + prior_cost_w;
        let cost_mean = if w > 0.0 {
            Some((ev.cost_weight * ev.cost_mean + prior_cost_w * prior.cost.unwrap_or(0.0)) / w)
        } else {
            None
        };
        let cost_sd = match cost_mean {
            None => 0.0,
            Some(m) => {
                let var = if ev.cost_weight >= 2.0 {
                    ev.cost_m2 / ev.cost_weight
                } else {
                    (DEFAULT_COST_CV * m).powi(2)
                };
                (var.max(1e-12) / w.max(1.0)).sqrt()
            }
        };
        Posterior {
            alpha: a0 + ev.successes,
            beta: b0 + ev.failures,
            cost_mean,
            cost_sd,
        }
    }

    /// Posterior mean of the eval.
    pub fn mean_eval(&self) -> f64 {
        self.alpha / (self.alpha + self.beta)
    }

    /// Posterior mean cost; an arm never seen counts as free (optimism).
    pub fn mean_cost(&self) -> f64 {
        self.cost_mean.unwrap_or(0.0)
    }

    /// One Thompson draw of (eval, cost).
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> (f64, f64) {
        let eval = Beta::new(self.alpha, self.beta)
            .map(|d| d.sample(rng))
            .unwrap_or_else(|_| self.mean_eval());
        let cost = match self.cost_mean {
            Some(m) if self.cost_sd > 0.0 => Normal::new(m, self.cost_sd)
                .map(|d| d.sample(rng))
                .unwrap_or(m)
                .max(0.0),
            Some(m) => m,
            None => 0.0,
        };
        (eval, cost)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn beta_10_10_has_the_right_variance() {
        // The seed's sampler gave 0.083 here; Beta(10, 10) has variance 1/84.
        let p = Posterior::new(
            &Prior::default(),
            &Evidence {
                successes: 9.0,
                failures: 9.0,
                ..Default::default()
            },
        );
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let xs: Vec<f64> = (0..40_000).map(|_| p.sample(&mut rng).0).collect();
        let m = xs.iter().sum::<f64>() / xs.len() as f64;
        let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / xs.len() as f64;
        assert!((m - 0.5).abs() < 0.005, "mean {m}");
        assert!((v - 1.0 / 84.0).abs() < 0.001, "variance {v}");
    }

    #[test]
    fn posterior_narrows_with_evidence() {
        let mut ev = Evidence::default();
        let sd = |ev: &Evidence| {
            let p = Posterior::new(&Prior::default(), ev);
            let n = p.alpha + p.beta;
            (p.alpha * p.beta / (n * n * (n + 1.0))).sqrt()
        };
        let before = sd(&ev);
        for i in 0..200 {
            ev.observe(i, 0.0, i % 4 != 0, 0.1);
        }
        assert!(sd(&ev) < before / 5.0);
    }

    #[test]
    fn welford_matches_two_pass() {
        let costs = [0.2, 0.5, 0.1, 0.9, 0.3];
        let mut ev = Evidence::default();
        for (i, c) in costs.iter().enumerate() {
            ev.observe(i as u64, 0.0, true, *c);
        }
        let m = costs.iter().sum::<f64>() / 5.0;
        let m2: f64 = costs.iter().map(|c| (c - m).powi(2)).sum();
        assert!((ev.cost_mean - m).abs() < 1e-12);
        assert!((ev.cost_m2 - m2).abs() < 1e-12);
    }

    #[test]
    fn decay_halves_evidence_after_one_half_life() {
        let mut ev = Evidence::default();
        ev.observe(0, 10.0, true, 1.0);
        let aged = ev.at(10, 10.0);
        assert!((aged.successes - 0.5).abs() < 1e-12);
        assert!((aged.cost_weight - 0.5).abs() < 1e-12);
        assert_eq!(ev.at(10, 0.0).successes, 1.0);
    }

    #[test]
    fn prior_counts_as_pseudo_observations() {
        let prior = Prior {
            eval: Some(0.9),
            cost: Some(0.2),
            weight: 10.0,
        };
        let p = Posterior::new(&prior, &Evidence::default());
        assert!((p.mean_eval() - 10.0 / 12.0).abs() < 1e-12);
        assert_eq!(p.mean_cost(), 0.2);
    }
}
