//! The 14 change metrics of Kamei et al., "A Large-Scale Empirical Study of
//! Just-in-Time Quality Assurance" (TSE 2013), measured from a git history.
//! The history is replayed oldest first; each change is measured against
//! what came before it, then recorded.
//!
//! Definitions (docs/risk.md lists where published data sets differ):
//! - ns, nd, nf: subsystems (first path component; top-level files are in
//!   `root`), directories and files the change touches.
//! - entropy: −Σ pₖ·log₂ pₖ over the files, pₖ the file's share of the lines
//!   changed (added + deleted); not normalised.
//! - la, ld: lines added and deleted; lt: lines the touched files had
//!   before the change.
//! - fix: 1 when the message names a fix (`[risk] fix_pattern`).
//! - ndev: distinct authors of earlier changes to the files.
//! - age: mean over the files of the days since each was last changed (0
//!   for a new file).
//! - nuc: distinct earlier changes to the files.
//! - exp: the author's earlier changes; rexp: the same weighted by
//!   1 / (1 + age in years); sexp: the author's earlier changes to these
//!   subsystems.

use super::graph_features::{self as graph, Evidence};
use crate::error::{input, Result};
use crate::graph::gitlog::Touch;
use regex::Regex;
use std::collections::{HashMap, HashSet};

/// The metric names, in the order of a row.
pub const NAMES: [&str; 14] = [
    "ns", "nd", "nf", "entropy", "la", "ld", "lt", "fix", "ndev", "age", "nuc", "exp", "rexp",
    "sexp",
];

/// The default fix pattern: Mockus and Votta's keywords, as Kamei et al.
/// used them, as whole words in any case.
pub const FIX_PATTERN: &str = r"(?i)\b(fix(e[sd]|ing)?|bugs?|defects?|patch(e[sd])?)\b";

const DAY: f64 = 86_400.0;
const YEAR: f64 = 365.25 * DAY;

/// A change to measure: one commit, or a range taken as one.
pub struct Change<'a> {
    /// The commit (a range: its head), for the graph's evidence.
    pub sha: &'a str,
    /// The author's identity (an email address after `.mailmap`).
    pub author: &'a str,
    /// When it landed, seconds since the epoch.
    pub at: i64,
    /// The message (a range's messages, joined).
    pub message: &'a str,
    /// The files it touches, with lines added and deleted.
    pub files: &'a [Touch],
}

/// Whether a message names a fix.
pub struct FixPattern(Regex);

impl FixPattern {
    /// `pattern` (a regular expression), or the default.
    pub fn new(pattern: Option<&str>) -> Result<FixPattern> {
        let p = pattern.unwrap_or(FIX_PATTERN);
        Regex::new(p)
            .map(FixPattern)
            .map_err(|e| input(format!("fix pattern `{p}`: {e}")))
    }

    /// 1 when `message` names a fix.
    pub fn is_fix(&self, message: &str) -> bool {
        self.0.is_match(message)
    }
}

#[derive(Default)]
struct FileState {
    /// Its number, stable across renames.
    id: u32,
    /// Whether it exists now (a deleted file keeps its history, should its
    /// path come back, but is no one's partner).
    alive: bool,
    /// Commits shared with each partner (by file number), with graph
    /// features only.
    partners: HashMap<u32, u32>,
    /// Lines now (tracked from lines added and deleted).
    lines: u64,
    /// Indices of the authors who changed it.
    devs: Vec<u32>,
    /// Indices of the changes that touched it.
    changes: Vec<u32>,
    /// When it last changed.
    last: i64,
}

#[derive(Default)]
struct AuthorState {
    /// When each of the author's changes landed.
    times: Vec<i64>,
    /// The author's changes by subsystem.
    by_subsystem: HashMap<String, Vec<u32>>,
}

/// Counts the distinct ids in several lists, with a stamp per id.
#[derive(Default)]
struct Union {
    stamp: Vec<u32>,
    tick: u32,
}

impl Union {
    /// Calls `f` once per distinct id.
    fn each<'a>(&mut self, lists: impl Iterator<Item = &'a [u32]>, mut f: impl FnMut(u32)) {
        self.tick += 1;
        for list in lists {
            for &id in list {
                let i = id as usize;
                if i >= self.stamp.len() {
                    self.stamp.resize(i + 1, 0);
                }
                if self.stamp[i] != self.tick {
                    self.stamp[i] = self.tick;
                    f(id);
                }
            }
        }
    }

    fn count<'a>(&mut self, lists: impl Iterator<Item = &'a [u32]>) -> usize {
        let mut n = 0;
        self.each(lists, |_| n += 1);
        n
    }
}

