//! `graph impact`: what a change can break, from the graph's history. Each
//! item says why in words: files that changed with these files before,
//! packages that depend on what the change touches, owners to ask, tests
//! that failed on earlier changes to these files, incidents they caused.

use super::{data::GraphData, is_bot, is_noise, resolve_sha};
use crate::error::Result;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

/// How to look.
#[derive(Clone, Debug)]
pub struct Options {
    /// A co-changing file must share at least this many commits.
    pub min_support: usize,
    /// And at least this share of the changed file's commits.
    pub min_confidence: f64,
    /// Commits touching more files are left out of co-change.
    pub max_changeset: usize,
    /// Items kept per section.
    pub top: usize,
    /// Commits of the change itself, left out of its evidence.
    pub exclude: HashSet<String>,
    /// Keep bots' commits and noise files in co-change.
    pub include_all: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            min_support: 2,
            min_confidence: 0.2,
            max_changeset: 30,
            top: 10,
            exclude: HashSet::new(),
            include_all: false,
        }
    }
}

/// A file that tends to change with a changed one.
#[derive(Debug, Serialize, PartialEq)]
pub struct CoChange {
    /// The file that may need changing too.
    pub file: String,
    /// The changed file it goes with.
    pub with: String,
    /// Commits that touched both.
    pub support: usize,
    /// Commits that touched `with`.
    pub revisions: usize,
    /// `support / revisions`.
    pub confidence: f64,
    /// In words.
    pub reason: String,
}

/// A package that depends on one the change touches.
#[derive(Debug, Serialize, PartialEq)]
pub struct Dependent {
    /// The dependent package.
    pub package: String,
    /// Its ecosystem.
    pub ecosystem: String,
    /// The lockfile that records it.
    pub lockfile: String,
    /// 1 for a direct dependent, more through others.
    pub depth: usize,
    /// The chain from the dependent to the touched package.
    pub path: Vec<String>,
    /// In words.
    pub reason: String,
}

/// An owner of changed files.
#[derive(Debug, Serialize, PartialEq)]
pub struct Owner {
    /// The user, team or email.
    pub owner: String,
    /// The changed files they own.
    pub files: Vec<String>,
    /// In words.
    pub reason: String,
}

/// A test that failed on earlier changes to these files.
#[derive(Debug, Serialize, PartialEq)]
pub struct FailingTest {
    /// Its suite or class.
    pub suite: String,
    /// Its name.
    pub name: String,
    /// Runs where it failed on every attempt.
    pub failed: usize,
    /// Runs where it failed, then passed on a rerun.
    pub flaky: usize,
    /// The changed files those changes touched.
    pub files: Vec<String>,
    /// The last failure's message.
    pub message: Option<String>,
    /// In words.
    pub reason: String,
}

/// An incident caused by an earlier change to these files.
#[derive(Debug, Serialize, PartialEq)]
pub struct PastIncident {
    /// Its id.
    pub id: String,
    /// Its severity.
    pub severity: String,
    /// When it started.
    pub at_s: i64,
    /// Its title.
    pub title: String,
    /// The change that caused it (`#PR` or a commit).
    pub cause: String,
    /// The changed files that change touched.
    pub files: Vec<String>,
    /// In words.
    pub reason: String,
}

/// The impact of a change.
#[derive(Debug, Serialize, PartialEq)]
pub struct Impact {
    /// The changed files.
    pub files: Vec<String>,
    /// Files that changed with them before, most likely first.
    pub co_changes: Vec<CoChange>,
    /// The project's packages the change touches.
    pub packages: Vec<String>,
    /// Packages depending on those, nearest first.
    pub dependents: Vec<Dependent>,
    /// Owners to ask, most files first.
    pub owners: Vec<Owner>,
    /// Changed files no CODEOWNERS rule gives an owner (when rules exist).
    pub unowned: Vec<String>,
    /// Tests that failed on earlier changes to these files, most failures first.
    pub tests: Vec<FailingTest>,
    /// Incidents caused by earlier changes to these files, latest first.
    pub incidents: Vec<PastIncident>,
}

fn pct(x: f64) -> String {
    format!("{:.0} %", x * 100.0)
}

fn list(files: &[String]) -> String {
    match files {
        [one] => one.clone(),
        [first, rest @ ..] => format!("{first} and {} more", rest.len()),
        [] => String::new(),
    }
}

