//! `maestro graph`: ingest sources into the knowledge graph (SQLite or a
//! Bolt server) and ask it questions.

use super::Ctx;
use crate::error::{input, Result, EXIT_OK};
use crate::graph::data::{self, GraphData, Sink, Sqlite, TestRow};
use crate::graph::{self, bolt, impact, IngestOptions};
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
    #[arg(long, default_value = "10s", value_parser = duration, value_name = "DURATION")]
    pub connect_timeout: Duration,
    /// Rows per UNWIND statement written to the Bolt server (1: one row per
    /// statement, as a MERGE-per-row loader writes).
    #[arg(long, default_value_t = 5000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub bolt_batch: u64,
}

fn duration(s: &str) -> std::result::Result<Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("`{s}`: {e} (e.g. 10s, 1m)"))
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
            IngestCommand::Git(a) => ingest_git(ctx, a),
            IngestCommand::Codeowners(a) => ingest_codeowners(ctx, a),
            IngestCommand::Junit(a) => ingest_junit(ctx, a),
            IngestCommand::Lockfile(a) => ingest_lockfile(ctx, a),
            IngestCommand::Incidents(a) => ingest_incidents(ctx, a),
            IngestCommand::Pr(a) => ingest_pr(ctx, a),
        },
        GraphCommand::Stats(t) => stats(ctx, t),
        GraphCommand::Impact(a) => impact(ctx, a),
        GraphCommand::Coupling(a) => coupling(ctx, a),
        GraphCommand::Hotspots(a) => hotspots(ctx, a),
        GraphCommand::Centrality(a) => centrality(ctx, a),
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

/// Reads a file the user named, or an input error naming it.
fn read_file(ctx: &Ctx, p: &Path) -> Result<String> {
    std::fs::read_to_string(ctx.cwd.join(p)).map_err(|e| input(format!("{}: {e}", p.display())))
}

