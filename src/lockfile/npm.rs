//! package-lock.json and npm-shrinkwrap.json: versions 2 and 3 have the
//! flat `packages` map keyed by install path; version 1 nests
//! `dependencies`, which are flattened here into the same install paths.
//! A dependency resolves as Node does: `PATH/node_modules/NAME`, then each
//! enclosing `node_modules`.

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
    /// Version 1's tree.
    #[serde(default)]
    dependencies: BTreeMap<String, V1>,
}

#[derive(Deserialize)]
struct V1 {
    #[serde(default)]
    version: String,
    #[serde(default)]
    dev: bool,
    #[serde(default)]
    requires: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    dependencies: BTreeMap<String, V1>,
}

/// Version 1's nested tree as version 2's flat map (install path → entry).
fn flatten(tree: BTreeMap<String, V1>, prefix: &str, out: &mut BTreeMap<String, Entry>) {
    for (name, e) in tree {
        let path = format!("{prefix}node_modules/{name}");
        // `npm:real@1.0.0` is an alias; git and file versions pin no release.
        let (real, version) = match e.version.strip_prefix("npm:").and_then(|v| {
            let at = v.get(1..)?.find('@')? + 1;
            Some((v[..at].to_string(), v[at + 1..].to_string()))
        }) {
            Some((n, v)) => (Some(n), v),
            None if e.version.starts_with(|c: char| c.is_ascii_digit()) => (None, e.version),
            None => (None, String::new()),
        };
        let nested = format!("{path}/");
        out.insert(
            path,
            Entry {
                name: real,
                version,
                link: false,
                resolved: None,
                dependencies: e.requires,
                optional: BTreeMap::new(),
                peer: BTreeMap::new(),
                dev_deps: BTreeMap::new(),
                dev: e.dev,
            },
        );
        flatten(e.dependencies, &nested, out);
    }
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
    dev_deps: BTreeMap<String, serde_json::Value>,
    /// npm's mark for a package only the dev tree needs.
    #[serde(default)]
    dev: bool,
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
    let mut f = f;
    match f.version {
        // npm 7 wrote v2 files that some tools strip back to the v1 tree.
        Some(1 | 2) if f.packages.is_empty() => {
            let mut flat = BTreeMap::new();
            flatten(std::mem::take(&mut f.dependencies), "", &mut flat);
            f.packages = flat;
        }
        Some(2 | 3) => {}
        Some(v) => {
            return Err(input(format!(
                "{name}: lockfileVersion {v}: maestro reads versions 1 to 3"
            )))
        }
        None => {
            return Err(input(format!(
                "{name}: no lockfileVersion: not a package-lock.json"
            )))
        }
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
                dev: e.dev,
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
            .chain(e.dev_deps.keys().filter(|_| local));
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
    fn version_1_is_flattened_into_install_paths() {
        let text = r#"{"lockfileVersion": 1, "dependencies": {
  "a": {"version": "1.0.0", "requires": {"b": "^2"}, "dependencies": {
     "b": {"version": "2.0.0"}}},
  "b": {"version": "1.0.0", "dev": true},
  "c-alias": {"version": "npm:c@3.0.0"},
  "g": {"version": "github:o/g#abc"}
}}"#;
        let l = parse(text, "package-lock.json").unwrap();
        let idx = |n: &str, v: &str| {
            l.packages
                .iter()
                .position(|p| p.name == n && p.version == v)
                .unwrap()
        };
        assert!(l.deps.contains(&(idx("a", "1.0.0"), idx("b", "2.0.0"))));
        assert!(l.packages[idx("b", "1.0.0")].dev);
        idx("c", "3.0.0");
        idx("g", "");
        let e = parse(r#"{"lockfileVersion": 4}"#, "p.json")
            .unwrap_err()
            .to_string();
        assert!(e.contains("lockfileVersion 4"), "{e}");
    }
}
