//! Statistics for the gate: quantiles, the Mann-Whitney U test, the
//! Hodges-Lehmann shift estimate with its distribution-free confidence bound,
//! and Holm's step-down correction. Pure functions.

/// The `q` quantile (0..=1) of `xs` by linear interpolation (type 7, as numpy
/// and R default); `NaN` for an empty slice.
pub fn quantile(xs: &[f64], q: f64) -> f64 {
    if xs.is_empty() {
        return f64::NAN;
    }
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let h = (v.len() - 1) as f64 * q.clamp(0.0, 1.0);
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    v[lo] + (h - lo as f64) * (v[hi] - v[lo])
}

/// Median.
pub fn median(xs: &[f64]) -> f64 {
    quantile(xs, 0.5)
}

/// Robust spread: 1.4826 · the median absolute deviation of `xs` from
/// `centre` (the standard deviation for normal data).
pub fn mad_sd(xs: &[f64], centre: f64) -> f64 {
    1.4826 * median(&xs.iter().map(|x| (x - centre).abs()).collect::<Vec<_>>())
}

/// Arithmetic mean.
pub fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// Standard normal CDF.
pub fn norm_cdf(z: f64) -> f64 {
    0.5 * erfc(-z / std::f64::consts::SQRT_2)
}

/// Standard normal quantile (Acklam's algorithm, refined by one Halley step).
pub fn norm_quantile(p: f64) -> f64 {
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    const A: [f64; 6] = [
        -3.969683028665376e1,
        2.209460984245205e2,
        -2.759285104469687e2,
        1.38357751867269e2,
        -3.066479806614716e1,
        2.506628277459239,
    ];
    const B: [f64; 5] = [
        -5.447609879822406e1,
        1.615858368580409e2,
        -1.556989798598866e2,
        6.680131188771972e1,
        -1.328068155288572e1,
    ];
    const C: [f64; 6] = [
        -7.784894002430293e-3,
        -3.223964580411365e-1,
        -2.400758277161838,
        -2.549732539343734,
        4.374664141464968,
        2.938163982698783,
    ];
    const D: [f64; 4] = [
        7.784695709041462e-3,
        3.224671290700398e-1,
        2.445134137142996,
        3.754408661907416,
    ];
    let pl = 0.02425;
    let x = if p < pl {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - pl {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = (-2.0 * (1.0 - p).ln()).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    // One Halley refinement.
    let e = norm_cdf(x) - p;
    let u = e * (2.0 * std::f64::consts::PI).sqrt() * (x * x / 2.0).exp();
    x - u / (1.0 + x * u / 2.0)
}

/// Complementary error function (W. J. Cody's rational approximations via
/// the Numerical Recipes erfc with relative error < 1.2e-7, refined).
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.26551223
            + t * (1.00002368
                + t * (0.37409196
                    + t * (0.09678418
                        + t * (-0.18628806
                            + t * (0.27886807
                                + t * (-1.13520398
                                    + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))))
            .exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

/// Result of a Mann-Whitney U test of `y` against `x`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct UTest {
    /// U statistic of `y` (number of pairs with y > x, ties counting 1/2).
    pub u: f64,
    /// One-sided p-value for "y tends to be larger than x".
    pub p_greater: f64,
    /// One-sided p-value for "y tends to be smaller than x".
    pub p_less: f64,
    /// Two-sided p-value.
    pub p_two_sided: f64,
}

/// Mann-Whitney U test. Exact: the classic U distribution without ties
/// (n·m ≤ 40,000), the permutation distribution over mid-ranks with ties
/// (n + m ≤ 100, as benchstat does); otherwise the normal approximation with
/// tie and continuity corrections.
pub fn mann_whitney(x: &[f64], y: &[f64]) -> UTest {
    let (n, m) = (x.len(), y.len());
    let mut all: Vec<(f64, usize)> = x
        .iter()
        .map(|&v| (v, 0))
        .chain(y.iter().map(|&v| (v, 1)))
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Tie groups: (size, twice the mid-rank).
    let mut groups: Vec<(usize, i64)> = Vec::new();
    let mut ry2: i64 = 0; // twice y's rank sum
    let mut i = 0;
    while i < all.len() {
        let mut j = i;
        while j + 1 < all.len() && all[j + 1].0 == all[i].0 {
            j += 1;
        }
        let r2 = (i + j + 2) as i64; // 2 × mid-rank of positions i..=j (1-based)
        groups.push((j - i + 1, r2));
        ry2 += r2 * all[i..=j].iter().filter(|a| a.1 == 1).count() as i64;
        i = j + 1;
    }
    let u = ry2 as f64 / 2.0 - (m * (m + 1)) as f64 / 2.0;
    if n == 0 || m == 0 {
        return UTest {
            u,
            p_greater: 1.0,
            p_less: 1.0,
            p_two_sided: 1.0,
        };
    }
    if groups.len() == n + m && n * m <= 40_000 {
        // No ties: the classic U distribution, cached per (n, m).
        let cdf = u_cdf(n, m);
        let k = u.round() as usize;
        let p_le = cdf[k];
        let p_ge = if k == 0 { 1.0 } else { 1.0 - cdf[k - 1] };
        return UTest {
            u,
            p_greater: p_ge.clamp(0.0, 1.0),
            p_less: p_le.clamp(0.0, 1.0),
            p_two_sided: (2.0 * p_ge.min(p_le)).min(1.0),
        };
    }
    if n + m <= 100 {
        let dist = rank_sum_distribution(&groups, m);
        let total: f64 = dist.values().sum();
        let p_ge = dist.range(ry2..).map(|(_, c)| c).sum::<f64>() / total;
        let p_le = dist.range(..=ry2).map(|(_, c)| c).sum::<f64>() / total;
        return UTest {
            u,
            p_greater: p_ge.min(1.0),
            p_less: p_le.min(1.0),
            p_two_sided: (2.0 * p_ge.min(p_le)).min(1.0),
        };
    }
    let nm = (n * m) as f64;
    let nt = (n + m) as f64;
    let tie_term: f64 = groups
        .iter()
        .map(|&(t, _)| (t * t * t - t) as f64)
        .sum::<f64>()
        / (nt * (nt - 1.0));
    let var = nm / 12.0 * ((nt + 1.0) - tie_term);
    let mu = nm / 2.0;
    if var <= 0.0 {
        return UTest {
            u,
            p_greater: 1.0,
            p_less: 1.0,
            p_two_sided: 1.0,
        };
    }
    let sd = var.sqrt();
    let p_greater = 1.0 - norm_cdf((u - mu - 0.5) / sd);
    let p_less = norm_cdf((u - mu + 0.5) / sd);
    UTest {
        u,
        p_greater,
        p_less,
        p_two_sided: (2.0 * p_greater.min(p_less)).min(1.0),
    }
}

/// The CDF of U for sample sizes (n, m) without ties, P(U <= u) for
/// u = 0..=n·m, from the recurrence on the largest element; cached.
fn u_cdf(n: usize, m: usize) -> std::sync::Arc<Vec<f64>> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};
    type Cdfs = HashMap<(usize, usize), Arc<Vec<f64>>>;
    static CACHE: OnceLock<Mutex<Cdfs>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(c) = cache.lock().ok().and_then(|c| c.get(&(n, m)).cloned()) {
        return c;
    }
    // f[j][u] for the current i: arrangements of i x's and j y's with U = u,
    // as probabilities (each step mixes "largest is y" and "largest is x").
    let max = n * m;
    let mut prev: Vec<Vec<f64>> = vec![vec![0.0; max + 1]; m + 1];
    for row in prev.iter_mut() {
        row[0] = 1.0; // no x's: U = 0
    }
    for i in 1..=n {
        let mut cur: Vec<Vec<f64>> = vec![vec![0.0; max + 1]; m + 1];
        cur[0][0] = 1.0;
        for j in 1..=m {
            let (py, px) = (j as f64 / (i + j) as f64, i as f64 / (i + j) as f64);
            for u in 0..=i * j {
                let from_y = if u >= i { cur[j - 1][u - i] } else { 0.0 };
                cur[j][u] = py * from_y + px * prev[j][u];
            }
        }
        prev = cur;
    }
    let mut cdf = prev.swap_remove(m);
    for u in 1..cdf.len() {
        cdf[u] += cdf[u - 1];
    }
    let cdf = Arc::new(cdf);
    if let Ok(mut c) = cache.lock() {
        c.insert((n, m), cdf.clone());
    }
    cdf
}

/// Number of ways to pick `m` of the pooled values as `y`, by twice their
/// rank sum; `groups` are the tie groups (size, twice the mid-rank). Dense
/// arrays; without ties the group loop degenerates to the classic recurrence.
fn rank_sum_distribution(
    groups: &[(usize, i64)],
    m: usize,
) -> std::collections::BTreeMap<i64, f64> {
    let max: i64 = groups.iter().map(|&(t, r2)| t as i64 * r2).sum::<i64>();
    let width = max as usize + 1;
    // ways[k * width + s]: ways to pick k values with twice-rank-sum s.
    let mut ways = vec![0.0f64; (m + 1) * width];
    ways[0] = 1.0;
    let mut hi = 0usize; // largest reachable sum so far
    for &(t, r2) in groups {
        let r2 = r2 as usize;
        let mut next = vec![0.0f64; (m + 1) * width];
        for k in 0..=m {
            let row = &ways[k * width..k * width + hi + 1];
            if row.iter().all(|&c| c == 0.0) {
                continue;
            }
            let mut choose = 1.0; // C(t, j)
            for j in 0..=t.min(m - k) {
                if j > 0 {
                    choose = choose * (t - j + 1) as f64 / j as f64;
                }
                let base = (k + j) * width + j * r2;
                for (s, &c) in row.iter().enumerate() {
                    if c != 0.0 {
                        next[base + s] += c * choose;
                    }
                }
            }
        }
        hi = (hi + t.min(m) * r2).min(width - 1);
        ways = next;
    }
    ways[m * width..]
        .iter()
        .enumerate()
        .filter(|(_, &c)| c != 0.0)
        .map(|(s, &c)| (s as i64, c))
        .collect()
}

/// Hodges-Lehmann estimate of the shift of `y` over `x` on the log scale,
/// i.e. the median of all pairwise ratios y/x, with a one-sided lower and
/// upper confidence bound at level `1 - alpha` each (distribution-free: from
/// the exact U distribution when it is available, else its normal
/// approximation).
pub fn hodges_lehmann_ratio(x: &[f64], y: &[f64], alpha: f64) -> (f64, f64, f64) {
    let mut d: Vec<f64> = Vec::with_capacity(x.len() * y.len());
    for &a in x {
        for &b in y {
            if a > 0.0 && b > 0.0 {
                d.push((b / a).ln());
            }
        }
    }
    if d.is_empty() {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    d.sort_by(f64::total_cmp);
    let est = median(&d).exp();
    let k = if d.len() == x.len() * y.len() && x.len() * y.len() <= 40_000 {
        // Exact: the largest k with P(U < k) <= alpha, so that the bound is
        // above 0 exactly when the one-sided U test rejects at alpha.
        let cdf = u_cdf(x.len(), y.len());
        (0..=d.len())
            .take_while(|&k| k == 0 || cdf[k - 1] <= alpha)
            .last()
            .unwrap_or(0)
    } else {
        let (n, m) = (x.len() as f64, y.len() as f64);
        let z = norm_quantile(1.0 - alpha);
        (n * m / 2.0 - z * (n * m * (n + m + 1.0) / 12.0).sqrt())
            .floor()
            .max(0.0) as usize
    };
    let k = k.min(d.len() - 1);
    (est, d[k].exp(), d[d.len() - 1 - k].exp())
}

/// Holm's step-down procedure at family-wise level `alpha`: for each
/// p-value, whether it is rejected, and the per-test level it was held to.
pub fn holm(p: &[f64], alpha: f64) -> Vec<(bool, f64)> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut out = vec![(false, alpha); m];
    let mut stopped = false;
    for (k, &i) in order.iter().enumerate() {
        let level = alpha / (m - k) as f64;
        out[i] = (!stopped && p[i] <= level, level);
        if p[i] > level {
            stopped = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_numpy() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(median(&v), 2.5);
        assert!((quantile(&v, 0.95) - 3.85).abs() < 1e-12);
    }

    #[test]
    fn normal_functions_are_accurate() {
        assert!((norm_cdf(1.959964) - 0.975).abs() < 1e-6);
        assert!((norm_quantile(0.975) - 1.959964).abs() < 1e-5);
        assert!((norm_quantile(0.003) + 2.747781).abs() < 1e-4);
    }

    #[test]
    fn exact_u_test_matches_known_values() {
        // x all below y, n = m = 5: P(U = 25) = 1 / C(10, 5) = 1/252.
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let y = [6.0, 7.0, 8.0, 9.0, 10.0];
        let t = mann_whitney(&x, &y);
        assert_eq!(t.u, 25.0);
        assert!((t.p_greater - 1.0 / 252.0).abs() < 1e-12);
        assert!((t.p_two_sided - 2.0 / 252.0).abs() < 1e-12);
        // Ties: golang/perf issue 19634, complete separation with tied
        // values, is p = 2/252 = 0.008 two-sided in benchstat's golden output.
        let t = mann_whitney(&[115.0, 114.0, 115.0, 115.0, 115.0], &[78.8; 5]);
        assert!((t.p_two_sided - 2.0 / 252.0).abs() < 1e-12, "{t:?}");
        // Identical samples (all ties): nothing to see.
        let t = mann_whitney(&[1.0; 5], &[1.0; 5]);
        assert!(t.p_two_sided >= 0.99, "{t:?}");
    }

    #[test]
    fn exact_paths_agree_with_each_other_and_the_normal_limit() {
        // Distinct values: the cached U distribution and the tie-aware
        // permutation distribution must give the same p-values.
        let x: Vec<f64> = (0..12).map(|i| (i * 7 % 23) as f64).collect();
        let y: Vec<f64> = (0..9).map(|i| 0.5 + (i * 5 % 19) as f64).collect();
        let a = mann_whitney(&x, &y);
        let mut all: Vec<f64> = x.iter().chain(&y).copied().collect();
        all.sort_by(f64::total_cmp);
        let groups: Vec<(usize, i64)> = (0..all.len()).map(|i| (1, 2 * (i as i64 + 1))).collect();
        let dist = rank_sum_distribution(&groups, y.len());
        let total: f64 = dist.values().sum();
        let ry2: i64 = y
            .iter()
            .map(|v| 2 * (all.iter().position(|a| a == v).unwrap() as i64 + 1))
            .sum();
        let p_ge = dist.range(ry2..).map(|(_, c)| c).sum::<f64>() / total;
        assert!(
            (a.p_greater - p_ge).abs() < 1e-12,
            "{} vs {p_ge}",
            a.p_greater
        );
    }

    #[test]
    fn hodges_lehmann_recovers_a_ratio() {
        let x: Vec<f64> = (0..20).map(|i| 100.0 + i as f64).collect();
        let y: Vec<f64> = x.iter().map(|v| v * 1.2).collect();
        let (est, lo, hi) = hodges_lehmann_ratio(&x, &y, 0.05);
        assert!(
            (est - 1.2).abs() < 0.01 && lo < est && est < hi,
            "{est} {lo} {hi}"
        );
    }

    #[test]
    fn the_lower_bound_clears_one_exactly_when_the_test_rejects() {
        let x: Vec<f64> = (0..12).map(|i| 100.0 + (i * 37 % 11) as f64).collect();
        for shift in [1.0, 1.02, 1.05, 1.08, 1.12] {
            let y: Vec<f64> = (0..12)
                .map(|i| shift * (100.0 + (i * 53 % 13) as f64 + 0.5))
                .collect();
            let p = mann_whitney(&x, &y).p_greater;
            for alpha in [0.05, 0.01, 0.003] {
                let (_, lo, _) = hodges_lehmann_ratio(&x, &y, alpha);
                assert_eq!(
                    lo > 1.0,
                    p <= alpha,
                    "shift {shift} alpha {alpha}: p {p}, lo {lo}"
                );
            }
        }
    }

    #[test]
    fn holm_steps_down() {
        // Levels 0.05/3, 0.05/2, 0.05: 0.03 fails its 0.025, so 0.04 is not tested.
        let r = holm(&[0.001, 0.03, 0.04], 0.05);
        assert_eq!(
            r.iter().map(|x| x.0).collect::<Vec<_>>(),
            [true, false, false]
        );
        let r = holm(&[0.001, 0.02, 0.04], 0.05);
        assert_eq!(
            r.iter().map(|x| x.0).collect::<Vec<_>>(),
            [true, true, true]
        );
    }
}
