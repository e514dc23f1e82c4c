//! `maestro sbom-diff`.

use super::args::named;
use super::Ctx;
use crate::error::{input, Result, EXIT_GATE, EXIT_OK};
use crate::output::markdown::{cell, text_table};
use crate::output::Format;
use crate::sbom::gate::{self, FailOn};
use crate::sbom::osv::Db;
use crate::sbom::vulns::{self, Finding};
use crate::sbom::{self, diff, track, Component};
use clap::{Args, Subcommand};
use serde::Serialize;
use std::path::PathBuf;

/// `maestro sbom-diff`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SbomDiffArgs {
    /// `stats`: median time to remediate from recorded runs.
    #[command(subcommand)]
    pub command: Option<SbomDiffCommand>,
    /// The baseline SBOM (CycloneDX JSON/XML, SPDX 2.x JSON or tag-value).
    #[arg(long, value_name = "OLD", required = true)]
    pub base: Option<PathBuf>,
    /// The new SBOM.
    #[arg(long, value_name = "NEW", required = true)]
    pub head: Option<PathBuf>,
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

/// The JSON document.
#[derive(Serialize)]
struct Report<'a> {
    base: Side<'a>,
    head: Side<'a>,
    components: diff::Drift,
    /// Present when `--osv-db` was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    vulnerabilities: Option<vulns::VulnDiff>,
    /// New vulnerabilities at or above --fail-on.
    failing: usize,
    /// Minimal upgrades that clear every advisory of each vulnerable head package.
    #[serde(skip_serializing_if = "Option::is_none")]
    remediation: Option<Vec<vulns::Remediation>>,
    /// Head components that cannot be scanned for vulnerabilities, and why.
    unscannable: Vec<&'a Component>,
    notes: Vec<&'a String>,
    /// What `--record` changed in the state.
    #[serde(skip_serializing_if = "Option::is_none")]
    recorded: Option<track::Recorded>,
}

#[derive(Serialize)]
struct Side<'a> {
    source: &'a str,
    format: &'a str,
    spec_version: &'a str,
    components: usize,
}

/// Prints the drift between two SBOMs, or (`stats`) time-to-remediate.
pub fn exec(ctx: &Ctx, a: SbomDiffArgs) -> Result<i32> {
    if let Some(SbomDiffCommand::Stats { scope, all }) = &a.command {
        return stats(ctx, scope.as_deref(), *all);
    }
    let (Some(base_path), Some(head_path)) = (&a.base, &a.head) else {
        return Err(input("sbom-diff: give --base OLD and --head NEW"));
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
    let head_file = ctx.cwd.join(head_path);
    let base = sbom::load(&ctx.cwd.join(base_path))?;
    // The head's text is kept: SARIF results point at its lines.
    let head_text = sbom::read(&head_file)?;
    let head = sbom::parse(&head_text, &head_file.display().to_string())?;
    for n in base.notes.iter().chain(&head.notes) {
        ctx.out.note(&format!("note: {n}"));
    }
    fn side(s: &sbom::Sbom) -> Side<'_> {
        Side {
            source: &s.source,
            format: &s.format,
            spec_version: &s.spec_version,
            components: s.components.len(),
        }
    }
    let mut sarif_doc = None;
    let mut recorded = None;
    let vulnerabilities = if a.osv_db.is_empty() {
        None
    } else {
        let paths: Vec<_> = a.osv_db.iter().map(|p| ctx.cwd.join(p)).collect();
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
        let found = vulns::scan(&head, &db);
        let fixes = vulns::remediate(&found, &db);
        if let Some(path) = &a.pr_body {
            let text = match crate::sbom::prbody::render(&fixes, &found, &db) {
                Some((title, body)) => {
                    ctx.out.outputs(&[("pr_title", title)])?;
                    body
                }
                None => "No upgrade clears the known advisories of the head SBOM.\n".to_string(),
            };
            std::fs::write(ctx.cwd.join(path), text)
                .map_err(|e| input(format!("{}: {e}", path.display())))?;
        }
        if a.record {
            let now = match &a.at {
                Some(t) => humantime::parse_rfc3339_weak(t)
                    .map_err(|e| input(format!("--at {t}: {e} (want e.g. 2026-05-01T12:00:00Z)")))?
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_err(|_| input(format!("--at {t}: before 1970")))?
                    .as_millis() as i64,
                None => crate::clock::Clock::now().now_ms,
            };
            recorded = Some(ctx.write_state(|st| track::record(st, &a.scope, &found, now))?);
        }
        let v = vulns::diff(&vulns::scan(&base, &db), &found);
        if a.sarif_out.is_some() || format == Format::Sarif {
            let doc = crate::sbom::sarif::log(&v, &db, &head_path.to_string_lossy(), &head_text);
            let doc = serde_json::to_string_pretty(&doc)?;
            if let Some(p) = &a.sarif_out {
                std::fs::write(ctx.cwd.join(p), &doc)
                    .map_err(|e| input(format!("{}: {e}", p.display())))?;
            }
            sarif_doc = Some(doc);
        }
        Some((v, fixes))
    };
    let (vulnerabilities, remediation) = match vulnerabilities {
        Some((v, r)) => (Some(v), Some(r)),
        None => (None, None),
    };
    let failing = vulnerabilities.as_ref().map_or(0, |v| {
        v.new
            .iter()
            .filter(|f| gate::fails(f, a.fail_on, a.unknown_as))
            .count()
    });
    let report = Report {
        base: side(&base),
        head: side(&head),
        components: diff::drift(&base, &head),
        vulnerabilities,
        failing,
        remediation,
        unscannable: head
            .components
            .iter()
            .filter(|c| c.unscannable.is_some())
            .collect(),
        notes: base.notes.iter().chain(&head.notes).collect(),
        recorded,
    };
    let md = markdown(&report);
    ctx.out.summary(&md)?;
    ctx.out.outputs(&[
        (
            "new_vulnerabilities",
            report
                .vulnerabilities
                .as_ref()
                .map_or(0, |v| v.new.len())
                .to_string(),
        ),
        ("failing", report.failing.to_string()),
    ])?;
    match format {
        Format::Json => ctx.out.print(&serde_json::to_string_pretty(&report)?)?,
        Format::Markdown => ctx.out.print(&md)?,
        Format::Sarif => ctx.out.print(sarif_doc.as_deref().unwrap_or_default())?,
        Format::Text => ctx.out.print(&text(&report))?,
    }
    Ok(if report.failing > 0 {
        EXIT_GATE
    } else {
        EXIT_OK
    })
}

