//! `maestro kpi`: the pipeline's key figures over a window, from what the
//! state records (decisions and outcomes, exec runs, the build cache, the
//! downshift trail, vulnerability episodes), each beside its target where
//! there is one. A figure with no data is left out, never shown as zero.

use crate::config::Config;
use crate::error::Result;
use rusqlite::Connection;
use serde::Serialize;
use std::collections::BTreeSet;

const DAY_MS: i64 = 86_400_000;

/// One figure.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    /// Stable key for `--json` users.
    pub key: &'static str,
    /// What it is, for people.
    pub name: &'static str,
    /// The figure, formatted.
    pub value: String,
    /// The number behind it.
    pub raw: f64,
    /// The target, formatted, when there is one.
    pub target: Option<String>,
    /// Whether the target is met.
    pub met: Option<bool>,
    /// How many observations it rests on.
    pub n: u64,
}

impl Row {
    /// A figure with no target.
    fn new(key: &'static str, name: &'static str, value: String, raw: f64, n: u64) -> Row {
        Row {
            key,
            name,
            value,
            raw,
            target: None,
            met: None,
            n,
        }
    }

    /// The same figure beside its target, and whether it is met.
    fn against(self, target: impl Into<String>, met: bool) -> Row {
        Row {
            target: Some(target.into()),
            met: Some(met),
            ..self
        }
    }
}

/// One week of the trend.
#[derive(Clone, Debug, Serialize)]
pub struct Week {
    /// Start of the week (UTC date).
    pub start: String,
    /// Reported tasks.
    pub tasks: u64,
    /// Mean eval.
    pub eval_mean: f64,
    /// Share of reports at or above the pass threshold.
    pub pass_rate: f64,
    /// Mean cost per report, USD.
    pub cost_per_task: f64,
}

/// The figures.
#[derive(Clone, Debug, Serialize)]
pub struct Kpis {
    /// Window start and end (Unix ms).
    pub since_ms: i64,
    /// End of the window.
    pub until_ms: i64,
    /// The figures that have data.
    pub rows: Vec<Row>,
    /// Weekly trend of the router's outcomes.
    pub weeks: Vec<Week>,
}

fn pct(x: f64) -> String {
    format!("{:.1} %", 100.0 * x)
}

/// Milliseconds as `3h 12m 5s` (whole seconds).
fn duration(ms: i64) -> String {
    let d = std::time::Duration::from_secs((ms.max(0) / 1000) as u64);
    humantime::format_duration(d).to_string()
}

/// `YYYY-MM-DD` (UTC) of a Unix-ms time.
fn day(ms: i64) -> String {
    crate::clock::Clock::at_ms(ms)
        .map(|c| c.day)
        .unwrap_or_default()
}

fn quantile(sorted: &[f64], p: f64) -> f64 {
    crate::percentile::nearest_rank(sorted, p)
}

