//! `maestro replay`.

use super::Ctx;
use crate::bandit::replay::{replay, PolicySpec, ReplayData, ReplaySettings};
use crate::bandit::{policy, Objective, Rule};
use crate::config::MAX_ATTEMPTS;
use crate::error::{input, Result};
use crate::router::ope::Target;
use crate::router::render;
use crate::units::MAX_USD;
use clap::Args;
use std::path::PathBuf;

/// `maestro replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// CSV with instance_id, arm, resolved|eval, cost_usd.
    #[arg(
        long,
        required_unless_present = "from_state",
        conflicts_with = "from_state"
    )]
    pub data: Option<PathBuf>,
    /// Off-policy evaluation: estimate what the router with --lambda,
    /// --policy ts|ids, --exploration-cap and --half-life would have achieved
    /// on the decisions logged in the state (IPS, self-normalised IPS, doubly
    /// robust, with 95% intervals).
    #[arg(long)]
    pub from_state: bool,
    /// Policies to compare: ts, ids, cascade-ts, cascade-ids, seed, ucb1,
    /// egreedy[:EPS], fixed:ARM, chain:A>B>C (repeatable or comma-separated;
    /// default ts,seed). With --from-state: the rule, ts or ids.
    #[arg(long = "policy", value_delimiter = ',')]
    pub policies: Vec<String>,
    /// With --from-state: the exploration cap to evaluate (default: the config's).
    #[arg(long, requires = "from_state")]
    pub exploration_cap: Option<f64>,
    /// With --from-state: the evidence half-life to evaluate (default: the config's).
    #[arg(long, requires = "from_state")]
    pub half_life: Option<f64>,
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
    /// config's router.max_attempts, or 3 when that is 1). With
    /// --from-state: also show the logged tasks cut to K attempts.
    #[arg(long, value_name = "K")]
    pub max_attempts: Option<u32>,
}

/// Replays routing policies on logged outcomes and prints the comparison.
pub fn exec(ctx: &Ctx, args: ReplayArgs) -> Result<i32> {
    if args.from_state {
        return from_state(ctx, &args);
    }
    let names = if args.policies.is_empty() {
        vec!["ts".to_string(), "seed".to_string()]
    } else {
        args.policies.clone()
    };
    let policies = names
        .iter()
        .map(|p| {
            p.parse::<PolicySpec>()
                .map_err(|e| input(format!("--policy: {e}")))
        })
        .collect::<Result<Vec<_>>>()?;
    if args.tasks == 0 || args.seeds == 0 {
        return Err(input("--tasks and --seeds must be at least 1"));
    }
    let path = args.data.as_deref().unwrap_or(std::path::Path::new("-"));
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| input(format!("{name}: cannot open: {e}")))?;
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
    let md = crate::bandit::replay::render::markdown(&report);
    ctx.out.summary(&md)?;
    ctx.out.result(
        &report,
        &crate::bandit::replay::render::text(&report),
        Some(&md),
    )?;
    Ok(0)
}

/// `replay --from-state`: off-policy evaluation of another configuration on
/// the state's own log.
fn from_state(ctx: &Ctx, args: &ReplayArgs) -> Result<i32> {
    let r = &ctx.cfg().router;
    let rule = match args.policies.as_slice() {
        [] => r.policy,
        [p] if p == "ts" || p == "thompson" => Rule::Thompson,
        [p] if p == "ids" => Rule::Ids,
        _ => {
            return Err(input(format!(
                "--from-state evaluates one rule: --policy ts or --policy ids (got {})",
                args.policies.join(",")
            )))
        }
    };
    if args.min_eval.is_some() {
        return Err(input(
            "--from-state evaluates the reward objective: give --lambda, not --min-eval",
        ));
    }
    let lambda = args.lambda.unwrap_or(r.lambda);
    let cap = args.exploration_cap.unwrap_or(r.exploration_cap);
    let half_life = args.half_life.unwrap_or(r.half_life);
    if !(lambda.is_finite() && (0.0..=MAX_USD).contains(&lambda)) {
        return Err(input(format!(
            "--lambda {lambda} must be in [0, {MAX_USD}]"
        )));
    }
    if !(0.0..=1.0).contains(&cap) {
        return Err(input(format!("--exploration-cap {cap} must be in [0, 1]")));
    }
    if !(half_life.is_finite() && half_life >= 0.0) {
        return Err(input(format!("--half-life {half_life} must be ≥ 0")));
    }
    let target = Target {
        lambda,
        rule,
        exploration_cap: cap,
        window: r.window,
        half_life,
    };
    if let Some(k) = args
        .max_attempts
        .filter(|k| !(1..=MAX_ATTEMPTS).contains(k))
    {
        return Err(input(format!(
            "--max-attempts {k} must be in [1, {MAX_ATTEMPTS}]"
        )));
    }
    let mut rng = ctx.rng("replay --from-state");
    let report = ctx.read_state(|s| {
        let mut r =
            crate::router::ope::evaluate(s.conn(), ctx.cfg(), &target, policy::DRAWS, &mut rng)?;
        if let Some(k) = args.max_attempts {
            r.tasks = Some(crate::router::ope::truncated(
                s.conn(),
                ctx.cfg().router.pass_threshold,
                k,
            )?);
        }
        Ok(r)
    })?;
    for w in &report.warnings {
        ctx.out.warn(w);
    }
    let md = render::ope_markdown(&report);
    ctx.out.summary(&md)?;
    ctx.out
        .result(&report, &render::ope_text(&report), Some(&md))?;
    Ok(0)
}
