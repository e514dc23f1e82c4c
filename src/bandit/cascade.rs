//! Escalation (cascade) routing: the next attempt at a task whose earlier
//! attempts failed.
//!
//! A task is worth 1 when any attempt passes; every attempt costs λ·cost,
//! and each one after the first also `latency_weight`. The chance that arm
//! `a` passes after the arms in `F` failed on the same task is a Beta
//! posterior per cell `(a, F)`, pooled toward the arm's pass rate over all
//! attempts with `pool_weight` pseudo-observations, so a sparse cell borrows
//! strength from the arm. A pick values each arm by dynamic programming over
//! the attempts still allowed: pass now, or fail and continue (or stop) in
//! the best way from the larger failed set. Thompson sampling solves that
//! programme for one posterior draw of every cell (posterior sampling for a
//! small MDP); IDS weighs the same per-draw values by information.

use super::policy::{ids_from_draws, ExplorationCap, Plan, Rule};
use rand::Rng;
use rand_distr::{Beta, Distribution};
use std::collections::HashMap;

/// A set of arms, as bits over arm indices (at most 64 arms).
pub type ArmSet = u64;

/// The most arms a cascade can route between.
pub const MAX_ARMS: usize = 64;

/// Pass and fail counts of one cell (decayed weights when a half-life is set).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Counts {
    /// Attempts that passed.
    pub pass: f64,
    /// Attempts that failed.
    pub fail: f64,
}

impl Counts {
    /// Adds one attempt.
    pub fn add(&mut self, passed: bool, weight: f64) {
        if passed {
            self.pass += weight;
        } else {
            self.fail += weight;
        }
    }

    /// Number of attempts.
    pub fn n(&self) -> f64 {
        self.pass + self.fail
    }
}

/// What a cascade knows: per-arm mean costs, per-arm pass counts over all
/// attempts, and per-cell pass counts.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CascadeModel {
    /// Mean cost per arm (0 while unknown: an unseen arm is worth trying).
    pub cost: Vec<f64>,
    /// Pass counts per arm over all attempts.
    pub arm: Vec<Counts>,
    /// Pass counts per `(arm, arms that failed before)`.
    pub cells: HashMap<(usize, ArmSet), Counts>,
}

/// How a cascade values a task.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CascadeParams {
    /// USD to pass exchange rate.
    pub lambda: f64,
    /// Penalty, in pass units, of each attempt after the first.
    pub latency_weight: f64,
    /// Attempts allowed per task.
    pub max_attempts: u32,
    /// Pseudo-observations pulling a cell toward its arm's pass rate.
    pub pool_weight: f64,
}

/// Default `pool_weight`: a cell's own evidence outweighs the arm's after two
/// attempts.
pub const POOL_WEIGHT: f64 = 2.0;

impl CascadeModel {
    /// An empty model for `k` arms.
    pub fn new(k: usize) -> CascadeModel {
        CascadeModel {
            cost: vec![0.0; k],
            arm: vec![Counts::default(); k],
            cells: HashMap::new(),
        }
    }

    /// Records one attempt of `arm` after the arms in `failed` failed.
    pub fn observe(&mut self, arm: usize, failed: ArmSet, passed: bool) {
        self.arm[arm].add(passed, 1.0);
        self.cells
            .entry((arm, failed))
            .or_default()
            .add(passed, 1.0);
    }

    /// The arm's pass rate over all attempts: the posterior mean under Beta(1, 1).
    pub fn arm_rate(&self, arm: usize) -> f64 {
        let c = self.arm[arm];
        (1.0 + c.pass) / (2.0 + c.n())
    }

    /// The Beta posterior of cell `(arm, failed)`.
    pub fn cell(&self, arm: usize, failed: ArmSet, pool_weight: f64) -> (f64, f64) {
        let m = self.arm_rate(arm);
        let c = self.cells.get(&(arm, failed)).copied().unwrap_or_default();
        (pool_weight * m + c.pass, pool_weight * (1.0 - m) + c.fail)
    }

    /// The cell's attempts.
    pub fn cell_n(&self, arm: usize, failed: ArmSet) -> f64 {
        self.cells
            .get(&(arm, failed))
            .map(Counts::n)
            .unwrap_or_default()
    }

