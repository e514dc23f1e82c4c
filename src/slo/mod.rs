//! Service level objectives: error-budget burn over the SRE Workbook's
//! multiwindow alert pairs (and the seed's 2× alert), the downshift they
//! drive, and the deploy gate.
//!
//! Burn rate over a window is the window's error ratio divided by the error
//! budget (1 − objective): at burn 1 the budget lasts exactly the period.
//! An alert fires when both its long and its short window burn at or above
//! its threshold and each holds at least `min_events` events.

pub mod control;
pub mod input;
pub mod spec;

use crate::config::{DownshiftOn, SloConfig};
use crate::error::{input as bad_input, Result};
use input::Events;
use serde::Serialize;

/// One multiwindow alert.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct AlertRule {
    /// Its name.
    pub name: &'static str,
    /// `page` or `ticket`.
    pub severity: &'static str,
    /// Burn rate threshold.
    pub burn: f64,
    /// Long window, seconds.
    pub long_s: i64,
    /// Short window, seconds.
    pub short_s: i64,
}

/// The SRE Workbook's alerts (chapter 5, "multiwindow, multi-burn-rate").
pub const WORKBOOK: [AlertRule; 3] = [
    AlertRule {
        name: "page-fast",
        severity: "page",
        burn: 14.4,
        long_s: 3600,
        short_s: 300,
    },
    AlertRule {
        name: "page-slow",
        severity: "page",
        burn: 6.0,
        long_s: 6 * 3600,
        short_s: 1800,
    },
    AlertRule {
        name: "ticket",
        severity: "ticket",
        burn: 1.0,
        long_s: 3 * 86400,
        short_s: 6 * 3600,
    },
];

/// The seed's alert: `burn`× over 1h and 5m.
pub fn seed_rule(burn: f64) -> AlertRule {
    AlertRule {
        name: "seed",
        severity: "downshift",
        burn,
        long_s: 3600,
        short_s: 300,
    }
}

/// Burn over one window.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Window {
    /// Its length, as `5m`.
    pub window: String,
    /// Events in it.
    pub total: f64,
    /// Good events in it.
    pub good: f64,
    /// Share of bad events.
    pub error_ratio: f64,
    /// error_ratio ÷ (1 − objective).
    pub burn: f64,
}

/// One alert's state.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Alert {
    /// The rule's name.
    pub name: String,
    /// `page`, `ticket` or `downshift`.
    pub severity: String,
    /// Threshold.
    pub threshold: f64,
    /// Long window.
    pub long: Window,
    /// Short window.
    pub short: Window,
    /// Both windows at or above the threshold with enough events.
    pub firing: bool,
    /// A window had fewer than `min_events` events, so the alert cannot fire.
    pub quiet: bool,
}

/// The burn of one SLO at one time.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Burn {
    /// The SLO.
    pub name: String,
    /// Objective, percent.
    pub objective: f64,
    /// Budget period, as configured.
    pub period: String,
    /// Evaluation time, Unix ms.
    pub at_ms: i64,
    /// Events in the period (or as much of it as the data covers).
    pub total: f64,
    /// Bad events in the period.
    pub bad: f64,
    /// Share of the period's error budget left (negative when overspent).
    pub budget_remaining: f64,
    /// Share of the period the data covers.
    pub coverage: f64,
    /// The alerts, the Workbook's then the seed's.
    pub alerts: Vec<Alert>,
    /// A page alert fires.
    pub page: bool,
    /// The ticket alert fires.
    pub ticket: bool,
    /// The alert that drives downshift fires.
    pub downshift: bool,
}

