//! What a `put` or a `get` came to, as printed, recorded and counted.

use serde::Serialize;

/// The outcome of a `put`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PutOutcome {
    /// The entry was uploaded.
    Stored,
    /// The key exists already; it was left untouched.
    Exists,
}

/// The outcome of a `get`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum GetOutcome {
    /// The exact key was restored.
    Hit,
    /// An entry found by a `--restore-key` prefix was restored.
    RestoreHit,
    /// Nothing matched.
    Miss,
    /// An entry matched but failed verification; nothing was written.
    Rejected,
}

impl PutOutcome {
    /// The name printed and recorded.
    pub fn as_str(self) -> &'static str {
        match self {
            PutOutcome::Stored => "stored",
            PutOutcome::Exists => "exists",
        }
    }
}

impl GetOutcome {
    /// The name printed and recorded.
    pub fn as_str(self) -> &'static str {
        match self {
            GetOutcome::Hit => "hit",
            GetOutcome::RestoreHit => "restore-hit",
            GetOutcome::Miss => "miss",
            GetOutcome::Rejected => "rejected",
        }
    }

    /// Something was restored.
    pub fn restored(self) -> bool {
        matches!(self, GetOutcome::Hit | GetOutcome::RestoreHit)
    }

    /// Reads a recorded name; anything unknown counts as a miss.
    pub fn parse(s: &str) -> GetOutcome {
        match s {
            "hit" => GetOutcome::Hit,
            "restore-hit" => GetOutcome::RestoreHit,
            "rejected" => GetOutcome::Rejected,
            _ => GetOutcome::Miss,
        }
    }
}
