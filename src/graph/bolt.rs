//! The graph on a Bolt server (Neo4j, or ArcadeDB's Bolt plugin) through
//! neo4rs. Writes go in `UNWIND` batches, each in an explicit transaction;
//! times are epoch integers; no APOC or GDS: the analyses read the rows back
//! ([`Bolt::load`]) and run in Rust, as they do on SQLite.
//!
//! Nodes: `Commit {sha}`, `File {path}`, `Person {email}`, `PR {number}`,
//! `Test {key}`, `TestResult {key}`, `Incident {id}`, `Package {key}`,
//! `Owner {name}`, `Rule {line}`, `Meta {key}`. Relationships: `TOUCHES`,
//! `AUTHORED`, `LANDED` (PR → Commit), `REVERTS`, `OWNS`, `OF` (TestResult →
//! Test), `FAILS` (Test → Commit / PR), `CAUSES`, `DEPENDS_ON`.

use super::data::{CommitRow, DependRow, GraphData, PackageRow, RuleRow, Sink, TestRow, TouchRow};
use super::incidents::Incident;
use super::pr_event::PullRequest;
use crate::error::{infra, Result};
use neo4rs::{BoltList, BoltMap, BoltNull, BoltType, ConfigBuilder, Graph, Row};
use std::collections::HashSet;
use std::time::Duration;

/// Where the server is and how to log in.
#[derive(Clone, Debug)]
pub struct Config {
    /// `bolt://HOST:PORT` (or `neo4j://`).
    pub uri: String,
    /// The user.
    pub user: String,
    /// The password.
    pub password: String,
    /// The database (the server's default when empty).
    pub database: String,
    /// The bound on connecting and on each statement.
    pub timeout: Duration,
    /// Rows per `UNWIND` batch.
    pub batch: usize,
}

/// A connected server.
pub struct Bolt {
    rt: tokio::runtime::Runtime,
    graph: Graph,
    cfg: Config,
}

/// One row as a Bolt map.
struct Map(BoltMap);

impl Map {
    fn new() -> Map {
        Map(BoltMap::new())
    }
    fn s(mut self, k: &str, v: &str) -> Map {
        self.0.put(k.into(), v.into());
        self
    }
    fn i(mut self, k: &str, v: i64) -> Map {
        self.0.put(k.into(), v.into());
        self
    }
    fn os(mut self, k: &str, v: Option<&str>) -> Map {
        let v = v.map_or(BoltType::Null(BoltNull), Into::into);
        self.0.put(k.into(), v);
        self
    }
    fn oi(mut self, k: &str, v: Option<i64>) -> Map {
        let v = v.map_or(BoltType::Null(BoltNull), Into::into);
        self.0.put(k.into(), v);
        self
    }
    fn done(self) -> BoltType {
        BoltType::Map(self.0)
    }
}

const CONSTRAINTS: &[(&str, &str)] = &[
    ("Commit", "sha"),
    ("File", "path"),
    ("Person", "email"),
    ("PR", "number"),
    ("Test", "key"),
    ("TestResult", "key"),
    ("Incident", "id"),
    ("Package", "key"),
    ("Owner", "name"),
    ("Rule", "line"),
    ("Meta", "key"),
];

