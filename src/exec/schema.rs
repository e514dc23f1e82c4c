//! A JSON Schema compiled once (its draft from `$schema`, 2020-12 when it
//! names none; formats checked; offline: a `$ref` to anything outside the
//! document is refused with a message), and violations in words an agent
//! can act on.

use crate::error::{input, Result};
use serde::Serialize;
use serde_json::Value;

/// A compiled schema.
pub struct Schema {
    validator: jsonschema::Validator,
}

/// One way a document breaks the schema.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// Where in the document (a JSON pointer; empty: the whole document).
    pub instance_path: String,
    /// Which rule of the schema (a JSON pointer into the schema).
    pub schema_path: String,
    /// What is wrong.
    pub message: String,
}

/// Violations reported at most (a document wrong everywhere says enough
/// in its first few).
pub const MAX_VIOLATIONS: usize = 20;

impl Schema {
    /// Compiles `schema` (read from `name`, for messages).
    pub fn compile(schema: &Value, name: &str) -> Result<Schema> {
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .offline()
            .build(schema)
            .map_err(|e| {
                let msg = e.to_string();
                if msg.contains("offline") || msg.contains("Retriev") || msg.contains("retriev") {
                    input(format!(
                        "{name}: refers to a schema outside the file, which maestro does not fetch: {}",
                        crate::output::safe::one_line(&msg)
                    ))
                } else {
                    input(format!(
                        "{name}: not a valid JSON Schema: {}",
                        crate::output::safe::one_line(&msg)
                    ))
                }
            })?;
        Ok(Schema { validator })
    }

    /// Whether `doc` is valid.
    pub fn is_valid(&self, doc: &Value) -> bool {
        self.validator.is_valid(doc)
    }

    /// The first [`MAX_VIOLATIONS`] violations, in the validator's order.
    pub fn violations(&self, doc: &Value) -> Vec<Violation> {
        self.validator
            .iter_errors(doc)
            .take(MAX_VIOLATIONS)
            .map(|e| Violation {
                instance_path: e.instance_path().to_string(),
                schema_path: e.schema_path().to_string(),
                message: e.to_string(),
            })
            .collect()
    }
}

/// The violations in plain words, one per line, ready to paste into a
/// prompt.
pub fn feedback(v: &[Violation]) -> String {
    let mut s = String::from(
        "Your previous output did not match the required JSON Schema. Fix these and print only the corrected JSON document:\n",
    );
    for x in v {
        let at = if x.instance_path.is_empty() {
            "the document".to_string()
        } else {
            format!("`{}`", x.instance_path)
        };
        s.push_str(&format!("- at {at}: {}\n", x.message));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn violations_name_the_place_and_the_rule() {
        let s = Schema::compile(
            &json!({
                "$schema": "http://json-schema.org/draft-07/schema#",
                "type": "object",
                "properties": {"n": {"type": "integer"}, "when": {"type": "string", "format": "date"}},
                "required": ["n"]
            }),
            "s.json",
        )
        .unwrap();
        assert!(s.is_valid(&json!({"n": 1, "when": "2026-12-06"})));
        let v = s.violations(&json!({"n": "one", "when": "yesterday"}));
        assert_eq!(v.len(), 2, "{v:?}");
        assert!(v
            .iter()
            .any(|x| x.instance_path == "/n" && x.schema_path.ends_with("/type")));
        assert!(v
            .iter()
            .any(|x| x.instance_path == "/when" && x.schema_path.ends_with("/format")));
        let f = feedback(&v);
        assert!(f.contains("at `/n`"), "{f}");
        let missing = s.violations(&json!({}));
        assert_eq!(missing[0].instance_path, "");
        assert!(feedback(&missing).contains("at the document"));
    }

    #[test]
    fn remote_refs_and_bad_schemas_are_refused() {
        let e = Schema::compile(&json!({"$ref": "https://example.com/s.json"}), "s.json")
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.starts_with("s.json: refers to a schema outside the file"),
            "{e}"
        );
        let e = Schema::compile(&json!({"type": 12}), "t.json")
            .err()
            .unwrap()
            .to_string();
        assert!(e.starts_with("t.json: not a valid JSON Schema"), "{e}");
    }
}
