//! `maestro replay`.

use super::Ctx;
use crate::bandit::replay::{replay, PolicySpec, ReplayData, ReplayReport, ReplaySettings};
use crate::bandit::Objective;
use crate::error::{input, Result};
use crate::output::markdown::{table, text_table};
use clap::Args;
use std::path::PathBuf;

/// `maestro replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// CSV with instance_id, arm, resolved|eval, cost_usd.
    #[arg(long)]
    pub data: PathBuf,
    /// Policies to compare: ts, seed, ucb1, egreedy[:EPS], fixed:ARM (repeatable).
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
        (None, Some(l)) if !(l.is_finite() && l >= 0.0) => {
            return Err(input(format!("--lambda {l} must be >= 0")))
        }
        (None, Some(l)) => Objective::Reward { lambda: l },
        (None, None) => r.objective(),
    };
    let settings = ReplaySettings {
        objective,
        lambda,
        cap: r.cap(),
        half_life: r.half_life,
        tasks: args.tasks,
        seeds: args.seeds,
        warm_start: args.warm_start,
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
    let md = markdown(&report);
    ctx.out.summary(&md)?;
    ctx.out.result(&report, &text(&report), Some(&md))?;
    Ok(0)
}

const HEADER: [&str; 6] = [
    "POLICY",
    "EVAL",
    "$/TASK",
    "EXPLORATION",
    "REGRET/ORACLE",
    "REGRET/BEST-FIXED",
];

/// The table header; with a warm start, a column for $/task including it.
fn header(r: &ReplayReport) -> Vec<&'static str> {
    let mut h = HEADER.to_vec();
    if r.warm_start > 0 {
        h.insert(3, "$/TASK+WARM");
    }
    h
}

fn rows(r: &ReplayReport) -> Vec<Vec<String>> {
    let f = |m: &crate::bandit::replay::MeanSd, d: usize| format!("{:.d$} ± {:.d$}", m.mean, m.sd);
    r.policies
        .iter()
        .map(|p| {
            let mut row = vec![
                p.policy.clone(),
                f(&p.eval, 4),
                f(&p.cost_per_task, 4),
                f(&p.exploration, 3),
                f(&p.regret_oracle, 4),
                f(&p.regret_best_fixed, 4),
            ];
            if r.warm_start > 0 {
                row.insert(3, f(&p.cost_per_task_with_warm_start, 4));
            }
            row
        })
        .collect()
}

fn headline(r: &ReplayReport) -> String {
    let warm = if r.warm_start > 0 {
        format!(
            "; warm start: every arm evaluated on {} held-out tasks first",
            r.warm_start
        )
    } else {
        String::new()
    };
    format!(
        "{} steps × {} seeds on {} tasks{warm}; objective: {}; regret in reward units (λ = {})\nbest fixed arm: {} (eval {:.4}, ${:.4}/task)",
        r.steps, r.seeds, r.tasks_in_data, r.objective, r.lambda, r.best_fixed.arm, r.best_fixed.eval, r.best_fixed.cost_per_task
    )
}

fn text(r: &ReplayReport) -> String {
    format!("{}\n\n{}", headline(r), text_table(&header(r), &rows(r)))
}

fn markdown(r: &ReplayReport) -> String {
    format!(
        "### maestro replay\n\n{}\n\n{}",
        headline(r).replace('\n', "\n\n"),
        table(&header(r), &rows(r))
    )
}