impl Bolt {
    /// Connects and checks the server answers, within `cfg.timeout`: an
    /// unreachable server or a refused login is an infrastructure error.
    pub fn connect(cfg: Config) -> Result<Bolt> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let mut b = ConfigBuilder::default()
            .uri(cfg.uri.as_str())
            .user(cfg.user.as_str())
            .password(cfg.password.as_str())
            .fetch_size(2000)
            .max_connections(1);
        if !cfg.database.is_empty() {
            b = b.db(cfg.database.as_str());
        }
        let conf = b.build().map_err(|e| infra(format!("{}: {e}", cfg.uri)))?;
        let uri = cfg.uri.clone();
        let t = cfg.timeout;
        let graph = rt
            .block_on(bounded(t, async {
                let g = Graph::connect(conf).await?;
                g.run(neo4rs::query("RETURN 1")).await?;
                Ok::<_, neo4rs::Error>(g)
            }))
            .map_err(|e| infra(format!("{uri}: cannot reach the Bolt server: {e}")))?;
        let bolt = Bolt { rt, graph, cfg };
        Ok(bolt)
    }

    /// Creates the uniqueness constraints (once; later runs find them).
    pub fn ensure_schema(&self) -> Result<()> {
        for (label, key) in CONSTRAINTS {
            let name = format!("maestro_{}_{}", label.to_ascii_lowercase(), key);
            self.exec(
                &format!(
                    "CREATE CONSTRAINT {name} IF NOT EXISTS FOR (n:{label}) REQUIRE n.{key} IS UNIQUE"
                ),
                None,
            )?;
        }
        Ok(())
    }

    fn fail(&self, e: impl std::fmt::Display) -> anyhow::Error {
        infra(format!("{}: {e}", self.cfg.uri))
    }

    /// Runs one statement in its own transaction, with `rows` as `$rows`.
    fn exec(&self, cypher: &str, rows: Option<Vec<BoltType>>) -> Result<()> {
        let mut q = neo4rs::query(cypher);
        if let Some(rows) = rows {
            q = q.param("rows", BoltType::List(BoltList::from(rows)));
        }
        let t = self.cfg.timeout.max(Duration::from_secs(60));
        self.rt
            .block_on(bounded(t, async {
                let mut txn = self.graph.start_txn().await?;
                txn.run(q).await?;
                txn.commit().await
            }))
            .map_err(|e| self.fail(e))
    }

    /// Runs each statement over its rows, in batches, all in one
    /// transaction: the whole of it is written or none.
    fn atomic(&self, statements: Vec<(&str, Vec<BoltType>)>) -> Result<()> {
        let size = self.cfg.batch.max(1);
        let t = self.cfg.timeout.max(Duration::from_secs(60));
        self.rt
            .block_on(bounded(t * 10, async {
                let mut txn = self.graph.start_txn().await?;
                for (cypher, mut rows) in statements {
                    while !rows.is_empty() {
                        let rest = rows.split_off(rows.len().min(size));
                        let q = neo4rs::query(cypher)
                            .param("rows", BoltType::List(BoltList::from(rows)));
                        txn.run(q).await?;
                        rows = rest;
                    }
                }
                txn.commit().await
            }))
            .map_err(|e| self.fail(e))
    }

    /// The rows a read query returns.
    fn rows(&self, cypher: &str, rows: Option<Vec<BoltType>>) -> Result<Vec<Row>> {
        let mut q = neo4rs::query(cypher);
        if let Some(rows) = rows {
            q = q.param("rows", BoltType::List(BoltList::from(rows)));
        }
        let t = self.cfg.timeout.max(Duration::from_secs(60));
        self.rt
            .block_on(bounded(t, async {
                let mut txn = self.graph.start_txn().await?;
                let mut out = Vec::new();
                let mut s = txn.execute(q).await?;
                while let Some(r) = s.next(txn.handle()).await? {
                    out.push(r);
                }
                txn.commit().await?;
                Ok::<_, neo4rs::Error>(out)
            }))
            .map_err(|e| self.fail(e))
    }

    /// The whole graph, in the order [`GraphData::sort`] gives.
    pub fn load(&self) -> Result<GraphData> {
        let s = |r: &Row, k: &str| r.get::<String>(k).unwrap_or_default();
        let os = |r: &Row, k: &str| r.get::<Option<String>>(k).ok().flatten();
        let i = |r: &Row, k: &str| r.get::<i64>(k).unwrap_or_default();
        let oi = |r: &Row, k: &str| r.get::<Option<i64>>(k).ok().flatten();
        let mut g = GraphData::default();
        for r in self.rows(
            "MATCH (c:Commit) RETURN c.sha AS sha, c.author AS author, c.email AS email, c.at_s AS at_s,
             c.pr AS pr, c.reverts AS reverts, c.subject AS subject, c.parents AS parents, c.files AS files",
            None,
        )? {
            g.commits.push(CommitRow {
                sha: s(&r, "sha"),
                author: s(&r, "author"),
                email: s(&r, "email"),
                at_s: i(&r, "at_s"),
                pr: oi(&r, "pr"),
                reverts: os(&r, "reverts"),
                subject: s(&r, "subject"),
                parents: i(&r, "parents"),
                files: i(&r, "files"),
            });
        }
        for r in self.rows(
            "MATCH (c:Commit)-[t:TOUCHES]->(f:File) RETURN c.sha AS sha, f.path AS path,
             t.old_path AS old_path, t.added AS added, t.deleted AS deleted",
            None,
        )? {
            g.touches.push(TouchRow {
                sha: s(&r, "sha"),
                path: s(&r, "path"),
                old_path: os(&r, "old_path"),
                added: oi(&r, "added"),
                deleted: oi(&r, "deleted"),
            });
        }
        for r in self.rows(
            "MATCH (r:Rule) RETURN r.line AS line, r.pattern AS pattern, r.owners AS owners",
            None,
        )? {
            g.codeowners.push(RuleRow {
                line: i(&r, "line"),
                pattern: s(&r, "pattern"),
                owners: s(&r, "owners"),
            });
        }
        for r in self.rows(
            "MATCH (x:TestResult) RETURN x.run AS run, x.sha AS sha, x.pr AS pr, x.suite AS suite,
             x.name AS name, x.file AS file, x.outcome AS outcome, x.attempts AS attempts, x.message AS message",
            None,
        )? {
            g.tests.push(TestRow {
                run: s(&r, "run"),
                sha: os(&r, "sha"),
                pr: oi(&r, "pr"),
                suite: s(&r, "suite"),
                name: s(&r, "name"),
                file: os(&r, "file"),
                outcome: s(&r, "outcome"),
                attempts: i(&r, "attempts"),
                message: os(&r, "message"),
            });
        }
        for r in self.rows(
            "MATCH (x:Incident) RETURN x.id AS id, x.at_s AS at_s, x.severity AS severity,
             x.title AS title, x.pr AS pr, x.sha AS sha",
            None,
        )? {
            g.incidents.push(Incident {
                id: s(&r, "id"),
                at_s: i(&r, "at_s"),
                severity: s(&r, "severity"),
                title: s(&r, "title"),
                pr: oi(&r, "pr"),
                commit: os(&r, "sha"),
            });
        }
        for r in self.rows(
            "MATCH (p:PR) WHERE p.updated_s IS NOT NULL RETURN p.number AS number, p.title AS title,
             p.author AS author, p.state AS state, p.base_sha AS base_sha, p.head_sha AS head_sha,
             p.merge_sha AS merge_sha, p.updated_s AS updated_s, p.labels AS labels",
            None,
        )? {
            g.prs.push(PullRequest {
                number: i(&r, "number"),
                title: s(&r, "title"),
                author: s(&r, "author"),
                state: s(&r, "state"),
                base_sha: s(&r, "base_sha"),
                head_sha: s(&r, "head_sha"),
                merge_sha: os(&r, "merge_sha"),
                updated_s: i(&r, "updated_s"),
                labels: s(&r, "labels")
                    .split('\n')
                    .filter(|l| !l.is_empty())
                    .map(str::to_string)
                    .collect(),
            });
        }
        for r in self.rows(
            "MATCH (p:Package) RETURN p.lockfile AS lockfile, p.ecosystem AS ecosystem,
             p.name AS name, p.version AS version, p.dir AS dir",
            None,
        )? {
            g.packages.push(PackageRow {
                lockfile: s(&r, "lockfile"),
                ecosystem: s(&r, "ecosystem"),
                name: s(&r, "name"),
                version: s(&r, "version"),
                dir: os(&r, "dir"),
            });
        }
        for r in self.rows(
            "MATCH (a:Package)-[:DEPENDS_ON]->(b:Package) RETURN a.lockfile AS lockfile,
             a.ecosystem AS ecosystem, a.name AS from_name, a.version AS from_version,
             b.name AS to_name, b.version AS to_version",
            None,
        )? {
            g.depends.push(DependRow {
                lockfile: s(&r, "lockfile"),
                ecosystem: s(&r, "ecosystem"),
                from_name: s(&r, "from_name"),
                from_version: s(&r, "from_version"),
                to_name: s(&r, "to_name"),
                to_version: s(&r, "to_version"),
            });
        }
        g.tip = self.tip_value()?;
        g.sort();
        Ok(g)
    }

    fn tip_value(&self) -> Result<Option<String>> {
        Ok(self
            .rows(
                &format!(
                    "MATCH (m:Meta {{key: '{}'}}) RETURN m.value AS value",
                    super::TIP
                ),
                None,
            )?
            .first()
            .and_then(|r| r.get::<String>("value").ok()))
    }

    /// Deletes every node and relationship (tests and benchmarks start
    /// from an empty graph).
    pub fn clear(&self) -> Result<()> {
        self.exec("MATCH (n) DETACH DELETE n", None)
    }
}

