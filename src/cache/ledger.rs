//! The record of cache operations in the state store, and what `cache stats`
//! and `cache gc` read back from it.

use super::ops::{GetReport, PutReport};
use super::outcome::{GetOutcome, PutOutcome};
use crate::error::Result;
use crate::state::{append_event, Appended, Store};
use rusqlite::{params, Connection};
use serde::Serialize;

/// One get or put, as recorded.
#[derive(Clone, Debug, Serialize)]
pub struct Op {
    /// Unique id (idempotency key).
    pub id: String,
    /// When.
    pub at_ms: i64,
    /// `put` or `get`.
    pub op: &'static str,
    /// Key asked for.
    pub key: String,
    /// Entry restored (get).
    pub matched_key: Option<String>,
    /// Outcome (`stored`, `exists`, `hit`, `restore-hit`, `miss`, `rejected`).
    pub outcome: &'static str,
    /// Bytes moved.
    pub bytes: u64,
    /// Wall time.
    pub millis: u64,
    /// Build time saved (get).
    pub saved_millis: u64,
}

impl Op {
    /// The record of a `put`; `id` and `at_ms` are the caller's to set.
    pub fn put(r: &PutReport) -> Op {
        Op {
            id: String::new(),
            at_ms: 0,
            op: "put",
            key: r.key.clone(),
            matched_key: None,
            outcome: r.outcome.as_str(),
            bytes: r.bytes,
            millis: r.millis,
            saved_millis: 0,
        }
    }

    /// The record of a `get`; `id` and `at_ms` are the caller's to set.
    pub fn get(r: &GetReport) -> Op {
        Op {
            id: String::new(),
            at_ms: 0,
            op: "get",
            key: r.key.clone(),
            matched_key: r.matched_key.clone(),
            outcome: r.outcome.as_str(),
            bytes: r.bytes,
            millis: r.millis,
            saved_millis: r.saved_millis,
        }
    }
}

/// Records `op` once (its id is the idempotency key).
pub fn record(store: &mut Store, op: &Op) -> Result<()> {
    store.write(|tx| {
        let body = serde_json::to_string(op)?;
        if append_event(tx, &format!("cache:{}", op.id), "cache", op.at_ms, &body)? == Appended::New {
            tx.execute(
                "INSERT INTO cache_ops (id, at_ms, op, key, matched_key, outcome, bytes, millis, saved_millis)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    op.id, op.at_ms, op.op, op.key, op.matched_key, op.outcome,
                    op.bytes as i64, op.millis as i64, op.saved_millis as i64
                ],
            )?;
        }
        Ok(())
    })
}

/// Hit counts for a group of keys.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Rates {
    /// `get` calls.
    pub gets: u64,
    /// Exact-key hits.
    pub hits: u64,
    /// Restore-key (prefix) hits.
    pub restore_hits: u64,
    /// Misses.
    pub misses: u64,
    /// Rejected entries.
    pub rejected: u64,
    /// (hits + restore hits) / gets.
    pub hit_rate: f64,
}

/// What `cache stats` prints.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Stats {
    /// All gets.
    pub overall: Rates,
    /// By key prefix (the key without its last `-` segment).
    pub by_prefix: Vec<(String, Rates)>,
    /// Entries stored / puts that found the key present.
    pub puts_stored: u64,
    /// Puts that left an existing key alone.
    pub puts_existing: u64,
    /// Compressed bytes uploaded.
    pub bytes_uploaded: u64,
    /// Compressed bytes restored.
    pub bytes_restored: u64,
    /// Build time saved by hits, seconds (for entries that recorded it).
    pub seconds_saved: f64,
}

/// The prefix a key is grouped under: everything before its last `-`.
pub fn prefix_of(key: &str) -> &str {
    key.rfind('-').map_or(key, |i| &key[..i])
}

/// Summarises the recorded operations.
pub fn stats(conn: &Connection) -> Result<Stats> {
    let mut st = conn.prepare("SELECT op, key, outcome, bytes, saved_millis FROM cache_ops")?;
    let rows = st.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, i64>(4)?,
        ))
    })?;
    let mut s = Stats::default();
    let mut groups: std::collections::BTreeMap<String, Rates> = Default::default();
    for row in rows {
        let (op, key, outcome, bytes, saved) = row?;
        if op == "put" {
            if outcome == PutOutcome::Stored.as_str() {
                s.puts_stored += 1;
                s.bytes_uploaded += bytes as u64;
            } else {
                s.puts_existing += 1;
            }
            continue;
        }
        let outcome = GetOutcome::parse(&outcome);
        let g = groups.entry(prefix_of(&key).to_string()).or_default();
        for r in [&mut s.overall, g] {
            r.gets += 1;
            match outcome {
                GetOutcome::Hit => r.hits += 1,
                GetOutcome::RestoreHit => r.restore_hits += 1,
                GetOutcome::Rejected => r.rejected += 1,
                GetOutcome::Miss => r.misses += 1,
            }
        }
        if outcome.restored() {
            s.bytes_restored += bytes as u64;
            s.seconds_saved += saved as f64 / 1000.0;
        }
    }
    let rate = |r: &mut Rates| {
        r.hit_rate = if r.gets == 0 {
            0.0
        } else {
            (r.hits + r.restore_hits) as f64 / r.gets as f64
        }
    };
    rate(&mut s.overall);
    s.by_prefix = groups
        .into_iter()
        .map(|(k, mut r)| {
            rate(&mut r);
            (k, r)
        })
        .collect();
    Ok(s)
}

/// When each key was last restored.
pub fn last_hits(conn: &Connection) -> Result<std::collections::HashMap<String, i64>> {
    let mut q = conn.prepare(
        "SELECT matched_key, max(at_ms) FROM cache_ops WHERE outcome LIKE '%hit' GROUP BY matched_key",
    )?;
    let rows = q.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}
