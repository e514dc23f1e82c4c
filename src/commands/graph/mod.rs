//! `maestro graph`: ingest sources into the knowledge graph (SQLite or a
//! Bolt server) and ask it questions. The arguments and where the graph
//! lives are here; the ingests, `impact` and the other analyses beside.

mod analyses;
mod change;
mod ingest;

use super::Ctx;
use crate::error::{input, Result, EXIT_OK};
use crate::graph::data::{self, GraphData, Sink, Sqlite, TestRow};
use crate::graph::{self, bolt, IngestOptions};
use crate::output::markdown::{table, text_table};
use crate::output::safe::one_line;
use crate::state::Store;
use clap::{Args, Subcommand, ValueEnum};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `maestro graph`.
#[derive(Debug, Subcommand)]
pub enum GraphCommand {
    /// Read sources into the graph.
    #[command(subcommand)]
    Ingest(IngestCommand),
    /// Nodes and edges in the graph, and the share of pull requests linked.
    Stats(Target),
    /// What a change can break: co-changing files, dependent packages,
    /// owners, tests that failed and incidents caused by earlier changes.
    Impact(ImpactArgs),
    /// Files that change together (code-maat's logical coupling).
    Coupling(CouplingArgs),
    /// The most changed files: revisions, authors and churn, in a window.
    Hotspots(HotspotsArgs),
    /// PageRank, degree and betweenness of files in the co-change graph,
    /// or PageRank and in-degree of packages in the dependency graph.
    Centrality(CentralityArgs),
}

/// Where the graph lives.
#[derive(Debug, Args)]
pub struct Target {
    /// A graph file of its own instead of the state's tables (created if
    /// missing).
    #[arg(long, value_name = "PATH", conflicts_with = "neo4j")]
    pub graph: Option<PathBuf>,
    /// A Bolt server (Neo4j, or ArcadeDB's Bolt plugin) instead of SQLite.
    /// The login comes from NEO4J_USER (default neo4j) and NEO4J_PASSWORD,
    /// the database from NEO4J_DATABASE (default: the server's).
    #[arg(long, env = "NEO4J_URI", value_name = "bolt://HOST:PORT")]
    pub neo4j: Option<String>,
    /// How long to wait for the Bolt server to answer.
    #[arg(long, default_value = "10s", value_parser = crate::units::parse_duration, value_name = "DURATION")]
    pub connect_timeout: Duration,
    /// Rows per UNWIND statement written to the Bolt server (1: one row per
    /// statement, as a MERGE-per-row loader writes).
    #[arg(long, default_value_t = 5000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub bolt_batch: u64,
}

/// How many rows an analysis prints, what it leaves out, where the graph lives.
#[derive(Debug, Args)]
pub struct Listing {
    /// Print at most this many rows.
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// Keep bots' commits and lockfiles, vendored, generated and certificate
    /// files (left out by default).
    #[arg(long)]
    pub include_all: bool,
    /// Where the graph lives.
    #[command(flatten)]
    pub target: Target,
}

/// What `graph centrality` ranks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    /// Files in the co-change graph.
    File,
    /// Packages in the lockfiles' dependency graph.
    Package,
}

/// `graph centrality`.
#[derive(Debug, Args)]
pub struct CentralityArgs {
    /// Rank files (co-change graph) or packages (dependency graph).
    #[arg(long, value_enum, default_value_t = Kind::File)]
    pub kind: Kind,
    /// Files are linked when they share at least this many commits.
    #[arg(long, default_value_t = 3)]
    pub min_shared_revs: u64,
    /// Commits that touch more files are left out.
    #[arg(long, default_value_t = 30)]
    pub max_changeset_size: usize,
    /// Betweenness from this many sampled source files (0: exact). Exact
    /// costs O(files × pairs); by default it is exact up to 2×10⁸ steps
    /// (ruff's whole history: 0.4 s) and sampled from 1,000 files beyond.
    #[arg(long, value_name = "N")]
    pub betweenness_samples: Option<usize>,
    /// Seed of the sample.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Rows, filters, where the graph lives.
    #[command(flatten)]
    pub list: Listing,
}

