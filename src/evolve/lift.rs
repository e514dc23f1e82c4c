//! The proof of lift: the best candidate against the baseline on held-out
//! scenarios, paired by scenario, with a 95 % percentile bootstrap interval
//! on the mean difference.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;

/// Bootstrap resamples.
pub const RESAMPLES: usize = 10_000;

/// The lift and its interval.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Lift {
    /// Held-out scenarios paired.
    pub n: usize,
    /// Mean of (candidate − baseline).
    pub mean: f64,
    /// 2.5th percentile of the bootstrap means.
    pub low: f64,
    /// 97.5th percentile.
    pub high: f64,
    /// The lower bound is above 0.
    pub proven: bool,
    /// The lower bound is at least the target.
    pub target_met: bool,
    /// The target (+0.02).
    pub target: f64,
}

/// The paired bootstrap of `diffs` (one per scenario), deterministic for `seed`.
pub fn lift(diffs: &[f64], target: f64, seed: u64) -> Lift {
    let n = diffs.len();
    if n == 0 {
        return Lift {
            n,
            mean: f64::NAN,
            low: f64::NAN,
            high: f64::NAN,
            proven: false,
            target_met: false,
            target,
        };
    }
    let mean = diffs.iter().sum::<f64>() / n as f64;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut means: Vec<f64> = (0..RESAMPLES)
        .map(|_| (0..n).map(|_| diffs[rng.gen_range(0..n)]).sum::<f64>() / n as f64)
        .collect();
    means.sort_by(f64::total_cmp);
    let q = |p: f64| means[((p * RESAMPLES as f64).floor() as usize).min(RESAMPLES - 1)];
    let (low, high) = (q(0.025), q(0.975));
    Lift {
        n,
        mean,
        low,
        high,
        proven: low > 0.0,
        target_met: low >= target,
        target,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clear_lift_is_proven_and_noise_is_not() {
        let clear: Vec<f64> = (0..50)
            .map(|i| 0.05 + 0.01 * ((i % 5) as f64 - 2.0))
            .collect();
        let l = lift(&clear, 0.02, 1);
        assert!(
            l.proven && l.target_met && l.low <= 0.05 && l.high >= 0.05,
            "{l:?}"
        );
        let noise: Vec<f64> = (0..50)
            .map(|i| if i % 2 == 0 { 0.1 } else { -0.1 })
            .collect();
        let l = lift(&noise, 0.02, 1);
        assert!(!l.proven && l.low < 0.0 && l.high > 0.0, "{l:?}");
        assert!(!lift(&[], 0.02, 1).proven);
    }
}
