//! `maestro sbom-diff` and `sbom-diff stats`.

use super::args::named;
use super::Ctx;
use crate::clock::Clock;
use crate::error::{input, Result, EXIT_GATE, EXIT_OK};
use crate::output::Format;
use crate::sbom::gate::FailOn;
use crate::sbom::osv::Db;
use crate::sbom::report::{Report, Vulns};
use crate::sbom::{self, prbody, render, sarif, track, vulns};
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// `maestro sbom-diff`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SbomDiffArgs {
    /// `stats`: median time to remediate from recorded runs.
    #[command(subcommand)]
    pub command: Option<SbomDiffCommand>,
    /// The baseline: an SBOM (CycloneDX JSON/XML, SPDX 2.x JSON or
    /// tag-value) or a lockfile (Cargo.lock, package-lock.json, yarn.lock,
    /// pnpm-lock.yaml, poetry.lock, uv.lock, Pipfile.lock, requirements*.txt,
    /// go.mod, Gemfile.lock, composer.lock).
    #[arg(long, value_name = "OLD", required_unless_present = "base_ref")]
    pub base: Option<PathBuf>,
    /// The new SBOM or lockfile.
    #[arg(long, value_name = "NEW", required = true)]
    pub head: Option<PathBuf>,
    /// Read the baseline from git as it was at REV (a branch, tag or commit):
    /// the file --base names, or --head's when there is no --base. A PR job
    /// needs no stored baseline: `--base-ref origin/main --head Cargo.lock`.
    #[arg(long, value_name = "REV")]
    pub base_ref: Option<String>,
    /// Leave out the packages a lockfile says only development needs (dev
    /// dependencies and what only they pull in), as SBOM generators do.
    #[arg(long)]
    pub no_dev: bool,
    /// OSV data: directories of advisory JSON files and/or `all.zip` exports (repeatable).
    #[arg(long = "osv-db", value_name = "PATH")]
    pub osv_db: Vec<PathBuf>,
    /// Exit 1 when a *new* vulnerability is at least this severe: critical
    /// (CVSS ≥ 9.0), high (≥ 7.0), medium (≥ 4.0), low (> 0), any, or none.
    #[arg(long, default_value = "high", value_parser = named::<FailOn>(&FailOn::NAMES))]
    pub fail_on: FailOn,
    /// How advisories without a usable score count for --fail-on.
    #[arg(long, default_value = "medium", value_parser = named::<FailOn>(&FailOn::NAMES))]
    pub unknown_as: FailOn,
    /// Write a bump-PR title and markdown body here (needs --osv-db).
    #[arg(long, value_name = "FILE")]
    pub pr_body: Option<PathBuf>,
    /// Also write SARIF 2.1.0 here (needs --osv-db), whatever --format is.
    #[arg(long, value_name = "FILE")]
    pub sarif_out: Option<PathBuf>,
    /// Record the head's vulnerabilities in the state: first-seen and
    /// resolved times per (package, advisory group), for `sbom-diff stats`.
    #[arg(long)]
    pub record: bool,
    /// What the record is about (a repository, an image); episodes in one
    /// scope are resolved only by records of the same scope.
    #[arg(long, value_name = "NAME", default_value = "default")]
    pub scope: String,
    /// When the head SBOM was current, for --record (RFC 3339, e.g.
    /// 2026-05-01T12:00:00Z; default: now). Lets you backfill from history.
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
}

/// `maestro sbom-diff` subcommands.
#[derive(Debug, Subcommand)]
pub enum SbomDiffCommand {
    /// Median time to remediate by severity, from `--record` runs.
    Stats {
        /// Only this scope (default: all).
        #[arg(long, value_name = "NAME")]
        scope: Option<String>,
        /// Also list every episode.
        #[arg(long)]
        all: bool,
    },
}

