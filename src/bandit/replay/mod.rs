//! Offline replay of routing policies on logged per-task outcomes.
//!
//! Every arm has an outcome for every task, so the replay is exact: each step
//! draws a task uniformly at random, the policy picks an arm, and the logged
//! outcome of that arm on that task is what the policy observes.
//!
//! A warm start holds `warm_start` tasks out of each run and shows every
//! policy every arm's outcome on them first, as an offline evaluation before
//! going live would; the run then draws only from the remaining tasks.

pub mod data;
pub mod render;
pub mod runner;
pub mod spec;

pub use data::ReplayData;
pub use spec::PolicySpec;

use super::cascade;
use super::draw::fnv1a;
use super::policy::{ExplorationCap, Objective};
use crate::error::{input, Result};
use crate::percentile::nearest_rank;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use runner::Runner;
use serde::Serialize;
use std::collections::BTreeMap;

/// Router settings a replay runs with.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplaySettings {
    /// What the policies optimise.
    pub objective: Objective,
    /// λ used for the seed policy and for regret (reward units).
    pub lambda: f64,
    /// Exploration cap of the `ts` policy.
    pub cap: ExplorationCap,
    /// Evidence half-life of the `ts` policy, in decisions (0 = none).
    pub half_life: f64,
    /// Steps per run.
    pub tasks: usize,
    /// Number of runs (seeds 0..seeds).
    pub seeds: u64,
    /// Tasks held out of each run and evaluated on every arm beforehand.
    pub warm_start: usize,
    /// Attempts per task for the cascade policies.
    pub max_attempts: u32,
    /// An eval at or above this passes (cascades and chains).
    pub pass_threshold: f64,
    /// Penalty of each attempt after the first, in eval units (cascades).
    pub latency_weight: f64,
}

/// Posterior draws per `cascade-ids` attempt in a replay (each draw solves
/// the small programme over the remaining attempts); `route` uses `DRAWS`.
pub const CASCADE_IDS_DRAWS: u32 = 200;

/// Metrics of one run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct RunMetrics {
    /// Mean eval (pass rate for 0/1 outcomes).
    pub eval: f64,
    /// Mean cost per task in USD.
    pub cost_per_task: f64,
    /// Share of non-greedy picks.
    pub exploration: f64,
    /// Mean reward lost against the per-task oracle.
    pub regret_oracle: f64,
    /// Mean reward lost against the best fixed arm.
    pub regret_best_fixed: f64,
    /// USD per task including the warm-start evaluation, spread over the run.
    pub cost_per_task_with_warm_start: f64,
    /// Attempts per task.
    pub attempts: f64,
    /// 95th percentile of attempts per task.
    pub attempts_p95: f64,
}

/// Mean and standard deviation over seeds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct MeanSd {
    /// Mean over seeds.
    pub mean: f64,
    /// Sample standard deviation over seeds.
    pub sd: f64,
}

impl MeanSd {
    fn of(xs: &[f64]) -> MeanSd {
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let sd = if xs.len() > 1 {
            (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
        } else {
            0.0
        };
        MeanSd { mean, sd }
    }
}

/// Summary of one policy over all seeds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PolicyReport {
    /// The policy, as given on the command line.
    pub policy: String,
    /// Mean eval.
    pub eval: MeanSd,
    /// USD per task.
    pub cost_per_task: MeanSd,
    /// USD per task including the warm-start evaluation, spread over the run.
    pub cost_per_task_with_warm_start: MeanSd,
    /// Share of non-greedy picks (attempts, for cascades).
    pub exploration: MeanSd,
    /// Attempts per task.
    pub attempts: MeanSd,
    /// 95th percentile of attempts per task, per run.
    pub attempts_p95: MeanSd,
    /// Regret per task against the per-task oracle (reward units).
    pub regret_oracle: MeanSd,
    /// Regret per task against the best fixed arm (reward units).
    pub regret_best_fixed: MeanSd,
    /// Share of attempts per arm, over all seeds.
    pub arm_share: BTreeMap<String, f64>,
    /// The most common escalation paths (arms in order, joined by `>`) with
    /// their share of tasks, for policies that make more than one attempt.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<(String, f64)>,
}

