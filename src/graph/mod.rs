//! `maestro graph`: the engineering knowledge graph. Commits and the pull
//! requests they landed, their authors and the files they touched, read from
//! git into the state's own tables (SQLite, no server needed).

pub mod centrality;
pub mod codeowners;
pub mod coupling;
pub mod gitlog;

use crate::error::{input, Result};
use crate::state::{get_meta, set_meta};
use rusqlite::{params, Connection, Transaction};
use serde::Serialize;
use std::path::Path;

/// The meta key holding the last ingested tip.
const TIP: &str = "graph.git.tip";

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
/// commit not there yet, in one transaction. A second run reads only the
/// commits after the recorded tip (when HEAD still descends from it).
pub fn ingest_git(
    tx: &Transaction,
    repo: &Path,
    o: &IngestOptions,
    mut progress: impl FnMut(usize),
) -> Result<Ingested> {
    let head = head(repo)?;
    let known = get_meta(tx, TIP)?;
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
    let mut ins_commit = tx.prepare_cached(
        "INSERT OR IGNORE INTO graph_commits (sha, author, email, at_s, pr, reverts, subject, parents, files)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    let mut ins_touch = tx.prepare_cached(
        "INSERT OR IGNORE INTO graph_touches (sha, path, old_path, added, deleted) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut out = Ingested {
        range: range.clone(),
        tip: head.clone(),
        ..Ingested::default()
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
        let stopped = gitlog::stream(
            repo,
            &pass,
            o.since_date.as_deref(),
            o.lines && !degraded,
            !degraded,
            |c| {
                out.read += 1;
                last.clone_from(&c.sha);
                let added = ins_commit.execute(params![
                    c.sha,
                    c.author,
                    c.email,
                    c.at,
                    c.pr().map(|n| n as i64),
                    c.reverts(),
                    c.subject(),
                    c.parents.len() as i64,
                    c.files.len() as i64,
                ])?;
                if added > 0 {
                    out.new += 1;
                    for f in &c.files {
                        out.touches += ins_touch.execute(params![
                            c.sha,
                            f.path,
                            f.old_path,
                            f.added.map(|n| n as i64),
                            f.deleted.map(|n| n as i64),
                        ])?;
                    }
                }
                if out.read.is_multiple_of(256) {
                    progress(out.read);
                }
                Ok(())
            },
        )?;
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
    set_meta(tx, TIP, &head)?;
    Ok(out)
}

/// Counts of the graph, for `graph stats`.
#[derive(Debug, Serialize, PartialEq)]
pub struct Stats {
    /// Commits.
    pub commits: i64,
    /// Pull requests found in commit messages.
    pub prs: i64,
    /// Pull requests linked to at least one file and an author.
    pub prs_linked: i64,
    /// `prs_linked / prs` (1 when there are none).
    pub prs_linked_share: f64,
    /// Distinct authors.
    pub authors: i64,
    /// Distinct files touched.
    pub files: i64,
    /// File touches (commit → file edges).
    pub touches: i64,
    /// Commits that revert another.
    pub reverts: i64,
    /// The last ingested tip.
    pub tip: Option<String>,
    /// CODEOWNERS rules ingested.
    pub codeowners_rules: i64,
    /// Files touched that a CODEOWNERS rule gives an owner.
    pub files_owned: i64,
    /// `files_owned / files` (0 without rules).
    pub codeowners_coverage: f64,
    /// Pull requests touching at least one owned file.
    pub prs_with_owner: i64,
}

/// The graph's counts.
pub fn stats(conn: &Connection) -> Result<Stats> {
    let one = |sql: &str| -> Result<i64> { Ok(conn.query_row(sql, [], |r| r.get(0))?) };
    let prs = one("SELECT count(DISTINCT pr) FROM graph_commits WHERE pr IS NOT NULL")?;
    let linked = one("SELECT count(DISTINCT c.pr) FROM graph_commits c
         WHERE c.pr IS NOT NULL AND c.author <> ''
           AND EXISTS (SELECT 1 FROM graph_touches t WHERE t.sha = c.sha)")?;
    let owners = load_codeowners(conn)?;
    let files = one("SELECT count(DISTINCT path) FROM graph_touches")?;
    let (mut owned, mut prs_owned) = (0i64, 0i64);
    if let Some(o) = &owners {
        let mut st = conn.prepare("SELECT DISTINCT path FROM graph_touches")?;
        let paths: Vec<String> = st
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let owned_set: std::collections::HashSet<&str> = paths
            .iter()
            .filter(|p| !o.owners_of(p).is_empty())
            .map(String::as_str)
            .collect();
        owned = owned_set.len() as i64;
        let mut st = conn.prepare(
            "SELECT c.pr, t.path FROM graph_commits c JOIN graph_touches t ON t.sha = c.sha WHERE c.pr IS NOT NULL",
        )?;
        let mut prs = std::collections::HashSet::new();
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let path: String = r.get(1)?;
            if owned_set.contains(path.as_str()) {
                prs.insert(r.get::<_, i64>(0)?);
            }
        }
        prs_owned = prs.len() as i64;
    }
    Ok(Stats {
        codeowners_rules: owners.as_ref().map_or(0, |o| o.rules().count() as i64),
        files_owned: owned,
        codeowners_coverage: if files == 0 || owners.is_none() {
            0.0
        } else {
            owned as f64 / files as f64
        },
        prs_with_owner: prs_owned,
        commits: one("SELECT count(*) FROM graph_commits")?,
        prs,
        prs_linked: linked,
        prs_linked_share: if prs == 0 {
            1.0
        } else {
            linked as f64 / prs as f64
        },
        authors: one("SELECT count(DISTINCT email) FROM graph_commits")?,
        files,
        touches: one("SELECT count(*) FROM graph_touches")?,
        reverts: one("SELECT count(*) FROM graph_commits WHERE reverts IS NOT NULL")?,
        tip: get_meta(conn, TIP)?,
    })
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

/// The files each commit touched, for the co-change analyses; with
/// `filtered`, bots' commits and noise files ([`is_noise`]) left out.
pub fn changesets(conn: &Connection, filtered: bool) -> Result<Vec<Vec<String>>> {
    let mut st = conn.prepare(
        "SELECT t.sha, t.path, c.author, c.email FROM graph_touches t
         JOIN graph_commits c ON c.sha = t.sha ORDER BY t.sha",
    )?;
    let mut rows = st.query([])?;
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut last = String::new();
    while let Some(r) = rows.next()? {
        let sha: String = r.get(0)?;
        let path: String = r.get(1)?;
        if filtered && (is_bot(&r.get::<_, String>(2)?, &r.get::<_, String>(3)?) || is_noise(&path))
        {
            continue;
        }
        if sha != last {
            out.push(Vec::new());
            last = sha;
        }
        out.last_mut().expect("pushed above").push(path);
    }
    Ok(out)
}

/// Replaces the graph's CODEOWNERS rules with `o`'s: the same file twice
/// changes nothing.
pub fn ingest_codeowners(tx: &Transaction, o: &codeowners::Owners) -> Result<usize> {
    tx.execute("DELETE FROM graph_codeowners", [])?;
    let mut st =
        tx.prepare("INSERT INTO graph_codeowners (line, pattern, owners) VALUES (?1, ?2, ?3)")?;
    for r in o.rules() {
        st.execute(params![r.line as i64, r.pattern, r.owners.join(" ")])?;
    }
    Ok(o.rules().count())
}

/// The graph's CODEOWNERS rules, if any were ingested.
pub fn load_codeowners(conn: &Connection) -> Result<Option<codeowners::Owners>> {
    let mut st =
        conn.prepare("SELECT line, pattern, owners FROM graph_codeowners ORDER BY line")?;
    let rows: Vec<(i64, String, String)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    if rows.is_empty() {
        return Ok(None);
    }
    // Rebuilt as a file whose line numbers match the original's.
    let mut text = String::new();
    let mut at = 1;
    for (line, pattern, owners) in rows {
        while at < line {
            text.push('\n');
            at += 1;
        }
        text.push_str(&format!("{pattern} {owners}\n"));
        at += 1;
    }
    Ok(Some(codeowners::Owners::parse(&text, "graph_codeowners")?))
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
pub fn hotspots(conn: &Connection, since_s: i64, top: usize, all: bool) -> Result<Vec<Hotspot>> {
    let mut st = conn.prepare(
        "SELECT t.path, count(*), count(DISTINCT c.email),
                CASE WHEN count(t.added) = 0 THEN NULL ELSE sum(coalesce(t.added, 0) + coalesce(t.deleted, 0)) END
         FROM graph_touches t JOIN graph_commits c ON c.sha = t.sha
         WHERE c.at_s >= ?1
         GROUP BY t.path ORDER BY count(*) DESC, t.path",
    )?;
    let rows = st.query_map([since_s], |r| {
        Ok(Hotspot {
            path: r.get(0)?,
            revisions: r.get(1)?,
            authors: r.get(2)?,
            churn: r.get(3)?,
        })
    })?;
    let mut out = Vec::new();
    for h in rows {
        let h = h?;
        if all || !is_noise(&h.path) {
            out.push(h);
        }
        if out.len() == top {
            break;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(changesets(store.conn(), true).unwrap(), [["src/a.rs"]]);
        assert_eq!(changesets(store.conn(), false).unwrap().len(), 2);
    }
}
