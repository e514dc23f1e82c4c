//! Lockfile readers: the packages a project resolved and which depends on
//! which. Cargo.lock, package-lock.json (v2, v3), poetry.lock, uv.lock,
//! Pipfile.lock, requirements*.txt (pinned), composer.lock, Gemfile.lock and go.mod (with go.sum
//! beside it). Each error names the file and, where the
//! parser knows it, the line.

mod cargo;
mod go;
mod npm;
mod php;
mod pnpm;
mod python;
mod ruby;
mod yarn;

use crate::error::{input, Result};
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Directories that hold other projects' code or build output, never the
/// project's own manifests or lockfiles (`cargo vendor`'s and Go's `vendor`,
/// Composer's too).
const NOT_THE_PROJECT: [&str; 4] = ["node_modules", "target", "vendor", ".git"];

/// The files under `root` that `keep` accepts, in walk order: `.gitignore`d
/// and hidden paths and [`NOT_THE_PROJECT`] directories skipped.
pub fn project_files(root: &Path, keep: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    ignore::WalkBuilder::new(root)
        .filter_entry(|e| {
            !e.file_type().is_some_and(|t| t.is_dir())
                || !e
                    .file_name()
                    .to_str()
                    .is_some_and(|n| NOT_THE_PROJECT.contains(&n))
        })
        .build()
        .flatten()
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()) && keep(e.path()))
        .map(|e| e.into_path())
        .collect()
}

/// One resolved package.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Package {
    /// The OSV ecosystem name: `crates.io`, `npm`, `PyPI`, `Go`, `Packagist`, `RubyGems`.
    pub ecosystem: &'static str,
    /// The name as the ecosystem spells it (PyPI names normalised).
    pub name: String,
    /// The resolved version (empty for a workspace member without one).
    pub version: String,
    /// For the project's own packages (workspace members), their directory
    /// relative to the lockfile's ("" for the lockfile's own).
    pub local: Option<String>,
    /// Only needed to develop the project (a dev dependency, or reached
    /// only through one), as far as the lockfile (and, for Cargo, the
    /// manifests beside it) says.
    pub dev: bool,
}

/// A lockfile read.
#[derive(Debug, Default)]
pub struct Lock {
    /// The packages, each once.
    pub packages: Vec<Package>,
    /// `(from, to)` indices into `packages`: `from` depends on `to`.
    pub deps: Vec<(usize, usize)>,
    /// The edges of `deps` that are dev dependencies of a local package.
    pub dev_deps: Vec<(usize, usize)>,
    /// What was left out or odd, for the user to know.
    pub notes: Vec<String>,
}

impl Lock {
    /// Adds a package (once) and returns its index. A package listed both
    /// as a dev and as a runtime dependency is a runtime one.
    fn add(&mut self, index: &mut HashMap<(String, String), usize>, p: Package) -> usize {
        let key = (p.name.clone(), p.version.clone());
        let dev = p.dev;
        let i = *index.entry(key).or_insert_with(|| {
            self.packages.push(p);
            self.packages.len() - 1
        });
        self.packages[i].dev &= dev;
        i
    }

    /// Adds an edge from each `(from, name)` to the package of that name
    /// (formats that resolve one version per name).
    fn link_by_name(&mut self, edges: Vec<(usize, String)>) {
        let by_name: HashMap<String, usize> = self
            .packages
            .iter()
            .enumerate()
            .map(|(i, p)| (p.name.clone(), i))
            .collect();
        for (from, dep) in edges {
            if let Some(&to) = by_name.get(&dep) {
                self.deps.push((from, to));
            }
        }
    }

