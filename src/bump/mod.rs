//! `maestro bump`: applies the upgrades that clear known advisories, with
//! the ecosystem's own tool, one package at a time. Each upgrade first
//! tries the lockfile alone; only when that cannot reach the safe version
//! is a manifest constraint raised (a direct dependency's requirement, or
//! an override for a transitive one), and the result says which. Every
//! upgrade is verified by reading the lockfile again and re-scanning; a
//! tool that fails, or leaves the package still affected, has its files
//! put back as they were.

pub mod tools;

use crate::error::{input, Result};
use crate::lockfile::{self, Lock};
use crate::sbom::osv::Db;
use crate::sbom::vulns::{self, Finding, Remediation};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tools::{Kind, Step};

/// One upgrade to make.
#[derive(Clone, Debug, Serialize)]
pub struct Target {
    /// The lockfile it is made in.
    pub lockfile: PathBuf,
    /// Ecosystem (OSV's name).
    pub ecosystem: String,
    /// Package.
    pub package: String,
    /// Version now.
    pub from: String,
    /// The smallest version that clears every known advisory.
    pub to: String,
    /// Advisory ids it clears.
    pub advisories: Vec<String>,
    /// Whether a manifest of the project names it (a direct dependency).
    pub direct: bool,
}

/// What became of one upgrade.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Outcome {
    /// Made and verified. `manifests` lists the manifest files changed
    /// (empty: the lockfile alone reached it).
    Applied {
        /// The version the lockfile now has.
        version: String,
        /// Manifest files whose constraint was raised.
        manifests: Vec<String>,
        /// The commands run.
        commands: Vec<String>,
    },
    /// `--dry-run`: what would run.
    Planned {
        /// The commands, lockfile-only first.
        commands: Vec<String>,
    },
    /// Not made; the files are as they were.
    Failed {
        /// Why, in one line.
        reason: String,
        /// The commands tried.
        commands: Vec<String>,
    },
}

/// One upgrade and its outcome.
#[derive(Clone, Debug, Serialize)]
pub struct Bump {
    /// What was asked.
    #[serde(flatten)]
    pub target: Target,
    /// What happened.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// The upgrades for one lockfile: its fixable findings at or above the
/// severity asked for.
pub fn targets(
    path: &Path,
    lock: &Lock,
    findings: &[Finding],
    fixes: &[Remediation],
    wanted: impl Fn(&Finding) -> bool,
) -> Vec<Target> {
    let direct = tools::direct_names(path, lock);
    fixes
        .iter()
        .filter_map(|r| {
            let to = r.to.clone()?;
            let hits = findings
                .iter()
                .any(|f| f.package == r.package && f.version == r.from && wanted(f));
            hits.then(|| Target {
                lockfile: path.to_path_buf(),
                ecosystem: r.ecosystem.clone(),
                package: r.package.clone(),
                from: r.from.clone(),
                to,
                advisories: r.clears.clone(),
                direct: direct.contains(&r.package),
            })
        })
        .collect()
}

/// The bytes of the files an upgrade may change, to put back on failure.
struct Snapshot(Vec<(PathBuf, Option<Vec<u8>>)>);

impl Snapshot {
    fn take(files: &[PathBuf]) -> Snapshot {
        Snapshot(
            files
                .iter()
                .map(|f| (f.clone(), std::fs::read(f).ok()))
                .collect(),
        )
    }

    /// Puts every file back; one the tool created is removed.
    fn restore(&self) -> Result<()> {
        for (f, bytes) in &self.0 {
            let r = match bytes {
                Some(b) => std::fs::write(f, b),
                None if f.exists() => std::fs::remove_file(f),
                None => Ok(()),
            };
            r.map_err(|e| input(format!("{}: cannot put back: {e}", f.display())))?;
        }
        Ok(())
    }

