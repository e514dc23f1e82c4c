//! `maestro repro compare | run`.

use super::Ctx;
use crate::error::{input, Result, EXIT_GATE, EXIT_OK};
use crate::repro::{self, render};
use clap::Subcommand;
use std::path::PathBuf;

/// `maestro repro`.
#[derive(Debug, Subcommand)]
pub enum ReproCommand {
    /// Compare the files of two directories; exit 1 below --min-rate.
    Compare {
        /// First tree.
        dir_a: PathBuf,
        /// Second tree.
        dir_b: PathBuf,
        /// Only files matching this glob, relative to each tree (repeatable).
        #[arg(long = "glob", value_name = "PATTERN")]
        globs: Vec<String>,
        /// Minimum reproducible rate.
        #[arg(long, default_value_t = 0.95)]
        min_rate: f64,
    },
    /// Build twice in two clean copies of the working tree and compare the
    /// artifacts; exit 1 below --min-rate.
    Run {
        /// Artifacts to compare, relative to the tree (repeatable).
        #[arg(long = "artifacts", value_name = "GLOB", required = true)]
        artifacts: Vec<String>,
        /// Minimum reproducible rate.
        #[arg(long, default_value_t = 0.95)]
        min_rate: f64,
        /// The build command.
        #[arg(last = true, required = true, value_name = "BUILD_CMD")]
        cmd: Vec<String>,
    },
}

/// Runs a `repro` subcommand.
pub fn exec(ctx: &Ctx, cmd: ReproCommand) -> Result<i32> {
    let (c, min_rate) = match cmd {
        ReproCommand::Compare {
            dir_a,
            dir_b,
            globs,
            min_rate,
        } => (
            repro::compare(&ctx.cwd.join(dir_a), &ctx.cwd.join(dir_b), &globs)?,
            min_rate,
        ),
        ReproCommand::Run {
            artifacts,
            min_rate,
            cmd,
        } => (repro::build_twice(&ctx.cwd, &cmd, &artifacts)?, min_rate),
    };
    if !(0.0..=1.0).contains(&min_rate) {
        return Err(input(format!("--min-rate {min_rate}: must be in [0, 1]")));
    }
    if c.total == 0 {
        // Nothing compared is not "100% reproducible".
        return Err(input(
            "repro: no artifacts matched, nothing to compare; check --glob/--artifacts",
        ));
    }
    let pass = c.rate >= min_rate;
    ctx.out
        .outputs(&[("reproducible_rate", format!("{:.4}", c.rate))])?;
    ctx.out
        .result(&c, &render::text(&c, min_rate, pass), None)?;
    Ok(if pass { EXIT_OK } else { EXIT_GATE })
}