/// Everything the metrics need from the changes so far.
#[derive(Default)]
pub struct History {
    files: HashMap<String, FileState>,
    next_file: u32,
    authors: HashMap<String, u32>,
    author_states: Vec<AuthorState>,
    changes: u32,
    union: Union,
    /// The graph's evidence, when graph features are measured.
    graph: Option<Evidence>,
    /// Failed tests and incident times of recorded changes, by change.
    failures: HashMap<u32, u32>,
    incidents: HashMap<u32, Vec<i64>>,
}

/// The state of the file a touch changes (under its old name when renamed).
fn lookup<'a>(files: &'a HashMap<String, FileState>, t: &Touch) -> Option<&'a FileState> {
    files
        .get(t.old_path.as_deref().unwrap_or(&t.path))
        .or_else(|| files.get(&t.path))
}

/// The subsystem and directory of a path.
pub fn subsystem_and_directory(path: &str) -> (&str, &str) {
    match path.rfind('/') {
        None => ("root", "root"),
        Some(at) => (path.split('/').next().unwrap_or("root"), &path[..at]),
    }
}

/// −Σ p·log₂ p over the shares of `weights` (zeros left out).
pub fn entropy(weights: impl Iterator<Item = u64> + Clone) -> f64 {
    let total: u64 = weights.clone().sum();
    if total == 0 {
        return 0.0;
    }
    -weights
        .filter(|&w| w > 0)
        .map(|w| {
            let p = w as f64 / total as f64;
            p * p.log2()
        })
        .sum::<f64>()
}

impl History {
    /// An empty history.
    pub fn new() -> History {
        History::default()
    }

    /// An empty history that measures the graph features too.
    pub fn with_graph(e: Evidence) -> History {
        History {
            graph: Some(e),
            ..History::default()
        }
    }

