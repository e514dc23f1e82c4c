//! Reproducible-build checks: compare two artifact trees file by file, or
//! build twice in two clean copies of the working tree and compare.

pub mod render;

use crate::envhash::collect::hash_file;
use crate::envhash::Kind;
use crate::error::{input, Result};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

/// How one artifact compares.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Same bytes.
    Identical,
    /// Different bytes.
    Differs,
    /// Only in the first tree.
    OnlyInA,
    /// Only in the second tree.
    OnlyInB,
}

/// One artifact.
#[derive(Clone, Debug, Serialize)]
pub struct Artifact {
    /// Path relative to the tree root.
    pub path: String,
    /// Comparison result.
    pub status: Status,
    /// Size in A.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size_a: Option<u64>,
    /// Size in B.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size_b: Option<u64>,
    /// SHA-256 in A.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256_a: Option<String>,
    /// SHA-256 in B.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256_b: Option<String>,
    /// First byte offset where the two differ.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_difference: Option<u64>,
}

/// The comparison of two trees.
#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    /// Artifacts compared (the union of both sides).
    pub total: usize,
    /// Identical artifacts.
    pub identical: usize,
    /// identical / total (1.0 for two empty trees).
    pub rate: f64,
    /// Every artifact, differing ones first.
    pub artifacts: Vec<Artifact>,
}

/// Regular files under `root` matching `globs` (all files if none), by
/// root-relative path.
pub fn artifacts(root: &Path, globs: &[String]) -> Result<BTreeMap<String, PathBuf>> {
    if !root.is_dir() {
        return Err(input(format!("{}: not a directory", root.display())));
    }
    let set = if globs.is_empty() {
        None
    } else {
        let mut b = globset::GlobSetBuilder::new();
        for g in globs {
            b.add(globset::Glob::new(g).map_err(|e| input(format!("--glob `{g}`: {e}")))?);
        }
        Some(b.build().map_err(|e| input(format!("--glob: {e}")))?)
    };
    let mut out = BTreeMap::new();
    for e in walkdir::WalkDir::new(root).sort_by_file_name() {
        let e = e.map_err(|e| input(format!("{}: {e}", root.display())))?;
        if !e.file_type().is_file() {
            continue;
        }
        let rel = e.path().strip_prefix(root).unwrap_or(e.path());
        let name = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        if set.as_ref().is_none_or(|s| s.is_match(&name)) {
            out.insert(name, e.path().to_path_buf());
        }
    }
    Ok(out)
}

/// Compares the artifacts of two trees.
pub fn compare(a: &Path, b: &Path, globs: &[String]) -> Result<Comparison> {
    let (fa, fb) = (artifacts(a, globs)?, artifacts(b, globs)?);
    let mut names: Vec<&String> = fa.keys().chain(fb.keys()).collect();
    names.sort();
    names.dedup();
    let mut arts: Vec<Artifact> = names
        .par_iter()
        .map(|name| compare_one(name, fa.get(*name), fb.get(*name)))
        .collect::<Result<_>>()?;
    let identical = arts
        .iter()
        .filter(|x| x.status == Status::Identical)
        .count();
    let total = arts.len();
    arts.sort_by_key(|x| (x.status == Status::Identical, x.path.clone()));
    Ok(Comparison {
        total,
        identical,
        rate: if total == 0 {
            1.0
        } else {
            identical as f64 / total as f64
        },
        artifacts: arts,
    })
}

fn compare_one(name: &str, a: Option<&PathBuf>, b: Option<&PathBuf>) -> Result<Artifact> {
    let digest = |p: &Path| hash_file(Kind::File, name, p);
    let mut art = Artifact {
        path: name.to_string(),
        status: Status::Identical,
        size_a: None,
        size_b: None,
        sha256_a: None,
        sha256_b: None,
        first_difference: None,
    };
    if let Some(p) = a {
        let d = digest(p)?;
        art.size_a = d.bytes;
        art.sha256_a = Some(d.sha256);
    }
    if let Some(p) = b {
        let d = digest(p)?;
        art.size_b = d.bytes;
        art.sha256_b = Some(d.sha256);
    }
    art.status = match (a, b) {
        (Some(_), None) => Status::OnlyInA,
        (None, Some(_)) => Status::OnlyInB,
        (Some(pa), Some(pb)) if art.sha256_a != art.sha256_b => {
            art.first_difference = first_difference(pa, pb)?;
            Status::Differs
        }
        _ => Status::Identical,
    };
    Ok(art)
}

/// The first offset at which two files differ (the shorter length if one is
/// a prefix of the other), or `None` if they are equal.
pub fn first_difference(a: &Path, b: &Path) -> Result<Option<u64>> {
    let open = |p: &Path| {
        std::fs::File::open(p)
            .map(|f| BufReader::with_capacity(1 << 16, f))
            .map_err(|e| input(format!("{}: {e}", p.display())))
    };
    let (mut ra, mut rb) = (open(a)?, open(b)?);
    let (mut ba, mut bb) = (vec![0u8; 1 << 16], vec![0u8; 1 << 16]);
    let mut offset = 0u64;
    loop {
        let na = read_full(&mut ra, &mut ba).map_err(|e| input(format!("{}: {e}", a.display())))?;
        let nb = read_full(&mut rb, &mut bb).map_err(|e| input(format!("{}: {e}", b.display())))?;
        let n = na.min(nb);
        if let Some(i) = (0..n).find(|&i| ba[i] != bb[i]) {
            return Ok(Some(offset + i as u64));
        }
        if na != nb {
            return Ok(Some(offset + n as u64));
        }
        if na == 0 {
            return Ok(None);
        }
        offset += n as u64;
    }
}

fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Copies the working tree at `src` into `dest`, skipping what git ignores
/// (build outputs) and `.git` itself. Symlinks are copied as links.
pub fn copy_tree(src: &Path, dest: &Path) -> Result<u64> {
    let mut n = 0;
    let walker = ignore::WalkBuilder::new(src)
        .hidden(false)
        .require_git(false)
        .filter_entry(|e| e.file_name() != ".git")
        .build();
    for e in walker {
        let e = e.map_err(|e| input(format!("{}: {e}", src.display())))?;
        let rel = e.path().strip_prefix(src).unwrap_or(e.path());
        let to = dest.join(rel);
        let io = |err: std::io::Error| input(format!("{}: {err}", to.display()));
        let Some(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            std::fs::create_dir_all(&to).map_err(io)?;
        } else if ft.is_symlink() {
            let target = std::fs::read_link(e.path()).map_err(io)?;
            std::os::unix::fs::symlink(target, &to).map_err(io)?;
        } else if ft.is_file() {
            std::fs::copy(e.path(), &to).map_err(io)?;
            n += 1;
        }
    }
    Ok(n)
}

/// Runs `cmd` (argv) in `dir`; its output goes to stderr.
pub fn build(dir: &Path, cmd: &[String], label: &str) -> Result<()> {
    let (prog, args) = cmd
        .split_first()
        .ok_or_else(|| input("repro run: give the build command after `--`"))?;
    let status = std::process::Command::new(prog)
        .args(args)
        .current_dir(dir)
        .stdout(std::process::Stdio::from(std::io::stderr()))
        .status()
        .map_err(|e| input(format!("repro run: cannot run `{prog}`: {e}")))?;
    if !status.success() {
        return Err(input(format!(
            "repro run: build {label} (`{}`) failed with {status}",
            cmd.join(" ")
        )));
    }
    Ok(())
}

/// Builds twice, in two fresh copies of `src` at different paths, and
/// compares the artifacts matching `globs`.
pub fn build_twice(src: &Path, cmd: &[String], globs: &[String]) -> Result<Comparison> {
    let scratch = tempfile::Builder::new()
        .prefix("maestro-repro-")
        .tempdir()
        .map_err(|e| input(format!("scratch directory: {e}")))?;
    let (a, b) = (scratch.path().join("a"), scratch.path().join("build-b"));
    for (dir, label) in [(&a, "A"), (&b, "B")] {
        copy_tree(src, dir)?;
        build(dir, cmd, label)?;
    }
    compare(&a, &b, globs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_identical_differing_and_missing_artifacts() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        for d in [&a, &b] {
            std::fs::create_dir_all(d.path().join("bin")).unwrap();
            std::fs::write(d.path().join("bin/same"), b"same bytes").unwrap();
        }
        std::fs::write(a.path().join("bin/app"), b"build 1 stamp").unwrap();
        std::fs::write(b.path().join("bin/app"), b"build 2 stamp").unwrap();
        std::fs::write(a.path().join("only-a.txt"), b"x").unwrap();
        let c = compare(a.path(), b.path(), &[]).unwrap();
        assert_eq!((c.total, c.identical), (3, 1));
        let app = c.artifacts.iter().find(|x| x.path == "bin/app").unwrap();
        assert_eq!(
            (app.status.clone(), app.first_difference),
            (Status::Differs, Some(6))
        );
        let c = compare(a.path(), b.path(), &["bin/*".into()]).unwrap();
        assert_eq!((c.total, c.identical), (2, 1));
    }

    #[test]
    fn build_twice_catches_a_build_that_embeds_its_path() {
        let src = tempfile::tempdir().unwrap();
        std::fs::write(src.path().join(".gitignore"), "out/\n").unwrap();
        std::fs::create_dir_all(src.path().join("out")).unwrap();
        std::fs::write(src.path().join("out/stale"), "ignored").unwrap();
        let sh = |s: &str| vec!["sh".to_string(), "-c".to_string(), s.to_string()];
        let c = build_twice(
            src.path(),
            &sh("mkdir -p out && echo fixed > out/a && pwd > out/b"),
            &["out/*".into()],
        )
        .unwrap();
        assert_eq!((c.total, c.identical), (2, 1), "{c:?}");
        let e = build_twice(src.path(), &sh("exit 3"), &[]).unwrap_err();
        assert!(e.to_string().contains("failed"), "{e}");
    }

    #[test]
    fn first_difference_handles_prefixes_and_long_files() {
        let d = tempfile::tempdir().unwrap();
        let (x, y) = (d.path().join("x"), d.path().join("y"));
        let mut big = vec![7u8; 200_000];
        std::fs::write(&x, &big).unwrap();
        big[150_001] = 8;
        std::fs::write(&y, &big).unwrap();
        assert_eq!(first_difference(&x, &y).unwrap(), Some(150_001));
        std::fs::write(&y, &big[..1000]).unwrap();
        assert_eq!(first_difference(&x, &y).unwrap(), Some(1000));
        assert_eq!(first_difference(&x, &x).unwrap(), None);
    }
}
