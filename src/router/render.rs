//! What the router has learnt, as text and markdown.

use super::arms::Arm;
use super::stats::Stats;
use crate::output::markdown::{table, text_table};

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
    format!(
        "{}\n\n{}",
        headline(s).join("\n"),
        text_table(&HEADER, &rows(s))
    )
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
    )
}