/// `graph hotspots`.
#[derive(Debug, Args)]
pub struct HotspotsArgs {
    /// Only commits from this date on (YYYY-MM-DD; default: all).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Rows, filters, where the graph lives.
    #[command(flatten)]
    pub list: Listing,
}

/// `graph coupling`.
#[derive(Debug, Args)]
pub struct CouplingArgs {
    /// Least average commit count of a pair.
    #[arg(long, default_value_t = 5.0)]
    pub min_revs: f64,
    /// Least commits a pair shares.
    #[arg(long, default_value_t = 5)]
    pub min_shared_revs: u64,
    /// Least degree of coupling, in percent.
    #[arg(long, default_value_t = 30.0)]
    pub min_coupling: f64,
    /// Greatest degree of coupling, in percent.
    #[arg(long, default_value_t = 100.0)]
    pub max_coupling: f64,
    /// Commits that touch more files are left out (mass renames, sweeps).
    #[arg(long, default_value_t = 30)]
    pub max_changeset_size: usize,
    /// Rows, filters, where the graph lives.
    #[command(flatten)]
    pub list: Listing,
}

/// `graph impact`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("change").required(true).args(["files", "pr", "range"])))]
pub struct ImpactArgs {
    /// The changed files (paths from the repository root).
    #[arg(long, num_args = 1.., value_name = "FILE")]
    pub files: Vec<String>,
    /// A pull request: its files from the ingested history, or from its
    /// ingested event (base...head, read with git in --repo).
    #[arg(long, value_name = "N")]
    pub pr: Option<u64>,
    /// A revision range `A..B`: the files `git diff A...B` names.
    #[arg(long, value_name = "A..B")]
    pub range: Option<String>,
    /// The repository for --range and --pr (default: the working directory).
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,
    /// A co-changing file must share at least this many commits.
    #[arg(long, default_value_t = 2)]
    pub min_support: usize,
    /// And at least this share (0–1) of the changed file's commits.
    #[arg(long, default_value_t = 0.2)]
    pub min_confidence: f64,
    /// Commits that touch more files are left out of co-change.
    #[arg(long, default_value_t = 30)]
    pub max_changeset_size: usize,
    /// Rows per section, filters, where the graph lives.
    #[command(flatten)]
    pub list: Listing,
}

/// `graph ingest` sources.
#[derive(Debug, Subcommand)]
pub enum IngestCommand {
    /// The first-parent history of a repository's HEAD: commits, the pull
    /// requests they landed, authors (after .mailmap) and files touched
    /// (renames followed). A second run reads only the new commits.
    Git(GitArgs),
    /// A CODEOWNERS file (GitHub's syntax: last match wins, teams, unowned
    /// patterns); replaces the rules ingested before.
    Codeowners(FileArgs),
    /// JUnit XML reports of one CI run: failures, and flaky tests that
    /// passed on a rerun, linked to the commit or pull request tested.
    Junit(JunitArgs),
    /// Lockfiles: packages and what depends on what (Cargo.lock,
    /// package-lock.json v2/v3, poetry.lock, uv.lock, go.mod/go.sum). Each
    /// replaces what was ingested from the same lockfile.
    Lockfile(LockfileArgs),
    /// Incidents (JSON or CSV: id, time, severity, pr and/or commit, title).
    Incidents(FileArgs),
    /// A GitHub pull_request event payload (default: $GITHUB_EVENT_PATH).
    Pr(PrArgs),
}

/// An ingest of one file.
#[derive(Debug, Args)]
pub struct FileArgs {
    /// The file.
    pub file: PathBuf,
    /// Where the graph lives.
    #[command(flatten)]
    pub target: Target,
}

/// `graph ingest pr`.
#[derive(Debug, Args)]
pub struct PrArgs {
    /// The event payload.
    #[arg(env = "GITHUB_EVENT_PATH", value_name = "EVENT.json")]
    pub file: PathBuf,
    /// Where the graph lives.
    #[command(flatten)]
    pub target: Target,
}

