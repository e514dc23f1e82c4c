//! A replay's comparison as text and markdown.

use super::{MeanSd, ReplayReport};
use crate::output::markdown::{table, text_table};

const HEADER: [&str; 6] = [
    "POLICY",
    "EVAL",
    "$/TASK",
    "EXPLORATION",
    "REGRET/ORACLE",
    "REGRET/BEST-FIXED",
];

/// The table header; with a warm start, a column for $/task including it.
fn header(r: &ReplayReport) -> Vec<&'static str> {
    let mut h = HEADER.to_vec();
    if r.warm_start > 0 {
        h.insert(3, "$/TASK+WARM");
    }
    h
}

fn rows(r: &ReplayReport) -> Vec<Vec<String>> {
    let f = |m: &MeanSd, d: usize| format!("{:.d$} ± {:.d$}", m.mean, m.sd);
    r.policies
        .iter()
        .map(|p| {
            let mut row = vec![
                p.policy.clone(),
                f(&p.eval, 4),
                f(&p.cost_per_task, 4),
                f(&p.exploration, 3),
                f(&p.regret_oracle, 4),
                f(&p.regret_best_fixed, 4),
            ];
            if r.warm_start > 0 {
                row.insert(3, f(&p.cost_per_task_with_warm_start, 4));
            }
            row
        })
        .collect()
}

fn headline(r: &ReplayReport) -> String {
    let warm = if r.warm_start > 0 {
        format!(
            "; warm start: every arm evaluated on {} held-out tasks first",
            r.warm_start
        )
    } else {
        String::new()
    };
    format!(
        "{} steps × {} seeds on {} tasks{warm}; objective: {}; regret in reward units (λ = {})\nbest fixed arm: {} (eval {:.4}, ${:.4}/task)",
        r.steps, r.seeds, r.tasks_in_data, r.objective, r.lambda, r.best_fixed.arm, r.best_fixed.eval, r.best_fixed.cost_per_task
    )
}

/// The comparison for people.
pub fn text(r: &ReplayReport) -> String {
    format!("{}\n\n{}", headline(r), text_table(&header(r), &rows(r)))
}

/// The comparison as markdown.
pub fn markdown(r: &ReplayReport) -> String {
    format!(
        "### maestro replay\n\n{}\n\n{}",
        headline(r).replace('\n', "\n\n"),
        table(&header(r), &rows(r))
    )
}
