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

mod load;
mod sink;

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

/// A statement with `rows`, when given, as `$rows`.
fn query(cypher: &str, rows: Option<Vec<BoltType>>) -> neo4rs::Query {
    let q = neo4rs::query(cypher);
    match rows {
        Some(rows) => q.param("rows", BoltType::List(BoltList::from(rows))),
        None => q,
    }
}

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

    /// How long one statement may take: the connect timeout, at least a
    /// minute.
    fn statement_timeout(&self) -> Duration {
        self.cfg.timeout.max(Duration::from_secs(60))
    }

    /// Runs one statement in its own transaction, with `rows` as `$rows`.
    fn exec(&self, cypher: &str, rows: Option<Vec<BoltType>>) -> Result<()> {
        let q = query(cypher, rows);
        self.rt
            .block_on(bounded(self.statement_timeout(), async {
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
        self.rt
            .block_on(bounded(self.statement_timeout() * 10, async {
                let mut txn = self.graph.start_txn().await?;
                for (cypher, mut rows) in statements {
                    while !rows.is_empty() {
                        let rest = rows.split_off(rows.len().min(size));
                        txn.run(query(cypher, Some(rows))).await?;
                        rows = rest;
                    }
                }
                txn.commit().await
            }))
            .map_err(|e| self.fail(e))
    }

    /// The rows a read query returns.
    fn rows(&self, cypher: &str, rows: Option<Vec<BoltType>>) -> Result<Vec<Row>> {
        let q = query(cypher, rows);
        self.rt
            .block_on(bounded(self.statement_timeout(), async {
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

    /// Deletes every node and relationship (tests and benchmarks start
    /// from an empty graph).
    pub fn clear(&self) -> Result<()> {
        self.exec("MATCH (n) DETACH DELETE n", None)
    }
}

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