/// `graph ingest junit`.
#[derive(Debug, Args)]
pub struct JunitArgs {
    /// The reports.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// The commit tested (default: $GITHUB_SHA).
    #[arg(long, env = "GITHUB_SHA", value_name = "SHA")]
    pub commit: Option<String>,
    /// The pull request tested (default: from $GITHUB_REF `refs/pull/N/…`).
    #[arg(long, value_name = "N")]
    pub pr: Option<u64>,
    /// The run's id (default: $GITHUB_RUN_ID/$GITHUB_RUN_ATTEMPT, else a
    /// hash of the reports and commit, so the same reports twice are one run).
    #[arg(long, value_name = "ID")]
    pub run: Option<String>,
    /// Where the graph lives.
    #[command(flatten)]
    pub target: Target,
}

/// `graph ingest lockfile`.
#[derive(Debug, Args)]
pub struct LockfileArgs {
    /// The lockfiles.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Where the graph lives.
    #[command(flatten)]
    pub target: Target,
}

/// `graph ingest git`.
#[derive(Debug, Args)]
pub struct GitArgs {
    /// The repository (default: the working directory).
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,
    /// Only commits after this revision, or after this date (YYYY-MM-DD).
    #[arg(long, value_name = "REV|DATE")]
    pub since: Option<String>,
    /// Also record lines added and deleted per file (git diffs every blob:
    /// several times slower).
    #[arg(long)]
    pub lines: bool,
    /// Where the graph lives.
    #[command(flatten)]
    pub target: Target,
}

/// Runs a graph subcommand.
pub fn exec(ctx: &Ctx, c: GraphCommand) -> Result<i32> {
    match c {
        GraphCommand::Ingest(i) => match i {
            IngestCommand::Git(a) => ingest::ingest_git(ctx, a),
            IngestCommand::Codeowners(a) => ingest::ingest_codeowners(ctx, a),
            IngestCommand::Junit(a) => ingest::ingest_junit(ctx, a),
            IngestCommand::Lockfile(a) => ingest::ingest_lockfile(ctx, a),
            IngestCommand::Incidents(a) => ingest::ingest_incidents(ctx, a),
            IngestCommand::Pr(a) => ingest::ingest_pr(ctx, a),
        },
        GraphCommand::Stats(t) => analyses::stats(ctx, t),
        GraphCommand::Impact(a) => change::impact(ctx, a),
        GraphCommand::Coupling(a) => analyses::coupling(ctx, a),
        GraphCommand::Hotspots(a) => analyses::hotspots(ctx, a),
        GraphCommand::Centrality(a) => analyses::centrality(ctx, a),
    }
}

/// Connects to the Bolt server `t` names, if it names one.
fn bolt(t: &Target) -> Result<Option<bolt::Bolt>> {
    let Some(uri) = &t.neo4j else {
        return Ok(None);
    };
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let b = bolt::Bolt::connect(bolt::Config {
        uri: uri.clone(),
        user: env("NEO4J_USER").unwrap_or_else(|| "neo4j".into()),
        password: env("NEO4J_PASSWORD").unwrap_or_default(),
        database: env("NEO4J_DATABASE").unwrap_or_default(),
        timeout: t.connect_timeout,
        batch: t.bolt_batch as usize,
    })?;
    Ok(Some(b))
}

/// The whole graph from where `t` says it lives.
fn load(ctx: &Ctx, t: &Target) -> Result<GraphData> {
    if let Some(b) = bolt(t)? {
        return b.load();
    }
    match &t.graph {
        Some(p) => data::load(Store::open_read(&ctx.cwd.join(p))?.conn()),
        None => ctx.read_state(|st| data::load(st.conn())),
    }
}

/// Runs `f` with a sink where `t` says the graph lives: on SQLite in one
/// transaction (all or nothing), on a Bolt server batch by batch.
fn ingest<T>(ctx: &Ctx, t: &Target, mut f: impl FnMut(&mut dyn Sink) -> Result<T>) -> Result<T> {
    if let Some(mut b) = bolt(t)? {
        b.ensure_schema()?;
        return f(&mut b);
    }
    let mut run = |s: &mut Store| s.write(|tx| f(&mut Sqlite(tx)));
    match &t.graph {
        Some(p) => {
            let mut s = Store::open(&ctx.cwd.join(p))?;
            let out = run(&mut s)?;
            s.close()?;
            Ok(out)
        }
        None => ctx.write_state(run),
    }
}
