//! `maestro graph`: the engineering knowledge graph. Commits, the pull
//! requests they landed, their authors and the files they touched (from
//! git), CODEOWNERS rules, CI test results, lockfile packages, incidents and
//! pull request events, in the state's own tables (SQLite, no server needed)
//! or on a Bolt server ([`bolt`]); every analysis runs on the rows read back
//! ([`GraphData`]).

pub mod bolt;
pub mod centrality;
pub mod codeowners;
pub mod coupling;
pub mod data;
pub mod gitlog;
pub mod impact;
pub mod incidents;
pub mod junit;
pub mod pr_event;

pub use data::GraphData;

use crate::error::{input, Result};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// The meta key holding the last ingested tip.
pub(crate) const TIP: &str = "graph.git.tip";

/// What `graph ingest git` did.
#[derive(Debug, Default, Serialize)]
pub struct Ingested {
    /// The revision range read (`TIP..HEAD` on an incremental run).
    pub range: String,
    /// Commits read from git.
    pub read: usize,
    /// Commits new to the graph.
    pub new: usize,
    /// File touches new to the graph.
    pub touches: usize,
    /// The tip now recorded.
    pub tip: String,
    /// Why git stopped early, when it did (the commits before are kept).
    pub warning: Option<String>,
}

/// How to ingest.
#[derive(Clone, Debug, Default)]
pub struct IngestOptions {
    /// Only commits after this date (`--since`, as git reads it).
    pub since_date: Option<String>,
    /// Only commits after this revision.
    pub since_rev: Option<String>,
    /// Lines added and deleted per file (`--numstat`: slower).
    pub lines: bool,
}

/// `repo`'s HEAD commit, or an input error naming the directory.
pub fn head(repo: &Path) -> Result<String> {
    Ok(
        crate::git::run(repo, &["rev-parse", "--verify", "HEAD^{commit}"])
            .map_err(|e| {
                input(format!(
                    "{}: not a git repository with commits ({e})",
                    repo.display()
                ))
            })?
            .trim()
            .to_string(),
    )
}

