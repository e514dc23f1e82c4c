//! Component drift between two SBOMs: added, removed, version-changed and
//! licence-changed packages, keyed on (ecosystem, package).

use super::{Component, Sbom};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A package on one side.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// Package name (ecosystem spelling).
    pub package: String,
    /// OSV ecosystem, if known.
    pub ecosystem: Option<String>,
    /// Versions present (an SBOM may hold several versions of one package).
    pub versions: Vec<String>,
    /// Licences.
    pub licenses: Vec<String>,
}

/// A package present on both sides with a different version set or licence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Package name.
    pub package: String,
    /// OSV ecosystem, if known.
    pub ecosystem: Option<String>,
    /// Base versions.
    pub from: Vec<String>,
    /// Head versions.
    pub to: Vec<String>,
    /// Base licences, when they changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub licenses_from: Option<Vec<String>>,
    /// Head licences, when they changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub licenses_to: Option<Vec<String>>,
}

/// The drift.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Drift {
    /// Packages only in head.
    pub added: Vec<Entry>,
    /// Packages only in base.
    pub removed: Vec<Entry>,
    /// Packages in both, changed.
    pub changed: Vec<Change>,
}

type Key = (String, String);

fn index(s: &Sbom) -> BTreeMap<Key, Entry> {
    let mut m: BTreeMap<Key, Entry> = BTreeMap::new();
    for c in &s.components {
        let key = key(c);
        let e = m.entry(key).or_insert_with(|| Entry {
            package: c.package.clone(),
            ecosystem: c.ecosystem.clone(),
            versions: Vec::new(),
            licenses: Vec::new(),
        });
        if let Some(v) = &c.version {
            e.versions.push(v.clone());
        }
        e.licenses.extend(c.licenses.iter().cloned());
    }
    for e in m.values_mut() {
        let v: BTreeSet<String> = e.versions.drain(..).collect();
        e.versions = v.into_iter().collect();
        let l: BTreeSet<String> = e.licenses.drain(..).collect();
        e.licenses = l.into_iter().collect();
    }
    m
}

fn key(c: &Component) -> Key {
    (c.ecosystem.clone().unwrap_or_default(), c.package.clone())
}

/// Compares two SBOMs.
pub fn drift(base: &Sbom, head: &Sbom) -> Drift {
    let (b, h) = (index(base), index(head));
    // A lockfile records no licences: against one, they are unknown, not changed.
    let licences = base.format != "lockfile" && head.format != "lockfile";
    let mut d = Drift::default();
    for (k, e) in &h {
        match b.get(k) {
            None => d.added.push(e.clone()),
            Some(old) if old.versions != e.versions || licences && old.licenses != e.licenses => {
                let lic = licences && old.licenses != e.licenses;
                d.changed.push(Change {
                    package: e.package.clone(),
                    ecosystem: e.ecosystem.clone(),
                    from: old.versions.clone(),
                    to: e.versions.clone(),
                    licenses_from: lic.then(|| old.licenses.clone()),
                    licenses_to: lic.then(|| e.licenses.clone()),
                });
            }
            Some(_) => {}
        }
    }
    d.removed = b
        .iter()
        .filter(|(k, _)| !h.contains_key(*k))
        .map(|(_, e)| e.clone())
        .collect();
    d
}