    /// Posterior mean chance that `arm` passes after `failed` failed.
    pub fn p_mean(&self, arm: usize, failed: ArmSet, pool_weight: f64) -> f64 {
        let (a, b) = self.cell(arm, failed, pool_weight);
        a / (a + b)
    }
}

/// Bit of arm `i`.
pub fn bit(i: usize) -> ArmSet {
    1u64 << i
}

/// The values of the next attempt's arms, given pass chances `p(arm, failed)`
/// (memoised per failed set for one evaluation). `failed` are the arms that
/// already failed (they are not eligible), `eligible` the arms routing may use.
struct Programme<'a> {
    model: &'a CascadeModel,
    params: &'a CascadeParams,
    eligible: &'a [usize],
    value: HashMap<ArmSet, f64>,
}

impl Programme<'_> {
    /// The best expected value from failed set `f`: continue with the best arm
    /// or stop (0).
    fn continuation(&mut self, f: ArmSet, p: &mut dyn FnMut(usize, ArmSet) -> f64) -> f64 {
        if f.count_ones() >= self.params.max_attempts {
            return 0.0;
        }
        if let Some(&v) = self.value.get(&f) {
            return v;
        }
        let mut best = 0.0f64;
        for &a in self.eligible {
            if f & bit(a) == 0 {
                best = best.max(self.q(f, a, p));
            }
        }
        self.value.insert(f, best);
        best
    }

    /// The value of attempting `a` after `f` failed.
    fn q(&mut self, f: ArmSet, a: usize, p: &mut dyn FnMut(usize, ArmSet) -> f64) -> f64 {
        let pass = p(a, f);
        let later = if f == 0 {
            0.0
        } else {
            self.params.latency_weight
        };
        let rest = self.continuation(f | bit(a), p);
        pass - self.params.lambda * self.model.cost[a] - later + (1.0 - pass) * rest
    }

    /// The value of each candidate arm at `f`, in `candidates` order.
    fn root(
        &mut self,
        f: ArmSet,
        candidates: &[usize],
        p: &mut dyn FnMut(usize, ArmSet) -> f64,
    ) -> Vec<f64> {
        candidates.iter().map(|&a| self.q(f, a, p)).collect()
    }
}

/// A cascade's choice for the next attempt.
#[derive(Clone, Debug, PartialEq)]
pub struct CascadePick {
    /// The arm to attempt, `None` when another attempt is not worth its cost.
    pub arm: Option<usize>,
    /// The arm the posterior means prefer.
    pub greedy: usize,
    /// The pick differs from the greedy arm.
    pub explored: bool,
    /// Probability that this policy makes this pick in this state.
    pub propensity: f64,
    /// The exploration cap overrode the rule.
    pub capped: bool,
    /// Per candidate: probability of being the best next attempt.
    pub p_best: Vec<f64>,
    /// Per candidate: value under the posterior means (pass units).
    pub value: Vec<f64>,
    /// Per candidate: posterior mean chance to pass now.
    pub p_pass: Vec<f64>,
    /// The rule that made the pick.
    pub rule: Rule,
}

