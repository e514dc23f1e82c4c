//! `maestro arms add | list | retire`.

use super::args::named;
use super::Ctx;
use crate::clock::Clock;
use crate::config::ArmConfig;
use crate::config::Tier;
use crate::error::Result;
use crate::router::{self, render};
use clap::Subcommand;

/// `maestro arms …`.
#[derive(Debug, Subcommand)]
pub enum ArmsCommand {
    /// Add an arm (or re-activate a retired one).
    Add {
        /// Arm id, e.g. planner_v2+implementer_v3@small.
        id: String,
        /// Model tier.
        #[arg(long, value_parser = named::<Tier>(&Tier::NAMES))]
        tier: Tier,
        /// Prior mean eval in [0, 1].
        #[arg(long)]
        prior_eval: Option<f64>,
        /// Prior mean cost in USD.
        #[arg(long)]
        prior_cost: Option<f64>,
        /// How many observations the prior is worth.
        #[arg(long, default_value_t = 0.0)]
        prior_weight: f64,
    },
    /// List arms from the config and the state.
    List,
    /// Stop routing to an arm; its history is kept.
    Retire {
        /// Arm id.
        id: String,
    },
}

/// Runs an `arms` subcommand.
pub fn exec(ctx: &Ctx, cmd: ArmsCommand) -> Result<i32> {
    match cmd {
        ArmsCommand::Add {
            id,
            tier,
            prior_eval,
            prior_cost,
            prior_weight,
        } => {
            let arm = ArmConfig {
                id,
                tier,
                prior_eval,
                prior_cost,
                prior_weight,
                params: None,
            };
            let a = ctx.write_state(|s| router::add_arm(s, ctx.cfg(), &arm, &Clock::now()))?;
            ctx.out
                .result(&a, &format!("added arm {} (tier {})", a.id, a.tier), None)?;
        }
        ArmsCommand::Retire { id } => {
            let a = ctx.write_state(|s| router::retire_arm(s, ctx.cfg(), &id, &Clock::now()))?;
            ctx.out.result(&a, &format!("retired arm {}", a.id), None)?;
        }
        ArmsCommand::List => {
            let arms = ctx.read_state(|s| router::all_arms(s.conn(), ctx.cfg()))?;
            ctx.out.result(&arms, &render::arms_text(&arms), None)?;
        }
    }
    Ok(0)
}
