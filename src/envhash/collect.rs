//! Gathering `env-hash` inputs from the repository, tools and environment.
//! Files are hashed in parallel across cores, streaming.

use super::{combine, Input, Kind};
use crate::error::{input, Result};
use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Lockfile names detected anywhere in the tree (outside ignored paths).
pub const LOCKFILES: &[&str] = &[
    "Cargo.lock",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "pnpm-lock.yaml",
    "yarn.lock",
    "bun.lock",
    "poetry.lock",
    "uv.lock",
    "Pipfile.lock",
    "pdm.lock",
    "go.sum",
    "Gemfile.lock",
    "composer.lock",
    "gradle.lockfile",
    "buildscript-gradle.lockfile",
    "packages.lock.json",
    "Package.resolved",
    "mix.lock",
    "pubspec.lock",
    "flake.lock",
];

/// Directories never searched for lockfiles: vendored dependencies carry
/// their own lockfiles, which do not describe this build.
const SKIP_DIRS: &[&str] = &[".git", "node_modules", ".venv", "vendor", ".maestro"];

/// What to hash.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// Repository root; names are relative to it.
    pub root: PathBuf,
    /// Detect lockfiles in the tree.
    pub detect: bool,
    /// Extra lockfiles (relative to the root or absolute).
    pub lockfiles: Vec<PathBuf>,
    /// Extra file globs, matched against root-relative paths.
    pub globs: Vec<String>,
    /// Tools: `NAME` runs `NAME --version`; a value with spaces runs as given.
    pub tools: Vec<String>,
    /// Environment variable names.
    pub env: Vec<String>,
}

/// The result.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The combined digest, hex.
    pub env_hash: String,
    /// The root the names are relative to.
    pub root: String,
    /// Every input with its own digest, sorted.
    pub inputs: Vec<Input>,
}

/// The enclosing repository root of `dir` (the nearest ancestor with
/// `.git`), or `dir` itself.
pub fn repo_root(dir: &Path) -> PathBuf {
    dir.ancestors()
        .find(|d| d.join(".git").exists())
        .unwrap_or(dir)
        .to_path_buf()
}

/// Gathers and hashes every input. `env` reads a variable (injected for tests).
pub fn run(req: &Request, env: &dyn Fn(&str) -> Option<String>) -> Result<Report> {
    let files = find_files(req)?;
    let mut inputs: Vec<Input> = files
        .par_iter()
        .map(|(name, (kind, path))| hash_file(*kind, name, path))
        .collect::<Result<_>>()?;
    for t in &req.tools {
        inputs.push(tool_version(t)?);
    }
    for name in &req.env {
        let (content, detail) = match env(name) {
            Some(v) => (format!("set:{v}"), "set"),
            None => ("unset".to_string(), "unset"),
        };
        let mut i = Input::of(Kind::Env, name, content.as_bytes());
        i.detail = Some(detail.into());
        inputs.push(i);
    }
    inputs.sort_by(|a, b| (a.kind, &a.name).cmp(&(b.kind, &b.name)));
    inputs.dedup_by(|a, b| a.kind == b.kind && a.name == b.name);
    Ok(Report {
        env_hash: combine(&inputs),
        root: req.root.display().to_string(),
        inputs,
    })
}

/// Root-relative name -> (kind, path) for every file input.
fn find_files(req: &Request) -> Result<BTreeMap<String, (Kind, PathBuf)>> {
    let mut out = BTreeMap::new();
    let globs = if req.globs.is_empty() {
        None
    } else {
        let mut b = globset::GlobSetBuilder::new();
        for g in &req.globs {
            b.add(globset::Glob::new(g).map_err(|e| input(format!("--glob `{g}`: {e}")))?);
        }
        Some(b.build().map_err(|e| input(format!("--glob: {e}")))?)
    };
    if req.detect || globs.is_some() {
        let walker = ignore::WalkBuilder::new(&req.root)
            .hidden(false)
            .filter_entry(|e| {
                !(e.file_type().is_some_and(|t| t.is_dir())
                    && SKIP_DIRS.contains(&e.file_name().to_string_lossy().as_ref()))
            })
            .build();
        for entry in walker {
            let entry = entry.map_err(|e| input(format!("{}: {e}", req.root.display())))?;
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                continue;
            }
            let name = rel_name(&req.root, entry.path());
            let file_name = entry.file_name().to_string_lossy();
            let is_lock = req.detect
                && (LOCKFILES.contains(&file_name.as_ref())
                    || (file_name.ends_with(".lockfile") && name.contains("dependency-locks/")));
            if is_lock {
                out.insert(name, (Kind::Lockfile, entry.path().to_path_buf()));
            } else if globs.as_ref().is_some_and(|g| g.is_match(&name)) {
                out.insert(name, (Kind::File, entry.path().to_path_buf()));
            }
        }
    }
    for l in &req.lockfiles {
        let path = if l.is_absolute() {
            l.clone()
        } else {
            req.root.join(l)
        };
        if !path.is_file() {
            return Err(input(format!("--lockfile {}: no such file", l.display())));
        }
        out.insert(rel_name(&req.root, &path), (Kind::Lockfile, path));
    }
    Ok(out)
}

