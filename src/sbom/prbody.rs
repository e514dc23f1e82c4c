//! The bump-PR title and markdown body for the proposed upgrades: per
//! package, the advisories it clears (id, aliases, severity, summary), the
//! version change, links from the advisories, and a risk note.

use super::osv::Db;
use super::vulns::{Finding, Remediation};
use std::collections::BTreeSet;

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
            one.package,
            one.from,
            one.to.as_deref().unwrap_or(""),
            one.clears.len(),
            if one.clears.len() == 1 { "y" } else { "ies" }
        ),
        many => format!("Bump {} packages to clear {cleared} advisories", many.len()),
    };
    let mut body = format!("{title}\n\n");
    for r in &fixable {
        let to = r.to.as_deref().unwrap_or("");
        body.push_str(&format!(
            "### {} ({}) {} → {to}\n\n",
            r.package, r.ecosystem, r.from
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
            let summary = adv
                .map(|a| a.summary.replace('|', "\\|"))
                .unwrap_or_default();
            body.push_str(&format!("| {id} | {aliases} | {sev} | {summary} |\n"));
            for refr in adv.into_iter().flat_map(|a| a.references.iter()) {
                if matches!(
                    refr.kind.as_str(),
                    "ADVISORY" | "FIX" | "WEB" | "PACKAGE" | "ARTICLE"
                ) {
                    links.insert(refr.url.clone());
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
            r.clears.join(", "),
            r.package
        ));
    }
    let open: Vec<&Remediation> = remediation.iter().filter(|r| r.to.is_none()).collect();
    if !open.is_empty() {
        body.push_str("### Still open\n\nNo released version clears these; consider replacing the package:\n\n");
        for r in open {
            body.push_str(&format!(
                "- {} {}: {}\n",
                r.package,
                r.from,
                r.clears.join(", ")
            ));
        }
    }
    Some((title, body))
}
