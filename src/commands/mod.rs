//! One file per subcommand family: arguments in, one library call, output
//! out. No domain logic lives here.

pub mod arms;
pub mod bench_gate;
pub mod cache;
pub mod completions;
pub mod config;
pub mod downshift;
pub mod env_hash;
pub mod pii_scan;
pub mod replay;
pub mod report;
pub mod repro;
pub mod route;
pub mod sbom_diff;
pub mod stats;

use crate::bandit::draw::fnv1a;
use crate::cli::{Cli, Command};
use crate::config::{Config, Overrides, Resolved};
use crate::error::{input, Result};
use crate::output::{Format, Output};
use crate::state::{sync, Store};
use crate::storage::s3::{S3Settings, S3Store};
use crate::storage::Location;
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

    /// Runs `f` on the state for writing. With `s3://` state this downloads
    /// the state, applies `f`, and uploads with `If-Match`, applying `f` again
    /// on the winner's state whenever another writer got there first.
    pub fn write_state<T>(&self, mut f: impl FnMut(&mut Store) -> Result<T>) -> Result<T> {
        match self.state_location()? {
            Location::Local(p) => {
                let p = self.local_state_path(p);
                self.out.debug(&format!("state: {}", p.display()));
                f(&mut Store::open(&p)?)
            }
            Location::S3 { bucket, key } => {
                let label = format!("s3://{bucket}/{key}");
                self.out.debug(&format!("state: {label}"));
                let s3 = S3Store::new(&bucket, "", &S3Settings::from_env()?)?;
                sync::Remote {
                    store: &s3,
                    key: &key,
                    label: &label,
                }
                .update(f)
            }
        }
    }

    /// Runs `f` on the state read-only (a missing state reads as empty).
    /// Never uploads.
    pub fn read_state<T>(&self, f: impl FnOnce(&Store) -> Result<T>) -> Result<T> {
        match self.state_location()? {
            Location::Local(p) => f(&Store::open_read(&self.local_state_path(p))?),
            Location::S3 { bucket, key } => {
                let label = format!("s3://{bucket}/{key}");
                let s3 = S3Store::new(&bucket, "", &S3Settings::from_env()?)?;
                sync::Remote {
                    store: &s3,
                    key: &key,
                    label: &label,
                }
                .read(f)
            }
        }
    }

    /// Where the state lives: the resolved local path or the `s3://` URL.
    pub fn state_label(&self) -> Result<String> {
        Ok(match self.state_location()? {
            Location::Local(p) => self.local_state_path(p).display().to_string(),
            s3 => s3.to_string(),
        })
    }

    /// A local state path: `file://PATH` as written, anything else resolved
    /// against the config file's directory or the working directory.
    fn local_state_path(&self, parsed: PathBuf) -> PathBuf {
        if self.cfg().state.starts_with("file://") {
            self.cwd.join(parsed)
        } else {
            self.resolved.state_path(&self.cwd)
        }
    }

    fn state_location(&self) -> Result<Location> {
        let loc = Location::parse(&self.cfg().state, "state location")?;
        if let Location::S3 { key, .. } = &loc {
            if key.is_empty() || key.ends_with('/') {
                return Err(input(format!(
                    "state location `{}`: needs an object key, e.g. s3://bucket/maestro/state.db",
                    self.cfg().state
                )));
            }
        }
        Ok(loc)
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
        Command::EnvHash(a) => env_hash::exec(&ctx, a),
        Command::Cache(a) => cache::exec(&ctx, a),
        Command::Repro(a) => repro::exec(&ctx, a),
        Command::BenchGate(a) => bench_gate::exec(&ctx, a),
        Command::SbomDiff(a) => sbom_diff::exec(&ctx, a),
        Command::PiiScan(a) => pii_scan::exec(&ctx, a),
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
