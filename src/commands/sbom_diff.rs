//! `maestro sbom-diff`.

use super::Ctx;
use crate::cli::SbomDiffArgs;
use crate::error::Result;
use crate::output::markdown::{cell, text_table};
use crate::sbom::{self, diff, Component};
use serde::Serialize;

/// The JSON document.
#[derive(Serialize)]
struct Report<'a> {
    base: Side<'a>,
    head: Side<'a>,
    components: diff::Drift,
    /// Head components that cannot be scanned for vulnerabilities, and why.
    unscannable: Vec<&'a Component>,
    notes: Vec<&'a String>,
}

#[derive(Serialize)]
struct Side<'a> {
    source: &'a str,
    format: &'a str,
    spec_version: &'a str,
    components: usize,
}

/// Prints the drift between two SBOMs.
pub fn exec(ctx: &Ctx, a: SbomDiffArgs) -> Result<i32> {
    let base = sbom::load(&ctx.cwd.join(&a.base))?;
    let head = sbom::load(&ctx.cwd.join(&a.head))?;
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
    let report = Report {
        base: side(&base),
        head: side(&head),
        components: diff::drift(&base, &head),
        unscannable: head
            .components
            .iter()
            .filter(|c| c.unscannable.is_some())
            .collect(),
        notes: base.notes.iter().chain(&head.notes).collect(),
    };
    let md = markdown(&report);
    ctx.out.summary(&md)?;
    let text = text(&report);
    if a.markdown {
        ctx.out.result(&report, &md, Some(&md))?;
    } else {
        ctx.out.result(&report, &text, Some(&md))?;
    }
    Ok(0)
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
    format!(
        "{} -> {} components: {} added, {} removed, {} changed; {} unscannable in head",
        r.base.components,
        r.head.components,
        r.components.added.len(),
        r.components.removed.len(),
        r.components.changed.len(),
        r.unscannable.len()
    )
}

fn text(r: &Report) -> String {
    let mut out = text_table(&HEADER, &rows(r));
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
