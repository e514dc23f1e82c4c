//! Autoscaling the agent workers: a discrete-event simulation of KEDA and
//! the HPA over a job queue, checked against Erlang C.

pub mod manifest;
pub mod observe;
pub mod plan;
pub mod sim;
