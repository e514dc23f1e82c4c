//! The recorded history in the state store: `bench-gate record` appends one
//! summary per benchmark per run (idempotent per run), and the gate reads it
//! back for summary-only results.

use super::gate::{round_value, Metric};
use super::stats::median;
use super::{Measure, Run};
use crate::error::Result;
use crate::state::{append_event, Appended, Store};
use rusqlite::{params, Connection};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

fn measure_name(m: Measure) -> String {
    serde_json::to_value(m)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Records `run`; returns the number of values stored (0 if this exact run
/// was recorded before).
pub fn record(store: &mut Store, run: &Run, metric: Metric, now_ms: i64) -> Result<usize> {
    let rows: Vec<(String, String, f64)> = run
        .series
        .iter()
        .map(|s| {
            let v = if s.repetitions {
                median(&s.values)
            } else {
                round_value(s, metric)
            };
            (s.name.clone(), measure_name(s.measure), v)
        })
        .collect();
    let mut h = Sha256::new();
    for (n, m, v) in &rows {
        h.update(format!("{n}\u{0}{m}\u{0}{v:e}\n"));
    }
    let key = format!("bench:{}", hex::encode(h.finalize()));
    store.write(|tx| {
        let body = serde_json::json!({"source": run.source, "format": run.format, "benchmarks": rows.len()});
        if append_event(tx, &key, "bench-record", now_ms, &body.to_string())? != Appended::New {
            return Ok(0);
        }
        for (n, m, v) in &rows {
            tx.execute(
                "INSERT INTO bench_history (name, measure, value, at_ms, source) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![n, m, v, now_ms, run.source],
            )?;
        }
        Ok(rows.len())
    })
}

/// All recorded values by (name, measure), oldest first.
pub fn load(conn: &Connection) -> Result<HashMap<(String, String), Vec<f64>>> {
    let mut q = conn.prepare("SELECT name, measure, value FROM bench_history ORDER BY seq")?;
    let rows = q.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, f64>(2)?,
        ))
    })?;
    let mut out: HashMap<(String, String), Vec<f64>> = HashMap::new();
    for row in rows {
        let (n, m, v) = row?;
        out.entry((n, m)).or_default().push(v);
    }
    Ok(out)
}

/// A lookup for [`super::gate::compare_with_history`].
pub fn lookup(h: &HashMap<(String, String), Vec<f64>>, name: &str, m: Measure) -> Vec<f64> {
    h.get(&(name.to_string(), measure_name(m)))
        .cloned()
        .unwrap_or_default()
}
