//! A comparison of two artifact trees as text.

use super::{Comparison, Status};
use crate::output::markdown::text_table;

/// The artifacts that differ, then the rate against the minimum.
pub fn text(c: &Comparison, min_rate: f64, pass: bool) -> String {
    let rows: Vec<Vec<String>> = c
        .artifacts
        .iter()
        .filter(|a| a.status != Status::Identical)
        .map(|a| {
            let size = |s: Option<u64>| s.map_or("-".into(), |v| v.to_string());
            vec![
                a.path.clone(),
                serde_json::to_value(&a.status)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                size(a.size_a),
                size(a.size_b),
                a.first_difference.map_or("-".into(), |o| o.to_string()),
            ]
        })
        .collect();
    let table = if rows.is_empty() {
        String::new()
    } else {
        text_table(
            &["ARTIFACT", "STATUS", "SIZE A", "SIZE B", "FIRST DIFF"],
            &rows,
        )
    };
    format!(
        "{table}reproducible: {}/{} = {:.1}% (minimum {:.1}%): {}",
        c.identical,
        c.total,
        c.rate * 100.0,
        min_rate * 100.0,
        if pass { "pass" } else { "FAIL" }
    )
}