fn commit_map(c: &CommitRow) -> BoltType {
    Map::new()
        .s("sha", &c.sha)
        .s("author", &c.author)
        .s("email", &c.email)
        .i("at_s", c.at_s)
        .oi("pr", c.pr)
        .os("reverts", c.reverts.as_deref())
        .s("subject", &c.subject)
        .i("parents", c.parents)
        .i("files", c.files)
        .done()
}

const COMMITS: &str = "UNWIND $rows AS r
     MERGE (c:Commit {sha: r.sha})
     SET c.author = r.author, c.email = r.email, c.at_s = r.at_s, c.pr = r.pr,
         c.reverts = r.reverts, c.subject = r.subject, c.parents = r.parents, c.files = r.files";

/// `f`, or an error when it takes longer than `t`.
async fn bounded<T, E: std::fmt::Display>(
    t: Duration,
    f: impl std::future::Future<Output = std::result::Result<T, E>>,
) -> std::result::Result<T, String> {
    match tokio::time::timeout(t, f).await {
        Err(_) => Err(format!(
            "no answer within {} s (a wrong address, a server that is down, or a login it is slow to refuse)",
            t.as_secs_f64()
        )),
        Ok(r) => r.map_err(|e| e.to_string()),
    }
}

impl Sink for Bolt {
    fn batch(&self) -> usize {
        self.cfg.batch
    }