    /// The files (other than `lockfile`) whose bytes differ now.
    fn changed(&self, lockfile: &Path) -> Vec<PathBuf> {
        self.0
            .iter()
            .filter(|(f, b)| f != lockfile && std::fs::read(f).ok() != *b)
            .map(|(f, _)| f.clone())
            .collect()
    }
}

/// The versions of `package` a lockfile has now, and whether any is still
/// affected by one of `advisories`.
fn after(path: &Path, t: &Target, db: &Db) -> Result<(Vec<String>, bool)> {
    let lock = lockfile::read(path)?;
    let sbom = crate::sbom::from_lock(&lock, &path.display().to_string(), true);
    let versions: Vec<String> = sbom
        .components
        .iter()
        .filter(|c| c.package == t.package && c.ecosystem.as_deref() == Some(&t.ecosystem))
        .filter_map(|c| c.version.clone())
        .collect();
    let still = vulns::scan(&sbom, db)
        .iter()
        .any(|f| f.package == t.package && t.advisories.contains(&f.id));
    Ok((versions, still))
}

/// Runs one command (argv) in a directory; its failure as one line.
pub type Runner = dyn Fn(&Path, &[String]) -> std::result::Result<(), String>;

/// A package whose versions a bump moved: `(package, before, after)`.
pub type LockChange = (String, String, String);

/// Makes (or with `dry_run` plans) each upgrade of one lockfile, in order.
/// `run` executes a step's command in the lockfile's directory and returns
/// its failure as one line.
pub fn apply(targets: &[Target], db: &Db, dry_run: bool, run: &Runner) -> Result<Vec<Bump>> {
    let mut out = Vec::new();
    for t in targets {
        let kind = Kind::of(&t.lockfile).ok_or_else(|| {
            input(format!(
                "{}: not a lockfile bump knows",
                t.lockfile.display()
            ))
        })?;
        let dir = t.lockfile.parent().unwrap_or(Path::new(".")).to_path_buf();
        let plan = tools::plan(kind, t);
        let shown = |steps: &[Step]| steps.iter().map(Step::to_string).collect::<Vec<_>>();
        if dry_run {
            let mut commands = shown(&plan.lock_only);
            if !plan.raise.is_empty() {
                commands.push("# if the lockfile alone cannot reach it:".into());
                commands.extend(shown(&plan.raise));
            }
            out.push(Bump {
                target: t.clone(),
                outcome: Outcome::Planned { commands },
            });
            continue;
        }
        if let Some(why) = &plan.unsupported {
            out.push(Bump {
                target: t.clone(),
                outcome: Outcome::Failed {
                    reason: why.clone(),
                    commands: vec![],
                },
            });
            continue;
        }
        let snap = Snapshot::take(&tools::files(kind, &t.lockfile));
        let mut commands = Vec::new();
        let run_steps =
            |steps: &[Step], commands: &mut Vec<String>| -> std::result::Result<(), String> {
                for s in steps {
                    commands.push(s.to_string());
                    match s {
                        Step::Run(argv) => run(&dir, argv)?,
                        Step::EditPin => tools::edit_pin(&t.lockfile, &t.package, &t.from, &t.to)?,
                    }
                }
                Ok(())
            };
        // Ran and cleared, with the versions the lockfile then has: a
        // lockfile the tool left unreadable counts as a failure (its error
        // the reason), so the files are put back.
        let attempt = |steps: &[Step], commands: &mut Vec<String>| {
            if let Err(e) = run_steps(steps, commands) {
                return (false, Some(e), Vec::new());
            }
            match after(&t.lockfile, t, db) {
                Ok((versions, still)) => (!still, None, versions),
                Err(e) => {
                    let e = crate::output::safe::one_line(&e.to_string()).to_string();
                    (false, Some(e), Vec::new())
                }
            }
        };
        let (mut reached, mut last_error, mut versions) = attempt(&plan.lock_only, &mut commands);
        if !reached && !plan.raise.is_empty() {
            // The lockfile alone did not get there: raise the constraint.
            snap.restore()?;
            (reached, last_error, versions) = attempt(&plan.raise, &mut commands);
        }
        if reached {
            let manifests = snap
                .changed(&t.lockfile)
                .iter()
                .map(|f| f.strip_prefix(&dir).unwrap_or(f).display().to_string())
                .collect();
            out.push(Bump {
                target: t.clone(),
                outcome: Outcome::Applied {
                    version: versions.join(", "),
                    manifests,
                    commands,
                },
            });
        } else {
            snap.restore()?;
            let reason = match last_error {
                Some(e) => e,
                None => format!(
                    "the tool ran, but {} is still at {}, which the advisories affect",
                    t.package,
                    if versions.is_empty() {
                        t.from.clone()
                    } else {
                        versions.join(", ")
                    }
                ),
            };
            out.push(Bump {
                target: t.clone(),
                outcome: Outcome::Failed { reason, commands },
            });
        }
    }
    Ok(out)
}

/// Packages whose versions differ between two reads of a lockfile:
/// `(package, before, after)`, for the PR body.
pub fn lock_changes(before: &Lock, after: &Lock) -> Vec<LockChange> {
    let versions = |l: &Lock| {
        let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for p in l.packages.iter().filter(|p| p.local.is_none()) {
            m.entry(p.name.clone()).or_default().push(p.version.clone());
        }
        for v in m.values_mut() {
            v.sort();
            v.dedup();
        }
        m
    };
    let (b, a) = (versions(before), versions(after));
    let mut names: Vec<&String> = b.keys().chain(a.keys()).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .filter_map(|n| {
            let (x, y) = (
                b.get(n).map(|v| v.join(", ")),
                a.get(n).map(|v| v.join(", ")),
            );
            (x != y).then(|| {
                (
                    n.clone(),
                    x.unwrap_or_else(|| "-".into()),
                    y.unwrap_or_else(|| "-".into()),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tool_that_leaves_a_broken_lockfile_fails_and_the_file_is_put_back() {
        let dir = tempfile::tempdir().unwrap();
        let lock = dir.path().join("Cargo.lock");
        let text = "version = 3\n\n[[package]]\nname = \"regex\"\nversion = \"1.5.4\"\nsource = \"registry+https://example.invalid\"\n";
        std::fs::write(&lock, text).unwrap();
        let osv = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/bump/osv/crates.io");
        let db = Db::load(&[osv]).unwrap();
        let t = Target {
            lockfile: lock.clone(),
            ecosystem: "crates.io".into(),
            package: "regex".into(),
            from: "1.5.4".into(),
            to: "1.5.5".into(),
            advisories: vec!["RUSTSEC-2022-0013".into()],
            direct: false,
        };
        let breaks = |d: &Path, _: &[String]| -> std::result::Result<(), String> {
            std::fs::write(d.join("Cargo.lock"), "[[package]\n").unwrap();
            Ok(())
        };
        let out = apply(&[t], &db, false, &breaks).unwrap();
        match &out[0].outcome {
            Outcome::Failed { reason, .. } => assert!(reason.contains("Cargo.lock"), "{reason}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(std::fs::read_to_string(&lock).unwrap(), text);
    }
}
