//! Reading a history from `git log`: one process, streamed, in a format
//! that no commit message or file name can break. Each record is
//! `\x1e SHA \x1f PARENTS \x1f AUTHOR \x1f EMAIL \x1f TIME \x1f MESSAGE \x1f \0`
//! followed by `--numstat -z` entries (`ADDED \t DELETED \t PATH \0`, or
//! `ADDED \t DELETED \t \0 OLD \0 NEW \0` for a rename). A message cannot
//! hold a NUL, so `\x1f\0` ends it; entries are parsed by their own shape,
//! so a path holding `\x1e` stays a path.

use crate::error::{input, Result};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};

/// One commit as `git log` gives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Commit {
    /// Full SHA.
    pub sha: String,
    /// Parent SHAs (two or more for a merge).
    pub parents: Vec<String>,
    /// Author name (after `.mailmap`).
    pub author: String,
    /// Author email (after `.mailmap`).
    pub email: String,
    /// Author time, seconds since the epoch (the commit time when the
    /// format asked for `%ct`).
    pub at: i64,
    /// The whole message.
    pub message: String,
    /// Files touched.
    pub files: Vec<Touch>,
}

/// One file a commit touched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Touch {
    /// The path after the commit.
    pub path: String,
    /// The path before, when the commit renamed it.
    pub old_path: Option<String>,
    /// Lines added (`None` for a binary file).
    pub added: Option<u64>,
    /// Lines deleted (`None` for a binary file).
    pub deleted: Option<u64>,
    /// The commit deleted the file (`--name-status` says so; `--numstat`
    /// does not, and leaves this false).
    pub gone: bool,
}

impl Commit {
    /// The first line of the message.
    pub fn subject(&self) -> &str {
        self.message.lines().next().unwrap_or("")
    }

    /// The pull request this commit landed: `Merge pull request #123 from …`
    /// or a squash subject ending in `(#123)`.
    pub fn pr(&self) -> Option<u64> {
        let s = self.subject().trim_end();
        if let Some(rest) = s.strip_prefix("Merge pull request #") {
            return rest
                .split(|c: char| !c.is_ascii_digit())
                .next()?
                .parse()
                .ok();
        }
        let open = s.rfind("(#")?;
        let num = s[open + 2..].strip_suffix(')')?;
        num.parse().ok()
    }

    /// The commit this one reverts (`This reverts commit SHA.`).
    pub fn reverts(&self) -> Option<String> {
        reverted(&self.message)
    }
}