/// `sbom-diff stats`.
fn stats(ctx: &Ctx, scope: Option<&str>, all: bool) -> Result<i32> {
    let (eps, any) =
        ctx.read_state(|st| Ok((track::episodes(st.conn(), scope)?, track::any(st.conn())?)))?;
    let now = crate::clock::Clock::now().now_ms;
    let by_severity = track::summarise(&eps, now);
    let fmt = |h: Option<f64>| h.map_or("-".to_string(), human_hours);
    let rows: Vec<Vec<String>> = by_severity
        .iter()
        .map(|s| {
            vec![
                s.severity.clone(),
                s.resolved.to_string(),
                fmt(s.median_hours),
                fmt(s.p90_hours),
                s.open.to_string(),
                fmt(s.oldest_open_hours),
            ]
        })
        .collect();
    let header = [
        "SEVERITY",
        "RESOLVED",
        "MEDIAN TTR",
        "P90 TTR",
        "OPEN",
        "OLDEST OPEN",
    ];
    let mut text = if rows.is_empty() {
        if any {
            "no episodes in this scope\n".to_string()
        } else {
            "nothing recorded yet: run `maestro sbom-diff --osv-db … --record`\n".to_string()
        }
    } else {
        text_table(&header, &rows)
    };
    if all {
        for e in &eps {
            text.push_str(&format!(
                "{} {} {} {} {}: {}\n",
                e.scope,
                e.ecosystem,
                e.package,
                e.id,
                e.severity,
                match e.resolved_ms {
                    Some(r) => format!(
                        "resolved after {}",
                        human_hours(track::hours(r - e.first_seen_ms))
                    ),
                    None => format!(
                        "open for {}",
                        human_hours(track::hours(now - e.first_seen_ms))
                    ),
                }
            ));
        }
    }
    let mut md = String::from("### Time to remediate\n\n");
    if !rows.is_empty() {
        md.push_str(&format!(
            "| {} |\n|{}\n",
            header.join(" | "),
            "---|".repeat(header.len())
        ));
        for r in &rows {
            md.push_str(&format!(
                "| {} |\n",
                r.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")
            ));
        }
    } else {
        md.push_str(&text);
    }
    ctx.out.summary(&md)?;
    let v = serde_json::json!({
        "scope": scope,
        "by_severity": by_severity,
        "episodes": if all { serde_json::to_value(&eps)? } else { serde_json::Value::Null },
    });
    ctx.out.result(&v, &text, Some(&md))?;
    Ok(EXIT_OK)
}

/// Hours as `36.0 h` below three days, else `4.5 d`.
fn human_hours(h: f64) -> String {
    if h < 72.0 {
        format!("{h:.1} h")
    } else {
        format!("{:.1} d", h / 24.0)
    }
}

fn vers(v: &[String]) -> String {
    if v.is_empty() {
        "-".into()
    } else {
        v.join(", ")
    }
}

