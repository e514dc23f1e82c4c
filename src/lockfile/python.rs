//! poetry.lock, uv.lock, Pipfile.lock and pinned requirements files. Names
//! are compared in PEP 503's normal form (lower case, runs of `-`, `_` and
//! `.` as one `-`).

use super::{toml_doc, Lock, Package};
use crate::error::Result;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

/// The distribution name a requirement line starts with (`Django[x]>=3` →
/// `Django`), as written.
pub fn requirement_name(spec: &str) -> &str {
    let end = spec
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(spec.len());
    &spec[..end]
}

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
    /// Poetry before 1.5: "main" or "dev".
    category: Option<String>,
    /// Poetry 2: the dependency groups that need the package.
    groups: Option<Vec<String>>,
}

/// Links each package to the packages its dependency names resolve to (one
/// version per name, as both lockfiles resolve).
/// One dependency: `(from, name, version if the lockfile says, dev)`. A dev
/// edge goes to `dev_deps` too.
type Edge = (usize, String, Option<String>, bool);

/// Links each package to the package its dependency names: by name and
/// version where the lockfile gives the version, else by name (every
/// version of it, which is one unless the lockfile is inconsistent).
fn link(lock: &mut Lock, edges: Vec<Edge>) {
    let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, p) in lock.packages.iter().enumerate() {
        by_name.entry(p.name.clone()).or_default().push(i);
    }
    for (from, dep, version, dev) in edges {
        let all = by_name
            .get(&normalise(&dep))
            .map(Vec::as_slice)
            .unwrap_or_default();
        for &to in all {
            if version
                .as_ref()
                .is_some_and(|v| *v != lock.packages[to].version)
            {
                continue;
            }
            lock.deps.push((from, to));
            if dev {
                lock.dev_deps.push((from, to));
            }
        }
    }
}

pub(super) fn poetry(text: &str, name: &str) -> Result<Lock> {
    let f: Poetry = toml_doc(text, name, "poetry.lock")?;
    let mut lock = Lock::default();
    let mut index = HashMap::new();
    let mut edges = Vec::new();
    for e in f.package {
        let dev = e.category.as_deref() == Some("dev")
            || e.groups
                .as_ref()
                .is_some_and(|g| !g.iter().any(|g| g == "main"));
        let i = lock.add(
            &mut index,
            Package {
                ecosystem: "PyPI",
                name: normalise(&e.name),
                version: e.version,
                local: None,
                dev,
            },
        );
        edges.extend(e.dependencies.into_keys().map(|d| (i, d, None, false)));
    }
    link(&mut lock, edges);
    Ok(lock.finish())
}

#[derive(Deserialize)]
struct Pipfile {
    #[serde(default)]
    default: BTreeMap<String, PipfileEntry>,
    #[serde(default)]
    develop: BTreeMap<String, PipfileEntry>,
}

#[derive(Deserialize)]
struct PipfileEntry {
    #[serde(default)]
    version: Option<String>,
}

/// Pipfile.lock (JSON): the `default` and `develop` groups. An entry with
/// no `==` version (a VCS or path requirement) pins nothing and is left out.
pub(super) fn pipfile(text: &str, name: &str) -> Result<Lock> {
    let f: Pipfile = serde_json::from_str(text).map_err(|e| {
        crate::error::input(format!(
            "{name}: line {}: not a Pipfile.lock ({e})",
            e.line()
        ))
    })?;
    let mut lock = Lock::default();
    let mut index = HashMap::new();
    let groups = f.default.into_iter().map(|e| (false, e));
    for (dev, (n, e)) in groups.chain(f.develop.into_iter().map(|e| (true, e))) {
        let Some(v) = e.version.as_deref().and_then(|v| v.strip_prefix("==")) else {
            continue;
        };
        lock.add(
            &mut index,
            Package {
                ecosystem: "PyPI",
                name: normalise(&n),
                version: v.trim().to_string(),
                local: None,
                dev,
            },
        );
    }
    Ok(lock.finish())
}

