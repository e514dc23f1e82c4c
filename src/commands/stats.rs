//! `maestro stats`.

use super::Ctx;
use crate::clock::Clock;
use crate::error::Result;
use crate::router::{self, render};
use clap::Args;

/// `maestro stats`.
#[derive(Debug, Args)]
pub struct StatsArgs {}

/// Prints router statistics; in Actions also writes them to the step summary.
pub fn exec(ctx: &Ctx, _: StatsArgs) -> Result<i32> {
    let mut rng = ctx.rng("stats");
    let s = ctx.read_state(|st| router::stats(st.conn(), ctx.cfg(), &Clock::now(), &mut rng))?;
    let md = render::stats_markdown(&s);
    ctx.out.summary(&md)?;
    ctx.out.result(&s, &render::stats_text(&s), Some(&md))?;
    Ok(0)
}
