//! Baselines: accepted findings by fingerprint, each with a reason, an owner
//! and an expiry. An expired entry stops suppressing and is reported; an
//! entry that matches nothing any more is reported as stale.

use super::Finding;
use crate::error::{input, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The baseline file (JSON).
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// Format version, 1.
    pub version: u32,
    /// Accepted findings.
    pub entries: Vec<Entry>,
}

/// One accepted finding.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The finding's fingerprint.
    pub fingerprint: String,
    /// Its rule (for people reading the file).
    pub rule: String,
    /// Its path.
    pub path: String,
    /// Why it is accepted.
    pub reason: String,
    /// Who accepted it.
    pub owner: String,
    /// Last day it applies (`YYYY-MM-DD`).
    pub expires: String,
}

/// What checking findings against a baseline gave.
#[derive(Debug, Default, Serialize)]
pub struct Check {
    /// Findings suppressed by a live entry.
    pub suppressed: usize,
    /// Entries past their expiry (they suppress nothing).
    pub expired: Vec<Entry>,
    /// Entries that match no current finding.
    pub stale: Vec<Entry>,
}

impl Baseline {
    /// Reads and validates a baseline file.
    pub fn load(path: &Path) -> Result<Baseline> {
        let text =
            std::fs::read_to_string(path).map_err(|e| input(format!("{}: {e}", path.display())))?;
        let b: Baseline = serde_json::from_str(&text)
            .map_err(|e| input(format!("{}: not a pii-scan baseline: {e}", path.display())))?;
        if b.version != 1 {
            return Err(input(format!(
                "{}: baseline version {} is not supported (want 1)",
                path.display(),
                b.version
            )));
        }
        for (i, e) in b.entries.iter().enumerate() {
            if e.reason.trim().is_empty() || e.owner.trim().is_empty() {
                return Err(input(format!(
                    "{}: entry {} ({}) needs a reason and an owner",
                    path.display(),
                    i + 1,
                    e.fingerprint
                )));
            }
            if time::Date::parse(
                &e.expires,
                &time::format_description::well_known::Iso8601::DATE,
            )
            .is_err()
            {
                return Err(input(format!(
                    "{}: entry {} ({}): expires {:?} is not a YYYY-MM-DD date",
                    path.display(),
                    i + 1,
                    e.fingerprint,
                    e.expires
                )));
            }
        }
        Ok(b)
    }

    /// An entry for every finding.
    pub fn create(findings: &[Finding], reason: &str, owner: &str, expires: &str) -> Baseline {
        let mut entries: Vec<Entry> = findings
            .iter()
            .map(|f| Entry {
                fingerprint: f.fingerprint.clone(),
                rule: f.rule.clone(),
                path: f.path.clone(),
                reason: reason.to_string(),
                owner: owner.to_string(),
                expires: expires.to_string(),
            })
            .collect();
        entries.sort_by(|a, b| (&a.path, &a.fingerprint).cmp(&(&b.path, &b.fingerprint)));
        entries.dedup_by(|a, b| a.fingerprint == b.fingerprint);
        Baseline {
            version: 1,
            entries,
        }
    }

    /// Removes findings covered by live entries (`today` is `YYYY-MM-DD`).
    pub fn apply(&self, findings: &mut Vec<Finding>, today: &str) -> Check {
        let mut check = Check::default();
        let live: std::collections::HashSet<&str> = self
            .entries
            .iter()
            .filter(|e| e.expires.as_str() >= today)
            .map(|e| e.fingerprint.as_str())
            .collect();
        let present: std::collections::HashSet<String> =
            findings.iter().map(|f| f.fingerprint.clone()).collect();
        let before = findings.len();
        findings.retain(|f| !live.contains(f.fingerprint.as_str()));
        check.suppressed = before - findings.len();
        for e in &self.entries {
            if e.expires.as_str() < today {
                check.expired.push(e.clone());
            } else if !present.contains(&e.fingerprint) {
                check.stale.push(e.clone());
            }
        }
        check
    }
}