/// The commit a message says it reverts (`This reverts commit SHA.`).
pub fn reverted(message: &str) -> Option<String> {
    let at = message.find("This reverts commit ")?;
    let sha: String = message[at + "This reverts commit ".len()..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    (sha.len() >= 7).then_some(sha)
}

/// The `git log` arguments for the first-parent history of `range`: each
/// commit that landed on the branch, a merge carrying its pull request's
/// files (its diff against the first parent), renames followed. With
/// `lines`, `--numstat` (lines added and deleted; git must diff every
/// blob), else `--name-status` (paths only, several times faster).
pub fn log_args(range: &str, since: Option<&str>, lines: bool, renames: bool) -> Vec<String> {
    let mut a: Vec<String> = [
        "-c",
        "core.quotepath=off",
        "log",
        "--first-parent",
        "--diff-merges=first-parent",
        "--use-mailmap",
        if lines { "--numstat" } else { "--name-status" },
        if renames { "-M" } else { "--no-renames" },
        "-z",
        "--format=%x1e%H%x1f%P%x1f%aN%x1f%aE%x1f%at%x1f%B%x1f",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if let Some(d) = since {
        a.push(format!("--since={d}"));
    }
    a.extend([
        "--end-of-options".to_string(),
        range.to_string(),
        "--".to_string(),
    ]);
    a
}

/// Runs `git log` in `repo` over `range` and hands each commit to `each`,
/// oldest last (git's order). An unreadable blob (a partial clone) makes
/// git stop with an error after what it printed: the commits before are
/// kept and the error is returned as a warning, not a failure.
pub fn stream(
    repo: &Path,
    range: &str,
    since: Option<&str>,
    lines: bool,
    renames: bool,
    each: impl FnMut(Commit) -> Result<()>,
) -> Result<Option<String>> {
    for rev in range.split("..").filter(|r| !r.is_empty()) {
        crate::git::check_revision(rev)?;
    }
    run(repo, &log_args(range, since, lines, renames), each)
}

/// Runs git with `args` (a `log` in this module's record format) in `repo`
/// and hands each commit to `each`; as [`stream`]. The caller has checked
/// any revisions in `args`.
pub fn run(
    repo: &Path,
    args: &[String],
    mut each: impl FnMut(Commit) -> Result<()>,
) -> Result<Option<String>> {
    let mut child = Command::new("git")
        .args(args)
        .current_dir(repo)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| input(format!("cannot run git: {e}")))?;
    let stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let mut parser = Parser::new(BufReader::with_capacity(1 << 16, stdout));
    let mut failed = None;
    while let Some(c) = parser.next_commit()? {
        if let Err(e) = each(c) {
            failed = Some(e);
            break;
        }
    }
    if let Some(e) = failed {
        let _ = child.kill();
        let _ = child.wait();
        return Err(e);
    }
    let status = child.wait().map_err(|e| input(format!("git log: {e}")))?;
    let err = err_reader.join().unwrap_or_default();
    if status.success() {
        Ok(None)
    } else {
        let first = err.lines().next().unwrap_or("failed").to_string();
        if parser.seen == 0 {
            return Err(input(format!("git log in {}: {first}", repo.display())));
        }
        Ok(Some(format!(
            "git log stopped after {} commits: {first}",
            parser.seen
        )))
    }
}

/// The record parser over a byte stream.
pub struct Parser<R: BufRead> {
    r: R,
    /// Commits parsed so far.
    pub seen: usize,
    peeked: Option<u8>,
}

impl<R: BufRead> Parser<R> {
    /// A parser over `r`.
    pub fn new(r: R) -> Parser<R> {
        Parser {
            r,
            seen: 0,
            peeked: None,
        }
    }

    fn byte(&mut self) -> Result<Option<u8>> {
        if let Some(b) = self.peeked.take() {
            return Ok(Some(b));
        }
        let mut one = [0u8; 1];
        match self.r.read(&mut one) {
            Ok(0) => Ok(None),
            Ok(_) => Ok(Some(one[0])),
            Err(e) => Err(input(format!("reading git log: {e}"))),
        }
    }

    /// Bytes up to (not including) `end`; `None` at the end of input.
    fn until(&mut self, end: u8) -> Result<Option<Vec<u8>>> {
        let mut out = Vec::new();
        if let Some(b) = self.peeked.take() {
            if b == end {
                return Ok(Some(out));
            }
            out.push(b);
        }
        let n = self
            .r
            .read_until(end, &mut out)
            .map_err(|e| input(format!("reading git log: {e}")))?;
        if n == 0 && out.is_empty() {
            return Ok(None);
        }
        if out.last() == Some(&end) {
            out.pop();
        }
        Ok(Some(out))
    }

    fn field(&mut self) -> Result<String> {
        let f = self
            .until(0x1f)?
            .ok_or_else(|| input("git log: a record ends early"))?;
        Ok(String::from_utf8_lossy(&f).into_owned())
    }

    /// The next commit, or `None` at the end.
    pub fn next_commit(&mut self) -> Result<Option<Commit>> {
        // Skip to the record separator (the stream starts with one).
        loop {
            match self.byte()? {
                None => return Ok(None),
                Some(0x1e) => break,
                Some(_) => {}
            }
        }
        let sha = self.field()?;
        let parents = self.field()?;
        let author = self.field()?;
        let email = self.field()?;
        let at = self.field()?;
        // The message ends at `\x1f\0`: a message holds no NUL.
        let mut msg = Vec::new();
        loop {
            let part = self
                .until(0)?
                .ok_or_else(|| input("git log: a message ends early"))?;
            msg.extend_from_slice(&part);
            if msg.last() == Some(&0x1f) {
                msg.pop();
                break;
            }
            msg.push(0);
        }
        let mut files = Vec::new();
        loop {
            let Some(b) = self.byte()? else { break };
            match b {
                0x1e => {
                    self.peeked = Some(b);
                    break;
                }
                b'\n' => continue,
                _ => {
                    self.peeked = Some(b);
                    files.push(self.entry()?);
                }
            }
        }
        self.seen += 1;
        Ok(Some(Commit {
            sha,
            parents: parents.split_whitespace().map(str::to_string).collect(),
            author,
            email,
            at: at.trim().parse().unwrap_or(0),
            message: String::from_utf8_lossy(&msg).into_owned(),
            files,
        }))
    }

    /// Every entry up to the end of input: `git diff --numstat -z` or
    /// `--name-status -z` output.
    pub fn touches(&mut self) -> Result<Vec<Touch>> {
        let mut out = Vec::new();
        loop {
            match self.byte()? {
                None => return Ok(out),
                Some(b'\n') => {}
                Some(b) => {
                    self.peeked = Some(b);
                    out.push(self.entry()?);
                }
            }
        }
    }

    /// One `--name-status` entry (`M\0path\0`, `R100\0old\0new\0`) or
    /// one `--numstat` entry (`3\t1\tpath\0`).
    fn entry(&mut self) -> Result<Touch> {
        let head = self
            .until(0)?
            .ok_or_else(|| input("git log: an entry ends early"))?;
        if !head.contains(&b'\t') {
            let first = self.path()?;
            let renamed = matches!(head.first(), Some(b'R' | b'C'));
            let (path, old_path) = if renamed {
                (self.path()?, Some(first))
            } else {
                (first, None)
            };
            return Ok(Touch {
                path,
                old_path,
                added: None,
                deleted: None,
                gone: head.first() == Some(&b'D'),
            });
        }
        // numstat: `A\tD\tPATH` or `A\tD\t` then `OLD\0NEW\0`.
        let mut parts = head.splitn(3, |&b| b == b'\t');
        let num = |f: Option<&[u8]>| {
            f.and_then(|f| std::str::from_utf8(f).ok())
                .and_then(|s| s.parse::<u64>().ok())
        };
        let added = num(parts.next());
        let deleted = num(parts.next());
        let rest = parts.next().unwrap_or_default();
        let (path, old_path) = if rest.is_empty() {
            let old = self.path()?;
            (self.path()?, Some(old))
        } else {
            (String::from_utf8_lossy(rest).into_owned(), None)
        };
        Ok(Touch {
            path,
            old_path,
            added,
            deleted,
            gone: false,
        })
    }

    /// One NUL-terminated path.
    fn path(&mut self) -> Result<String> {
        let f = self
            .until(0)?
            .ok_or_else(|| input("git log: a path ends early"))?;
        Ok(String::from_utf8_lossy(&f).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(bytes: &[u8]) -> Vec<Commit> {
        let mut p = Parser::new(std::io::Cursor::new(bytes.to_vec()));
        let mut out = Vec::new();
        while let Some(c) = p.next_commit().unwrap() {
            out.push(c);
        }
        out
    }

    #[test]
    fn records_renames_binaries_and_hostile_text() {
        let sha = "a".repeat(40);
        let mut s = Vec::new();
        s.extend_from_slice(
            format!("\x1e{sha}\x1fp1 p2\x1fAnn\x1fa@b.c\x1f1700000000\x1fMerge pull request #12 from x/y\n\nbody \x1e{sha}\x1f with separators\x1f\0\n").as_bytes(),
        );
        s.extend_from_slice(
            b"3\t1\tsrc/a.rs\0-\t-\timg.png\x000\t0\t\0old name\0new\x1e\x1fname\0",
        );
        s.extend_from_slice(
            format!(
                "\x1e{}\x1f\x1fBo\x1fb@c.d\x1f1700000100\x1ffix (#7)\n\x1f\0\n1\t0\tb\0",
                "b".repeat(40)
            )
            .as_bytes(),
        );
        s.extend_from_slice(format!("\x1e{}\x1f\x1fCy\x1fc@d.e\x1f1700000200\x1fmove\n\x1f\0\nR090\0x/old\0x/new\0M\0b\0", "c".repeat(40)).as_bytes());
        let c = parse(&s);
        assert_eq!(c.len(), 3);
        assert_eq!(c[2].files.len(), 2, "name-status entries");
        assert_eq!(c[2].files[0].old_path.as_deref(), Some("x/old"));
        assert_eq!(c[2].files[0].path, "x/new");
        assert_eq!(c[2].files[1].path, "b");
        assert_eq!(c[0].pr(), Some(12));
        assert_eq!(c[0].parents.len(), 2);
        assert!(c[0].message.contains("with separators"));
        assert_eq!(c[0].files.len(), 3);
        assert_eq!(c[0].files[1].added, None, "binary");
        assert_eq!(c[0].files[2].old_path.as_deref(), Some("old name"));
        assert_eq!(c[0].files[2].path, "new\x1e\x1fname");
        assert_eq!(c[1].pr(), Some(7));
        assert_eq!(c[1].author, "Bo");
        assert_eq!(c[1].files[0].path, "b");
    }

    #[test]
    fn pull_requests_and_reverts_from_messages() {
        let c = |m: &str| Commit {
            sha: String::new(),
            parents: vec![],
            author: String::new(),
            email: String::new(),
            at: 0,
            message: m.into(),
            files: vec![],
        };
        assert_eq!(c("Add x (#123)").pr(), Some(123));
        assert_eq!(c("Merge pull request #9 from a/b").pr(), Some(9));
        assert_eq!(c("Add x (#12) more").pr(), None);
        assert_eq!(c("Add x").pr(), None);
        assert_eq!(
            c("Revert \"x\"\n\nThis reverts commit 0123456789abcdef.").reverts(),
            Some("0123456789abcdef".into())
        );
    }
}
