//! Vulnerabilities of an SBOM's components, and how they changed between two
//! SBOMs: new, resolved and persisting, keyed on (package, advisory group),
//! where an advisory and its aliases are one group. A version bump that is
//! still affected is therefore *persisting*, not new.

use super::cvss::Level;
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
    /// Severity (computed from CVSS v2/v3/v4 vectors, else the database's word).
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
    // Vectors may also sit in `database_specific` (e.g. `{"cvss": {"vectorString": …}}`).
    let mut extra = Vec::new();
    vector_strings(&a.database_specific, &mut extra);
    for af in a.affected.iter().filter(|af| af.package.name == package) {
        vector_strings(&af.database_specific, &mut extra);
    }
    let best = vectors
        .map(|s| s.score.as_str())
        .chain(extra.iter().map(String::as_str))
        .filter_map(super::cvss::score)
        .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))));
    if let Some(s) = best {
        return (Level::of(s), Some(s));
    }
    let word = a.database_specific["severity"]
        .as_str()
        .and_then(Level::from_word);
    (word.unwrap_or(Level::Unknown), None)
}

/// Every string in `v` that looks like a CVSS vector.
fn vector_strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) if s.starts_with("CVSS:") || s.starts_with("AV:") => {
            out.push(s.clone())
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| vector_strings(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| vector_strings(x, out)),
        _ => {}
    }
}

/// Scans every scannable component.
pub fn scan(sbom: &Sbom, db: &Db) -> Vec<Finding> {
    use rayon::prelude::*;
    let per_component = |c: &super::Component| -> Vec<Finding> {
        let mut out = Vec::new();
        let (Some(eco), Some(ver)) = (&c.ecosystem, &c.version) else {
            return out;
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
        out
    };
    let mut out: Vec<Finding> = sbom
        .components
        .par_iter()
        .filter(|c| c.unscannable.is_none())
        .flat_map_iter(per_component)
        .collect();
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

/// A suggested upgrade.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Remediation {
    /// Package.
    pub package: String,
    /// Ecosystem.
    pub ecosystem: String,
    /// Current version.
    pub from: String,
    /// The smallest version that no advisory of the package in the database
    /// affects, if there is one.
    pub to: Option<String>,
    /// Advisories it clears.
    pub clears: Vec<String>,
    /// `patch`, `minor` or `major` (a 0.x minor bump is breaking, so `major`).
    pub bump: Option<String>,
}

/// Release numbers of a version (`v1.2.3-rc1` -> [1, 2, 3]).
fn release(v: &str) -> Vec<u64> {
    let v = v.trim_start_matches(['v', 'V']);
    let core = v.split(['-', '+']).next().unwrap_or("");
    core.split('.')
        .map_while(|p| {
            let d: String = p.chars().take_while(char::is_ascii_digit).collect();
            d.parse().ok()
        })
        .collect()
}

/// The size of a bump from `a` to `b`.
pub fn bump(a: &str, b: &str) -> &'static str {
    let (x, y) = (release(a), release(b));
    let at = |v: &[u64], i: usize| v.get(i).copied().unwrap_or(0);
    if at(&x, 0) != at(&y, 0) || (at(&x, 0) == 0 && at(&x, 1) != at(&y, 1)) {
        "major"
    } else if at(&x, 1) != at(&y, 1) {
        "minor"
    } else {
        "patch"
    }
}

/// For each vulnerable package in `findings`, the minimal upgrade that clears
/// every advisory of that package in `db` (not only the ones found: a fix
/// that walks into the next advisory is no fix).
pub fn remediate(findings: &[Finding], db: &Db) -> Vec<Remediation> {
    let mut by: BTreeMap<(String, String, String), Vec<String>> = BTreeMap::new();
    for f in findings {
        by.entry((f.ecosystem.clone(), f.package.clone(), f.version.clone()))
            .or_default()
            .push(f.id.clone());
    }
    use rayon::prelude::*;
    let by: Vec<_> = by.into_iter().collect();
    by.into_par_iter()
        .map(|((eco, pkg, from), mut ids)| {
            ids.sort();
            ids.dedup();
            let advisories = db.for_package(&eco, &pkg);
            let affects = |v: &str| {
                advisories.iter().any(|a| {
                    a.affected.iter().any(|af| {
                        af.package.ecosystem.split(':').next() == Some(eco.as_str())
                            && super::osv::normalise(&eco, &af.package.name)
                                == super::osv::normalise(&eco, &pkg)
                            && super::osv::is_affected(af, &eco, v)
                    })
                })
            };
            let cmp = |a: &String, b: &String| {
                super::version::compare(&eco, a, b).unwrap_or(std::cmp::Ordering::Equal)
            };
            let mut candidates: Vec<String> = advisories
                .iter()
                .flat_map(|a| a.affected.iter())
                .flat_map(|af| af.ranges.iter().filter(|r| r.kind != "GIT"))
                .flat_map(|r| r.events.iter().filter_map(|e| e.fixed.clone()))
                .filter(|v| {
                    super::version::compare(&eco, v, &from) == Some(std::cmp::Ordering::Greater)
                })
                .collect();
            candidates.sort_by(cmp);
            candidates.dedup();
            let to = candidates.into_iter().find(|c| !affects(c));
            Remediation {
                bump: to.as_deref().map(|t| bump(&from, t).to_string()),
                package: pkg,
                ecosystem: eco,
                from,
                to,
                clears: ids,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_in_database_specific_are_scored() {
        let a: Advisory = serde_json::from_value(serde_json::json!({
            "id": "X-1",
            "database_specific": {"cvss": {"vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "score": 1.0}},
            "affected": [{"package": {"ecosystem": "PyPI", "name": "p"}}]
        }))
        .unwrap();
        assert_eq!(severity(&a, "p"), (Level::Critical, Some(9.8)));
    }

    #[test]
    fn bumps_are_sized_with_zero_x_minor_as_breaking() {
        assert_eq!(bump("4.3.4", "4.4.4"), "minor");
        assert_eq!(bump("4.3.4", "4.3.6"), "patch");
        assert_eq!(bump("0.7.40", "0.8.13"), "major");
        assert_eq!(bump("v1.2.3", "v2.0.0"), "major");
    }

    #[test]
    fn remediation_clears_every_advisory_not_just_the_first() {
        // redis-style: A fixed in 4.3.6, B affects 4.3.6..4.4.4 -> 4.4.4.
        let mut db = Db::default();
        let rec = |id: &str, events: serde_json::Value| {
            serde_json::json!({"id": id, "affected": [{"package": {"ecosystem": "PyPI", "name": "redis"},
                "ranges": [{"type": "ECOSYSTEM", "events": events}]}]})
            .to_string()
        };
        db.add(
            rec(
                "A",
                serde_json::json!([{"introduced": "0"}, {"fixed": "4.3.6"}]),
            )
            .as_bytes(),
            "a",
        );
        db.add(
            rec(
                "B",
                serde_json::json!([{"introduced": "4.3.5"}, {"fixed": "4.4.4"}]),
            )
            .as_bytes(),
            "b",
        );
        let f = Finding {
            package: "redis".into(),
            version: "4.3.4".into(),
            ecosystem: "PyPI".into(),
            id: "A".into(),
            aliases: vec![],
            group: "A".into(),
            severity: Level::High,
            score: None,
            fixed_in: vec!["4.3.6".into()],
            summary: String::new(),
        };
        let r = remediate(&[f], &db);
        assert_eq!(r[0].to.as_deref(), Some("4.4.4"));
        assert_eq!(r[0].bump.as_deref(), Some("minor"));
    }
}
