//! `maestro bump`.

use super::Ctx;
use crate::bump::{self, Bump, Outcome};
use crate::clock::Clock;
use crate::error::{Result, EXIT_GATE, EXIT_OK};
use crate::lockfile;
use crate::output::markdown;
use crate::sbom::gate::{self, FailOn};
use crate::sbom::{self, prbody, track, vulns};
use clap::Args;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::Command;

/// `maestro bump`.
#[derive(Debug, Args)]
pub struct BumpArgs {
    /// Lockfiles, or directories to search for them (default: the current
    /// directory).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// OSV data: directories of advisory JSON files and/or `all.zip` exports (repeatable).
    #[arg(long = "osv-db", value_name = "PATH", required = true)]
    pub osv_db: Vec<PathBuf>,
    /// Only upgrades that clear an advisory at least this severe: critical,
    /// high, medium, low or any.
    #[arg(long, default_value = "any", value_parser = super::args::named::<FailOn>(&FailOn::NAMES))]
    pub only: FailOn,
    /// How advisories without a usable score count for --only.
    #[arg(long, default_value = "medium", value_parser = super::args::named::<FailOn>(&FailOn::NAMES))]
    pub unknown_as: FailOn,
    /// Print the commands each upgrade would run; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Write the PR title and markdown body here: the advisories cleared,
    /// how each upgrade was made, and what changed in the lockfiles.
    #[arg(long, value_name = "FILE")]
    pub pr_body: Option<PathBuf>,
    /// Record the lockfiles' vulnerabilities as they are before the
    /// upgrades (what the branch has), for `sbom-diff stats` (time to
    /// remediate): an episode resolves when a later run no longer finds it.
    #[arg(long)]
    pub record: bool,
    /// The scope of --record (see sbom-diff --scope).
    #[arg(long, value_name = "NAME", default_value = "default")]
    pub scope: String,
}

#[derive(Serialize)]
struct Report {
    bumps: Vec<Bump>,
    /// Per lockfile: packages whose versions changed `(package, before, after)`.
    changes: Vec<(String, Vec<bump::LockChange>)>,
    applied: usize,
    failed: usize,
    /// Fixable findings below --only, and findings no version clears.
    left: Vec<String>,
}

fn run_tool(dir: &Path, argv: &[String]) -> std::result::Result<(), String> {
    let out = Command::new(&argv[0])
        .args(&argv[1..])
        .current_dir(dir)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", argv[0]))?;
    if out.status.success() {
        return Ok(());
    }
    let err = String::from_utf8_lossy(&out.stderr);
    let line = err
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("error") || l.starts_with("npm ERR") || l.starts_with("npm error"))
        .or_else(|| err.lines().map(str::trim).rfind(|l| !l.is_empty()))
        .unwrap_or("failed");
    Err(format!(
        "`{}` failed: {}",
        argv.join(" "),
        crate::output::safe::one_line(line)
    ))
}

/// Runs `bump`.
pub fn exec(ctx: &Ctx, a: BumpArgs) -> Result<i32> {
    let paths: Vec<PathBuf> = a.paths.iter().map(|p| ctx.cwd.join(p)).collect();
    let files = super::sbom::lockfiles(&paths, &ctx.cwd)?;
    let db = super::sbom_diff::load_db(ctx, &a.osv_db)?;
    let wanted = |f: &vulns::Finding| gate::fails(f, a.only, a.unknown_as);
    let mut report = Report {
        bumps: vec![],
        changes: vec![],
        applied: 0,
        failed: 0,
        left: vec![],
    };
    let mut all_fixes = Vec::new();
    let mut all_found = Vec::new();
    for file in &files {
        let before = lockfile::read(file)?;
        let shown = file
            .strip_prefix(&ctx.cwd)
            .unwrap_or(file)
            .display()
            .to_string();
        let sbom = sbom::from_lock(&before, &shown, true);
        let found = vulns::scan(&sbom, &db);
        let fixes = vulns::remediate(&found, &db);
        for r in &fixes {
            match &r.to {
                None => report.left.push(format!(
                    "{shown}: {} {}: no released version clears {}",
                    r.package,
                    r.from,
                    r.clears.join(", ")
                )),
                Some(to)
                    if !found
                        .iter()
                        .any(|f| f.package == r.package && f.version == r.from && wanted(f)) =>
                {
                    report.left.push(format!(
                        "{shown}: {} {} -> {to}: below --only",
                        r.package, r.from
                    ))
                }
                Some(_) => {}
            }
        }
        let targets = bump::targets(file, &before, &found, &fixes, wanted);
        all_found.extend(found);
        if targets.is_empty() {
            continue;
        }
        let bumps = bump::apply(&targets, &db, a.dry_run, &run_tool)?;
        if !a.dry_run {
            let after = lockfile::read(file)?;
            let changed = bump::lock_changes(&before, &after);
            if !changed.is_empty() {
                report.changes.push((shown.clone(), changed));
            }
        }
        for b in &bumps {
            if let Outcome::Applied { .. } = b.outcome {
                if let Some(r) = fixes
                    .iter()
                    .find(|r| r.package == b.target.package && r.from == b.target.from)
                {
                    all_fixes.push(r.clone());
                }
            }
        }
        report.bumps.extend(bumps);
    }
    report.applied = report
        .bumps
        .iter()
        .filter(|b| matches!(b.outcome, Outcome::Applied { .. }))
        .count();
    report.failed = report
        .bumps
        .iter()
        .filter(|b| matches!(b.outcome, Outcome::Failed { .. }))
        .count();
    if let Some(path) = &a.pr_body {
        let text = match prbody::render(&all_fixes, &all_found, &db) {
            Some((title, body)) => {
                ctx.out.outputs(&[("pr_title", title)])?;
                body + &how_and_changes(&report)
            }
            None => "No upgrade was applied.\n".to_string(),
        };
        ctx.out.write_file(&ctx.cwd, path, text)?;
    }
    if a.record {
        // What the branch has now, before the upgrades reach it: episodes
        // resolve when a later run finds the merged upgrade.
        let now = Clock::now().now_ms;
        ctx.write_state(|st| track::record(st, &a.scope, &all_found, now))?;
    }
    ctx.out.outputs(&[
        ("applied", report.applied.to_string()),
        ("failed", report.failed.to_string()),
        ("changed", (!report.changes.is_empty()).to_string()),
    ])?;
    ctx.out.summary(&markdown_report(&report))?;
    ctx.out.result(&report, &text(&report, a.dry_run), None)?;
    Ok(if report.failed > 0 {
        EXIT_GATE
    } else {
        EXIT_OK
    })
}

