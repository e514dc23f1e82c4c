//! `maestro pii-scan`: personal data written out in text (values) and
//! personal fields flowing to unsafe sinks in code (flows). Every finding has
//! a rule, an action, a reason in words and a redacted snippet; maestro never
//! prints a detected value in clear.

pub mod baseline;
pub mod class;
pub mod explain;
pub mod flows;
pub mod gate;
pub mod lexicon;
pub mod policy;
pub mod render;
pub mod sarif;
pub mod scan;
pub mod values;

use serde::Serialize;

/// `value` (PII in text) or `flow` (a PII field reaching a sink).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A value in text.
    Value,
    /// A field reaching a sink.
    Flow,
    /// A problem with a suppression comment.
    Control,
}

/// What a finding does to the gate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Fails the gate (exit 1).
    Block,
    /// Reported, never fails.
    Warn,
    /// Not reported.
    Off,
}

impl Action {
    /// The action's name.
    pub fn name(self) -> &'static str {
        match self {
            Action::Block => "block",
            Action::Warn => "warn",
            Action::Off => "off",
        }
    }
}

/// One finding.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    /// Rule id (`pii/value/email`, `pii/flow/logger`).
    pub rule: String,
    /// What was found (`EMAIL_ADDRESS`, `email`).
    pub entity: String,
    /// value, flow or control.
    pub kind: Kind,
    /// block or warn.
    pub action: Action,
    /// 0..1.
    pub confidence: f64,
    /// Why, in words.
    pub reason: String,
    /// Path relative to the scan root, `/`-separated.
    pub path: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
    /// The line with every detected value replaced by `[ENTITY]`.
    pub snippet: String,
    /// Stable across runs and line moves: rule, path, the redacted line and
    /// its occurrence number; never derived from the value itself.
    pub fingerprint: String,
    /// The class of the file (test, docs, vendored, …), which sets defaults.
    pub file_class: class::FileClass,
    /// A published sample value (4111 1111 1111 1111, example.com).
    #[serde(skip)]
    pub test_value: bool,
    /// How the confidence came about, step by step (for `explain`).
    #[serde(skip)]
    pub steps: Vec<(String, f64)>,
    /// How the action was decided, step by step (for `explain`).
    #[serde(skip)]
    pub decided: Vec<String>,
}

/// A file that was not (fully) scanned, and why.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Skipped {
    /// Path relative to the scan root.
    pub path: String,
    /// Why.
    pub reason: String,
}

/// Replaces every value hit on `line` (offsets relative to the line) with
/// its entity name, and cuts the result to 200 characters.
pub fn redact(line: &str, hits: &[(usize, usize, &str)]) -> String {
    let mut out = String::new();
    let mut at = 0;
    let mut sorted: Vec<_> = hits.to_vec();
    sorted.sort_by_key(|h| h.0);
    for (s, e, name) in sorted {
        if s < at || e > line.len() || !line.is_char_boundary(s) || !line.is_char_boundary(e) {
            continue;
        }
        out.push_str(&line[at..s]);
        out.push('[');
        out.push_str(name);
        out.push(']');
        at = e;
    }
    out.push_str(&line[at.min(line.len())..]);
    let t = out.trim();
    if t.chars().count() > 200 {
        let cut: String = t.chars().take(200).collect();
        format!("{cut}…")
    } else {
        t.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_hides_values_and_keeps_the_rest() {
        let line = "  mail bob@corp.io or 4012888888881881 now";
        let s = redact(line, &[(7, 18, "EMAIL_ADDRESS"), (22, 38, "CREDIT_CARD")]);
        assert_eq!(s, "mail [EMAIL_ADDRESS] or [CREDIT_CARD] now");
        assert!(!s.contains("bob"));
    }
}
