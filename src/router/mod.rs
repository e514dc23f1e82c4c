//! Routing on the state store: `route`, `report`, arms, downshift and
//! statistics, with the SQL evidence behind the posteriors. Each write is one
//! transaction; the bandit itself (pure, RNG passed in) lives in
//! [`crate::bandit`].

pub mod arms;
pub mod cascade;
pub mod downshift;
pub mod evidence;
pub mod ope;
pub mod render;
pub mod report;
pub mod route;
pub mod stats;

pub use arms::{add_arm, all_arms, retire_arm, Arm};
pub use cascade::{DoneReason, Finished};
pub use downshift::{audit_log, downshift_state, set_downshift, spend_on, AuditEntry, Downshift};
pub use evidence::{arm_stats, bernoulli_for, ArmStats};
pub use report::{report, Outcome, ReportTarget, Reported};
pub use route::{route, Alternative, Decision, RouteRequest, Routed};
pub use stats::{stats, ArmLine, Stats};

/// Refuses an id (a task, a decision) that is blank or holds a control
/// character: ids are echoed into logs and PR comments, where a newline or an
/// escape sequence would forge a line (exit 2).
pub fn check_id(what: &str, id: &str) -> crate::error::Result<()> {
    if id.trim().is_empty() {
        return Err(crate::error::input(format!("{what} must not be empty")));
    }
    if id.chars().any(char::is_control) {
        return Err(crate::error::input(format!(
            "{what} `{}`: control characters are not allowed in ids",
            id.escape_debug()
        )));
    }
    Ok(())
}

/// Rounds to six decimals, as decisions and stats print their numbers.
pub(crate) fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}
