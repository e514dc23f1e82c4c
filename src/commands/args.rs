//! Value parsers that several subcommands' arguments share.

use clap::builder::{PossibleValuesParser, TypedValueParser};
use std::str::FromStr;

/// A parser for a domain enum: its `names` are listed in `--help` and
/// completions, and the chosen one is parsed with `FromStr`. Domain types
/// stay free of clap.
pub fn named<T>(names: &'static [&'static str]) -> impl TypedValueParser<Value = T>
where
    T: FromStr<Err = String> + Clone + Send + Sync + 'static,
{
    PossibleValuesParser::new(names).try_map(|s| s.parse::<T>())
}

/// `KEY=VALUE`, with the key trimmed and not empty.
pub fn key_value(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(format!("`{s}` is not KEY=VALUE")),
    }
}
