//! A CycloneDX 1.6 JSON SBOM from lockfiles: one `library` component per
//! resolved package (purl as its `bom-ref`, `scope: excluded` for dev
//! ones), the project as `metadata.component`, and the dependency graph.

use super::purl::Purl;
use crate::lockfile::{Lock, Package};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// What to generate from.
pub struct Input<'a> {
    /// The project's name (`metadata.component.name`).
    pub project: &'a str,
    /// Each lockfile read, with its path as the user should see it.
    pub locks: &'a [(String, Lock)],
    /// Keep the packages only development needs (as `scope: excluded`).
    pub dev: bool,
    /// RFC 3339 time for `metadata.timestamp` (none: left out).
    pub timestamp: Option<String>,
}

/// The bom-ref of a package: its purl, or a name for what has none.
fn bom_ref(p: &Package) -> String {
    Purl::for_package(p.ecosystem, &p.name, &p.version)
        .unwrap_or_else(|| format!("{}:{}@{}", p.ecosystem, p.name, p.version))
}

/// npm scopes and Composer vendors are CycloneDX groups, as their own
/// generators write them.
fn group_and_name(p: &Package) -> (Option<&str>, &str) {
    match p.ecosystem {
        "npm" if p.name.starts_with('@') => match p.name.split_once('/') {
            Some((g, n)) => (Some(g), n),
            None => (None, &p.name),
        },
        "Packagist" => match p.name.split_once('/') {
            Some((g, n)) => (Some(g), n),
            None => (None, &p.name),
        },
        _ => (None, &p.name),
    }
}

/// The document. Components and dependencies are sorted, and the serial
/// number is derived from them, so the same lockfiles give the same SBOM
/// (apart from the timestamp, when one is given).
pub fn cyclonedx(input: &Input) -> Value {
    const ROOT: &str = "project";
    let mut components: BTreeMap<String, Value> = BTreeMap::new();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    graph.entry(ROOT.into()).or_default();
    for (_, lock) in input.locks {
        let keep = |i: usize| {
            let p = &lock.packages[i];
            input.dev || !p.dev
        };
        let refs: Vec<String> = lock
            .packages
            .iter()
            .map(|p| {
                if p.local.is_some() {
                    ROOT.to_string()
                } else {
                    bom_ref(p)
                }
            })
            .collect();
        for (i, p) in lock.packages.iter().enumerate() {
            if p.local.is_some() || !keep(i) {
                continue;
            }
            let (group, name) = group_and_name(p);
            let purl = Purl::for_package(p.ecosystem, &p.name, &p.version);
            let mut c = json!({
                "type": "library",
                "bom-ref": refs[i],
                "name": name,
                "scope": if p.dev { "excluded" } else { "required" },
            });
            if let Some(g) = group {
                c["group"] = json!(g);
            }
            if !p.version.is_empty() {
                c["version"] = json!(p.version);
            }
            if let Some(u) = purl {
                c["purl"] = json!(u);
            }
            components.entry(refs[i].clone()).or_insert(c);
            graph.entry(refs[i].clone()).or_default();
        }
        for &(a, b) in &lock.deps {
            if keep(a) && keep(b) && lock.packages[b].local.is_none() {
                graph
                    .entry(refs[a].clone())
                    .or_default()
                    .insert(refs[b].clone());
            }
        }
    }
    let dependencies: Vec<Value> = graph
        .iter()
        .map(|(r, on)| json!({"ref": r, "dependsOn": on}))
        .collect();
    let components: Vec<Value> = components.into_values().collect();
    let mut digest = Sha256::new();
    digest.update(serde_json::to_vec(&(&components, &dependencies)).unwrap_or_default());
    let h = digest.finalize();
    // An RFC 4122 version-8 (custom) UUID from the content hash.
    let serial = format!(
        "urn:uuid:{:08x}-{:04x}-8{:03x}-{:04x}-{:012x}",
        u32::from_be_bytes([h[0], h[1], h[2], h[3]]),
        u16::from_be_bytes([h[4], h[5]]),
        u16::from_be_bytes([h[6], h[7]]) & 0x0fff,
        (u16::from_be_bytes([h[8], h[9]]) & 0x3fff) | 0x8000,
        u64::from_be_bytes([0, 0, h[10], h[11], h[12], h[13], h[14], h[15]]),
    );
    let mut metadata = json!({
        "tools": {"components": [{
            "type": "application",
            "name": "maestro",
            "version": env!("CARGO_PKG_VERSION"),
        }]},
        "component": {"type": "application", "bom-ref": ROOT, "name": input.project},
        "properties": input.locks.iter().map(|(path, _)| json!({
            "name": "maestro:lockfile",
            "value": path,
        })).collect::<Vec<_>>(),
    });
    if let Some(t) = &input.timestamp {
        metadata["timestamp"] = json!(t);
    }
    json!({
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": serial,
        "version": 1,
        "metadata": metadata,
        "components": components,
        "dependencies": dependencies,
    })
}