/// Reads the first-parent history of `repo`'s HEAD into the graph: every
/// commit not there yet. A second run reads only the commits after the
/// recorded tip (when HEAD still descends from it).
pub fn ingest_git(
    sink: &mut dyn data::Sink,
    repo: &Path,
    o: &IngestOptions,
    mut progress: impl FnMut(usize),
) -> Result<Ingested> {
    let head = head(repo)?;
    let known = sink.tip()?;
    let descends =
        |tip: &str| crate::git::run(repo, &["merge-base", "--is-ancestor", tip, &head]).is_ok();
    let from = match (&o.since_rev, &known) {
        (Some(rev), _) => Some(rev.clone()),
        (None, Some(tip)) if descends(tip) => Some(tip.clone()),
        _ => None,
    };
    let range = match &from {
        Some(f) if *f == head => {
            return Ok(Ingested {
                range: format!("{f}..{head}"),
                tip: head,
                ..Ingested::default()
            })
        }
        Some(f) => format!("{f}..{head}"),
        None => head.clone(),
    };
    let mut out = Ingested {
        range: range.clone(),
        tip: head.clone(),
        ..Ingested::default()
    };
    let size = sink.batch().max(1);
    let mut batch: Vec<gitlog::Commit> = Vec::with_capacity(size);
    let mut flush = |batch: &mut Vec<gitlog::Commit>, out: &mut Ingested| -> Result<()> {
        let shas: Vec<&str> = batch.iter().map(|c| c.sha.as_str()).collect();
        let known = sink.known(&shas)?;
        let fresh: Vec<&gitlog::Commit> =
            batch.iter().filter(|c| !known.contains(&c.sha)).collect();
        let commits: Vec<data::CommitRow> = fresh.iter().map(|c| commit_row(c)).collect();
        let touches: Vec<data::TouchRow> = fresh
            .iter()
            .flat_map(|c| {
                c.files.iter().map(|f| data::TouchRow {
                    sha: c.sha.clone(),
                    path: f.path.clone(),
                    old_path: f.old_path.clone(),
                    added: f.added.map(|n| n as i64),
                    deleted: f.deleted.map(|n| n as i64),
                })
            })
            .collect();
        sink.put_commits(&commits, &touches)?;
        out.new += commits.len();
        out.touches += touches.len();
        batch.clear();
        Ok(())
    };
    // A partial clone can lack blobs that rename detection and --numstat
    // must read, and git stops there. The older commits are then read again
    // from the first parent of the last one read, without renames and line
    // counts, and the gap is reported; the tip is recorded all the same.
    let mut last = String::new();
    let mut pass = range.clone();
    let mut degraded = false;
    let mut warnings = Vec::new();
    loop {
        let before = out.read;
        // git is read on a thread of its own, so that it keeps producing
        // while the sink writes.
        let (send, recv) = std::sync::mpsc::sync_channel::<gitlog::Commit>(size);
        let stopped = std::thread::scope(|scope| -> Result<Option<String>> {
            let pass = &pass;
            let reader = scope.spawn(move || {
                gitlog::stream(
                    repo,
                    pass,
                    o.since_date.as_deref(),
                    o.lines && !degraded,
                    !degraded,
                    |c| {
                        send.send(c)
                            .map_err(|_| anyhow::anyhow!("the graph stopped reading"))
                    },
                )
            });
            for c in recv {
                out.read += 1;
                last.clone_from(&c.sha);
                batch.push(c);
                if batch.len() == size {
                    // On a failed write the reader's next send fails and
                    // git is stopped.
                    flush(&mut batch, &mut out)?;
                }
                if out.read.is_multiple_of(256) {
                    progress(out.read);
                }
            }
            reader.join().expect("the git reader does not panic")
        })?;
        flush(&mut batch, &mut out)?;
        let Some(w) = stopped else { break };
        if degraded || out.read == before {
            return Err(input(format!("{}: {w}", repo.display())));
        }
        warnings.push(format!(
            "{w}; commits from {} back are read without renames or line counts",
            &last[..last.len().min(12)]
        ));
        degraded = true;
        pass = match &from {
            Some(f) => format!("{f}..{last}^"),
            None => format!("{last}^"),
        };
    }
    out.warning = (!warnings.is_empty()).then(|| warnings.join("; "));
    sink.set_tip(&head)?;
    Ok(out)
}

fn commit_row(c: &gitlog::Commit) -> data::CommitRow {
    data::CommitRow {
        sha: c.sha.clone(),
        author: c.author.clone(),
        email: c.email.clone(),
        at_s: c.at,
        pr: c.pr().map(|n| n as i64),
        reverts: c.reverts(),
        subject: c.subject().to_string(),
        parents: c.parents.len() as i64,
        files: c.files.len() as i64,
    }
}

/// Counts of the graph, for `graph stats`.
#[derive(Debug, Serialize, PartialEq)]
pub struct Stats {
    /// Commits.
    pub commits: usize,
    /// Pull requests found in commit messages.
    pub prs: usize,
    /// Pull requests linked to at least one file and an author.
    pub prs_linked: usize,
    /// `prs_linked / prs` (1 when there are none).
    pub prs_linked_share: f64,
    /// Distinct authors.
    pub authors: usize,
    /// Distinct files touched.
    pub files: usize,
    /// File touches (commit → file edges).
    pub touches: usize,
    /// Commits that revert another.
    pub reverts: usize,
    /// The last ingested tip.
    pub tip: Option<String>,
    /// CODEOWNERS rules ingested.
    pub codeowners_rules: usize,
    /// Files touched that a CODEOWNERS rule gives an owner.
    pub files_owned: usize,
    /// `files_owned / files` (0 without rules).
    pub codeowners_coverage: f64,
    /// Pull requests touching at least one owned file.
    pub prs_with_owner: usize,
    /// Test results ingested.
    pub test_results: usize,
    /// Tests that failed (every attempt) in some run.
    pub tests_failed: usize,
    /// Tests that failed and then passed on a rerun in some run.
    pub tests_flaky: usize,
    /// Incidents.
    pub incidents: usize,
    /// Incidents linked to a pull request or commit in the graph.
    pub incidents_linked: usize,
    /// Pull request events ingested.
    pub pr_events: usize,
    /// Lockfiles ingested.
    pub lockfiles: usize,
    /// Packages they resolve.
    pub packages: usize,
    /// Package → package dependencies.
    pub dependencies: usize,
}

