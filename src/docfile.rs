//! Typed documents from TOML, YAML or JSON files (chosen by extension),
//! with errors on one line that name the file and the line.

use crate::error::{input, Result};
use crate::output::safe::one_line;
use serde::de::DeserializeOwned;

/// A YAML parse error as one line that names the file and line.
pub fn yaml_error(name: &str, e: &serde_saphyr::Error) -> anyhow::Error {
    let line = e.location().map(|l| l.line());
    let msg: String = one_line(&e.without_snippet().to_string())
        .chars()
        .take(200)
        .collect();
    match line {
        Some(l) => input(format!("{name}:{l}: not valid YAML: {msg}")),
        None => input(format!("{name}: not valid YAML: {msg}")),
    }
}

/// Parses `text` (read from `name`) as TOML, YAML (`.yaml`, `.yml`) or JSON
/// (`.json`).
pub fn parse<T: DeserializeOwned>(text: &str, name: &str) -> Result<T> {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".yaml") || lower.ends_with(".yml") {
        serde_saphyr::from_str(text).map_err(|e| yaml_error(name, &e))
    } else if lower.ends_with(".json") {
        serde_json::from_str(text).map_err(|e| {
            input(format!(
                "{name}:{}: {}",
                e.line(),
                one_line(&e.to_string())
                    .chars()
                    .take(200)
                    .collect::<String>()
            ))
        })
    } else {
        toml::from_str(text).map_err(|e| {
            let m = crate::config::toml_error(text, &e);
            match m.strip_prefix("line ") {
                Some(rest) => input(format!("{name}:{}", one_line(rest))),
                None => input(format!("{name}: {}", one_line(&m))),
            }
        })
    }
}