/// Computes the figures for `[since_ms, now_ms)`.
pub fn compute(conn: &Connection, cfg: &Config, since_ms: i64, now_ms: i64) -> Result<Kpis> {
    let mut rows = Vec::new();
    let threshold = cfg.router.pass_threshold;
    // Router outcomes.
    let mut q = conn.prepare(
        "SELECT o.eval, o.eval_robust, o.cost_usd, d.task, o.at_ms
         FROM outcomes o JOIN decisions d ON d.id = o.decision_id
         WHERE o.at_ms >= ?1 AND o.at_ms < ?2",
    )?;
    let outcomes: Vec<(f64, Option<f64>, f64, String, i64)> = q
        .query_map([since_ms, now_ms], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<std::result::Result<_, _>>()?;
    if !outcomes.is_empty() {
        let n = outcomes.len() as u64;
        let mut evals: Vec<f64> = outcomes.iter().map(|o| o.0).collect();
        evals.sort_by(f64::total_cmp);
        let (p50, p95) = (quantile(&evals, 0.50), quantile(&evals, 0.95));
        rows.push(Row::new(
            "eval",
            "eval p50 / p95",
            format!("{p50:.3} / {p95:.3}"),
            p95,
            n,
        ));
        let deltas: Vec<f64> = outcomes
            .iter()
            .filter_map(|o| o.1.map(|r| o.0 - r))
            .collect();
        if !deltas.is_empty() {
            let d = deltas.iter().sum::<f64>() / deltas.len() as f64;
            rows.push(Row::new(
                "robustness_delta",
                "robustness delta (eval − perturbed eval)",
                format!("{d:+.3}"),
                d,
                deltas.len() as u64,
            ));
        }
        let cost: f64 = outcomes.iter().map(|o| o.2).sum();
        // Distinct tasks, and those with a passing eval (autonomous PRs).
        let tasks: BTreeSet<&str> = outcomes.iter().map(|o| o.3.as_str()).collect();
        let passed: BTreeSet<&str> = outcomes
            .iter()
            .filter(|o| o.0 >= threshold)
            .map(|o| o.3.as_str())
            .collect();
        for (key, name, among) in [
            ("cost_per_task", "$ per task", &tasks),
            (
                "cost_per_pr",
                "$ per autonomous PR (task with a passing eval)",
                &passed,
            ),
        ] {
            if !among.is_empty() {
                let per = cost / among.len() as f64;
                rows.push(Row::new(
                    key,
                    name,
                    format!("${per:.4}"),
                    per,
                    among.len() as u64,
                ));
            }
        }
        let weeks = ((now_ms - since_ms) as f64 / (7 * DAY_MS) as f64).max(1.0 / 7.0);
        let per_week = passed.len() as f64 / weeks;
        rows.push(Row::new(
            "prs_per_week",
            "autonomous PRs per week",
            format!("{per_week:.1}"),
            per_week,
            passed.len() as u64,
        ));
        if let Some(daily) = cfg.budget.daily_usd {
            let days: Vec<(String, f64)> = conn
                .prepare("SELECT day, usd FROM daily_spend WHERE day >= ?1 ORDER BY day")?
                .query_map([day(since_ms)], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<std::result::Result<_, _>>()?;
            if let Some(max) = days.iter().map(|d| d.1).max_by(f64::total_cmp) {
                rows.push(
                    Row::new(
                        "max_daily_spend",
                        "highest daily spend",
                        format!("${max:.2}"),
                        max,
                        days.len() as u64,
                    )
                    .against(format!("≤ ${daily:.2} (budget)"), max <= daily + 1e-9),
                );
            }
        }
    }
    // Exploration.
    let (decisions, explored): (i64, i64) = conn.query_row(
        "SELECT COUNT(*), COALESCE(SUM(explored), 0) FROM decisions WHERE at_ms >= ?1 AND at_ms < ?2",
        [since_ms, now_ms],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if decisions > 0 {
        let share = explored as f64 / decisions as f64;
        let cap = cfg.router.exploration_cap;
        rows.push(
            Row::new(
                "exploration_share",
                "exploration share",
                pct(share),
                share,
                decisions as u64,
            )
            .against(
                format!("≤ {} (exploration cap)", pct(cap)),
                share <= cap + 1e-9,
            ),
        );
    }
    // Schema-guarded runs.
    let runs: Vec<(i64, i64)> = conn
        .prepare("SELECT valid, attempts FROM exec_runs WHERE at_ms >= ?1 AND at_ms < ?2")?
        .query_map([since_ms, now_ms], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<std::result::Result<_, _>>()?;
    if !runs.is_empty() {
        let n = runs.len() as u64;
        let valid = runs.iter().filter(|r| r.0 != 0).count() as f64 / n as f64;
        rows.push(
            Row::new(
                "schema_valid_rate",
                "schema-valid rate (exec --schema)",
                pct(valid),
                valid,
                n,
            )
            .against("≥ 99.0 %", valid >= 0.99),
        );
        let mut retries: Vec<f64> = runs.iter().map(|r| (r.1 - 1).max(0) as f64).collect();
        retries.sort_by(f64::total_cmp);
        let p95 = quantile(&retries, 0.95);
        rows.push(
            Row::new(
                "retries_p95",
                "schema retries p95",
                format!("{p95}"),
                p95,
                n,
            )
            .against("< 2", p95 < 2.0),
        );
    }
    // Build cache.
    let (gets, hits, saved): (i64, i64, i64) = conn.query_row(
        "SELECT COUNT(*),
                COALESCE(SUM(outcome IN ('hit', 'restore-hit')), 0),
                COALESCE(SUM(saved_millis), 0)
         FROM cache_ops WHERE op = 'get' AND at_ms >= ?1 AND at_ms < ?2",
        [since_ms, now_ms],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    if gets > 0 {
        let rate = hits as f64 / gets as f64;
        rows.push(Row::new(
            "cache_hit_rate",
            "build cache hit rate",
            pct(rate),
            rate,
            gets as u64,
        ));
        rows.push(Row::new(
            "cache_time_saved",
            "build time saved by the cache",
            duration(saved),
            saved as f64 / 1000.0,
            hits as u64,
        ));
    }
    // Downshift time: the audit trail's transitions, the state before the
    // window carried in.
    let trail: Vec<(i64, bool)> = conn
        .prepare("SELECT at_ms, active FROM downshift_audit WHERE at_ms < ?1 ORDER BY at_ms, id")?
        .query_map([now_ms], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? != 0)))?
        .collect::<std::result::Result<_, _>>()?;
    if !trail.is_empty() {
        let mut on = false;
        let mut since = since_ms;
        let mut active_ms = 0;
        for &(at, active) in &trail {
            let at = at.max(since_ms);
            if on {
                active_ms += at - since;
            }
            on = active;
            since = at;
        }
        if on {
            active_ms += now_ms - since;
        }
        let share = active_ms as f64 / (now_ms - since_ms).max(1) as f64;
        rows.push(Row::new(
            "downshift_time",
            "time in downshift",
            format!("{} ({})", pct(share), duration(active_ms)),
            share,
            trail.len() as u64,
        ));
    }
    // Time to remediate high and critical vulnerabilities.
    let mut ttr: Vec<f64> = conn
        .prepare(
            "SELECT (resolved_ms - first_seen_ms) / 3600000.0 FROM vuln_episodes
             WHERE resolved_ms IS NOT NULL AND resolved_ms >= ?1 AND resolved_ms < ?2
               AND severity IN ('HIGH', 'CRITICAL')",
        )?
        .query_map([since_ms, now_ms], |r| r.get(0))?
        .collect::<std::result::Result<_, _>>()?;
    if !ttr.is_empty() {
        ttr.sort_by(f64::total_cmp);
        let m = quantile(&ttr, 0.5);
        rows.push(
            Row::new(
                "ttr_high_hours",
                "median time to remediate (high, critical)",
                format!("{m:.1} h"),
                m,
                ttr.len() as u64,
            )
            .against("≤ 48 h", m <= 48.0),
        );
    }
    let weeks = weekly(
        &outcomes_for_trend(conn, since_ms, now_ms)?,
        since_ms,
        now_ms,
        threshold,
    );
    Ok(Kpis {
        since_ms,
        until_ms: now_ms,
        rows,
        weeks,
    })
}

fn outcomes_for_trend(conn: &Connection, since: i64, until: i64) -> Result<Vec<(i64, f64, f64)>> {
    Ok(conn
        .prepare("SELECT at_ms, eval, cost_usd FROM outcomes WHERE at_ms >= ?1 AND at_ms < ?2")?
        .query_map([since, until], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<std::result::Result<_, _>>()?)
}

/// Weeks from `since` (the last one may be partial), those with reports only.
fn weekly(o: &[(i64, f64, f64)], since: i64, until: i64, threshold: f64) -> Vec<Week> {
    let n = ((until - since) / (7 * DAY_MS) + 1) as usize;
    let mut acc = vec![(0u64, 0.0, 0u64, 0.0); n];
    for &(at, eval, cost) in o {
        let w = ((at - since) / (7 * DAY_MS)) as usize;
        if let Some(a) = acc.get_mut(w) {
            a.0 += 1;
            a.1 += eval;
            a.2 += (eval >= threshold) as u64;
            a.3 += cost;
        }
    }
    acc.iter()
        .enumerate()
        .filter(|(_, a)| a.0 > 0)
        .map(|(i, a)| Week {
            start: day(since + i as i64 * 7 * DAY_MS),
            tasks: a.0,
            eval_mean: a.1 / a.0 as f64,
            pass_rate: a.2 as f64 / a.0 as f64,
            cost_per_task: a.3 / a.0 as f64,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_group_reports_and_skip_empty_ones() {
        let o = [(0, 0.8, 0.1), (DAY_MS, 0.4, 0.3), (15 * DAY_MS, 1.0, 0.2)];
        let w = weekly(&o, 0, 21 * DAY_MS, 0.5);
        assert_eq!(w.len(), 2);
        assert_eq!((w[0].tasks, w[0].pass_rate), (2, 0.5));
        assert!((w[0].eval_mean - 0.6).abs() < 1e-12);
        assert_eq!(w[1].start, "1970-01-15");
    }
}