/// What changing `files` can break, by the graph `g`.
pub fn impact(g: &GraphData, files: &[String], o: &Options) -> Result<Impact> {
    let changed: BTreeSet<&str> = files.iter().map(String::as_str).collect();
    let files: Vec<String> = changed.iter().map(|s| s.to_string()).collect();
    let (owners, unowned) = owners(g, &changed, o.top)?;
    Ok(Impact {
        co_changes: co_changes(g, &changed, o),
        packages: touched_packages(g, &changed)
            .into_keys()
            .map(|k| format!("{} {}", k.2, k.3).trim_end().to_string())
            .collect(),
        dependents: dependents(g, &changed, o.top),
        owners,
        unowned,
        tests: tests(g, &changed, o),
        incidents: incidents(g, &changed, o),
        files,
    })
}

fn co_changes(g: &GraphData, changed: &BTreeSet<&str>, o: &Options) -> Vec<CoChange> {
    let bots: HashSet<&str> = g
        .commits
        .iter()
        .filter(|c| is_bot(&c.author, &c.email))
        .map(|c| c.sha.as_str())
        .collect();
    let mut revs: HashMap<&str, usize> = HashMap::new();
    let mut shared: HashMap<(&str, &str), usize> = HashMap::new();
    // Touches are sorted by commit: each run of one hash is a changeset.
    for set in g.touches.chunk_by(|a, b| a.sha == b.sha) {
        let sha = set[0].sha.as_str();
        if o.exclude.contains(sha) || (!o.include_all && bots.contains(sha)) {
            continue;
        }
        let set: Vec<&str> = set
            .iter()
            .map(|t| t.path.as_str())
            .filter(|f| o.include_all || !is_noise(f))
            .collect();
        if set.len() > o.max_changeset {
            continue;
        }
        for &f in set.iter().filter(|f| changed.contains(*f)) {
            *revs.entry(f).or_default() += 1;
            for &other in set.iter().filter(|x| !changed.contains(*x)) {
                *shared.entry((f, other)).or_default() += 1;
            }
        }
    }
    // Best evidence per co-changing file.
    let mut best: BTreeMap<&str, CoChange> = BTreeMap::new();
    for ((with, file), support) in shared {
        let revisions = revs[with];
        let confidence = support as f64 / revisions as f64;
        if support < o.min_support || confidence < o.min_confidence {
            continue;
        }
        let better = best.get(file).is_none_or(|b| {
            (confidence, support, std::cmp::Reverse(with))
                > (b.confidence, b.support, std::cmp::Reverse(b.with.as_str()))
        });
        if better {
            best.insert(
                file,
                CoChange {
                    file: file.to_string(),
                    with: with.to_string(),
                    support,
                    revisions,
                    confidence,
                    reason: format!(
                        "changed together with {with} in {support} of its {revisions} commits ({})",
                        pct(confidence)
                    ),
                },
            );
        }
    }
    let mut out: Vec<CoChange> = best.into_values().collect();
    out.sort_by(|a, b| {
        b.confidence
            .total_cmp(&a.confidence)
            .then(b.support.cmp(&a.support))
            .then(a.file.cmp(&b.file))
    });
    out.truncate(o.top);
    out
}

type PkgKey<'a> = (&'a str, &'a str, &'a str, &'a str);

/// The project's packages holding changed files: each file belongs to the
/// package whose directory is its longest prefix, per lockfile.
fn touched_packages<'a>(
    g: &'a GraphData,
    changed: &BTreeSet<&str>,
) -> BTreeMap<PkgKey<'a>, Vec<String>> {
    let mut out: BTreeMap<PkgKey, Vec<String>> = BTreeMap::new();
    let mut by_lock: BTreeMap<&str, Vec<&super::data::PackageRow>> = BTreeMap::new();
    for p in g.packages.iter().filter(|p| p.dir.is_some()) {
        by_lock.entry(&p.lockfile).or_default().push(p);
    }
    for f in changed {
        for members in by_lock.values() {
            let owner = members
                .iter()
                .filter(|p| {
                    let d = p.dir.as_deref().unwrap_or("");
                    d.is_empty() || f.strip_prefix(d).is_some_and(|r| r.starts_with('/'))
                })
                .max_by_key(|p| p.dir.as_deref().map_or(0, str::len));
            if let Some(p) = owner {
                out.entry((&p.lockfile, &p.ecosystem, &p.name, &p.version))
                    .or_default()
                    .push(f.to_string());
            }
        }
    }
    out
}

