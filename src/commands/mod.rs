//! One file per subcommand, in cargo's shape: its `#[derive(Args)]` struct(s)
//! and an `exec` that calls the domain and hands the result to
//! [`crate::output`]. This module holds [`Ctx`], what every `exec` gets.

pub mod args;
pub mod arms;
pub mod bench_gate;
pub mod bump;
pub mod cache;
pub mod completions;
pub mod config;
pub mod downshift;
pub mod env_hash;
pub mod evolve;
pub mod exec;
pub mod graph;
pub mod kpi;
pub mod pii_scan;
pub mod pr_report;
pub mod replay;
pub mod report;
pub mod repro;
pub mod risk;
pub mod route;
pub mod sbom;
pub mod sbom_diff;
pub mod scale;
pub mod slo;
pub mod stats;

use crate::bandit::draw::fnv1a;
use crate::config::{Config, Resolved};
use crate::error::Result;
use crate::output::Output;
use crate::state::location::StateLocation;
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
    /// A file the user named (against the working directory), or an input
    /// error naming it as they wrote it.
    pub fn read_file(&self, p: &std::path::Path) -> Result<String> {
        std::fs::read_to_string(self.cwd.join(p))
            .map_err(|e| crate::error::input(format!("{}: {e}", p.display())))
    }

    /// A JSON file the user named; malformed JSON is an input error naming
    /// the file and line.
    pub fn read_json(&self, p: &std::path::Path) -> Result<serde_json::Value> {
        serde_json::from_str(&self.read_file(p)?).map_err(|e| {
            crate::error::input(format!("{}: line {}: not JSON: {e}", p.display(), e.line()))
        })
    }

    /// The configuration values.
    pub fn cfg(&self) -> &Config {
        &self.resolved.config
    }

    /// Where the state lives.
    pub fn state(&self) -> Result<StateLocation> {
        let spec = &self.cfg().state;
        StateLocation::parse(spec, &self.resolved.base("state", spec, &self.cwd))
    }

    /// Runs `f` on the state for writing (see [`StateLocation::write`]).
    pub fn write_state<T>(&self, f: impl FnMut(&mut Store) -> Result<T>) -> Result<T> {
        let state = self.state()?;
        self.out.debug(&format!("state: {}", state.label()));
        state.write(f)
    }

    /// Runs `f` on the state read-only (a missing state reads as empty).
    pub fn read_state<T>(&self, f: impl FnOnce(&Store) -> Result<T>) -> Result<T> {
        self.state()?.read(f)
    }

    /// The RNG: seeded from `router.seed` mixed with `salt` when set, else from the OS.
    pub fn rng(&self, salt: &str) -> StdRng {
        match self.cfg().router.seed {
            Some(s) => StdRng::seed_from_u64(s ^ fnv1a(salt)),
            None => StdRng::from_entropy(),
        }
    }

    /// Who is acting: an explicit value, else `$GITHUB_ACTOR`, else `$USER`.
    pub fn actor(&self, explicit: Option<String>) -> String {
        explicit
            .or_else(|| std::env::var("GITHUB_ACTOR").ok())
            .or_else(|| std::env::var("USER").ok())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "unknown".into())
    }
}
