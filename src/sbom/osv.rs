//! OSV advisories, offline: directories of `<ID>.json` files and the
//! published per-ecosystem `all.zip` exports. Lenient: unknown fields and
//! ecosystems are fine, one malformed advisory is a warning, withdrawn ones
//! are dropped. Indexed by (ecosystem, package) so lookups are cheap.

use super::version;
use crate::error::{input, Result};
use serde::Deserialize;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

/// One OSV record (the fields maestro uses).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Advisory {
    /// Id (`RUSTSEC-…`, `GHSA-…`, `PYSEC-…`, `GO-…`).
    pub id: String,
    /// Other ids of the same vulnerability.
    pub aliases: Vec<String>,
    /// One-line summary.
    pub summary: String,
    /// Set when the advisory was withdrawn.
    pub withdrawn: Option<String>,
    /// Affected packages.
    pub affected: Vec<Affected>,
    /// Severity scores (CVSS vectors).
    pub severity: Vec<Severity>,
    /// Links.
    pub references: Vec<Reference>,
    /// Database-specific data (GHSA's `severity`, RUSTSEC's `informational`…).
    pub database_specific: serde_json::Value,
}

/// An affected package.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Affected {
    /// Package.
    pub package: Package,
    /// Version ranges.
    pub ranges: Vec<Range>,
    /// Explicitly affected versions.
    pub versions: Vec<String>,
    /// Per-package severity (OSV 1.5+).
    pub severity: Vec<Severity>,
    /// Database-specific data.
    pub database_specific: serde_json::Value,
}

/// A package name in an ecosystem.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Package {
    /// Ecosystem, possibly with a `:suffix` (`Debian:11`).
    pub ecosystem: String,
    /// Name.
    pub name: String,
}

/// A range of affected versions.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Range {
    /// `SEMVER`, `ECOSYSTEM` or `GIT`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Events.
    pub events: Vec<Event>,
}

/// A range event; exactly one field is set.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Event {
    /// Affected from this version (`0`: from the beginning).
    pub introduced: Option<String>,
    /// Fixed in this version.
    pub fixed: Option<String>,
    /// Affected up to and including this version.
    pub last_affected: Option<String>,
    /// Range upper limit (exclusive).
    pub limit: Option<String>,
}

/// A severity score.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Severity {
    /// `CVSS_V2`, `CVSS_V3`, `CVSS_V4`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The vector.
    pub score: String,
}

/// A link.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Reference {
    /// `ADVISORY`, `FIX`, `WEB`, `PACKAGE`…
    #[serde(rename = "type")]
    pub kind: String,
    /// URL.
    pub url: String,
}

/// Normalises a package name for lookups (PEP 503 for PyPI).
pub fn normalise(ecosystem: &str, name: &str) -> String {
    if ecosystem == "PyPI" {
        name.to_ascii_lowercase()
            .split(['-', '_', '.'])
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("-")
    } else {
        name.to_string()
    }
}

/// The loaded database.
#[derive(Default)]
pub struct Db {
    /// Every live advisory.
    pub advisories: Vec<Advisory>,
    index: HashMap<(String, String), Vec<usize>>,
    /// Malformed records and other things the user should know.
    pub warnings: Vec<String>,
}

impl Db {
    /// Loads directories (recursively, `*.json`) and `.zip` exports.
    pub fn load(paths: &[impl AsRef<Path>]) -> Result<Db> {
        let mut db = Db::default();
        for p in paths {
            let p = p.as_ref();
            if p.is_dir() {
                for e in walkdir::WalkDir::new(p)
                    .sort_by_file_name()
                    .into_iter()
                    .filter_map(|e| e.ok())
                {
                    let f = e.path();
                    match f.extension().and_then(|x| x.to_str()) {
                        Some("json") => {
                            let label = f.display().to_string();
                            match std::fs::read(f) {
                                Ok(b) => db.add(&b, &label),
                                Err(err) => db.warnings.push(format!("{label}: {err}")),
                            }
                        }
                        Some("zip") => db.add_zip(f)?,
                        _ => {}
                    }
                }
            } else if p.extension().and_then(|x| x.to_str()) == Some("zip") {
                db.add_zip(p)?;
            } else if p.is_file() {
                let label = p.display().to_string();
                let b = std::fs::read(p).map_err(|e| input(format!("{label}: {e}")))?;
                db.add(&b, &label);
            } else {
                return Err(input(format!(
                    "--osv-db {}: no such file or directory",
                    p.display()
                )));
            }
        }
        Ok(db)
    }

    fn add_zip(&mut self, path: &Path) -> Result<()> {
        let label = path.display().to_string();
        let f = std::fs::File::open(path).map_err(|e| input(format!("{label}: {e}")))?;
        let mut z = zip::ZipArchive::new(std::io::BufReader::new(f))
            .map_err(|e| input(format!("{label}: not a readable zip: {e}")))?;
        let mut buf = Vec::new();
        for i in 0..z.len() {
            let mut entry = match z.by_index(i) {
                Ok(e) => e,
                Err(e) => {
                    self.warnings.push(format!("{label}: entry #{i}: {e}"));
                    continue;
                }
            };
            let Ok(entry_name) = entry.name().map(|n| n.into_owned()) else {
                self.warnings
                    .push(format!("{label}: entry #{i} has an unreadable name"));
                continue;
            };
            if !entry_name.ends_with(".json") {
                continue;
            }
            let name = format!("{label}!{entry_name}");
            buf.clear();
            if let Err(e) = entry.read_to_end(&mut buf) {
                self.warnings.push(format!("{name}: {e}"));
                continue;
            }
            let b = std::mem::take(&mut buf);
            self.add(&b, &name);
            buf = b;
        }
        Ok(())
    }