/// `path` relative to `root` with `/` separators; outside the root, as given.
fn rel_name(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Streams a file through SHA-256.
pub fn hash_file(kind: Kind, name: &str, path: &Path) -> Result<Input> {
    let mut f = std::fs::File::open(path).map_err(|e| input(format!("{}: {e}", path.display())))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut bytes = 0u64;
    loop {
        let n = f
            .read(&mut buf)
            .map_err(|e| input(format!("{}: {e}", path.display())))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        bytes += n as u64;
    }
    Ok(Input {
        kind,
        name: name.to_string(),
        sha256: hex::encode(h.finalize()),
        bytes: Some(bytes),
        detail: None,
    })
}

/// Runs a tool's version command and hashes what it prints.
fn tool_version(spec: &str) -> Result<Input> {
    // A command line as a shell would split it (quotes kept together).
    let parts =
        shlex::split(spec).ok_or_else(|| input(format!("--tool {spec}: unbalanced quotes")))?;
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    let (prog, args): (&str, Vec<&str>) = match parts.as_slice() {
        [] => return Err(input("--tool: empty tool name")),
        [one] => (one, vec!["--version"]),
        [p, rest @ ..] => (p, rest.to_vec()),
    };
    let out = std::process::Command::new(prog)
        .args(&args)
        .output()
        .map_err(|e| input(format!("--tool {spec}: cannot run `{prog}`: {e}")))?;
    if !out.status.success() {
        return Err(input(format!(
            "--tool {spec}: `{prog} {}` exited with {}",
            args.join(" "),
            out.status
        )));
    }
    // Some tools (java, older pythons) print their version on stderr.
    let text = if out.stdout.iter().any(|b| !b.is_ascii_whitespace()) {
        out.stdout
    } else {
        out.stderr
    };
    let text = String::from_utf8_lossy(&text).trim().to_string();
    let mut i = Input::of(Kind::Tool, spec, text.as_bytes());
    i.detail = Some(text.lines().next().unwrap_or("").to_string());
    Ok(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("web/node_modules/x")).unwrap();
        std::fs::create_dir_all(d.path().join(".git")).unwrap();
        std::fs::write(d.path().join("Cargo.lock"), "a").unwrap();
        std::fs::write(d.path().join("web/package-lock.json"), "b").unwrap();
        std::fs::write(d.path().join("web/node_modules/x/package-lock.json"), "c").unwrap();
        std::fs::write(d.path().join("build.rs"), "d").unwrap();
        d
    }

    #[test]
    fn detects_lockfiles_and_skips_vendored_ones() {
        let d = tree();
        let req = Request {
            root: d.path().into(),
            detect: true,
            globs: vec!["*.rs".into()],
            ..Default::default()
        };
        let r = run(&req, &|_| None).unwrap();
        let names: Vec<_> = r.inputs.iter().map(|i| (i.kind, i.name.as_str())).collect();
        assert_eq!(
            names,
            [
                (Kind::Lockfile, "Cargo.lock"),
                (Kind::Lockfile, "web/package-lock.json"),
                (Kind::File, "build.rs")
            ]
        );
    }

    #[test]
    fn same_inputs_elsewhere_hash_alike_and_any_byte_changes_it() {
        let (a, b) = (tree(), tree());
        let req = |root: &Path| Request {
            root: root.into(),
            detect: true,
            env: vec!["CC".into(), "MISSING".into()],
            ..Default::default()
        };
        let env = |k: &str| (k == "CC").then(|| "gcc".to_string());
        let ha = run(&req(a.path()), &env).unwrap().env_hash;
        assert_eq!(ha, run(&req(b.path()), &env).unwrap().env_hash);
        std::fs::write(b.path().join("web/package-lock.json"), "B").unwrap();
        assert_ne!(ha, run(&req(b.path()), &env).unwrap().env_hash);
        let env2 = |k: &str| (k == "CC").then(|| "gcd".to_string());
        assert_ne!(ha, run(&req(a.path()), &env2).unwrap().env_hash);
        // Unset and empty differ.
        let empty = |k: &str| {
            (k == "CC" || k == "MISSING").then(|| {
                if k == "CC" {
                    "gcc".to_string()
                } else {
                    String::new()
                }
            })
        };
        assert_ne!(ha, run(&req(a.path()), &empty).unwrap().env_hash);
    }

    #[test]
    fn missing_named_lockfile_and_failing_tool_are_input_errors() {
        let d = tree();
        let req = Request {
            root: d.path().into(),
            lockfiles: vec!["nope.lock".into()],
            ..Default::default()
        };
        assert!(run(&req, &|_| None)
            .unwrap_err()
            .to_string()
            .contains("nope.lock"));
        let req = Request {
            root: d.path().into(),
            tools: vec!["maestro-no-such-tool-xyz".into()],
            ..Default::default()
        };
        assert!(run(&req, &|_| None)
            .unwrap_err()
            .to_string()
            .contains("cannot run"));
    }
}