/// A requirements file: each `name[extras] == version` (or `===`) is a
/// package; `-r FILE` includes another (relative to this one, each once).
/// What pins nothing (ranges, bare names, URLs, paths) is left out and
/// counted in a note; `-c` constraints install nothing and are skipped.
/// `text` is the text of `path` itself, already read.
pub(super) fn requirements(path: &std::path::Path, text: &str) -> Result<Lock> {
    let mut lock = Lock::default();
    let mut index = HashMap::new();
    let mut unpinned = Vec::new();
    let mut seen = std::collections::HashSet::new();
    // Each file, with the include line that named it (none: `path`).
    let mut todo: Vec<(std::path::PathBuf, Option<String>)> = vec![(path.to_path_buf(), None)];
    let mut first = Some(text.to_string());
    while let Some((p, by)) = todo.pop() {
        let key = p.canonicalize().unwrap_or_else(|_| p.clone());
        if !seen.insert(key) {
            continue;
        }
        let name = p.display().to_string();
        let text = match (&by, first.take()) {
            (None, Some(t)) => t,
            _ => std::fs::read_to_string(&p).map_err(|e| {
                crate::error::input(match &by {
                    Some(at) => format!("{at}: {e}"),
                    None => format!("{name}: {e}"),
                })
            })?,
        };
        let joined = text.replace("\\\r\n", "").replace("\\\n", "");
        for (n, line) in joined.lines().enumerate() {
            let line = match line
                .find(" #")
                .or_else(|| line.starts_with('#').then_some(0))
            {
                Some(k) => &line[..k],
                None => line,
            }
            .trim();
            if line.is_empty() {
                continue;
            }
            if let Some(rest) = line
                .strip_prefix("-r ")
                .or_else(|| line.strip_prefix("--requirement "))
                .or_else(|| line.strip_prefix("--requirement="))
            {
                let at = format!("{name}:{}: -r {}", n + 1, rest.trim());
                let dir = p.parent().unwrap_or(std::path::Path::new("."));
                todo.push((dir.join(rest.trim()), Some(at)));
                continue;
            }
            if line.starts_with('-') {
                continue;
            }
            // Environment markers and per-requirement options go.
            let spec = line.split(';').next().unwrap_or("");
            let spec = spec.split(" --").next().unwrap_or("").trim();
            let dist = requirement_name(spec);
            let mut rest = spec[dist.len()..].trim_start();
            if let Some(k) = rest.strip_prefix('[').and_then(|r| r.find(']')) {
                rest = rest[k + 2..].trim_start();
            }
            let pinned = rest
                .strip_prefix("===")
                .or_else(|| rest.strip_prefix("=="))
                .map(str::trim)
                .filter(|v| !v.is_empty() && !v.contains([',', '*', ' ', '<', '>', '!', '~']));
            match (dist.is_empty(), pinned) {
                (false, Some(v)) => {
                    lock.add(
                        &mut index,
                        Package {
                            ecosystem: "PyPI",
                            name: normalise(dist),
                            version: v.to_string(),
                            local: None,
                            dev: false,
                        },
                    );
                }
                _ => unpinned.push(crate::output::safe::one_line(line).to_string()),
            }
        }
    }
    if !unpinned.is_empty() {
        let shown: Vec<_> = unpinned.iter().take(5).map(|u| format!("`{u}`")).collect();
        lock.notes.push(format!(
            "{}: {} requirement(s) pin no version with == and are left out: {}{}",
            path.display(),
            unpinned.len(),
            shown.join(", "),
            if unpinned.len() > 5 { ", …" } else { "" }
        ));
    }
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
    /// Given when the lockfile holds more than one version of the name
    /// (each for its own environment markers).
    version: Option<String>,
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
                dev: false,
            },
        );
        let deps = e
            .dependencies
            .into_iter()
            .chain(e.optional.into_values().flatten());
        edges.extend(deps.map(|d| (i, d.name, d.version, false)));
        let dev = e.dev.into_values().flatten();
        edges.extend(dev.map(|d| (i, d.name, d.version, true)));
    }
    link(&mut lock, edges);
    lock.mark_dev_by_reach();
    Ok(lock.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirements_keep_pins_follow_includes_and_note_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(
            d.join("requirements.txt"),
            "# c\nDocopt == 0.6.1\nrequests[security]==2.8.1 ; python_version < \"3\" \\\n  --hash=sha256:ab\nflask>=2\n-r more.txt\n-c cons.txt\n./x.whl\n",
        )
        .unwrap();
        std::fs::write(
            d.join("more.txt"),
            "idna===3.10  # pinned\n-r requirements.txt\n",
        )
        .unwrap();
        let main = d.join("requirements.txt");
        let l = requirements(&main, &std::fs::read_to_string(&main).unwrap()).unwrap();
        let got: Vec<_> = l
            .packages
            .iter()
            .map(|p| format!("{} {}", p.name, p.version))
            .collect();
        assert_eq!(got, ["docopt 0.6.1", "requests 2.8.1", "idna 3.10"]);
        assert!(l.notes[0].contains("2 requirement(s)"), "{:?}", l.notes);
    }

    #[test]
    fn uv_links_a_dependency_to_the_version_it_names() {
        let text = r#"
version = 1
[[package]]
name = "app"
version = "0.1.0"
source = { virtual = "." }
dependencies = [{ name = "x", version = "2.0.0", marker = "python_full_version >= '3.12'" }]
[package.dev-dependencies]
dev = [{ name = "x", version = "1.0.0", marker = "python_full_version < '3.12'" }]

[[package]]
name = "x"
version = "1.0.0"
source = { registry = "https://example.invalid/simple" }

[[package]]
name = "x"
version = "2.0.0"
source = { registry = "https://example.invalid/simple" }
"#;
        let l = uv(text, "uv.lock").unwrap();
        assert_eq!(l.deps, [(0, 1), (0, 2)]);
        assert!(l.packages[1].dev && !l.packages[2].dev);
    }

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