    /// Marks as dev the packages that the local ones reach only through a
    /// dev edge. Packages no local one reaches keep their mark.
    fn mark_dev_by_reach(&mut self) {
        let n = self.packages.len();
        let dev: std::collections::HashSet<_> = self.dev_deps.iter().copied().collect();
        let reach = |all: bool| {
            let mut out = vec![vec![]; n];
            for &(a, b) in &self.deps {
                if all || !dev.contains(&(a, b)) {
                    out[a].push(b);
                }
            }
            let mut seen = vec![false; n];
            let mut stack: Vec<usize> = (0..n)
                .filter(|&i| self.packages[i].local.is_some())
                .collect();
            while let Some(i) = stack.pop() {
                if !std::mem::replace(&mut seen[i], true) {
                    stack.extend(&out[i]);
                }
            }
            seen
        };
        let (any, runtime) = (reach(true), reach(false));
        for (i, p) in self.packages.iter_mut().enumerate() {
            if p.local.is_none() && any[i] {
                p.dev = !runtime[i];
            }
        }
    }

    /// Sorts and deduplicates the edges, dropping self-loops.
    fn finish(mut self) -> Lock {
        self.deps.retain(|(a, b)| a != b);
        self.deps.sort_unstable();
        self.deps.dedup();
        self.dev_deps.sort_unstable();
        self.dev_deps.dedup();
        self
    }
}

/// A PyPI name in PEP 503's normal form.
pub fn normalise_pypi(name: &str) -> String {
    python::normalise(name)
}

pub use python::requirement_name;

/// The formats read, by file name.
pub const NAMES: &str = "Cargo.lock, package-lock.json, npm-shrinkwrap.json, pnpm-lock.yaml, yarn.lock, poetry.lock, uv.lock, Pipfile.lock, requirements*.txt (pinned), composer.lock, Gemfile.lock, go.mod, go.sum";

/// `requirements.txt`, `requirements-dev.txt`, `requirements_test.txt`…
fn is_requirements(file: &str) -> bool {
    file.starts_with("requirements") && file.ends_with(".txt")
}

/// Whether `path`'s file name is one of the lockfiles [`read`] reads.
pub fn is_lockfile(path: &Path) -> bool {
    path.file_name()
        .and_then(|f| f.to_str())
        .is_some_and(is_requirements)
        || matches!(
            path.file_name().and_then(|f| f.to_str()),
            Some(
                "Cargo.lock"
                    | "package-lock.json"
                    | "pnpm-lock.yaml"
                    | "yarn.lock"
                    | "npm-shrinkwrap.json"
                    | "poetry.lock"
                    | "uv.lock"
                    | "Pipfile.lock"
                    | "composer.lock"
                    | "Gemfile.lock"
                    | "go.mod"
                    | "go.sum"
            )
        )
}

