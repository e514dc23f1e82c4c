//! pnpm-lock.yaml, lockfile versions 5 to 9. Packages are keyed
//! `/name/version_peers` (5.x), `/name@version(peers)` (6.x) or
//! `name@version(peers)` (9.x, with the dependencies under `snapshots`);
//! an entry's own `name`/`version` (tarball and git packages) wins over
//! its key. `importers` are the workspace's own projects: their
//! `devDependencies` are dev edges, and 5.x/6.x entries also say `dev`.

use super::{Lock, Package};
use crate::error::{input, Result};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

#[derive(Deserialize)]
#[serde(untagged)]
enum Version {
    Number(f64),
    Text(String),
}

#[derive(Deserialize)]
struct File {
    #[serde(rename = "lockfileVersion")]
    version: Option<Version>,
    #[serde(default)]
    importers: Option<BTreeMap<String, Importer>>,
    /// 5.x/6.x lockfiles of a single project put the importer's maps at the top.
    #[serde(flatten)]
    root: Importer,
    #[serde(default)]
    packages: Option<BTreeMap<String, Option<Entry>>>,
    #[serde(default)]
    snapshots: Option<BTreeMap<String, Option<Entry>>>,
}

#[derive(Deserialize, Default)]
struct Importer {
    #[serde(default)]
    dependencies: Option<BTreeMap<String, Spec>>,
    #[serde(default, rename = "optionalDependencies")]
    optional: Option<BTreeMap<String, Spec>>,
    #[serde(default, rename = "devDependencies")]
    dev: Option<BTreeMap<String, Spec>>,
}

/// An importer's dependency: the resolved version (6.x and later write
/// `{specifier, version}`, 5.x the version alone).
#[derive(Deserialize)]
#[serde(untagged)]
enum Spec {
    Plain(String),
    Full { version: String },
}

impl Spec {
    fn version(&self) -> &str {
        match self {
            Spec::Plain(v) | Spec::Full { version: v } => v,
        }
    }
}

#[derive(Deserialize, Default)]
struct Entry {
    name: Option<String>,
    version: Option<String>,
    dev: Option<bool>,
    #[serde(default)]
    dependencies: BTreeMap<String, String>,
    #[serde(default, rename = "optionalDependencies")]
    optional: BTreeMap<String, String>,
}

/// Drops peer suffixes: `(react@18.2.0)` (6.x, 9.x) and `_react@18.2.0` (5.x).
fn bare(version: &str, v5: bool) -> &str {
    let v = version.split('(').next().unwrap_or(version);
    if v5 {
        v.split('_').next().unwrap_or(v)
    } else {
        v
    }
}

/// `(name, version)` from a package key, or None for a key that names no
/// registry version (a git repository, a local directory).
fn from_key(key: &str, v5: bool) -> Option<(String, String)> {
    let k = key.strip_prefix('/').unwrap_or(key);
    if v5 {
        let k = bare(k, true);
        let mut parts: Vec<&str> = k.split('/').collect();
        // `registry.example/foo/1.0.0`: a registry host first.
        if parts.len() > 2 && parts[0].contains('.') && !parts[0].starts_with('@') {
            parts.remove(0);
        }
        let (version, name) = parts.split_last()?;
        let name = name.join("/");
        let ok = version.starts_with(|c: char| c.is_ascii_digit()) && !name.is_empty();
        return ok.then(|| (name, version.to_string()));
    }
    let k = bare(k, false);
    let at = k[1..].find('@')? + 1;
    let (name, version) = (&k[..at], &k[at + 1..]);
    Some((name.to_string(), version.to_string()))
}

