//! Lockfile readers: the packages a project resolved and which depends on
//! which. Cargo.lock, package-lock.json (v2, v3), poetry.lock, uv.lock and
//! go.mod (with go.sum beside it). Each error names the file and, where the
//! parser knows it, the line.

mod cargo;
mod go;
mod npm;
mod python;

use crate::error::{input, Result};
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;

/// One resolved package.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Package {
    /// The OSV ecosystem name: `crates.io`, `npm`, `PyPI`, `Go`.
    pub ecosystem: &'static str,
    /// The name as the ecosystem spells it (PyPI names normalised).
    pub name: String,
    /// The resolved version (empty for a workspace member without one).
    pub version: String,
    /// For the project's own packages (workspace members), their directory
    /// relative to the lockfile's ("" for the lockfile's own).
    pub local: Option<String>,
}

/// A lockfile read.
#[derive(Debug, Default)]
pub struct Lock {
    /// The packages, each once.
    pub packages: Vec<Package>,
    /// `(from, to)` indices into `packages`: `from` depends on `to`.
    pub deps: Vec<(usize, usize)>,
}

impl Lock {
    /// Adds a package (once) and returns its index.
    fn add(&mut self, index: &mut HashMap<(String, String), usize>, p: Package) -> usize {
        let key = (p.name.clone(), p.version.clone());
        *index.entry(key).or_insert_with(|| {
            self.packages.push(p);
            self.packages.len() - 1
        })
    }

    /// Sorts and deduplicates the edges, dropping self-loops.
    fn finish(mut self) -> Lock {
        self.deps.retain(|(a, b)| a != b);
        self.deps.sort_unstable();
        self.deps.dedup();
        self
    }
}

/// The formats read, by file name.
pub const NAMES: &str =
    "Cargo.lock, package-lock.json, npm-shrinkwrap.json, poetry.lock, uv.lock, go.mod, go.sum";

/// Whether `path`'s file name is one of the lockfiles [`read`] reads.
pub fn is_lockfile(path: &Path) -> bool {
    matches!(
        path.file_name().and_then(|f| f.to_str()),
        Some(
            "Cargo.lock"
                | "package-lock.json"
                | "npm-shrinkwrap.json"
                | "poetry.lock"
                | "uv.lock"
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
    match file {
        "Cargo.lock" => {
            let mut lock = cargo::parse(&text(path)?, &name)?;
            cargo::locate_members(&mut lock, path.parent().unwrap_or(Path::new(".")));
            Ok(lock)
        }
        "package-lock.json" | "npm-shrinkwrap.json" => npm::parse(&text(path)?, &name),
        "poetry.lock" => python::poetry(&text(path)?, &name),
        "uv.lock" => python::uv(&text(path)?, &name),
        "go.mod" | "go.sum" => {
            let dir = path.parent().unwrap_or(Path::new("."));
            let m = dir.join("go.mod");
            let module = if m.exists() { Some(text(&m)?) } else { None };
            let s = dir.join("go.sum");
            let sum = if s.exists() { Some(text(&s)?) } else { None };
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
    fn unknown_names_are_refused_with_the_list() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("yarn.lock");
        std::fs::write(&p, "x").unwrap();
        let e = read(&p).unwrap_err().to_string();
        assert!(e.contains("yarn.lock: not a lockfile") && e.contains("Cargo.lock"));
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
