//! `slo evaluate`: burn drives the router's downshift. It enters when a
//! configured alert fires and leaves only after burn stayed below 1 on both
//! windows of those alerts for the hold time, so noise around a threshold
//! does not flap it. Every transition goes to the hash-chained audit trail
//! with the burn figures as the reason. A downshift someone else turned on is
//! left alone.

use super::input::Events;
use super::{burns, downshift_rule, error_budget, seconds, span, window, Burn};
use crate::clock::Clock;
use crate::config::SloConfig;
use crate::error::Result;
use crate::router::downshift::{manual_downshift, switch};
use crate::state::Store;
use serde::Serialize;

/// The actor `slo evaluate` writes to the audit trail.
pub const ACTOR: &str = "slo";

/// What `slo evaluate` did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Downshift turned on.
    Entered,
    /// Downshift turned off.
    Left,
    /// Downshift stays on: burn is still up, or the hold time is not over.
    Held,
    /// Someone else's downshift is on; left alone.
    NotOurs,
    /// No downshift, none needed.
    Calm,
}

/// The result of `slo evaluate`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evaluation {
    /// What was done.
    pub action: Action,
    /// Why, in words (the audit reason on a transition).
    pub reason: String,
    /// The downshift is on afterwards.
    pub downshift: bool,
    /// Each SLO's burn.
    pub burns: Vec<Burn>,
}

/// Why a burn enters downshift, with its figures.
fn entering(b: &Burn) -> Option<String> {
    if !b.downshift {
        return None;
    }
    let a = b
        .alerts
        .iter()
        .filter(|a| a.firing)
        .find(|a| a.severity == "downshift" || a.severity == "page")
        .or_else(|| b.alerts.iter().find(|a| a.firing))?;
    Some(format!(
        "slo {}: burn {:.2}× over {} and {:.2}× over {} ≥ {}× ({} alert; objective {}%, {:.0}% of the budget left)",
        b.name,
        a.long.burn,
        a.long.window,
        a.short.burn,
        a.short.window,
        a.threshold,
        a.name,
        b.objective,
        100.0 * b.budget_remaining
    ))
}

/// Whether burn stayed below 1 on both windows of the SLO's downshift alerts
/// at every data point in the hold time before `at`; `Err` says why not.
fn calm(slo: &SloConfig, events: &Events, at: i64) -> Result<std::result::Result<String, String>> {
    let hold = seconds(&format!("slo `{}` hold", slo.name), &slo.hold)? * 1000;
    let first = events.first().unwrap_or(at);
    if first > at - hold {
        return Ok(Err(format!(
            "slo {}: the data covers {} of the {} hold",
            slo.name,
            span((at - first) / 1000),
            slo.hold
        )));
    }
    let mut points: Vec<i64> = events
        .times()
        .into_iter()
        .filter(|&t| t >= at - hold && t <= at)
        .collect();
    points.push(at);
    let budget = error_budget(slo);
    let mut worst = 0.0f64;
    for rule in downshift_rule(slo) {
        for &p in &points {
            for w in [rule.long_s, rule.short_s] {
                let b = window(events, p, w, budget).burn;
                if b >= 1.0 {
                    return Ok(Err(format!(
                        "slo {}: burn {b:.2}× over {} at {} is not below 1 yet (hold {})",
                        slo.name,
                        span(w),
                        crate::clock::rfc3339(p),
                        slo.hold
                    )));
                }
                worst = worst.max(b);
            }
        }
    }
    Ok(Ok(format!(
        "slo {}: burn below 1 on both windows for {} (at most {worst:.2}×)",
        slo.name, slo.hold
    )))
}

/// Applies the SLOs' burn at `at` to the router's downshift.
pub fn evaluate(
    store: &mut Store,
    slos: &[(SloConfig, Events)],
    at: i64,
    clock: &Clock,
) -> Result<Evaluation> {
    let burns = burns(slos, at)?;
    let enter: Vec<String> = burns.iter().filter_map(entering).collect();
    store.write(|tx| {
        let current = manual_downshift(tx)?;
        let (action, reason) = match (&current, enter.is_empty()) {
            (None, false) => {
                let reason = enter.join("; ");
                switch(tx, true, &reason, ACTOR, clock)?;
                (Action::Entered, reason)
            }
            (None, true) => (Action::Calm, "no downshift alert fires".into()),
            (Some(m), _) if m.actor != ACTOR => (
                Action::NotOurs,
                format!(
                    "the downshift was turned on by {}; slo leaves it alone",
                    m.actor
                ),
            ),
            (Some(_), false) => (Action::Held, enter.join("; ")),
            (Some(_), true) => {
                let mut calm_reasons = Vec::new();
                let mut held = None;
                for (s, e) in slos {
                    match calm(s, e, at)? {
                        Ok(r) => calm_reasons.push(r),
                        Err(r) => {
                            held = Some(r);
                            break;
                        }
                    }
                }
                match held {
                    Some(r) => (Action::Held, r),
                    None => {
                        let reason = calm_reasons.join("; ");
                        switch(tx, false, &reason, ACTOR, clock)?;
                        (Action::Left, reason)
                    }
                }
            }
        };
        let downshift = manual_downshift(tx)?.is_some();
        Ok(Evaluation {
            action,
            reason,
            downshift,
            burns: burns.clone(),
        })
    })
}
