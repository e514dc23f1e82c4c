//! `maestro pr-report`: one pull-request comment with what the other steps
//! found: the routing decision and its alternatives, eval and robustness,
//! cost and tokens, schema retries (from the state), and the risk score,
//! impact, SBOM drift, benchmark gate and PII scan (from the JSON those
//! commands wrote). Each section appears only when its data exists; long
//! lists go in `<details>`; the whole stays under GitHub's comment limit.

pub mod github;

use crate::error::Result;
use crate::output::markdown::table;
use rusqlite::Connection;
use serde_json::Value;

/// The hidden marker that finds the comment again.
pub const MARKER: &str = "<!-- maestro:pr-report -->";
/// GitHub refuses comments longer than this (characters).
pub const GITHUB_LIMIT: usize = 65_536;
/// Rows a list shows before the rest is counted.
const ROWS: usize = 10;

/// Text from an input file as a code span on one line (where HTML and
/// mentions are inert). `table` escapes the pipes of its cells.
pub fn code(s: &str) -> String {
    format!("`{}`", one_line(&s.replace('`', "'")))
}

/// Plain text from an input on one line: no HTML, no mention.
pub fn text(s: &str) -> String {
    one_line(s)
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('@', "@\u{200b}")
}

fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

/// One section: its full form, and a brief one used when the whole would
/// be too long.
pub struct Section {
    /// With every detail.
    pub full: String,
    /// Without the `<details>` lists.
    pub brief: String,
}

fn details(summary: &str, body: &str) -> String {
    format!("<details><summary>{summary}</summary>\n\n{body}\n</details>\n")
}

fn f3(v: &Value) -> String {
    v.as_f64().map_or("–".into(), |x| format!("{x:.3}"))
}