fn how(b: &Bump) -> String {
    match &b.outcome {
        Outcome::Applied { manifests, .. } if manifests.is_empty() => "lockfile only".into(),
        Outcome::Applied { manifests, .. } => format!("raised in {}", manifests.join(", ")),
        Outcome::Planned { commands } => commands.join("; "),
        Outcome::Failed { reason, .. } => format!("failed: {reason}"),
    }
}

fn text(r: &Report, dry_run: bool) -> String {
    let rows: Vec<Vec<String>> = r
        .bumps
        .iter()
        .map(|b| {
            let t = &b.target;
            let now = match &b.outcome {
                Outcome::Applied { version, .. } => version.clone(),
                _ => t.from.clone(),
            };
            vec![
                t.lockfile
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                t.package.clone(),
                format!("{} -> {}", t.from, t.to),
                now,
                t.advisories.join(", "),
                how(b),
            ]
        })
        .collect();
    let mut out = if rows.is_empty() {
        "Nothing to bump: no advisory at the --only level has a fixed version.\n".to_string()
    } else {
        markdown::text_table(
            &["LOCKFILE", "PACKAGE", "UPGRADE", "NOW", "CLEARS", "HOW"],
            &rows,
        )
    };
    for l in &r.left {
        out.push_str(&format!("left: {l}\n"));
    }
    if !dry_run {
        out.push_str(&format!("{} applied, {} failed\n", r.applied, r.failed));
    }
    out
}

fn how_and_changes(r: &Report) -> String {
    let mut out = String::from("\n### How\n\n");
    let rows: Vec<Vec<String>> = r
        .bumps
        .iter()
        .filter(|b| matches!(b.outcome, Outcome::Applied { .. }))
        .map(|b| vec![markdown::cell(&b.target.package), markdown::cell(&how(b))])
        .collect();
    out.push_str(&markdown::table(&["Package", "How"], &rows));
    for (file, changes) in &r.changes {
        out.push_str(&format!(
            "\n### Lockfile changes in {}\n\n",
            markdown::cell(file)
        ));
        let rows: Vec<Vec<String>> = changes
            .iter()
            .map(|(p, b, a)| vec![markdown::cell(p), markdown::cell(b), markdown::cell(a)])
            .collect();
        out.push_str(&markdown::table(&["Package", "Before", "After"], &rows));
    }
    out
}

fn markdown_report(r: &Report) -> String {
    let rows: Vec<Vec<String>> = r
        .bumps
        .iter()
        .map(|b| {
            vec![
                markdown::cell(&b.target.package),
                markdown::cell(&format!("{} → {}", b.target.from, b.target.to)),
                markdown::cell(&b.target.advisories.join(", ")),
                markdown::cell(&how(b)),
            ]
        })
        .collect();
    format!(
        "## maestro bump\n\n{}\n{} applied, {} failed\n",
        markdown::table(&["Package", "Upgrade", "Clears", "How"], &rows),
        r.applied,
        r.failed
    )
}
