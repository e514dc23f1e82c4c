//! The whole graph as plain rows, read from either backend in one order, so
//! that every analysis (stats, coupling, hotspots, centrality, impact) runs
//! on the same data whichever store holds it.

use super::incidents::Incident;
use super::pr_event::PullRequest;
use crate::error::Result;
use rusqlite::{params, Connection, Transaction};
use serde::Serialize;
use std::collections::HashSet;

/// A commit on the first-parent line.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CommitRow {
    /// Its hash.
    pub sha: String,
    /// The author after .mailmap.
    pub author: String,
    /// The author's email after .mailmap.
    pub email: String,
    /// Author time, seconds since the epoch.
    pub at_s: i64,
    /// The pull request it landed.
    pub pr: Option<i64>,
    /// The commit it reverts.
    pub reverts: Option<String>,
    /// The first line of its message.
    pub subject: String,
    /// How many parents it has.
    pub parents: i64,
    /// How many files it touched.
    pub files: i64,
}

/// A commit touching a file (`TOUCHES`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TouchRow {
    /// The commit.
    pub sha: String,
    /// The path after the commit.
    pub path: String,
    /// The path before, for a rename.
    pub old_path: Option<String>,
    /// Lines added, when ingested with lines.
    pub added: Option<i64>,
    /// Lines deleted, when ingested with lines.
    pub deleted: Option<i64>,
}

/// A CODEOWNERS rule.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RuleRow {
    /// Its line in the file.
    pub line: i64,
    /// The pattern.
    pub pattern: String,
    /// Its owners, space-separated (empty: unowned).
    pub owners: String,
}

/// A test's result in a CI run (`FAILS` when it failed).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TestRow {
    /// The run's id.
    pub run: String,
    /// The commit tested.
    pub sha: Option<String>,
    /// The pull request tested.
    pub pr: Option<i64>,
    /// The class or suite.
    pub suite: String,
    /// The test.
    pub name: String,
    /// Its source file, when the runner names it.
    pub file: Option<String>,
    /// `passed`, `skipped`, `flaky` or `failed`.
    pub outcome: String,
    /// Attempts, reruns included.
    pub attempts: i64,
    /// The failure's first line.
    pub message: Option<String>,
}

/// A package a lockfile resolved.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct PackageRow {
    /// The lockfile, relative to the repository root.
    pub lockfile: String,
    /// The OSV ecosystem.
    pub ecosystem: String,
    /// Its name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// For the project's own packages, their directory in the repository.
    pub dir: Option<String>,
}

/// `from` depends on `to` (`DEPENDS_ON`), within one lockfile.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct DependRow {
    /// The lockfile.
    pub lockfile: String,
    /// The ecosystem.
    pub ecosystem: String,
    /// The dependent's name.
    pub from_name: String,
    /// The dependent's version.
    pub from_version: String,
    /// The dependency's name.
    pub to_name: String,
    /// The dependency's version.
    pub to_version: String,
}

/// Every row of the graph.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GraphData {
    /// Commits, by hash.
    pub commits: Vec<CommitRow>,
    /// Touches, by (commit, path).
    pub touches: Vec<TouchRow>,
    /// CODEOWNERS rules, by line.
    pub codeowners: Vec<RuleRow>,
    /// Test results, by (run, suite, name).
    pub tests: Vec<TestRow>,
    /// Incidents, by id.
    pub incidents: Vec<Incident>,
    /// Pull request events, by number.
    pub prs: Vec<PullRequest>,
    /// Packages, sorted.
    pub packages: Vec<PackageRow>,
    /// Dependencies, sorted.
    pub depends: Vec<DependRow>,
    /// The last ingested tip.
    pub tip: Option<String>,
}