fn dependents(g: &GraphData, changed: &BTreeSet<&str>, top: usize) -> Vec<Dependent> {
    let touched = touched_packages(g, changed);
    let mut rev: HashMap<PkgKey, Vec<PkgKey>> = HashMap::new();
    for d in &g.depends {
        rev.entry((&d.lockfile, &d.ecosystem, &d.to_name, &d.to_version))
            .or_default()
            .push((&d.lockfile, &d.ecosystem, &d.from_name, &d.from_version));
    }
    // Breadth first from every touched package at once: each dependent
    // gets its nearest touched package.
    let mut parent: HashMap<PkgKey, Option<PkgKey>> = HashMap::new();
    let mut depth: HashMap<PkgKey, usize> = HashMap::new();
    let mut queue = VecDeque::new();
    for k in touched.keys() {
        parent.insert(*k, None);
        depth.insert(*k, 0);
        queue.push_back(*k);
    }
    while let Some(k) = queue.pop_front() {
        let mut next = rev.get(&k).cloned().unwrap_or_default();
        next.sort();
        for d in next {
            if let std::collections::hash_map::Entry::Vacant(e) = parent.entry(d) {
                e.insert(Some(k));
                depth.insert(d, depth[&k] + 1);
                queue.push_back(d);
            }
        }
    }
    let label = |k: &PkgKey| k.2.to_string();
    let mut out: Vec<Dependent> = depth
        .iter()
        .filter(|(_, &d)| d > 0)
        .map(|(k, &d)| {
            let mut path = vec![label(k)];
            let mut at = *k;
            while let Some(Some(p)) = parent.get(&at) {
                path.push(label(p));
                at = *p;
            }
            let root = at;
            let via = if path.len() > 2 {
                format!(" through {}", path[1..path.len() - 1].join(" → "))
            } else {
                String::new()
            };
            Dependent {
                package: label(k),
                ecosystem: k.1.to_string(),
                lockfile: k.0.to_string(),
                depth: d,
                reason: format!(
                    "depends on {}{via}, which this change touches ({})",
                    label(&root),
                    list(&touched[&root])
                ),
                path,
            }
        })
        .collect();
    out.sort_by(|a, b| (a.depth, &a.package, &a.lockfile).cmp(&(b.depth, &b.package, &b.lockfile)));
    out.truncate(top);
    out
}

fn owners(
    g: &GraphData,
    changed: &BTreeSet<&str>,
    top: usize,
) -> Result<(Vec<Owner>, Vec<String>)> {
    let Some(rules) = g.owners()? else {
        return Ok((Vec::new(), Vec::new()));
    };
    let mut by: BTreeMap<String, (Vec<String>, BTreeSet<usize>)> = BTreeMap::new();
    let mut unowned = Vec::new();
    for f in changed {
        match rules.rule_for(f) {
            Some(r) if !r.owners.is_empty() => {
                for o in &r.owners {
                    let e = by.entry(o.clone()).or_default();
                    e.0.push(f.to_string());
                    e.1.insert(r.line);
                }
            }
            _ => unowned.push(f.to_string()),
        }
    }
    let mut out: Vec<Owner> = by
        .into_iter()
        .map(|(owner, (files, lines))| {
            let lines: Vec<String> = lines.iter().map(usize::to_string).collect();
            Owner {
                reason: format!(
                    "owns {} of the changed files ({}; CODEOWNERS line {})",
                    files.len(),
                    list(&files),
                    lines.join(", ")
                ),
                owner,
                files,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.files
            .len()
            .cmp(&a.files.len())
            .then(a.owner.cmp(&b.owner))
    });
    out.truncate(top);
    Ok((out, unowned))
}

/// Earlier changes to the changed files: commit → the changed files it
/// touched, and pull request → the same.
struct Earlier<'a> {
    commits: HashMap<&'a str, BTreeSet<&'a str>>,
    prs: HashMap<i64, BTreeSet<&'a str>>,
    shas: HashSet<&'a str>,
}

fn earlier<'a>(g: &'a GraphData, changed: &BTreeSet<&str>, o: &Options) -> Earlier<'a> {
    let pr_of: HashMap<&str, Option<i64>> =
        g.commits.iter().map(|c| (c.sha.as_str(), c.pr)).collect();
    let mut e = Earlier {
        commits: HashMap::new(),
        prs: HashMap::new(),
        shas: g.commits.iter().map(|c| c.sha.as_str()).collect(),
    };
    for t in &g.touches {
        if !changed.contains(t.path.as_str()) || o.exclude.contains(&t.sha) {
            continue;
        }
        e.commits.entry(&t.sha).or_default().insert(&t.path);
        if let Some(Some(pr)) = pr_of.get(t.sha.as_str()) {
            e.prs.entry(*pr).or_default().insert(&t.path);
        }
    }
    e
}

