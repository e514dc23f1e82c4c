//! What the router has learnt, as text and markdown.

use super::arms::Arm;
use super::downshift::{AuditEntry, Downshift};
use super::report::Reported;
use super::route::Decision;
use super::stats::Stats;
use crate::output::markdown::{table, text_table};
use crate::output::safe::one_line;

/// `arms list` for people.
pub fn arms_text(arms: &[Arm]) -> String {
    if arms.is_empty() {
        return "no arms: declare [[arms]] in maestro.toml or run `maestro arms add ID --tier TIER`".into();
    }
    let rows: Vec<Vec<String>> = arms
        .iter()
        .map(|a| {
            let prior = match (a.prior.eval, a.prior.cost) {
                (None, None) => "-".to_string(),
                (e, c) => format!(
                    "eval {} cost {} x{}",
                    e.map_or("-".into(), |v| v.to_string()),
                    c.map_or("-".into(), |v| v.to_string()),
                    a.prior.weight
                ),
            };
            vec![
                a.id.clone(),
                a.tier.to_string(),
                a.origin.to_string(),
                if a.retired { "retired" } else { "active" }.into(),
                prior,
            ]
        })
        .collect();
    text_table(&["ARM", "TIER", "FROM", "STATUS", "PRIOR"], &rows)
}

fn opt(v: Option<f64>, digits: usize) -> String {
    v.map_or("-".into(), |x| format!("{x:.digits$}"))
}

fn rows(s: &Stats) -> Vec<Vec<String>> {
    s.arms
        .iter()
        .map(|a| {
            vec![
                format!("{}{}", a.arm, if a.retired { " (retired)" } else { "" }),
                a.tier.to_string(),
                a.n.to_string(),
                opt(a.mean_eval, 3),
                opt(a.mean_cost, 4),
                format!("{:.1}%", 100.0 * a.traffic_share),
                format!("{:.3}", a.p_best),
            ]
        })
        .collect()
}

const HEADER: [&str; 7] = [
    "ARM",
    "TIER",
    "N",
    "MEAN EVAL",
    "MEAN COST",
    "TRAFFIC",
    "P_BEST",
];

fn headline(s: &Stats) -> Vec<String> {
    vec![
        format!("objective: {}", s.objective),
        format!(
            "decisions: {} ({} reported, {} pending)",
            s.decisions, s.reported, s.pending
        ),
        format!(
            "exploration: {:.1}% of the last {} decisions (cap {:.0}%)",
            100.0 * s.exploration_share,
            s.window,
            100.0 * s.exploration_cap
        ),
        format!(
            "spend today: ${:.2}{}",
            s.spend_today,
            s.budget_daily_usd
                .map_or(String::new(), |b| format!(" of ${b:.2}"))
        ),
        format!(
            "downshift: {}",
            s.downshift
                .reason
                .as_deref()
                .map_or("off".to_string(), |r| format!("on, {r}"))
        ),
    ]
}

/// `stats` for people: the headline, then one row per arm.
pub fn stats_text(s: &Stats) -> String {
    let mut out = format!(
        "{}\n\n{}",
        headline(s).join("\n"),
        text_table(&HEADER, &rows(s))
    );
    if !s.schema.is_empty() {
        out.push_str(&format!(
            "\n\nschema-guarded exec:\n{}",
            text_table(&SCHEMA_HEADER, &schema_rows(s))
        ));
    }
    out
}

const SCHEMA_HEADER: [&str; 6] = [
    "ARM",
    "RUNS",
    "VALID FIRST TRY",
    "VALID",
    "RETRIES P50",
    "RETRIES P95",
];

fn schema_rows(s: &Stats) -> Vec<Vec<String>> {
    s.schema
        .iter()
        .map(|l| {
            vec![
                l.arm.clone().unwrap_or_else(|| "(no decision)".into()),
                l.runs.to_string(),
                format!("{:.1}%", 100.0 * l.first_try_valid),
                format!("{:.1}%", 100.0 * l.valid),
                l.retries_p50.to_string(),
                l.retries_p95.to_string(),
            ]
        })
        .collect()
}

/// `stats` as markdown, for a PR comment or the step summary.
pub fn stats_markdown(s: &Stats) -> String {
    format!(
        "### maestro router\n\n{}\n\n{}",
        headline(s)
            .iter()
            .map(|l| format!("- {l}"))
            .collect::<Vec<_>>()
            .join("\n"),
        table(&HEADER, &rows(s))
    ) + &if s.schema.is_empty() {
        String::new()
    } else {
        format!(
            "\n\n#### schema-guarded exec\n\n{}",
            table(&SCHEMA_HEADER, &schema_rows(s))
        )
    }
}

/// A decision for people: the arm on the first line (scripts read it), then
/// why.
pub fn decision_text(d: &Decision) -> String {
    let mut s = format!(
        "{}\n  decision {} for task {}{}\n  tier {}, {}, propensity {:.3}\n",
        d.arm,
        d.decision_id,
        d.task,
        if d.reused {
            " (pending decision reused)"
        } else {
            ""
        },
        d.tier,
        if d.explored {
            "exploring"
        } else if d.capped {
            "greedy (exploration cap reached)"
        } else {
            "greedy"
        },
        d.propensity
    );
    if let Some(r) = &d.downshift.reason {
        s += &format!("  downshift: {}\n", one_line(r));
    }
    s
}

/// One line about a report.
pub fn reported_text(r: &Reported) -> String {
    format!(
        "{} decision {} (task {}, arm {}): eval {}, cost ${}, reward {:.4}",
        if r.duplicate {
            "already reported"
        } else {
            "reported"
        },
        r.decision_id,
        r.task,
        r.arm,
        r.outcome.eval,
        r.outcome.cost_usd,
        r.reward
    )
}

/// `downshift status`: the state, then the audit trail, newest first.
pub fn downshift_status_text(state: &Downshift, audit: &[AuditEntry]) -> String {
    let mut text = format!(
        "downshift: {}\n",
        state
            .reason
            .as_deref()
            .map_or("off".into(), |r| format!("on, {}", one_line(r)))
    );
    for e in audit {
        text += &format!(
            "  {} {} by {}: {}\n",
            e.at_ms,
            if e.active { "on " } else { "off" },
            one_line(&e.actor),
            one_line(&e.reason)
        );
    }
    text
}

/// `downshift on|off`: what changed, if anything.
pub fn downshift_change_text(active: bool, changed: bool, reason: &str, who: &str) -> String {
    let state = if active { "on" } else { "off" };
    if changed {
        format!(
            "downshift {state}: {} (by {})",
            one_line(reason),
            one_line(who)
        )
    } else {
        format!("downshift already {state}")
    }
}