pub(super) fn parse(text: &str, name: &str) -> Result<Lock> {
    let f: File = serde_saphyr::from_str(text).map_err(|e| {
        let e = crate::docfile::yaml_error(name, &e);
        input(format!("{e} (not a pnpm-lock.yaml)"))
    })?;
    let major = match &f.version {
        Some(Version::Number(n)) => *n as u32,
        Some(Version::Text(t)) => t
            .split('.')
            .next()
            .and_then(|m| m.parse().ok())
            .unwrap_or(0),
        None => {
            return Err(input(format!(
                "{name}: no lockfileVersion: not a pnpm-lock.yaml"
            )))
        }
    };
    let v5 = major < 6;
    let mut lock = Lock::default();
    let mut index = HashMap::new();
    // `name@version` as dependencies spell it → package index.
    let mut at: HashMap<String, usize> = HashMap::new();
    let packages = f.packages.unwrap_or_default();
    let none = Entry::default();
    for (key, e) in &packages {
        let e = e.as_ref().unwrap_or(&none);
        let keyed = from_key(key, v5);
        if keyed.is_none() && !key.contains(['/', '@', ':']) {
            return Err(input(format!(
                "{name}: package key `{}` is not a path (`/name/version` or `name@version`)",
                crate::output::safe::one_line(key)
            )));
        }
        let (Some(n), Some(v)) = (
            e.name
                .clone()
                .or_else(|| keyed.as_ref().map(|k| k.0.clone())),
            e.version
                .clone()
                .or_else(|| keyed.as_ref().map(|k| k.1.clone())),
        ) else {
            continue;
        };
        let i = lock.add(
            &mut index,
            Package {
                ecosystem: "npm",
                name: n.clone(),
                version: v.clone(),
                local: None,
                dev: e.dev == Some(true),
            },
        );
        at.insert(format!("{n}@{v}"), i);
        if let Some((kn, kv)) = keyed {
            at.insert(format!("{kn}@{kv}"), i);
        }
    }
    let find = |at: &HashMap<String, usize>, dep: &str, version: &str| {
        // A dependency's version is a plain version, a key (`/x/1.0.0`, or
        // a URL for tarballs), or `link:` to a workspace project.
        let v = bare(version, v5);
        at.get(&format!("{dep}@{v}"))
            .copied()
            .or_else(|| from_key(v, v5).and_then(|(n, v)| at.get(&format!("{n}@{v}")).copied()))
    };
    let mut importers = f.importers.unwrap_or_default();
    if importers.is_empty() {
        importers.insert(".".into(), f.root);
    }
    for (path, imp) in &importers {
        let local = if path == "." {
            String::new()
        } else {
            path.clone()
        };
        let me = lock.add(
            &mut index,
            Package {
                ecosystem: "npm",
                name: path.clone(),
                version: String::new(),
                local: Some(local),
                dev: false,
            },
        );
        let all = [
            (&imp.dependencies, false),
            (&imp.optional, false),
            (&imp.dev, true),
        ];
        let all = all
            .into_iter()
            .flat_map(|(m, dev)| m.iter().flatten().map(move |d| (d, dev)));
        for ((dep, spec), dev) in all {
            if let Some(to) = find(&at, dep, spec.version()) {
                lock.deps.push((me, to));
                if dev {
                    lock.dev_deps.push((me, to));
                }
            }
        }
    }
    // 9.x keeps the dependencies under `snapshots`, earlier versions in `packages`.
    let graph = f.snapshots.unwrap_or(packages);
    for (key, e) in &graph {
        let e = e.as_ref().unwrap_or(&none);
        let Some(from) = from_key(key, v5)
            .and_then(|(n, v)| at.get(&format!("{n}@{v}")))
            .or_else(|| at.get(bare(key.trim_start_matches('/'), v5)))
            .copied()
        else {
            continue;
        };
        for (dep, version) in e.dependencies.iter().chain(&e.optional) {
            if let Some(to) = find(&at, dep, version) {
                lock.deps.push((from, to));
            }
        }
    }
    // 9.x records no `dev` marks: reach from the importers decides.
    if major >= 9 {
        lock.mark_dev_by_reach();
    }
    Ok(lock.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_each_version() {
        assert_eq!(
            from_key("/@foo/bar/1.0.0_react@18.0.0", true),
            Some(("@foo/bar".into(), "1.0.0".into()))
        );
        assert_eq!(
            from_key("registry.example/foo/1.1.0", true),
            Some(("foo".into(), "1.1.0".into()))
        );
        assert_eq!(from_key("github.com/kevva/is-positive", true), None);
        assert_eq!(
            from_key("/@types/node@20.1.0(x@1)", false),
            Some(("@types/node".into(), "20.1.0".into()))
        );
        assert_eq!(
            from_key("debug@4.3.4(supports-color@7.2.0)", false),
            Some(("debug".into(), "4.3.4".into()))
        );
    }

    #[test]
    fn v9_dev_comes_from_the_importers() {
        let text = r#"lockfileVersion: '9.0'
importers:
  .:
    dependencies:
      a:
        specifier: ^1
        version: 1.0.0
    devDependencies:
      b:
        specifier: ^2
        version: 2.0.0(a@1.0.0)
packages:
  a@1.0.0:
    resolution: {integrity: sha512-x}
  b@2.0.0:
    resolution: {integrity: sha512-y}
  c@3.0.0:
    resolution: {integrity: sha512-z}
snapshots:
  a@1.0.0: {}
  b@2.0.0(a@1.0.0):
    dependencies:
      a: 1.0.0
      c: 3.0.0
  c@3.0.0: {}
"#;
        let l = parse(text, "pnpm-lock.yaml").unwrap();
        let get = |n: &str| l.packages.iter().find(|p| p.name == n).unwrap();
        assert!(!get("a").dev);
        assert!(get("b").dev && get("c").dev);
        assert_eq!(get(".").local.as_deref(), Some(""));
        assert_eq!(l.deps.len(), 4, "{:?}", l.deps);
    }
}