impl GraphData {
    /// Puts every list in the one order both backends agree on.
    pub fn sort(&mut self) {
        self.commits.sort_by(|a, b| a.sha.cmp(&b.sha));
        self.touches
            .sort_by(|a, b| (&a.sha, &a.path).cmp(&(&b.sha, &b.path)));
        self.codeowners.sort_by_key(|r| r.line);
        self.tests
            .sort_by(|a, b| (&a.run, &a.suite, &a.name).cmp(&(&b.run, &b.suite, &b.name)));
        self.incidents.sort_by(|a, b| a.id.cmp(&b.id));
        self.prs.sort_by_key(|p| p.number);
        self.packages.sort();
        self.depends.sort();
    }

    /// The CODEOWNERS rules as a matcher, when any were ingested.
    pub fn owners(&self) -> Result<Option<super::codeowners::Owners>> {
        if self.codeowners.is_empty() {
            return Ok(None);
        }
        // Rebuilt as a file whose line numbers match the original's.
        let mut text = String::new();
        let mut at = 1;
        for r in &self.codeowners {
            while at < r.line {
                text.push('\n');
                at += 1;
            }
            text.push_str(&format!("{} {}\n", r.pattern, r.owners));
            at += 1;
        }
        super::codeowners::Owners::parse(&text, "CODEOWNERS").map(Some)
    }
}

fn rows<T>(
    conn: &Connection,
    sql: &str,
    f: impl FnMut(&rusqlite::Row) -> rusqlite::Result<T>,
) -> Result<Vec<T>> {
    let mut st = conn.prepare(sql)?;
    let out = st.query_map([], f)?.collect::<rusqlite::Result<_>>()?;
    Ok(out)
}

/// The graph in the SQLite tables.
pub fn load(conn: &Connection) -> Result<GraphData> {
    let mut g = GraphData {
        commits: rows(
            conn,
            "SELECT sha, author, email, at_s, pr, reverts, subject, parents, files FROM graph_commits",
            |r| {
                Ok(CommitRow {
                    sha: r.get(0)?,
                    author: r.get(1)?,
                    email: r.get(2)?,
                    at_s: r.get(3)?,
                    pr: r.get(4)?,
                    reverts: r.get(5)?,
                    subject: r.get(6)?,
                    parents: r.get(7)?,
                    files: r.get(8)?,
                })
            },
        )?,
        touches: rows(
            conn,
            "SELECT sha, path, old_path, added, deleted FROM graph_touches",
            |r| {
                Ok(TouchRow {
                    sha: r.get(0)?,
                    path: r.get(1)?,
                    old_path: r.get(2)?,
                    added: r.get(3)?,
                    deleted: r.get(4)?,
                })
            },
        )?,
        codeowners: rows(conn, "SELECT line, pattern, owners FROM graph_codeowners", |r| {
            Ok(RuleRow {
                line: r.get(0)?,
                pattern: r.get(1)?,
                owners: r.get(2)?,
            })
        })?,
        tests: rows(
            conn,
            "SELECT run, sha, pr, suite, name, file, outcome, attempts, message FROM graph_tests",
            |r| {
                Ok(TestRow {
                    run: r.get(0)?,
                    sha: r.get(1)?,
                    pr: r.get(2)?,
                    suite: r.get(3)?,
                    name: r.get(4)?,
                    file: r.get(5)?,
                    outcome: r.get(6)?,
                    attempts: r.get(7)?,
                    message: r.get(8)?,
                })
            },
        )?,
        incidents: rows(
            conn,
            "SELECT id, at_s, severity, title, pr, sha FROM graph_incidents",
            |r| {
                Ok(Incident {
                    id: r.get(0)?,
                    at_s: r.get(1)?,
                    severity: r.get(2)?,
                    title: r.get(3)?,
                    pr: r.get(4)?,
                    commit: r.get(5)?,
                })
            },
        )?,
        prs: rows(
            conn,
            "SELECT number, title, author, state, base_sha, head_sha, merge_sha, updated_s, labels FROM graph_prs",
            |r| {
                let labels: String = r.get(8)?;
                Ok(PullRequest {
                    number: r.get(0)?,
                    title: r.get(1)?,
                    author: r.get(2)?,
                    state: r.get(3)?,
                    base_sha: r.get(4)?,
                    head_sha: r.get(5)?,
                    merge_sha: r.get(6)?,
                    updated_s: r.get(7)?,
                    labels: labels
                        .split('\n')
                        .filter(|l| !l.is_empty())
                        .map(str::to_string)
                        .collect(),
                })
            },
        )?,
        packages: rows(
            conn,
            "SELECT lockfile, ecosystem, name, version, dir FROM graph_packages",
            |r| {
                Ok(PackageRow {
                    lockfile: r.get(0)?,
                    ecosystem: r.get(1)?,
                    name: r.get(2)?,
                    version: r.get(3)?,
                    dir: r.get(4)?,
                })
            },
        )?,
        depends: rows(
            conn,
            "SELECT lockfile, ecosystem, from_name, from_version, to_name, to_version FROM graph_depends",
            |r| {
                Ok(DependRow {
                    lockfile: r.get(0)?,
                    ecosystem: r.get(1)?,
                    from_name: r.get(2)?,
                    from_version: r.get(3)?,
                    to_name: r.get(4)?,
                    to_version: r.get(5)?,
                })
            },
        )?,
        tip: crate::state::get_meta(conn, super::TIP)?,
    };
    g.sort();
    Ok(g)
}

