//! Routing on the state store: `route`, `report`, arms, downshift and
//! statistics, with the SQL evidence behind the posteriors. Each write is one
//! transaction; the bandit itself (pure, RNG passed in) lives in
//! [`crate::bandit`].

pub mod arms;
pub mod downshift;
pub mod evidence;
pub mod render;
pub mod report;
pub mod route;
pub mod stats;

pub use arms::{add_arm, all_arms, retire_arm, Arm};
pub use downshift::{audit_log, downshift_state, set_downshift, spend_on, AuditEntry, Downshift};
pub use evidence::{arm_stats, bernoulli_for, ArmStats};
pub use report::{report, Outcome, ReportTarget, Reported};
pub use route::{route, Alternative, Decision, RouteRequest};
pub use stats::{stats, ArmLine, Stats};

/// Rounds to six decimals, as decisions and stats print their numbers.
pub(crate) fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}
