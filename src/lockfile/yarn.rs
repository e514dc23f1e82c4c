//! yarn.lock, classic (v1, yarn's own format) and berry (v2 and later,
//! YAML with `__metadata`). Each entry is keyed by the descriptors
//! (`name@range`, comma-separated) that resolved to it; dependencies name
//! a descriptor. An alias (`alias@npm:real@range`) is the real package.
//! yarn records no dev marks: `package.json` beside the lockfile, when
//! there is one, says which of the project's dependencies are dev ones.

use super::{Lock, Package};
use crate::error::{input, Result};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// One resolved package before linking.
struct Raw {
    descriptors: Vec<String>,
    name: String,
    version: String,
    local: Option<String>,
    deps: Vec<String>,
}

/// `name` and `range` of a descriptor (`@scope/x@^1`, `x@npm:^1`).
fn split(descriptor: &str) -> Option<(&str, &str)> {
    let d = descriptor.trim().trim_matches('"');
    let at = d.get(1..)?.find('@')? + 1;
    Some((&d[..at], &d[at + 1..]))
}

/// The package a descriptor names, following an `npm:` alias.
fn real_name(descriptor: &str) -> Option<String> {
    let (name, range) = split(descriptor)?;
    match range.strip_prefix("npm:").and_then(split) {
        Some((real, _)) => Some(real.to_string()),
        None => Some(name.to_string()),
    }
}

/// The key a dependency `name range` looks up: berry writes descriptors
/// with a protocol, so a bare range means `npm:`.
fn descriptor(name: &str, range: &str, berry: bool) -> String {
    let range = range.trim().trim_matches('"');
    if berry && !range.contains(':') {
        format!("{name}@npm:{range}")
    } else {
        format!("{name}@{range}")
    }
}

pub(super) fn parse(text: &str, name: &str, dir: &Path) -> Result<Lock> {
    let berry = text.lines().any(|l| l.starts_with("__metadata:"));
    let raws = if berry {
        berry_entries(text, name)?
    } else {
        classic(text, name)?
    };
    let mut lock = Lock::default();
    let mut index = HashMap::new();
    let mut by_descriptor: HashMap<String, usize> = HashMap::new();
    let mut ids = Vec::with_capacity(raws.len());
    for r in &raws {
        let i = lock.add(
            &mut index,
            Package {
                ecosystem: "npm",
                name: r.name.clone(),
                version: r.version.clone(),
                local: r.local.clone(),
                dev: false,
            },
        );
        for d in &r.descriptors {
            by_descriptor.insert(d.trim_matches('"').to_string(), i);
        }
        ids.push(i);
    }
    for (r, &from) in raws.iter().zip(&ids) {
        for d in &r.deps {
            if let Some(&to) = by_descriptor.get(d) {
                lock.deps.push((from, to));
            }
        }
    }
    project(&mut lock, &by_descriptor, dir, berry)?;
    Ok(lock.finish())
}

#[derive(Deserialize, Default)]
struct Manifest {
    #[serde(default)]
    dependencies: BTreeMap<String, String>,
    #[serde(default, rename = "optionalDependencies")]
    optional: BTreeMap<String, String>,
    #[serde(default, rename = "devDependencies")]
    dev: BTreeMap<String, String>,
}

/// Adds the project's `package.json` dependencies as edges from its root
/// (berry has the root as a workspace entry; classic gets one here), dev
/// ones as dev edges, and marks what only those reach.
fn project(lock: &mut Lock, by: &HashMap<String, usize>, dir: &Path, berry: bool) -> Result<()> {
    let path = dir.join("package.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(());
    };
    let m: Manifest = serde_json::from_str(&text).map_err(|e| {
        input(format!(
            "{}: line {}: not a package.json ({e})",
            path.display(),
            e.line()
        ))
    })?;
    let root = match lock
        .packages
        .iter()
        .position(|p| p.local.as_deref() == Some(""))
    {
        Some(i) => i,
        None => {
            lock.packages.push(Package {
                ecosystem: "npm",
                name: String::new(),
                version: String::new(),
                local: Some(String::new()),
                dev: false,
            });
            lock.packages.len() - 1
        }
    };
    let runtime = m.dependencies.iter().chain(&m.optional).map(|d| (d, false));
    for ((name, range), dev) in runtime.chain(m.dev.iter().map(|d| (d, true))) {
        if let Some(&to) = by.get(&descriptor(name, range, berry)) {
            lock.deps.push((root, to));
            if dev && !m.dependencies.contains_key(name) && !m.optional.contains_key(name) {
                lock.dev_deps.push((root, to));
            }
        }
    }
    lock.mark_dev_by_reach();
    Ok(())
}

