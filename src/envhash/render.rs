//! `env-hash --explain`: every input with its own digest.

use super::collect::Report;
use crate::output::markdown::text_table;

/// The root, one row per input, then the hash.
pub fn explain(report: &Report) -> String {
    let rows: Vec<Vec<String>> = report
        .inputs
        .iter()
        .map(|i| {
            vec![
                format!("{:?}", i.kind).to_lowercase(),
                i.name.clone(),
                i.sha256.clone(),
                i.bytes
                    .map(|b| format!("{b} B"))
                    .or_else(|| i.detail.clone())
                    .unwrap_or_default(),
            ]
        })
        .collect();
    format!(
        "{}\n{}env_hash {}",
        report.root,
        text_table(&["KIND", "NAME", "SHA256", "DETAIL"], &rows),
        report.env_hash
    )
}
