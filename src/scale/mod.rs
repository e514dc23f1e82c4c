//! Autoscaling the agent workers: a discrete-event simulation of KEDA and
//! the HPA over a job queue, checked against Erlang C.

pub mod plan;
pub mod sim;
