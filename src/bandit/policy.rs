//! Choosing an arm: the objective, the greedy choice, the decision rules
//! (Thompson sampling and information-directed sampling) and the exploration
//! cap. Pure functions; randomness comes from the caller.

use super::posterior::{Evidence, Posterior};
use rand::Rng;
use serde::{Deserialize, Serialize};

/// How the posterior becomes a pick.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// Thompson sampling: the arm that is best for one posterior draw.
    #[default]
    Thompson,
    /// Information-directed sampling (Russo and Van Roy, 2018, variance form):
    /// the mix of at most two arms with the least squared expected regret per
    /// unit of information about which arm is best. Applies to the reward
    /// objective; min-cost decisions use Thompson sampling.
    Ids,
}

/// Posterior draws per decision: they estimate `p_best` and the propensity,
/// and IDS's expected regrets and information gains. `route` and `replay` use
/// the same number, so a replay scores IDS as it is deployed.
pub const DRAWS: u32 = 1000;

/// What the router optimises.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Objective {
    /// Maximise `eval - lambda * cost_usd`.
    Reward {
        /// USD to eval exchange rate.
        lambda: f64,
    },
    /// Cheapest mix of arms whose average eval is at least `min_eval`; the best
    /// eval if no arm reaches it.
    MinCost {
        /// The quality floor.
        min_eval: f64,
    },
}

impl Objective {
    /// The single arm this objective prefers given point values for each arm
    /// (for min-cost: the cheapest arm reaching the floor alone, else the best
    /// eval). Ties go to the lower index, so arm order makes choices deterministic.
    pub fn choose(&self, evals: &[f64], costs: &[f64]) -> usize {
        debug_assert_eq!(evals.len(), costs.len());
        let mut best = 0;
        match *self {
            Objective::Reward { lambda } => {
                let u = |i: usize| evals[i] - lambda * costs[i];
                for i in 1..evals.len() {
                    if u(i) > u(best) {
                        best = i;
                    }
                }
            }
            Objective::MinCost { min_eval } => {
                let feasible: Vec<usize> =
                    (0..evals.len()).filter(|&i| evals[i] >= min_eval).collect();
                if let Some(&first) = feasible.first() {
                    best = first;
                    for &i in &feasible[1..] {
                        if costs[i] < costs[best]
                            || (costs[i] == costs[best] && evals[i] > evals[best])
                        {
                            best = i;
                        }
                    }
                } else {
                    for i in 1..evals.len() {
                        if evals[i] > evals[best] {
                            best = i;
                        }
                    }
                }
            }
        }
        best
    }

    /// The (possibly randomised) choice this objective prefers given point
    /// values for each arm. The reward objective takes one arm. The min-cost
    /// objective solves its linear programme over mixtures: the cheapest mix of
    /// at most two arms whose average eval meets the floor, so an arm just
    /// above the floor can be blended with a cheap one below it, and an arm
    /// just below it with a better one, instead of jumping to the next arm
    /// that clears the floor alone.
    pub fn plan(&self, evals: &[f64], costs: &[f64]) -> Plan {
        let single = Plan::single(self.choose(evals, costs));
        let Objective::MinCost { min_eval } = *self else {
            return single;
        };
        if evals[single.main] < min_eval {
            return single; // nothing reaches the floor: best eval
        }
        let mut best = single;
        let mut best_cost = costs[single.main];
        for lo in (0..evals.len()).filter(|&i| evals[i] < min_eval) {
            for hi in (0..evals.len()).filter(|&j| evals[j] > min_eval && costs[j] > costs[lo]) {
                let w_hi = (min_eval - evals[lo]) / (evals[hi] - evals[lo]);
                let cost = costs[lo] + w_hi * (costs[hi] - costs[lo]);
                if cost < best_cost {
                    best_cost = cost;
                    best = if w_hi >= 0.5 {
                        Plan {
                            main: hi,
                            other: lo,
                            p_other: 1.0 - w_hi,
                        }
                    } else {
                        Plan {
                            main: lo,
                            other: hi,
                            p_other: w_hi,
                        }
                    };
                }
            }
        }
        best
    }

