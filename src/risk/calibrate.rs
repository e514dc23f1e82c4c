//! Turning scores into probabilities that mean what they say: Platt scaling
//! (a logistic fit on the score's logit) and isotonic regression (pool
//! adjacent violators, interpolated between blocks).

use super::logistic::{self, sigmoid};
use serde::{Deserialize, Serialize};

/// A fitted calibrator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Calibrator {
    /// The raw probability.
    None,
    /// `σ(a · logit(p) + b)`.
    Platt {
        /// Slope.
        a: f64,
        /// Offset.
        b: f64,
    },
    /// A non-decreasing step function of the raw probability, linear
    /// between the blocks' mean scores.
    Isotonic {
        /// Block mean scores, increasing.
        x: Vec<f64>,
        /// Block rates, non-decreasing.
        y: Vec<f64>,
    },
}

fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-9, 1.0 - 1e-9);
    (p / (1.0 - p)).ln()
}

impl Calibrator {
    /// The calibrated probability of raw probability `p`.
    pub fn apply(&self, p: f64) -> f64 {
        match self {
            Calibrator::None => p,
            Calibrator::Platt { a, b } => sigmoid(a * logit(p) + b),
            Calibrator::Isotonic { x, y } => interpolate(x, y, p),
        }
    }
}

fn interpolate(x: &[f64], y: &[f64], v: f64) -> f64 {
    match x.iter().position(|&t| t >= v) {
        None => *y.last().unwrap_or(&v),
        Some(0) => y[0],
        Some(i) => {
            let (x0, x1, y0, y1) = (x[i - 1], x[i], y[i - 1], y[i]);
            if x1 == x0 {
                y1
            } else {
                y0 + (y1 - y0) * (v - x0) / (x1 - x0)
            }
        }
    }
}

/// Platt scaling fitted on raw probabilities `p` of labels `y`, with
/// Platt's smoothed targets replaced by a small penalty.
pub fn platt(p: &[f64], y: &[bool]) -> Calibrator {
    let x: Vec<Vec<f64>> = p.iter().map(|&v| vec![logit(v)]).collect();
    let m = logistic::fit(&x, y, None, 1e-6);
    Calibrator::Platt {
        a: m.coef[0],
        b: m.intercept,
    }
}

/// Isotonic regression of labels `y` on raw probabilities `p`.
pub fn isotonic(p: &[f64], y: &[bool]) -> Calibrator {
    let mut idx: Vec<usize> = (0..p.len()).collect();
    idx.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    // Blocks of (sum of scores, sum of labels, count); equal scores start
    // in one block.
    let mut blocks: Vec<(f64, f64, f64)> = Vec::new();
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        let (mut sx, mut sy) = (0.0, 0.0);
        while j < idx.len() && p[idx[j]] == p[idx[i]] {
            sx += p[idx[j]];
            sy += f64::from(u8::from(y[idx[j]]));
            j += 1;
        }
        blocks.push((sx, sy, (j - i) as f64));
        while blocks.len() >= 2 {
            let (b, a) = (blocks[blocks.len() - 1], blocks[blocks.len() - 2]);
            if a.1 / a.2 <= b.1 / b.2 {
                break;
            }
            blocks.pop();
            let last = blocks.last_mut().expect("two blocks");
            *last = (a.0 + b.0, a.1 + b.1, a.2 + b.2);
        }
        i = j;
    }
    Calibrator::Isotonic {
        x: blocks.iter().map(|b| b.0 / b.2).collect(),
        y: blocks.iter().map(|b| b.1 / b.2).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isotonic_pools_violators_by_hand() {
        // Scores 0.1..0.5 with labels 0 1 0 1 1: 0.2 and 0.3 pool to 0.5;
        // equal rates in a row are not violators and stay apart.
        let p = [0.1, 0.2, 0.3, 0.4, 0.5];
        let y = [false, true, false, true, true];
        let Calibrator::Isotonic { x, y: r } = isotonic(&p, &y) else {
            panic!()
        };
        assert_eq!(r, [0.0, 0.5, 1.0, 1.0]);
        assert!((x[1] - 0.25).abs() < 1e-12);
        assert_eq!(x.len(), 4);
        let c = isotonic(&p, &y);
        assert_eq!(c.apply(0.0), 0.0);
        assert!((c.apply(0.25) - 0.5).abs() < 1e-12);
        assert_eq!(c.apply(0.9), 1.0);
        // Between blocks: linear.
        assert!((c.apply(0.175) - 0.25).abs() < 1e-12);
    }

    #[test]
    fn platt_recovers_a_known_distortion() {
        // Labels drawn so that the true rate is σ(2·logit(p) − 1).
        let mut p = Vec::new();
        let mut y = Vec::new();
        for i in 1..400 {
            let raw = i as f64 / 400.0;
            let truth = sigmoid(2.0 * logit(raw) - 1.0);
            // 20 labels per score, as many positive as the truth says.
            let k = (truth * 20.0).round() as usize;
            for j in 0..20 {
                p.push(raw);
                y.push(j < k);
            }
        }
        let Calibrator::Platt { a, b } = platt(&p, &y) else {
            panic!()
        };
        // (Rounding the labels to twentieths biases the fit a little.)
        assert!((a - 2.0).abs() < 0.1 && (b + 1.0).abs() < 0.1, "{a} {b}");
    }
}