/// Where ingests write: the SQLite tables or a Bolt server. Each call
/// writes its rows whole; writing the same rows again changes nothing.
pub trait Sink {
    /// Commits a git ingest hands over per call: small for SQLite, so that
    /// git keeps running while rows are written; large for a server.
    fn batch(&self) -> usize {
        256
    }
    /// The tip the last git ingest recorded.
    fn tip(&mut self) -> Result<Option<String>>;
    /// Records the tip a git ingest reached.
    fn set_tip(&mut self, tip: &str) -> Result<()>;
    /// The hashes among `shas` that the graph already holds.
    fn known(&mut self, shas: &[&str]) -> Result<HashSet<String>>;
    /// Writes commits the graph does not hold yet (see [`Sink::known`]),
    /// with their touches.
    fn put_commits(&mut self, commits: &[CommitRow], touches: &[TouchRow]) -> Result<()>;
    /// Replaces the CODEOWNERS rules.
    fn put_codeowners(&mut self, rules: &[RuleRow]) -> Result<()>;
    /// Writes test results, replacing those of the same (run, suite, name).
    fn put_tests(&mut self, rows: &[TestRow]) -> Result<()>;
    /// Writes incidents, replacing those of the same id.
    fn put_incidents(&mut self, rows: &[Incident]) -> Result<()>;
    /// Writes a pull request unless a newer event for it is there; whether
    /// it was written.
    fn put_pr(&mut self, p: &PullRequest) -> Result<bool>;
    /// Replaces what the graph holds of `lockfile`.
    fn put_lockfile(
        &mut self,
        lockfile: &str,
        packages: &[PackageRow],
        depends: &[DependRow],
    ) -> Result<()>;
}

/// The SQLite tables, in the caller's transaction.
pub struct Sqlite<'a, 'c>(pub &'a Transaction<'c>);

impl Sink for Sqlite<'_, '_> {
    fn tip(&mut self) -> Result<Option<String>> {
        crate::state::get_meta(self.0, super::TIP)
    }

    fn set_tip(&mut self, tip: &str) -> Result<()> {
        crate::state::set_meta(self.0, super::TIP, tip)
    }

    fn known(&mut self, shas: &[&str]) -> Result<HashSet<String>> {
        let mut st = self
            .0
            .prepare_cached("SELECT 1 FROM graph_commits WHERE sha = ?1")?;
        let mut out = HashSet::new();
        for s in shas {
            if st.exists([s])? {
                out.insert(s.to_string());
            }
        }
        Ok(out)
    }