fn rows(r: &Report) -> Vec<Vec<String>> {
    let eco = |e: &Option<String>| e.clone().unwrap_or_else(|| "-".into());
    let mut rows = Vec::new();
    for e in &r.components.added {
        rows.push(vec![
            "added".into(),
            e.package.clone(),
            eco(&e.ecosystem),
            "-".into(),
            vers(&e.versions),
        ]);
    }
    for e in &r.components.removed {
        rows.push(vec![
            "removed".into(),
            e.package.clone(),
            eco(&e.ecosystem),
            vers(&e.versions),
            "-".into(),
        ]);
    }
    for c in &r.components.changed {
        let what = if c.licenses_from.is_some() {
            "licence changed"
        } else {
            "changed"
        };
        let mut to = vers(&c.to);
        if let (Some(f), Some(t)) = (&c.licenses_from, &c.licenses_to) {
            to = format!("{to} (licence {} -> {})", vers(f), vers(t));
        }
        rows.push(vec![
            what.into(),
            c.package.clone(),
            eco(&c.ecosystem),
            vers(&c.from),
            to,
        ]);
    }
    rows
}

const HEADER: [&str; 5] = ["CHANGE", "PACKAGE", "ECOSYSTEM", "BASE", "HEAD"];

fn summary_line(r: &Report) -> String {
    let vulns = r.vulnerabilities.as_ref().map_or(String::new(), |v| {
        format!(
            "; vulnerabilities: {} new ({} failing), {} persisting, {} resolved",
            v.new.len(),
            r.failing,
            v.persisting.len(),
            v.resolved.len()
        )
    });
    format!(
        "{} -> {} components: {} added, {} removed, {} changed; {} unscannable in head{vulns}",
        r.base.components,
        r.head.components,
        r.components.added.len(),
        r.components.removed.len(),
        r.components.changed.len(),
        r.unscannable.len(),
    )
}

fn vuln_rows(r: &Report) -> Vec<Vec<String>> {
    let Some(v) = &r.vulnerabilities else {
        return Vec::new();
    };
    let row = |what: &str, f: &Finding| {
        vec![
            what.to_string(),
            format!("{:?}", f.severity).to_uppercase(),
            f.id.clone(),
            format!("{} {}", f.package, f.version),
            if f.fixed_in.is_empty() {
                "-".into()
            } else {
                f.fixed_in.join(", ")
            },
            f.summary.clone(),
        ]
    };
    v.new
        .iter()
        .map(|f| row("new", f))
        .chain(v.persisting.iter().map(|f| row("persisting", f)))
        .chain(v.resolved.iter().map(|f| row("resolved", f)))
        .collect()
}

const VULN_HEADER: [&str; 6] = [
    "STATUS", "SEVERITY", "ADVISORY", "PACKAGE", "FIXED IN", "SUMMARY",
];

fn text(r: &Report) -> String {
    let mut out = text_table(&HEADER, &rows(r));
    let vr = vuln_rows(r);
    if !vr.is_empty() {
        out.push_str(&text_table(&VULN_HEADER, &vr));
    }
    for m in r.remediation.iter().flatten() {
        out.push_str(&format!("upgrade: {}\n", remediation_line(m)));
    }
    for c in &r.unscannable {
        out.push_str(&format!(
            "unscannable: {} {}: {}\n",
            c.name,
            c.version.as_deref().unwrap_or("(no version)"),
            c.unscannable.as_deref().unwrap_or("")
        ));
    }
    out.push_str(&summary_line(r));
    out
}

fn remediation_line(m: &vulns::Remediation) -> String {
    match &m.to {
        Some(to) => format!(
            "{} {} -> {to} ({}), clears {}",
            m.package,
            m.from,
            m.bump.as_deref().unwrap_or("?"),
            m.clears.join(", ")
        ),
        None => format!(
            "{} {}: no released version clears {}",
            m.package,
            m.from,
            m.clears.join(", ")
        ),
    }
}

fn markdown(r: &Report) -> String {
    let mut md = format!("### SBOM drift\n\n{}\n\n", summary_line(r));
    let rows = rows(r);
    if !rows.is_empty() {
        md.push_str(&format!(
            "| {} |\n|{}\n",
            HEADER.join(" | "),
            "---|".repeat(HEADER.len())
        ));
        for row in rows {
            md.push_str(&format!(
                "| {} |\n",
                row.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")
            ));
        }
    }
    let vr = vuln_rows(r);
    if !vr.is_empty() {
        md.push_str(&format!(
            "\n| {} |\n|{}\n",
            VULN_HEADER.join(" | "),
            "---|".repeat(VULN_HEADER.len())
        ));
        for row in vr {
            md.push_str(&format!(
                "| {} |\n",
                row.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")
            ));
        }
    }
    let fixes: Vec<String> = r
        .remediation
        .iter()
        .flatten()
        .map(|m| format!("- {}\n", remediation_line(m)))
        .collect();
    if !fixes.is_empty() {
        md.push_str("\n**Upgrades that clear every known advisory of the package:**\n\n");
        md.push_str(&fixes.concat());
    }
    if !r.unscannable.is_empty() {
        md.push_str("\n<details><summary>Unscannable components (not checked for vulnerabilities)</summary>\n\n");
        for c in &r.unscannable {
            md.push_str(&format!(
                "- `{}` {}: {}\n",
                c.name,
                c.version.as_deref().unwrap_or("(no version)"),
                c.unscannable.as_deref().unwrap_or("")
            ));
        }
        md.push_str("\n</details>\n");
    }
    md
}
