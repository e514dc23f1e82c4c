//! Cache results as text.

use super::ledger::{Rates, Stats};
use super::ops::{GcEntry, GetReport, PutReport};
use super::outcome::{GetOutcome, PutOutcome};
use crate::output::markdown::text_table;

/// One line about a `put` into the store described as `store`.
pub fn put_text(r: &PutReport, store: &str) -> String {
    match r.outcome {
        PutOutcome::Stored => format!(
            "stored {} in {store}: {} paths, {} -> {} bytes, {} ms",
            r.key, r.entries, r.total_bytes, r.bytes, r.millis
        ),
        PutOutcome::Exists => format!("{} already exists in {store}; left untouched", r.key),
    }
}

/// One line about a `get`.
pub fn get_text(r: &GetReport) -> String {
    match r.outcome {
        GetOutcome::Hit | GetOutcome::RestoreHit => format!(
            "{}: restored {} ({} paths, {} bytes, {} ms)",
            r.outcome.as_str(),
            r.matched_key.as_deref().unwrap_or(""),
            r.entries,
            r.bytes,
            r.millis
        ),
        GetOutcome::Rejected => format!("rejected: {}", r.error.as_deref().unwrap_or_default()),
        GetOutcome::Miss => format!("miss: no entry for {}", r.key),
    }
}

/// What `gc` deleted (or, in a dry run, would delete).
pub fn gc_text(plan: &[GcEntry], deleted: bool) -> String {
    let rows: Vec<Vec<String>> = plan
        .iter()
        .filter(|e| e.delete)
        .map(|e| {
            vec![
                e.key.clone(),
                e.bytes.to_string(),
                e.reason.clone().unwrap_or_default(),
            ]
        })
        .collect();
    let freed: u64 = plan.iter().filter(|e| e.delete).map(|e| e.bytes).sum();
    let verb = if deleted {
        "deleted"
    } else {
        "would delete (dry run; --yes to delete)"
    };
    format!(
        "{}{verb} {} of {} entries, {freed} bytes",
        if rows.is_empty() {
            String::new()
        } else {
            text_table(&["KEY", "BYTES", "REASON"], &rows)
        },
        rows.len(),
        plan.len()
    )
}

/// Hit rates overall and by key prefix, then puts, bytes and time saved.
pub fn stats_text(s: &Stats) -> String {
    let row = |name: &str, r: &Rates| {
        vec![
            name.to_string(),
            r.gets.to_string(),
            r.hits.to_string(),
            r.restore_hits.to_string(),
            r.misses.to_string(),
            r.rejected.to_string(),
            format!("{:.1}%", r.hit_rate * 100.0),
        ]
    };
    let mut rows = vec![row("(all)", &s.overall)];
    rows.extend(s.by_prefix.iter().map(|(p, r)| row(p, r)));
    format!(
        "{}puts: {} stored, {} already present; {} bytes uploaded, {} bytes restored; {:.1}s of build time saved",
        text_table(&["PREFIX", "GETS", "HITS", "RESTORE", "MISS", "REJECTED", "HIT RATE"], &rows),
        s.puts_stored,
        s.puts_existing,
        s.bytes_uploaded,
        s.bytes_restored,
        s.seconds_saved
    )
}