/// Prints the drift between two SBOMs, or (`stats`) time-to-remediate.
pub fn exec(ctx: &Ctx, a: SbomDiffArgs) -> Result<i32> {
    if let Some(SbomDiffCommand::Stats { scope, all }) = &a.command {
        return stats(ctx, scope.as_deref(), *all);
    }
    let (Some(base_path), Some(head_path)) = (a.base.as_ref().or(a.head.as_ref()), &a.head) else {
        return Err(input(
            "sbom-diff: give --base OLD (or --base-ref REV) and --head NEW",
        ));
    };
    let format = ctx.out.format;
    if a.osv_db.is_empty() {
        let needs = [
            (a.pr_body.is_some(), "--pr-body"),
            (a.sarif_out.is_some(), "--sarif-out"),
            (format == Format::Sarif, "--format sarif"),
            (a.record, "--record"),
        ];
        if let Some((_, what)) = needs.iter().find(|(given, _)| *given) {
            return Err(input(format!("{what} needs --osv-db")));
        }
    }
    let recorded_at = match &a.at {
        Some(t) => Some(parse_time(t)?),
        None => None,
    };
    let head_file = ctx.cwd.join(head_path);
    let dev = !a.no_dev;
    let base = match &a.base_ref {
        Some(rev) => {
            let (tmp, copy) = crate::git::files_at(rev, &ctx.cwd.join(base_path))?;
            // Errors name the file as it was at REV, not the temporary copy.
            let at = format!("{}@{rev}", base_path.display());
            let tmp_dir = tmp.path().display().to_string();
            let mut s = sbom::load(&copy, dev).map_err(|e| {
                let msg = e.to_string().replace(&copy.display().to_string(), &at);
                input(msg.replace(&tmp_dir, &at))
            })?;
            s.source = format!("{}@{rev}", base_path.display());
            s
        }
        None => sbom::load(&ctx.cwd.join(base_path), dev)?,
    };
    // The head's text is kept: SARIF results point at its lines.
    let head_text = sbom::read(&head_file)?;
    let head = if crate::lockfile::is_lockfile(&head_file) {
        sbom::load(&head_file, dev)?
    } else {
        sbom::parse(&head_text, &head_file.display().to_string())?
    };
    for n in base.notes.iter().chain(&head.notes) {
        ctx.out.note(&format!("note: {n}"));
    }
    let mut sarif_doc = None;
    let mut recorded = None;
    let mut found_vulns = None;
    if !a.osv_db.is_empty() {
        let db = load_db(ctx, &a.osv_db)?;
        let found = vulns::scan(&head, &db);
        let fixes = vulns::remediate(&found, &db);
        if let Some(path) = &a.pr_body {
            let text = match prbody::render(&fixes, &found, &db) {
                Some((title, body)) => {
                    ctx.out.outputs(&[("pr_title", title)])?;
                    body
                }
                None => "No upgrade clears the known advisories of the head SBOM.\n".to_string(),
            };
            ctx.out.write_file(&ctx.cwd, path, text)?;
        }
        if a.record {
            let now = recorded_at.unwrap_or_else(|| Clock::now().now_ms);
            recorded = Some(ctx.write_state(|st| track::record(st, &a.scope, &found, now))?);
        }
        let diff = vulns::diff(&vulns::scan(&base, &db), &found);
        if a.sarif_out.is_some() || format == Format::Sarif {
            let doc = sarif::log(&diff, &db, &head_path.to_string_lossy(), &head_text);
            let doc = serde_json::to_string_pretty(&doc)?;
            if let Some(p) = &a.sarif_out {
                ctx.out.write_file(&ctx.cwd, p, &doc)?;
            }
            sarif_doc = Some(doc);
        }
        found_vulns = Some(Vulns {
            diff,
            remediation: fixes,
        });
    }
    let report = Report::build(&base, &head, found_vulns, a.fail_on, a.unknown_as, recorded);
    let md = render::markdown(&report);
    ctx.out.summary(&md)?;
    let new = report.vulnerabilities.as_ref().map_or(0, |v| v.new.len());
    ctx.out.outputs(&[
        ("new_vulnerabilities", new.to_string()),
        ("failing", report.failing.to_string()),
    ])?;
    match format {
        Format::Sarif => ctx.out.print(sarif_doc.as_deref().unwrap_or_default())?,
        _ => ctx.out.result(&report, &render::text(&report), Some(&md))?,
    }
    Ok(if report.failing > 0 {
        EXIT_GATE
    } else {
        EXIT_OK
    })
}

/// The OSV databases, with their warnings (the first 20) on stderr.
pub(super) fn load_db(ctx: &Ctx, paths: &[PathBuf]) -> Result<Db> {
    let paths: Vec<_> = paths.iter().map(|p| ctx.cwd.join(p)).collect();
    let db = Db::load(&paths)?;
    for w in db.warnings.iter().take(20) {
        ctx.out.warn(w);
    }
    if db.warnings.len() > 20 {
        ctx.out.warn(&format!(
            "… and {} more advisory warnings",
            db.warnings.len() - 20
        ));
    }
    if db.advisories.is_empty() {
        return Err(input("--osv-db: no usable advisories were loaded"));
    }
    ctx.out
        .debug(&format!("osv: {} advisories", db.advisories.len()));
    Ok(db)
}

/// `--at`: RFC 3339 to Unix milliseconds.
fn parse_time(t: &str) -> Result<i64> {
    Ok(humantime::parse_rfc3339_weak(t)
        .map_err(|e| input(format!("--at {t}: {e} (want e.g. 2026-05-01T12:00:00Z)")))?
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| input(format!("--at {t}: before 1970")))?
        .as_millis() as i64)
}

/// `sbom-diff stats`.
fn stats(ctx: &Ctx, scope: Option<&str>, all: bool) -> Result<i32> {
    let (eps, any) =
        ctx.read_state(|st| Ok((track::episodes(st.conn(), scope)?, track::any(st.conn())?)))?;
    let now = Clock::now().now_ms;
    let by_severity = track::summarise(&eps, now);
    let text = render::ttr_text(&by_severity, any, all.then_some(&eps[..]), now);
    let md = render::ttr_markdown(&by_severity, &text);
    ctx.out.summary(&md)?;
    let v = serde_json::json!({
        "scope": scope,
        "by_severity": by_severity,
        "episodes": if all { serde_json::to_value(&eps)? } else { serde_json::Value::Null },
    });
    ctx.out.result(&v, &text, Some(&md))?;
    Ok(EXIT_OK)
}
