//! The command line: global flags, the `Command` enum, and `run()`, which
//! resolves the configuration and dispatches. Each subcommand's arguments and
//! `exec` live in its own file under [`crate::commands`].

use crate::commands::{self, Ctx};
use crate::config::{Overrides, Resolved};
use crate::error::{input, Result};
use crate::output::{Format, Output};
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// maestro: a self-tuning AI-agent delivery pipeline, one CI step at a time.
#[derive(Debug, Parser)]
#[command(name = "maestro", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Print one JSON document instead of text (the same as `--format json`).
    #[arg(long, global = true, conflicts_with = "format")]
    pub json: bool,
    /// Result format on stdout; each subcommand takes those that apply to it.
    #[arg(long, global = true, value_enum)]
    pub format: Option<OutputFormat>,
    /// State location: a SQLite path (default .maestro/state.db) or s3://bucket/key.
    #[arg(long, global = true, value_name = "LOCATION")]
    pub state: Option<String>,
    /// Config file (default: the nearest maestro.toml walking up).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Only print results and errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// More diagnostics on stderr.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// `--format`: how results are printed on stdout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Text for people (the default).
    Text,
    /// One JSON document.
    Json,
    /// Markdown for a PR comment or a step summary.
    Markdown,
    /// SARIF 2.1.0 for code scanning.
    Sarif,
}

impl From<OutputFormat> for Format {
    fn from(f: OutputFormat) -> Format {
        match f {
            OutputFormat::Text => Format::Text,
            OutputFormat::Json => Format::Json,
            OutputFormat::Markdown => Format::Markdown,
            OutputFormat::Sarif => Format::Sarif,
        }
    }
}

/// Every subcommand.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Pick an arm (agent chain × model) for a task.
    Route(commands::route::RouteArgs),
    /// Report a task's eval score and cost so the router learns.
    Report(commands::report::ReportArgs),
    /// Add, list or retire arms.
    #[command(subcommand)]
    Arms(commands::arms::ArmsCommand),
    /// Per-arm statistics, exploration share, spend and downshift state.
    Stats(commands::stats::StatsArgs),
    /// Run an agent, validate its JSON output against a JSON Schema, retry with the reasons.
    Exec(commands::exec::ExecArgs),
    /// One pull-request comment: arm and alternatives, eval, cost, risk, impact, SBOM, benchmarks, PII.
    PrReport(commands::pr_report::PrReportArgs),
    /// Evaluate routing policies offline on logged per-task outcomes.
    Replay(commands::replay::ReplayArgs),
    /// Restrict routing to cheaper tiers, or lift the restriction.
    #[command(subcommand)]
    Downshift(commands::downshift::DownshiftCommand),
    /// Show the resolved configuration.
    #[command(subcommand)]
    Config(commands::config::ConfigCommand),
    /// Hash lockfiles, toolchain versions and env vars into one cache key.
    EnvHash(commands::env_hash::EnvHashArgs),
    /// Remote build cache: put, get, stats, gc.
    #[command(subcommand)]
    Cache(commands::cache::CacheCommand),
    /// SBOM drift between a base and a head SBOM (components added, removed, changed; unscannable ones).
    SbomDiff(commands::sbom_diff::SbomDiffArgs),
    /// Apply the upgrades that clear known advisories with the ecosystem's own tools, verified by a re-scan.
    Bump(commands::bump::BumpArgs),
    /// SBOMs from lockfiles: `sbom generate` writes CycloneDX 1.6 JSON.
    #[command(subcommand)]
    Sbom(commands::sbom::SbomCommand),
    /// PII values in text and PII fields flowing to unsafe sinks in code.
    PiiScan(commands::pii_scan::PiiScanArgs),
    /// Gate on benchmark regressions: base vs head rounds, exit 1 only on a real one.
    BenchGate(commands::bench_gate::BenchGateArgs),
    /// The engineering knowledge graph: ingest git history, CODEOWNERS, JUnit runs, lockfiles, incidents and pull requests; impact, stats, coupling, hotspots, centrality.
    #[command(subcommand)]
    Graph(commands::graph::GraphCommand),
    /// Change risk: train a calibrated model on labelled changes, measure it, score a change with reasons.
    #[command(subcommand)]
    Risk(commands::risk::RiskCommand),
    /// Service level objectives: error-budget burn, downshift on burn, a deploy gate, the audit trail.
    #[command(subcommand)]
    Slo(commands::slo::SloCommand),
    /// Prompt evolution: optimise agent parameters on a scenario registry, prove the lift on held-out scenarios, deploy the winners as arms.
    #[command(subcommand)]
    Evolve(commands::evolve::EvolveCommand),
    /// Autoscaling the agent workers: simulate KEDA and the HPA over the job queue.
    #[command(subcommand)]
    Scale(commands::scale::ScaleCommand),
    /// Reproducible-build checks: compare two artifact trees, or build twice.
    #[command(subcommand)]
    Repro(commands::repro::ReproCommand),
    /// The pipeline's key figures over a window, each beside its target: eval, cost, autonomous PRs, exploration, schema validity, cache, downshift, time to remediate.
    Kpi(commands::kpi::KpiArgs),
    /// Print a shell completion script.
    Completions(commands::completions::CompletionsArgs),
    /// Print the manual page (roff), or write one per command with --dir.
    Man(commands::completions::ManArgs),
}

