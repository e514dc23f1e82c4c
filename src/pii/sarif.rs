//! Findings as SARIF 2.1.0: one rule per rule id, one result per finding.

use super::{Action, Finding};
use crate::output::sarif::{self, Configuration, Message, Rule};
use std::collections::BTreeMap;

fn describe(rule: &str) -> &'static str {
    match rule.rsplit('/').next().unwrap_or("") {
        "logger" => "Personal data or a secret is passed to a logger",
        "stdout" => "Personal data or a secret is printed to standard output",
        "exception" => "Personal data or a secret is put in an exception or panic message",
        "http" => "Personal data or a secret is sent in an HTTP request",
        "third-party" => "Personal data or a secret is sent to a third-party SDK",
        "client-storage" => "Personal data or a secret is stored in a cookie, session or token",
        "file-export" => "Personal data or a secret is written to a file export",
        "allow-without-reason" => "A maestro:allow comment without a reason",
        _ => "Personal data written out in text",
    }
}

/// The SARIF log of a scan.
pub fn log(findings: &[Finding]) -> serde_json::Value {
    let mut rules: BTreeMap<&str, Rule> = BTreeMap::new();
    let level = |a: Action| {
        if a == Action::Block {
            sarif::Level::Error
        } else {
            sarif::Level::Warning
        }
    };
    for f in findings {
        rules.entry(&f.rule).or_insert_with(|| Rule {
            id: f.rule.clone(),
            short_description: Message::new(describe(&f.rule)),
            full_description: None,
            help_uri: None,
            default_configuration: Configuration { level: level(f.action) },
            properties: serde_json::json!({"tags": ["privacy", "pii", format!("{:?}", f.kind).to_lowercase()]}),
        });
    }
    let results: Vec<sarif::Finding> = findings
        .iter()
        .map(|f| sarif::Finding {
            rule_id: f.rule.clone(),
            level: level(f.action),
            message: Message::new(format!("{} Snippet: {}", f.reason, f.snippet)),
            path: f.path.clone(),
            line: f.line as u64,
            column: f.column as u64,
            fingerprint: f.fingerprint.clone(),
            baseline_state: None,
        })
        .collect();
    let rules: Vec<Rule> = rules.into_values().collect();
    sarif::log(
        "maestro pii-scan",
        env!("CARGO_PKG_VERSION"),
        None,
        &rules,
        &results,
    )
}