    /// The objective for the next decision given the evidence observed so far
    /// (already aged). The min-cost floor applies to the average eval of the
    /// routed traffic: while the observed average is below it, the floor for
    /// the next decisions is raised so that the shortfall is paid back over
    /// `window` decisions. A surplus is not spent down.
    pub fn paced(&self, observed: &[Evidence], window: u32) -> Objective {
        let Objective::MinCost { min_eval } = *self else {
            return *self;
        };
        let shortfall: f64 = observed
            .iter()
            .map(|e| min_eval * (e.successes + e.failures) - e.successes)
            .sum();
        if shortfall <= 0.0 {
            return *self;
        }
        Objective::MinCost {
            min_eval: (min_eval + shortfall / f64::from(window.max(1))).min(1.0),
        }
    }

    /// A one-line description for reports.
    pub fn describe(&self) -> String {
        match self {
            Objective::Reward { lambda } => format!("reward = eval - {lambda} * cost_usd"),
            Objective::MinCost { min_eval } => {
                format!("cheapest arms with average eval >= {min_eval:.4}")
            }
        }
    }
}

/// A randomised choice between at most two arms: `main`, or `other` with
/// probability `p_other`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Plan {
    /// The arm taken with probability `1 - p_other` (at least one half).
    pub main: usize,
    /// The arm taken with probability `p_other`.
    pub other: usize,
    /// Probability of `other`.
    pub p_other: f64,
}

impl Plan {
    /// Always `arm`.
    pub fn single(arm: usize) -> Plan {
        Plan {
            main: arm,
            other: arm,
            p_other: 0.0,
        }
    }

    /// Arm `i` with probability `q`, else arm `j`.
    pub fn mix(i: usize, j: usize, q: f64) -> Plan {
        if i == j || q >= 1.0 {
            Plan::single(i)
        } else if q <= 0.0 {
            Plan::single(j)
        } else if q >= 0.5 {
            Plan {
                main: i,
                other: j,
                p_other: 1.0 - q,
            }
        } else {
            Plan {
                main: j,
                other: i,
                p_other: q,
            }
        }
    }

    /// Probability that the plan picks arm `i`.
    pub fn weight(&self, i: usize) -> f64 {
        let mut w = 0.0;
        if i == self.main {
            w += 1.0 - self.p_other;
        }
        if i == self.other {
            w += self.p_other;
        }
        w
    }

    /// The arm for a uniform draw `u` in [0, 1).
    pub fn draw(&self, u: f64) -> usize {
        if u < self.p_other {
            self.other
        } else {
            self.main
        }
    }
}

/// The plan for the posterior means: what a pure exploiter would do.
pub fn greedy(objective: &Objective, arms: &[Posterior]) -> Plan {
    let evals: Vec<f64> = arms.iter().map(Posterior::mean_eval).collect();
    let costs: Vec<f64> = arms.iter().map(Posterior::mean_cost).collect();
    objective.plan(&evals, &costs)
}

/// One Thompson-sampling choice.
pub fn thompson<R: Rng + ?Sized>(objective: &Objective, arms: &[Posterior], rng: &mut R) -> usize {
    let mut evals = Vec::with_capacity(arms.len());
    let mut costs = Vec::with_capacity(arms.len());
    for a in arms {
        let (e, c) = a.sample(rng);
        evals.push(e);
        costs.push(c);
    }
    objective.plan(&evals, &costs).draw(rng.gen())
}

/// Monte Carlo estimate of each arm's probability of being chosen by Thompson
/// sampling, i.e. of being the best arm under the posterior.
pub fn p_best<R: Rng + ?Sized>(
    objective: &Objective,
    arms: &[Posterior],
    draws: u32,
    rng: &mut R,
) -> Vec<f64> {
    let mut wins = vec![0u32; arms.len()];
    for _ in 0..draws {
        wins[thompson(objective, arms, rng)] += 1;
    }
    wins.iter()
        .map(|&w| f64::from(w) / f64::from(draws.max(1)))
        .collect()
}

