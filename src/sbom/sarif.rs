//! Vulnerabilities of the head SBOM as SARIF 2.1.0 for code scanning: one
//! rule per advisory, one result per (package, advisory) present in the head,
//! with `baselineState` new or unchanged against the base SBOM.

use super::cvss::Level;
use super::osv::Db;
use super::vulns::{Finding, VulnDiff};
use crate::output::sarif::{self, Configuration, Message, Rule};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

fn level(l: Level) -> sarif::Level {
    match l {
        Level::Critical | Level::High => sarif::Level::Error,
        Level::Medium | Level::Unknown => sarif::Level::Warning,
        Level::Low | Level::None => sarif::Level::Note,
    }
}

/// The 1-based line of the head SBOM that first names `f`'s package at its
/// version (else the package alone; else 1), so the alert points somewhere
/// useful.
fn line_of(text: &str, f: &Finding) -> u64 {
    let mut by_name = None;
    for (i, l) in text.lines().enumerate() {
        if l.contains(&f.package) {
            if l.contains(&f.version) {
                return i as u64 + 1;
            }
            by_name.get_or_insert(i as u64 + 1);
        }
    }
    by_name.unwrap_or(1)
}

/// The SARIF log. `head_path` is the head SBOM's path as the repository
/// sees it, `head_text` its contents (for line numbers).
pub fn log(v: &VulnDiff, db: &Db, head_path: &str, head_text: &str) -> serde_json::Value {
    let present = v
        .new
        .iter()
        .map(|f| (f, "new"))
        .chain(v.persisting.iter().map(|f| (f, "unchanged")));
    let mut rules: BTreeMap<String, Rule> = BTreeMap::new();
    let mut results = Vec::new();
    let by_id: BTreeMap<&str, _> = db.advisories.iter().map(|a| (a.id.as_str(), a)).collect();
    for (f, state) in present {
        rules.entry(f.id.clone()).or_insert_with(|| {
            let adv = by_id.get(f.id.as_str());
            let help = adv
                .and_then(|a| {
                    a.references
                        .iter()
                        .find(|r| r.kind == "ADVISORY")
                        .or(a.references.first())
                })
                .map(|r| r.url.clone())
                .or_else(|| Some(format!("https://osv.dev/vulnerability/{}", f.id)));
            let mut props = serde_json::json!({
                "tags": ["security", "vulnerability", f.ecosystem],
                "aliases": f.aliases,
            });
            if let Some(s) = f.score {
                props["security-severity"] = format!("{s:.1}").into();
            }
            Rule {
                id: f.id.clone(),
                short_description: Message::new(if f.summary.is_empty() {
                    f.id.clone()
                } else {
                    f.summary.clone()
                }),
                full_description: None,
                help_uri: help,
                default_configuration: Configuration {
                    level: level(f.severity),
                },
                properties: props,
            }
        });
        let fix = if f.fixed_in.is_empty() {
            "no fixed version is known".to_string()
        } else {
            format!("fixed in {}", f.fixed_in.join(", "))
        };
        let mut h = Sha256::new();
        h.update(format!("{}\0{}\0{}", f.ecosystem, f.package, f.group));
        results.push(sarif::Finding {
            rule_id: f.id.clone(),
            level: level(f.severity),
            message: Message::new(format!(
                "{} {} ({}) is affected by {} [{}]: {}; {fix}",
                f.package,
                f.version,
                f.ecosystem,
                f.id,
                format!("{:?}", f.severity).to_uppercase(),
                if f.summary.is_empty() {
                    "no summary"
                } else {
                    &f.summary
                },
            )),
            path: head_path.replace('\\', "/"),
            line: line_of(head_text, f),
            column: 1,
            fingerprint: hex::encode(&h.finalize()[..16]),
            baseline_state: Some(state),
        });
    }
    let rules: Vec<Rule> = rules.into_values().collect();
    sarif::log(
        "maestro sbom-diff",
        env!("CARGO_PKG_VERSION"),
        Some("https://osv.dev"),
        &rules,
        &results,
    )
}
