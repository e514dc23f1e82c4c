//! The policy file (TOML): an action per rule, path excludes, and detector
//! options.
//!
//! ```toml
//! [rules]
//! "pii/value/ip-address" = "off"
//! "pii/flow/stdout" = "warn"
//! [paths]
//! exclude = ["tests/**", "**/fixtures/**"]
//! [options]
//! min_confidence = 0.3
//! block_confidence = 0.7
//! ip_private = false
//! max_file_size = "1 MiB"
//! [classes]
//! test = "code"      # scan tests like code; "off" skips them
//! ```

use super::class::{FileClass, Treatment};
use super::Action;
use crate::error::{input, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// A loaded policy.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Rule id (or prefix ending in `/`, like `pii/flow/`) → action.
    #[serde(default)]
    pub rules: BTreeMap<String, Action>,
    /// Path filters.
    #[serde(default)]
    pub paths: Paths,
    /// Detector options.
    #[serde(default)]
    pub options: Options,
    /// File class (`test`, `vendored`, …) → how its files are treated.
    #[serde(default)]
    pub classes: BTreeMap<String, Treatment>,
}

/// `[paths]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Paths {
    /// Globs (relative to the scan root) not to scan.
    #[serde(default)]
    pub exclude: Vec<String>,
}

/// `[options]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// Values below this confidence are counted, not listed.
    #[serde(default = "default_min_confidence")]
    pub min_confidence: f64,
    /// Findings of blocking kinds at or above this confidence block; below
    /// it they warn. The default is where block precision on the labelled
    /// real-code sample is at least 0.9 (docs/pii-scan.md).
    #[serde(default = "default_block_confidence")]
    pub block_confidence: f64,
    /// Report private and documentation IP ranges.
    #[serde(default)]
    pub ip_private: bool,
    /// Larger files are skipped (and listed).
    #[serde(default = "default_max_size")]
    pub max_file_size: String,
}

fn default_min_confidence() -> f64 {
    0.3
}

/// See [`Options::block_confidence`].
pub const BLOCK_CONFIDENCE: f64 = 0.7;

fn default_block_confidence() -> f64 {
    BLOCK_CONFIDENCE
}

fn default_max_size() -> String {
    "1 MiB".into()
}

impl Default for Options {
    fn default() -> Self {
        Options {
            min_confidence: default_min_confidence(),
            block_confidence: default_block_confidence(),
            ip_private: false,
            max_file_size: default_max_size(),
        }
    }
}

impl Policy {
    /// Reads a policy file; a malformed one is an input error naming it.
    pub fn load(path: &Path) -> Result<Policy> {
        let text =
            std::fs::read_to_string(path).map_err(|e| input(format!("{}: {e}", path.display())))?;
        let p: Policy = toml::from_str(&text).map_err(|e| {
            input(format!(
                "{}: {}",
                path.display(),
                crate::config::toml_error(&text, &e)
            ))
        })?;
        for (key, v) in [
            ("min_confidence", p.options.min_confidence),
            ("block_confidence", p.options.block_confidence),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(input(format!(
                    "{}: options.{key} must be in [0, 1]",
                    path.display()
                )));
            }
        }
        if let Some(k) = p.classes.keys().find(|k| FileClass::parse(k).is_none()) {
            let names: Vec<&str> = FileClass::ALL.iter().map(|c| c.name()).collect();
            return Err(input(format!(
                "{}: classes: unknown file class `{k}` ({})",
                path.display(),
                names.join(", ")
            )));
        }
        p.max_file_size()
            .map_err(|e| input(format!("{}: options.max_file_size: {e}", path.display())))?;
        globset_of(&p.paths.exclude)
            .map_err(|e| input(format!("{}: paths.exclude: {e}", path.display())))?;
        Ok(p)
    }

    /// The action for a rule: the exact rule, else the longest matching
    /// prefix, else `default`.
    pub fn action(&self, rule: &str, default: Action) -> Action {
        if let Some(a) = self.rules.get(rule) {
            return *a;
        }
        self.rules
            .iter()
            .filter(|(k, _)| k.ends_with('/') && rule.starts_with(k.as_str()))
            .max_by_key(|(k, _)| k.len())
            .map_or(default, |(_, a)| *a)
    }

    /// How files of `class` are treated.
    pub fn treatment(&self, class: FileClass) -> Treatment {
        self.classes
            .get(class.name())
            .copied()
            .unwrap_or(Treatment::Default)
    }

    /// `max_file_size` in bytes.
    pub fn max_file_size(&self) -> std::result::Result<u64, String> {
        crate::units::parse_size(&self.options.max_file_size)
    }
}

/// A glob set from patterns.
pub fn globset_of(patterns: &[String]) -> std::result::Result<globset::GlobSet, globset::Error> {
    let mut b = globset::GlobSetBuilder::new();
    for p in patterns {
        b.add(globset::Glob::new(p)?);
    }
    b.build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_by_rule_and_prefix() {
        let p: Policy = toml::from_str(
            "[rules]\n\"pii/flow/\" = \"warn\"\n\"pii/flow/logger\" = \"block\"\n\"pii/value/ip-address\" = \"off\"\n",
        )
        .unwrap();
        assert_eq!(p.action("pii/flow/logger", Action::Warn), Action::Block);
        assert_eq!(p.action("pii/flow/stdout", Action::Block), Action::Warn);
        assert_eq!(p.action("pii/value/ip-address", Action::Warn), Action::Off);
        assert_eq!(p.action("pii/value/email", Action::Warn), Action::Warn);
        assert!(toml::from_str::<Policy>("[rules]\nx = \"maybe\"\n").is_err());
    }
}
