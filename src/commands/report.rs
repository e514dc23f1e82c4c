//! `maestro report`.

use super::Ctx;
use crate::clock::Clock;
use crate::error::Result;
use crate::router::{self, render, Outcome, ReportTarget};
use clap::Args;

/// `maestro report`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("target").required(true).args(["task", "decision"]))]
pub struct ReportArgs {
    /// Report the task's latest decision.
    #[arg(long)]
    pub task: Option<String>,
    /// Report a decision by id.
    #[arg(long)]
    pub decision: Option<String>,
    /// Eval score in [0, 1].
    #[arg(long = "eval", allow_negative_numbers = true)]
    pub eval: f64,
    /// Cost in USD (>= 0).
    #[arg(long = "cost", value_name = "USD", allow_negative_numbers = true)]
    pub cost: f64,
    /// Prompt tokens.
    #[arg(long)]
    pub tokens_in: Option<u64>,
    /// Completion tokens.
    #[arg(long)]
    pub tokens_out: Option<u64>,
    /// The eval on perturbed inputs, in [0, 1]: `pr-report` shows the
    /// robustness delta (this minus --eval).
    #[arg(long, allow_negative_numbers = true)]
    pub eval_robust: Option<f64>,
}

/// Records the outcome of a routed task.
pub fn exec(ctx: &Ctx, args: ReportArgs) -> Result<i32> {
    let target = match (args.decision, args.task) {
        (Some(d), _) => ReportTarget::Decision(d),
        (None, Some(t)) => ReportTarget::Task(t),
        (None, None) => unreachable!("clap requires --task or --decision"),
    };
    let outcome = Outcome {
        eval: args.eval,
        cost_usd: args.cost,
        tokens_in: args.tokens_in,
        tokens_out: args.tokens_out,
        eval_robust: args.eval_robust,
    };
    let r = ctx.write_state(|s| router::report(s, ctx.cfg(), &target, &outcome, &Clock::now()))?;
    ctx.out.outputs(&[
        ("passed", r.passed.to_string()),
        ("escalate", r.escalate.to_string()),
        ("attempt", r.attempt.to_string()),
    ])?;
    ctx.out.result(&r, &render::reported_text(&r), None)?;
    Ok(0)
}
