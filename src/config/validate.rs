//! Checks on a parsed configuration and on arms given on the command line.

use super::types::{Config, ObjectiveKind};
use crate::bandit::Prior;

fn check_unit(name: &str, v: f64) -> std::result::Result<(), String> {
    if (0.0..=1.0).contains(&v) {
        Ok(())
    } else {
        Err(format!("{name} = {v} must be in [0, 1]"))
    }
}

pub use crate::units::MAX_USD;
/// The most tokens one report may count (fits the state's 64-bit integers).
pub const MAX_TOKENS: u64 = 1_000_000_000_000;
/// The most observations a prior may be worth.
pub const MAX_PRIOR_WEIGHT: f64 = 1e6;

fn check_non_negative(name: &str, v: f64) -> std::result::Result<(), String> {
    check_range(name, v, f64::MAX)
}

/// `v` is a finite number in [0, max].
pub fn check_range(name: &str, v: f64, max: f64) -> std::result::Result<(), String> {
    if v.is_finite() && (0.0..=max).contains(&v) {
        Ok(())
    } else if max == f64::MAX {
        Err(format!("{name} = {v} must be a number >= 0"))
    } else {
        Err(format!("{name} = {v} must be a number in [0, {max}]"))
    }
}

/// The most attempts a task may get: the cascade's programme grows with the
/// number of failed-arm sets it looks ahead over.
pub const MAX_ATTEMPTS: u32 = 5;

/// Checks ranges and cross-field rules.
pub fn validate(c: &Config) -> std::result::Result<(), String> {
    let r = &c.router;
    check_range("router.lambda", r.lambda, MAX_USD)?;
    check_unit("router.exploration_cap", r.exploration_cap)?;
    if r.window == 0 {
        return Err("router.window must be at least 1".into());
    }
    check_non_negative("router.half_life", r.half_life)?;
    if !(1..=MAX_ATTEMPTS).contains(&r.max_attempts) {
        return Err(format!(
            "router.max_attempts = {} must be in [1, {MAX_ATTEMPTS}]",
            r.max_attempts
        ));
    }
    check_unit("router.pass_threshold", r.pass_threshold)?;
    check_unit("router.latency_weight", r.latency_weight)?;
    if r.max_attempts > 1 && r.objective == ObjectiveKind::MinCost {
        return Err(
            "router.max_attempts > 1 escalates under the reward objective; it cannot be combined with objective = \"min-cost\"".into(),
        );
    }
    match (r.objective, r.min_eval) {
        (ObjectiveKind::MinCost, None) => {
            return Err("router.objective = \"min-cost\" needs router.min_eval".into())
        }
        (_, Some(m)) => check_unit("router.min_eval", m)?,
        _ => {}
    }
    let mut names = std::collections::HashSet::new();
    for slo in &c.slo {
        check_slo(slo)?;
        if !names.insert(slo.name.as_str()) {
            return Err(format!("slo `{}` is defined twice", slo.name));
        }
    }
    if r.downshift_tiers.is_empty() {
        return Err("router.downshift_tiers must name at least one tier".into());
    }
    if let Some(d) = c.budget.daily_usd {
        if !(d.is_finite() && d > 0.0 && d <= MAX_USD) {
            return Err(format!(
                "budget.daily_usd = {d} must be a number in (0, {MAX_USD}]"
            ));
        }
    }
    if c.state.trim().is_empty() {
        return Err("state must not be empty".into());
    }
    check_unit("risk.threshold", c.risk.threshold)?;
    if !(1..=22).contains(&c.cache.level) {
        return Err(format!(
            "cache.level = {} must be between 1 and 22",
            c.cache.level
        ));
    }
    if c.cache.store.trim().is_empty() {
        return Err("cache.store must not be empty".into());
    }
    let mut seen = std::collections::HashSet::new();
    for a in &c.arms {
        validate_arm_id(&a.id)?;
        if !seen.insert(a.id.as_str()) {
            return Err(format!("arm `{}` is declared twice", a.id));
        }
        validate_prior(&a.id, &a.prior())?;
        validate_params(&a.id, a.params.as_ref())?;
    }
    Ok(())
}

/// Arm ids are non-empty, printable and without whitespace or commas.
pub fn validate_arm_id(id: &str) -> std::result::Result<(), String> {
    if id.is_empty()
        || id.len() > 200
        || id
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == ',')
    {
        Err(format!(
            "`{id}` is not a valid arm id (1-200 characters, no whitespace or commas)"
        ))
    } else {
        Ok(())
    }
}

/// Prior values must be in range.
pub fn validate_prior(id: &str, p: &Prior) -> std::result::Result<(), String> {
    if let Some(e) = p.eval {
        check_unit(&format!("arm `{id}` prior_eval"), e)?;
    }
    if let Some(c) = p.cost {
        check_range(&format!("arm `{id}` prior_cost"), c, MAX_USD)?;
    }
    check_range(
        &format!("arm `{id}` prior_weight"),
        p.weight,
        MAX_PRIOR_WEIGHT,
    )
}

/// One SLO's settings, wherever they came from (`[[slo]]` or a YAML file).
pub fn check_slo(slo: &super::SloConfig) -> std::result::Result<(), String> {
    let what = format!("slo `{}`", slo.name);
    if slo.name.trim().is_empty() || slo.name.chars().any(char::is_control) {
        return Err("[[slo]] name must be non-empty, without control characters".into());
    }
    if !(slo.objective > 0.0 && slo.objective < 100.0) {
        return Err(format!(
            "{what}: objective = {} must be a percentage in (0, 100), e.g. 99.5",
            slo.objective
        ));
    }
    for (key, v) in [("period", &slo.period), ("hold", &slo.hold)] {
        crate::units::parse_duration(v).map_err(|e| format!("{what}: {key} = {e}"))?;
    }
    if !(slo.downshift_burn.is_finite() && slo.downshift_burn > 0.0) {
        return Err(format!("{what}: downshift_burn must be > 0"));
    }
    Ok(())
}

/// An arm's parameters must be a table of at most 64 KiB.
pub fn validate_params(id: &str, p: Option<&serde_json::Value>) -> std::result::Result<(), String> {
    match p {
        None => Ok(()),
        Some(v) if !v.is_object() => Err(format!("arm `{id}` params must be a table")),
        Some(v) if v.to_string().len() > 65_536 => {
            Err(format!("arm `{id}` params are larger than 64 KiB"))
        }
        Some(_) => Ok(()),
    }
}
