//! SARIF 2.1.0 documents (the subset GitHub code scanning reads): one run,
//! one tool, rules, and results with a physical location.

use serde::Serialize;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// A result's level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// A blocking problem.
    Error,
    /// A non-blocking problem.
    Warning,
    /// Informational.
    Note,
}

/// A rule (`reportingDescriptor`).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    /// Stable id, referenced by results.
    pub id: String,
    /// Short description.
    pub short_description: Message,
    /// Longer description, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_description: Option<Message>,
    /// A link for the rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help_uri: Option<String>,
    /// Default level.
    pub default_configuration: Configuration,
    /// `security-severity` (a CVSS-like number as a string, GitHub's
    /// convention) and `tags`.
    pub properties: serde_json::Value,
}

/// `reportingConfiguration`.
#[derive(Clone, Debug, Serialize)]
pub struct Configuration {
    /// Default level.
    pub level: Level,
}

/// A `message` object.
#[derive(Clone, Debug, Serialize)]
pub struct Message {
    /// Plain text.
    pub text: String,
}

impl Message {
    /// A message with this text.
    pub fn new(text: impl Into<String>) -> Message {
        Message { text: text.into() }
    }
}

/// One result.
#[derive(Clone, Debug)]
pub struct Finding {
    /// The rule's id.
    pub rule_id: String,
    /// Level.
    pub level: Level,
    /// What was found, in words.
    pub message: Message,
    /// Path relative to the repository root, with `/` separators.
    pub path: String,
    /// 1-based line.
    pub line: u64,
    /// 1-based column.
    pub column: u64,
    /// A fingerprint that stays the same across runs while the finding does.
    pub fingerprint: String,
    /// `new`, `unchanged` or `absent` relative to a baseline, when known.
    pub baseline_state: Option<&'static str>,
}

/// Builds the SARIF log for one tool run.
pub fn log(
    tool: &str,
    version: &str,
    info_uri: Option<&str>,
    rules: &[Rule],
    results: &[Finding],
) -> serde_json::Value {
    let results: Vec<serde_json::Value> = results
        .iter()
        .map(|r| {
            let mut v = serde_json::json!({
                "ruleId": r.rule_id,
                "ruleIndex": rules.iter().position(|x| x.id == r.rule_id),
                "level": r.level,
                "message": r.message,
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": r.path, "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": r.line.max(1), "startColumn": r.column.max(1)}
                    }
                }],
                "partialFingerprints": {"primaryLocationLineHash": r.fingerprint},
            });
            if let Some(b) = r.baseline_state {
                v["baselineState"] = b.into();
            }
            v
        })
        .collect();
    let mut driver = serde_json::json!({"name": tool, "version": version, "rules": rules});
    if let Some(uri) = info_uri {
        driver["informationUri"] = uri.into();
    }
    serde_json::json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{"tool": {"driver": driver}, "results": results}]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_reference_their_rules() {
        let rules = vec![Rule {
            id: "R1".into(),
            short_description: Message::new("one"),
            full_description: None,
            help_uri: None,
            default_configuration: Configuration {
                level: Level::Error,
            },
            properties: serde_json::json!({"security-severity": "9.8"}),
        }];
        let results = vec![Finding {
            rule_id: "R1".into(),
            level: Level::Error,
            message: Message::new("found"),
            path: "a/b.json".into(),
            line: 0,
            column: 3,
            fingerprint: "abc".into(),
            baseline_state: Some("new"),
        }];
        let v = log("maestro", "0.1.0", None, &rules, &results);
        assert_eq!(v["version"], "2.1.0");
        let r = &v["runs"][0]["results"][0];
        assert_eq!(r["ruleIndex"], 0);
        assert_eq!(r["level"], "error");
        assert_eq!(r["baselineState"], "new");
        let region = &r["locations"][0]["physicalLocation"]["region"];
        assert_eq!(region["startLine"], 1);
        assert_eq!(region["startColumn"], 3);
        assert_eq!(
            v["runs"][0]["tool"]["driver"]["rules"][0]["shortDescription"]["text"],
            "one"
        );
    }
}
