//! `maestro repro compare | run`.

use super::Ctx;
use crate::error::{input, Result, EXIT_GATE, EXIT_OK};
use crate::output::markdown::text_table;
use crate::repro::{self, Comparison, Status};
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
        ctx.out
            .warn("repro: no artifacts matched; check --glob/--artifacts");
    }
    let pass = c.rate >= min_rate;
    ctx.out
        .outputs(&[("reproducible_rate", format!("{:.4}", c.rate))])?;
    ctx.out.result(&c, &text(&c, min_rate, pass), None)?;
    Ok(if pass { EXIT_OK } else { EXIT_GATE })
}

fn text(c: &Comparison, min_rate: f64, pass: bool) -> String {
    let rows: Vec<Vec<String>> = c
        .artifacts
        .iter()
        .filter(|a| a.status != Status::Identical)
        .map(|a| {
            let size = |s: Option<u64>| s.map_or("-".into(), |v| v.to_string());
            vec![
                a.path.clone(),
                serde_json::to_value(&a.status)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                size(a.size_a),
                size(a.size_b),
                a.first_difference.map_or("-".into(), |o| o.to_string()),
            ]
        })
        .collect();
    let table = if rows.is_empty() {
        String::new()
    } else {
        text_table(
            &["ARTIFACT", "STATUS", "SIZE A", "SIZE B", "FIRST DIFF"],
            &rows,
        )
    };
    format!(
        "{table}reproducible: {}/{} = {:.1}% (minimum {:.1}%): {}",
        c.identical,
        c.total,
        c.rate * 100.0,
        min_rate * 100.0,
        if pass { "pass" } else { "FAIL" }
    )
}
