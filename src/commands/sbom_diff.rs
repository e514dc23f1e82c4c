//! `maestro sbom-diff`.

use super::Ctx;
use crate::cli::{FailOn, SbomDiffArgs, SbomDiffCommand, SbomFormat};
use crate::error::{input, Result, EXIT_GATE, EXIT_OK};
use crate::output::markdown::{cell, text_table};
use crate::sbom::cvss::Level;
use crate::sbom::osv::Db;
use crate::sbom::vulns::{self, Finding};
use crate::sbom::{self, diff, track, Component};
use serde::Serialize;

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
    let format = match (a.format, a.markdown, ctx.out.format) {
        (Some(f), _, _) => f,
        (None, true, _) => SbomFormat::Markdown,
        (None, false, crate::output::Format::Json) => SbomFormat::Json,
        (None, false, crate::output::Format::Markdown) => SbomFormat::Markdown,
        _ => SbomFormat::Text,
    };
    if a.osv_db.is_empty() {
        let needs = [
            (a.pr_body.is_some(), "--pr-body"),
            (a.sarif_out.is_some(), "--sarif-out"),
            (format == SbomFormat::Sarif, "--format sarif"),
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
        if a.sarif_out.is_some() || format == SbomFormat::Sarif {
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
            .filter(|f| fails(f, a.fail_on, a.unknown_as))
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
        SbomFormat::Json => ctx.out.print(&serde_json::to_string_pretty(&report)?)?,
        SbomFormat::Markdown => ctx.out.print(&md)?,
        SbomFormat::Sarif => ctx.out.print(sarif_doc.as_deref().unwrap_or_default())?,
        SbomFormat::Text => ctx.out.print(&text(&report))?,
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

/// Whether a new finding fails the gate.
fn fails(f: &Finding, fail_on: FailOn, unknown_as: FailOn) -> bool {
    let rank = |t: FailOn| match t {
        FailOn::Critical => 0,
        FailOn::High => 1,
        FailOn::Medium => 2,
        FailOn::Low => 3,
        FailOn::Any => 4,
        FailOn::None => 5,
    };
    if fail_on == FailOn::None {
        return false;
    }
    let level = match f.severity {
        Level::Critical => 0,
        Level::High => 1,
        Level::Medium => 2,
        Level::Low | Level::None => 3,
        Level::Unknown => rank(unknown_as),
    };
    level <= rank(fail_on)
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
