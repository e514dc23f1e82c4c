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
                dev: false,
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
/// under `root` (ignored, hidden, vendored and build directories skipped)
/// names its crate.
/// Its dev-dependencies (that are not also runtime or build ones) make
/// dev edges, so crates only tests and benches need are marked dev.
pub(super) fn locate_members(lock: &mut Lock, root: &std::path::Path) {
    let mut members = HashMap::new();
    for manifest in super::project_files(root, |p| p.ends_with("Cargo.toml")) {
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            continue;
        };
        let Ok(m) = toml::from_str::<toml::Table>(&text) else {
            continue;
        };
        let Some(name) = m
            .get("package")
            .and_then(|p| p.get("name"))
            .and_then(|n| n.as_str())
        else {
            continue;
        };
        let dir = manifest.parent().unwrap_or(root);
        let rel = dir.strip_prefix(root).unwrap_or(dir);
        let rel = rel.to_string_lossy().replace('\\', "/");
        members
            .entry(name.to_string())
            .or_insert_with(|| (rel, dev_only(&m)));
    }
    for p in &mut lock.packages {
        if p.local.is_some() {
            if let Some((d, _)) = members.get(&p.name) {
                p.local = Some(d.clone());
            }
        }
    }
    for &(from, to) in &lock.deps {
        let (a, b) = (&lock.packages[from], &lock.packages[to]);
        if a.local.is_some()
            && members
                .get(&a.name)
                .is_some_and(|(_, dev)| dev.contains(&b.name))
        {
            lock.dev_deps.push((from, to));
        }
    }
    lock.mark_dev_by_reach();
}

/// The crates a manifest names only as dev-dependencies (in any target
/// table), by package name (a `package = ` rename is followed).
fn dev_only(m: &toml::Table) -> std::collections::HashSet<String> {
    let tables = std::iter::once(m).chain(
        m.get("target")
            .and_then(|t| t.as_table())
            .into_iter()
            .flat_map(|t| t.values().filter_map(|v| v.as_table())),
    );
    let (mut dev, mut run) = (
        std::collections::HashSet::new(),
        std::collections::HashSet::new(),
    );
    for t in tables {
        for key in ["dependencies", "build-dependencies", "dev-dependencies"] {
            let set = if key == "dev-dependencies" {
                &mut dev
            } else {
                &mut run
            };
            for (k, v) in t.get(key).and_then(|d| d.as_table()).into_iter().flatten() {
                let real = v.get("package").and_then(|p| p.as_str()).unwrap_or(k);
                set.insert(real.to_string());
            }
        }
    }
    dev.retain(|d| !run.contains(d));
    dev
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
