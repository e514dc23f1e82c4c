//! `maestro route`.

use super::args::key_value;
use super::Ctx;
use crate::clock::Clock;
use crate::error::Result;
use crate::router::{self, render, RouteRequest, Routed};
use clap::Args;

/// `maestro route`.
#[derive(Debug, Args)]
pub struct RouteArgs {
    /// Task id (e.g. the PR or issue id).
    #[arg(long)]
    pub task: String,
    /// Context for the task, recorded with the decision (repeatable).
    #[arg(long = "context", value_name = "KEY=VALUE", value_parser = key_value)]
    pub context: Vec<(String, String)>,
    /// Make a fresh decision even if the task has a pending one; with
    /// escalation, start a new chain of attempts at attempt 1.
    #[arg(long)]
    pub new: bool,
}

/// Picks an arm for the task and prints the decision.
pub fn exec(ctx: &Ctx, args: RouteArgs) -> Result<i32> {
    let req = RouteRequest {
        task: args.task,
        context: args.context.into_iter().collect(),
        fresh: args.new,
    };
    let mut rng = ctx.rng(&req.task);
    let routed = ctx.write_state(|s| router::route(s, ctx.cfg(), &req, &Clock::now(), &mut rng))?;
    let d = match routed {
        Routed::Decision(d) => d,
        Routed::Done(f) => {
            ctx.out.outputs(&[
                ("done", "true".into()),
                (
                    "done_reason",
                    serde_json::to_value(f.reason)?
                        .as_str()
                        .unwrap_or_default()
                        .into(),
                ),
                ("passed", f.passed.to_string()),
                ("attempt", f.attempts.len().to_string()),
            ])?;
            ctx.out.result_headline(&f, &render::finished_text(&f))?;
            return Ok(0);
        }
    };
    if let Some(reason) = &d.downshift.reason {
        ctx.out.warn(&format!("routing restricted: {reason}"));
    }
    ctx.out.outputs(&[
        ("arm", d.arm.clone()),
        ("decision_id", d.decision_id.clone()),
        ("tier", d.tier.to_string()),
        ("explored", d.explored.to_string()),
        ("attempt", d.attempt.to_string()),
        ("done", "false".into()),
    ])?;
    ctx.out.result_headline(&d, &render::decision_text(&d))?;
    Ok(0)
}
