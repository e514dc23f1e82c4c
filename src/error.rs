//! Error classes and the exit codes they map to (see `docs/exit-codes.md`).

use std::fmt;

/// Exit code: success, or a gate passed.
pub const EXIT_OK: i32 = 0;
/// Exit code: a gate failed.
pub const EXIT_GATE: i32 = 1;
/// Exit code: bad usage or bad input.
pub const EXIT_INPUT: i32 = 2;
/// Exit code: infrastructure failure after retries.
pub const EXIT_INFRA: i32 = 3;

/// An error whose class decides the exit code. Anything else is treated as
/// bad input, because that is by far the most common cause.
#[derive(Debug)]
pub enum Failure {
    /// Usage or input error (exit 2).
    Input(String),
    /// Infrastructure unreachable after retries (exit 3).
    Infra(String),
    /// Stopped by a signal while an agent ran (exit 128 + the signal).
    Interrupted(i32, String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Input(m) | Failure::Infra(m) | Failure::Interrupted(_, m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Failure {}

/// Builds an input error (exit 2).
pub fn input(msg: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Failure::Input(msg.into()))
}

/// Builds an infrastructure error (exit 3).
pub fn infra(msg: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Failure::Infra(msg.into()))
}

/// Builds the error for a run stopped by `signal` (exit 128 + `signal`).
pub fn interrupted(signal: i32, msg: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Failure::Interrupted(signal, msg.into()))
}

/// The exit code for an error.
pub fn exit_code(err: &anyhow::Error) -> i32 {
    for cause in err.chain() {
        match cause.downcast_ref::<Failure>() {
            Some(Failure::Infra(_)) => return EXIT_INFRA,
            Some(Failure::Interrupted(sig, _)) => return 128 + sig,
            _ => {}
        }
    }
    EXIT_INPUT
}

/// The error as one line: the context chain joined with ": ", newlines folded.
pub fn one_line(err: &anyhow::Error) -> String {
    let s = format!("{err:#}");
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Shorthand for `Result<T, anyhow::Error>`.
pub type Result<T> = anyhow::Result<T>;
