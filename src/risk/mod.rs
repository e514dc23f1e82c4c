//! `maestro risk`: a calibrated change-risk model (just-in-time defect
//! prediction) trained on a repository's own history.

pub mod calibrate;
pub mod data;
pub mod features;
pub mod gbm;
pub mod graph_features;
pub mod history;
pub mod label;
pub mod logistic;
pub mod metrics;
pub mod model;
pub mod plot;
pub mod reasons;
pub mod train;