fn ingest_git(ctx: &Ctx, a: GitArgs) -> Result<i32> {
    let repo = ctx.cwd.join(a.repo.as_deref().unwrap_or(Path::new(".")));
    if !repo.is_dir() {
        return Err(input(format!("{}: not a directory", repo.display())));
    }
    // Before the graph is opened: a wrong directory writes nothing.
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
    let r = ingest(ctx, &a.target, |sink| {
        graph::ingest_git(sink, &repo, &o, |n| bar.set_position(n as u64))
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

fn ingest_codeowners(ctx: &Ctx, a: FileArgs) -> Result<i32> {
    let name = a.file.display().to_string();
    let text = read_file(ctx, &a.file)?;
    // Parsed before the graph is opened: a malformed file writes nothing.
    let owners = graph::codeowners::Owners::parse(&text, &name)?;
    let rows = graph::codeowner_rows(&owners);
    ingest(ctx, &a.target, |sink| sink.put_codeowners(&rows))?;
    let v = serde_json::json!({"file": name, "rules": rows.len()});
    let text = format!("{}: {} rules", one_line(&name), rows.len());
    ctx.out.result(&v, &text, None)?;
    Ok(EXIT_OK)
}

/// A commit hash as given, checked.
fn sha_arg(s: &str, flag: &str) -> Result<String> {
    let s = s.trim();
    if (7..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(s.to_ascii_lowercase())
    } else {
        Err(input(format!(
            "{flag} {:?}: want a commit hash (7 to 64 hexadecimal characters)",
            one_line(s)
        )))
    }
}

fn ingest_junit(ctx: &Ctx, a: JunitArgs) -> Result<i32> {
    let commit = a
        .commit
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(|c| sha_arg(c, "--commit"))
        .transpose()?;
    let pr = a.pr.map(|p| p as i64).or_else(|| {
        let r = std::env::var("GITHUB_REF").ok()?;
        r.strip_prefix("refs/pull/")?
            .split('/')
            .next()?
            .parse()
            .ok()
    });
    // Every report parsed before the graph is opened.
    let mut texts = Vec::new();
    let mut merged: BTreeMap<(String, String), graph::junit::TestResult> = BTreeMap::new();
    for f in &a.files {
        let text = read_file(ctx, f)?;
        for t in graph::junit::parse(&text, &f.display().to_string())? {
            match merged.entry((t.suite.clone(), t.name.clone())) {
                std::collections::btree_map::Entry::Vacant(e) => {
                    e.insert(t);
                }
                // The same test in two reports (matrix jobs): the worse
                // outcome, attempts added.
                std::collections::btree_map::Entry::Occupied(mut e) => {
                    let m = e.get_mut();
                    m.attempts += t.attempts;
                    if t.outcome > m.outcome {
                        m.outcome = t.outcome;
                        m.message = t.message.or(m.message.take());
                    }
                }
            }
        }
        texts.push(text);
    }
    let run = match (&a.run, std::env::var("GITHUB_RUN_ID").ok()) {
        (Some(r), _) if !r.trim().is_empty() => r.trim().to_string(),
        (_, Some(id)) if !id.is_empty() => match std::env::var("GITHUB_RUN_ATTEMPT") {
            Ok(n) if !n.is_empty() => format!("{id}/{n}"),
            _ => id,
        },
        _ => {
            use sha2::{Digest, Sha256};
            let mut h = Sha256::new();
            for t in &texts {
                h.update((t.len() as u64).to_le_bytes());
                h.update(t);
            }
            h.update(commit.as_deref().unwrap_or(""));
            h.update(pr.unwrap_or(0).to_le_bytes());
            format!("sha256:{}", &hex::encode(h.finalize())[..16])
        }
    };
    let rows: Vec<TestRow> = merged
        .into_values()
        .map(|t| TestRow {
            run: run.clone(),
            sha: commit.clone(),
            pr,
            suite: t.suite,
            name: t.name,
            file: t.file,
            outcome: t.outcome.as_str().to_string(),
            attempts: i64::from(t.attempts),
            message: t.message,
        })
        .collect();
    ingest(ctx, &a.target, |sink| sink.put_tests(&rows))?;
    let count = |o: &str| rows.iter().filter(|r| r.outcome == o).count();
    let v = serde_json::json!({
        "run": run, "commit": commit, "pr": pr, "tests": rows.len(),
        "failed": count("failed"), "flaky": count("flaky"),
        "skipped": count("skipped"), "passed": count("passed"),
    });
    let text = format!(
        "run {}: {} tests, {} failed, {} flaky, {} skipped",
        one_line(&run),
        rows.len(),
        count("failed"),
        count("flaky"),
        count("skipped")
    );
    ctx.out.result(&v, &text, None)?;
    Ok(EXIT_OK)
}

/// Where a file sits in its repository: (path from the root, directory
/// from the root). Outside a repository, relative to the working directory.
fn in_repo(ctx: &Ctx, f: &Path) -> (String, String) {
    let full = ctx.cwd.join(f);
    let name = full
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = full.parent().unwrap_or(&ctx.cwd).to_path_buf();
    let prefix = crate::git::run(&dir, &["rev-parse", "--show-prefix"])
        .map(|p| p.trim().trim_end_matches('/').to_string())
        .unwrap_or_else(|_| {
            let rel = dir.strip_prefix(&ctx.cwd).unwrap_or(&dir);
            rel.to_string_lossy().replace('\\', "/")
        });
    let path = if prefix.is_empty() {
        name
    } else {
        format!("{prefix}/{name}")
    };
    (path, prefix)
}

fn ingest_lockfile(ctx: &Ctx, a: LockfileArgs) -> Result<i32> {
    // Every lockfile read before the graph is opened.
    let mut locks = Vec::new();
    for f in &a.files {
        let lock = crate::lockfile::read(&ctx.cwd.join(f)).map_err(|e| {
            // Name the file as the user wrote it.
            let full = ctx.cwd.join(f).display().to_string();
            input(e.to_string().replace(&full, &f.display().to_string()))
        })?;
        let (path, dir) = in_repo(ctx, f);
        let (packages, depends) = data::lockfile_rows(&lock, &path, &dir);
        locks.push((path, packages, depends));
    }
    ingest(ctx, &a.target, |sink| {
        for (path, p, d) in &locks {
            sink.put_lockfile(path, p, d)?;
        }
        Ok(())
    })?;
    let v: Vec<serde_json::Value> = locks
        .iter()
        .map(|(path, p, d)| {
            serde_json::json!({"lockfile": path, "packages": p.len(), "dependencies": d.len(),
                "own": p.iter().filter(|x| x.dir.is_some()).count()})
        })
        .collect();
    let text = locks
        .iter()
        .map(|(path, p, d)| {
            format!(
                "{}: {} packages ({} of the project's own), {} dependencies",
                one_line(path),
                p.len(),
                p.iter().filter(|x| x.dir.is_some()).count(),
                d.len()
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    ctx.out.result(&v, &text, None)?;
    Ok(EXIT_OK)
}

fn ingest_incidents(ctx: &Ctx, a: FileArgs) -> Result<i32> {
    let name = a.file.display().to_string();
    let rows = graph::incidents::parse(&read_file(ctx, &a.file)?, &name)?;
    ingest(ctx, &a.target, |sink| sink.put_incidents(&rows))?;
    let linked = rows
        .iter()
        .filter(|i| i.pr.is_some() || i.commit.is_some())
        .count();
    let v = serde_json::json!({"file": name, "incidents": rows.len(), "with_cause": linked});
    let text = format!(
        "{}: {} incidents, {linked} naming the change that caused them",
        one_line(&name),
        rows.len()
    );
    ctx.out.result(&v, &text, None)?;
    Ok(EXIT_OK)
}

fn ingest_pr(ctx: &Ctx, a: PrArgs) -> Result<i32> {
    let name = a.file.display().to_string();
    let pr = graph::pr_event::parse(&read_file(ctx, &a.file)?, &name)?;
    let written = ingest(ctx, &a.target, |sink| sink.put_pr(&pr))?;
    let v = serde_json::json!({"pr": pr, "written": written});
    let text = if written {
        format!("#{} {} ({})", pr.number, one_line(&pr.title), pr.state)
    } else {
        format!(
            "#{}: the graph holds a newer event; nothing written",
            pr.number
        )
    };
    ctx.out.result(&v, &text, None)?;
    Ok(EXIT_OK)
}

fn stats(ctx: &Ctx, t: Target) -> Result<i32> {
    let s = graph::stats(&load(ctx, &t)?)?;
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
    if s.test_results > 0 {
        text.push_str(&format!(
            "\ntests: {} results; {} tests failed and {} were flaky in some run",
            s.test_results, s.tests_failed, s.tests_flaky
        ));
    }
    if s.incidents > 0 {
        text.push_str(&format!(
            "\nincidents: {}, {} linked to a change in the graph",
            s.incidents, s.incidents_linked
        ));
    }
    if s.pr_events > 0 {
        text.push_str(&format!("\npull request events: {}", s.pr_events));
    }
    if s.lockfiles > 0 {
        text.push_str(&format!(
            "\nlockfiles: {}, {} packages, {} dependencies",
            s.lockfiles, s.packages, s.dependencies
        ));
    }
    ctx.out.result(&s, &text, None)?;
    Ok(EXIT_OK)
}

/// The changed files and the change's own commits, for `graph impact`.
fn change_of(ctx: &Ctx, a: &ImpactArgs, g: &GraphData) -> Result<(Vec<String>, Vec<String>)> {
    let repo = || ctx.cwd.join(a.repo.as_deref().unwrap_or(Path::new(".")));
    if let Some(range) = &a.range {
        let (base, head) = range
            .split_once("..")
            .filter(|(b, h)| !b.is_empty() && !h.is_empty() && !h.starts_with('.'))
            .ok_or_else(|| input(format!("--range {}: want A..B", one_line(range))))?;
        let files = crate::git::changed_paths(&repo(), base, head, true)?;
        let own = crate::git::rev_list(&repo(), range)?;
        return Ok((files, own));
    }
    if let Some(n) = a.pr {
        let n = n as i64;
        let own: Vec<String> = g
            .commits
            .iter()
            .filter(|c| c.pr == Some(n))
            .map(|c| c.sha.clone())
            .collect();
        let mut files: Vec<String> = g
            .touches
            .iter()
            .filter(|t| own.binary_search(&t.sha).is_ok())
            .map(|t| t.path.clone())
            .collect();
        if files.is_empty() {
            let Some(p) = g.prs.iter().find(|p| p.number == n) else {
                return Err(input(format!(
                    "pull request #{n} is not in the graph: ingest the history that landed it (graph ingest git) or its event (graph ingest pr)"
                )));
            };
            files = crate::git::changed_paths(&repo(), &p.base_sha, &p.head_sha, true)?;
        }
        files.sort();
        files.dedup();
        return Ok((files, own));
    }
    Ok((a.files.clone(), Vec::new()))
}

fn impact(ctx: &Ctx, a: ImpactArgs) -> Result<i32> {
    if !(0.0..=1.0).contains(&a.min_confidence) {
        return Err(input(format!(
            "--min-confidence {}: want a share from 0 to 1",
            a.min_confidence
        )));
    }
    let g = load(ctx, &a.list.target)?;
    let (files, own) = change_of(ctx, &a, &g)?;
    let o = impact::Options {
        min_support: a.min_support.max(1),
        min_confidence: a.min_confidence,
        max_changeset: a.max_changeset_size,
        top: a.list.top,
        exclude: own.into_iter().collect(),
        include_all: a.list.include_all,
    };
    let r = impact::impact(&g, &files, &o)?;
    ctx.out
        .result(&r, &impact_text(&r), Some(&impact_markdown(&r)))?;
    Ok(EXIT_OK)
}

fn impact_text(r: &impact::Impact) -> String {
    let mut s = format!("{} changed file{}\n", r.files.len(), plural(r.files.len()));
    let mut section = |title: &str, lines: Vec<String>| {
        if !lines.is_empty() {
            s.push_str(&format!("\n{title}\n"));
            for l in lines {
                s.push_str(&format!("  {}\n", one_line(&l)));
            }
        }
    };
    section(
        "Files that changed with these before:",
        r.co_changes
            .iter()
            .map(|c| format!("{}: {}", c.file, c.reason))
            .collect(),
    );
    section(
        "Packages depending on what this touches:",
        r.dependents
            .iter()
            .map(|d| format!("{}: {}", d.package, d.reason))
            .collect(),
    );
    section(
        "Owners to ask:",
        r.owners
            .iter()
            .map(|o| format!("{}: {}", o.owner, o.reason))
            .collect(),
    );
    if !r.unowned.is_empty() {
        section("No CODEOWNERS rule gives an owner to:", r.unowned.clone());
    }
    section(
        "Tests that failed on earlier changes to these files:",
        r.tests
            .iter()
            .map(|t| format!("{} {}: {}", t.suite, t.name, t.reason))
            .collect(),
    );
    section(
        "Incidents caused by earlier changes to these files:",
        r.incidents.iter().map(|i| i.reason.clone()).collect(),
    );
    if r.co_changes.is_empty()
        && r.dependents.is_empty()
        && r.owners.is_empty()
        && r.tests.is_empty()
        && r.incidents.is_empty()
    {
        s.push_str("\nThe graph knows nothing these files affect.\n");
    }
    s.trim_end().to_string()
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn impact_markdown(r: &impact::Impact) -> String {
    let code = |s: &str| format!("`{}`", s.replace('`', "'"));
    let mut s = format!(
        "#### Impact of {} changed file{}\n",
        r.files.len(),
        plural(r.files.len())
    );
    if !r.co_changes.is_empty() {
        let rows: Vec<Vec<String>> = r
            .co_changes
            .iter()
            .map(|c| {
                vec![
                    code(&c.file),
                    code(&c.with),
                    format!("{} / {}", c.support, c.revisions),
                    format!("{:.0} %", c.confidence * 100.0),
                ]
            })
            .collect();
        s.push_str("\n**Files that usually change with these**\n\n");
        s.push_str(&table(
            &["file", "changed with", "commits", "confidence"],
            &rows,
        ));
    }
    if !r.dependents.is_empty() {
        let rows: Vec<Vec<String>> = r
            .dependents
            .iter()
            .map(|d| vec![code(&d.package), d.depth.to_string(), d.path.join(" → ")])
            .collect();
        s.push_str("\n**Packages depending on what this touches**\n\n");
        s.push_str(&table(&["package", "depth", "path"], &rows));
    }
    if !r.owners.is_empty() {
        let rows: Vec<Vec<String>> = r
            .owners
            .iter()
            .map(|o| vec![code(&o.owner), o.files.len().to_string()])
            .collect();
        s.push_str("\n**Owners**\n\n");
        s.push_str(&table(&["owner", "files"], &rows));
    }
    if !r.tests.is_empty() {
        let rows: Vec<Vec<String>> = r
            .tests
            .iter()
            .map(|t| {
                vec![
                    code(&format!("{} {}", t.suite, t.name)),
                    t.failed.to_string(),
                    t.flaky.to_string(),
                    t.message.clone().unwrap_or_default(),
                ]
            })
            .collect();
        s.push_str("\n**Tests that failed on earlier changes to these files**\n\n");
        s.push_str(&table(
            &["test", "failed runs", "flaky runs", "last message"],
            &rows,
        ));
    }
    if !r.incidents.is_empty() {
        let rows: Vec<Vec<String>> = r
            .incidents
            .iter()
            .map(|i| {
                vec![
                    code(&i.id),
                    i.severity.clone(),
                    i.title.clone(),
                    i.cause.clone(),
                ]
            })
            .collect();
        s.push_str("\n**Incidents caused by earlier changes to these files**\n\n");
        s.push_str(&table(
            &["incident", "severity", "title", "caused by"],
            &rows,
        ));
    }
    s
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
    let sets = graph::changesets(&load(ctx, &a.list.target)?, !a.list.include_all);
    let t = graph::coupling::Thresholds {
        min_revs: a.min_revs,
        min_shared: a.min_shared_revs,
        min_coupling: a.min_coupling,
        max_coupling: a.max_coupling,
        max_changeset: a.max_changeset_size,
    };
    let mut pairs = graph::coupling::coupling(&sets, &t);
    pairs.truncate(a.list.top);
    let rows: Vec<Vec<String>> = pairs
        .iter()
        .map(|p| {
            vec![
                format!("{} %", p.degree),
                p.average_revs.to_string(),
                p.shared_revs.to_string(),
                format!("{} ↔ {}", p.entity, p.coupled),
            ]
        })
        .collect();
    let mut text = text_table(&["degree", "avg-revs", "shared", "files"], &rows)
        .trim_end()
        .to_string();
    text.push_str(&format!(
        "\n{} pairs over {} commits",
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
    let g = load(ctx, &a.list.target)?;
    let rows = graph::hotspots(&g, since, a.list.top, a.list.include_all);
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|h| {
            vec![
                h.revisions.to_string(),
                h.authors.to_string(),
                h.churn.map_or("-".to_string(), |c| c.to_string()),
                h.path.clone(),
            ]
        })
        .collect();
    let mut text = text_table(&["revisions", "authors", "churn", "file"], &cells)
        .trim_end()
        .to_string();
    text.push_str(&format!("\n{} files", rows.len()));
    ctx.out.result(&rows, &text, None)?;
    Ok(EXIT_OK)
}

/// Exact betweenness up to this many BFS steps (files × directed edges).
const EXACT_STEPS: usize = 200_000_000;

/// One node's centrality.
#[derive(Debug, serde::Serialize)]
struct Central {
    #[serde(skip)]
    name: String,
    /// The file (file kind).
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
    /// The package (package kind).
    #[serde(skip_serializing_if = "Option::is_none")]
    package: Option<String>,
    pagerank: f64,
    degree: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    betweenness: Option<f64>,
}

fn centrality(ctx: &Ctx, a: CentralityArgs) -> Result<i32> {
    let g = load(ctx, &a.list.target)?;
    let (names, edges, note) = match a.kind {
        Kind::File => {
            let sets = graph::changesets(&g, !a.list.include_all);
            let (nodes, edges) =
                graph::coupling::co_change_graph(&sets, a.max_changeset_size, a.min_shared_revs);
            let note = format!(
                "co-change graph: {} files, {} pairs sharing {} commits or more",
                nodes.len(),
                edges.len() / 2,
                a.min_shared_revs
            );
            (nodes, edges, note)
        }
        Kind::Package => {
            let (nodes, edges) = graph::package_graph(&g);
            let note = format!(
                "dependency graph: {} packages, {} dependencies",
                nodes.len(),
                edges.len()
            );
            (nodes, edges, note)
        }
    };
    let n = names.len();
    let rank = graph::centrality::pagerank(n, &edges, 0.85, 1e-10);
    // Files: degree in the undirected graph; packages: dependents (in-degree).
    let mut degree = vec![0usize; n];
    for &(i, j, _) in &edges {
        degree[if a.kind == Kind::File { i } else { j }] += 1;
    }
    let between = (a.kind == Kind::File).then(|| {
        let mut adj = vec![Vec::new(); n];
        for &(i, j, _) in &edges {
            adj[i].push(j);
        }
        let k = a
            .betweenness_samples
            .unwrap_or(if n * edges.len() <= EXACT_STEPS {
                0
            } else {
                1000
            });
        let sources = graph::centrality_sample(n, k, a.seed);
        let b = graph::centrality::betweenness(&adj, sources.as_deref());
        (b, sources.map(|s| s.len()))
    });
    let samples = between.as_ref().and_then(|b| b.1);
    let between = between.map(|b| b.0);
    let mut rows: Vec<Central> = names
        .into_iter()
        .enumerate()
        .map(|(i, name)| Central {
            path: (a.kind == Kind::File).then(|| name.clone()),
            package: (a.kind == Kind::Package).then(|| name.clone()),
            name,
            pagerank: rank[i],
            degree: degree[i],
            betweenness: between.as_ref().map(|b| b[i]),
        })
        .collect();
    rows.sort_by(|x, y| y.pagerank.total_cmp(&x.pagerank).then(x.name.cmp(&y.name)));
    rows.truncate(a.list.top);
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mut v = vec![format!("{:.6}", r.pagerank), r.degree.to_string()];
            if let Some(b) = r.betweenness {
                v.push(format!("{b:.6}"));
            }
            v.push(r.name.clone());
            v
        })
        .collect();
    let header: &[&str] = match a.kind {
        Kind::File => &["pagerank", "degree", "betweenness", "file"],
        Kind::Package => &["pagerank", "dependents", "package"],
    };
    let mut text = text_table(header, &cells).trim_end().to_string();
    text.push('\n');
    text.push_str(&note);
    if let Some(k) = samples {
        text.push_str(&format!(
            "; betweenness estimated from {k} sampled files (--betweenness-samples 0: exact)"
        ));
    }
    ctx.out.result(&rows, &text, None)?;
    Ok(EXIT_OK)
}
