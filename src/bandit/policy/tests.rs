//! Tests of the objectives, the decision rules and the exploration cap.

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