    /// The names of what [`History::measure`] returns.
    pub fn names(&self) -> Vec<&'static str> {
        let mut n = NAMES.to_vec();
        if self.graph.is_some() {
            n.extend(graph::NAMES);
        }
        n
    }

    /// Changes recorded so far.
    pub fn len(&self) -> usize {
        self.changes as usize
    }

    /// Whether nothing is recorded yet.
    pub fn is_empty(&self) -> bool {
        self.changes == 0
    }

    /// The metrics of `c` against the history so far, in
    /// [`History::names`] order. `lt` gives the lines each file had before
    /// the change when the caller knows them exactly (else the tracked count
    /// is used).
    pub fn measure(
        &mut self,
        c: &Change,
        fix: &FixPattern,
        lt: Option<&dyn Fn(&Touch) -> u64>,
    ) -> Vec<f64> {
        let mut subs: Vec<&str> = Vec::new();
        let mut dirs: Vec<&str> = Vec::new();
        let (mut la, mut ld, mut lines_before) = (0u64, 0u64, 0u64);
        let mut age_sum = 0.0;
        for t in c.files {
            let (s, d) = subsystem_and_directory(&t.path);
            if !subs.contains(&s) {
                subs.push(s);
            }
            if !dirs.contains(&d) {
                dirs.push(d);
            }
            la += t.added.unwrap_or(0);
            ld += t.deleted.unwrap_or(0);
            let state = lookup(&self.files, t);
            lines_before += match lt {
                Some(f) => f(t),
                None => state.map_or(0, |f| f.lines),
            };
            if let Some(f) = state {
                age_sum += ((c.at - f.last).max(0)) as f64 / DAY;
            }
        }
        let nf = c.files.len();
        let (files, union) = (&self.files, &mut self.union);
        let touched: Vec<&FileState> = c.files.iter().filter_map(|t| lookup(files, t)).collect();
        let ndev = union.count(touched.iter().map(|f| f.devs.as_slice()));
        let nuc = union.count(touched.iter().map(|f| f.changes.as_slice()));
        let (exp, rexp, sexp) = match self.authors.get(c.author) {
            None => (0, 0.0, 0),
            Some(&a) => {
                let st = &self.author_states[a as usize];
                let rexp = st
                    .times
                    .iter()
                    .map(|&t| 1.0 / (1.0 + ((c.at - t).max(0)) as f64 / YEAR))
                    .sum();
                let sexp = union.count(
                    subs.iter()
                        .filter_map(|s| st.by_subsystem.get(*s))
                        .map(Vec::as_slice),
                );
                (st.times.len(), rexp, sexp)
            }
        };
        let churn = c
            .files
            .iter()
            .map(|t| t.added.unwrap_or(0) + t.deleted.unwrap_or(0));
        let graph = self.graph.as_ref().map(|ev| {
            let (owners, unowned) = ev.ownership(c.files.iter().map(|t| t.path.as_str()));
            let ids: HashSet<u32> = touched.iter().map(|f| f.id).collect();
            let (mut coupled, mut missed) = (HashSet::new(), HashSet::new());
            for f in &touched {
                let n = f.changes.len().max(1) as f64;
                for (&p, &k) in &f.partners {
                    if k >= graph::MIN_SUPPORT && !ids.contains(&p) {
                        coupled.insert(p);
                        if f64::from(k) / n >= graph::MIN_CONFIDENCE {
                            missed.insert(p);
                        }
                    }
                }
            }
            let (mut failures, mut incidents) = (0u32, 0usize);
            let (fails, incs) = (&self.failures, &self.incidents);
            union.each(touched.iter().map(|f| f.changes.as_slice()), |id| {
                failures += fails.get(&id).copied().unwrap_or(0);
                incidents += incs
                    .get(&id)
                    .map_or(0, |v| v.iter().filter(|&&t| t < c.at).count());
            });
            [
                owners as f64,
                unowned as f64,
                coupled.len() as f64,
                missed.len() as f64,
                f64::from(failures),
                incidents as f64,
            ]
        });
        let mut row = vec![
            subs.len() as f64,
            dirs.len() as f64,
            nf as f64,
            entropy(churn),
            la as f64,
            ld as f64,
            lines_before as f64,
            f64::from(u8::from(fix.is_fix(c.message))),
            ndev as f64,
            if nf == 0 { 0.0 } else { age_sum / nf as f64 },
            nuc as f64,
            exp as f64,
            rexp,
            sexp as f64,
        ];
        row.extend(graph.iter().flatten());
        row
    }

    /// Adds `c` to the history.
    pub fn record(&mut self, c: &Change) {
        let id = self.changes;
        self.changes += 1;
        let next = self.authors.len() as u32;
        let author = *self.authors.entry(c.author.to_string()).or_insert(next);
        if author == next {
            self.author_states.push(AuthorState::default());
        }
        let st = &mut self.author_states[author as usize];
        st.times.push(c.at);
        for t in c.files {
            let (s, _) = subsystem_and_directory(&t.path);
            let list = st.by_subsystem.entry(s.to_string()).or_default();
            if list.last() != Some(&id) {
                list.push(id);
            }
        }
        if let Some(ev) = &self.graph {
            if let Some(&n) = ev.failures.get(c.sha) {
                self.failures.insert(id, n);
            }
            if let Some(v) = ev.incidents.get(c.sha) {
                self.incidents.insert(id, v.clone());
            }
        }
        let mut ids = Vec::with_capacity(c.files.len());
        for t in c.files {
            let mut f = t
                .old_path
                .as_deref()
                .and_then(|old| self.files.remove(old))
                .or_else(|| self.files.remove(&t.path))
                .unwrap_or_else(|| {
                    self.next_file += 1;
                    FileState {
                        id: self.next_file,
                        ..FileState::default()
                    }
                });
            let before = f.lines;
            f.lines = (f.lines + t.added.unwrap_or(0)).saturating_sub(t.deleted.unwrap_or(0));
            // Deleted: said so, or every line it had removed and none added.
            f.alive = !(t.gone
                || (t.added == Some(0) && t.deleted.is_some_and(|d| d > 0 && d >= before)));
            if !f.devs.contains(&author) {
                f.devs.push(author);
            }
            if f.changes.last() != Some(&id) {
                f.changes.push(id);
            }
            f.last = f.last.max(c.at);
            if f.alive {
                ids.push(f.id);
            }
            self.files.insert(t.path.clone(), f);
        }
        if self.graph.is_some() {
            self.couple(c, &ids);
        }
    }

    /// Counts the pairs of a changeset of at most [`graph::MAX_CHANGESET`]
    /// living files; a deleted file leaves its partners.
    fn couple(&mut self, c: &Change, ids: &[u32]) {
        let gone: Vec<u32> = c
            .files
            .iter()
            .filter_map(|t| self.files.get(&t.path))
            .filter(|f| !f.alive)
            .map(|f| f.id)
            .collect();
        if !gone.is_empty() {
            for f in self.files.values_mut() {
                for g in &gone {
                    f.partners.remove(g);
                }
            }
        }
        if ids.len() < 2 || ids.len() > graph::MAX_CHANGESET {
            return;
        }
        for t in c.files {
            if let Some(f) = self.files.get_mut(&t.path).filter(|f| f.alive) {
                let me = f.id;
                for &p in ids.iter().filter(|&&p| p != me) {
                    *f.partners.entry(p).or_default() += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(path: &str, added: u64, deleted: u64) -> Touch {
        Touch {
            path: path.into(),
            old_path: None,
            added: Some(added),
            deleted: Some(deleted),
            gone: false,
        }
    }

    fn get(row: &[f64], name: &str) -> f64 {
        row[NAMES.iter().position(|n| *n == name).unwrap()]
    }

    /// A history worked by hand.
    #[test]
    fn metrics_of_a_small_history() {
        let fix = FixPattern::new(None).unwrap();
        let mut h = History::new();
        let day = 86_400;
        let c1 = [touch("src/a.rs", 10, 0), touch("README", 5, 0)];
        let first = Change {
            sha: "1",
            author: "ann",
            at: 0,
            message: "start",
            files: &c1,
        };
        let r = h.measure(&first, &fix, None);
        assert_eq!(get(&r, "ns"), 2.0, "src and root");
        assert_eq!(get(&r, "nd"), 2.0);
        assert_eq!(get(&r, "nf"), 2.0);
        assert_eq!(get(&r, "la"), 15.0);
        assert_eq!(get(&r, "lt"), 0.0);
        assert_eq!(get(&r, "exp"), 0.0);
        assert_eq!(get(&r, "ndev"), 0.0);
        assert!((get(&r, "entropy") - 0.918_295_834).abs() < 1e-6, "10:5");
        h.record(&first);
        let c2 = [touch("src/a.rs", 2, 3)];
        let second = Change {
            sha: "2",
            author: "bob",
            at: 10 * day,
            message: "Fix the parser",
            files: &c2,
        };
        let r = h.measure(&second, &fix, None);
        assert_eq!(get(&r, "fix"), 1.0);
        assert_eq!(get(&r, "lt"), 10.0);
        assert_eq!(get(&r, "age"), 10.0);
        assert_eq!(get(&r, "ndev"), 1.0);
        assert_eq!(get(&r, "nuc"), 1.0);
        assert_eq!(get(&r, "entropy"), 0.0, "one file");
        h.record(&second);
        // ann again, a year on: two files that share both earlier changes'
        // history count each change once.
        let mut renamed = touch("lib/b.rs", 1, 1);
        renamed.old_path = Some("src/a.rs".into());
        let c3 = [renamed, touch("README", 1, 0)];
        let third = Change {
            sha: "3",
            author: "ann",
            at: 365 * day + 6 * 3600,
            message: "prefix fixture; debugging",
            files: &c3,
        };
        let r = h.measure(&third, &fix, None);
        assert_eq!(get(&r, "fix"), 0.0, "whole words only");
        assert_eq!(get(&r, "nuc"), 2.0);
        assert_eq!(get(&r, "ndev"), 2.0, "the rename keeps the history");
        assert_eq!(get(&r, "lt"), 9.0 + 5.0);
        assert_eq!(get(&r, "exp"), 1.0);
        assert!(
            (get(&r, "rexp") - 0.5).abs() < 1e-9,
            "one change a year ago"
        );
        assert_eq!(get(&r, "sexp"), 1.0, "ann's first change touched root");
        assert!((get(&r, "age") - (355.25 + 365.25) / 2.0).abs() < 1e-9);
        h.record(&third);
        assert_eq!(h.len(), 3);
        assert!(h.files.contains_key("lib/b.rs") && !h.files.contains_key("src/a.rs"));
    }

    #[test]
    fn paths_and_entropy() {
        assert_eq!(subsystem_and_directory("a.rs"), ("root", "root"));
        assert_eq!(subsystem_and_directory("x/y/z.rs"), ("x", "x/y"));
        assert_eq!(entropy([0u64, 0].into_iter()), 0.0);
        assert!((entropy([1u64, 1, 1, 1].into_iter()) - 2.0).abs() < 1e-12);
    }
}