/// The graph's counts.
pub fn stats(g: &GraphData) -> Result<Stats> {
    let owners = g.owners()?;
    let files: HashSet<&str> = g.touches.iter().map(|t| t.path.as_str()).collect();
    let touched: HashSet<&str> = g.touches.iter().map(|t| t.sha.as_str()).collect();
    let prs: HashSet<i64> = g.commits.iter().filter_map(|c| c.pr).collect();
    let linked: HashSet<i64> = g
        .commits
        .iter()
        .filter(|c| !c.author.is_empty() && touched.contains(c.sha.as_str()))
        .filter_map(|c| c.pr)
        .collect();
    let owned: HashSet<&str> = match &owners {
        Some(o) => files
            .iter()
            .copied()
            .filter(|p| !o.owners_of(p).is_empty())
            .collect(),
        None => HashSet::new(),
    };
    let pr_of: HashMap<&str, i64> = g
        .commits
        .iter()
        .filter_map(|c| c.pr.map(|p| (c.sha.as_str(), p)))
        .collect();
    let prs_owned: HashSet<i64> = g
        .touches
        .iter()
        .filter(|t| owned.contains(t.path.as_str()))
        .filter_map(|t| pr_of.get(t.sha.as_str()).copied())
        .collect();
    let tests_with = |o: &str| {
        g.tests
            .iter()
            .filter(|t| t.outcome == o)
            .map(|t| (&t.suite, &t.name))
            .collect::<HashSet<_>>()
            .len()
    };
    let shas: HashSet<&str> = g.commits.iter().map(|c| c.sha.as_str()).collect();
    let incidents_linked = g
        .incidents
        .iter()
        .filter(|i| {
            i.pr.is_some_and(|p| prs.contains(&p))
                || i.commit
                    .as_deref()
                    .is_some_and(|c| resolve_sha(&shas, c).is_some())
        })
        .count();
    Ok(Stats {
        codeowners_rules: owners.as_ref().map_or(0, |o| o.rules().count()),
        files_owned: owned.len(),
        codeowners_coverage: if files.is_empty() || owners.is_none() {
            0.0
        } else {
            owned.len() as f64 / files.len() as f64
        },
        prs_with_owner: prs_owned.len(),
        commits: g.commits.len(),
        prs: prs.len(),
        prs_linked: linked.len(),
        prs_linked_share: if prs.is_empty() {
            1.0
        } else {
            linked.len() as f64 / prs.len() as f64
        },
        authors: g
            .commits
            .iter()
            .map(|c| c.email.as_str())
            .collect::<HashSet<_>>()
            .len(),
        files: files.len(),
        touches: g.touches.len(),
        reverts: g.commits.iter().filter(|c| c.reverts.is_some()).count(),
        tip: g.tip.clone(),
        test_results: g.tests.len(),
        tests_failed: tests_with("failed"),
        tests_flaky: tests_with("flaky"),
        incidents: g.incidents.len(),
        incidents_linked,
        pr_events: g.prs.len(),
        lockfiles: g
            .packages
            .iter()
            .map(|p| &p.lockfile)
            .collect::<HashSet<_>>()
            .len(),
        packages: g.packages.len(),
        dependencies: g.depends.len(),
    })
}

