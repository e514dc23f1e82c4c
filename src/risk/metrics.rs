//! How good a probability is: AUC (ranking), Brier score and its skill over
//! the base rate, expected calibration error, and the counts at a threshold.

use serde::{Deserialize, Serialize};

/// The area under the ROC curve: the chance that a random positive scores
/// above a random negative (ties count half). `None` without both classes.
pub fn auc(p: &[f64], y: &[bool]) -> Option<f64> {
    let mut idx: Vec<usize> = (0..p.len()).collect();
    idx.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let (mut rank_sum, mut pos) = (0.0, 0usize);
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && p[idx[j + 1]] == p[idx[i]] {
            j += 1;
        }
        let mean_rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            if y[k] {
                rank_sum += mean_rank;
                pos += 1;
            }
        }
        i = j + 1;
    }
    let neg = p.len() - pos;
    if pos == 0 || neg == 0 {
        return None;
    }
    let (pos, neg) = (pos as f64, neg as f64);
    Some((rank_sum - pos * (pos + 1.0) / 2.0) / (pos * neg))
}

/// The mean squared error of the probabilities.
pub fn brier(p: &[f64], y: &[bool]) -> f64 {
    let n = p.len().max(1) as f64;
    p.iter()
        .zip(y)
        .map(|(p, &y)| (p - f64::from(u8::from(y))).powi(2))
        .sum::<f64>()
        / n
}

/// The Brier skill score: 1 − Brier / Brier of always predicting the base
/// rate (0 for no skill, negative for worse than the base rate).
pub fn brier_skill(p: &[f64], y: &[bool]) -> f64 {
    let base = y.iter().filter(|&&v| v).count() as f64 / y.len().max(1) as f64;
    let reference = base * (1.0 - base);
    if reference == 0.0 {
        return 0.0;
    }
    1.0 - brier(p, y) / reference
}

/// Expected calibration error over `bins` equal-width bins of [0, 1]: the
/// share-weighted gap between the mean probability and the observed rate.
pub fn ece(p: &[f64], y: &[bool], bins: usize) -> f64 {
    let mut sum_p = vec![0.0; bins];
    let mut sum_y = vec![0.0; bins];
    let mut count = vec![0usize; bins];
    for (&p, &y) in p.iter().zip(y) {
        let b = ((p * bins as f64) as usize).min(bins - 1);
        sum_p[b] += p;
        sum_y[b] += f64::from(u8::from(y));
        count[b] += 1;
    }
    let n = p.len().max(1) as f64;
    (0..bins)
        .filter(|&b| count[b] > 0)
        .map(|b| (sum_p[b] - sum_y[b]).abs() / n)
        .sum()
}

/// What a threshold does: how many it flags and how many of those are real.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AtThreshold {
    /// The threshold.
    pub threshold: f64,
    /// Changes at or over it.
    pub flagged: usize,
    /// `flagged / total`.
    pub flagged_share: f64,
    /// Flagged changes that were defect-inducing, over flagged (`None` when
    /// nothing is flagged).
    pub precision: Option<f64>,
    /// Defect-inducing changes flagged, over all defect-inducing ones.
    pub recall: Option<f64>,
}

/// The counts at `threshold`.
pub fn at_threshold(p: &[f64], y: &[bool], threshold: f64) -> AtThreshold {
    let flagged = p.iter().filter(|&&v| v >= threshold).count();
    let hits = p
        .iter()
        .zip(y)
        .filter(|(&v, &y)| v >= threshold && y)
        .count();
    let positives = y.iter().filter(|&&v| v).count();
    AtThreshold {
        threshold,
        flagged,
        flagged_share: flagged as f64 / p.len().max(1) as f64,
        precision: (flagged > 0).then(|| hits as f64 / flagged as f64),
        recall: (positives > 0).then(|| hits as f64 / positives as f64),
    }
}

/// Every figure `risk evaluate` reports.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Rows scored.
    pub rows: usize,
    /// The share of defect-inducing rows.
    pub base_rate: f64,
    /// The mean probability given.
    pub mean_probability: f64,
    /// Area under the ROC curve.
    pub auc: Option<f64>,
    /// Brier score.
    pub brier: f64,
    /// Brier skill score over the base rate.
    pub brier_skill: f64,
    /// Expected calibration error (10 bins).
    pub ece: f64,
    /// At the policy threshold.
    pub at_threshold: AtThreshold,
}

/// All the figures for probabilities `p` of labels `y`.
pub fn metrics(p: &[f64], y: &[bool], threshold: f64) -> Metrics {
    let n = p.len().max(1) as f64;
    Metrics {
        rows: p.len(),
        base_rate: y.iter().filter(|&&v| v).count() as f64 / n,
        mean_probability: p.iter().sum::<f64>() / n,
        auc: auc(p, y),
        brier: brier(p, y),
        brier_skill: brier_skill(p, y),
        ece: ece(p, y, 10),
        at_threshold: at_threshold(p, y, threshold),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_counts_pairs_and_ties_by_hand() {
        // Positives 0.9, 0.4; negatives 0.5, 0.4, 0.1: pairs won 3 + 0.5 + 1 of 6.
        let p = [0.9, 0.4, 0.5, 0.4, 0.1];
        let y = [true, true, false, false, false];
        assert!((auc(&p, &y).unwrap() - 4.5 / 6.0).abs() < 1e-12);
        assert_eq!(auc(&[0.1, 0.2], &[true, true]), None);
    }

    #[test]
    fn brier_skill_and_ece_by_hand() {
        let y = [true, false, false, false];
        // The base rate itself: no skill.
        assert!(brier_skill(&[0.25; 4], &y).abs() < 1e-12);
        assert!((brier(&[1.0, 0.0, 0.0, 0.0], &y)).abs() < 1e-12);
        assert!((brier_skill(&[1.0, 0.0, 0.0, 0.0], &y) - 1.0).abs() < 1e-12);
        // Two bins used: 0.25 (1 of 4 hits ... all four rows) → |1 − 1| = 0.
        assert!(ece(&[0.25; 4], &y, 10).abs() < 1e-12);
        // 0.9 for all: |3.6 − 1| / 4.
        assert!((ece(&[0.9; 4], &y, 10) - 2.6 / 4.0).abs() < 1e-12);
    }

    #[test]
    fn counts_at_a_threshold() {
        let t = at_threshold(&[0.8, 0.7, 0.2, 0.9], &[true, false, true, true], 0.7);
        assert_eq!(t.flagged, 3);
        assert_eq!(t.precision, Some(2.0 / 3.0));
        assert_eq!(t.recall, Some(2.0 / 3.0));
    }
}
