//! `maestro stats`.

use super::Ctx;
use crate::clock::Clock;
use crate::error::Result;
use crate::output::markdown::{table, text_table};
use crate::router::{self, Stats};
use clap::Args;

/// `maestro stats`.
#[derive(Debug, Args)]
pub struct StatsArgs {}

/// Prints router statistics; in Actions also writes them to the step summary.
pub fn exec(ctx: &Ctx, _: StatsArgs) -> Result<i32> {
    let mut rng = ctx.rng("stats");
    let s = ctx.read_state(|st| router::stats(st.conn(), ctx.cfg(), &Clock::now(), &mut rng))?;
    let md = markdown(&s);
    ctx.out.summary(&md)?;
    ctx.out.result(&s, &text(&s), Some(&md))?;
    Ok(0)
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

fn text(s: &Stats) -> String {
    format!(
        "{}\n\n{}",
        headline(s).join("\n"),
        text_table(&HEADER, &rows(s))
    )
}

fn markdown(s: &Stats) -> String {
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
