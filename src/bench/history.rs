//! Summary-only results (one value per benchmark per run) have no rounds to
//! test, so they are judged against the benchmark's recorded history: a
//! robust prediction interval on the log scale. Such a judgement can warn,
//! never fail: without raw data a single run cannot prove a regression.

use super::stats::{mad_sd, median, norm_quantile};
use super::Verdict;

/// Runs of history used (the most recent).
pub const WINDOW: usize = 30;
/// Runs of history needed before judging.
pub const MIN_HISTORY: usize = 5;

/// The judgement of one value against its history.
#[derive(Clone, Debug, PartialEq)]
pub struct Judgement {
    /// `Warn`, `Pass`, `Improved`, or `Inconclusive` (too little history).
    pub verdict: Verdict,
    /// value / typical historical value.
    pub ratio: f64,
    /// Upper edge of the prediction interval, as a ratio to the typical value.
    pub upper: f64,
    /// Lower edge.
    pub lower: f64,
    /// Why.
    pub reason: String,
}

/// Student t quantile by the Cornish-Fisher expansion around the normal one
/// (accurate to a few parts in a thousand for ν ≥ 4).
pub fn t_quantile(p: f64, nu: f64) -> f64 {
    let z = norm_quantile(p);
    let (z3, z5, z7) = (z.powi(3), z.powi(5), z.powi(7));
    z + (z3 + z) / (4.0 * nu)
        + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * nu * nu)
        + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * nu.powi(3))
}

/// Judges `value` against `history` (oldest first): centre = median of the
/// last [`WINDOW`] log values, spread = 1.4826·MAD, one-sided level `alpha`.
/// Warns when the value is above the interval *and* more than `threshold`
/// above the centre.
pub fn judge(history: &[f64], value: f64, threshold: f64, alpha: f64) -> Judgement {
    let recent: Vec<f64> = history
        .iter()
        .rev()
        .take(WINDOW)
        .filter(|v| **v > 0.0 && v.is_finite())
        .map(|v| v.ln())
        .collect();
    let n = recent.len();
    if n < MIN_HISTORY || value <= 0.0 {
        return Judgement {
            verdict: Verdict::Inconclusive,
            ratio: f64::NAN,
            upper: f64::NAN,
            lower: f64::NAN,
            reason: format!(
                "summary-only result with {n} recorded runs of history; {MIN_HISTORY} are needed (`maestro bench-gate record`)"
            ),
        };
    }
    let centre = median(&recent);
    let mut spread = mad_sd(&recent, centre);
    if spread <= 0.0 {
        let m = recent.iter().sum::<f64>() / n as f64;
        spread = (recent.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1) as f64)
            .sqrt()
            .max(1e-6);
    }
    let half = t_quantile(1.0 - alpha, (n - 1) as f64) * spread * (1.0 + 1.0 / n as f64).sqrt();
    let x = value.ln();
    let ratio = (x - centre).exp();
    let (upper, lower) = (half.exp(), (-half).exp());
    let pct = (ratio - 1.0) * 100.0;
    let (verdict, reason) = if x > centre + half && ratio > 1.0 + threshold {
        (
            Verdict::Warn,
            format!(
                "{pct:+.1}% against the last {n} runs, above their {:.1}% prediction interval (+{:.1}%); summary-only data can warn, not fail",
                (1.0 - alpha) * 100.0,
                (upper - 1.0) * 100.0
            ),
        )
    } else if x < centre - half && ratio < 1.0 / (1.0 + threshold) {
        (
            Verdict::Improved,
            format!("{pct:+.1}% against the last {n} runs, below their prediction interval"),
        )
    } else {
        (
            Verdict::Pass,
            format!(
                "{pct:+.1}% against the last {n} runs, within their prediction interval (+{:.1}%)",
                (upper - 1.0) * 100.0
            ),
        )
    };
    Judgement {
        verdict,
        ratio,
        upper,
        lower,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_are_close_to_tables() {
        assert!((t_quantile(0.975, 10.0) - 2.228).abs() < 0.01);
        assert!(
            (t_quantile(0.9975, 20.0) - 3.153).abs() < 0.01,
            "{}",
            t_quantile(0.9975, 20.0)
        );
        assert!(
            (t_quantile(0.995, 5.0) - 4.032).abs() < 0.05,
            "{}",
            t_quantile(0.995, 5.0)
        );
    }

    #[test]
    fn warns_only_beyond_both_the_interval_and_the_threshold() {
        let h: Vec<f64> = (0..20)
            .map(|i| 100.0 * (1.0 + 0.01 * ((i % 5) as f64 - 2.0)))
            .collect();
        assert_eq!(judge(&h, 150.0, 0.10, 0.003).verdict, Verdict::Warn);
        assert_eq!(judge(&h, 103.0, 0.10, 0.003).verdict, Verdict::Pass);
        // A noisy history widens the interval: +20% is not out of line.
        let noisy: Vec<f64> = (0..20)
            .map(|i| 100.0 * (1.0 + 0.15 * ((i % 5) as f64 - 2.0)))
            .collect();
        assert_eq!(judge(&noisy, 120.0, 0.10, 0.003).verdict, Verdict::Pass);
        assert_eq!(
            judge(&h[..3], 150.0, 0.10, 0.003).verdict,
            Verdict::Inconclusive
        );
    }
}