/// Reads the lockfile at `path`, choosing the reader by its file name.
pub fn read(path: &Path) -> Result<Lock> {
    let name = path.display().to_string();
    let file = path.file_name().and_then(|f| f.to_str()).unwrap_or("");
    let text =
        |p: &Path| std::fs::read_to_string(p).map_err(|e| input(format!("{}: {e}", p.display())));
    if !is_lockfile(path) {
        return Err(input(format!(
            "{name}: not a lockfile maestro reads (it reads {NAMES})"
        )));
    }
    // The file's text, read once. Go's pair may lack either file: its
    // reader says what is missing.
    let exists = path.exists();
    let own = if exists || !matches!(file, "go.mod" | "go.sum") {
        text(path)?
    } else {
        String::new()
    };
    if exists
        && own
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    {
        return Ok(Lock {
            notes: vec![format!("{name} is empty: it locks nothing")],
            ..Lock::default()
        });
    }
    match file {
        "Cargo.lock" => {
            let mut lock = cargo::parse(&own, &name)?;
            cargo::locate_members(&mut lock, path.parent().unwrap_or(Path::new(".")));
            Ok(lock)
        }
        "package-lock.json" | "npm-shrinkwrap.json" => npm::parse(&own, &name),
        "poetry.lock" => python::poetry(&own, &name),
        "uv.lock" => python::uv(&own, &name),
        "Pipfile.lock" => python::pipfile(&own, &name),
        f if is_requirements(f) => python::requirements(path, &own),
        "composer.lock" => php::composer(&own, &name),
        "pnpm-lock.yaml" => pnpm::parse(&own, &name),
        "yarn.lock" => yarn::parse(&own, &name, path.parent().unwrap_or(Path::new("."))),
        "Gemfile.lock" => {
            let mut lock = ruby::gemfile(&own, &name)?;
            lock.packages
                .retain(|p| p.local.is_none() || !p.version.is_empty());
            Ok(lock)
        }
        "go.mod" | "go.sum" => {
            let dir = path.parent().unwrap_or(Path::new("."));
            // The file asked for is read already; its partner is read here.
            let read = |p: &Path, is_self: bool| -> Result<Option<String>> {
                match (is_self, p.exists()) {
                    (true, true) => Ok(Some(own.clone())),
                    (false, true) => Ok(Some(text(p)?)),
                    (_, false) => Ok(None),
                }
            };
            let m = dir.join("go.mod");
            let module = read(&m, file == "go.mod")?;
            let s = dir.join("go.sum");
            let sum = read(&s, file == "go.sum")?;
            if file == "go.sum" && sum.is_none() {
                return Err(input(format!("{name}: no such file")));
            }
            go::parse(
                module.as_deref(),
                sum.as_deref(),
                &m.display().to_string(),
                &s.display().to_string(),
            )
        }
        _ => Err(input(format!(
            "{name}: not a lockfile maestro reads (it reads {NAMES})"
        ))),
    }
}

/// A TOML lockfile, or an error naming the file and line.
fn toml_doc<T: serde::de::DeserializeOwned>(text: &str, name: &str, what: &str) -> Result<T> {
    toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| {
            let end = s.start.min(text.len());
            text.as_bytes()[..end]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1
        });
        let at = line.map(|l| format!(" line {l}:")).unwrap_or_default();
        input(format!(
            "{name}:{at} not a {what} ({})",
            e.message().lines().next().unwrap_or("invalid TOML")
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_files_skip_vendored_built_and_hidden_trees() {
        let d = tempfile::tempdir().unwrap();
        for dir in [
            "",
            "crates/a",
            "vendor/x",
            "target/y",
            "node_modules/z",
            ".hidden",
            "app/vendor/w",
        ] {
            std::fs::create_dir_all(d.path().join(dir)).unwrap();
            std::fs::write(d.path().join(dir).join("Cargo.toml"), "").unwrap();
        }
        std::fs::write(d.path().join("crates/a/vendor"), "a file named vendor").unwrap();
        let mut got: Vec<String> = project_files(d.path(), |p| p.ends_with("Cargo.toml"))
            .iter()
            .map(|p| p.strip_prefix(d.path()).unwrap().display().to_string())
            .collect();
        got.sort();
        assert_eq!(got, ["Cargo.toml", "crates/a/Cargo.toml"]);
        let files = project_files(d.path(), |p| p.ends_with("vendor"));
        assert_eq!(files, [d.path().join("crates/a/vendor")]);
    }

    #[test]
    fn unknown_names_are_refused_with_the_list() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("packages.lock.json");
        std::fs::write(&p, "x").unwrap();
        let e = read(&p).unwrap_err().to_string();
        assert!(e.contains("packages.lock.json: not a lockfile") && e.contains("Cargo.lock"));
    }

    #[test]
    fn a_lockfile_of_another_format_names_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("Cargo.lock");
        std::fs::write(&p, "{\n  \"lockfileVersion\": 3\n}\n").unwrap();
        let e = read(&p).unwrap_err().to_string();
        assert!(e.contains("Cargo.lock: line 1:"), "{e}");
        let p = dir.path().join("package-lock.json");
        std::fs::write(&p, "version = 3\n[[package]]\n").unwrap();
        let e = read(&p).unwrap_err().to_string();
        assert!(e.contains("package-lock.json: line 1"), "{e}");
    }
}
