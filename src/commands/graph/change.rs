//! `graph impact`: the change, its impact, and the impact as text and
//! markdown.

use super::*;
use crate::graph::impact;

/// The changed files and the change's own commits, for `graph impact`.
fn change_of(ctx: &Ctx, a: &ImpactArgs, g: &GraphData) -> Result<(Vec<String>, Vec<String>)> {
    let repo = || ctx.cwd.join(a.repo.as_deref().unwrap_or(Path::new(".")));
    if let Some(range) = &a.range {
        let (base, head) = range
            .split_once("..")
            .filter(|(b, h)| !b.is_empty() && !h.is_empty() && !h.starts_with('.'))
            .ok_or_else(|| input(format!("--range {}: want A..B", one_line(range))))?;
        let files = crate::git::changed_paths(&repo(), base, head, true)?;
        let own = crate::git::rev_list(&repo(), range)?;
        return Ok((files, own));
    }
    if let Some(n) = a.pr {
        let n = n as i64;
        let own: Vec<String> = g
            .commits
            .iter()
            .filter(|c| c.pr == Some(n))
            .map(|c| c.sha.clone())
            .collect();
        let mut files: Vec<String> = g
            .touches
            .iter()
            .filter(|t| own.binary_search(&t.sha).is_ok())
            .map(|t| t.path.clone())
            .collect();
        if files.is_empty() {
            let Some(p) = g.prs.iter().find(|p| p.number == n) else {
                return Err(input(format!(
                    "pull request #{n} is not in the graph: ingest the history that landed it (graph ingest git) or its event (graph ingest pr)"
                )));
            };
            files = crate::git::changed_paths(&repo(), &p.base_sha, &p.head_sha, true)?;
        }
        files.sort();
        files.dedup();
        return Ok((files, own));
    }
    Ok((a.files.clone(), Vec::new()))
}

pub(super) fn impact(ctx: &Ctx, a: ImpactArgs) -> Result<i32> {
    if !(0.0..=1.0).contains(&a.min_confidence) {
        return Err(input(format!(
            "--min-confidence {}: want a share from 0 to 1",
            a.min_confidence
        )));
    }
    let g = load(ctx, &a.list.target)?;
    let (files, own) = change_of(ctx, &a, &g)?;
    let o = impact::Options {
        min_support: a.min_support.max(1),
        min_confidence: a.min_confidence,
        max_changeset: a.max_changeset_size,
        top: a.list.top,
        exclude: own.into_iter().collect(),
        include_all: a.list.include_all,
    };
    let r = impact::impact(&g, &files, &o)?;
    ctx.out
        .result(&r, &impact_text(&r), Some(&impact_markdown(&r)))?;
    Ok(EXIT_OK)
}

fn impact_text(r: &impact::Impact) -> String {
    let mut s = format!("{} changed file{}\n", r.files.len(), plural(r.files.len()));
    let mut section = |title: &str, lines: Vec<String>| {
        if !lines.is_empty() {
            s.push_str(&format!("\n{title}\n"));
            for l in lines {
                s.push_str(&format!("  {}\n", one_line(&l)));
            }
        }
    };
    section(
        "Files that changed with these before:",
        r.co_changes
            .iter()
            .map(|c| format!("{}: {}", c.file, c.reason))
            .collect(),
    );
    section(
        "Packages depending on what this touches:",
        r.dependents
            .iter()
            .map(|d| format!("{}: {}", d.package, d.reason))
            .collect(),
    );
    section(
        "Owners to ask:",
        r.owners
            .iter()
            .map(|o| format!("{}: {}", o.owner, o.reason))
            .collect(),
    );
    if !r.unowned.is_empty() {
        section("No CODEOWNERS rule gives an owner to:", r.unowned.clone());
    }
    section(
        "Tests that failed on earlier changes to these files:",
        r.tests
            .iter()
            .map(|t| format!("{} {}: {}", t.suite, t.name, t.reason))
            .collect(),
    );
    section(
        "Incidents caused by earlier changes to these files:",
        r.incidents.iter().map(|i| i.reason.clone()).collect(),
    );
    if r.co_changes.is_empty()
        && r.dependents.is_empty()
        && r.owners.is_empty()
        && r.tests.is_empty()
        && r.incidents.is_empty()
    {
        s.push_str("\nThe graph knows nothing these files affect.\n");
    }
    s.trim_end().to_string()
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn impact_markdown(r: &impact::Impact) -> String {
    let code = |s: &str| format!("`{}`", s.replace('`', "'"));
    let mut s = format!(
        "#### Impact of {} changed file{}\n",
        r.files.len(),
        plural(r.files.len())
    );
    if !r.co_changes.is_empty() {
        let rows: Vec<Vec<String>> = r
            .co_changes
            .iter()
            .map(|c| {
                vec![
                    code(&c.file),
                    code(&c.with),
                    format!("{} / {}", c.support, c.revisions),
                    format!("{:.0} %", c.confidence * 100.0),
                ]
            })
            .collect();
        s.push_str("\n**Files that usually change with these**\n\n");
        s.push_str(&table(
            &["file", "changed with", "commits", "confidence"],
            &rows,
        ));
    }
    if !r.dependents.is_empty() {
        let rows: Vec<Vec<String>> = r
            .dependents
            .iter()
            .map(|d| vec![code(&d.package), d.depth.to_string(), d.path.join(" → ")])
            .collect();
        s.push_str("\n**Packages depending on what this touches**\n\n");
        s.push_str(&table(&["package", "depth", "path"], &rows));
    }
    if !r.owners.is_empty() {
        let rows: Vec<Vec<String>> = r
            .owners
            .iter()
            .map(|o| vec![code(&o.owner), o.files.len().to_string()])
            .collect();
        s.push_str("\n**Owners**\n\n");
        s.push_str(&table(&["owner", "files"], &rows));
    }
    if !r.tests.is_empty() {
        let rows: Vec<Vec<String>> = r
            .tests
            .iter()
            .map(|t| {
                vec![
                    code(&format!("{} {}", t.suite, t.name)),
                    t.failed.to_string(),
                    t.flaky.to_string(),
                    t.message.clone().unwrap_or_default(),
                ]
            })
            .collect();
        s.push_str("\n**Tests that failed on earlier changes to these files**\n\n");
        s.push_str(&table(
            &["test", "failed runs", "flaky runs", "last message"],
            &rows,
        ));
    }
    if !r.incidents.is_empty() {
        let rows: Vec<Vec<String>> = r
            .incidents
            .iter()
            .map(|i| {
                vec![
                    code(&i.id),
                    i.severity.clone(),
                    i.title.clone(),
                    i.cause.clone(),
                ]
            })
            .collect();
        s.push_str("\n**Incidents caused by earlier changes to these files**\n\n");
        s.push_str(&table(
            &["incident", "severity", "title", "caused by"],
            &rows,
        ));
    }
    s
}
