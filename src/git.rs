//! Running git, and reading what it prints: the repository root and the
//! lines a diff added. Revisions come from users and pull requests: one that
//! starts with `-` is refused, and `--end-of-options` goes before them, so
//! that none is ever read as an option (`--output=FILE` writes a file).

use crate::error::{input, Result};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Lines (1-based, inclusive ranges) that a diff added, per path.
pub type Changed = HashMap<String, Vec<(usize, usize)>>;

/// Runs `git ARGS` in `dir`; its stdout, or an input error with the first
/// line git printed on stderr.
pub fn run(dir: &Path, args: &[&str]) -> Result<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| input(format!("cannot run git: {e}")))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let first = err.lines().next().unwrap_or("failed");
        return Err(input(format!(
            "git {}: {first}{}",
            args.join(" "),
            if missing_history(&err) && is_shallow(dir) {
                " (this is a shallow clone without that history: check out with \
                 `fetch-depth: 0` in actions/checkout, or run `git fetch --unshallow`)"
            } else {
                ""
            }
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Whether git failed for want of a commit (as in a shallow clone).
fn missing_history(stderr: &str) -> bool {
    [
        "unknown revision",
        "bad revision",
        "bad object",
        "no merge base",
        "Invalid revision range",
        "ambiguous argument",
    ]
    .iter()
    .any(|m| stderr.contains(m))
}

fn is_shallow(dir: &Path) -> bool {
    Command::new("git")
        .args(["rev-parse", "--is-shallow-repository"])
        .current_dir(dir)
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"true"))
}

/// The root of the work tree that holds `dir`.
pub fn toplevel(dir: &Path) -> Result<PathBuf> {
    Ok(PathBuf::from(
        run(dir, &["rev-parse", "--show-toplevel"])?.trim(),
    ))
}

/// The lines added or changed from `base` to `head` (the work tree when
/// `head` is empty), for added, modified and renamed files. With
/// `three_dot`, from the merge base of the two to `head` (`HEAD` when empty):
/// what a pull request's branch itself changed.
pub fn added_lines(dir: &Path, base: &str, head: &str, three_dot: bool) -> Result<Changed> {
    for rev in [base, head] {
        check_revision(rev)?;
    }
    let range = format!("{base}...{}", if head.is_empty() { "HEAD" } else { head });
    let mut args = vec![
        "diff",
        "--no-color",
        "--no-ext-diff",
        "--unified=0",
        "--diff-filter=AMR",
        "--end-of-options",
    ];
    if three_dot {
        args.push(&range);
    } else {
        args.push(base);
        if !head.is_empty() {
            args.push(head);
        }
    }
    Ok(parse_diff(&run(dir, &args)?))
}

/// The paths that differ between `base` and `head` (a `A...B` merge-base
/// diff when `three_dot`), deletions included, renames as their new path.
pub fn changed_paths(dir: &Path, base: &str, head: &str, three_dot: bool) -> Result<Vec<String>> {
    for rev in [base, head] {
        check_revision(rev)?;
    }
    let spec = if three_dot {
        format!("{base}...{head}")
    } else {
        format!("{base}..{head}")
    };
    let out = run(
        dir,
        &[
            "-c",
            "core.quotepath=off",
            "diff",
            "--name-only",
            "-z",
            "--no-ext-diff",
            "--end-of-options",
            &spec,
            "--",
        ],
    )?;
    Ok(out
        .split('\0')
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect())
}

/// The commits in `range` (`A..B`).
pub fn rev_list(dir: &Path, range: &str) -> Result<Vec<String>> {
    for rev in range.split("..").filter(|r| !r.is_empty()) {
        check_revision(rev.trim_start_matches('.'))?;
    }
    Ok(run(dir, &["rev-list", "--end-of-options", range, "--"])?
        .lines()
        .map(str::to_string)
        .collect())
}

/// The file `path` as it was at `rev`, with the files beside it that a
/// lockfile reader consults (the `Cargo.toml`s below it, `package.json`,
/// `go.mod`/`go.sum`, the other `*.txt` requirements), written to a new
/// temporary directory in the same layout. Returns the directory (removed
/// when dropped) and `path`'s copy in it.
pub fn files_at(rev: &str, path: &Path) -> Result<(tempfile::TempDir, PathBuf)> {
    check_revision(rev)?;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file = path
        .file_name()
        .and_then(|f| f.to_str())
        .ok_or_else(|| input(format!("{}: not a file name", path.display())))?;
    let prefix = run(dir, &["rev-parse", "--show-prefix"])?
        .trim()
        .to_string();
    let mut ls = vec![
        "ls-tree",
        "-r",
        "--name-only",
        "--full-tree",
        "--end-of-options",
        rev,
    ];
    // At the repository's root the prefix is empty, which is no pathspec.
    if !prefix.is_empty() {
        ls.extend(["--", prefix.as_str()]);
    }
    let listed = run(dir, &ls)?;
    let wanted = |rel: &str| {
        let (sub, name) = rel.rsplit_once('/').unwrap_or(("", rel));
        (sub.is_empty() && name == file)
            || name == "Cargo.toml"
            || (sub.is_empty()
                && (matches!(name, "package.json" | "go.mod" | "go.sum") || name.ends_with(".txt")))
    };
    let tmp = tempfile::tempdir().map_err(|e| input(format!("a temporary directory: {e}")))?;
    let mut found = false;
    for full in listed.lines() {
        let rel = full.strip_prefix(&prefix).unwrap_or(full);
        if !wanted(rel) {
            continue;
        }
        found |= rel == file;
        let blob = Command::new("git")
            .args(["cat-file", "blob", &format!("{rev}:{full}")])
            .current_dir(dir)
            .output()
            .map_err(|e| input(format!("cannot run git: {e}")))?;
        if !blob.status.success() {
            continue;
        }
        let dest = tmp.path().join(rel);
        if let Some(d) = dest.parent() {
            std::fs::create_dir_all(d).map_err(|e| input(format!("{}: {e}", d.display())))?;
        }
        std::fs::write(&dest, blob.stdout)
            .map_err(|e| input(format!("{}: {e}", dest.display())))?;
    }
    if !found {
        return Err(input(format!("{}: not in revision {rev}", path.display())));
    }
    let copy = tmp.path().join(file);
    Ok((tmp, copy))
}

/// Refuses a revision that git could read as an option, or that holds a
/// control character.
pub fn check_revision(rev: &str) -> Result<()> {
    if rev.starts_with('-') || rev.chars().any(char::is_control) {
        return Err(input(format!(
            "revision `{}`: must not start with `-` or hold control characters",
            rev.escape_debug()
        )));
    }
    Ok(())
}

/// Parses `git diff --unified=0` output into added line ranges per path.
pub fn parse_diff(diff: &str) -> Changed {
    let mut out: Changed = HashMap::new();
    let mut path: Option<String> = None;
    for l in diff.lines() {
        if let Some(p) = l.strip_prefix("+++ ") {
            path = p
                .strip_prefix("b/")
                .map(str::to_string)
                .filter(|_| p != "/dev/null");
        } else if let (Some(p), Some(h)) = (&path, l.strip_prefix("@@ ")) {
            // @@ -a,b +c,d @@
            let Some(plus) = h.split_whitespace().find(|x| x.starts_with('+')) else {
                continue;
            };
            let mut it = plus[1..].split(',');
            let start: usize = it.next().and_then(|x| x.parse().ok()).unwrap_or(0);
            let count: usize = it.next().and_then(|x| x.parse().ok()).unwrap_or(1);
            if count > 0 {
                out.entry(p.clone())
                    .or_default()
                    .push((start, start + count - 1));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_ranges() {
        let d = "diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -1,0 +2,3 @@\n+a\n@@ -9 +12 @@\n+b\n@@ -20,2 +24,0 @@\n";
        let c = parse_diff(d);
        assert_eq!(c["x.py"], vec![(2, 4), (12, 12)]);
    }
}