impl Earlier<'_> {
    /// The changed files a change (by commit or pull request) touched.
    fn files(&self, sha: Option<&str>, pr: Option<i64>) -> Option<BTreeSet<&str>> {
        let by_sha = sha
            .and_then(|s| resolve_sha(&self.shas, s))
            .and_then(|s| self.commits.get(s));
        let by_pr = pr.and_then(|p| self.prs.get(&p));
        match (by_sha, by_pr) {
            (None, None) => None,
            (a, b) => Some(a.into_iter().chain(b).flatten().copied().collect()),
        }
    }
}

fn tests(g: &GraphData, changed: &BTreeSet<&str>, o: &Options) -> Vec<FailingTest> {
    let e = earlier(g, changed, o);
    struct Acc<'a> {
        failed: BTreeSet<&'a str>,
        flaky: BTreeSet<&'a str>,
        files: BTreeSet<&'a str>,
        message: Option<&'a str>,
        last: String,
    }
    let mut by: BTreeMap<(&str, &str), Acc> = BTreeMap::new();
    for t in g
        .tests
        .iter()
        .filter(|t| t.outcome == "failed" || t.outcome == "flaky")
    {
        let Some(files) = e.files(t.sha.as_deref(), t.pr) else {
            continue;
        };
        let a = by.entry((&t.suite, &t.name)).or_insert_with(|| Acc {
            failed: BTreeSet::new(),
            flaky: BTreeSet::new(),
            files: BTreeSet::new(),
            message: None,
            last: String::new(),
        });
        if t.outcome == "failed" {
            a.failed.insert(&t.run);
        } else {
            a.flaky.insert(&t.run);
        }
        a.files.extend(files);
        if t.message.is_some() {
            a.message = t.message.as_deref();
        }
        a.last = match (t.pr, &t.sha) {
            (Some(p), _) => format!("#{p}"),
            (None, Some(s)) => s.chars().take(12).collect(),
            _ => t.run.clone(),
        };
    }
    let mut out: Vec<FailingTest> = by
        .into_iter()
        .map(|((suite, name), a)| {
            let files: Vec<String> = a.files.iter().map(|s| s.to_string()).collect();
            let mut what = Vec::new();
            if !a.failed.is_empty() {
                what.push(format!("failed in {} run(s)", a.failed.len()));
            }
            if !a.flaky.is_empty() {
                what.push(format!("was flaky in {} run(s)", a.flaky.len()));
            }
            FailingTest {
                reason: format!(
                    "{} of changes to {} (last: {})",
                    what.join(" and "),
                    list(&files),
                    a.last
                ),
                suite: suite.to_string(),
                name: name.to_string(),
                failed: a.failed.len(),
                flaky: a.flaky.len(),
                files,
                message: a.message.map(str::to_string),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        (b.failed, b.flaky, &a.suite, &a.name).cmp(&(a.failed, a.flaky, &b.suite, &b.name))
    });
    out.truncate(o.top);
    out
}

fn incidents(g: &GraphData, changed: &BTreeSet<&str>, o: &Options) -> Vec<PastIncident> {
    let e = earlier(g, changed, o);
    let mut out: Vec<PastIncident> = g
        .incidents
        .iter()
        .filter_map(|i| {
            let files = e.files(i.commit.as_deref(), i.pr)?;
            let files: Vec<String> = files.iter().map(|s| s.to_string()).collect();
            let cause = match (i.pr, &i.commit) {
                (Some(p), _) => format!("#{p}"),
                (None, Some(c)) => c.chars().take(12).collect(),
                (None, None) => unreachable!("files() needs a link"),
            };
            let title = if i.title.is_empty() {
                String::new()
            } else {
                format!(" \"{}\"", i.title)
            };
            Some(PastIncident {
                reason: format!(
                    "{}{title} ({}) was caused by {cause}, which changed {}",
                    i.id,
                    i.severity,
                    list(&files)
                ),
                id: i.id.clone(),
                severity: i.severity.clone(),
                at_s: i.at_s,
                title: i.title.clone(),
                cause,
                files,
            })
        })
        .collect();
    out.sort_by(|a, b| b.at_s.cmp(&a.at_s).then(a.id.cmp(&b.id)));
    out.truncate(o.top);
    out
}
