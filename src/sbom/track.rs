//! Time-to-remediate tracking: `sbom-diff --record` keeps one *episode* per
//! (scope, ecosystem, package, advisory group) from the first head SBOM that
//! has it until the first recorded head SBOM that no longer has it.
//! `sbom-diff stats` summarises the closed episodes by severity.
//!
//! Recording is idempotent: recording the same head again changes nothing,
//! so a retried CI job or a re-applied S3 write cannot count anything twice.

use super::vulns::Finding;
use crate::error::Result;
use crate::state::{append_event, Store};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// What one `--record` changed.
#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct Recorded {
    /// Episodes opened (first seen now).
    pub opened: usize,
    /// Episodes closed (resolved now).
    pub resolved: usize,
    /// Episodes still open after this record.
    pub open: usize,
}

type Key = (String, String, String); // ecosystem, package, group

/// Records the head SBOM's findings under `scope` at `now_ms`, then rebuilds
/// the scope's episodes from every record in time order, so that a record
/// made late (a backfill with `--at`) lands where it belongs.
pub fn record(store: &mut Store, scope: &str, head: &[Finding], now_ms: i64) -> Result<Recorded> {
    let mut seen: BTreeMap<Key, &Finding> = BTreeMap::new();
    for f in head {
        seen.entry((f.ecosystem.clone(), f.package.clone(), f.group.clone()))
            .or_insert(f);
    }
    let mut h = Sha256::new();
    h.update(scope.as_bytes());
    for (e, p, g) in seen.keys() {
        h.update(format!("\0{e}\0{p}\0{g}"));
    }
    let key = format!("sbom-record:{}:{now_ms}", hex::encode(h.finalize()));
    store.write(|tx| {
        let body = serde_json::json!({"scope": scope, "findings": seen.len()});
        append_event(tx, &key, "sbom-record", now_ms, &body.to_string())?;
        // This record replaces any earlier one made for the same moment.
        tx.execute(
            "INSERT OR IGNORE INTO vuln_records (scope, at_ms) VALUES (?1, ?2)",
            params![scope, now_ms],
        )?;
        tx.execute(
            "DELETE FROM vuln_observations WHERE scope = ?1 AND at_ms = ?2",
            params![scope, now_ms],
        )?;
        for (k, f) in &seen {
            tx.execute(
                "INSERT INTO vuln_observations (scope, at_ms, ecosystem, package, grp, id, severity, score, version)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![scope, now_ms, k.0, k.1, k.2, f.id, level_name(f), f.score, f.version],
            )?;
        }
        rebuild(tx, scope, now_ms)
    })
}

/// One observed (package, advisory group) in a record.
struct Seen {
    id: String,
    severity: String,
    score: Option<f64>,
    version: String,
}

/// Replaces the scope's episodes with those its records give in time order:
/// an episode opens at the first record that has it and is resolved at the
/// first later record that does not. Returns what the record at `at_ms`
/// changed.
fn rebuild(tx: &rusqlite::Transaction, scope: &str, at_ms: i64) -> Result<Recorded> {
    let mut records: BTreeMap<i64, BTreeMap<Key, Seen>> = BTreeMap::new();
    {
        let mut q = tx.prepare("SELECT at_ms FROM vuln_records WHERE scope = ?1")?;
        for t in q.query_map([scope], |r| r.get::<_, i64>(0))? {
            records.insert(t?, BTreeMap::new());
        }
        let mut q = tx.prepare(
            "SELECT at_ms, ecosystem, package, grp, id, severity, score, version FROM vuln_observations WHERE scope = ?1",
        )?;
        let rows = q.query_map([scope], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                (r.get(1)?, r.get(2)?, r.get(3)?),
                Seen {
                    id: r.get(4)?,
                    severity: r.get(5)?,
                    score: r.get(6)?,
                    version: r.get(7)?,
                },
            ))
        })?;
        for row in rows {
            let (t, k, s) = row?;
            records.entry(t).or_default().insert(k, s);
        }
    }
    tx.execute("DELETE FROM vuln_episodes WHERE scope = ?1", [scope])?;
    // Episodes in the order opened: key, first seen, last seen, resolved.
    let mut episodes: Vec<(Key, i64, i64, Option<i64>)> = Vec::new();
    let mut open: BTreeMap<Key, usize> = BTreeMap::new();
    let mut out = Recorded::default();
    let mut previous: BTreeSet<&Key> = BTreeSet::new();
    for (&t, seen) in &records {
        for k in seen.keys() {
            match open.get(k) {
                Some(&i) => episodes[i].2 = t,
                None => {
                    open.insert(k.clone(), episodes.len());
                    episodes.push((k.clone(), t, t, None));
                }
            }
        }
        open.retain(|k, i| {
            let still = seen.contains_key(k);
            if !still {
                episodes[*i].3 = Some(t);
            }
            still
        });
        let now: BTreeSet<&Key> = seen.keys().collect();
        if t == at_ms {
            out.opened = now.difference(&previous).count();
            out.resolved = previous.difference(&now).count();
            out.open = now.len();
        }
        previous = now;
    }
    for (k, first, last, resolved) in &episodes {
        let s = &records[first][k];
        tx.execute(
            "INSERT INTO vuln_episodes (scope, ecosystem, package, grp, id, severity, score, version, first_seen_ms, last_seen_ms, resolved_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![scope, k.0, k.1, k.2, s.id, s.severity, s.score, s.version, first, last, resolved],
        )?;
    }
    Ok(out)
}

