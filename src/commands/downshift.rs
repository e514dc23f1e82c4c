//! `maestro downshift on | off | status`.

use super::Ctx;
use crate::clock::Clock;
use crate::error::Result;
use crate::router::{self, render};
use clap::Subcommand;
use serde::Serialize;

/// `maestro downshift …`.
#[derive(Debug, Subcommand)]
pub enum DownshiftCommand {
    /// Route only to the downshift tiers until turned off.
    On {
        /// Why (recorded in the audit table).
        #[arg(long)]
        reason: String,
        /// Who (default: $GITHUB_ACTOR, then $USER).
        #[arg(long)]
        actor: Option<String>,
    },
    /// Route to all tiers again.
    Off {
        /// Why.
        #[arg(long, default_value = "manual")]
        reason: String,
        /// Who (default: $GITHUB_ACTOR, then $USER).
        #[arg(long)]
        actor: Option<String>,
    },
    /// Current state and the audit trail.
    Status {
        /// Audit rows to show.
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
}

#[derive(Serialize)]
struct Status {
    active: bool,
    changed: Option<bool>,
    audit: Vec<router::AuditEntry>,
}

/// Runs a `downshift` subcommand.
pub fn exec(ctx: &Ctx, cmd: DownshiftCommand) -> Result<i32> {
    let clock = Clock::now();
    let (active, reason, who) = match cmd {
        DownshiftCommand::On { reason, actor: a } => (true, reason, ctx.actor(a)),
        DownshiftCommand::Off { reason, actor: a } => (false, reason, ctx.actor(a)),
        DownshiftCommand::Status { limit } => {
            let (audit, state) = ctx.read_state(|s| {
                Ok((
                    router::audit_log(s.conn(), limit)?,
                    router::downshift_state(s.conn())?,
                ))
            })?;
            let text = render::downshift_status_text(&state, &audit);
            ctx.out.result(
                &Status {
                    active: state.active,
                    changed: None,
                    audit,
                },
                &text,
                None,
            )?;
            return Ok(0);
        }
    };
    let changed = ctx.write_state(|s| router::set_downshift(s, active, &reason, &who, &clock))?;
    let text = render::downshift_change_text(active, changed, &reason, &who);
    // `true`/`false`, as `slo evaluate` sets it.
    ctx.out.outputs(&[("downshift", active.to_string())])?;
    ctx.out.result(
        &Status {
            active,
            changed: Some(changed),
            audit: Vec::new(),
        },
        &text,
        None,
    )?;
    Ok(0)
}
