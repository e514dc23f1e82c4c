//! `maestro risk features | label`: a repository's changes measured and
//! labelled from its own git history.

use super::super::Ctx;
use crate::error::{input, Result, EXIT_OK};
use crate::output::safe::one_line;
use crate::risk::features::{FixPattern, History};
use crate::risk::graph_features::Evidence;
use crate::risk::history::{self, Row};
use crate::risk::label::{self, Horizon, Labelled};
use clap::{Args, ValueEnum};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Where the changes come from.
#[derive(Debug, Args)]
pub struct Source {
    /// The repository.
    #[arg(long, default_value = ".", value_name = "DIR")]
    pub repo: PathBuf,
    /// What names a fix in a commit message (a regular expression) [config:
    /// risk.fix_pattern; default: fix, bug, defect or patch as a word].
    #[arg(long, value_name = "REGEX")]
    pub fix_pattern: Option<String>,
    /// The knowledge graph (incidents for labels; owners, test failures
    /// and incidents for graph features): this graph file instead of the
    /// state's tables.
    #[arg(long, value_name = "PATH")]
    pub graph: Option<PathBuf>,
}

/// The table's format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TableFormat {
    /// CSV with a header (`risk train` reads it).
    Csv,
    /// A JSON array of objects.
    Json,
}

/// The table's format and file.
#[derive(Debug, Args)]
pub struct TableOutput {
    /// CSV (default) or JSON; `--json` gives JSON too.
    #[arg(long, value_enum)]
    pub format: Option<TableFormat>,
    /// Write the table here instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// `risk features`.
#[derive(Debug, Args)]
pub struct FeaturesArgs {
    /// The repository and fix pattern.
    #[command(flatten)]
    pub source: Source,
    /// One change: the range's files and lines as one diff from the merge
    /// base (as a pull request is reviewed), against the history before it.
    #[arg(long, value_name = "BASE..HEAD", conflicts_with_all = ["commit", "history"])]
    pub range: Option<String>,
    /// One commit, against its first parent.
    #[arg(long, value_name = "SHA", conflicts_with = "history")]
    pub commit: Option<String>,
    /// Every commit of HEAD's history except merges, oldest first.
    #[arg(long)]
    pub history: bool,
    /// Add the knowledge graph's features, each as of the change: owners
    /// and unowned files (CODEOWNERS), coupled files and strong co-change
    /// partners the change leaves out, test failures and incidents of
    /// earlier changes to the files.
    #[arg(long)]
    pub graph_features: bool,
    /// With --history: only rows from this date (YYYY-MM-DD) on; earlier
    /// commits still count as history.
    #[arg(long, value_name = "DATE", requires = "history")]
    pub since: Option<String>,
    /// With --history: add each commit's label (`risk label`), leaving out
    /// commits younger than the maturity horizon; the CSV `risk train` takes.
    #[arg(long, requires = "history")]
    pub labels: bool,
    /// The label options, with --labels.
    #[command(flatten)]
    pub label: LabelOptions,
    /// Where the table goes.
    #[command(flatten)]
    pub output: TableOutput,
}

/// How labels are reached.
#[derive(Debug, Args)]
pub struct LabelOptions {
    /// How long a commit must have been in the history before no evidence
    /// counts as clean: `auto` (the time within which 80 % of this
    /// history's fixes came, from 30 days to a year) or a duration (`90d`).
    #[arg(long, default_value = "auto", value_name = "auto|DURATION")]
    pub horizon: String,
    /// Fixes touching more files than this are left out of SZZ (mass edits
    /// and merges of branches say little about which line was wrong).
    #[arg(long, default_value_t = 100)]
    pub max_fix_files: usize,
}

/// `risk label`.
#[derive(Debug, Args)]
pub struct LabelArgs {
    /// The repository and fix pattern.
    #[command(flatten)]
    pub source: Source,
    /// The label options.
    #[command(flatten)]
    pub label: LabelOptions,
    /// Where the table goes.
    #[command(flatten)]
    pub output: TableOutput,
}

fn repo(ctx: &Ctx, s: &Source) -> Result<PathBuf> {
    let dir = ctx.cwd.join(&s.repo);
    if !dir.join(".git").exists() && crate::git::toplevel(&dir).is_err() {
        return Err(input(format!("{}: not a git repository", s.repo.display())));
    }
    Ok(dir)
}

fn fix_pattern(ctx: &Ctx, s: &Source) -> Result<FixPattern> {
    FixPattern::new(
        s.fix_pattern
            .as_deref()
            .or(ctx.cfg().risk.fix_pattern.as_deref()),
    )
}

/// The graph: the file `--graph` names, or the state's tables.
fn graph_data(ctx: &Ctx, s: &Source) -> Result<crate::graph::data::GraphData> {
    match &s.graph {
        Some(p) => {
            let full = ctx.cwd.join(p);
            if !full.exists() {
                return Err(input(format!("{}: no such graph file", p.display())));
            }
            crate::graph::data::load(crate::state::Store::open_read(&full)?.conn())
        }
        None => ctx.read_state(|st| crate::graph::data::load(st.conn())),
    }
}

/// The commits each graph reference (a commit, a pull request) stands for.
fn referenced(
    dir: &Path,
    g: &crate::graph::data::GraphData,
) -> impl FnMut(Option<&str>, Option<i64>) -> Vec<String> {
    let mut by_pr: HashMap<i64, Vec<String>> = HashMap::new();
    for c in &g.commits {
        if let Some(pr) = c.pr {
            by_pr.entry(pr).or_default().push(c.sha.clone());
        }
    }
    let dir = dir.to_path_buf();
    let mut memo: HashMap<String, Vec<String>> = HashMap::new();
    move |sha: Option<&str>, pr: Option<i64>| {
        let mut refs: Vec<String> = sha.iter().map(|s| s.to_string()).collect();
        if let Some(shas) = pr.and_then(|p| by_pr.get(&p)) {
            refs.extend(shas.iter().cloned());
        }
        let mut out = Vec::new();
        for r in refs {
            let commits = memo
                .entry(r.clone())
                .or_insert_with(|| history::commits_of(&dir, &r));
            out.extend(commits.iter().cloned());
        }
        out.sort();
        out.dedup();
        out
    }
}

/// An empty history, measuring the graph features when asked.
fn new_history(ctx: &Ctx, s: &Source, dir: &Path, graph_features: bool) -> Result<History> {
    if !graph_features {
        return Ok(History::new());
    }
    let g = graph_data(ctx, s)?;
    Ok(History::with_graph(Evidence::from_graph(
        &g,
        referenced(dir, &g),
    )?))
}

/// The features of one change (`--range` or `--commit`), and their names.
pub fn change_features(
    ctx: &Ctx,
    s: &Source,
    range: Option<&str>,
    commit: Option<&str>,
    graph_features: bool,
) -> Result<(Vec<&'static str>, Row)> {
    let dir = repo(ctx, s)?;
    let fix = fix_pattern(ctx, s)?;
    let (base, head) = history::endpoints(&dir, range, commit)?;
    let h = new_history(ctx, s, &dir, graph_features)?;
    let names = h.names();
    Ok((names, history::measure_change(&dir, &base, &head, &fix, h)?))
}

fn json_format(ctx: &Ctx, f: Option<TableFormat>) -> bool {
    f == Some(TableFormat::Json) || (f.is_none() && ctx.out.format == crate::output::Format::Json)
}

/// A number as the table prints it: integers bare, others to 6 places.
fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x:.6}")
    }
}