/// The routing section, from the state: the decision (by id, or the task's
/// latest), its outcome, its exec runs, and the arms' standing (`stats`'
/// lines: the chance each is best, means).
pub fn routing(
    conn: &Connection,
    decision: Option<&str>,
    task: Option<&str>,
    alternatives: &[crate::router::stats::ArmLine],
) -> Result<Option<Section>> {
    let Some(target) = crate::router::ReportTarget::from_flags(decision, task) else {
        return Ok(None);
    };
    let Some((id, task, arm)) = crate::router::report::resolve(conn, &target)? else {
        return Ok(None);
    };
    type Row = (
        bool,
        f64,
        i64,
        Option<f64>,
        Option<f64>,
        Option<f64>,
        Option<i64>,
        Option<i64>,
    );
    let (explored, propensity, at_ms, eval, robust, cost, tin, tout): Row = conn.query_row(
        "SELECT d.explored, d.propensity, d.at_ms, o.eval, o.eval_robust, o.cost_usd, o.tokens_in, o.tokens_out
         FROM decisions d LEFT JOIN outcomes o ON o.decision_id = d.id WHERE d.id = ?1",
        [&id],
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
            ))
        },
    )?;
    let mut s = format!(
        "**Agent**: arm {} for task {} ({}, propensity {:.2}; decision {})\n\n",
        code(&arm),
        code(&task),
        if explored {
            "exploring"
        } else {
            "the best bet"
        },
        propensity,
        code(&id)
    );
    let fmt = |x: Option<f64>, d: usize| x.map_or("–".to_string(), |v| format!("{v:.d$}"));
    let delta = match (eval, robust) {
        (Some(e), Some(r)) => format!("{:+.3}", r - e),
        _ => "–".into(),
    };
    let tokens = match (tin, tout) {
        (None, None) => "–".to_string(),
        (a, b) => format!(
            "{} in / {} out",
            a.map_or("?".into(), |v| v.to_string()),
            b.map_or("?".into(), |v| v.to_string())
        ),
    };
    let runs: Vec<(i64, bool)> = conn
        .prepare("SELECT attempts, valid FROM exec_runs WHERE decision_id = ?1 ORDER BY seq")?
        .query_map([&id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let schema = match runs.last() {
        None => "–".to_string(),
        Some((n, true)) => format!("valid after {n} attempt(s)"),
        Some((n, false)) => format!("no valid output in {n} attempt(s)"),
    };
    s.push_str(&table(
        &[
            "eval",
            "robust eval",
            "robustness Δ",
            "cost",
            "tokens",
            "schema",
        ],
        &[vec![
            fmt(eval, 3),
            fmt(robust, 3),
            delta,
            cost.map_or("–".into(), |c| format!("${c:.4}")),
            tokens,
            schema,
        ]],
    ));
    // The build cache since the decision was made (this run's gets).
    let (gets, hits, saved, key): (i64, i64, i64, Option<String>) = conn.query_row(
        "SELECT COUNT(*), COALESCE(SUM(outcome IN ('hit', 'restore-hit')), 0), COALESCE(SUM(saved_millis), 0),
                (SELECT key FROM cache_ops WHERE op = 'get' AND at_ms >= ?1 ORDER BY at_ms DESC LIMIT 1)
         FROM cache_ops WHERE op = 'get' AND at_ms >= ?1",
        [at_ms],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    if gets > 0 {
        s.push_str(&format!(
            "\n**Build cache**: {hits} of {gets} get(s) hit, {:.1} s saved; key {}\n",
            saved as f64 / 1000.0,
            code(key.as_deref().unwrap_or("?"))
        ));
    }
    let brief = s.clone();
    let arms: Vec<Vec<String>> = alternatives
        .iter()
        .filter(|a| !a.retired)
        .map(|a| {
            vec![
                if a.arm == arm {
                    format!("**{}**", code(&a.arm))
                } else {
                    code(&a.arm)
                },
                a.tier.to_string(),
                format!("{:.2}", a.p_best),
                a.mean_eval.map_or("–".into(), |v| format!("{v:.3}")),
                a.mean_cost.map_or("–".into(), |v| format!("${v:.4}")),
                a.n.to_string(),
            ]
        })
        .collect();
    if arms.len() > 1 {
        s.push('\n');
        s.push_str(&details(
            &format!("Alternatives ({} arms)", arms.len()),
            &table(
                &[
                    "arm",
                    "tier",
                    "p(best)",
                    "mean eval",
                    "mean cost",
                    "reports",
                ],
                &arms,
            ),
        ));
    }
    Ok(Some(Section { full: s, brief }))
}

/// The risk section, from `risk score --json`.
pub fn risk(v: &Value) -> Section {
    let mut s = format!(
        "### Risk\n\n**{}** ({} at {}, policy {})\n",
        f3(&v["probability"]),
        text(v["verdict"].as_str().unwrap_or("?")),
        f3(&v["threshold"]),
        text(v["policy"].as_str().unwrap_or("?"))
    );
    let brief = s.clone();
    for r in v["reasons"].as_array().into_iter().flatten().take(3) {
        if let Some(t) = r["text"].as_str() {
            s.push_str(&format!("- {}\n", text(t)));
        }
    }
    Section { full: s, brief }
}

fn count(v: &Value, key: &str) -> usize {
    v[key].as_array().map_or(0, Vec::len)
}

fn list(items: &[Value], row: impl Fn(&Value) -> Vec<String>) -> Vec<Vec<String>> {
    items.iter().take(ROWS).map(row).collect()
}

fn more(n: usize) -> String {
    if n > ROWS {
        format!("\n…and {} more\n", n - ROWS)
    } else {
        String::new()
    }
}

/// The impact section, from `graph impact --json`.
pub fn impact(v: &Value) -> Section {
    let n = |k: &str| count(v, k);
    let mut s = format!(
        "### Impact\n\n{} file(s) changed: {} co-changing file(s) not in the change, {} dependent package(s), {} owner(s), {} earlier failing test(s), {} earlier incident(s)\n",
        n("files"),
        n("co_changes"),
        n("dependents"),
        n("owners"),
        n("tests"),
        n("incidents")
    );
    let brief = s.clone();
    let empty = Vec::new();
    for (key, title) in [
        ("co_changes", "Co-changing files"),
        ("dependents", "Dependent packages"),
        ("owners", "Owners"),
        ("tests", "Tests that failed on earlier changes"),
        ("incidents", "Incidents caused by earlier changes"),
    ] {
        let items = v[key].as_array().unwrap_or(&empty);
        if items.is_empty() {
            continue;
        }
        let rows = list(items, |x| {
            let name = ["file", "package", "owner", "name", "id"]
                .iter()
                .find_map(|k| x[*k].as_str())
                .unwrap_or("?");
            vec![code(name), text(x["reason"].as_str().unwrap_or(""))]
        });
        s.push_str(&details(
            &format!("{title} ({})", items.len()),
            &(table(&["", "why"], &rows) + &more(items.len())),
        ));
    }
    Section { full: s, brief }
}

/// The SBOM section, from `sbom-diff --json`.
pub fn sbom(v: &Value) -> Section {
    let c = &v["components"];
    let new = v["vulnerabilities"]["new"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut s = format!(
        "### Dependencies\n\n{} added, {} removed, {} changed; {} new vulnerabilit{}{}\n",
        count(c, "added"),
        count(c, "removed"),
        count(c, "changed"),
        new.len(),
        if new.len() == 1 { "y" } else { "ies" },
        if v["vulnerabilities"].is_null() {
            " (no advisory database given)"
        } else {
            ""
        }
    );
    let brief = s.clone();
    if !new.is_empty() {
        let rows = list(&new, |x| {
            vec![
                code(x["id"].as_str().unwrap_or("?")),
                code(&format!(
                    "{}@{}",
                    x["package"].as_str().unwrap_or("?"),
                    x["version"].as_str().unwrap_or("?")
                )),
                text(x["severity"].as_str().unwrap_or("?")),
                text(
                    &x["fixed_in"]
                        .as_array()
                        .map(|f| {
                            f.iter()
                                .filter_map(Value::as_str)
                                .collect::<Vec<_>>()
                                .join(", ")
                        })
                        .unwrap_or_default(),
                ),
            ]
        });
        s.push_str(&details(
            &format!("New vulnerabilities ({})", new.len()),
            &(table(&["advisory", "package", "severity", "fixed in"], &rows) + &more(new.len())),
        ));
    }
    for (key, title) in [
        ("added", "Added components"),
        ("removed", "Removed components"),
    ] {
        let items = c[key].as_array().cloned().unwrap_or_default();
        if items.is_empty() {
            continue;
        }
        let rows = list(&items, |x| {
            let versions = x["versions"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default();
            vec![code(x["package"].as_str().unwrap_or("?")), text(&versions)]
        });
        s.push_str(&details(
            &format!("{title} ({})", items.len()),
            &(table(&["package", "versions"], &rows) + &more(items.len())),
        ));
    }
    let changed = c["changed"].as_array().cloned().unwrap_or_default();
    if !changed.is_empty() {
        let rows = list(&changed, |x| {
            let join = |k: &str| {
                x[k].as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default()
            };
            vec![
                code(x["package"].as_str().unwrap_or("?")),
                text(&join("from")),
                text(&join("to")),
            ]
        });
        s.push_str(&details(
            &format!("Changed components ({})", changed.len()),
            &(table(&["package", "from", "to"], &rows) + &more(changed.len())),
        ));
    }
    Section { full: s, brief }
}

/// The benchmark section, from `bench-gate --json`.
pub fn bench(v: &Value) -> Section {
    let all = v["benchmarks"].as_array().cloned().unwrap_or_default();
    let mut s = format!(
        "### Benchmarks\n\n**{}** ({} benchmark(s), {} vs {} rounds)\n",
        text(v["verdict"].as_str().unwrap_or("?")),
        all.len(),
        v["rounds_base"].as_u64().unwrap_or(0),
        v["rounds_head"].as_u64().unwrap_or(0)
    );
    let brief = s.clone();
    if !all.is_empty() {
        let rows = list(&all, |x| {
            vec![
                code(x["name"].as_str().unwrap_or("?")),
                text(x["verdict"].as_str().unwrap_or("")),
                x["ratio"]
                    .as_f64()
                    .map_or("–".into(), |r| format!("{r:.3}×")),
                x["p_value"]
                    .as_f64()
                    .map_or("–".into(), |p| format!("{p:.3}")),
            ]
        });
        s.push_str(&details(
            "Benchmarks",
            &(table(&["benchmark", "verdict", "head / base", "p"], &rows) + &more(all.len())),
        ));
    }
    Section { full: s, brief }
}

/// The PII section, from `pii-scan --json`: rules and places, never the
/// values found.
pub fn pii(v: &Value) -> Section {
    let findings = v["findings"].as_array().cloned().unwrap_or_default();
    let mut by_rule: std::collections::BTreeMap<String, usize> = Default::default();
    for f in &findings {
        *by_rule
            .entry(f["rule"].as_str().unwrap_or("?").to_string())
            .or_default() += 1;
    }
    let rules: Vec<String> = by_rule
        .iter()
        .map(|(r, n)| format!("{} × {n}", code(r)))
        .collect();
    let mut s = format!(
        "### PII\n\n{} finding(s){}{}\n",
        findings.len(),
        if rules.is_empty() { "" } else { ": " },
        rules.join(", ")
    );
    let brief = s.clone();
    if !findings.is_empty() {
        let rows = list(&findings, |f| {
            vec![
                code(f["rule"].as_str().unwrap_or("?")),
                code(&format!(
                    "{}:{}",
                    f["path"].as_str().unwrap_or("?"),
                    f["line"].as_u64().unwrap_or(0)
                )),
                text(f["action"].as_str().unwrap_or("")),
            ]
        });
        s.push_str(&details(
            &format!("Findings ({})", findings.len()),
            &(table(&["rule", "where", "action"], &rows) + &more(findings.len())),
        ));
    }
    Section { full: s, brief }
}

/// The comment: the marker, a title, the sections in full while they fit
/// under `limit`, else the largest ones brief, else cut at a section with a
/// note (never inside a table).
pub fn assemble(sections: &[Section], limit: usize) -> String {
    let head = format!("{MARKER}\n## maestro\n\n");
    let note = "\n_Some sections were shortened to fit GitHub's comment limit; the step summary and the JSON files have them whole._\n";
    let mut brief: Vec<bool> = vec![false; sections.len()];
    let total = |brief: &[bool]| -> usize {
        head.len()
            + sections
                .iter()
                .zip(brief)
                .map(|(s, &b)| if b { s.brief.len() } else { s.full.len() } + 1)
                .sum::<usize>()
    };
    let budget = limit.saturating_sub(note.len());
    if total(&brief) > limit {
        let mut order: Vec<usize> = (0..sections.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(sections[i].full.len() - sections[i].brief.len()));
        for i in order {
            if total(&brief) <= budget {
                break;
            }
            brief[i] = true;
        }
    }
    let shortened = brief.iter().any(|&b| b);
    let mut out = head.clone();
    let mut cut = false;
    for (s, b) in sections.iter().zip(&brief) {
        let part = if *b { &s.brief } else { &s.full };
        if out.len() + part.len() + 1 > budget {
            cut = true;
            break;
        }
        out.push_str(part);
        out.push('\n');
    }
    if shortened || cut {
        out.push_str(note);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn inputs_cannot_break_the_comment() {
        assert_eq!(code("a|b`c\nd"), "`a|b'c d`");
        assert_eq!(text("<img> @team\nx"), "&lt;img&gt; @\u{200b}team x");
        assert!(table(&["p"], &[vec![code("a|b")]]).contains("`a\\|b`"));
        let s = pii(&json!({"findings": [
            {"rule": "email", "path": "a.py", "line": 3, "action": "block", "snippet": "bob@example.com"}
        ]}));
        assert!(s.full.contains("`email` × 1") && s.full.contains("`a.py:3`"));
        assert!(!s.full.contains("bob@example.com"), "no value: {}", s.full);
    }

    #[test]
    fn long_comments_shrink_section_by_section_and_never_mid_table() {
        let big = |n: usize| Section {
            full: format!("### S\n\nbrief\n{}", "| a | b |\n".repeat(n)),
            brief: "### S\n\nbrief\n".to_string(),
        };
        let secs = vec![big(10), big(8000), big(10)];
        let whole = assemble(&secs, GITHUB_LIMIT);
        assert!(whole.len() <= GITHUB_LIMIT);
        assert!(whole.starts_with(MARKER));
        // The largest was briefed; the small ones kept their tables.
        assert_eq!(whole.matches("| a | b |").count(), 20);
        assert!(whole.contains("shortened to fit"));
        let small = assemble(&secs[..1], GITHUB_LIMIT);
        assert!(!small.contains("shortened"));
        // Too small for even the briefs: whole sections are left out.
        let tiny = assemble(&secs, 300);
        assert!(tiny.len() <= 300, "{}", tiny.len());
        assert!(!tiny.ends_with("| a |"));
    }
}
