//! The routing bandit: posteriors, the Thompson-sampling policy with its
//! exploration cap, baseline policies, offline replay and the draw helpers
//! they share. No I/O here except reading replay data from a reader.

pub mod baselines;
pub mod cascade;
pub mod draw;
pub mod ope;
pub mod policy;
pub mod posterior;
pub mod replay;

pub use policy::{ExplorationCap, Objective, Pick, Rule};
pub use posterior::{Evidence, Posterior, Prior};
