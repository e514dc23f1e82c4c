//! `maestro sbom generate`.

use super::Ctx;
use crate::error::{input, Result, EXIT_OK};
use crate::lockfile;
use crate::sbom::generate::{cyclonedx, Input};
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};

/// `maestro sbom …`.
#[derive(Debug, Subcommand)]
pub enum SbomCommand {
    /// A CycloneDX 1.6 JSON SBOM of what the project's lockfiles resolved:
    /// a component with a purl per package, dev ones scoped `excluded`, and
    /// the dependency graph.
    Generate(GenerateArgs),
}

/// `sbom generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Lockfiles, or directories to search for them (default: the current
    /// directory; `node_modules`, `target`, `vendor` and git-ignored paths
    /// are skipped).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Leave out the packages only development needs.
    #[arg(long)]
    pub no_dev: bool,
    /// The project's name in the SBOM (default: the directory's name).
    #[arg(long)]
    pub name: Option<String>,
    /// Write the SBOM here instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Runs `sbom …`.
pub fn exec(ctx: &Ctx, cmd: SbomCommand) -> Result<i32> {
    match cmd {
        SbomCommand::Generate(a) => generate(ctx, a),
    }
}

/// The lockfiles under `dir`: at most one of go.mod/go.sum per directory
/// (the reader takes both), sorted.
fn find(dir: &Path) -> Vec<PathBuf> {
    let mut out = lockfile::project_files(dir, |p| {
        lockfile::is_lockfile(p) && !(p.ends_with("go.sum") && p.with_file_name("go.mod").exists())
    });
    out.sort();
    out
}

/// The lockfiles `paths` name (files, or directories searched), `cwd` when
/// there are none.
pub fn lockfiles(paths: &[PathBuf], cwd: &Path) -> Result<Vec<PathBuf>> {
    let given = if paths.is_empty() {
        vec![cwd.to_path_buf()]
    } else {
        paths.to_vec()
    };
    let mut files = Vec::new();
    for full in &given {
        let shown = full.strip_prefix(cwd).unwrap_or(full).display().to_string();
        let shown = if shown.is_empty() {
            ".".to_string()
        } else {
            shown
        };
        if full.is_dir() {
            let found = find(full);
            if found.is_empty() {
                return Err(input(format!(
                    "{shown}: no lockfile found (maestro reads {})",
                    lockfile::NAMES
                )));
            }
            files.extend(found);
        } else if full.exists() {
            files.push(full.clone());
        } else {
            return Err(input(format!("{shown}: no such file or directory")));
        }
    }
    Ok(files)
}

fn generate(ctx: &Ctx, a: GenerateArgs) -> Result<i32> {
    let given = if a.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        a.paths.clone()
    };
    let full: Vec<PathBuf> = given.iter().map(|p| ctx.cwd.join(p)).collect();
    let files = lockfiles(&full, &ctx.cwd)?;
    let mut locks = Vec::new();
    for f in files {
        let lock = lockfile::read(&f)?;
        for n in &lock.notes {
            ctx.out.note(&format!("note: {n}"));
        }
        let shown = f.strip_prefix(&ctx.cwd).unwrap_or(&f).display().to_string();
        locks.push((shown, lock));
    }
    let project = a.name.clone().unwrap_or_else(|| {
        let dir = ctx.cwd.join(&given[0]);
        let dir = if dir.is_dir() {
            dir
        } else {
            dir.parent().map(Path::to_path_buf).unwrap_or_default()
        };
        dir.canonicalize()
            .ok()
            .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "project".into())
    });
    let timestamp_ms = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(s) => {
            let bad = || input(format!("SOURCE_DATE_EPOCH={s}: not a number of seconds"));
            let secs: u64 = s.trim().parse().map_err(|_| bad())?;
            i64::try_from(secs)
                .ok()
                .and_then(|x| x.checked_mul(1000))
                .ok_or_else(bad)?
        }
        Err(_) => crate::clock::Clock::now().now_ms,
    };
    let doc = cyclonedx(&Input {
        project: &project,
        locks: &locks,
        dev: !a.no_dev,
        timestamp: Some(crate::clock::rfc3339(timestamp_ms)),
    });
    let text = serde_json::to_string_pretty(&doc)? + "\n";
    let count = doc["components"].as_array().map_or(0, Vec::len);
    match &a.out {
        Some(p) => {
            ctx.out.write_file(&ctx.cwd, p, &text)?;
            ctx.out.note(&format!(
                "{}: {count} components from {} lockfile(s)",
                p.display(),
                locks.len()
            ));
        }
        None => ctx.out.print(&text)?,
    }
    ctx.out.outputs(&[("components", count.to_string())])?;
    Ok(EXIT_OK)
}
