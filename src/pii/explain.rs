//! `pii-scan explain FINGERPRINT` and `--explain`: why a finding scored
//! what it did, and what decided its action.

use super::Finding;
use crate::output::safe::one_line;
use serde_json::{json, Value};

/// The findings whose fingerprint starts with `prefix`.
pub fn matching<'a>(findings: &'a [Finding], prefix: &str) -> Vec<&'a Finding> {
    let prefix = prefix.to_ascii_lowercase();
    findings
        .iter()
        .filter(|f| f.fingerprint.starts_with(&prefix))
        .collect()
}

/// The explanation in words, one finding.
pub fn text(f: &Finding) -> String {
    let mut out = format!(
        "{} {}:{}:{} — {} (confidence {:.2})\n  {}\n  fingerprint {}\n  confidence:\n",
        f.rule,
        one_line(&f.path),
        f.line,
        f.column,
        f.action.name(),
        f.confidence,
        one_line(&f.snippet),
        f.fingerprint
    );
    let mut prev: Option<f64> = None;
    for (what, c) in &f.steps {
        let delta = match prev {
            None => format!("{c:.2}"),
            Some(p) if (c - p).abs() < 1e-9 => "  =  ".into(),
            Some(p) => format!("{:+.2}", c - p),
        };
        out.push_str(&format!("    {delta:>5} → {c:.2}  {}\n", one_line(what)));
        prev = Some(*c);
    }
    out.push_str(&format!(
        "  file class: {} ({})\n  action:\n",
        f.file_class.name(),
        f.file_class.describe()
    ));
    for d in &f.decided {
        out.push_str(&format!("    {}\n", one_line(d)));
    }
    out.push_str(&format!("    → {}\n", f.action.name()));
    out
}

/// The explanation as JSON, one finding.
pub fn json(f: &Finding) -> Value {
    json!({
        "finding": f,
        "steps": f.steps.iter().map(|(what, c)| json!({"what": what, "confidence": c})).collect::<Vec<_>>(),
        "file_class": f.file_class.name(),
        "file_class_effect": f.file_class.describe(),
        "decided": f.decided,
    })
}
