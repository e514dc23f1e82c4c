//! `maestro replay`.

use super::Ctx;
use crate::bandit::replay::{render, replay, PolicySpec, ReplayData, ReplaySettings};
use crate::bandit::Objective;
use crate::config::MAX_ATTEMPTS;
use crate::error::{input, Result};
use crate::units::MAX_USD;
use clap::Args;
use std::path::PathBuf;

/// `maestro replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// CSV with instance_id, arm, resolved|eval, cost_usd.
    #[arg(long)]
    pub data: PathBuf,
    /// Policies to compare: ts, ids, cascade-ts, cascade-ids, seed, ucb1,
    /// egreedy[:EPS], fixed:ARM, chain:A>B>C (repeatable or comma-separated).
    #[arg(long = "policy", value_delimiter = ',', default_values = ["ts", "seed"])]
    pub policies: Vec<String>,
    /// Only these arms (comma-separated); default all in the file.
    #[arg(long, value_delimiter = ',')]
    pub arms: Vec<String>,
    /// Steps (tasks drawn) per run.
    #[arg(long, default_value_t = 2000)]
    pub tasks: usize,
    /// Runs per policy, with seeds 0..K.
    #[arg(long, default_value_t = 10)]
    pub seeds: u64,
    /// Reward objective with this λ (overrides the config).
    #[arg(long, conflicts_with = "min_eval")]
    pub lambda: Option<f64>,
    /// Min-cost objective with this quality floor (overrides the config).
    #[arg(long)]
    pub min_eval: Option<f64>,
    /// Hold N tasks out of each run and show every policy every arm's outcome
    /// on them first (an offline evaluation before going live).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub warm_start: usize,
    /// Attempts per task for cascade-ts and cascade-ids (default: the
    /// config's router.max_attempts, or 3 when that is 1).
    #[arg(long, value_name = "K")]
    pub max_attempts: Option<u32>,
}

/// Replays routing policies on logged outcomes and prints the comparison.
pub fn exec(ctx: &Ctx, args: ReplayArgs) -> Result<i32> {
    let policies = args
        .policies
        .iter()
        .map(|p| {
            p.parse::<PolicySpec>()
                .map_err(|e| input(format!("--policy: {e}")))
        })
        .collect::<Result<Vec<_>>>()?;
    if args.tasks == 0 || args.seeds == 0 {
        return Err(input("--tasks and --seeds must be at least 1"));
    }
    let name = args.data.display().to_string();
    let file =
        std::fs::File::open(&args.data).map_err(|e| input(format!("{name}: cannot open: {e}")))?;
    let keep = (!args.arms.is_empty()).then_some(args.arms.as_slice());
    let data = ReplayData::from_csv(std::io::BufReader::new(file), &name, keep)?;
    let r = &ctx.cfg().router;
    let lambda = args.lambda.unwrap_or(r.lambda);
    let objective = match (args.min_eval, args.lambda) {
        (Some(m), _) if !(0.0..=1.0).contains(&m) => {
            return Err(input(format!("--min-eval {m} must be in [0, 1]")))
        }
        (Some(m), _) => Objective::MinCost { min_eval: m },
        (None, Some(l)) if !(l.is_finite() && (0.0..=MAX_USD).contains(&l)) => {
            return Err(input(format!("--lambda {l} must be in [0, {MAX_USD}]")))
        }
        (None, Some(l)) => Objective::Reward { lambda: l },
        (None, None) => r.objective(),
    };
    let max_attempts = match args.max_attempts {
        Some(k) if !(1..=MAX_ATTEMPTS).contains(&k) => {
            return Err(input(format!(
                "--max-attempts {k} must be in [1, {MAX_ATTEMPTS}]"
            )))
        }
        Some(k) => k,
        None if r.max_attempts > 1 => r.max_attempts,
        None => 3,
    };
    let settings = ReplaySettings {
        objective,
        lambda,
        cap: r.cap(),
        half_life: r.half_life,
        tasks: args.tasks,
        seeds: args.seeds,
        warm_start: args.warm_start,
        max_attempts,
        pass_threshold: r.pass_threshold,
        latency_weight: r.latency_weight,
    };
    ctx.out.note(&format!(
        "replaying {} {} × {} seeds × {} steps on {} tasks × {} arms",
        policies.len(),
        if policies.len() == 1 {
            "policy"
        } else {
            "policies"
        },
        args.seeds,
        args.tasks,
        data.tasks.len(),
        data.arms.len()
    ));
    let report = replay(&data, &policies, &settings)?;
    let md = render::markdown(&report);
    ctx.out.summary(&md)?;
    ctx.out.result(&report, &render::text(&report), Some(&md))?;
    Ok(0)
}
