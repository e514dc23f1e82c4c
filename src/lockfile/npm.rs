//! package-lock.json and npm-shrinkwrap.json, lockfile versions 2 and 3:
//! the flat `packages` map keyed by install path. A dependency resolves as
//! Node does: `PATH/node_modules/NAME`, then each enclosing `node_modules`.

use super::{Lock, Package};
use crate::error::{input, Result};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

#[derive(Deserialize)]
struct File {
    #[serde(rename = "lockfileVersion")]
    version: Option<u64>,
    #[serde(default)]
    packages: BTreeMap<String, Entry>,
}

#[derive(Deserialize)]
struct Entry {
    name: Option<String>,
    #[serde(default)]
    version: String,
    #[serde(default)]
    link: bool,
    resolved: Option<String>,
    #[serde(default)]
    dependencies: BTreeMap<String, serde_json::Value>,
    #[serde(default, rename = "optionalDependencies")]
    optional: BTreeMap<String, serde_json::Value>,
    #[serde(default, rename = "peerDependencies")]
    peer: BTreeMap<String, serde_json::Value>,
    #[serde(default, rename = "devDependencies")]
    dev: BTreeMap<String, serde_json::Value>,
}

/// The package name an install path holds: what follows its last
/// `node_modules/` (scoped names keep their `@scope/`).
fn name_of(path: &str) -> &str {
    path.rsplit_once("node_modules/").map_or(path, |(_, n)| n)
}

pub(super) fn parse(text: &str, name: &str) -> Result<Lock> {
    let f: File = serde_json::from_str(text).map_err(|e| {
        input(format!(
            "{name}: line {}: not a package-lock.json ({e})",
            e.line()
        ))
    })?;
    match f.version {
        Some(2 | 3) => {}
        Some(v) => {
            return Err(input(format!(
                "{name}: lockfileVersion {v}: maestro reads versions 2 and 3 (npm 7 or later writes them)"
            )))
        }
        None => return Err(input(format!("{name}: no lockfileVersion: not a package-lock.json"))),
    }
    let mut lock = Lock::default();
    let mut index = HashMap::new();
    // Install path → package index; links point at their target's path.
    let mut at: HashMap<&str, usize> = HashMap::new();
    for (path, e) in &f.packages {
        if e.link {
            continue;
        }
        let local = !path.contains("node_modules/");
        let pname = e.name.clone().unwrap_or_else(|| name_of(path).to_string());
        let i = lock.add(
            &mut index,
            Package {
                ecosystem: "npm",
                name: pname,
                version: e.version.clone(),
                local: local.then(|| path.clone()),
            },
        );
        at.insert(path, i);
    }
    for (path, e) in &f.packages {
        if let (true, Some(target)) = (e.link, &e.resolved) {
            if let Some(&i) = at.get(target.as_str()) {
                at.insert(path, i);
            }
        }
    }
    for (path, e) in &f.packages {
        if e.link {
            continue;
        }
        let from = at[path.as_str()];
        let local = !path.contains("node_modules/");
        let wanted = e
            .dependencies
            .keys()
            .chain(e.optional.keys())
            .chain(e.peer.keys())
            .chain(e.dev.keys().filter(|_| local));
        for dep in wanted {
            if let Some(to) = resolve(&at, path, dep) {
                lock.deps.push((from, to));
            }
        }
    }
    Ok(lock.finish())
}

/// Where Node finds `dep` from the package installed at `path`.
fn resolve(at: &HashMap<&str, usize>, path: &str, dep: &str) -> Option<usize> {
    let mut base = path.to_string();
    loop {
        let candidate = if base.is_empty() {
            format!("node_modules/{dep}")
        } else {
            format!("{base}/node_modules/{dep}")
        };
        if let Some(&i) = at.get(candidate.as_str()) {
            return Some(i);
        }
        if base.is_empty() {
            return None;
        }
        // Up one level: drop the last `node_modules/NAME` (or the workspace path).
        base = match base.rfind("/node_modules/") {
            Some(k) => base[..k].to_string(),
            None => String::new(),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_nested_installs_workspaces_and_links() {
        let text = r#"{
  "name": "root", "lockfileVersion": 3,
  "packages": {
    "": {"name": "root", "version": "1.0.0", "dependencies": {"a": "^1"}, "devDependencies": {"b": "^2"}},
    "node_modules/a": {"version": "1.2.0", "dependencies": {"b": "^1"}},
    "node_modules/a/node_modules/b": {"version": "1.0.0"},
    "node_modules/b": {"version": "2.0.0"},
    "node_modules/@s/c": {"version": "3.0.0", "dependencies": {"b": "*"}},
    "node_modules/w": {"resolved": "packages/w", "link": true},
    "packages/w": {"name": "w", "version": "0.1.0", "dependencies": {"@s/c": "^3"}}
  }
}"#;
        let l = parse(text, "package-lock.json").unwrap();
        let idx = |n: &str, v: &str| {
            l.packages
                .iter()
                .position(|p| p.name == n && p.version == v)
                .unwrap()
        };
        let want = [
            (idx("root", "1.0.0"), idx("a", "1.2.0")),
            (idx("root", "1.0.0"), idx("b", "2.0.0")),
            (idx("a", "1.2.0"), idx("b", "1.0.0")),
            (idx("@s/c", "3.0.0"), idx("b", "2.0.0")),
            (idx("w", "0.1.0"), idx("@s/c", "3.0.0")),
        ];
        for w in want {
            assert!(l.deps.contains(&w), "{w:?} missing from {:?}", l.deps);
        }
        assert_eq!(l.deps.len(), want.len());
        assert_eq!(
            l.packages[idx("w", "0.1.0")].local.as_deref(),
            Some("packages/w")
        );
        assert_eq!(l.packages[idx("root", "1.0.0")].local.as_deref(), Some(""));
    }

    #[test]
    fn version_1_is_refused_with_the_reason() {
        let e = parse(r#"{"lockfileVersion": 1, "dependencies": {}}"#, "p.json")
            .unwrap_err()
            .to_string();
        assert!(e.contains("lockfileVersion 1"), "{e}");
    }
}