    fn tip(&mut self) -> Result<Option<String>> {
        self.tip_value()
    }

    fn set_tip(&mut self, tip: &str) -> Result<()> {
        self.exec(
            "UNWIND $rows AS r MERGE (m:Meta {key: r.key}) SET m.value = r.value",
            Some(vec![Map::new().s("key", super::TIP).s("value", tip).done()]),
        )
    }

    fn known(&mut self, shas: &[&str]) -> Result<HashSet<String>> {
        let rows = shas.iter().map(|s| Map::new().s("sha", s).done()).collect();
        Ok(self
            .rows(
                "UNWIND $rows AS r MATCH (c:Commit {sha: r.sha}) RETURN c.sha AS sha",
                Some(rows),
            )?
            .iter()
            .filter_map(|r| r.get::<String>("sha").ok())
            .collect())
    }

    fn put_commits(&mut self, commits: &[CommitRow], touches: &[TouchRow]) -> Result<()> {
        // The commits are new (`known` filtered them) and are written with
        // their edges in one transaction, so the edges are created, not
        // merged: merging an edge scans the edges of a busy file or author.
        let mut people: Vec<(&str, &str)> = commits
            .iter()
            .map(|c| (c.email.as_str(), c.author.as_str()))
            .collect();
        people.sort_unstable();
        people.dedup_by(|a, b| a.0 == b.0);
        let mut paths: Vec<&str> = touches.iter().map(|t| t.path.as_str()).collect();
        paths.sort_unstable();
        paths.dedup();
        let prs: Vec<BoltType> = commits
            .iter()
            .filter_map(|c| c.pr.map(|p| Map::new().s("sha", &c.sha).i("pr", p).done()))
            .collect();
        let reverts: Vec<BoltType> = commits
            .iter()
            .filter_map(|c| {
                c.reverts
                    .as_ref()
                    .map(|r| Map::new().s("sha", &c.sha).s("reverted", r).done())
            })
            .collect();
        let touch_rows = touches
            .iter()
            .map(|t| {
                Map::new()
                    .s("sha", &t.sha)
                    .s("path", &t.path)
                    .os("old_path", t.old_path.as_deref())
                    .oi("added", t.added)
                    .oi("deleted", t.deleted)
                    .done()
            })
            .collect();
        self.atomic(vec![
            (COMMITS, commits.iter().map(commit_map).collect()),
            (
                "UNWIND $rows AS r MERGE (p:Person {email: r.email}) SET p.name = r.name",
                people
                    .iter()
                    .map(|(e, n)| Map::new().s("email", e).s("name", n).done())
                    .collect(),
            ),
            (
                "UNWIND $rows AS r MATCH (p:Person {email: r.email}) MATCH (c:Commit {sha: r.sha})
                 CREATE (p)-[:AUTHORED]->(c)",
                commits
                    .iter()
                    .map(|c| Map::new().s("email", &c.email).s("sha", &c.sha).done())
                    .collect(),
            ),
            (
                "UNWIND $rows AS r MERGE (p:PR {number: r.pr})",
                prs.clone(),
            ),
            (
                "UNWIND $rows AS r MATCH (c:Commit {sha: r.sha}) MATCH (p:PR {number: r.pr})
                 CREATE (p)-[:LANDED]->(c)",
                prs,
            ),
            (
                "UNWIND $rows AS r MATCH (c:Commit {sha: r.sha}) MATCH (o:Commit)
                 WHERE o.sha STARTS WITH r.reverted CREATE (c)-[:REVERTS]->(o)",
                reverts,
            ),
            (
                "UNWIND $rows AS r MERGE (f:File {path: r.path})",
                paths.iter().map(|p| Map::new().s("path", p).done()).collect(),
            ),
            (
                "UNWIND $rows AS r MATCH (c:Commit {sha: r.sha}) MATCH (f:File {path: r.path})
                 CREATE (c)-[:TOUCHES {old_path: r.old_path, added: r.added, deleted: r.deleted}]->(f)",
                touch_rows,
            ),
        ])
    }

