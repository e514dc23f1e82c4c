//! Labels from a repository's own history: a commit is defect-inducing
//! when a later commit reverts it, when a later fix deletes or changes
//! lines it wrote (SZZ: Śliwerski, Zimmermann and Zeller, 2005, with blame
//! ignoring whitespace and blank or comment-only lines), or when an
//! incident in the knowledge graph names it. A commit with none of these
//! is clean only once it is older than the maturity horizon: its bugs have
//! had time to be found. Younger ones are censored (no label).

use super::features::FixPattern;
use crate::error::{input, Result};
use crate::git::{self, check_revision};
use crate::graph::gitlog;
use crate::percentile::nearest_rank;
use rayon::prelude::*;
use std::collections::{BTreeSet, HashMap};
use std::path::Path;

/// Why a commit is labelled defect-inducing.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Evidence {
    /// A later commit reverts it.
    Reverted(String),
    /// A later fix changes lines it wrote.
    Blamed(String),
    /// An incident names it.
    Incident(String),
}

impl Evidence {
    /// In words, for the `reason` column.
    pub fn describe(&self) -> String {
        match self {
            Evidence::Reverted(by) => format!("reverted by {}", short(by)),
            Evidence::Blamed(fix) => format!("lines changed by fix {}", short(fix)),
            Evidence::Incident(id) => format!("incident {id}"),
        }
    }
}

fn short(sha: &str) -> &str {
    &sha[..sha.len().min(12)]
}

/// One commit's label.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    /// The commit.
    pub sha: String,
    /// Its commit time.
    pub at: i64,
    /// 1, 0, or `None` while censored.
    pub label: Option<u8>,
    /// The evidence for a 1.
    pub evidence: BTreeSet<Evidence>,
}

/// How the maturity horizon is set.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Horizon {
    /// The time within which 80 % of the history's own fixes came, from 30
    /// days to a year (90 days when the history has no SZZ pairs).
    Auto,
    /// A fixed number of seconds.
    Seconds(i64),
}

/// The labels and how they were reached.
#[derive(Debug)]
pub struct Labelled {
    /// One per non-merge commit, oldest first.
    pub labels: Vec<Label>,
    /// The horizon used, in seconds.
    pub horizon: i64,
    /// Fix commits examined.
    pub fixes: usize,
    /// Fix commits left out for touching more than `max_fix_files` files.
    pub large_fixes: usize,
}

/// Options of [`label`].
pub struct Options<'a> {
    /// What names a fix.
    pub fix: &'a FixPattern,
    /// The maturity horizon.
    pub horizon: Horizon,
    /// Fixes touching more files than this are left out (mass edits).
    pub max_fix_files: usize,
    /// `(commit sha or prefix, incident id)` pairs from the graph.
    pub incidents: &'a [(String, String)],
}

struct Seen {
    sha: String,
    parent: Option<String>,
    at: i64,
    message: String,
    files: usize,
}