/// The whole replay result.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReplayReport {
    /// Number of distinct tasks in the data.
    pub tasks_in_data: usize,
    /// Steps per run.
    pub steps: usize,
    /// Runs per policy.
    pub seeds: u64,
    /// Tasks held out of each run and evaluated on every arm beforehand.
    pub warm_start: usize,
    /// The objective, in words.
    pub objective: String,
    /// λ used for regret.
    pub lambda: f64,
    /// The best fixed arm under the objective, with its mean eval and cost.
    pub best_fixed: FixedArm,
    /// One entry per policy.
    pub policies: Vec<PolicyReport>,
}

/// An arm with its mean outcome over the data.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FixedArm {
    /// Arm id.
    pub arm: String,
    /// Mean eval.
    pub eval: f64,
    /// Mean cost in USD.
    pub cost_per_task: f64,
}

/// Replays every policy for every seed.
pub fn replay(
    data: &ReplayData,
    policies: &[PolicySpec],
    s: &ReplaySettings,
) -> Result<ReplayReport> {
    for p in policies {
        if let Some(a) = p.named_arms().iter().find(|a| !data.arms.contains(a)) {
            return Err(input(format!(
                "unknown arm `{a}` in policy {p} (arms: {})",
                data.arms.join(", ")
            )));
        }
    }
    if data.arms.len() > cascade::MAX_ARMS
        && policies
            .iter()
            .any(|p| matches!(p, PolicySpec::CascadeTs | PolicySpec::CascadeIds))
    {
        return Err(input(format!(
            "cascade policies route between at most {} arms; the data has {} (use --arms)",
            cascade::MAX_ARMS,
            data.arms.len()
        )));
    }
    if s.warm_start >= data.tasks.len() {
        return Err(input(format!(
            "--warm-start {} leaves no task to replay (the data has {})",
            s.warm_start,
            data.tasks.len()
        )));
    }
    let (means_e, means_c) = data.arm_means();
    let best = s.objective.choose(&means_e, &means_c);
    let reward = |t: usize, a: usize| data.eval[t][a] - s.lambda * data.cost[t][a];
    let oracle: Vec<f64> = (0..data.tasks.len())
        .map(|t| {
            (0..data.arms.len())
                .map(|a| reward(t, a))
                .fold(f64::NEG_INFINITY, f64::max)
        })
        .collect();

    let mut reports = Vec::new();
    for spec in policies {
        let mut runs = Vec::new();
        let mut share = vec![0.0; data.arms.len()];
        let mut paths: BTreeMap<Vec<usize>, f64> = BTreeMap::new();
        let mut attempts_total = 0.0;
        for seed in 0..s.seeds {
            let mut task_rng = StdRng::seed_from_u64(seed);
            let mut rng = StdRng::seed_from_u64(seed ^ fnv1a(&spec.to_string()));
            let mut policy = Runner::new(spec, data, s);
            let mut m = RunMetrics::default();
            let mut order: Vec<usize> = (0..data.tasks.len()).collect();
            if s.warm_start > 0 {
                order.shuffle(&mut task_rng);
            }
            let (warm, pool) = order.split_at(s.warm_start);
            let mut warm_cost = 0.0;
            for &t in warm {
                for a in 0..data.arms.len() {
                    policy.observe(a, data.eval[t][a], data.cost[t][a], &mut rng);
                    warm_cost += data.cost[t][a];
                }
            }
            let mut attempts = Vec::with_capacity(s.tasks);
            let mut explored = 0.0;
            for _ in 0..s.tasks {
                let t = pool[task_rng.gen_range(0..pool.len())];
                let run = policy.task(t, data, &mut rng);
                for &a in &run.arms {
                    share[a] += 1.0;
                }
                let r = run.eval - s.lambda * run.cost;
                m.eval += run.eval;
                m.cost_per_task += run.cost;
                explored += f64::from(run.explored);
                m.regret_oracle += oracle[t] - r;
                m.regret_best_fixed += reward(t, best) - r;
                attempts.push(run.arms.len());
                *paths.entry(run.arms).or_default() += 1.0;
            }
            let n = s.tasks as f64;
            let tried: usize = attempts.iter().sum();
            attempts_total += tried as f64;
            attempts.sort_unstable();
            m.attempts = tried as f64 / n;
            m.attempts_p95 = nearest_rank(&attempts, 0.95) as f64;
            m.eval /= n;
            m.cost_per_task /= n;
            m.cost_per_task_with_warm_start = m.cost_per_task + warm_cost / n;
            m.exploration = explored / tried.max(1) as f64;
            m.regret_oracle /= n;
            m.regret_best_fixed /= n;
            runs.push(m);
        }
        let col = |f: fn(&RunMetrics) -> f64| MeanSd::of(&runs.iter().map(f).collect::<Vec<_>>());
        let total: f64 = share.iter().sum();
        let tasks_total = s.tasks as f64 * s.seeds as f64;
        let mut paths: Vec<(String, f64)> = if attempts_total > tasks_total {
            paths
                .into_iter()
                .map(|(arms, c)| {
                    let names: Vec<&str> = arms.iter().map(|&a| data.arms[a].as_str()).collect();
                    (names.join(">"), c / tasks_total)
                })
                .collect()
        } else {
            Vec::new()
        };
        paths.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        paths.truncate(10);
        reports.push(PolicyReport {
            policy: spec.to_string(),
            eval: col(|m| m.eval),
            cost_per_task: col(|m| m.cost_per_task),
            cost_per_task_with_warm_start: col(|m| m.cost_per_task_with_warm_start),
            exploration: col(|m| m.exploration),
            attempts: col(|m| m.attempts),
            attempts_p95: col(|m| m.attempts_p95),
            regret_oracle: col(|m| m.regret_oracle),
            regret_best_fixed: col(|m| m.regret_best_fixed),
            arm_share: data
                .arms
                .iter()
                .zip(&share)
                .filter(|(_, &c)| c > 0.0)
                .map(|(a, &c)| (a.clone(), c / total))
                .collect(),
            paths,
        });
    }
    Ok(ReplayReport {
        tasks_in_data: data.tasks.len(),
        steps: s.tasks,
        seeds: s.seeds,
        warm_start: s.warm_start,
        objective: s.objective.describe(),
        lambda: s.lambda,
        best_fixed: FixedArm {
            arm: data.arms[best].clone(),
            eval: means_e[best],
            cost_per_task: means_c[best],
        },
        policies: reports,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn synthetic() -> ReplayData {
        // Arm a: always resolves, costs 1.0; arm b: resolves 80%, costs 0.1;
        // arm c: resolves 20%, costs 0.05.
        let mut csv = String::from("instance_id,arm,resolved,cost_usd\n");
        for t in 0..50 {
            csv += &format!("t{t},a,1,1.0\n");
            csv += &format!("t{t},b,{},0.1\n", u8::from(t % 5 != 0));
            csv += &format!("t{t},c,{},0.05\n", u8::from(t % 5 == 0));
        }
        ReplayData::from_csv(csv.as_bytes(), "synthetic.csv", None).unwrap()
    }

    fn settings(objective: Objective) -> ReplaySettings {
        ReplaySettings {
            objective,
            lambda: 0.5,
            cap: ExplorationCap {
                cap: 0.2,
                window: 100,
            },
            half_life: 0.0,
            tasks: 600,
            seeds: 4,
            warm_start: 0,
            max_attempts: 1,
            pass_threshold: 0.5,
            latency_weight: 0.0,
        }
    }

    #[test]
    fn ts_and_ids_converge_to_the_best_arm_and_beat_the_seed() {
        let data = synthetic();
        let r = replay(
            &data,
            &[PolicySpec::Ts, PolicySpec::Ids, PolicySpec::Seed],
            &settings(Objective::Reward { lambda: 0.5 }),
        )
        .unwrap();
        assert_eq!(r.best_fixed.arm, "b");
        let seed = &r.policies[2];
        for p in &r.policies[..2] {
            assert!(p.arm_share["b"] > 0.8, "{}: {:?}", p.policy, p.arm_share);
            assert!(p.exploration.mean <= 0.2);
            assert!(p.regret_best_fixed.mean < seed.regret_best_fixed.mean);
        }
    }

    #[test]
    fn min_cost_objective_respects_the_floor() {
        let data = synthetic();
        let r = replay(
            &data,
            &[PolicySpec::Ts],
            &settings(Objective::MinCost { min_eval: 0.9 }),
        )
        .unwrap();
        assert_eq!(r.best_fixed.arm, "a");
        assert!(r.policies[0].eval.mean > 0.9, "{:?}", r.policies[0]);
    }

    #[test]
    fn fixed_policy_reproduces_the_arm_means() {
        let data = synthetic();
        let r = replay(
            &data,
            &[PolicySpec::Fixed("a".into())],
            &settings(Objective::Reward { lambda: 0.5 }),
        )
        .unwrap();
        assert_eq!(r.policies[0].eval.mean, 1.0);
        assert!((r.policies[0].cost_per_task.mean - 1.0).abs() < 1e-9);
        assert_eq!(r.policies[0].exploration.mean, 0.0);
    }

    #[test]
    fn warm_start_is_held_out_charged_and_informative() {
        let data = synthetic();
        let mut s = settings(Objective::Reward { lambda: 0.5 });
        s.warm_start = 10;
        let r = replay(&data, &[PolicySpec::Fixed("a".into()), PolicySpec::Ts], &s).unwrap();
        let fixed = &r.policies[0];
        assert!((fixed.cost_per_task.mean - 1.0).abs() < 1e-9);
        // Ten tasks on all three arms, spread over 600 steps.
        let warm = 10.0 * (1.0 + 0.1 + 0.05) / 600.0;
        assert!((fixed.cost_per_task_with_warm_start.mean - 1.0 - warm).abs() < 1e-9);
        // Having seen every arm on ten tasks, TS explores less than cold.
        let cold = replay(
            &data,
            &[PolicySpec::Ts],
            &settings(Objective::Reward { lambda: 0.5 }),
        )
        .unwrap();
        assert!(
            r.policies[1].regret_best_fixed.mean < cold.policies[0].regret_best_fixed.mean,
            "warm {:?} cold {:?}",
            r.policies[1],
            cold.policies[0]
        );
        s.warm_start = data.tasks.len();
        let err = replay(&data, &[PolicySpec::Ts], &s)
            .unwrap_err()
            .to_string();
        assert!(err.contains("--warm-start 50"), "{err}");
    }

    /// Arm `cheap` (0.02) passes 60 % of tasks, `dear` (1.0) passes 70 %,
    /// and between them they pass 90 %: escalating from cheap to dear is
    /// worth 0.9 − 0.5·(0.02 + 0.4·1.0) = 0.69 per task at λ = 0.5, more
    /// than either arm alone (0.59, 0.2).
    fn escalation_data() -> ReplayData {
        let mut csv = String::from("instance_id,arm,resolved,cost_usd\n");
        for t in 0..100 {
            let cheap = t % 10 < 6;
            let dear = (2..9).contains(&(t % 10));
            csv += &format!("t{t},cheap,{},0.02\n", u8::from(cheap));
            csv += &format!("t{t},dear,{},1.0\n", u8::from(dear));
            csv += &format!("t{t},bad,0,0.5\n");
        }
        ReplayData::from_csv(csv.as_bytes(), "escalation.csv", None).unwrap()
    }

    #[test]
    fn cascades_learn_to_escalate_and_chains_replay_exactly() {
        let data = escalation_data();
        let (e, c) = data.arm_means();
        let mut s = settings(Objective::Reward { lambda: 0.5 });
        s.max_attempts = 2;
        s.tasks = 600;
        let r = replay(
            &data,
            &[
                PolicySpec::CascadeTs,
                PolicySpec::CascadeIds,
                PolicySpec::Chain(vec!["cheap".into(), "dear".into()]),
                PolicySpec::Ts,
            ],
            &s,
        )
        .unwrap();
        let chain = &r.policies[2];
        // The chain's pass rate is the share of tasks either arm passes.
        let either = (0..100)
            .filter(|&t| data.eval[t][0] + data.eval[t][1] > 0.0)
            .count() as f64
            / 100.0;
        assert!((chain.eval.mean - either).abs() < 0.05, "{chain:?}");
        assert!(chain.attempts.mean > 1.0 && chain.attempts_p95.mean == 2.0);
        let ts = &r.policies[3];
        for p in &r.policies[..2] {
            // Better than any single arm on pass rate, cheaper than the dear one.
            assert!(
                p.eval.mean > e[0].max(e[1]) + 0.05,
                "{}: {:?}",
                p.policy,
                p.eval
            );
            assert!(
                p.cost_per_task.mean < c[1] * 0.6,
                "{}: {:?}",
                p.policy,
                p.cost_per_task
            );
            assert!(
                p.regret_best_fixed.mean < ts.regret_best_fixed.mean,
                "{p:?} vs {ts:?}"
            );
            assert!(p.attempts.mean <= 2.0 && p.exploration.mean <= 0.2 + 1e-9);
            assert_eq!(p.paths[0].0, "cheap", "{:?}", p.paths);
            assert_eq!(p.paths[1].0, "cheap>dear", "{:?}", p.paths);
        }
        // Single-attempt policies make one attempt and list no paths.
        assert_eq!(ts.attempts.mean, 1.0);
        assert!(ts.paths.is_empty());
    }

    #[test]
    fn incomplete_data_is_rejected_with_the_arm_named() {
        let csv = "instance_id,arm,resolved,cost_usd\nt1,a,1,0.1\nt1,b,0,0.1\nt2,a,1,0.1\n";
        let err = ReplayData::from_csv(csv.as_bytes(), "x.csv", None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("x.csv") && err.contains("`b`"), "{err}");
    }

    #[test]
    fn bad_values_name_the_line() {
        let csv = "instance_id,arm,resolved,cost_usd\nt1,a,1.5,0.1\n";
        let err = ReplayData::from_csv(csv.as_bytes(), "x.csv", None)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("x.csv:2:"), "{err}");
        let csv = "instance_id,arm,cost_usd\n";
        let err = ReplayData::from_csv(csv.as_bytes(), "x.csv", None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("missing column"), "{err}");
    }

    #[test]
    fn policy_specs_parse() {
        assert_eq!(
            "egreedy:0.2".parse::<PolicySpec>(),
            Ok(PolicySpec::EGreedy(0.2))
        );
        assert_eq!(
            "fixed:x".parse::<PolicySpec>(),
            Ok(PolicySpec::Fixed("x".into()))
        );
        assert!("fixed:".parse::<PolicySpec>().is_err());
        assert!("nope".parse::<PolicySpec>().is_err());
        assert_eq!(
            "chain:a>b".parse::<PolicySpec>(),
            Ok(PolicySpec::Chain(vec!["a".into(), "b".into()]))
        );
        assert!("chain:a>".parse::<PolicySpec>().is_err());
        for s in [
            "ts",
            "ids",
            "seed",
            "ucb1",
            "cascade-ts",
            "cascade-ids",
            "chain:a>b",
        ] {
            assert_eq!(s.parse::<PolicySpec>().unwrap().to_string(), s);
        }
    }
}