impl Command {
    /// The `--format`s this subcommand prints.
    fn formats(&self) -> &'static [Format] {
        use Format::*;
        match self {
            Command::Stats(_)
            | Command::Replay(_)
            | Command::BenchGate(_)
            | Command::PrReport(_)
            | Command::Kpi(_) => &[Text, Json, Markdown],
            Command::SbomDiff(a) if a.command.is_some() => &[Text, Json, Markdown],
            Command::SbomDiff(_) => &[Text, Json, Markdown, Sarif],
            Command::PiiScan(a) if a.command.is_some() => &[Text, Json],
            Command::PiiScan(_) => &[Text, Json, Markdown, Sarif],
            Command::Graph(commands::graph::GraphCommand::Impact(_))
            | Command::Risk(commands::risk::RiskCommand::Evaluate(_))
            | Command::Slo(commands::slo::SloCommand::Burn(_))
            | Command::Slo(commands::slo::SloCommand::Evaluate(_)) => &[Text, Json, Markdown],
            _ => &[Text, Json],
        }
    }
}

/// Parses the process's command line (exits with clap's usage message and
/// code 2 on bad usage).
pub fn parse() -> Cli {
    Cli::parse()
}

/// Runs the parsed command line; returns the exit code.
pub fn run(cli: Cli) -> Result<i32> {
    // One TLS provider for the process: rustls cannot pick one on its own
    // when two are linked (neo4rs brings ring, the AWS SDK aws-lc-rs), and
    // Bolt over TLS and `pr-report --post` ask it for the default.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let format = match (cli.json, cli.format) {
        (true, _) => Format::Json,
        (false, Some(f)) => f.into(),
        (false, None) => Format::Text,
    };
    if !cli.command.formats().contains(&format) {
        let names: Vec<&str> = cli.command.formats().iter().map(|f| f.name()).collect();
        return Err(input(format!(
            "--format {}: this subcommand prints {}",
            format.name(),
            names.join(", ")
        )));
    }
    let out = Output::new(format, cli.quiet, cli.verbose);
    match &cli.command {
        Command::Completions(a) => return commands::completions::exec(&out, a, Cli::command()),
        Command::Man(a) => return commands::completions::man(&out, a, Cli::command()),
        _ => {}
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
        Command::Route(a) => commands::route::exec(&ctx, a),
        Command::Report(a) => commands::report::exec(&ctx, a),
        Command::Arms(a) => commands::arms::exec(&ctx, a),
        Command::Stats(a) => commands::stats::exec(&ctx, a),
        Command::Exec(a) => commands::exec::exec(&ctx, a),
        Command::PrReport(a) => commands::pr_report::exec(&ctx, a),
        Command::Replay(a) => commands::replay::exec(&ctx, a),
        Command::Slo(a) => commands::slo::exec(&ctx, a),
        Command::Scale(a) => commands::scale::exec(&ctx, a),
        Command::Evolve(a) => commands::evolve::exec(&ctx, a),
        Command::Downshift(a) => commands::downshift::exec(&ctx, a),
        Command::Config(a) => commands::config::exec(&ctx, a),
        Command::EnvHash(a) => commands::env_hash::exec(&ctx, a),
        Command::Cache(a) => commands::cache::exec(&ctx, a),
        Command::Repro(a) => commands::repro::exec(&ctx, a),
        Command::BenchGate(a) => commands::bench_gate::exec(&ctx, a),
        Command::SbomDiff(a) => commands::sbom_diff::exec(&ctx, a),
        Command::Sbom(a) => commands::sbom::exec(&ctx, a),
        Command::Bump(a) => commands::bump::exec(&ctx, a),
        Command::Kpi(a) => commands::kpi::exec(&ctx, a),
        Command::PiiScan(a) => commands::pii_scan::exec(&ctx, a),
        Command::Graph(a) => commands::graph::exec(&ctx, a),
        Command::Risk(a) => commands::risk::exec(&ctx, a),
        Command::Completions(_) | Command::Man(_) => unreachable!("handled above"),
    }
}
