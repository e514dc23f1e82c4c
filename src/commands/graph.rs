//! `maestro graph ingest git | stats`.

use super::Ctx;
use crate::error::{input, Result, EXIT_OK};
use crate::graph::{self, IngestOptions};
use crate::output::safe::one_line;
use crate::state::Store;
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// `maestro graph`.
#[derive(Debug, Subcommand)]
pub enum GraphCommand {
    /// Read sources into the graph.
    #[command(subcommand)]
    Ingest(IngestCommand),
    /// Nodes and edges in the graph, and the share of pull requests linked.
    Stats(Target),
    /// Files that change together (code-maat's logical coupling).
    Coupling(CouplingArgs),
    /// The most changed files: revisions, authors and churn, in a window.
    Hotspots(HotspotsArgs),
    /// PageRank and degree of files in the co-change graph.
    Centrality(CentralityArgs),
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

/// `graph centrality`.
#[derive(Debug, Args)]
pub struct CentralityArgs {
    /// Files are linked when they share at least this many commits.
    #[arg(long, default_value_t = 3)]
    pub min_shared_revs: u64,
    /// Commits that touch more files are left out.
    #[arg(long, default_value_t = 30)]
    pub max_changeset_size: usize,
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

/// Where the graph lives.
#[derive(Debug, Args)]
pub struct Target {
    /// A graph file of its own instead of the state's tables (created if
    /// missing).
    #[arg(long, value_name = "PATH")]
    pub graph: Option<PathBuf>,
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
    Codeowners(CodeownersArgs),
}

/// `graph ingest codeowners`.
#[derive(Debug, Args)]
pub struct CodeownersArgs {
    /// The file (`.github/CODEOWNERS`, `CODEOWNERS` or `docs/CODEOWNERS`).
    pub file: PathBuf,
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
        GraphCommand::Ingest(IngestCommand::Git(a)) => ingest_git(ctx, a),
        GraphCommand::Ingest(IngestCommand::Codeowners(a)) => ingest_codeowners(ctx, a),
        GraphCommand::Stats(t) => stats(ctx, t),
        GraphCommand::Coupling(a) => coupling(ctx, a),
        GraphCommand::Hotspots(a) => hotspots(ctx, a),
        GraphCommand::Centrality(a) => centrality(ctx, a),
    }
}

/// Runs `f` on the graph read-only: the `--graph` file, else the state.
fn read<T>(ctx: &Ctx, t: &Target, f: impl FnOnce(&rusqlite::Connection) -> Result<T>) -> Result<T> {
    match &t.graph {
        Some(p) => f(Store::open_read(&ctx.cwd.join(p))?.conn()),
        None => ctx.read_state(|st| f(st.conn())),
    }
}

/// Runs `f` on the graph for writing: the `--graph` file, else the state.
fn write<T>(ctx: &Ctx, t: &Target, mut f: impl FnMut(&mut Store) -> Result<T>) -> Result<T> {
    match &t.graph {
        Some(p) => {
            let mut s = Store::open(&ctx.cwd.join(p))?;
            let out = f(&mut s)?;
            s.close()?;
            Ok(out)
        }
        None => ctx.write_state(f),
    }
}

fn ingest_git(ctx: &Ctx, a: GitArgs) -> Result<i32> {
    let repo = ctx
        .cwd
        .join(a.repo.as_deref().unwrap_or(std::path::Path::new(".")));
    if !repo.is_dir() {
        return Err(input(format!("{}: not a directory", repo.display())));
    }
    // Before the state is opened: a wrong directory writes nothing.
    graph::head(&repo)?;
    let date = a.since.as_deref().filter(|s| {
        time::Date::parse(s, &time::format_description::well_known::Iso8601::DATE).is_ok()
    });
    let o = IngestOptions {
        since_date: date.map(str::to_string),
        since_rev: a.since.clone().filter(|_| date.is_none()),
        lines: a.lines,
    };
    let bar = ctx.out.counter("commits");
    let r = write(ctx, &a.target, |store| {
        store.write(|tx| graph::ingest_git(tx, &repo, &o, |n| bar.set_position(n as u64)))
    })?;
    bar.finish_and_clear();
    if let Some(w) = &r.warning {
        ctx.out.warn(&one_line(w));
    }
    let text = format!(
        "{}: {} commits read, {} new, {} file touches; tip {}",
        one_line(&r.range),
        r.read,
        r.new,
        r.touches,
        &r.tip[..r.tip.len().min(12)]
    );
    ctx.out.result(&r, &text, None)?;
    Ok(EXIT_OK)
}

fn ingest_codeowners(ctx: &Ctx, a: CodeownersArgs) -> Result<i32> {
    let name = a.file.display().to_string();
    let text = std::fs::read_to_string(ctx.cwd.join(&a.file))
        .map_err(|e| input(format!("{name}: {e}")))?;
    // Parsed before the state is opened: a malformed file writes nothing.
    let owners = graph::codeowners::Owners::parse(&text, &name)?;
    let n = write(ctx, &a.target, |store| {
        store.write(|tx| graph::ingest_codeowners(tx, &owners))
    })?;
    let v = serde_json::json!({"file": name, "rules": n});
    ctx.out
        .result(&v, &format!("{}: {n} rules", one_line(&name)), None)?;
    Ok(EXIT_OK)
}

fn stats(ctx: &Ctx, t: Target) -> Result<i32> {
    let s = read(ctx, &t, graph::stats)?;
    let mut text = format!(
        "{} commits, {} authors, {} files, {} file touches, {} reverts\n{} pull requests, {} linked to files and an author ({:.1} %)",
        s.commits,
        s.authors,
        s.files,
        s.touches,
        s.reverts,
        s.prs,
        s.prs_linked,
        s.prs_linked_share * 100.0
    );
    if s.codeowners_rules > 0 {
        text.push_str(&format!(
            "\nCODEOWNERS: {} rules; {} of the files touched have an owner ({:.1} %); {} pull requests touch an owned file",
            s.codeowners_rules,
            s.files_owned,
            s.codeowners_coverage * 100.0,
            s.prs_with_owner
        ));
    }
    ctx.out.result(&s, &text, None)?;
    Ok(EXIT_OK)
}

fn coupling(ctx: &Ctx, a: CouplingArgs) -> Result<i32> {
    for (flag, v) in [
        ("--min-coupling", a.min_coupling),
        ("--max-coupling", a.max_coupling),
        ("--min-revs", a.min_revs),
    ] {
        if !v.is_finite() || v < 0.0 {
            return Err(input(format!("{flag} {v}: want a number of 0 or more")));
        }
    }
    let sets = read(ctx, &a.list.target, |c| {
        graph::changesets(c, !a.list.include_all)
    })?;
    let t = graph::coupling::Thresholds {
        min_revs: a.min_revs,
        min_shared: a.min_shared_revs,
        min_coupling: a.min_coupling,
        max_coupling: a.max_coupling,
        max_changeset: a.max_changeset_size,
    };
    let mut pairs = graph::coupling::coupling(&sets, &t);
    pairs.truncate(a.list.top);
    let mut text = String::from("degree  avg-revs  shared  files\n");
    for p in &pairs {
        text.push_str(&format!(
            "{:>5}%  {:>8}  {:>6}  {} ↔ {}\n",
            p.degree,
            p.average_revs,
            p.shared_revs,
            one_line(&p.entity),
            one_line(&p.coupled)
        ));
    }
    text.push_str(&format!(
        "{} pairs over {} commits",
        pairs.len(),
        sets.len()
    ));
    ctx.out.result(&pairs, &text, None)?;
    Ok(EXIT_OK)
}

fn hotspots(ctx: &Ctx, a: HotspotsArgs) -> Result<i32> {
    let since = match &a.since {
        Some(d) => {
            let date = time::Date::parse(d, &time::format_description::well_known::Iso8601::DATE)
                .map_err(|_| input(format!("--since {}: want YYYY-MM-DD", one_line(d))))?;
            date.midnight().assume_utc().unix_timestamp()
        }
        None => i64::MIN,
    };
    let rows = read(ctx, &a.list.target, |c| {
        graph::hotspots(c, since, a.list.top, a.list.include_all)
    })?;
    let mut text = String::from("revisions  authors  churn  file\n");
    for h in &rows {
        text.push_str(&format!(
            "{:>9}  {:>7}  {:>5}  {}\n",
            h.revisions,
            h.authors,
            h.churn.map_or("-".to_string(), |c| c.to_string()),
            one_line(&h.path)
        ));
    }
    text.push_str(&format!("{} files", rows.len()));
    ctx.out.result(&rows, &text, None)?;
    Ok(EXIT_OK)
}

/// One file's centrality.
#[derive(Debug, serde::Serialize)]
struct Central {
    path: String,
    pagerank: f64,
    degree: usize,
}

fn centrality(ctx: &Ctx, a: CentralityArgs) -> Result<i32> {
    let sets = read(ctx, &a.list.target, |c| {
        graph::changesets(c, !a.list.include_all)
    })?;
    let (nodes, edges) =
        graph::coupling::co_change_graph(&sets, a.max_changeset_size, a.min_shared_revs);
    let rank = graph::centrality::pagerank(nodes.len(), &edges, 0.85, 1e-10);
    let mut degree = vec![0usize; nodes.len()];
    for &(i, _, _) in &edges {
        degree[i] += 1;
    }
    let mut rows: Vec<Central> = nodes
        .into_iter()
        .enumerate()
        .map(|(i, path)| Central {
            path,
            pagerank: rank[i],
            degree: degree[i],
        })
        .collect();
    let edge_count = edges.len() / 2;
    let node_count = rows.len();
    rows.sort_by(|x, y| y.pagerank.total_cmp(&x.pagerank).then(x.path.cmp(&y.path)));
    rows.truncate(a.list.top);
    let mut text = String::from("pagerank  degree  file\n");
    for r in &rows {
        text.push_str(&format!(
            "{:.6}  {:>6}  {}\n",
            r.pagerank,
            r.degree,
            one_line(&r.path)
        ));
    }
    text.push_str(&format!(
        "co-change graph: {node_count} files, {edge_count} pairs sharing {} commits or more",
        a.min_shared_revs
    ));
    ctx.out.result(&rows, &text, None)?;
    Ok(EXIT_OK)
}
