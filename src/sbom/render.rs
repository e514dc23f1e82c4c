//! sbom-diff's report and time-to-remediate statistics as text and markdown.
//! (SARIF is [`super::sarif`].)

use super::report::Report;
use super::track::{self, Episode, SeverityStats};
use super::vulns::{Finding, Remediation};
use crate::output::markdown::{table, text_table};
use crate::output::safe::one_line;

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

/// The drift report for people.
pub fn text(r: &Report) -> String {
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
            one_line(&c.name),
            one_line(c.version.as_deref().unwrap_or("(no version)")),
            one_line(c.unscannable.as_deref().unwrap_or(""))
        ));
    }
    out.push_str(&summary_line(r));
    out
}

fn remediation_line(m: &Remediation) -> String {
    let line = remediation_words(m);
    one_line(&line).into_owned()
}

fn remediation_words(m: &Remediation) -> String {
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

/// The drift report for a PR comment or step summary.
pub fn markdown(r: &Report) -> String {
    let mut md = format!("### SBOM drift\n\n{}\n\n", summary_line(r));
    let rows = rows(r);
    if !rows.is_empty() {
        md.push_str(&table(&HEADER, &rows));
    }
    let vr = vuln_rows(r);
    if !vr.is_empty() {
        md.push('\n');
        md.push_str(&table(&VULN_HEADER, &vr));
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

const TTR_HEADER: [&str; 6] = [
    "SEVERITY",
    "RESOLVED",
    "MEDIAN TTR",
    "P90 TTR",
    "OPEN",
    "OLDEST OPEN",
];

fn ttr_rows(by_severity: &[SeverityStats]) -> Vec<Vec<String>> {
    let fmt = |h: Option<f64>| h.map_or("-".to_string(), human_hours);
    by_severity
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
        .collect()
}

/// `sbom-diff stats` for people: the table by severity (or why there is
/// none: `recorded` says whether anything was recorded at all), then with
/// `episodes` one line each, as of `now_ms`.
pub fn ttr_text(
    by_severity: &[SeverityStats],
    recorded: bool,
    episodes: Option<&[Episode]>,
    now_ms: i64,
) -> String {
    let rows = ttr_rows(by_severity);
    let mut text = if rows.is_empty() {
        if recorded {
            "no episodes in this scope\n".to_string()
        } else {
            "nothing recorded yet: run `maestro sbom-diff --osv-db … --record`\n".to_string()
        }
    } else {
        text_table(&TTR_HEADER, &rows)
    };
    for e in episodes.unwrap_or_default() {
        text.push_str(&format!(
            "{} {} {} {} {}: {}\n",
            one_line(&e.scope),
            one_line(&e.ecosystem),
            one_line(&e.package),
            one_line(&e.id),
            e.severity,
            match e.resolved_ms {
                Some(r) => format!(
                    "resolved after {}",
                    human_hours(track::hours(r - e.first_seen_ms))
                ),
                None => format!(
                    "open for {}",
                    human_hours(track::hours(now_ms - e.first_seen_ms))
                ),
            }
        ));
    }
    text
}

/// `sbom-diff stats` as markdown: the table, else the text.
pub fn ttr_markdown(by_severity: &[SeverityStats], text: &str) -> String {
    let rows = ttr_rows(by_severity);
    let mut md = String::from("### Time to remediate\n\n");
    if rows.is_empty() {
        md.push_str(text);
    } else {
        md.push_str(&table(&TTR_HEADER, &rows));
    }
    md
}

/// Hours as `36.0 h` below three days, else `4.5 d`.
pub fn human_hours(h: f64) -> String {
    if h < 72.0 {
        format!("{h:.1} h")
    } else {
        format!("{:.1} d", h / 24.0)
    }
}
