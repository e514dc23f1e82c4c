//! The scenario registry: a directory of scenario files (TOML or YAML), each
//! one case for the agent: its inputs (`vars`), `tags` that pick a task
//! family, and weighted assertions on the agent's output, in the spirit of
//! promptfoo's test cases.
//!
//! ```toml
//! id = "null-deref"                 # default: the file's stem
//! tags = ["bugfix", "rust"]
//! [vars]
//! issue = "panics on an empty list"
//! [[assert]]
//! type = "contains"                 # equals, contains, regex, json-schema, number, judge
//! value = "is_empty()"
//! weight = 2                        # default 1
//! ```
//!
//! A scenario's score for an output is the weighted mean of its assertions'
//! scores: 1 or 0 for the checks, the judge's own score for `judge`.

use crate::error::{input, Result};
use crate::exec::schema::Schema;
use crate::output::safe::one_line;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    id: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    vars: Option<Value>,
    #[serde(default, rename = "assert")]
    asserts: Vec<Def>,
}

#[derive(Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Def {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    value: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tolerance: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    weight: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    threshold: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cmd: Option<String>,
}

/// What an assertion checks.
pub enum Check {
    /// The output equals this (strings compared as text, else as JSON).
    Equals(Value),
    /// The output's text contains this.
    Contains(String),
    /// The output's text matches this.
    Regex(regex::Regex),
    /// The output (JSON, or text that parses as JSON) is valid.
    Schema(Box<Schema>),
    /// The output is a number within `tolerance` of `value`.
    Number {
        /// The expected number.
        value: f64,
        /// Allowed absolute difference.
        tolerance: f64,
    },
    /// A command that reads `{"output", "vars", "scenario"}` on stdin and
    /// prints a score in [0, 1].
    Judge(String),
}

/// One weighted assertion.
pub struct Assertion {
    /// Its type, as written.
    pub kind: String,
    /// The check.
    pub check: Check,
    /// Its weight (> 0).
    pub weight: f64,
    /// A judge's score passes at or above this.
    pub threshold: f64,
}

/// One scenario.
pub struct Scenario {
    /// Its id (unique in the registry).
    pub id: String,
    /// The file it came from.
    pub file: PathBuf,
    /// Its tags.
    pub tags: Vec<String>,
    /// Its inputs.
    pub vars: Value,
    /// Its assertions.
    pub asserts: Vec<Assertion>,
    /// SHA-256 of its id, vars and assertions (not of formatting or comments).
    pub hash: String,
}

/// One assertion's result.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AssertResult {
    /// Its type.
    pub kind: String,
    /// Its score in [0, 1].
    pub score: f64,
    /// Whether it passed.
    pub pass: bool,
}

/// Scenario files at most in one registry.
pub const MAX_SCENARIOS: usize = 100_000;

impl Scenario {
    /// The output as text.
    fn text(output: &Value) -> String {
        match output {
            Value::String(s) => s.clone(),
            v => v.to_string(),
        }
    }

    /// Scores `output` by the assertions; `judge(cmd, input)` runs a judge.
    pub fn score(
        &self,
        output: &Value,
        judge: &dyn Fn(&str, &Value) -> Result<f64>,
    ) -> Result<(f64, Vec<AssertResult>)> {
        if self.asserts.is_empty() {
            return Err(input(format!(
                "{}: scenario `{}` has no assertions, so an output cannot be scored (print a score instead)",
                self.file.display(),
                one_line(&self.id)
            )));
        }
        let text = Self::text(output);
        let mut results = Vec::new();
        for a in &self.asserts {
            let binary = |ok: bool| if ok { 1.0 } else { 0.0 };
            let score = match &a.check {
                Check::Equals(v) => binary(match (v, output) {
                    (Value::String(want), _) => &text == want,
                    (want, got) => want == got,
                }),
                Check::Contains(s) => binary(text.contains(s.as_str())),
                Check::Regex(r) => binary(r.is_match(&text)),
                Check::Schema(s) => {
                    let doc = match output {
                        Value::String(t) => serde_json::from_str(t).ok(),
                        v => Some(v.clone()),
                    };
                    binary(doc.is_some_and(|d| s.is_valid(&d)))
                }
                Check::Number { value, tolerance } => {
                    let got = match output {
                        Value::Number(n) => n.as_f64(),
                        _ => text.trim().parse::<f64>().ok(),
                    };
                    binary(got.is_some_and(|g| (g - value).abs() <= *tolerance))
                }
                Check::Judge(cmd) => judge(
                    cmd,
                    &json!({"output": output, "vars": self.vars, "scenario": self.id}),
                )?,
            };
            results.push(AssertResult {
                kind: a.kind.clone(),
                score,
                pass: score >= a.threshold,
            });
        }
        let total: f64 = self.asserts.iter().map(|a| a.weight).sum();
        let s = self
            .asserts
            .iter()
            .zip(&results)
            .map(|(a, r)| a.weight * r.score)
            .sum::<f64>()
            / total;
        Ok((s, results))
    }
}