/// CSV rows or a JSON array; `extra` adds columns per row.
fn table(
    rows: &[Row],
    names: &[&str],
    json: bool,
    extra_names: &[&str],
    extra: impl Fn(&Row) -> Vec<String>,
) -> String {
    if json {
        let v: Vec<serde_json::Value> = rows
            .iter()
            .map(|r| {
                let mut o = serde_json::Map::new();
                o.insert("commit_id".into(), r.sha.clone().into());
                o.insert("commit_ts".into(), r.at.into());
                for (n, x) in names.iter().zip(&r.values) {
                    o.insert((*n).into(), serde_json::json!(x));
                }
                for (n, x) in extra_names.iter().zip(extra(r)) {
                    let value = x
                        .parse::<i64>()
                        .map(serde_json::Value::from)
                        .unwrap_or_else(|_| x.into());
                    o.insert((*n).into(), value);
                }
                serde_json::Value::Object(o)
            })
            .collect();
        return serde_json::to_string_pretty(&v).unwrap_or_default() + "\n";
    }
    let mut s = String::from("commit_id,commit_ts,");
    s.push_str(&names.join(","));
    for n in extra_names {
        let _ = write!(s, ",{n}");
    }
    s.push('\n');
    for r in rows {
        let _ = write!(s, "{},{}", r.sha, r.at);
        for &x in &r.values {
            let _ = write!(s, ",{}", num(x));
        }
        for x in extra(r) {
            let _ = write!(s, ",{}", csv_field(&x));
        }
        s.push('\n');
    }
    s
}

fn csv_field(x: &str) -> String {
    if x.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", x.replace('"', "\"\""))
    } else {
        x.to_string()
    }
}

fn emit(ctx: &Ctx, out: Option<&Path>, text: String) -> Result<()> {
    match out {
        Some(p) => ctx.out.write_file(&ctx.cwd, p, text),
        None => Ok(ctx.out.print(text.trim_end())?),
    }
}

fn since_seconds(s: &str) -> Result<i64> {
    let d = time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|e| input(format!("--since {s}: {e} (expected YYYY-MM-DD)")))?;
    Ok(d.midnight().assume_utc().unix_timestamp())
}