/// The full hash in `shas` that `prefix` (7 characters or more) names, when
/// exactly one does.
pub fn resolve_sha<'a>(shas: &HashSet<&'a str>, prefix: &str) -> Option<&'a str> {
    if let Some(s) = shas.get(prefix) {
        return Some(s);
    }
    let mut found = shas.iter().filter(|s| s.starts_with(prefix));
    match (found.next(), found.next()) {
        (Some(s), None) => Some(s),
        _ => None,
    }
}

/// A bot's commit: `dependabot[bot]`, `renovate[bot]`, `github-actions`.
pub fn is_bot(author: &str, email: &str) -> bool {
    let a = author.to_ascii_lowercase();
    a.ends_with("[bot]")
        || email.contains("[bot]")
        || matches!(
            a.as_str(),
            "github-actions" | "dependabot" | "renovate" | "pre-commit-ci"
        )
}

/// A file that says nothing about design when it changes with others:
/// lockfiles, vendored and generated code, certificate bundles (by path,
/// as `pii-scan`'s file classes name them).
pub fn is_noise(path: &str) -> bool {
    use crate::pii::class::FileClass;
    matches!(
        FileClass::of(path, ""),
        FileClass::Lockfile | FileClass::Vendored | FileClass::Generated | FileClass::Certs
    )
}

/// The files each commit touched (commits in hash order), for the
/// co-change analyses; with `filtered`, bots' commits and noise files
/// ([`is_noise`]) left out.
pub fn changesets(g: &GraphData, filtered: bool) -> Vec<Vec<String>> {
    changesets_by_commit(g, filtered)
        .into_iter()
        .map(|(_, files)| files)
        .collect()
}

/// [`changesets`] with each commit's hash.
pub fn changesets_by_commit(g: &GraphData, filtered: bool) -> Vec<(String, Vec<String>)> {
    let bot: HashSet<&str> = g
        .commits
        .iter()
        .filter(|c| is_bot(&c.author, &c.email))
        .map(|c| c.sha.as_str())
        .collect();
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for t in &g.touches {
        if filtered && (bot.contains(t.sha.as_str()) || is_noise(&t.path)) {
            continue;
        }
        match out.last_mut() {
            Some((sha, files)) if *sha == t.sha => files.push(t.path.clone()),
            _ => out.push((t.sha.clone(), vec![t.path.clone()])),
        }
    }
    out
}

/// The rows of a CODEOWNERS file.
pub fn codeowner_rows(o: &codeowners::Owners) -> Vec<data::RuleRow> {
    o.rules()
        .map(|r| data::RuleRow {
            line: r.line as i64,
            pattern: r.pattern.clone(),
            owners: r.owners.join(" "),
        })
        .collect()
}

/// The packages of every lockfile as one directed graph (`from` depends on
/// `to`): nodes `name@version` sorted, each package once however many
/// lockfiles list it.
pub fn package_graph(g: &GraphData) -> (Vec<String>, Vec<(usize, usize, f64)>) {
    let label = |e: &str, n: &str, v: &str| {
        let l = if v.is_empty() {
            n.to_string()
        } else {
            format!("{n}@{v}")
        };
        (e.to_string(), l)
    };
    let mut keys: Vec<(String, String)> = g
        .packages
        .iter()
        .map(|p| label(&p.ecosystem, &p.name, &p.version))
        .collect();
    keys.sort();
    keys.dedup();
    let id = |k: &(String, String)| keys.binary_search(k).ok();
    // From a sorted set: sorted, each edge once.
    let edges: Vec<(usize, usize, f64)> = g
        .depends
        .iter()
        .filter_map(|d| {
            let a = id(&label(&d.ecosystem, &d.from_name, &d.from_version))?;
            let b = id(&label(&d.ecosystem, &d.to_name, &d.to_version))?;
            Some((a, b))
        })
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|(a, b)| (a, b, 1.0))
        .collect();
    (keys.into_iter().map(|(_, l)| l).collect(), edges)
}

