//! Off-policy evaluation: what another routing policy would have achieved on
//! logged decisions, from the probabilities with which they were made.
//!
//! Each logged step has the propensity μ of the arm that was played, the
//! probability π that the target policy plays it in the same state, the
//! observed value r, and a model's prediction q̂ of the played arm's value and
//! of the target's expected value. With w = π / μ:
//!
//! - IPS: mean of w·r (unbiased when μ > 0 wherever π > 0);
//! - self-normalised IPS: Σ w·r / Σ w (a little bias, much less variance);
//! - doubly robust: mean of q̂(π) + w·(r − q̂(a)) (unbiased if either the
//!   propensities or the model are right; Dudík, Langford and Li, 2011).
//!
//! Intervals are normal approximations from the per-step terms (the delta
//! method for the self-normalised ratio).

use serde::Serialize;

/// One logged decision, for one metric.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Step {
    /// Probability with which the logging policy played the arm.
    pub logged: f64,
    /// Probability with which the target policy plays that arm there.
    pub target: f64,
    /// The observed value.
    pub value: f64,
    /// The model's prediction for the arm played.
    pub q_played: f64,
    /// The model's prediction for the target policy: Σₐ π(a)·q̂(a).
    pub q_target: f64,
    /// The target's probability mass on arms the logging policy played with
    /// probability below [`RARE`] here (0 when the logging probabilities of
    /// the other arms are unknown).
    pub unsupported: f64,
}

/// A logging probability below this leaves an arm practically unobserved.
pub const RARE: f64 = 0.01;

impl Step {
    /// The importance weight π / μ.
    pub fn weight(&self) -> f64 {
        self.target / self.logged
    }
}

/// An estimate with its interval.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Estimate {
    /// Point estimate.
    pub value: f64,
    /// Standard error.
    pub se: f64,
    /// Lower end of the interval.
    pub lo: f64,
    /// Upper end of the interval.
    pub hi: f64,
}

impl Estimate {
    fn new(value: f64, se: f64, z: f64) -> Estimate {
        Estimate {
            value,
            se,
            lo: value - z * se,
            hi: value + z * se,
        }
    }

    /// Whether the interval holds `x`.
    pub fn covers(&self, x: f64) -> bool {
        self.lo <= x && x <= self.hi
    }
}

/// The three estimates of one metric.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Estimates {
    /// Inverse propensity scoring.
    pub ips: Estimate,
    /// Self-normalised IPS.
    pub snips: Estimate,
    /// Doubly robust.
    pub dr: Estimate,
}

/// How much the log can say about the target.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Overlap {
    /// Logged steps.
    pub n: usize,
    /// Effective sample size (Σw)² / Σw².
    pub n_eff: f64,
    /// The largest importance weight.
    pub max_weight: f64,
    /// The smallest logged propensity among steps the target could take.
    pub min_propensity: f64,
    /// Mean importance weight (1 in expectation when the logged propensities are right).
    pub mean_weight: f64,
    /// Mean share of the target's choices that go to arms the log played
    /// with probability below 1 %: their value comes from the model, not
    /// from logged outcomes.
    pub unsupported: f64,
}

/// z for a two-sided 95 % interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// Mean and standard error of the mean.
fn mean_se(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    if xs.is_empty() {
        return (0.0, 0.0);
    }
    let m = xs.iter().sum::<f64>() / n;
    if xs.len() < 2 {
        return (m, 0.0);
    }
    let var = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0);
    (m, (var / n).sqrt())
}

/// IPS, self-normalised IPS and doubly robust estimates of the target's mean
/// value per step, with intervals at `z` standard errors.
pub fn estimate(steps: &[Step], z: f64) -> Estimates {
    let ips_terms: Vec<f64> = steps.iter().map(|s| s.weight() * s.value).collect();
    let (ips, ips_se) = mean_se(&ips_terms);
    let w_sum: f64 = steps.iter().map(Step::weight).sum();
    let snips = if w_sum > 0.0 {
        ips_terms.iter().sum::<f64>() / w_sum
    } else {
        0.0
    };
    // Delta method: the influence of step i is w_i (r_i − V̂) / mean(w).
    let w_mean = w_sum / steps.len().max(1) as f64;
    let infl: Vec<f64> = steps
        .iter()
        .map(|s| {
            if w_mean > 0.0 {
                s.weight() * (s.value - snips) / w_mean
            } else {
                0.0
            }
        })
        .collect();
    let (_, snips_se) = mean_se(&infl);
    let dr_terms: Vec<f64> = steps
        .iter()
        .map(|s| s.q_target + s.weight() * (s.value - s.q_played))
        .collect();
    let (dr, dr_se) = mean_se(&dr_terms);
    Estimates {
        ips: Estimate::new(ips, ips_se, z),
        snips: Estimate::new(snips, snips_se, z),
        dr: Estimate::new(dr, dr_se, z),
    }
}

