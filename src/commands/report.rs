//! `maestro report`.

use super::Ctx;
use crate::cli::ReportArgs;
use crate::clock::Clock;
use crate::error::Result;
use crate::router::{self, Outcome, ReportTarget};

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
    };
    let r = ctx.write_state(|s| router::report(s, ctx.cfg(), &target, &outcome, &Clock::now()))?;
    let text = format!(
        "{} decision {} (task {}, arm {}): eval {}, cost ${}, reward {:.4}",
        if r.duplicate {
            "already reported"
        } else {
            "reported"
        },
        r.decision_id,
        r.task,
        r.arm,
        r.outcome.eval,
        r.outcome.cost_usd,
        r.reward
    );
    ctx.out.result(&r, &text, None)?;
    Ok(0)
}