fn level_name(f: &Finding) -> String {
    serde_json::to_value(f.severity)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| "UNKNOWN".into())
}

/// One tracked episode.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Episode {
    /// `--scope` it was recorded under.
    pub scope: String,
    /// Ecosystem.
    pub ecosystem: String,
    /// Package.
    pub package: String,
    /// Advisory id first seen.
    pub id: String,
    /// Severity when first seen.
    pub severity: String,
    /// First seen (epoch ms).
    pub first_seen_ms: i64,
    /// Resolved (epoch ms), if it is.
    pub resolved_ms: Option<i64>,
}

/// Every episode, optionally of one scope.
pub fn episodes(conn: &Connection, scope: Option<&str>) -> Result<Vec<Episode>> {
    let mut q = conn.prepare(
        "SELECT scope, ecosystem, package, id, severity, first_seen_ms, resolved_ms FROM vuln_episodes
         WHERE ?1 IS NULL OR scope = ?1 ORDER BY first_seen_ms, package",
    )?;
    let rows = q.query_map([scope], |r| {
        Ok(Episode {
            scope: r.get(0)?,
            ecosystem: r.get(1)?,
            package: r.get(2)?,
            id: r.get(3)?,
            severity: r.get(4)?,
            first_seen_ms: r.get(5)?,
            resolved_ms: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// Whether anything was ever recorded (to tell "no data" from "nothing open").
pub fn any(conn: &Connection) -> Result<bool> {
    Ok(conn
        .query_row("SELECT 1 FROM vuln_records LIMIT 1", [], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Time-to-remediate figures for one severity.
#[derive(Debug, Serialize, PartialEq)]
pub struct SeverityStats {
    /// CRITICAL, HIGH, MEDIUM, LOW, NONE or UNKNOWN.
    pub severity: String,
    /// Resolved episodes.
    pub resolved: usize,
    /// Median time to remediate, in hours, over the resolved episodes.
    pub median_hours: Option<f64>,
    /// 90th percentile (nearest rank), in hours.
    pub p90_hours: Option<f64>,
    /// Episodes still open.
    pub open: usize,
    /// Age of the oldest open episode at `now`, in hours.
    pub oldest_open_hours: Option<f64>,
}

/// Milliseconds as hours.
pub fn hours(ms: i64) -> f64 {
    ms as f64 / 3_600_000.0
}

const ORDER: [&str; 6] = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "NONE", "UNKNOWN"];

/// Summarises episodes by severity (most severe first); only severities
/// that occur are listed.
pub fn summarise(eps: &[Episode], now_ms: i64) -> Vec<SeverityStats> {
    let mut out = Vec::new();
    for sev in ORDER {
        let of: Vec<&Episode> = eps.iter().filter(|e| e.severity == sev).collect();
        if of.is_empty() {
            continue;
        }
        let mut ttr: Vec<f64> = of
            .iter()
            .filter_map(|e| e.resolved_ms.map(|r| hours(r - e.first_seen_ms)))
            .collect();
        ttr.sort_by(f64::total_cmp);
        let median = (!ttr.is_empty()).then(|| {
            let n = ttr.len();
            if n % 2 == 1 {
                ttr[n / 2]
            } else {
                (ttr[n / 2 - 1] + ttr[n / 2]) / 2.0
            }
        });
        let p90 = (!ttr.is_empty()).then(|| ttr[((ttr.len() * 9).div_ceil(10)).max(1) - 1]);
        let open: Vec<&&Episode> = of.iter().filter(|e| e.resolved_ms.is_none()).collect();
        out.push(SeverityStats {
            severity: sev.to_string(),
            resolved: ttr.len(),
            median_hours: median,
            p90_hours: p90,
            open: open.len(),
            oldest_open_hours: open
                .iter()
                .map(|e| hours(now_ms - e.first_seen_ms))
                .reduce(f64::max),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep(sev: &str, first: i64, resolved: Option<i64>) -> Episode {
        Episode {
            scope: "default".into(),
            ecosystem: "PyPI".into(),
            package: "p".into(),
            id: "GHSA-x".into(),
            severity: sev.into(),
            first_seen_ms: first,
            resolved_ms: resolved,
        }
    }

    #[test]
    fn the_migration_seeds_records_that_replay_to_the_same_episodes() {
        use crate::state::schema::MIGRATIONS;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let c = Connection::open(&path).unwrap();
        // Every migration before the one that adds the records.
        let seeding = MIGRATIONS
            .iter()
            .position(|m| m.contains("CREATE TABLE vuln_records"))
            .unwrap();
        for (i, m) in MIGRATIONS[..seeding].iter().enumerate() {
            c.execute_batch(m).unwrap();
            c.pragma_update(None, "user_version", i + 1).unwrap();
        }
        // a: seen at 1 and 2, resolved at 3; b: seen 2..4, open; c: seen at 3 only, resolved at 4.
        for (pkg, first, last, resolved) in [
            ("a", 1, 2, Some(3)),
            ("b", 2, 4, None),
            ("c", 3, 3, Some(4)),
        ] {
            c.execute(
                "INSERT INTO vuln_episodes (scope, ecosystem, package, grp, id, severity, score, version, first_seen_ms, last_seen_ms, resolved_ms)
                 VALUES ('s', 'npm', ?1, 'g', 'GHSA-1', 'HIGH', 7.5, '1.0', ?2, ?3, ?4)",
                params![pkg, first, last, resolved],
            )
            .unwrap();
        }
        drop(c);
        let before = |store: &Store| {
            let mut q = store
                .conn()
                .prepare("SELECT package, first_seen_ms, last_seen_ms, resolved_ms FROM vuln_episodes ORDER BY package")
                .unwrap();
            q.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, Option<i64>>(3)?,
                ))
            })
            .unwrap()
            .collect::<rusqlite::Result<Vec<_>>>()
            .unwrap()
        };
        let mut store = Store::open(&path).unwrap();
        let old = before(&store);
        store.write(|tx| rebuild(tx, "s", 4)).unwrap();
        assert_eq!(before(&store), old);
    }

    #[test]
    fn median_and_p90_by_severity() {
        let h = 3_600_000;
        let eps = vec![
            ep("HIGH", 0, Some(10 * h)),
            ep("HIGH", 0, Some(30 * h)),
            ep("HIGH", 0, Some(50 * h)),
            ep("HIGH", 5 * h, None),
            ep("LOW", 0, Some(h)),
            ep("LOW", 0, Some(3 * h)),
        ];
        let s = summarise(&eps, 100 * h);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].severity, "HIGH");
        assert_eq!(s[0].resolved, 3);
        assert_eq!(s[0].median_hours, Some(30.0));
        assert_eq!(s[0].p90_hours, Some(50.0));
        assert_eq!(s[0].open, 1);
        assert_eq!(s[0].oldest_open_hours, Some(95.0));
        assert_eq!(s[1].median_hours, Some(2.0));
        assert_eq!(s[1].oldest_open_hours, None);
    }
}