    fn put_codeowners(&mut self, rules: &[RuleRow]) -> Result<()> {
        // OWNS for the files the graph knows, by the rules' own matcher.
        let files: Vec<String> = self
            .rows("MATCH (f:File) RETURN f.path AS path", None)?
            .iter()
            .filter_map(|r| r.get::<String>("path").ok())
            .collect();
        let g = GraphData {
            codeowners: rules.to_vec(),
            ..GraphData::default()
        };
        let mut owns = Vec::new();
        let mut owners = std::collections::BTreeSet::new();
        if let Some(matcher) = g.owners()? {
            for f in &files {
                for o in matcher.owners_of(f) {
                    owners.insert(o.clone());
                    owns.push(Map::new().s("owner", o).s("path", f).done());
                }
            }
        }
        let rules = rules
            .iter()
            .map(|r| {
                Map::new()
                    .i("line", r.line)
                    .s("pattern", &r.pattern)
                    .s("owners", &r.owners)
                    .done()
            })
            .collect();
        let one = || vec![Map::new().done()];
        self.atomic(vec![
            ("UNWIND $rows AS r MATCH (x:Rule) DETACH DELETE x", one()),
            ("UNWIND $rows AS r MATCH (:Owner)-[o:OWNS]->(:File) DELETE o", one()),
            (
                "UNWIND $rows AS r CREATE (x:Rule {line: r.line, pattern: r.pattern, owners: r.owners})",
                rules,
            ),
            (
                "UNWIND $rows AS r MERGE (:Owner {name: r.name})",
                owners.iter().map(|o| Map::new().s("name", o).done()).collect(),
            ),
            (
                "UNWIND $rows AS r MATCH (o:Owner {name: r.owner}) MATCH (f:File {path: r.path})
                 CREATE (o)-[:OWNS]->(f)",
                owns,
            ),
        ])
    }