/// `risk features`.
pub fn features(ctx: &Ctx, a: FeaturesArgs) -> Result<i32> {
    let json = json_format(ctx, a.output.format);
    if !a.history {
        let (names, row) = change_features(
            ctx,
            &a.source,
            a.range.as_deref(),
            a.commit.as_deref(),
            a.graph_features,
        )?;
        emit(
            ctx,
            a.output.out.as_deref(),
            table(&[row], &names, json, &[], |_| vec![]),
        )?;
        return Ok(EXIT_OK);
    }
    let dir = repo(ctx, &a.source)?;
    let fix = fix_pattern(ctx, &a.source)?;
    let from = a.since.as_deref().map(since_seconds).transpose()?;
    let h = new_history(ctx, &a.source, &dir, a.graph_features)?;
    let names = h.names();
    let mut rows = Vec::new();
    let warning = history::history(
        &dir,
        "HEAD",
        &fix,
        h,
        |at| from.is_none_or(|f| at >= f),
        |r| {
            rows.push(r);
            Ok(())
        },
    )?;
    if let Some(w) = warning {
        ctx.out.warn(&w);
    }
    let text = if a.labels {
        let l = labels(ctx, &dir, &fix, &a.source, &a.label)?;
        let by: HashMap<&str, &label::Label> =
            l.labels.iter().map(|x| (x.sha.as_str(), x)).collect();
        let before = rows.len();
        rows.retain(|r| by.get(r.sha.as_str()).is_some_and(|x| x.label.is_some()));
        ctx.out.note(&format!(
            "{} commits labelled ({} defect-inducing); {} younger than the {}-day horizon left out",
            rows.len(),
            rows.iter()
                .filter(|r| by[r.sha.as_str()].label == Some(1))
                .count(),
            before - rows.len(),
            l.horizon / 86_400
        ));
        table(&rows, &names, json, &["label"], |r| {
            vec![by[r.sha.as_str()].label.unwrap_or(0).to_string()]
        })
    } else {
        table(&rows, &names, json, &[], |_| vec![])
    };
    emit(ctx, a.output.out.as_deref(), text)?;
    Ok(EXIT_OK)
}

fn labels(
    ctx: &Ctx,
    dir: &Path,
    fix: &FixPattern,
    s: &Source,
    o: &LabelOptions,
) -> Result<Labelled> {
    let horizon: Horizon = label::parse_horizon(&o.horizon)?;
    let g = graph_data(ctx, s)?;
    let mut commits = referenced(dir, &g);
    let incidents: Vec<(String, String)> = g
        .incidents
        .iter()
        .flat_map(|i| {
            commits(i.commit.as_deref(), i.pr)
                .into_iter()
                .map(|c| (c, i.id.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    let l = label::label(
        dir,
        "HEAD",
        &label::Options {
            fix,
            horizon,
            max_fix_files: o.max_fix_files,
            incidents: &incidents,
        },
    )?;
    if l.large_fixes > 0 {
        ctx.out.note(&format!(
            "{} of {} fix commits touch more than {} files: left out of SZZ",
            l.large_fixes, l.fixes, o.max_fix_files
        ));
    }
    Ok(l)
}

/// `risk label`.
pub fn label(ctx: &Ctx, a: LabelArgs) -> Result<i32> {
    let dir = repo(ctx, &a.source)?;
    let fix = fix_pattern(ctx, &a.source)?;
    let l = labels(ctx, &dir, &fix, &a.source, &a.label)?;
    let json = json_format(ctx, a.output.format);
    let text = if json {
        let v: Vec<serde_json::Value> = l
            .labels
            .iter()
            .map(|x| {
                serde_json::json!({
                    "commit_id": x.sha,
                    "commit_ts": x.at,
                    "label": x.label,
                    "reasons": x.evidence.iter().map(label::Evidence::describe).collect::<Vec<_>>(),
                })
            })
            .collect();
        serde_json::to_string_pretty(&serde_json::json!({
            "horizon_days": l.horizon / 86_400,
            "fixes": l.fixes,
            "commits": v,
        }))? + "\n"
    } else {
        let mut s = String::from("commit_id,commit_ts,label,reason\n");
        for x in &l.labels {
            let reasons: Vec<String> = x.evidence.iter().map(label::Evidence::describe).collect();
            let _ = writeln!(
                s,
                "{},{},{},{}",
                x.sha,
                x.at,
                x.label.map_or(String::new(), |v| v.to_string()),
                csv_field(&one_line(&reasons.join("; ")))
            );
        }
        s
    };
    let positive = l.labels.iter().filter(|x| x.label == Some(1)).count();
    let censored = l.labels.iter().filter(|x| x.label.is_none()).count();
    ctx.out.note(&format!(
        "{} commits: {positive} defect-inducing, {censored} younger than the {}-day horizon (no label); {} fix commits examined",
        l.labels.len(),
        l.horizon / 86_400,
        l.fixes
    ));
    emit(ctx, a.output.out.as_deref(), text)?;
    Ok(EXIT_OK)
}