/// The overlap between the logging and the target policy.
pub fn overlap(steps: &[Step]) -> Overlap {
    let w: Vec<f64> = steps.iter().map(Step::weight).collect();
    let sum: f64 = w.iter().sum();
    let sq: f64 = w.iter().map(|x| x * x).sum();
    Overlap {
        n: steps.len(),
        n_eff: if sq > 0.0 { sum * sum / sq } else { 0.0 },
        max_weight: w.iter().copied().fold(0.0, f64::max),
        min_propensity: steps
            .iter()
            .filter(|s| s.target > 0.0)
            .map(|s| s.logged)
            .fold(f64::INFINITY, f64::min)
            .min(1.0),
        mean_weight: if steps.is_empty() {
            0.0
        } else {
            sum / steps.len() as f64
        },
        unsupported: if steps.is_empty() {
            0.0
        } else {
            steps.iter().map(|s| s.unsupported).sum::<f64>() / steps.len() as f64
        },
    }
}

/// Warnings when the log cannot support an estimate: few effective
/// decisions, huge weights, or weights that do not average to one.
pub fn warnings(o: &Overlap) -> Vec<String> {
    let mut out = Vec::new();
    if o.n == 0 {
        out.push("no reported decision to evaluate on".into());
        return out;
    }
    let floor = 30.0f64.max(0.1 * o.n as f64);
    if o.n_eff < floor {
        out.push(format!(
            "effective sample size {:.1} of {} decisions: the target rarely does what was logged, so the estimates rest on a few decisions",
            o.n_eff, o.n
        ));
    }
    if o.min_propensity < 0.01 {
        out.push(format!(
            "some logged propensities are as small as {:.4} (weights up to {:.0}): IPS is unreliable; prefer the doubly robust estimate",
            o.min_propensity, o.max_weight
        ));
    }
    if o.unsupported > 0.05 {
        out.push(format!(
            "{:.0}% of the target's choices go to arms the log played with probability below 1%: the estimates there rest on the reward model and can be far off",
            100.0 * o.unsupported
        ));
    }
    if o.n >= 100 && (o.mean_weight - 1.0).abs() > 0.2 {
        out.push(format!(
            "importance weights average {:.2}, not 1: the target puts weight on arms the log rarely played",
            o.mean_weight
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_policy_recovers_the_observed_mean() {
        let steps: Vec<Step> = (0..100)
            .map(|i| Step {
                logged: 0.5,
                target: 0.5,
                value: f64::from(i % 2),
                q_played: 0.5,
                q_target: 0.5,
                unsupported: 0.0,
            })
            .collect();
        let e = estimate(&steps, Z95);
        assert!((e.ips.value - 0.5).abs() < 1e-12);
        assert!((e.snips.value - 0.5).abs() < 1e-12);
        assert!((e.dr.value - 0.5).abs() < 1e-12);
        let o = overlap(&steps);
        assert!((o.n_eff - 100.0).abs() < 1e-9);
        assert!(warnings(&o).is_empty());
    }

    #[test]
    fn a_deterministic_target_reweights_its_arm() {
        // Arm 0 (value 1) logged half the time, arm 1 (value 0) the other half;
        // the target always plays arm 0, so its value is 1.
        let steps: Vec<Step> = (0..200)
            .map(|i| {
                let arm0 = i % 2 == 0;
                Step {
                    logged: 0.5,
                    target: if arm0 { 1.0 } else { 0.0 },
                    value: if arm0 { 1.0 } else { 0.0 },
                    q_played: if arm0 { 0.9 } else { 0.1 },
                    q_target: 0.9,
                    unsupported: 0.0,
                }
            })
            .collect();
        let e = estimate(&steps, Z95);
        assert!((e.ips.value - 1.0).abs() < 1e-12);
        assert!((e.snips.value - 1.0).abs() < 1e-12);
        assert!((e.dr.value - 1.0).abs() < 1e-12);
        assert!(e.dr.se < e.ips.se, "{e:?}");
        let o = overlap(&steps);
        assert!((o.n_eff - 100.0).abs() < 1e-9);
    }

    #[test]
    fn tiny_propensities_warn() {
        let steps: Vec<Step> = (0..100)
            .map(|i| Step {
                logged: if i == 0 { 0.001 } else { 0.9 },
                target: if i == 0 { 1.0 } else { 0.05 },
                value: 1.0,
                q_played: 0.5,
                q_target: 0.5,
                unsupported: 0.0,
            })
            .collect();
        let w = warnings(&overlap(&steps));
        assert!(
            w.iter().any(|m| m.contains("effective sample size")),
            "{w:?}"
        );
        assert!(w.iter().any(|m| m.contains("0.0010")), "{w:?}");
    }
}