/// Labels every non-merge commit of `rev`'s history.
pub fn label(repo: &Path, rev: &str, o: &Options) -> Result<Labelled> {
    check_revision(rev)?;
    let mut seen = Vec::new();
    gitlog::run(repo, &super::history::log_args(rev, false, false), |c| {
        seen.push(Seen {
            parent: c.parents.first().cloned(),
            files: c.files.len(),
            sha: c.sha,
            at: c.at,
            message: c.message,
        });
        Ok(())
    })?;
    let index: HashMap<&str, usize> = seen
        .iter()
        .enumerate()
        .map(|(i, s)| (s.sha.as_str(), i))
        .collect();
    let mut sorted: Vec<&str> = seen.iter().map(|s| s.sha.as_str()).collect();
    sorted.sort_unstable();
    let find = |prefix: &str| -> Option<usize> {
        let p = prefix.to_ascii_lowercase();
        let at = sorted.partition_point(|s| *s < p.as_str());
        let hit = sorted.get(at).filter(|s| s.starts_with(&p))?;
        // An ambiguous prefix names nothing.
        if sorted.get(at + 1).is_some_and(|s| s.starts_with(&p)) {
            return None;
        }
        index.get(hit).copied()
    };
    let mut evidence: Vec<BTreeSet<Evidence>> = vec![BTreeSet::new(); seen.len()];
    for s in &seen {
        if let Some(i) = gitlog::reverted(&s.message).as_deref().and_then(find) {
            evidence[i].insert(Evidence::Reverted(s.sha.clone()));
        }
    }
    for (sha, id) in o.incidents {
        if let Some(i) = find(sha) {
            evidence[i].insert(Evidence::Incident(id.clone()));
        }
    }
    let fixes: Vec<&Seen> = seen
        .iter()
        .filter(|s| s.parent.is_some() && o.fix.is_fix(&s.message))
        .collect();
    let large_fixes = fixes.iter().filter(|s| s.files > o.max_fix_files).count();
    let pairs: Vec<(String, String)> = fixes
        .par_iter()
        .filter(|s| s.files <= o.max_fix_files)
        .map(|s| blamed(repo, s).map(|v| v.into_iter().map(|b| (b, s.sha.clone())).collect()))
        .collect::<Result<Vec<Vec<_>>>>()?
        .into_iter()
        .flatten()
        .collect();
    let mut delays = Vec::new();
    for (inducing, fix) in pairs {
        let (Some(&i), Some(&f)) = (index.get(inducing.as_str()), index.get(fix.as_str())) else {
            continue;
        };
        if i == f {
            continue;
        }
        delays.push(seen[f].at - seen[i].at);
        evidence[i].insert(Evidence::Blamed(fix));
    }
    let horizon = match o.horizon {
        Horizon::Seconds(s) => s,
        Horizon::Auto => auto_horizon(&mut delays),
    };
    let newest = seen.iter().map(|s| s.at).max().unwrap_or(0);
    let labels = seen
        .iter()
        .zip(evidence)
        .map(|(s, ev)| {
            let label = if !ev.is_empty() {
                Some(1)
            } else if newest - s.at >= horizon {
                Some(0)
            } else {
                None
            };
            Label {
                sha: s.sha.clone(),
                at: s.at,
                label,
                evidence: ev,
            }
        })
        .collect();
    Ok(Labelled {
        labels,
        horizon,
        fixes: fixes.len(),
        large_fixes,
    })
}

const DAY: i64 = 86_400;

/// The 80th percentile of the fix delays, from 30 days to a year (90 days
/// with none). Beyond a year the horizon would hold back more recent
/// history than the labels it saves are worth.
pub fn auto_horizon(delays: &mut [i64]) -> i64 {
    if delays.is_empty() {
        return 90 * DAY;
    }
    delays.sort_unstable();
    nearest_rank(delays, 0.8).clamp(30 * DAY, 365 * DAY)
}

/// Whether a deleted line says nothing a bug could live in: blank, or a
/// comment alone.
fn is_trivial(line: &str) -> bool {
    let t = line.trim();
    t.is_empty()
        || ["//", "#", "/*", "*", "--", "<!--"]
            .iter()
            .any(|p| t.starts_with(p))
}

/// The commits that wrote the lines fix `s` deletes or changes: blame of
/// its parent, whitespace ignored, one `git blame` per file.
fn blamed(repo: &Path, s: &Seen) -> Result<Vec<String>> {
    let parent = s.parent.as_deref().unwrap_or_default();
    let diff = git::run(
        repo,
        &[
            "-c",
            "core.quotepath=off",
            "diff",
            "--no-color",
            "--no-ext-diff",
            "--no-renames",
            "--unified=0",
            "--end-of-options",
            parent,
            &s.sha,
            "--",
        ],
    )?;
    let mut out = BTreeSet::new();
    for (path, lines) in deleted_lines(&diff) {
        let mut args: Vec<String> = vec!["blame".into(), "--porcelain".into(), "-w".into()];
        for (a, b) in ranges(&lines) {
            args.push(format!("-L{a},{b}"));
        }
        // `git blame` takes no `--end-of-options`; `parent` is a full hash
        // from the log.
        args.extend([parent.into(), "--".into(), path]);
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        // A file blame cannot read (a submodule, an odd path) gives nothing.
        let Ok(blame) = git::run(repo, &refs) else {
            continue;
        };
        for l in blame.lines() {
            let mut f = l.split(' ');
            if let (Some(sha), Some(_), Some(_)) = (f.next(), f.next(), f.next()) {
                if sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()) {
                    out.insert(sha.to_string());
                }
            }
        }
    }
    Ok(out.into_iter().collect())
}

