//! maestro: a self-tuning AI-agent delivery pipeline in one binary.
//!
//! The library holds every capability; `main.rs` only parses arguments,
//! runs a command and maps errors to exit codes.

pub mod bandit;
pub mod bench;
pub mod bump;
pub mod cache;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub mod docfile;
pub mod envhash;
pub mod error;
pub mod evolve;
pub mod exec;
pub mod git;
pub mod graph;
pub mod kpi;
pub mod lockfile;
pub mod output;
pub mod percentile;
pub mod pii;
pub mod prreport;
pub mod repro;
pub mod risk;
pub mod router;
pub mod sbom;
pub mod scale;
pub mod slo;
pub mod state;
pub mod storage;
pub mod units;