/// Reads one scenario file.
pub fn parse(text: &str, file: &Path) -> Result<Scenario> {
    let name = file.display().to_string();
    let f: File = crate::docfile::parse(text, &name)?;
    let id = match f.id {
        Some(i) => i,
        None => file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    if id.trim().is_empty() || id.chars().any(char::is_control) || id.len() > 200 {
        return Err(input(format!(
            "{name}: id must be 1-200 characters without control characters"
        )));
    }
    let _ = f.description;
    let vars = f.vars.unwrap_or(json!({}));
    let mut asserts = Vec::new();
    for (i, d) in f.asserts.iter().enumerate() {
        let at = format!("{name}: assert {} ({})", i + 1, one_line(&d.kind));
        asserts.push(assertion(d, &at)?);
    }
    let canon = json!({"id": id, "vars": vars, "assert": f.asserts});
    let hash = hex::encode(Sha256::digest(canon.to_string().as_bytes()));
    Ok(Scenario {
        id,
        file: file.to_path_buf(),
        tags: f.tags,
        vars,
        asserts,
        hash,
    })
}

fn assertion(d: &Def, at: &str) -> Result<Assertion> {
    let weight = d.weight.unwrap_or(1.0);
    if !(weight.is_finite() && weight > 0.0) {
        return Err(input(format!("{at}: weight must be > 0")));
    }
    let threshold = d
        .threshold
        .unwrap_or(if d.kind == "judge" { 0.5 } else { 1.0 });
    if !(0.0..=1.0).contains(&threshold) {
        return Err(input(format!("{at}: threshold must be in [0, 1]")));
    }
    let text = |what: &str| -> Result<String> {
        match &d.value {
            Some(Value::String(s)) => Ok(s.clone()),
            _ => Err(input(format!("{at}: needs a string `value` ({what})"))),
        }
    };
    let check = match d.kind.as_str() {
        "equals" => Check::Equals(
            d.value
                .clone()
                .ok_or_else(|| input(format!("{at}: needs a `value`")))?,
        ),
        "contains" => Check::Contains(text("the text to find")?),
        "regex" => {
            let r = text("a regular expression")?;
            Check::Regex(regex::Regex::new(&r).map_err(|e| {
                input(format!(
                    "{at}: not a regular expression: {}",
                    one_line(&e.to_string())
                ))
            })?)
        }
        "json-schema" => {
            let schema = d
                .value
                .as_ref()
                .filter(|v| v.is_object())
                .ok_or_else(|| input(format!("{at}: needs the schema as a table `value`")))?;
            Check::Schema(Box::new(Schema::compile(schema, at)?))
        }
        "number" => {
            let value = d
                .value
                .as_ref()
                .and_then(Value::as_f64)
                .ok_or_else(|| input(format!("{at}: needs a numeric `value`")))?;
            let tolerance = d.tolerance.unwrap_or(0.0);
            if !(tolerance.is_finite() && tolerance >= 0.0) {
                return Err(input(format!("{at}: tolerance must be ≥ 0")));
            }
            Check::Number { value, tolerance }
        }
        "judge" => Check::Judge(
            d.cmd
                .clone()
                .filter(|c| !c.trim().is_empty())
                .ok_or_else(|| input(format!("{at}: needs `cmd`, the judge command")))?,
        ),
        other => {
            return Err(input(format!(
                "{at}: type `{}` is not equals, contains, regex, json-schema, number or judge",
                one_line(other)
            )))
        }
    };
    Ok(Assertion {
        kind: d.kind.clone(),
        check,
        weight,
        threshold,
    })
}

/// Reads every `*.toml`, `*.yaml` and `*.yml` file under `dir` (sorted by
/// path), keeping those with one of `tags` (all when `tags` is empty).
pub fn load(dir: &Path, tags: &[String]) -> Result<Vec<Scenario>> {
    if !dir.is_dir() {
        return Err(input(format!(
            "{}: not a directory of scenario files",
            dir.display()
        )));
    }
    let mut files: Vec<PathBuf> = Vec::new();
    for e in walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
    {
        let e = e.map_err(|e| input(format!("{}: {}", dir.display(), one_line(&e.to_string()))))?;
        let p = e.path();
        let ext = p.extension().and_then(|x| x.to_str()).unwrap_or("");
        if e.file_type().is_file() && matches!(ext, "toml" | "yaml" | "yml") {
            files.push(p.to_path_buf());
        }
        if files.len() > MAX_SCENARIOS {
            return Err(input(format!(
                "{}: more than {MAX_SCENARIOS} scenario files",
                dir.display()
            )));
        }
    }
    let mut out: Vec<Scenario> = Vec::new();
    let mut seen: std::collections::HashMap<String, PathBuf> = Default::default();
    for f in files {
        let text =
            std::fs::read_to_string(&f).map_err(|e| input(format!("{}: {e}", f.display())))?;
        let s = parse(&text, &f)?;
        if let Some(first) = seen.insert(s.id.clone(), f.clone()) {
            return Err(input(format!(
                "{}: scenario id `{}` is already used by {}",
                f.display(),
                one_line(&s.id),
                first.display()
            )));
        }
        if tags.is_empty() || s.tags.iter().any(|t| tags.contains(t)) {
            out.push(s);
        }
    }
    if out.is_empty() {
        return Err(input(format!(
            "{}: no scenario{}",
            dir.display(),
            if tags.is_empty() {
                String::new()
            } else {
                format!(" tagged {}", tags.join(", "))
            }
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_judge(_: &str, _: &Value) -> Result<f64> {
        unreachable!()
    }

    #[test]
    fn assertions_score_by_weight() {
        let s = parse(
            r#"
tags = ["t"]
[vars]
q = "2+2"
[[assert]]
type = "contains"
value = "4"
weight = 3
[[assert]]
type = "regex"
value = "^\\d+$"
[[assert]]
type = "number"
value = 4
tolerance = 0.1
"#,
            Path::new("dir/add.toml"),
        )
        .unwrap();
        assert_eq!(s.id, "add");
        let (score, r) = s.score(&json!("4"), &no_judge).unwrap();
        assert_eq!(score, 1.0);
        assert!(r.iter().all(|x| x.pass));
        let (score, _) = s.score(&json!("the answer is 4"), &no_judge).unwrap();
        assert!((score - 3.0 / 5.0).abs() < 1e-12, "{score}");
        // The hash follows the content, not the formatting.
        let again = parse(
            "tags = [\"t\"]\nvars = { q = \"2+2\" }\n[[assert]]\ntype = \"contains\"\nvalue = \"4\"\nweight = 3\n[[assert]]\ntype = \"regex\"\nvalue = '^\\d+$'\n[[assert]]\ntype = \"number\"\nvalue = 4\ntolerance = 0.1\n",
            Path::new("other/add.toml"),
        )
        .unwrap();
        assert_eq!(s.hash, again.hash);
    }

    #[test]
    fn schema_and_judge_assertions() {
        let s = parse(
            "id: j\nassert:\n  - type: json-schema\n    value: {type: object, required: [patch]}\n  - type: judge\n    cmd: ./judge\n    threshold: 0.7\n",
            Path::new("j.yaml"),
        )
        .unwrap();
        let judge = |cmd: &str, v: &Value| -> Result<f64> {
            assert_eq!(cmd, "./judge");
            assert_eq!(v["scenario"], "j");
            Ok(0.6)
        };
        let (score, r) = s.score(&json!({"patch": "x"}), &judge).unwrap();
        assert!((score - 0.8).abs() < 1e-12);
        assert_eq!((r[0].pass, r[1].pass), (true, false));
        let (score, _) = s.score(&json!("{\"nope\": 1}"), &judge).unwrap();
        assert!((score - 0.3).abs() < 1e-12);
    }

    #[test]
    fn bad_scenarios_name_file_and_line() {
        for (text, want) in [
            (
                "[[assert]]\ntype = \"contains\"\n",
                "needs a string `value`",
            ),
            (
                "[[assert]]\ntype = \"regex\"\nvalue = \"(\"\n",
                "not a regular expression",
            ),
            ("[[assert]]\ntype = \"fuzzy\"\n", "is not equals"),
            (
                "[[assert]]\ntype = \"equals\"\nvalue = 1\nweight = 0\n",
                "weight must be > 0",
            ),
            ("[[assert]]\ntype = \"judge\"\n", "needs `cmd`"),
            ("x = 1\n", "s.toml:1"),
            ("[vars\n", "s.toml:1"),
        ] {
            let e = parse(text, Path::new("s.toml")).err().unwrap().to_string();
            assert!(
                e.starts_with("s.toml") && e.contains(want) && !e.contains('\n'),
                "{text}: {e}"
            );
        }
    }
}
