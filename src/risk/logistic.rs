//! L2-penalised logistic regression by iteratively reweighted least squares
//! (Newton's method): deterministic, a few iterations on tens of features.

use serde::{Deserialize, Serialize};

/// A fitted model: `p = σ(intercept + Σ coef·x)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Logistic {
    /// The intercept (not penalised).
    pub intercept: f64,
    /// One coefficient per feature.
    pub coef: Vec<f64>,
}

/// The logistic function.
pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

impl Logistic {
    /// The linear score of one row.
    pub fn logit(&self, x: &[f64]) -> f64 {
        self.intercept + self.coef.iter().zip(x).map(|(c, v)| c * v).sum::<f64>()
    }

    /// The probability of one row.
    pub fn predict(&self, x: &[f64]) -> f64 {
        sigmoid(self.logit(x))
    }
}

/// Solves `a · x = b` for a symmetric positive definite `a` (Cholesky);
/// `None` when `a` is not positive definite.
fn solve(mut a: Vec<Vec<f64>>, b: &[f64]) -> Option<Vec<f64>> {
    let n = b.len();
    for j in 0..n {
        let d = a[j][j] - a[j][..j].iter().map(|v| v * v).sum::<f64>();
        if d <= 0.0 || !d.is_finite() {
            return None;
        }
        let d = d.sqrt();
        a[j][j] = d;
        for i in j + 1..n {
            let s = a[i][j]
                - a[i][..j]
                    .iter()
                    .zip(&a[j][..j])
                    .map(|(x, y)| x * y)
                    .sum::<f64>();
            a[i][j] = s / d;
        }
    }
    let mut y = vec![0.0; n];
    for i in 0..n {
        let mut s = b[i];
        for k in 0..i {
            s -= a[i][k] * y[k];
        }
        y[i] = s / a[i][i];
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        let mut s = y[i];
        for k in i + 1..n {
            s -= a[k][i] * x[k];
        }
        x[i] = s / a[i][i];
    }
    Some(x)
}

/// Fits rows `x` (each of the same length) to labels `y`, with weights `w`
/// (1 each when `None`) and penalty `l2` on the coefficients.
pub fn fit(x: &[Vec<f64>], y: &[bool], w: Option<&[f64]>, l2: f64) -> Logistic {
    let p = x.first().map_or(0, Vec::len);
    let mut beta = vec![0.0; p + 1];
    // Start the intercept at the base rate's logit.
    let total: f64 = (0..y.len()).map(|i| w.map_or(1.0, |w| w[i])).sum();
    let pos: f64 = (0..y.len())
        .filter(|&i| y[i])
        .map(|i| w.map_or(1.0, |w| w[i]))
        .sum();
    let rate = ((pos + 0.5) / (total + 1.0)).clamp(1e-6, 1.0 - 1e-6);
    beta[0] = (rate / (1.0 - rate)).ln();
    for _ in 0..100 {
        let mut grad = vec![0.0; p + 1];
        let mut hess = vec![vec![0.0; p + 1]; p + 1];
        for (i, row) in x.iter().enumerate() {
            let wi = w.map_or(1.0, |w| w[i]);
            let z = beta[0] + (0..p).map(|j| beta[j + 1] * row[j]).sum::<f64>();
            let mu = sigmoid(z);
            let r = wi * (f64::from(u8::from(y[i])) - mu);
            let h = wi * (mu * (1.0 - mu)).max(1e-12);
            grad[0] += r;
            hess[0][0] += h;
            for j in 0..p {
                grad[j + 1] += r * row[j];
                hess[0][j + 1] += h * row[j];
                for k in 0..=j {
                    hess[j + 1][k + 1] += h * row[j] * row[k];
                }
            }
        }
        for j in 0..p {
            hess[j + 1][0] = hess[0][j + 1];
            for k in 0..j {
                hess[k + 1][j + 1] = hess[j + 1][k + 1];
            }
            grad[j + 1] -= l2 * beta[j + 1];
            hess[j + 1][j + 1] += l2;
        }
        let Some(step) = solve(hess, &grad) else {
            break;
        };
        let mut change: f64 = 0.0;
        for j in 0..=p {
            beta[j] += step[j];
            change = change.max(step[j].abs());
        }
        if change < 1e-9 {
            break;
        }
    }
    Logistic {
        intercept: beta[0],
        coef: beta[1..].to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Wikipedia's "Logistic regression" example (hours studied and exam
    /// passed, 20 students): maximum likelihood gives intercept −4.0777 and
    /// slope 1.5046.
    #[test]
    fn matches_the_maximum_likelihood_fit_of_a_textbook_example() {
        let hours = [
            0.50, 0.75, 1.00, 1.25, 1.50, 1.75, 1.75, 2.00, 2.25, 2.50, 2.75, 3.00, 3.25, 3.50,
            4.00, 4.25, 4.50, 4.75, 5.00, 5.50,
        ];
        let pass = [0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 1, 1, 1, 1, 1];
        let x: Vec<Vec<f64>> = hours.iter().map(|&h| vec![h]).collect();
        let y: Vec<bool> = pass.iter().map(|&v| v == 1).collect();
        let m = fit(&x, &y, None, 0.0);
        assert!((m.intercept - -4.0777).abs() < 1e-3, "{m:?}");
        assert!((m.coef[0] - 1.5046).abs() < 1e-3, "{m:?}");
    }

    #[test]
    fn a_penalty_shrinks_and_separable_data_stays_finite() {
        let x: Vec<Vec<f64>> = (0..10).map(|i| vec![i as f64]).collect();
        let y: Vec<bool> = (0..10).map(|i| i >= 5).collect();
        let m = fit(&x, &y, None, 1.0);
        assert!(m.coef[0].is_finite() && m.coef[0] > 0.0);
        let strong = fit(&x, &y, None, 100.0);
        assert!(strong.coef[0] < m.coef[0]);
    }
}