/// The exploration budget: at most `cap` of the last `window` decisions may be
/// non-greedy.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ExplorationCap {
    /// Maximum share of non-greedy picks.
    pub cap: f64,
    /// Number of recent decisions the share is taken over.
    pub window: u32,
}

impl ExplorationCap {
    /// Whether one more exploring pick is allowed, given how many of the last
    /// `window - 1` decisions explored.
    pub fn allows(&self, recent_explored: u32) -> bool {
        let limit = (self.cap * f64::from(self.window) + 1e-9).floor() as u32;
        recent_explored < limit
    }
}

/// A routing choice and how it was made.
#[derive(Clone, Debug, PartialEq)]
pub struct Pick {
    /// Index of the chosen arm.
    pub arm: usize,
    /// Index of the greedy arm.
    pub greedy: usize,
    /// The pick differs from the greedy arm.
    pub explored: bool,
    /// Probability that this policy makes this pick in this state.
    pub propensity: f64,
    /// The exploration cap overrode Thompson sampling.
    pub capped: bool,
    /// Per-arm probability of being best under the posterior.
    pub p_best: Vec<f64>,
    /// The rule that made the pick.
    pub rule: Rule,
}

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
    let mut best = vec![0usize; m];
    let mut count = vec![0u32; k];
    for (row, b) in theta.chunks_exact_mut(k).zip(best.iter_mut()) {
        for (x, a) in row.iter_mut().zip(arms) {
            let (e, c) = a.sample(rng);
            *x = e - lambda * c;
        }
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

/// Picks an arm with `rule` under the exploration cap. `draws` posterior
/// draws estimate `p_best` and the propensity (IDS takes `DRAWS` when
/// given none). A Thompson pick is the first draw, so it follows the same
/// distribution.
pub fn pick<R: Rng + ?Sized>(
    rule: Rule,
    objective: &Objective,
    arms: &[Posterior],
    cap: ExplorationCap,
    recent_explored: u32,
    draws: u32,
    rng: &mut R,
) -> Pick {
    assert!(!arms.is_empty(), "pick needs at least one arm");
    let plan = greedy(objective, arms);
    let (rule, chosen, propensity, p_best) = match (rule, *objective) {
        (Rule::Ids, Objective::Reward { lambda }) => {
            let draws = if draws == 0 { DRAWS } else { draws };
            let (mix, p_best) = ids(lambda, arms, draws, rng);
            let arm = mix.draw(rng.gen());
            (Rule::Ids, arm, mix.weight(arm), p_best)
        }
        _ => {
            let sampled = thompson(objective, arms, rng);
            let p_best = if draws > 0 {
                let mut p = p_best(objective, arms, draws, rng);
                // Count the pick itself so its propensity is never zero.
                let n = f64::from(draws);
                for (i, x) in p.iter_mut().enumerate() {
                    *x = (*x * n + f64::from(u8::from(i == sampled))) / (n + 1.0);
                }
                p
            } else {
                let mut p = vec![0.0; arms.len()];
                p[sampled] = 1.0;
                p
            };
            (Rule::Thompson, sampled, p_best[sampled], p_best)
        }
    };
    // Exploring means picking an arm the posterior means would not use.
    let explored = plan.weight(chosen) == 0.0;
    if !cap.allows(recent_explored) {
        // The cap is binding: follow the greedy plan this round.
        let arm = plan.draw(rng.gen());
        return Pick {
            arm,
            greedy: plan.main,
            explored: false,
            propensity: plan.weight(arm),
            capped: explored,
            p_best,
            rule,
        };
    }
    Pick {
        arm: chosen,
        greedy: plan.main,
        explored,
        propensity,
        capped: false,
        p_best,
        rule,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bandit::posterior::{Evidence, Prior};
    use rand::SeedableRng;

    fn arm(successes: f64, failures: f64, cost: f64) -> Posterior {
        let mut ev = Evidence {
            successes,
            failures,
            ..Default::default()
        };
        for _ in 0..((successes + failures) as usize) {
            ev.cost_weight += 1.0;
        }
        ev.cost_mean = cost;
        ev.cost_m2 = 0.01 * ev.cost_weight;
        Posterior::new(&Prior::default(), &ev)
    }

    #[test]
    fn reward_trades_eval_against_cost() {
        let o = Objective::Reward { lambda: 0.5 };
        assert_eq!(o.choose(&[0.9, 0.9], &[0.8, 0.2]), 1);
        assert_eq!(o.choose(&[0.9, 0.3], &[0.8, 0.0]), 0);
        let o = Objective::Reward { lambda: 0.0 };
        assert_eq!(o.choose(&[0.5, 0.6], &[0.0, 9.0]), 1);
    }

    #[test]
    fn min_cost_takes_the_cheapest_feasible_arm_or_the_best_eval() {
        let o = Objective::MinCost { min_eval: 0.7 };
        assert_eq!(o.choose(&[0.75, 0.8, 0.6], &[0.5, 0.9, 0.01]), 0);
        assert_eq!(o.choose(&[0.5, 0.65, 0.6], &[0.5, 0.9, 0.01]), 1);
    }

    #[test]
    fn min_cost_plan_is_the_cheapest_mix_meeting_the_floor() {
        let o = Objective::MinCost { min_eval: 0.7 };
        // 0.8 @ 1.0 and 0.6 @ 0.0: half of each averages 0.7 at cost 0.5,
        // cheaper than the 0.75 @ 0.9 arm alone.
        let p = o.plan(&[0.8, 0.6, 0.75], &[1.0, 0.0, 0.9]);
        assert!((p.weight(0) - 0.5).abs() < 1e-9 && (p.weight(1) - 0.5).abs() < 1e-9);
        assert_eq!(p.weight(2), 0.0);
        // A feasible arm that is cheaper than every mix is taken alone.
        let p = o.plan(&[0.8, 0.6, 0.75], &[1.0, 0.15, 0.1]);
        assert_eq!(p, Plan::single(2));
        // Nothing reaches the floor: the best eval alone.
        assert_eq!(o.plan(&[0.5, 0.6], &[0.0, 9.0]), Plan::single(1));
        // The mix's average eval equals the floor.
        let (e, c) = ([0.9, 0.3, 0.72], [2.0, 0.1, 1.5]);
        let p = o.plan(&e, &c);
        let avg: f64 = (0..3).map(|i| p.weight(i) * e[i]).sum();
        assert!((avg - 0.7).abs() < 1e-9, "{p:?}");
        let w: f64 = (0..3).map(|i| p.weight(i)).sum();
        assert!((w - 1.0).abs() < 1e-12);
    }

    #[test]
    fn pacing_raises_the_floor_by_the_shortfall_only() {
        let o = Objective::MinCost { min_eval: 0.7 };
        let ev = |s: f64, f: f64| Evidence {
            successes: s,
            failures: f,
            ..Default::default()
        };
        // 60 of 100: 10 short of 70, paid back over 50 decisions.
        let paced = o.paced(&[ev(40.0, 20.0), ev(20.0, 20.0)], 50);
        assert_eq!(
            paced,
            Objective::MinCost {
                min_eval: 0.7 + 10.0 / 50.0
            }
        );
        // A surplus leaves the floor alone, and the floor never passes 1.
        assert_eq!(o.paced(&[ev(90.0, 10.0)], 50), o);
        assert_eq!(
            o.paced(&[ev(0.0, 100.0)], 10),
            Objective::MinCost { min_eval: 1.0 }
        );
        let r = Objective::Reward { lambda: 0.5 };
        assert_eq!(r.paced(&[ev(0.0, 100.0)], 10), r);
    }

    #[test]
    fn cap_limits_exploring_picks() {
        let cap = ExplorationCap {
            cap: 0.2,
            window: 100,
        };
        assert!(cap.allows(19));
        assert!(!cap.allows(20));
        let zero = ExplorationCap {
            cap: 0.0,
            window: 100,
        };
        assert!(!zero.allows(0));
    }

    #[test]
    fn binding_cap_forces_the_greedy_arm_with_propensity_one() {
        let arms = [arm(50.0, 50.0, 0.1), arm(5.0, 5.0, 0.1)];
        let cap = ExplorationCap {
            cap: 0.0,
            window: 10,
        };
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for _ in 0..50 {
            let p = pick(
                Rule::Thompson,
                &Objective::Reward { lambda: 0.5 },
                &arms,
                cap,
                0,
                64,
                &mut rng,
            );
            assert_eq!(p.arm, p.greedy);
            assert!(!p.explored);
            assert_eq!(p.propensity, 1.0);
        }
    }

    #[test]
    fn thompson_prefers_the_clearly_better_arm_and_p_best_sums_to_one() {
        let arms = [
            arm(90.0, 10.0, 0.2),
            arm(50.0, 50.0, 0.2),
            arm(9.0, 1.0, 0.2),
        ];
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let o = Objective::Reward { lambda: 0.5 };
        let p = p_best(&o, &arms, 4000, &mut rng);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        assert!(p[0] > 0.5 && p[1] < 0.01, "{p:?}");
        let open = ExplorationCap {
            cap: 1.0,
            window: 10,
        };
        let pk = pick(Rule::Thompson, &o, &arms, open, 0, 500, &mut rng);
        assert!(pk.propensity > 0.0 && pk.propensity <= 1.0);
        assert_eq!(pk.explored, pk.arm != pk.greedy);
    }

    #[test]
    fn ids_commits_to_a_clear_winner_and_reports_p_best() {
        let arms = [
            arm(900.0, 100.0, 0.2),
            arm(500.0, 500.0, 0.2),
            arm(100.0, 900.0, 0.2),
        ];
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        let (plan, p) = ids(0.5, &arms, 500, &mut rng);
        assert_eq!(plan, Plan::single(0));
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        assert_eq!(p[0], 1.0);
    }

    #[test]
    fn ids_tries_an_uncertain_arm_that_may_be_best_but_not_a_hopeless_one() {
        // Arm 0 is known to be 0.6; arm 1 is untried; arm 2 is known to be 0.1.
        let arms = [
            arm(600.0, 400.0, 0.1),
            arm(0.0, 0.0, 0.1),
            arm(100.0, 900.0, 0.1),
        ];
        let mut rng = rand::rngs::StdRng::seed_from_u64(9);
        let (plan, p) = ids(0.0, &arms, 2000, &mut rng);
        assert!(plan.weight(1) > 0.0, "{plan:?} {p:?}");
        assert_eq!(plan.weight(2), 0.0);
        assert!(p[1] > 0.2 && p[2] == 0.0, "{p:?}");
    }

    #[test]
    fn least_ratio_mixes_a_safe_arm_with_an_informative_one() {
        // An arm with no expected regret has ratio 0, the least possible.
        assert_eq!(
            least_information_ratio(&[0.0, 0.1], &[0.0, 0.01]),
            Plan::single(0)
        );
        // Both arms have regret: IDS mixes them. With regrets (1, 3) and gains
        // (1, 16), q* = (3 * -15 - 2 * -2 * 16) / (-2 * -15) = 19 / 30 on arm 0.
        let p = least_information_ratio(&[1.0, 3.0], &[1.0, 16.0]);
        assert!((p.weight(0) - 19.0 / 30.0).abs() < 1e-12, "{p:?}");
    }

    #[test]
    fn ids_pick_logs_its_own_propensity_and_rule() {
        let arms = [arm(30.0, 20.0, 0.1), arm(3.0, 2.0, 0.1)];
        let open = ExplorationCap {
            cap: 1.0,
            window: 10,
        };
        let mut rng = rand::rngs::StdRng::seed_from_u64(2);
        let o = Objective::Reward { lambda: 0.0 };
        for _ in 0..20 {
            let p = pick(Rule::Ids, &o, &arms, open, 0, 400, &mut rng);
            assert_eq!(p.rule, Rule::Ids);
            assert!(p.propensity > 0.0 && p.propensity <= 1.0);
            assert_eq!(p.explored, p.arm != p.greedy);
        }
        // The min-cost objective has no regret to direct; it samples instead.
        let m = Objective::MinCost { min_eval: 0.5 };
        assert_eq!(
            pick(Rule::Ids, &m, &arms, open, 0, 100, &mut rng).rule,
            Rule::Thompson
        );
    }
}