    fn put_tests(&mut self, rows: &[TestRow]) -> Result<()> {
        let maps = rows
            .iter()
            .map(|t| {
                Map::new()
                    .s(
                        "key",
                        &format!("{}\u{1f}{}\u{1f}{}", t.run, t.suite, t.name),
                    )
                    .s("test", &format!("{}\u{1f}{}", t.suite, t.name))
                    .s("run", &t.run)
                    .os("sha", t.sha.as_deref())
                    .oi("pr", t.pr)
                    .s("suite", &t.suite)
                    .s("name", &t.name)
                    .os("file", t.file.as_deref())
                    .s("outcome", &t.outcome)
                    .i("attempts", t.attempts)
                    .os("message", t.message.as_deref())
                    .done()
            })
            .collect::<Vec<_>>();
        let failed = |t: &TestRow| t.outcome == "failed" || t.outcome == "flaky";
        let on_commit: Vec<BoltType> = rows
            .iter()
            .zip(&maps)
            .filter(|(t, _)| failed(t) && t.sha.is_some())
            .map(|(_, m)| m.clone())
            .collect();
        let on_pr: Vec<BoltType> = rows
            .iter()
            .zip(&maps)
            .filter(|(t, _)| failed(t) && t.pr.is_some())
            .map(|(_, m)| m.clone())
            .collect();
        self.atomic(vec![
            (
                "UNWIND $rows AS r
                 MERGE (t:Test {key: r.test}) SET t.suite = r.suite, t.name = r.name, t.file = r.file
                 MERGE (x:TestResult {key: r.key})
                 SET x.run = r.run, x.sha = r.sha, x.pr = r.pr, x.suite = r.suite, x.name = r.name,
                     x.file = r.file, x.outcome = r.outcome, x.attempts = r.attempts, x.message = r.message
                 MERGE (x)-[:OF]->(t)",
                maps,
            ),
            (
                "UNWIND $rows AS r MATCH (t:Test {key: r.test}) MATCH (c:Commit {sha: r.sha})
                 MERGE (t)-[f:FAILS {run: r.run}]->(c) SET f.outcome = r.outcome",
                on_commit,
            ),
            (
                "UNWIND $rows AS r MATCH (t:Test {key: r.test}) MATCH (p:PR {number: r.pr})
                 MERGE (t)-[f:FAILS {run: r.run}]->(p) SET f.outcome = r.outcome",
                on_pr,
            ),
        ])
    }

    fn put_incidents(&mut self, rows: &[Incident]) -> Result<()> {
        let maps = rows
            .iter()
            .map(|i| {
                Map::new()
                    .s("id", &i.id)
                    .i("at_s", i.at_s)
                    .s("severity", &i.severity)
                    .s("title", &i.title)
                    .oi("pr", i.pr)
                    .os("sha", i.commit.as_deref())
                    .done()
            })
            .collect::<Vec<_>>();
        let with_pr: Vec<BoltType> = rows
            .iter()
            .zip(&maps)
            .filter(|(i, _)| i.pr.is_some())
            .map(|(_, m)| m.clone())
            .collect();
        let with_commit: Vec<BoltType> = rows
            .iter()
            .zip(&maps)
            .filter(|(i, _)| i.commit.is_some())
            .map(|(_, m)| m.clone())
            .collect();
        self.atomic(vec![
            (
                "UNWIND $rows AS r MERGE (x:Incident {id: r.id})
                 SET x.at_s = r.at_s, x.severity = r.severity, x.title = r.title, x.pr = r.pr, x.sha = r.sha",
                maps,
            ),
            (
                "UNWIND $rows AS r MATCH (x:Incident {id: r.id}) MATCH (p:PR {number: r.pr})
                 MERGE (p)-[:CAUSES]->(x)",
                with_pr,
            ),
            // An abbreviated hash: a prefix scan, for the few incidents that
            // name a commit.
            (
                "UNWIND $rows AS r MATCH (x:Incident {id: r.id}) MATCH (c:Commit)
                 WHERE c.sha STARTS WITH r.sha MERGE (c)-[:CAUSES]->(x)",
                with_commit,
            ),
        ])
    }