/// `k` of `n` nodes drawn with `seed`, or `None` (every node: exact) when
/// `k` is 0 or not below `n`.
pub fn centrality_sample(n: usize, k: usize, seed: u64) -> Option<Vec<usize>> {
    use rand::SeedableRng;
    if k == 0 || k >= n {
        return None;
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut v = rand::seq::index::sample(&mut rng, n, k).into_vec();
    v.sort_unstable();
    Some(v)
}

/// One file's activity, for `graph hotspots`.
#[derive(Debug, Serialize, PartialEq)]
pub struct Hotspot {
    /// The path.
    pub path: String,
    /// Commits that touched it.
    pub revisions: i64,
    /// Distinct authors of those commits.
    pub authors: i64,
    /// Lines added and deleted, when the history was ingested with lines.
    pub churn: Option<i64>,
}

/// The most changed files (noise files left out unless `all`), since
/// `since_s` (seconds since the epoch), most revisions first.
pub fn hotspots(g: &GraphData, since_s: i64, top: usize, all: bool) -> Vec<Hotspot> {
    let by_sha: HashMap<&str, &data::CommitRow> =
        g.commits.iter().map(|c| (c.sha.as_str(), c)).collect();
    #[derive(Default)]
    struct Acc<'a> {
        revisions: i64,
        emails: HashSet<&'a str>,
        churn: Option<i64>,
    }
    let mut acc: HashMap<&str, Acc> = HashMap::new();
    for t in &g.touches {
        let Some(c) = by_sha.get(t.sha.as_str()) else {
            continue;
        };
        if c.at_s < since_s || (!all && is_noise(&t.path)) {
            continue;
        }
        let a = acc.entry(&t.path).or_default();
        a.revisions += 1;
        a.emails.insert(&c.email);
        if t.added.is_some() || t.deleted.is_some() {
            *a.churn.get_or_insert(0) += t.added.unwrap_or(0) + t.deleted.unwrap_or(0);
        }
    }
    let mut out: Vec<Hotspot> = acc
        .into_iter()
        .map(|(path, a)| Hotspot {
            path: path.to_string(),
            revisions: a.revisions,
            authors: a.emails.len() as i64,
            churn: a.churn,
        })
        .collect();
    out.sort_by(|a, b| b.revisions.cmp(&a.revisions).then(a.path.cmp(&b.path)));
    out.truncate(top);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::params;

    #[test]
    fn bots_and_noise_files() {
        assert!(is_bot(
            "dependabot[bot]",
            "49699333+dependabot[bot]@users.noreply.github.com"
        ));
        assert!(is_bot("renovate[bot]", "x@y.z"));
        assert!(!is_bot("Ann Lee", "ann@corp.io"));
        assert!(is_noise("Cargo.lock"));
        assert!(is_noise("web/node_modules/x/index.js"));
        assert!(is_noise("api/user_pb2.py"));
        assert!(!is_noise("src/lib.rs"));
        assert!(
            !is_noise("tests/test_x.py"),
            "tests change with code for a reason"
        );
    }

    #[test]
    fn changesets_leave_out_bots_and_noise_unless_asked() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = crate::state::Store::open(&dir.path().join("s.db")).unwrap();
        store
            .write(|tx| {
                for (sha, author, files) in [
                    ("1", "Ann", &["src/a.rs", "Cargo.lock"][..]),
                    ("2", "dependabot[bot]", &["Cargo.lock", "Cargo.toml"][..]),
                ] {
                    tx.execute(
                        "INSERT INTO graph_commits (sha, author, email, at_s, subject, parents, files) VALUES (?1, ?2, '', 0, '', 1, 2)",
                        params![sha, author],
                    )?;
                    for f in files {
                        tx.execute(
                            "INSERT INTO graph_touches (sha, path) VALUES (?1, ?2)",
                            params![sha, f],
                        )?;
                    }
                }
                Ok(())
            })
            .unwrap();
        let g = data::load(store.conn()).unwrap();
        assert_eq!(changesets(&g, true), [["src/a.rs"]]);
        assert_eq!(changesets(&g, false).len(), 2);
    }
}
