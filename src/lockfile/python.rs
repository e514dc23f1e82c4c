//! poetry.lock and uv.lock. Names are compared in PEP 503's normal form
//! (lower case, runs of `-`, `_` and `.` as one `-`).

use super::{toml_doc, Lock, Package};
use crate::error::Result;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

/// PEP 503's normal form of a distribution name.
pub fn normalise(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

#[derive(Deserialize)]
struct Poetry {
    #[serde(default)]
    package: Vec<PoetryEntry>,
}

#[derive(Deserialize)]
struct PoetryEntry {
    name: String,
    version: String,
    #[serde(default)]
    dependencies: BTreeMap<String, toml::Value>,
}

/// Links each package to the packages its dependency names resolve to (one
/// version per name, as both lockfiles resolve).
fn link(lock: &mut Lock, edges: Vec<(usize, String)>) {
    let by_name: HashMap<String, usize> = lock
        .packages
        .iter()
        .enumerate()
        .map(|(i, p)| (p.name.clone(), i))
        .collect();
    for (from, dep) in edges {
        if let Some(&to) = by_name.get(&normalise(&dep)) {
            lock.deps.push((from, to));
        }
    }
}

pub(super) fn poetry(text: &str, name: &str) -> Result<Lock> {
    let f: Poetry = toml_doc(text, name, "poetry.lock")?;
    let mut lock = Lock::default();
    let mut index = HashMap::new();
    let mut edges = Vec::new();
    for e in f.package {
        let i = lock.add(
            &mut index,
            Package {
                ecosystem: "PyPI",
                name: normalise(&e.name),
                version: e.version,
                local: None,
            },
        );
        edges.extend(e.dependencies.into_keys().map(|d| (i, d)));
    }
    link(&mut lock, edges);
    Ok(lock.finish())
}

#[derive(Deserialize)]
struct Uv {
    #[serde(default)]
    package: Vec<UvEntry>,
}

#[derive(Deserialize)]
struct UvEntry {
    name: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    source: BTreeMap<String, toml::Value>,
    #[serde(default)]
    dependencies: Vec<UvDep>,
    #[serde(default, rename = "optional-dependencies")]
    optional: BTreeMap<String, Vec<UvDep>>,
    #[serde(default, rename = "dev-dependencies")]
    dev: BTreeMap<String, Vec<UvDep>>,
}

#[derive(Deserialize)]
struct UvDep {
    name: String,
}

pub(super) fn uv(text: &str, name: &str) -> Result<Lock> {
    let f: Uv = toml_doc(text, name, "uv.lock")?;
    let mut lock = Lock::default();
    let mut index = HashMap::new();
    let mut edges = Vec::new();
    for e in f.package {
        // The project and its workspace members: `editable`, `virtual` or
        // `directory` sources, whose value is their path.
        let local = ["editable", "virtual", "directory"]
            .iter()
            .find_map(|k| e.source.get(*k).and_then(|v| v.as_str()))
            .map(|p| {
                let p = p.trim_start_matches("./").trim_end_matches('/');
                if p == "." {
                    String::new()
                } else {
                    p.to_string()
                }
            });
        let i = lock.add(
            &mut index,
            Package {
                ecosystem: "PyPI",
                name: normalise(&e.name),
                version: e.version,
                local,
            },
        );
        let deps = e
            .dependencies
            .into_iter()
            .chain(e.optional.into_values().flatten())
            .chain(e.dev.into_values().flatten());
        edges.extend(deps.map(|d| (i, d.name)));
    }
    link(&mut lock, edges);
    Ok(lock.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep503_names() {
        assert_eq!(normalise("Typing_Extensions"), "typing-extensions");
        assert_eq!(normalise("zope.interface"), "zope-interface");
        assert_eq!(normalise("a--b__c"), "a-b-c");
    }

    #[test]
    fn poetry_links_dependencies_by_normal_name() {
        let text = r#"
[[package]]
name = "requests"
version = "2.32.3"
[package.dependencies]
charset-normalizer = ">=2,<4"
Idna = ">=2.5,<4"

[[package]]
name = "charset_normalizer"
version = "3.4.0"

[[package]]
name = "idna"
version = "3.10"
"#;
        let l = poetry(text, "poetry.lock").unwrap();
        assert_eq!(l.packages[1].name, "charset-normalizer");
        assert_eq!(l.deps, [(0, 1), (0, 2)]);
    }

    #[test]
    fn uv_marks_the_project_and_members_local() {
        let text = r#"
version = 1
[[package]]
name = "app"
version = "0.1.0"
source = { editable = "." }
dependencies = [{ name = "httpx" }, { name = "lib" }]
[package.optional-dependencies]
cli = [{ name = "click" }]

[[package]]
name = "lib"
version = "0.2.0"
source = { editable = "packages/lib" }

[[package]]
name = "httpx"
version = "0.28.1"
source = { registry = "https://example.invalid/simple" }

[[package]]
name = "click"
version = "8.1.7"
source = { registry = "https://example.invalid/simple" }
"#;
        let l = uv(text, "uv.lock").unwrap();
        assert_eq!(l.packages[0].local.as_deref(), Some(""));
        assert_eq!(l.packages[1].local.as_deref(), Some("packages/lib"));
        assert_eq!(l.packages[2].local, None);
        assert_eq!(l.deps, [(0, 1), (0, 2), (0, 3)]);
    }
}
