//! Coverage of the off-policy estimates with the router's own rules: the
//! logging router is Thompson sampling at λ = 0.5 (propensities estimated
//! from 1000 posterior draws, as `route` logs them), the target is Thompson
//! sampling or IDS at λ = 0.1, on three arms with known pass rates and costs,
//! so the target's true value at every logged state is known.
//!
//! `cargo run --release --example ope_coverage -- [RUNS] [STEPS] [ts|ids]`
//! (env: `LT` the target's λ, default 0.1; `LOG_DRAWS` draws per logged
//! propensity, default `route`'s 1000)

use maestro::bandit::ope::{estimate, overlap, warnings, Step, Z95};
use maestro::bandit::policy::{self, ids, p_best, ExplorationCap, Objective, Rule};
use maestro::bandit::{Evidence, Posterior, Prior};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let runs: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(200);
    let steps: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(500);
    let rule = match args.get(3).map(String::as_str) {
        Some("ids") => Rule::Ids,
        _ => Rule::Thompson,
    };
    // Draws behind each logged propensity (`route` uses policy::DRAWS).
    let log_draws: u32 = std::env::var("LOG_DRAWS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(policy::DRAWS);
    let p_pass = [0.55, 0.7, 0.8];
    let cost = [0.05, 0.3, 0.8];
    let lambda_log = 0.5;
    let lambda_target: f64 = std::env::var("LT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0.1);
    let cap = ExplorationCap {
        cap: 1.0,
        window: 100,
    };
    let mut covered = [0usize; 3];
    let mut err = [0.0f64; 3];
    // Runs without a warning: how many, and how often DR covered.
    let (mut quiet, mut quiet_covered) = (0usize, 0usize);
    for seed in 0..runs {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut ev = vec![Evidence::default(); 3];
        let mut log = Vec::new();
        let mut truth = 0.0;
        for t in 0..steps {
            let posts: Vec<Posterior> = ev
                .iter()
                .map(|e| Posterior::new(&Prior::default(), e))
                .collect();
            let logging = Objective::Reward { lambda: lambda_log };
            let pick = policy::pick(
                Rule::Thompson,
                &logging,
                &posts,
                cap,
                0,
                log_draws,
                &mut rng,
            );
            let target = Objective::Reward {
                lambda: lambda_target,
            };
            let pi: Vec<f64> = match rule {
                Rule::Thompson => p_best(&target, &posts, policy::DRAWS, &mut rng),
                Rule::Ids => {
                    let (mix, _) = ids(lambda_target, &posts, policy::DRAWS, &mut rng);
                    (0..3).map(|k| mix.weight(k)).collect()
                }
            };
            let q: Vec<f64> = posts
                .iter()
                .map(|p| p.mean_eval() - lambda_target * p.mean_cost())
                .collect();
            truth += (0..3)
                .map(|a| pi[a] * (p_pass[a] - lambda_target * cost[a]))
                .sum::<f64>();
            let a = pick.arm;
            let e = rng.gen::<f64>() < p_pass[a];
            let c = cost[a] * rng.gen_range(0.5..1.5);
            log.push(Step {
                logged: pick.propensity,
                target: pi[a],
                value: f64::from(u8::from(e)) - lambda_target * c,
                q_played: q[a],
                q_target: (0..3).map(|k| pi[k] * q[k]).sum(),
                unsupported: (0..3)
                    .filter(|&k| pick.p_best[k] < maestro::bandit::ope::RARE)
                    .map(|k| pi[k])
                    .sum(),
            });
            ev[a].observe(t as u64, 0.0, e, c);
        }
        let truth = truth / steps as f64;
        let est = estimate(&log, Z95);
        let o = overlap(&log);
        if warnings(&o).is_empty() {
            quiet += 1;
            quiet_covered += usize::from(est.dr.covers(truth));
        }
        for (i, e) in [est.ips, est.snips, est.dr].iter().enumerate() {
            covered[i] += usize::from(e.covers(truth));
            err[i] += (e.value - truth).abs();
        }
    }
    let n = runs as f64;
    println!("{runs} runs × {steps} steps, target {rule:?} at λ = {lambda_target}, logging TS at λ = {lambda_log}");
    for (i, name) in ["ips", "snips", "dr"].iter().enumerate() {
        println!(
            "{name:6} coverage {:.3}  mean |error| {:.4}",
            covered[i] as f64 / n,
            err[i] / n
        );
    }
    println!(
        "runs without a warning: {quiet}; DR coverage among them {:.3}",
        quiet_covered as f64 / quiet.max(1) as f64
    );
}
