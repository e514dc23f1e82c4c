//! A scan's findings and a baseline check as text and markdown. (SARIF is
//! [`super::sarif`].)

use super::baseline::Check;
use super::scan::Report;
use super::{Action, Finding};
use crate::output::markdown::cell;
use crate::output::safe::one_line;

fn finding_line(f: &Finding) -> String {
    format!(
        "{}:{}:{}: {} {} [{}] ({}): {}\n    {}\n",
        one_line(&f.path),
        f.line,
        f.column,
        if f.action == Action::Block {
            "BLOCK"
        } else {
            "warn"
        },
        f.rule,
        f.entity,
        &f.fingerprint[..f.fingerprint.len().min(12)],
        one_line(&f.reason),
        one_line(&f.snippet)
    )
}

fn summary_line(r: &Report, check: Option<&Check>, block: usize, warn: usize) -> String {
    format!(
        "{} files ({} bytes): {block} block, {warn} warn; {} allowed inline, {} baselined, {} below the confidence threshold, {} left out by file class, {} skipped",
        r.files,
        r.bytes,
        r.allowed,
        check.map_or(0, |c| c.suppressed),
        r.below_threshold,
        r.by_file_class,
        r.skipped.len()
    )
}

/// The scan for people: one finding per line with its snippet, skipped files,
/// baseline problems, and the summary line.
pub fn text(r: &Report, check: Option<&Check>, block: usize, warn: usize) -> String {
    let mut out: String = r.findings.iter().map(finding_line).collect();
    for s in &r.skipped {
        out.push_str(&format!(
            "skipped: {}: {}\n",
            one_line(&s.path),
            one_line(&s.reason)
        ));
    }
    if let Some(c) = check {
        out.push_str(&check_lines(c, "baseline: "));
    }
    out.push_str(&summary_line(r, check, block, warn));
    out
}

/// One line per expired or stale baseline entry.
pub fn check_lines(c: &Check, prefix: &str) -> String {
    let expired = c.expired.iter().map(|e| {
        format!(
            "{prefix}expired on {}: {} {} ({}; owner {})\n",
            one_line(&e.expires),
            one_line(&e.path),
            one_line(&e.rule),
            one_line(&e.reason),
            one_line(&e.owner)
        )
    });
    let stale = c.stale.iter().map(|e| {
        format!(
            "{prefix}stale (matches nothing): {} {} ({})\n",
            one_line(&e.path),
            one_line(&e.rule),
            one_line(&e.fingerprint)
        )
    });
    expired.chain(stale).collect()
}

/// The scan for a PR comment or step summary: the first 200 findings.
pub fn markdown(r: &Report, check: Option<&Check>, block: usize, warn: usize) -> String {
    let mut md = format!(
        "### PII scan\n\n{}\n\n",
        summary_line(r, check, block, warn)
    );
    if !r.findings.is_empty() {
        md.push_str("| action | rule | where | reason |\n|---|---|---|---|\n");
        for f in r.findings.iter().take(200) {
            md.push_str(&format!(
                "| {} | `{}` | `{}:{}` | {} |\n",
                if f.action == Action::Block {
                    "block"
                } else {
                    "warn"
                },
                f.rule,
                cell(&f.path),
                f.line,
                cell(&f.reason)
            ));
        }
        if r.findings.len() > 200 {
            md.push_str(&format!(
                "\n… and {} more (see the SARIF or `--json` output)\n",
                r.findings.len() - 200
            ));
        }
    }
    if !r.skipped.is_empty() {
        md.push_str("\n<details><summary>Skipped files</summary>\n\n");
        for s in r.skipped.iter().take(100) {
            md.push_str(&format!("- `{}`: {}\n", cell(&s.path), cell(&s.reason)));
        }
        md.push_str("\n</details>\n");
    }
    md
}
