//! Cargo.lock (versions 1–4): `[[package]]` with `dependencies` entries
//! `name`, `name version` or `name version (source)`.

use super::{toml_doc, Lock, Package};
use crate::error::{input, Result};
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    package: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    name: String,
    version: String,
    source: Option<String>,
    #[serde(default)]
    dependencies: Vec<String>,
}

pub(super) fn parse(text: &str, name: &str) -> Result<Lock> {
    let f: File = toml_doc(text, name, "Cargo.lock")?;
    let mut lock = Lock::default();
    let mut index = HashMap::new();
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for e in &f.package {
        let i = lock.add(
            &mut index,
            Package {
                ecosystem: "crates.io",
                name: e.name.clone(),
                version: e.version.clone(),
                local: e.source.is_none().then(String::new),
            },
        );
        by_name.entry(&e.name).or_default().push(i);
    }
    for e in &f.package {
        let from = index[&(e.name.clone(), e.version.clone())];
        for d in &e.dependencies {
            let mut parts = d.split_whitespace();
            let dn = parts.next().unwrap_or("");
            let to = match parts.next() {
                Some(v) => index.get(&(dn.to_string(), v.to_string())).copied(),
                None => by_name.get(dn).and_then(|v| (v.len() == 1).then(|| v[0])),
            };
            let to = to.ok_or_else(|| {
                input(format!(
                    "{name}: {} {} depends on {d:?}, which the file does not list (or lists twice without a version)",
                    e.name, e.version
                ))
            })?;
            lock.deps.push((from, to));
        }
    }
    Ok(lock.finish())
}

/// Gives the workspace's own crates their directories: each `Cargo.toml`
/// under `root` (ignored and hidden directories skipped) names its crate.
pub(super) fn locate_members(lock: &mut Lock, root: &std::path::Path) {
    #[derive(Deserialize)]
    struct Manifest {
        package: Option<Named>,
    }
    #[derive(Deserialize)]
    struct Named {
        name: String,
    }
    let mut dirs = HashMap::new();
    for e in ignore::WalkBuilder::new(root).build().flatten() {
        if e.file_name() != "Cargo.toml" {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(e.path()) else {
            continue;
        };
        if let Ok(Manifest { package: Some(p) }) = toml::from_str(&text) {
            let dir = e.path().parent().unwrap_or(root);
            let rel = dir.strip_prefix(root).unwrap_or(dir);
            dirs.entry(p.name)
                .or_insert_with(|| rel.to_string_lossy().replace('\\', "/"));
        }
    }
    for p in &mut lock.packages {
        if p.local.is_some() {
            if let Some(d) = dirs.get(&p.name) {
                p.local = Some(d.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_packages_and_resolves_each_dependency_form() {
        let text = r#"
version = 4

[[package]]
name = "app"
version = "0.1.0"
dependencies = ["serde", "rand 0.8.5", "rand 0.9.0 (registry+https://example.invalid)"]

[[package]]
name = "serde"
version = "1.0.0"
source = "registry+https://example.invalid"

[[package]]
name = "rand"
version = "0.8.5"
source = "registry+https://example.invalid"

[[package]]
name = "rand"
version = "0.9.0"
source = "registry+https://example.invalid"
dependencies = ["serde"]
"#;
        let l = parse(text, "Cargo.lock").unwrap();
        assert_eq!(l.packages.len(), 4);
        assert_eq!(l.packages[0].local.as_deref(), Some(""));
        assert_eq!(l.packages[1].local, None);
        assert_eq!(l.deps, [(0, 1), (0, 2), (0, 3), (3, 1)]);
    }

    #[test]
    fn an_ambiguous_or_missing_dependency_is_an_error() {
        let text = "[[package]]\nname = \"a\"\nversion = \"1\"\ndependencies = [\"b\"]\n";
        let e = parse(text, "Cargo.lock").unwrap_err().to_string();
        assert!(e.contains("a 1 depends on \"b\""), "{e}");
    }
}
