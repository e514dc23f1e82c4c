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

/// Records the head SBOM's findings under `scope` at `now_ms`.
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
        let mut open: BTreeSet<Key> = BTreeSet::new();
        {
            let mut q = tx.prepare(
                "SELECT ecosystem, package, grp FROM vuln_episodes WHERE scope = ?1 AND resolved_ms IS NULL",
            )?;
            for row in q.query_map([scope], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))? {
                open.insert(row?);
            }
        }
        let mut out = Recorded::default();
        for (k, f) in &seen {
            if open.contains(k) {
                tx.execute(
                    "UPDATE vuln_episodes SET last_seen_ms = ?5 WHERE scope = ?1 AND ecosystem = ?2 AND package = ?3 AND grp = ?4 AND resolved_ms IS NULL",
                    params![scope, k.0, k.1, k.2, now_ms],
                )?;
                continue;
            }
            tx.execute(
                "INSERT INTO vuln_episodes (scope, ecosystem, package, grp, id, severity, score, version, first_seen_ms, last_seen_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
                params![
                    scope,
                    k.0,
                    k.1,
                    k.2,
                    f.id,
                    level_name(f),
                    f.score,
                    f.version,
                    now_ms
                ],
            )?;
            out.opened += 1;
        }
        for k in open.iter().filter(|k| !seen.contains_key(*k)) {
            tx.execute(
                "UPDATE vuln_episodes SET resolved_ms = ?5 WHERE scope = ?1 AND ecosystem = ?2 AND package = ?3 AND grp = ?4 AND resolved_ms IS NULL",
                params![scope, k.0, k.1, k.2, now_ms],
            )?;
            out.resolved += 1;
        }
        out.open = seen.len();
        Ok(out)
    })
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
        .query_row("SELECT 1 FROM vuln_episodes LIMIT 1", [], |_| Ok(()))
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
