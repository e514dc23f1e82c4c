//! Information-directed sampling (Russo and Van Roy, 2018, variance form).

use super::Plan;
use crate::bandit::posterior::Posterior;
use rand::Rng;

/// The IDS plan for the reward objective with exchange rate `lambda`, and each
/// arm's probability of being best, both estimated from `draws` joint
/// posterior draws of every arm's reward.
///
/// With θ the rewards and A* the best arm, arm i's expected regret is
/// Δᵢ = E[θ_A*] − E[θᵢ] and its information gain is the variance form
/// vᵢ = Var(E[θᵢ | A*]) (Russo and Van Roy, 2018, section 6).
pub fn ids<R: Rng + ?Sized>(
    lambda: f64,
    arms: &[Posterior],
    draws: u32,
    rng: &mut R,
) -> (Plan, Vec<f64>) {
    let k = arms.len();
    let m = draws.max(1) as usize;
    let mut theta = vec![0.0; m * k];
    for row in theta.chunks_exact_mut(k) {
        for (x, a) in row.iter_mut().zip(arms) {
            let (e, c) = a.sample(rng);
            *x = e - lambda * c;
        }
    }
    ids_from_draws(&theta, k)
}

/// The IDS plan and each action's probability of being best, from joint
/// posterior draws of the actions' values: `theta` holds one row of `k`
/// values per draw. The cascade feeds it the values of the next attempt's
/// arms with the later attempts included.
pub fn ids_from_draws(theta: &[f64], k: usize) -> (Plan, Vec<f64>) {
    let m = theta.len() / k;
    let mut best = vec![0usize; m];
    let mut count = vec![0u32; k];
    for (row, b) in theta.chunks_exact(k).zip(best.iter_mut()) {
        // Ties go to the lower index, as in `Objective::choose`.
        *b = (1..k).fold(0, |b, i| if row[i] > row[b] { i } else { b });
        count[*b] += 1;
    }
    let n = m as f64;
    let p_star: Vec<f64> = count.iter().map(|&c| f64::from(c) / n).collect();
    // mean[i] = E[θᵢ]; cond[j * k + i] = E[θᵢ | A* = j].
    let mut mean = vec![0.0; k];
    let mut cond = vec![0.0; k * k];
    for (row, &b) in theta.chunks_exact(k).zip(&best) {
        for i in 0..k {
            mean[i] += row[i] / n;
            cond[b * k + i] += row[i] / f64::from(count[b]);
        }
    }
    let optimum: f64 = (0..k).map(|j| p_star[j] * cond[j * k + j]).sum();
    let regret: Vec<f64> = mean.iter().map(|&x| (optimum - x).max(0.0)).collect();
    let gain: Vec<f64> = (0..k)
        .map(|i| {
            (0..k)
                .map(|j| p_star[j] * (cond[j * k + i] - mean[i]).powi(2))
                .sum()
        })
        .collect();
    (least_information_ratio(&regret, &gain), p_star)
}

/// The mix of at most two arms that minimises (expected regret)² ÷ information
/// gain. An optimal IDS distribution never needs more than two arms (Russo and
/// Van Roy, 2018, proposition 6), so checking every pair at its best mixing
/// weight finds it.
pub fn least_information_ratio(regret: &[f64], gain: &[f64]) -> Plan {
    debug_assert_eq!(regret.len(), gain.len());
    // Below this an arm teaches nothing; a zero-regret arm is then free to take.
    const NO_GAIN: f64 = 1e-12;
    let ratio = |q: f64, i: usize, j: usize| {
        let d = q * regret[i] + (1.0 - q) * regret[j];
        let v = (q * gain[i] + (1.0 - q) * gain[j]).max(NO_GAIN);
        d * d / v
    };
    let mut best = (f64::INFINITY, Plan::single(0));
    for i in 0..regret.len() {
        for j in i..regret.len() {
            let mut weights = vec![1.0];
            if j != i {
                weights.push(0.0);
                // d/dq of (d_j + q Δd)² / (v_j + q Δv) is zero here.
                let (dd, dv) = (regret[i] - regret[j], gain[i] - gain[j]);
                let q = (regret[j] * dv - 2.0 * dd * gain[j]) / (dd * dv);
                if q.is_finite() {
                    weights.push(q.clamp(0.0, 1.0));
                }
            }
            for q in weights {
                let r = ratio(q, i, j);
                if r < best.0 {
                    best = (r, Plan::mix(i, j, q));
                }
            }
        }
    }
    best.1
}
