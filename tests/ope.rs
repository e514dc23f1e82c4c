//! Off-policy evaluation: interval coverage on simulated logs whose target
//! value is known, and `replay --from-state` on a real state.

mod common;
use common::Project;
use maestro::bandit::ope::{estimate, Step, Z95};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Softmax of `beta · x`.
fn softmax(x: &[f64], beta: f64) -> Vec<f64> {
    let m = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = x.iter().map(|v| (beta * (v - m)).exp()).collect();
    let s: f64 = e.iter().sum();
    e.iter().map(|v| v / s).collect()
}

fn draw(p: &[f64], u: f64) -> usize {
    let mut acc = 0.0;
    for (i, w) in p.iter().enumerate() {
        acc += w;
        if u < acc {
            return i;
        }
    }
    p.len() - 1
}

/// One simulated log: a learning router (softmax on its running means of
/// eval − 0.5·cost) routes 500 tasks over three arms with Bernoulli evals
/// and noisy costs; the target is a softmax at λ = 0.1 on the same running
/// means. Returns (true target value, IPS error, DR error, DR covers).
fn run(seed: u64) -> (f64, f64, f64, bool) {
    let mut rng = StdRng::seed_from_u64(seed);
    let p_pass = [0.55, 0.7, 0.8];
    let cost = [0.05, 0.3, 0.8];
    let (lambda_log, lambda_target) = (0.5, 0.1);
    let mut n = [1.0f64; 3];
    let mut eval_sum = [0.6f64; 3];
    let mut cost_sum = [0.3f64; 3];
    let mut steps = Vec::new();
    let mut truth = 0.0;
    let t_max = 500;
    for _ in 0..t_max {
        let m_eval: Vec<f64> = (0..3).map(|a| eval_sum[a] / n[a]).collect();
        let m_cost: Vec<f64> = (0..3).map(|a| cost_sum[a] / n[a]).collect();
        let q = |l: f64| -> Vec<f64> { (0..3).map(|a| m_eval[a] - l * m_cost[a]).collect() };
        let mu = softmax(&q(lambda_log), 8.0);
        let pi = softmax(&q(lambda_target), 8.0);
        let q_t = q(lambda_target);
        truth += (0..3)
            .map(|a| pi[a] * (p_pass[a] - lambda_target * cost[a]))
            .sum::<f64>();
        let a = draw(&mu, rng.gen());
        let e = f64::from(u8::from(rng.gen::<f64>() < p_pass[a]));
        let c = cost[a] * rng.gen_range(0.5..1.5);
        steps.push(Step {
            logged: mu[a],
            target: pi[a],
            value: e - lambda_target * c,
            q_played: q_t[a],
            q_target: (0..3).map(|k| pi[k] * q_t[k]).sum(),
            unsupported: (0..3).filter(|&k| mu[k] < 0.01).map(|k| pi[k]).sum(),
        });
        n[a] += 1.0;
        eval_sum[a] += e;
        cost_sum[a] += c;
    }
    let truth = truth / f64::from(t_max);
    let est = estimate(&steps, Z95);
    (
        truth,
        (est.ips.value - truth).abs(),
        (est.dr.value - truth).abs(),
        est.dr.covers(truth),
    )
}

#[test]
fn doubly_robust_intervals_cover_the_true_value_and_beat_ips() {
    let runs: Vec<_> = (0..200).map(run).collect();
    let covered = runs.iter().filter(|r| r.3).count() as f64 / 200.0;
    let ips_err = runs.iter().map(|r| r.1).sum::<f64>() / 200.0;
    let dr_err = runs.iter().map(|r| r.2).sum::<f64>() / 200.0;
    eprintln!("DR coverage {covered:.3}, mean |error| DR {dr_err:.4}, IPS {ips_err:.4}");
    assert!(covered >= 0.93, "DR 95% interval covered {covered}");
    assert!(dr_err <= ips_err, "DR {dr_err} vs IPS {ips_err}");
}

const ARMS: &str = r#"
[router]
seed = 11

[[arms]]
id = "cheap@small"
tier = "small"

[[arms]]
id = "dear@large"
tier = "large"
"#;

#[test]
fn replay_from_state_estimates_another_lambda_on_the_log() {
    let p = Project::new(ARMS);
    for i in 0..60 {
        let task = format!("T{i}");
        let d = p.json(&["route", "--task", &task]);
        let (eval, cost) = if d["arm"] == "cheap@small" {
            (if i % 3 == 0 { "0" } else { "1" }, "0.05")
        } else {
            ("1", "0.9")
        };
        p.json(&["report", "--task", &task, "--eval", eval, "--cost", cost]);
    }
    // One pending decision is left out as unreported.
    p.json(&["route", "--task", "open"]);
    let same = p.json(&["replay", "--from-state"]);
    assert_eq!(same["decisions"], 60);
    assert_eq!(same["left_out"]["unreported"], 1);
    let observed = same["observed"]["reward"].as_f64().unwrap();
    let dr = same["reward"]["dr"]["value"].as_f64().unwrap();
    // The logging configuration itself: weights near 1, estimate near what happened.
    assert!((dr - observed).abs() < 0.05, "{dr} vs {observed}");
    assert!(same["overlap"]["n_eff"].as_f64().unwrap() > 50.0);

    let other = p.json(&["replay", "--from-state", "--lambda", "0", "--policy", "ids"]);
    assert_eq!(other["target"]["lambda"], 0.0);
    assert_eq!(other["target"]["rule"], "ids");
    for m in ["eval", "cost_usd", "reward"] {
        for e in ["ips", "snips", "dr"] {
            let x = &other[m][e];
            assert!(
                x["lo"].as_f64().unwrap() <= x["value"].as_f64().unwrap()
                    && x["value"].as_f64().unwrap() <= x["hi"].as_f64().unwrap(),
                "{m} {e}: {x}"
            );
        }
    }
    // Bad targets are input errors.
    for args in [
        &["replay", "--from-state", "--policy", "ucb1"][..],
        &["replay", "--from-state", "--exploration-cap", "2"][..],
        &["replay", "--from-state", "--min-eval", "0.7"][..],
    ] {
        let out = p.cmd().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}
