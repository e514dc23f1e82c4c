//! One file per subcommand family: arguments in, one library call, output
//! out. No domain logic lives here.

pub mod arms;
pub mod completions;
pub mod config;
pub mod downshift;
pub mod replay;
pub mod report;
pub mod route;
pub mod stats;

use crate::bandit::replay::fnv1a;
use crate::cli::{Cli, Command};
use crate::config::{Config, Overrides, Resolved};
use crate::error::{input, Result};
use crate::output::{Format, Output};
use crate::state::Store;
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::path::PathBuf;

/// What every command gets: output settings and the resolved configuration.
pub struct Ctx {
    /// Where results and diagnostics go.
    pub out: Output,
    /// The working directory.
    pub cwd: PathBuf,
    /// Configuration with sources.
    pub resolved: Resolved,
}

impl Ctx {
    /// The configuration values.
    pub fn cfg(&self) -> &Config {
        &self.resolved.config
    }

    /// The local state path; remote locations are refused with a clear error.
    pub fn state_path(&self) -> Result<PathBuf> {
        let loc = &self.cfg().state;
        if let Some((scheme, _)) = loc.split_once("://") {
            return Err(input(format!(
                "state location `{loc}`: `{scheme}://` state is not supported by this build; use a local path"
            )));
        }
        Ok(self.resolved.state_path(&self.cwd))
    }

    /// Opens the state for writing.
    pub fn store(&self) -> Result<Store> {
        let p = self.state_path()?;
        self.out.debug(&format!("state: {}", p.display()));
        Store::open(&p)
    }

    /// Opens the state read-only (a missing file reads as empty).
    pub fn store_read(&self) -> Result<Store> {
        Store::open_read(&self.state_path()?)
    }

    /// The RNG: seeded from `router.seed` mixed with `salt` when set, else from the OS.
    pub fn rng(&self, salt: &str) -> StdRng {
        match self.cfg().router.seed {
            Some(s) => StdRng::seed_from_u64(s ^ fnv1a(salt)),
            None => StdRng::from_entropy(),
        }
    }
}

/// Runs the parsed command line; returns the exit code.
pub fn run(cli: Cli) -> Result<i32> {
    let format = if cli.json { Format::Json } else { Format::Text };
    let out = Output::new(format, cli.quiet, cli.verbose);
    if let Command::Completions { shell } = &cli.command {
        return completions::exec(*shell);
    }
    let cwd = std::env::current_dir()
        .map_err(|e| input(format!("cannot read the working directory: {e}")))?;
    let overrides = Overrides {
        config_file: cli.config.clone(),
        state: cli.state.clone(),
    };
    let resolved = Resolved::load(&cwd, &overrides)?;
    let ctx = Ctx { out, cwd, resolved };
    match cli.command {
        Command::Route(a) => route::exec(&ctx, a),
        Command::Report(a) => report::exec(&ctx, a),
        Command::Arms(a) => arms::exec(&ctx, a),
        Command::Stats(a) => stats::exec(&ctx, a),
        Command::Replay(a) => replay::exec(&ctx, a),
        Command::Downshift(a) => downshift::exec(&ctx, a),
        Command::Config(a) => config::exec(&ctx, a),
        Command::Completions { .. } => unreachable!("handled above"),
    }
}

/// Who is acting: an explicit value, else `$GITHUB_ACTOR`, else `$USER`.
pub fn actor(explicit: Option<String>) -> String {
    explicit
        .or_else(|| std::env::var("GITHUB_ACTOR").ok())
        .or_else(|| std::env::var("USER").ok())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".into())
}