/// Picks the next attempt among `candidates` (eligible arms not in `failed`)
/// with `rule` under the exploration cap. After a failure the attempt is made
/// only when its value under the posterior means is positive; the first
/// attempt is always made. `draws` joint draws estimate `p_best` (and IDS's
/// regrets and gains).
#[allow(clippy::too_many_arguments)]
pub fn pick<R: Rng + ?Sized>(
    rule: Rule,
    model: &CascadeModel,
    params: &CascadeParams,
    failed: ArmSet,
    eligible: &[usize],
    cap: ExplorationCap,
    recent_explored: u32,
    draws: u32,
    rng: &mut R,
) -> CascadePick {
    let candidates: Vec<usize> = eligible
        .iter()
        .copied()
        .filter(|&a| failed & bit(a) == 0)
        .collect();
    assert!(!candidates.is_empty(), "cascade pick needs a candidate");
    let k = candidates.len();
    let w = params.pool_weight;
    let programme = |p: &mut dyn FnMut(usize, ArmSet) -> f64| {
        Programme {
            model,
            params,
            eligible,
            value: HashMap::new(),
        }
        .root(failed, &candidates, p)
    };
    let value = programme(&mut |a, f| model.p_mean(a, f, w));
    let greedy = argmax(&value);
    let p_pass: Vec<f64> = candidates
        .iter()
        .map(|&a| model.p_mean(a, failed, w))
        .collect();
    let mut sampled = || {
        let mut drawn: HashMap<(usize, ArmSet), f64> = HashMap::new();
        programme(&mut |a, f| {
            *drawn.entry((a, f)).or_insert_with(|| {
                let (al, be) = model.cell(a, f, w);
                Beta::new(al, be)
                    .map(|d| d.sample(&mut *rng))
                    .unwrap_or(al / (al + be))
            })
        })
    };
    let n = draws.max(1) as usize;
    let rows: Vec<Vec<f64>> = (0..n).map(|_| sampled()).collect();
    let (chosen, propensity, p_best, rule) = match rule {
        Rule::Ids => {
            let theta: Vec<f64> = rows.concat();
            let (plan, p_best) = ids_from_draws(&theta, k);
            let arm = plan.draw(rng.gen());
            (arm, plan.weight(arm), p_best, Rule::Ids)
        }
        Rule::Thompson => {
            // The pick is the first draw's best; the others estimate p_best,
            // counting the pick so that its propensity is never zero.
            let pick = argmax(&rows[0]);
            let mut wins = vec![0.0; k];
            wins[pick] += 1.0;
            for r in &rows[1..] {
                wins[argmax(r)] += 1.0;
            }
            let total = n as f64;
            let p_best: Vec<f64> = wins.iter().map(|w| w / total).collect();
            (pick, p_best[pick], p_best, Rule::Thompson)
        }
    };
    let stop = failed != 0 && value[greedy] <= 0.0;
    let explored = chosen != greedy;
    let base = CascadePick {
        arm: Some(candidates[chosen]),
        greedy: candidates[greedy],
        explored,
        propensity,
        capped: false,
        p_best,
        value,
        p_pass,
        rule,
    };
    if stop {
        return CascadePick {
            arm: None,
            explored: false,
            propensity: 1.0,
            ..base
        };
    }
    if explored && !cap.allows(recent_explored) {
        return CascadePick {
            arm: Some(candidates[greedy]),
            explored: false,
            propensity: Plan::single(greedy).weight(greedy),
            capped: true,
            ..base
        };
    }
    base
}

