//! Vulnerabilities of an SBOM's components, and how they changed between two
//! SBOMs: new, resolved and persisting, keyed on (package, advisory group),
//! where an advisory and its aliases are one group. A version bump that is
//! still affected is therefore *persisting*, not new.

use super::cvss::{v3_base, Level};
use super::osv::{Advisory, Db};
use super::Sbom;
use serde::Serialize;
use std::collections::BTreeMap;

/// One vulnerable component.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// Package (ecosystem spelling).
    pub package: String,
    /// Version in the SBOM.
    pub version: String,
    /// Ecosystem.
    pub ecosystem: String,
    /// Advisory id.
    pub id: String,
    /// Its aliases.
    pub aliases: Vec<String>,
    /// The group key: the smallest of the id and its aliases.
    pub group: String,
    /// Severity (computed from CVSS v3 vectors, else the database's word).
    pub severity: Level,
    /// CVSS base score, when a vector was scored.
    pub score: Option<f64>,
    /// Versions that fix it, from the advisory's ranges.
    pub fixed_in: Vec<String>,
    /// Summary.
    pub summary: String,
}

/// Severity and score of an advisory for a package.
pub fn severity(a: &Advisory, package: &str) -> (Level, Option<f64>) {
    let vectors = a.severity.iter().chain(
        a.affected
            .iter()
            .filter(|af| af.package.name == package)
            .flat_map(|af| af.severity.iter()),
    );
    let best = vectors
        .filter_map(|s| v3_base(&s.score))
        .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))));
    if let Some(s) = best {
        return (Level::of(s), Some(s));
    }
    let word = a.database_specific["severity"]
        .as_str()
        .and_then(Level::from_word);
    (word.unwrap_or(Level::Unknown), None)
}

/// Scans every scannable component.
pub fn scan(sbom: &Sbom, db: &Db) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in sbom.components.iter().filter(|c| c.unscannable.is_none()) {
        let (Some(eco), Some(ver)) = (&c.ecosystem, &c.version) else {
            continue;
        };
        for a in db.affecting(eco, &c.package, ver) {
            let (sev, score) = severity(a, &c.package);
            let mut fixed: Vec<String> = a
                .affected
                .iter()
                .filter(|af| {
                    super::osv::normalise(eco, &af.package.name)
                        == super::osv::normalise(eco, &c.package)
                })
                .flat_map(|af| af.ranges.iter().filter(|r| r.kind != "GIT"))
                .flat_map(|r| r.events.iter().filter_map(|e| e.fixed.clone()))
                .collect();
            fixed.sort_by(|x, y| {
                super::version::compare(eco, x, y).unwrap_or(std::cmp::Ordering::Equal)
            });
            fixed.dedup();
            let group = std::iter::once(&a.id)
                .chain(&a.aliases)
                .min()
                .cloned()
                .unwrap_or_default();
            out.push(Finding {
                package: c.package.clone(),
                version: ver.clone(),
                ecosystem: eco.clone(),
                id: a.id.clone(),
                aliases: a.aliases.clone(),
                group,
                severity: sev,
                score,
                fixed_in: fixed,
                summary: a.summary.clone(),
            });
        }
    }
    out.sort_by(|a, b| (a.severity, &a.package, &a.id).cmp(&(b.severity, &b.package, &b.id)));
    out.dedup_by(|a, b| a.package == b.package && a.version == b.version && a.id == b.id);
    out
}

/// New, resolved and persisting vulnerabilities.
#[derive(Clone, Debug, Default, Serialize)]
pub struct VulnDiff {
    /// In head, not in base.
    pub new: Vec<Finding>,
    /// In base, not in head.
    pub resolved: Vec<Finding>,
    /// In both (possibly at another version of the package).
    pub persisting: Vec<Finding>,
}

/// Compares findings by (ecosystem, package, advisory group).
pub fn diff(base: &[Finding], head: &[Finding]) -> VulnDiff {
    let key = |f: &Finding| (f.ecosystem.clone(), f.package.clone(), f.group.clone());
    let b: BTreeMap<_, &Finding> = base.iter().map(|f| (key(f), f)).collect();
    let h: BTreeMap<_, &Finding> = head.iter().map(|f| (key(f), f)).collect();
    let mut d = VulnDiff::default();
    for (k, f) in &h {
        if b.contains_key(k) {
            d.persisting.push((*f).clone());
        } else {
            d.new.push((*f).clone());
        }
    }
    d.resolved = b
        .iter()
        .filter(|(k, _)| !h.contains_key(*k))
        .map(|(_, f)| (*f).clone())
        .collect();
    d
}
