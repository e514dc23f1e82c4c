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
    if escalates(r) {
        h.insert(h.len() - 2, "ATTEMPTS (P95)");
    }
    h
}

/// Some policy made more than one attempt at a task.
fn escalates(r: &ReplayReport) -> bool {
    r.policies.iter().any(|p| !p.paths.is_empty())
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
            if escalates(r) {
                let at = format!("{:.3} ({:.1})", p.attempts.mean, p.attempts_p95.mean);
                row.insert(row.len() - 2, at);
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

/// The commonest escalation paths of each policy that escalates.
fn paths(r: &ReplayReport) -> String {
    let mut out = String::new();
    for p in r.policies.iter().filter(|p| !p.paths.is_empty()) {
        let top: Vec<String> = p
            .paths
            .iter()
            .take(5)
            .map(|(path, share)| format!("{path} {:.1}%", share * 100.0))
            .collect();
        out += &format!("\n{} paths: {}", p.policy, top.join(", "));
    }
    out
}

/// The comparison for people.
pub fn text(r: &ReplayReport) -> String {
    format!(
        "{}\n\n{}{}",
        headline(r),
        text_table(&header(r), &rows(r)),
        paths(r)
    )
}

/// The comparison as markdown.
pub fn markdown(r: &ReplayReport) -> String {
    format!(
        "### maestro replay\n\n{}\n\n{}{}",
        headline(r).replace('\n', "\n\n"),
        table(&header(r), &rows(r)),
        paths(r).replace('\n', "\n\n")
    )
}