/// The old line numbers each file's hunks delete, trivial lines left out,
/// from `git diff --unified=0`.
pub fn deleted_lines(diff: &str) -> Vec<(String, Vec<usize>)> {
    let mut out: Vec<(String, Vec<usize>)> = Vec::new();
    let mut path: Option<String> = None;
    let mut header = false;
    let mut line = 0usize;
    for l in diff.lines() {
        if l.starts_with("diff --git ") {
            header = true;
            path = None;
        } else if header && l.starts_with("--- ") {
            path = l[4..].strip_prefix("a/").map(str::to_string);
            if let Some(p) = &path {
                out.push((p.clone(), Vec::new()));
            }
        } else if let Some(h) = l.strip_prefix("@@ -") {
            header = false;
            let spec = h.split(' ').next().unwrap_or("");
            line = spec
                .split(',')
                .next()
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
        } else if let Some(text) = l.strip_prefix('-').filter(|_| !header) {
            if path.is_some() {
                if !is_trivial(text) {
                    if let Some(last) = out.last_mut() {
                        last.1.push(line);
                    }
                }
                line += 1;
            }
        }
    }
    out.retain(|(_, v)| !v.is_empty());
    out
}

/// Consecutive line numbers as inclusive ranges.
fn ranges(lines: &[usize]) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    for &l in lines {
        match out.last_mut() {
            Some((_, b)) if *b + 1 == l => *b = l,
            _ => out.push((l, l)),
        }
    }
    out
}

/// Parses a horizon: `auto`, or a duration such as `90d`.
pub fn parse_horizon(s: &str) -> Result<Horizon> {
    if s == "auto" {
        return Ok(Horizon::Auto);
    }
    humantime::parse_duration(s)
        .map(|d| Horizon::Seconds(d.as_secs() as i64))
        .map_err(|e| input(format!("horizon `{s}`: {e} (expected auto or e.g. 90d)")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deleted_lines_skip_blank_and_comment_lines() {
        let diff = "diff --git a/src/x.rs b/src/x.rs\n--- a/src/x.rs\n+++ b/src/x.rs\n@@ -3,4 +3,1 @@ fn f\n-    let a = 1;\n-\n-    // why\n-    let b = 2;\n+    let c = 3;\n@@ -20,3 +17,0 @@\n-    done();\n--- a/not/a/header\n-    more();\ndiff --git a/new.rs b/new.rs\n--- /dev/null\n+++ b/new.rs\n@@ -0,0 +1 @@\n+x\n";
        assert_eq!(
            deleted_lines(diff),
            vec![("src/x.rs".to_string(), vec![3, 6, 20, 22])]
        );
        assert_eq!(
            ranges(&[3, 4, 5, 9, 11, 12]),
            vec![(3, 5), (9, 9), (11, 12)]
        );
    }

    #[test]
    fn horizon_is_the_eightieth_percentile_with_a_floor() {
        let mut d: Vec<i64> = (1..=10).map(|i| i * 10 * DAY).collect();
        assert_eq!(auto_horizon(&mut d), 80 * DAY);
        assert_eq!(auto_horizon(&mut [DAY]), 30 * DAY);
        assert_eq!(auto_horizon(&mut []), 90 * DAY);
        assert_eq!(auto_horizon(&mut [4000 * DAY]), 365 * DAY);
        assert_eq!(parse_horizon("90d").unwrap(), Horizon::Seconds(90 * DAY));
        assert!(parse_horizon("soon").is_err());
    }
}
