//! The bump-PR title and markdown body for the proposed upgrades: per
//! package, the advisories it clears (id, aliases, severity, summary), the
//! version change, links from the advisories, and a risk note.

use super::osv::Db;
use super::vulns::{Finding, Remediation};
use crate::output::markdown::cell;
use crate::output::safe::one_line;
use std::collections::BTreeSet;

// Package names and versions come from lockfiles and SBOMs, advisory fields
// from the OSV data: each is kept on its line (one_line) or in its table
// cell (cell), so that none can add headings, rows or lines of its own.

/// (title, body), or `None` when nothing can be upgraded.
pub fn render(
    remediation: &[Remediation],
    findings: &[Finding],
    db: &Db,
) -> Option<(String, String)> {
    let fixable: Vec<&Remediation> = remediation.iter().filter(|r| r.to.is_some()).collect();
    if fixable.is_empty() {
        return None;
    }
    let cleared: usize = fixable.iter().map(|r| r.clears.len()).sum();
    let title = match fixable.as_slice() {
        [one] => format!(
            "Bump {} from {} to {} ({} advisor{})",
            one_line(&one.package),
            one_line(&one.from),
            one_line(one.to.as_deref().unwrap_or("")),
            one.clears.len(),
            if one.clears.len() == 1 { "y" } else { "ies" }
        ),
        many => format!("Bump {} packages to clear {cleared} advisories", many.len()),
    };
    let mut body = format!("{title}\n\n");
    for r in &fixable {
        let to = one_line(r.to.as_deref().unwrap_or(""));
        body.push_str(&format!(
            "### {} ({}) {} → {to}\n\n",
            one_line(&r.package),
            one_line(&r.ecosystem),
            one_line(&r.from)
        ));
        body.push_str("| Advisory | Aliases | Severity | Summary |\n|---|---|---|---|\n");
        let mut links = BTreeSet::new();
        for id in &r.clears {
            let f = findings
                .iter()
                .find(|f| &f.id == id && f.package == r.package);
            let sev = f.map_or("UNKNOWN".to_string(), |f| match f.score {
                Some(s) => format!("{:?} ({s:.1})", f.severity).to_uppercase(),
                None => format!("{:?}", f.severity).to_uppercase(),
            });
            let adv = db.advisories.iter().find(|a| &a.id == id);
            let aliases = adv.map(|a| a.aliases.join(", ")).unwrap_or_default();
            let summary = adv.map(|a| a.summary.as_str()).unwrap_or_default();
            body.push_str(&format!(
                "| {} | {} | {sev} | {} |\n",
                cell(id),
                cell(&aliases),
                cell(summary)
            ));
            for refr in adv.into_iter().flat_map(|a| a.references.iter()) {
                if matches!(
                    refr.kind.as_str(),
                    "ADVISORY" | "FIX" | "WEB" | "PACKAGE" | "ARTICLE"
                ) {
                    links.insert(one_line(&refr.url).into_owned());
                }
            }
        }
        if !links.is_empty() {
            body.push_str("\nReferences and changelogs:\n\n");
            for l in links.iter().take(15) {
                body.push_str(&format!("- {l}\n"));
            }
        }
        let risk = match r.bump.as_deref() {
            Some("major") => "a **major** bump (for 0.x versions, a minor bump is breaking): expect API changes; review the changelog and run the full test suite",
            Some("minor") => "a minor bump: new features, compatible API expected",
            _ => "a patch bump: fixes only",
        };
        body.push_str(&format!(
            "\n**Risk:** {risk}. It clears {} advisor{} ({}); no other known advisory of {} affects {to}.\n\n",
            r.clears.len(),
            if r.clears.len() == 1 { "y" } else { "ies" },
            one_line(&r.clears.join(", ")),
            one_line(&r.package)
        ));
    }
    let open: Vec<&Remediation> = remediation.iter().filter(|r| r.to.is_none()).collect();
    if !open.is_empty() {
        body.push_str("### Still open\n\nNo released version clears these; consider replacing the package:\n\n");
        for r in open {
            body.push_str(&format!(
                "- {} {}: {}\n",
                one_line(&r.package),
                one_line(&r.from),
                one_line(&r.clears.join(", "))
            ));
        }
    }
    Some((title, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_and_advisory_fields_stay_on_their_line_and_in_their_cell() {
        let dir = tempfile::tempdir().unwrap();
        let adv = serde_json::json!({
            "id": "GHSA-x|y", "modified": "2026-01-01T00:00:00Z",
            "summary": "bad | worse\n## Injected heading",
            "aliases": ["CVE-1\n- injected item"],
            "affected": [{"package": {"ecosystem": "npm", "name": "evil\n## Owned"},
                          "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.0.1"}]}]}],
            "references": [{"type": "WEB", "url": "https://x.example.invalid/a\n# b"}]
        });
        std::fs::write(dir.path().join("a.json"), adv.to_string()).unwrap();
        let db = Db::load(&[dir.path()]).unwrap();
        let r = Remediation {
            package: "evil\n## Owned".into(),
            ecosystem: "npm".into(),
            from: "1.0.0\n::error::x".into(),
            to: Some("1.0.1".into()),
            clears: vec!["GHSA-x|y".into()],
            bump: Some("patch".into()),
        };
        let (title, body) = render(&[r], &[], &db).unwrap();
        assert!(!title.contains('\n'), "{title}");
        for line in body.lines() {
            assert!(
                !line.starts_with("## ") && !line.starts_with("# ") && !line.starts_with("::"),
                "{line:?} in\n{body}"
            );
            assert!(!line.starts_with("- injected"), "{body}");
        }
        let row = body.lines().find(|l| l.starts_with("| GHSA")).unwrap();
        // Four cells: the pipes inside them are escaped.
        assert_eq!(row.matches(" | ").count(), 3, "{row}");
        assert!(
            row.contains("GHSA-x\\|y") && row.contains("bad \\| worse ## Injected heading"),
            "{row}"
        );
    }
}