/// A window length as `5m`, `6h`, `3d`.
pub fn span(secs: i64) -> String {
    match secs {
        s if s % 86400 == 0 => format!("{}d", s / 86400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// Parses a configured duration into seconds.
pub fn seconds(what: &str, s: &str) -> Result<i64> {
    let d = crate::units::parse_duration(s).map_err(|e| bad_input(format!("{what}: {e}")))?;
    Ok(d.as_secs() as i64)
}

/// The error budget: the share of events allowed to be bad.
pub fn error_budget(slo: &SloConfig) -> f64 {
    1.0 - slo.objective / 100.0
}

/// The burn over the `secs` before `at_ms`, against `budget`. With ratio
/// input the counts are unknown (NaN, `null` in JSON).
pub fn window(events: &Events, at_ms: i64, secs: i64, budget: f64) -> Window {
    if !events.counted() {
        let error_ratio = events.ratio(secs, at_ms).unwrap_or(0.0);
        return Window {
            window: span(secs),
            total: f64::NAN,
            good: f64::NAN,
            error_ratio,
            burn: error_ratio / budget,
        };
    }
    let (good, total) = events.window(at_ms - secs * 1000, at_ms);
    let error_ratio = if total > 0.0 {
        ((total - good) / total).max(0.0)
    } else {
        0.0
    };
    Window {
        window: span(secs),
        total,
        good,
        error_ratio,
        burn: error_ratio / budget,
    }
}

/// The burn of `slo` at `at_ms` from `events` (those after it are ignored).
pub fn burn(slo: &SloConfig, events: &Events, at_ms: i64) -> Result<Burn> {
    let budget = error_budget(slo);
    let window = |secs: i64| window(events, at_ms, secs, budget);
    let min = slo.min_events as f64;
    let alert = |rule: &AlertRule| {
        let long = window(rule.long_s);
        let short = window(rule.short_s);
        let quiet = long.total < min || short.total < min;
        Alert {
            name: rule.name.to_string(),
            severity: rule.severity.to_string(),
            threshold: rule.burn,
            firing: !quiet && long.burn >= rule.burn && short.burn >= rule.burn,
            quiet,
            long,
            short,
        }
    };
    let mut alerts: Vec<Alert> = WORKBOOK.iter().map(alert).collect();
    alerts.push(alert(&seed_rule(slo.downshift_burn)));
    let period = seconds(&format!("slo `{}` period", slo.name), &slo.period)?;
    let (good, total) = events.window(at_ms - period * 1000, at_ms);
    let bad = (total - good).max(0.0);
    let allowed = budget * total;
    let first = events.first().unwrap_or(at_ms);
    let covered = ((at_ms - first).max(0) as f64 / (period * 1000) as f64).min(1.0);
    let budget_remaining = if !events.counted() {
        1.0 - events.ratio(period, at_ms).unwrap_or(0.0) / budget
    } else if allowed > 0.0 {
        1.0 - bad / allowed
    } else {
        1.0
    };
    let (total, bad, covered) = if events.counted() {
        (total, bad, covered)
    } else {
        (f64::NAN, f64::NAN, f64::NAN)
    };
    let fires = |sev: &str| alerts.iter().any(|a| a.severity == sev && a.firing);
    let (page, ticket) = (fires("page"), fires("ticket"));
    let downshift = match slo.downshift_on {
        DownshiftOn::Seed => fires("downshift"),
        DownshiftOn::Page => page,
        DownshiftOn::Ticket => page || ticket,
        DownshiftOn::Never => false,
    };
    Ok(Burn {
        name: slo.name.clone(),
        objective: slo.objective,
        period: slo.period.clone(),
        at_ms,
        total,
        bad,
        budget_remaining,
        coverage: covered,
        page,
        ticket,
        downshift,
        alerts,
    })
}

/// The burn of each SLO at `at_ms` from its events.
pub fn burns(slos: &[(SloConfig, Events)], at_ms: i64) -> Result<Vec<Burn>> {
    slos.iter().map(|(s, e)| burn(s, e, at_ms)).collect()
}

/// The windows ratio input must hold for `slo`: every alert's and the period.
pub fn windows_needed(slo: &SloConfig) -> Result<Vec<i64>> {
    let mut w: Vec<i64> = WORKBOOK
        .iter()
        .chain(std::iter::once(&seed_rule(slo.downshift_burn)))
        .flat_map(|r| [r.long_s, r.short_s])
        .collect();
    w.push(seconds(&format!("slo `{}` period", slo.name), &slo.period)?);
    w.sort_unstable();
    w.dedup();
    Ok(w)
}

/// The alert that drives downshift, for `slo`, as its rule.
pub fn downshift_rule(slo: &SloConfig) -> Vec<AlertRule> {
    match slo.downshift_on {
        DownshiftOn::Seed => vec![seed_rule(slo.downshift_burn)],
        DownshiftOn::Page => WORKBOOK[..2].to_vec(),
        DownshiftOn::Ticket => WORKBOOK.to_vec(),
        DownshiftOn::Never => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn slo() -> SloConfig {
        SloConfig::new("agent", 99.0)
    }

    /// One sample a minute for `minutes`, with `errors(minute)` bad out of 100.
    fn events(minutes: i64, errors: impl Fn(i64) -> f64) -> Events {
        let mut e = Events::default();
        for m in 1..=minutes {
            e.good.push((m * 60_000, 100.0 - errors(m)));
            e.total.push((m * 60_000, 100.0));
        }
        e
    }

    #[test]
    fn burn_is_the_error_ratio_over_the_budget() {
        // 5 % errors against a 1 % budget: burn 5 everywhere.
        let e = events(4 * 24 * 60, |_| 5.0);
        let b = burn(&slo(), &e, e.last().unwrap()).unwrap();
        for a in &b.alerts {
            assert!((a.long.burn - 5.0).abs() < 1e-9, "{a:?}");
        }
        let firing: Vec<&str> = b
            .alerts
            .iter()
            .filter(|a| a.firing)
            .map(|a| a.name.as_str())
            .collect();
        assert_eq!(firing, ["ticket", "seed"]);
        assert!(!b.page && b.ticket && b.downshift);
        // Over the events seen, errors run at five times the budget: 1 − 5 left.
        assert!(
            (b.budget_remaining - (1.0 - 5.0)).abs() < 1e-9,
            "{}",
            b.budget_remaining
        );
        assert!((b.coverage - (4.0 * 24.0 * 60.0 - 1.0) / (30.0 * 24.0 * 60.0)).abs() < 1e-9);
    }

    #[test]
    fn a_fast_burn_pages_only_when_both_windows_burn() {
        // Quiet for a day, then 20 % errors for the last 10 minutes.
        let e = events(24 * 60, |m| if m > 24 * 60 - 10 { 20.0 } else { 0.0 });
        let b = burn(&slo(), &e, e.last().unwrap()).unwrap();
        let fast = &b.alerts[0];
        // Short window: 20× ≥ 14.4; long window: 10 of 60 minutes at 20 % = 3.33×.
        assert!(fast.short.burn >= 14.4 && fast.long.burn < 14.4, "{fast:?}");
        assert!(!fast.firing && !b.page);
        // The seed's 2× alert does fire.
        assert!(b.downshift);
    }

    #[test]
    fn a_quiet_hour_does_not_page() {
        let mut e = Events::default();
        // Three events in the last hour, two of them bad.
        for (m, g) in [(10, 1.0), (30, 0.0), (50, 0.0)] {
            e.good.push((m * 60_000, g));
            e.total.push((m * 60_000, 1.0));
        }
        let b = burn(&slo(), &e, 60 * 60_000).unwrap();
        assert!(b.alerts.iter().all(|a| a.quiet && !a.firing));
        assert!(!b.page && !b.downshift);
    }

    #[test]
    fn ratio_input_reads_the_latest_sample_per_window() {
        let mut e = Events::default();
        // 1 % errors over every window at t = 60 s, 5 % over 5m and 1h at 120 s.
        for w in windows_needed(&slo()).unwrap() {
            let late = if w == 300 || w == 3600 { 0.05 } else { 0.01 };
            e.ratios.insert(w, vec![(60_000, 0.01), (120_000, late)]);
        }
        let early = burn(&slo(), &e, 90_000).unwrap();
        assert!((early.alerts[3].short.burn - 1.0).abs() < 1e-9);
        assert!(early.total.is_nan() && !early.alerts[0].quiet);
        let late = burn(&slo(), &e, 120_000).unwrap();
        // 5 % over a 1 % budget: the seed's 2× fires on 1h and 5m; the
        // period's 1 % leaves nothing of the budget.
        assert!(late.downshift && !late.page, "{late:?}");
        assert!(late.budget_remaining.abs() < 1e-9);
        // Before the first sample nothing is known: no burn.
        assert_eq!(burn(&slo(), &e, 1_000).unwrap().alerts[0].long.burn, 0.0);
    }
}
