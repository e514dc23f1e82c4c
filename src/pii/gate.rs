//! The pii-scan gate: which findings fail it, and the `--json` document.

use super::baseline::Check;
use super::scan::Report;
use super::{Action, Finding, Skipped};
use serde::Serialize;

/// The least action that fails the gate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailOn {
    /// Block findings fail.
    Block,
    /// Block and warn findings fail.
    Warn,
    /// Never fail.
    None,
}

impl FailOn {
    /// Every threshold's name.
    pub const NAMES: [&'static str; 3] = ["block", "warn", "none"];
}

impl std::str::FromStr for FailOn {
    type Err = String;

    fn from_str(s: &str) -> Result<FailOn, String> {
        match s {
            "block" => Ok(FailOn::Block),
            "warn" => Ok(FailOn::Warn),
            "none" => Ok(FailOn::None),
            _ => Err(format!("unknown action `{s}` (block, warn, none)")),
        }
    }
}

/// Findings counted by action, and how many fail the gate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tally {
    /// Findings whose action is block.
    pub block: usize,
    /// Findings whose action is warn.
    pub warn: usize,
    /// Findings that fail the gate.
    pub failing: usize,
}

impl Tally {
    /// Counts `findings` against `fail_on`.
    pub fn of(findings: &[Finding], fail_on: FailOn) -> Tally {
        let count = |act: Action| findings.iter().filter(|f| f.action == act).count();
        let (block, warn) = (count(Action::Block), count(Action::Warn));
        let failing = match fail_on {
            FailOn::Block => block,
            FailOn::Warn => block + warn,
            FailOn::None => 0,
        };
        Tally {
            block,
            warn,
            failing,
        }
    }
}

/// The `--json` document.
#[derive(Serialize)]
pub struct Document<'a> {
    /// The baseline check, when `--baseline` was given.
    pub baseline: Option<&'a Check>,
    /// Every finding that remains.
    pub findings: &'a [Finding],
    /// Files not (fully) scanned.
    pub skipped: &'a [Skipped],
    /// Counts.
    pub summary: Summary,
}

/// The counts of a scan.
#[derive(Serialize)]
pub struct Summary {
    /// Suppressed by `maestro:allow` with a reason.
    pub allowed: usize,
    /// Suppressed by the baseline.
    pub baselined: usize,
    /// Value candidates under the confidence threshold.
    pub below_threshold: usize,
    /// Block findings.
    pub block: usize,
    /// Bytes scanned.
    pub bytes: u64,
    /// Findings a file class's defaults leave out.
    pub by_file_class: usize,
    /// Files scanned, by file class.
    pub classes: std::collections::BTreeMap<&'static str, usize>,
    /// Findings that fail the gate.
    pub failing: usize,
    /// Files scanned.
    pub files: usize,
    /// Findings of rules the policy turns off.
    pub off: usize,
    /// Files skipped.
    pub skipped: usize,
    /// Warn findings.
    pub warn: usize,
}

impl<'a> Document<'a> {
    /// The document of a scan, checked against a baseline or not.
    pub fn new(r: &'a Report, check: Option<&'a Check>, t: Tally) -> Document<'a> {
        Document {
            baseline: check,
            findings: &r.findings,
            skipped: &r.skipped,
            summary: Summary {
                allowed: r.allowed,
                baselined: check.map_or(0, |c| c.suppressed),
                below_threshold: r.below_threshold,
                block: t.block,
                bytes: r.bytes,
                by_file_class: r.by_file_class,
                classes: r.classes.iter().map(|(c, n)| (c.name(), *n)).collect(),
                failing: t.failing,
                files: r.files,
                off: r.off,
                skipped: r.skipped.len(),
                warn: t.warn,
            },
        }
    }
}