    /// Adds one record; a malformed one becomes a warning.
    pub fn add(&mut self, bytes: &[u8], label: &str) {
        let a: Advisory = match serde_json::from_slice(bytes) {
            Ok(a) => a,
            Err(e) => {
                self.warnings
                    .push(format!("{label}: malformed advisory skipped: {e}"));
                return;
            }
        };
        if a.withdrawn.is_some() || a.id.is_empty() {
            return;
        }
        let n = self.advisories.len();
        for af in &a.affected {
            let eco = af
                .package
                .ecosystem
                .split(':')
                .next()
                .unwrap_or("")
                .to_string();
            let key = (eco.clone(), normalise(&eco, &af.package.name));
            let v = self.index.entry(key).or_default();
            if v.last() != Some(&n) {
                v.push(n);
            }
        }
        self.advisories.push(a);
    }

    /// Advisories that affect `name@version` in `ecosystem`.
    pub fn affecting(&self, ecosystem: &str, name: &str, version: &str) -> Vec<&Advisory> {
        let key = (ecosystem.to_string(), normalise(ecosystem, name));
        self.index
            .get(&key)
            .into_iter()
            .flatten()
            .map(|&i| &self.advisories[i])
            .filter(|a| {
                a.affected.iter().any(|af| {
                    af.package.ecosystem.split(':').next() == Some(ecosystem)
                        && normalise(ecosystem, &af.package.name) == key.1
                        && is_affected(af, ecosystem, version)
                })
            })
            .collect()
    }

    /// Every advisory for a package (for remediation).
    pub fn for_package(&self, ecosystem: &str, name: &str) -> Vec<&Advisory> {
        let key = (ecosystem.to_string(), normalise(ecosystem, name));
        self.index
            .get(&key)
            .into_iter()
            .flatten()
            .map(|&i| &self.advisories[i])
            .collect()
    }
}

/// Whether `version` falls in `af` (explicit versions, or a SEMVER /
/// ECOSYSTEM range evaluated with the ecosystem's ordering; GIT ranges are
/// not evaluated).
pub fn is_affected(af: &Affected, ecosystem: &str, version: &str) -> bool {
    if af.versions.iter().any(|v| v == version) {
        return true;
    }
    let cmp = |a: &str, b: &str| version::compare(ecosystem, a, b);
    for r in &af.ranges {
        if r.kind == "GIT" || cmp("0", "0").is_none() {
            continue;
        }
        // Sort events by their version ("0" first), then walk them.
        let mut ev: Vec<(&str, &str)> = r
            .events
            .iter()
            .filter_map(|e| {
                e.introduced
                    .as_deref()
                    .map(|v| ("introduced", v))
                    .or(e.fixed.as_deref().map(|v| ("fixed", v)))
                    .or(e.last_affected.as_deref().map(|v| ("last_affected", v)))
                    .or(e.limit.as_deref().map(|v| ("limit", v)))
            })
            .collect();
        ev.sort_by(|a, b| match (a.1, b.1) {
            ("0", "0") => Ordering::Equal,
            ("0", _) => Ordering::Less,
            (_, "0") => Ordering::Greater,
            (x, y) => cmp(x, y).unwrap_or(Ordering::Equal),
        });
        let mut affected = false;
        for (kind, v) in ev {
            let ord = if v == "0" {
                Ordering::Greater
            } else {
                cmp(version, v).unwrap_or(Ordering::Less)
            };
            match kind {
                "introduced" if ord != Ordering::Less => affected = true,
                "fixed" | "limit" if ord != Ordering::Less => affected = false,
                "last_affected" if ord == Ordering::Greater => affected = false,
                _ => {}
            }
        }
        if affected {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn af(events: serde_json::Value) -> Affected {
        serde_json::from_value(serde_json::json!({
            "package": {"ecosystem": "crates.io", "name": "x"},
            "ranges": [{"type": "SEMVER", "events": events}]
        }))
        .unwrap()
    }

    #[test]
    fn ranges_follow_the_osv_algorithm_with_unsorted_events() {
        let a = af(
            serde_json::json!([{"fixed": "1.2.0"}, {"introduced": "0"}, {"introduced": "2.0.0"}, {"fixed": "2.1.3"}]),
        );
        for (v, want) in [
            ("0.1.0", true),
            ("1.1.9", true),
            ("1.2.0", false),
            ("1.9.0", false),
            ("2.0.0", true),
            ("2.1.3", false),
        ] {
            assert_eq!(is_affected(&a, "crates.io", v), want, "{v}");
        }
        let b = af(serde_json::json!([{"introduced": "1.0.0"}, {"last_affected": "1.4.0"}]));
        assert!(is_affected(&b, "crates.io", "1.4.0") && !is_affected(&b, "crates.io", "1.4.1"));
        let mut m = Db::default();
        m.add(b"{not json", "bad.json");
        m.add(
            br#"{"id": "W-1", "withdrawn": "2020-01-01T00:00:00Z", "affected": []}"#,
            "w.json",
        );
        assert_eq!((m.advisories.len(), m.warnings.len()), (0, 1));
    }
}
