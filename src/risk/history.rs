//! The change metrics of a repository's commits, or of one change (a
//! commit, or a range taken as one), read from git.

use super::features::{Change, FixPattern, History};
use crate::error::{input, Result};
use crate::git::{self, check_revision};
use crate::graph::gitlog::{self, Parser, Touch};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

/// git's empty tree: the base of a root commit.
const EMPTY_TREE: &str = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

/// One measured change.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The commit (a range: its head).
    pub sha: String,
    /// When it landed (commit time), seconds since the epoch.
    pub at: i64,
    /// The metrics, in `History::names` order.
    pub values: Vec<f64>,
}

/// `git log` over `rev`'s history, oldest first, without merges (a merge's
/// changes are its commits'), commit time as the time; with `lines` the
/// lines added and deleted, else paths and status; renames followed when
/// asked.
pub fn log_args(rev: &str, lines: bool, renames: bool) -> Vec<String> {
    [
        "-c",
        "core.quotepath=off",
        "log",
        "--no-merges",
        "--date-order",
        "--reverse",
        "--use-mailmap",
        if lines { "--numstat" } else { "--name-status" },
        if renames { "-M" } else { "--no-renames" },
        "-z",
        "--format=%x1e%H%x1f%P%x1f%aN%x1f%aE%x1f%ct%x1f%B%x1f",
        "--end-of-options",
        rev,
        "--",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// The identity experience is counted by: the email after `.mailmap`, or
/// the name when there is none.
fn identity(name: &str, email: &str) -> String {
    if email.is_empty() {
        name.to_string()
    } else {
        email.to_lowercase()
    }
}

/// Every commit of `rev`'s history, measured against `h` (empty, or with
/// the graph's evidence) and handed to `each` (with `keep` saying which to
/// measure), oldest first. Returns git's warning when it stopped early (a
/// partial clone).
pub fn history(
    repo: &Path,
    rev: &str,
    fix: &FixPattern,
    mut h: History,
    keep: impl Fn(i64) -> bool,
    mut each: impl FnMut(Row) -> Result<()>,
) -> Result<Option<String>> {
    check_revision(rev)?;
    gitlog::run(repo, &log_args(rev, true, true), |c| {
        let author = identity(&c.author, &c.email);
        let change = Change {
            sha: &c.sha,
            author: &author,
            at: c.at,
            message: &c.message,
            files: &c.files,
        };
        if keep(c.at) {
            let values = h.measure(&change, fix, None);
            each(Row {
                sha: c.sha.clone(),
                at: c.at,
                values,
            })?;
        }
        h.record(&change);
        Ok(())
    })
}

/// The history of `rev` recorded into `h` (paths only: the metrics of a
/// later change need no earlier line counts).
fn replay(repo: &Path, rev: &str, mut h: History) -> Result<History> {
    if rev == EMPTY_TREE {
        return Ok(h);
    }
    gitlog::run(repo, &log_args(rev, false, true), |c| {
        let author = identity(&c.author, &c.email);
        h.record(&Change {
            sha: &c.sha,
            author: &author,
            at: c.at,
            message: &c.message,
            files: &c.files,
        });
        Ok(())
    })?;
    Ok(h)
}

/// The commits a reference stands for: a commit itself, or a merge's
/// brought-in commits (those of its other parents not reachable from its
/// first). Empty when `rev` names no commit here.
pub fn commits_of(repo: &Path, rev: &str) -> Vec<String> {
    if check_revision(rev).is_err() {
        return Vec::new();
    }
    let Ok(p) = with_parents(repo, rev) else {
        return Vec::new();
    };
    match p.as_slice() {
        [] => Vec::new(),
        [sha] | [sha, _] => vec![sha.clone()],
        [merge, first, ..] => git::rev_list(repo, &format!("{first}..{merge}"))
            .unwrap_or_default()
            .into_iter()
            .filter(|s| s != merge)
            .collect(),
    }
}

/// The commit `rev` names, then its parents.
fn with_parents(repo: &Path, rev: &str) -> Result<Vec<String>> {
    let line = git::run(
        repo,
        &["rev-list", "--parents", "-n", "1", "--end-of-options", rev],
    )?;
    Ok(line.split_whitespace().map(str::to_string).collect())
}

/// A commit's first parent, or the empty tree for a root commit.
fn parent_of(repo: &Path, sha: &str) -> Result<String> {
    Ok(with_parents(repo, sha)?
        .into_iter()
        .nth(1)
        .unwrap_or_else(|| EMPTY_TREE.to_string()))
}

/// The base and head of `A..B` (base: their merge base, as a pull request
/// is reviewed) or of one commit (base: its first parent).
pub fn endpoints(
    repo: &Path,
    range: Option<&str>,
    commit: Option<&str>,
) -> Result<(String, String)> {
    if let Some(sha) = commit {
        check_revision(sha)?;
        let head = resolve(repo, sha)?;
        return Ok((parent_of(repo, &head)?, head));
    }
    let range = range.unwrap_or("HEAD^..HEAD");
    let (a, b) = range
        .split_once("...")
        .or_else(|| range.split_once(".."))
        .ok_or_else(|| input(format!("range `{range}`: expected BASE..HEAD")))?;
    let b = if b.is_empty() { "HEAD" } else { b };
    for r in [a, b] {
        check_revision(r)?;
    }
    let head = resolve(repo, b)?;
    let base = git::run(repo, &["merge-base", "--end-of-options", a, &head])?;
    Ok((base.trim().to_string(), head))
}

fn resolve(repo: &Path, rev: &str) -> Result<String> {
    let spec = format!("{rev}^{{commit}}");
    Ok(
        git::run(repo, &["rev-parse", "--verify", "--end-of-options", &spec])?
            .trim()
            .to_string(),
    )
}

/// The files `base`..`head` touches, as one diff.
fn diff(repo: &Path, base: &str, head: &str) -> Result<Vec<Touch>> {
    let out = Command::new("git")
        .args([
            "-c",
            "core.quotepath=off",
            "diff",
            "--numstat",
            "-M",
            "-z",
            "--end-of-options",
            base,
            head,
            "--",
        ])
        .current_dir(repo)
        .output()
        .map_err(|e| input(format!("cannot run git: {e}")))?;
    if !out.status.success() {
        return Err(input(format!(
            "git diff {base} {head}: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .next()
                .unwrap_or("failed")
        )));
    }
    Parser::new(std::io::Cursor::new(out.stdout)).touches()
}

/// Lines in each of `paths` at `rev`: blob ids from one `git ls-tree`, the
/// blobs from one `git cat-file --batch` (by id, so no path can break the
/// exchange).
fn line_counts(repo: &Path, rev: &str, paths: &[&str]) -> Result<HashMap<String, u64>> {
    let mut out = HashMap::new();
    if paths.is_empty() || rev == EMPTY_TREE {
        return Ok(out);
    }
    let wanted: std::collections::HashSet<&str> = paths.iter().copied().collect();
    let tree = Command::new("git")
        .args([
            "ls-tree",
            "-r",
            "-z",
            "--full-tree",
            "--end-of-options",
            rev,
        ])
        .current_dir(repo)
        .output()
        .map_err(|e| input(format!("cannot run git: {e}")))?;
    if !tree.status.success() {
        return Err(input(format!("git ls-tree {rev}: failed")));
    }
    // `MODE TYPE OID\tPATH\0`
    let mut blobs: Vec<(String, String)> = Vec::new();
    for entry in tree.stdout.split(|&b| b == 0) {
        let Some(tab) = entry.iter().position(|&b| b == b'\t') else {
            continue;
        };
        let path = String::from_utf8_lossy(&entry[tab + 1..]).into_owned();
        let head = String::from_utf8_lossy(&entry[..tab]).into_owned();
        let mut f = head.split(' ');
        if let (Some(_), Some("blob"), Some(oid)) = (f.next(), f.next(), f.next()) {
            if wanted.contains(path.as_str()) {
                blobs.push((path, oid.to_string()));
            }
        }
    }
    if blobs.is_empty() {
        return Ok(out);
    }
    let mut child = Command::new("git")
        .args(["cat-file", "--batch"])
        .current_dir(repo)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| input(format!("cannot run git: {e}")))?;
    let mut stdin = child.stdin.take().expect("piped stdin");
    let requests: String = blobs.iter().map(|(_, oid)| format!("{oid}\n")).collect();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(requests.as_bytes());
    });
    let mut r = BufReader::new(child.stdout.take().expect("piped stdout"));
    for (path, _) in blobs {
        let mut header = String::new();
        if r.read_line(&mut header)
            .map_err(|e| input(format!("git cat-file: {e}")))?
            == 0
        {
            break;
        }
        // `OID TYPE SIZE`, or `OID missing` (a partial clone).
        let Some(size) = header
            .split_whitespace()
            .nth(2)
            .and_then(|s| s.parse::<u64>().ok())
        else {
            continue;
        };
        let mut blob = Vec::with_capacity(size as usize);
        (&mut r)
            .take(size + 1)
            .read_to_end(&mut blob)
            .map_err(|e| input(format!("git cat-file: {e}")))?;
        blob.truncate(size as usize);
        let newlines = blob.iter().filter(|&&b| b == b'\n').count() as u64;
        let last = u64::from(!blob.is_empty() && blob.last() != Some(&b'\n'));
        out.insert(path, newlines + last);
    }
    let _ = writer.join();
    let _ = child.wait();
    Ok(out)
}