fn classic(text: &str, name: &str) -> Result<Vec<Raw>> {
    let mut out: Vec<Raw> = Vec::new();
    let mut in_deps = false;
    for (n, line) in text.lines().enumerate() {
        let bad = |what: &str| {
            input(format!(
                "{name}:{}: {what}: {}",
                n + 1,
                crate::output::safe::one_line(line.trim())
            ))
        };
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let body = line.trim();
        if indent == 0 {
            let head = body
                .strip_suffix(':')
                .ok_or_else(|| bad("not a yarn.lock entry header (`name@range:`)"))?;
            let descriptors: Vec<String> = head
                .split(", ")
                .map(|d| d.trim().trim_matches('"').to_string())
                .collect();
            let pname = descriptors
                .first()
                .and_then(|d| real_name(d).or_else(|| Some(d.clone())))
                .unwrap_or_default();
            out.push(Raw {
                descriptors,
                name: pname,
                version: String::new(),
                local: None,
                deps: Vec::new(),
            });
            in_deps = false;
            continue;
        }
        let Some(cur) = out.last_mut() else {
            return Err(bad("an indented line before any entry"));
        };
        if indent == 2 {
            in_deps = matches!(body, "dependencies:" | "optionalDependencies:");
            // Keys may be quoted: `"version" "1.0.0"`.
            if let Some(v) = body
                .strip_prefix("version ")
                .or_else(|| body.strip_prefix("\"version\" "))
            {
                cur.version = v.trim().trim_matches('"').to_string();
            }
        } else if in_deps {
            let (dep, range) = match body.strip_prefix('"') {
                Some(rest) => rest
                    .split_once("\" ")
                    .ok_or_else(|| bad("not `name range`"))?,
                None => body
                    .split_once(' ')
                    .ok_or_else(|| bad("not `name range`"))?,
            };
            cur.deps.push(descriptor(dep, range, false));
        }
    }
    for r in &out {
        if r.version.is_empty() {
            return Err(input(format!(
                "{name}: `{}` has no version",
                crate::output::safe::one_line(&r.descriptors.join(", "))
            )));
        }
    }
    Ok(out)
}

#[derive(Deserialize)]
struct BerryEntry {
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    resolution: Option<String>,
    #[serde(default)]
    dependencies: BTreeMap<String, String>,
    #[serde(default, rename = "optionalDependencies")]
    optional: BTreeMap<String, String>,
}

fn berry_entries(text: &str, name: &str) -> Result<Vec<Raw>> {
    let doc: BTreeMap<String, BerryEntry> = serde_saphyr::from_str(text).map_err(|e| {
        let e = crate::docfile::yaml_error(name, &e);
        input(format!("{e} (not a yarn.lock)"))
    })?;
    let mut out = Vec::new();
    for (key, e) in doc {
        if key == "__metadata" {
            continue;
        }
        let resolution = e.resolution.unwrap_or_else(|| key.clone());
        let Some((pname, how)) = split(&resolution) else {
            continue;
        };
        let local = how.strip_prefix("workspace:").map(|p| {
            let p = p.trim_start_matches("./");
            if p == "." {
                String::new()
            } else {
                p.to_string()
            }
        });
        let deps = e
            .dependencies
            .iter()
            .chain(&e.optional)
            .map(|(d, r)| descriptor(d, r, true))
            .collect();
        out.push(Raw {
            descriptors: key.split(", ").map(str::to_string).collect(),
            name: pname.to_string(),
            version: e.version.unwrap_or_default(),
            local,
            deps,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classic_links_descriptors_and_follows_aliases() {
        let text = r#"# yarn lockfile v1


"a@^1.0.0", a@^1.1.0:
  version "1.2.0"
  dependencies:
    "@s/b" "^2"

"@s/b@^2":
  version "2.0.1"

"c-alias@npm:c@^3":
  version "3.0.0"
"#;
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("package.json"),
            r#"{"dependencies": {"a": "^1.0.0"}, "devDependencies": {"c-alias": "npm:c@^3"}}"#,
        )
        .unwrap();
        let l = parse(text, "yarn.lock", dir.path()).unwrap();
        let get = |n: &str| l.packages.iter().position(|p| p.name == n).unwrap();
        assert_eq!(l.packages[get("c")].version, "3.0.0");
        assert!(l.packages[get("c")].dev && !l.packages[get("@s/b")].dev);
        assert!(l.deps.contains(&(get("a"), get("@s/b"))));
    }

    #[test]
    fn a_broken_classic_line_is_named() {
        let e = parse(
            "a@^1\n  version \"1\"\n",
            "yarn.lock",
            Path::new("/nonexistent"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("yarn.lock:1:"), "{e}");
    }
}
