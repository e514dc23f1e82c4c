//! What the router has learnt, as text and markdown.

use super::arms::Arm;
use super::cascade::Finished;
use super::downshift::{AuditEntry, Downshift};
use super::ope::OpeReport;
use super::report::Reported;
use super::route::Decision;
use super::stats::{Stats, TaskStats};
use crate::bandit::ope::Estimate;
use crate::bandit::Rule;
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
                a.params.as_ref().map_or("-".into(), |p| p.to_string()),
            ]
        })
        .collect();
    text_table(&["ARM", "TIER", "FROM", "STATUS", "PRIOR", "PARAMS"], &rows)
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
    if let Some(t) = &s.tasks {
        out.truncate(out.trim_end().len());
        out.push_str(&format!(
            "\n\nper task ({}):\n{}",
            task_line(t),
            text_table(&PATH_HEADER, &path_rows(t))
        ));
    }
    if !s.schema.is_empty() {
        out.truncate(out.trim_end().len());
        out.push_str(&format!(
            "\n\nschema-guarded exec:\n{}",
            text_table(&SCHEMA_HEADER, &schema_rows(s))
        ));
    }
    out
}

fn task_line(t: &TaskStats) -> String {
    format!(
        "{} tasks, pass rate {:.3}, ${:.4}/task, attempts mean {:.2}, p95 {}",
        t.tasks, t.pass_rate, t.cost_per_task, t.attempts_mean, t.attempts_p95
    )
}

const PATH_HEADER: [&str; 3] = ["ESCALATION PATH", "TASKS", "PASSED"];

fn path_rows(t: &TaskStats) -> Vec<Vec<String>> {
    t.paths
        .iter()
        .map(|p| {
            vec![
                p.arms.join(" > "),
                p.tasks.to_string(),
                p.passed.to_string(),
            ]
        })
        .collect()
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
    ) + &match &s.tasks {
        Some(t) => format!(
            "\n\n#### per task\n\n{}\n\n{}",
            task_line(t),
            table(&PATH_HEADER, &path_rows(t))
        ),
        None => String::new(),
    } + &if s.schema.is_empty() {
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
    if d.attempt > 1 || d.why.is_some() {
        s += &format!("  attempt {}", d.attempt);
        if !d.failed_arms.is_empty() {
            s += &format!(", after {} failed", one_line(&d.failed_arms.join(", ")));
        }
        s += "\n";
    }
    if let Some(w) = &d.why {
        s += &format!("  why: {}\n", one_line(w));
    }
    if let Some(r) = &d.downshift.reason {
        s += &format!("  downshift: {}\n", one_line(r));
    }
    s
}

/// A finished task for people: `done` on the first line (where a decision
/// prints its arm), then why and the attempts.
pub fn finished_text(f: &Finished) -> String {
    let mut s = format!(
        "done\n  task {}: {}\n",
        one_line(&f.task),
        one_line(&f.message)
    );
    for a in &f.attempts {
        s += &format!(
            "  attempt {}: {} eval {} cost {} ({})\n",
            a.attempt,
            a.arm,
            a.eval.map_or("-".into(), |e| e.to_string()),
            a.cost_usd.map_or("-".into(), |c| format!("${c}")),
            a.decision_id
        );
    }
    if !f.attempts.is_empty() {
        s += &format!("  total cost ${}\n", f.cost_usd);
    }
    s
}

/// One line about a report, and a second when the task escalates.
pub fn reported_text(r: &Reported) -> String {
    let next = if r.escalate && !r.duplicate {
        format!(
            "\nattempt {} did not pass: `maestro route --task {}` makes attempt {}",
            r.attempt,
            one_line(&r.task),
            r.attempt + 1
        )
    } else {
        String::new()
    };
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
    ) + &next
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
            crate::clock::rfc3339(e.at_ms),
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

fn ope_rows(r: &OpeReport) -> Vec<Vec<String>> {
    let e = |x: &Estimate| format!("{:.4} [{:.4}, {:.4}]", x.value, x.lo, x.hi);
    [
        ("eval", &r.eval, r.observed.eval),
        ("cost_usd", &r.cost_usd, r.observed.cost_usd),
        ("reward", &r.reward, r.observed.reward),
    ]
    .iter()
    .map(|(name, m, obs)| {
        vec![
            name.to_string(),
            format!("{obs:.4}"),
            e(&m.ips),
            e(&m.snips),
            e(&m.dr),
        ]
    })
    .collect()
}

const OPE_HEADER: [&str; 5] = ["PER DECISION", "LOGGED", "IPS", "SNIPS", "DOUBLY ROBUST"];

fn ope_headline(r: &OpeReport) -> Vec<String> {
    let t = &r.target;
    let mut lines = vec![
        format!(
            "target: {}, λ = {}, exploration cap {} over {} decisions, half-life {}",
            match t.rule {
                Rule::Thompson => "thompson",
                Rule::Ids => "ids",
            },
            t.lambda,
            t.exploration_cap,
            t.window,
            t.half_life
        ),
        format!(
            "{} reported first attempts evaluated; left out: {} unreported, {} later attempts, {} unusable",
            r.decisions, r.left_out.unreported, r.left_out.later_attempts, r.left_out.unusable
        ),
        format!(
            "overlap: effective sample size {:.1} of {}, largest weight {:.2}, smallest logged propensity {:.4}, {:.1}% of the target's choices on arms logged below 1%",
            r.overlap.n_eff, r.overlap.n, r.overlap.max_weight, r.overlap.min_propensity, 100.0 * r.overlap.unsupported
        ),
    ];
    let share: Vec<String> = r
        .target_share
        .iter()
        .map(|(a, s)| format!("{} {:.1}%", one_line(a), 100.0 * s))
        .collect();
    lines.push(format!("target traffic: {}", share.join(", ")));
    lines
}

fn truncated_line(r: &OpeReport) -> String {
    r.tasks.as_ref().map_or(String::new(), |t| {
        format!(
            "\n\nper task with max_attempts = {} (the logged chains cut, exact): logged {}; cut {}",
            t.max_attempts,
            task_line(&t.logged),
            task_line(&t.target)
        )
    })
}

/// `replay --from-state` for people.
pub fn ope_text(r: &OpeReport) -> String {
    format!(
        "{}\n\n{}95% intervals; reward at the target's λ{}",
        ope_headline(r).join("\n"),
        text_table(&OPE_HEADER, &ope_rows(r)),
        truncated_line(r)
    )
}

/// `replay --from-state` as markdown.
pub fn ope_markdown(r: &OpeReport) -> String {
    let mut s = format!(
        "### maestro off-policy evaluation\n\n{}\n\n{}\n95% intervals; reward at the target's λ.",
        ope_headline(r)
            .iter()
            .map(|l| format!("- {l}"))
            .collect::<Vec<_>>()
            .join("\n"),
        table(&OPE_HEADER, &ope_rows(r))
    );
    s += &truncated_line(r);
    for w in &r.warnings {
        s += &format!("\n\n> warning: {}", one_line(w));
    }
    s
}