    fn put_pr(&mut self, p: &PullRequest) -> Result<bool> {
        let newer = self
            .rows(
                "UNWIND $rows AS r MATCH (p:PR {number: r.number})
                 WHERE p.updated_s IS NOT NULL AND p.updated_s > r.updated_s RETURN p.number AS n",
                Some(vec![Map::new()
                    .i("number", p.number)
                    .i("updated_s", p.updated_s)
                    .done()]),
            )?
            .len();
        if newer > 0 {
            return Ok(false);
        }
        let row = Map::new()
            .i("number", p.number)
            .s("title", &p.title)
            .s("author", &p.author)
            .s("state", &p.state)
            .s("base_sha", &p.base_sha)
            .s("head_sha", &p.head_sha)
            .os("merge_sha", p.merge_sha.as_deref())
            .i("updated_s", p.updated_s)
            .s("labels", &p.labels.join("\n"))
            .done();
        self.exec(
            "UNWIND $rows AS r MERGE (p:PR {number: r.number})
             SET p.title = r.title, p.author = r.author, p.state = r.state, p.base_sha = r.base_sha,
                 p.head_sha = r.head_sha, p.merge_sha = r.merge_sha, p.updated_s = r.updated_s,
                 p.labels = r.labels",
            Some(vec![row]),
        )?;
        Ok(true)
    }

    fn put_lockfile(
        &mut self,
        lockfile: &str,
        packages: &[PackageRow],
        depends: &[DependRow],
    ) -> Result<()> {
        let key = |l: &str, e: &str, n: &str, v: &str| format!("{l}\u{1f}{e}\u{1f}{n}\u{1f}{v}");
        let rows = packages
            .iter()
            .map(|p| {
                Map::new()
                    .s("key", &key(&p.lockfile, &p.ecosystem, &p.name, &p.version))
                    .s("lockfile", &p.lockfile)
                    .s("ecosystem", &p.ecosystem)
                    .s("name", &p.name)
                    .s("version", &p.version)
                    .os("dir", p.dir.as_deref())
                    .done()
            })
            .collect();
        let edges = depends
            .iter()
            .map(|d| {
                Map::new()
                    .s(
                        "a",
                        &key(&d.lockfile, &d.ecosystem, &d.from_name, &d.from_version),
                    )
                    .s(
                        "b",
                        &key(&d.lockfile, &d.ecosystem, &d.to_name, &d.to_version),
                    )
                    .done()
            })
            .collect();
        self.atomic(vec![
            (
                "UNWIND $rows AS r MATCH (p:Package {lockfile: r.lockfile}) DETACH DELETE p",
                vec![Map::new().s("lockfile", lockfile).done()],
            ),
            (
                "UNWIND $rows AS r CREATE (p:Package {key: r.key, lockfile: r.lockfile,
                 ecosystem: r.ecosystem, name: r.name, version: r.version, dir: r.dir})",
                rows,
            ),
            (
                "UNWIND $rows AS r MATCH (a:Package {key: r.a}) MATCH (b:Package {key: r.b})
                 CREATE (a)-[:DEPENDS_ON]->(b)",
                edges,
            ),
        ])
    }
}