    fn put_commits(&mut self, commits: &[CommitRow], touches: &[TouchRow]) -> Result<()> {
        let mut ins = self.0.prepare_cached(
            "INSERT OR IGNORE INTO graph_commits (sha, author, email, at_s, pr, reverts, subject, parents, files)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?;
        for c in commits {
            ins.execute(params![
                c.sha, c.author, c.email, c.at_s, c.pr, c.reverts, c.subject, c.parents, c.files
            ])?;
        }
        let mut ins = self.0.prepare_cached(
            "INSERT OR IGNORE INTO graph_touches (sha, path, old_path, added, deleted) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for t in touches {
            ins.execute(params![t.sha, t.path, t.old_path, t.added, t.deleted])?;
        }
        Ok(())
    }

    fn put_codeowners(&mut self, rules: &[RuleRow]) -> Result<()> {
        self.0.execute("DELETE FROM graph_codeowners", [])?;
        let mut st = self.0.prepare_cached(
            "INSERT INTO graph_codeowners (line, pattern, owners) VALUES (?1, ?2, ?3)",
        )?;
        for r in rules {
            st.execute(params![r.line, r.pattern, r.owners])?;
        }
        Ok(())
    }

    fn put_tests(&mut self, rows: &[TestRow]) -> Result<()> {
        let mut st = self.0.prepare_cached(
            "INSERT OR REPLACE INTO graph_tests (run, sha, pr, suite, name, file, outcome, attempts, message)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?;
        for t in rows {
            st.execute(params![
                t.run, t.sha, t.pr, t.suite, t.name, t.file, t.outcome, t.attempts, t.message
            ])?;
        }
        Ok(())
    }

    fn put_incidents(&mut self, rows: &[Incident]) -> Result<()> {
        let mut st = self.0.prepare_cached(
            "INSERT OR REPLACE INTO graph_incidents (id, at_s, severity, title, pr, sha) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for i in rows {
            st.execute(params![i.id, i.at_s, i.severity, i.title, i.pr, i.commit])?;
        }
        Ok(())
    }

    fn put_pr(&mut self, p: &PullRequest) -> Result<bool> {
        let n = self.0.execute(
            "INSERT INTO graph_prs (number, title, author, state, base_sha, head_sha, merge_sha, updated_s, labels)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (number) DO UPDATE SET title = excluded.title, author = excluded.author,
               state = excluded.state, base_sha = excluded.base_sha, head_sha = excluded.head_sha,
               merge_sha = excluded.merge_sha, updated_s = excluded.updated_s, labels = excluded.labels
             WHERE excluded.updated_s >= graph_prs.updated_s",
            params![
                p.number,
                p.title,
                p.author,
                p.state,
                p.base_sha,
                p.head_sha,
                p.merge_sha,
                p.updated_s,
                p.labels.join("\n")
            ],
        )?;
        Ok(n > 0)
    }

    fn put_lockfile(
        &mut self,
        lockfile: &str,
        packages: &[PackageRow],
        depends: &[DependRow],
    ) -> Result<()> {
        let tx = self.0;
        tx.execute("DELETE FROM graph_packages WHERE lockfile = ?1", [lockfile])?;
        tx.execute("DELETE FROM graph_depends WHERE lockfile = ?1", [lockfile])?;
        let mut st = tx.prepare_cached(
            "INSERT OR IGNORE INTO graph_packages (lockfile, ecosystem, name, version, dir) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for p in packages {
            st.execute(params![p.lockfile, p.ecosystem, p.name, p.version, p.dir])?;
        }
        let mut st = tx.prepare_cached(
            "INSERT OR IGNORE INTO graph_depends (lockfile, ecosystem, from_name, from_version, to_name, to_version)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for d in depends {
            st.execute(params![
                d.lockfile,
                d.ecosystem,
                d.from_name,
                d.from_version,
                d.to_name,
                d.to_version
            ])?;
        }
        Ok(())
    }
}

/// A lockfile's rows, its path in the repository being `lockfile` and its
/// directory `dir` ("" at the root).
pub fn lockfile_rows(
    lock: &crate::lockfile::Lock,
    lockfile: &str,
    dir: &str,
) -> (Vec<PackageRow>, Vec<DependRow>) {
    let join = |d: &str| match (dir, d) {
        ("", d) => d.to_string(),
        (base, "") => base.to_string(),
        (base, d) => format!("{base}/{d}"),
    };
    let packages = lock
        .packages
        .iter()
        .map(|p| PackageRow {
            lockfile: lockfile.to_string(),
            ecosystem: p.ecosystem.to_string(),
            name: p.name.clone(),
            version: p.version.clone(),
            dir: p.local.as_deref().map(join),
        })
        .collect();
    let depends = lock
        .deps
        .iter()
        .map(|&(a, b)| {
            let (a, b) = (&lock.packages[a], &lock.packages[b]);
            DependRow {
                lockfile: lockfile.to_string(),
                ecosystem: a.ecosystem.to_string(),
                from_name: a.name.clone(),
                from_version: a.version.clone(),
                to_name: b.name.clone(),
                to_version: b.version.clone(),
            }
        })
        .collect();
    (packages, depends)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn test_row() -> impl Strategy<Value = TestRow> {
        (
            0..3u8,
            0..3u8,
            0..4u8,
            prop::sample::select(vec!["passed", "failed", "flaky", "skipped"]),
            1..4i64,
            prop::option::of("[a-z \n]{0,6}"),
        )
            .prop_map(|(run, suite, name, outcome, attempts, message)| TestRow {
                run: format!("r{run}"),
                sha: Some("abcdef1".into()),
                pr: None,
                suite: format!("s{suite}"),
                name: format!("t{name}"),
                file: None,
                outcome: outcome.into(),
                attempts,
                message,
            })
    }

    fn incident() -> impl Strategy<Value = Incident> {
        (0..4u8, 0..1000i64, prop::option::of(1..5i64)).prop_map(|(id, at, pr)| Incident {
            id: format!("INC-{id}"),
            at_s: at,
            severity: "SEV2".into(),
            title: String::new(),
            pr,
            commit: None,
        })
    }

    proptest! {
        /// Whatever is ingested, in batches, once or twice: the graph holds
        /// the last row of each key, and ingesting the same rows again
        /// changes nothing.
        #[test]
        fn the_sqlite_sink_keeps_the_last_row_per_key_and_repeats_change_nothing(
            batches in prop::collection::vec(
                (prop::collection::vec(test_row(), 0..8), prop::collection::vec(incident(), 0..5)),
                1..4,
            ),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let mut store = crate::state::Store::open(&dir.path().join("s.db")).unwrap();
            let mut tests: BTreeMap<(String, String, String), TestRow> = BTreeMap::new();
            let mut incidents: BTreeMap<String, Incident> = BTreeMap::new();
            for (t, i) in &batches {
                store.write(|tx| {
                    let mut s = Sqlite(tx);
                    s.put_tests(t)?;
                    s.put_incidents(i)
                }).unwrap();
                for r in t {
                    tests.insert((r.run.clone(), r.suite.clone(), r.name.clone()), r.clone());
                }
                for r in i {
                    incidents.insert(r.id.clone(), r.clone());
                }
            }
            let g = load(store.conn()).unwrap();
            prop_assert_eq!(&g.tests, &tests.into_values().collect::<Vec<_>>());
            prop_assert_eq!(&g.incidents, &incidents.into_values().collect::<Vec<_>>());
            let (t, i) = batches.last().unwrap();
            store.write(|tx| {
                let mut s = Sqlite(tx);
                s.put_tests(t)?;
                s.put_incidents(i)
            }).unwrap();
            prop_assert_eq!(load(store.conn()).unwrap(), g);
        }
    }
}