/// Index of the largest value; ties go to the lower index.
fn argmax(xs: &[f64]) -> usize {
    (1..xs.len()).fold(0, |b, i| if xs[i] > xs[b] { i } else { b })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn params(lambda: f64, max_attempts: u32) -> CascadeParams {
        CascadeParams {
            lambda,
            latency_weight: 0.0,
            max_attempts,
            pool_weight: POOL_WEIGHT,
        }
    }

    fn cap() -> ExplorationCap {
        ExplorationCap {
            cap: 1.0,
            window: 100,
        }
    }

    /// Arm 0: cheap, passes 60 %; arm 1: dear, passes 75 %, and passes half
    /// of the tasks arm 0 fails.
    fn learned() -> CascadeModel {
        let mut m = CascadeModel::new(2);
        m.cost = vec![0.03, 0.7];
        for i in 0..1000 {
            let cheap = i % 10 < 6;
            m.observe(0, 0, cheap);
            m.observe(1, 0, i % 4 != 0);
            if !cheap {
                m.observe(1, bit(0), i % 2 == 0);
            }
        }
        m
    }

    #[test]
    fn the_programme_values_escalation() {
        let m = learned();
        let p = params(0.5, 2);
        let mut prog = Programme {
            model: &m,
            params: &p,
            eligible: &[0, 1],
            value: HashMap::new(),
        };
        let v = prog.root(0, &[0, 1], &mut |a, f| m.p_mean(a, f, POOL_WEIGHT));
        // Cheap first, dear on failure: 0.6 − 0.015 + 0.4·max(0, 0.5 − 0.35).
        let p0 = m.p_mean(0, 0, POOL_WEIGHT);
        let p10 = m.p_mean(1, bit(0), POOL_WEIGHT);
        let expect = p0 - 0.5 * 0.03 + (1.0 - p0) * (p10 - 0.35);
        assert!((v[0] - expect).abs() < 1e-12, "{v:?} {expect}");
        assert!(v[0] > v[1], "{v:?}");
    }

    #[test]
    fn first_attempt_goes_cheap_and_escalates_on_failure() {
        let m = learned();
        let mut rng = StdRng::seed_from_u64(7);
        let p = params(0.5, 2);
        let first = pick(Rule::Thompson, &m, &p, 0, &[0, 1], cap(), 0, 200, &mut rng);
        assert_eq!(first.arm, Some(0));
        assert_eq!(first.greedy, 0);
        let second = pick(
            Rule::Thompson,
            &m,
            &p,
            bit(0),
            &[0, 1],
            cap(),
            0,
            200,
            &mut rng,
        );
        assert_eq!(second.arm, Some(1));
        assert_eq!(second.p_best, vec![1.0]);
    }

    #[test]
    fn a_later_attempt_not_worth_its_cost_stops() {
        let m = learned();
        let mut rng = StdRng::seed_from_u64(7);
        // At λ = 2 arm 1 costs 1.4 pass units for a 0.5 chance.
        let p = params(2.0, 2);
        let second = pick(
            Rule::Thompson,
            &m,
            &p,
            bit(0),
            &[0, 1],
            cap(),
            0,
            100,
            &mut rng,
        );
        assert_eq!(second.arm, None);
        // The first attempt is always made.
        let first = pick(Rule::Ids, &m, &p, 0, &[0, 1], cap(), 0, 100, &mut rng);
        assert!(first.arm.is_some());
    }

    #[test]
    fn sparse_cells_borrow_from_the_arm() {
        let mut m = CascadeModel::new(2);
        for i in 0..100 {
            m.observe(1, 0, i % 5 != 0);
        }
        // No attempt of arm 1 after arm 0 failed: the arm's rate (0.8) stands in.
        let p = m.p_mean(1, bit(0), POOL_WEIGHT);
        assert!((p - 81.0 / 102.0).abs() < 1e-12, "{p}");
        // Three failures in the cell pull it down, but not to zero.
        for _ in 0..3 {
            m.observe(1, bit(0), false);
        }
        let p = m.p_mean(1, bit(0), POOL_WEIGHT);
        assert!(p > 0.2 && p < 0.45, "{p}");
    }

    #[test]
    fn the_cap_forces_the_greedy_arm() {
        let m = CascadeModel::new(3);
        let mut rng = StdRng::seed_from_u64(1);
        let tight = ExplorationCap {
            cap: 0.0,
            window: 100,
        };
        for _ in 0..50 {
            let c = pick(
                Rule::Thompson,
                &m,
                &params(0.5, 3),
                0,
                &[0, 1, 2],
                tight,
                0,
                10,
                &mut rng,
            );
            assert_eq!(c.arm, Some(c.greedy));
            assert!(!c.explored);
        }
    }

    #[test]
    fn thompson_propensity_matches_the_pick_frequency() {
        let mut m = CascadeModel::new(2);
        m.cost = vec![0.1, 0.1];
        for i in 0..10 {
            m.observe(0, 0, i % 2 == 0);
            m.observe(1, 0, i % 3 == 0);
        }
        let mut rng = StdRng::seed_from_u64(3);
        let mut count = 0.0;
        let mut prop = 0.0;
        let n = 4000;
        for _ in 0..n {
            let c = pick(
                Rule::Thompson,
                &m,
                &params(0.5, 1),
                0,
                &[0, 1],
                cap(),
                0,
                400,
                &mut rng,
            );
            if c.arm == Some(0) {
                count += 1.0;
            }
            prop += c.p_best[0];
        }
        let (freq, est) = (count / f64::from(n), prop / f64::from(n));
        assert!((freq - est).abs() < 0.03, "{freq} vs {est}");
    }
}