/// The metrics of `base`..`head` taken as one change: its files and lines
/// from one diff, the lines the files had at `base`, the history as of
/// `base`, the author and time of `head`, the messages of every commit in
/// the range.
pub fn measure_change(
    repo: &Path,
    base: &str,
    head: &str,
    fix: &FixPattern,
    h: History,
) -> Result<Row> {
    let mut h = replay(repo, base, h)?;
    let files = diff(repo, base, head)?;
    let olds: Vec<&str> = files
        .iter()
        .map(|t| t.old_path.as_deref().unwrap_or(&t.path))
        .collect();
    let lines = line_counts(repo, base, &olds)?;
    let info = git::run(
        repo,
        &[
            "log",
            "-1",
            "--use-mailmap",
            "--format=%aN%x00%aE%x00%ct",
            "--end-of-options",
            head,
        ],
    )?;
    let mut parts = info.trim_end().split('\0');
    let (name, email) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let at: i64 = parts.next().and_then(|t| t.parse().ok()).unwrap_or(0);
    let span = if base == EMPTY_TREE {
        head.to_string()
    } else {
        format!("{base}..{head}")
    };
    let message = git::run(repo, &["log", "--format=%B", "--end-of-options", &span])?;
    let author = identity(name, email);
    let change = Change {
        sha: head,
        author: &author,
        at,
        message: &message,
        files: &files,
    };
    let lt = |t: &Touch| -> u64 {
        if t.added.is_none() {
            return 0;
        }
        *lines
            .get(t.old_path.as_deref().unwrap_or(&t.path))
            .unwrap_or(&0)
    };
    let values = h.measure(&change, fix, Some(&lt));
    Ok(Row {
        sha: head.to_string(),
        at,
        values,
    })
}
