//! Resolving one configuration: find the file, overlay `MAESTRO_*`
//! variables and flags, remember every value's source.

use super::types::Config;
use super::validate::validate;
use super::FILE_NAME;
use crate::error::{input, Result};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// Where a value came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "from", rename_all = "lowercase")]
pub enum Source {
    /// Built-in default.
    Default,
    /// A config file.
    File(PathBuf),
    /// An environment variable.
    Env(String),
    /// A command-line flag.
    Flag(String),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::File(p) => write!(f, "file {}", p.display()),
            Source::Env(v) => write!(f, "env {v}"),
            Source::Flag(v) => write!(f, "flag {v}"),
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Str,
    Float,
    Int,
    List,
}

/// Scalar settings that environment variables and `config show` know about.
const KEYS: &[(&str, Kind)] = &[
    ("state", Kind::Str),
    ("router.lambda", Kind::Float),
    ("router.exploration_cap", Kind::Float),
    ("router.window", Kind::Int),
    ("router.half_life", Kind::Float),
    ("router.objective", Kind::Str),
    ("router.policy", Kind::Str),
    ("router.min_eval", Kind::Float),
    ("router.downshift_tiers", Kind::List),
    ("router.seed", Kind::Int),
    ("router.max_attempts", Kind::Int),
    ("router.pass_threshold", Kind::Float),
    ("router.latency_weight", Kind::Float),
    ("budget.daily_usd", Kind::Float),
    ("env_hash.tools", Kind::List),
    ("env_hash.env", Kind::List),
    ("env_hash.globs", Kind::List),
    ("env_hash.lockfiles", Kind::List),
    ("cache.store", Kind::Str),
    ("cache.level", Kind::Int),
    ("risk.policy", Kind::Str),
    ("risk.threshold", Kind::Float),
    ("risk.fix_pattern", Kind::Str),
];

/// The environment variable for a key: `router.half_life` → `MAESTRO_ROUTER_HALF_LIFE`.
pub fn env_var(key: &str) -> String {
    format!("MAESTRO_{}", key.replace('.', "_").to_uppercase())
}

/// A resolved configuration with the source of every setting.
#[derive(Clone, Debug)]
pub struct Resolved {
    /// The values.
    pub config: Config,
    /// The config file used, if any.
    pub file: Option<PathBuf>,
    /// Source per key (`state`, `router.lambda`, `arms`, …).
    pub sources: BTreeMap<String, Source>,
    /// Directory relative state paths from the file resolve against.
    pub root: PathBuf,
}

/// Command-line overrides.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// `--config PATH`.
    pub config_file: Option<PathBuf>,
    /// `--state LOCATION`.
    pub state: Option<String>,
}

/// Finds the nearest `maestro.toml` at or above `dir`.
pub fn discover(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .map(|d| d.join(FILE_NAME))
        .find(|p| p.is_file())
}

impl Resolved {
    /// Loads and validates the configuration for the process environment.
    pub fn load(cwd: &Path, overrides: &Overrides) -> Result<Resolved> {
        Self::load_with(cwd, overrides, |k| std::env::var(k).ok())
    }

    /// Like [`Resolved::load`], with the environment given as a function.
    pub fn load_with(
        cwd: &Path,
        overrides: &Overrides,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Resolved> {
        let explicit = overrides
            .config_file
            .clone()
            .map(|p| (p, "--config".to_string()))
            .or_else(|| {
                env("MAESTRO_CONFIG").map(|p| (PathBuf::from(p), "MAESTRO_CONFIG".to_string()))
            });
        let file = match explicit {
            Some((p, via)) => {
                let p = if p.is_absolute() { p } else { cwd.join(p) };
                if p.is_dir() {
                    return Err(input(format!(
                        "{}: is a directory, not a config file (given by {via})",
                        p.display()
                    )));
                }
                if !p.is_file() {
                    return Err(input(format!(
                        "{}: config file not found (given by {via})",
                        p.display()
                    )));
                }
                Some(p)
            }
            None => discover(cwd),
        };
        let mut table = match &file {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .map_err(|e| input(format!("{}: cannot read: {e}", p.display())))?;
                parse_table(&text).map_err(|e| input(format!("{}: {e}", p.display())))?
            }
            None => toml::Table::new(),
        };
        let mut sources = BTreeMap::new();
        for (key, _) in KEYS {
            if get_path(&table, key).is_some() {
                sources.insert(
                    key.to_string(),
                    Source::File(file.clone().unwrap_or_default()),
                );
            }
        }
        if table.contains_key("arms") {
            sources.insert(
                "arms".into(),
                Source::File(file.clone().unwrap_or_default()),
            );
        }
        for (key, kind) in KEYS {
            let var = env_var(key);
            if let Some(raw) = env(&var) {
                let value =
                    env_value(&raw, *kind).map_err(|e| input(format!("{var}={raw}: {e}")))?;
                set_path(&mut table, key, value);
                sources.insert(key.to_string(), Source::Env(var));
            }
        }
        if let Some(state) = &overrides.state {
            set_path(&mut table, "state", toml::Value::String(state.clone()));
            sources.insert("state".into(), Source::Flag("--state".into()));
        }
        let origin = file
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "environment".into());
        let config = from_table(table).map_err(|e| input(format!("{origin}: {e}")))?;
        validate(&config).map_err(|e| input(format!("{origin}: {e}")))?;
        let root = file
            .as_ref()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .unwrap_or_else(|| cwd.to_path_buf());
        Ok(Resolved {
            config,
            file,
            sources,
            root,
        })
    }

    /// Where a key's value came from.
    pub fn source(&self, key: &str) -> Source {
        self.sources.get(key).cloned().unwrap_or(Source::Default)
    }

    /// What a relative path in `key`'s `value` is taken against: the project
    /// root when it comes from the file or the default, the working directory
    /// when it comes from the environment or a flag, or is a `file://` URL
    /// (taken as written). One rule for the state and the cache store, so
    /// both land in the same `.maestro/`.
    pub fn base(&self, key: &str, value: &str, cwd: &Path) -> PathBuf {
        match self.source(key) {
            _ if value.starts_with("file://") => cwd.to_path_buf(),
            Source::Env(_) | Source::Flag(_) => cwd.to_path_buf(),
            _ => self.root.clone(),
        }
    }

    /// Every scalar setting as `(key, value, source)`, for `config show`.
    pub fn entries(&self) -> Vec<(String, serde_json::Value, Source)> {
        let json = serde_json::to_value(&self.config).unwrap_or_default();
        let mut out: Vec<_> = KEYS
            .iter()
            .map(|(key, _)| {
                let mut v = &json;
                for part in key.split('.') {
                    v = v.get(part).unwrap_or(&serde_json::Value::Null);
                }
                (key.to_string(), v.clone(), self.source(key))
            })
            .collect();
        out.push(("arms".into(), json["arms"].clone(), self.source("arms")));
        out
    }
}

/// Parses config text into a TOML table (the fuzz target's entry point).
pub fn parse_table(text: &str) -> std::result::Result<toml::Table, String> {
    text.parse::<toml::Table>()
        .map_err(|e| toml_error(text, &e))
}

/// A TOML error on one line: `line N: what is wrong` (toml's own text spans
/// several lines, with the source quoted).
pub fn toml_error(text: &str, e: &toml::de::Error) -> String {
    let msg = e.message().trim().to_string();
    match e.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("line {line}: {msg}")
        }
        None => msg,
    }
}

/// Parses and validates config text on its own (no env, no file lookup).
pub fn parse(text: &str) -> std::result::Result<Config, String> {
    let config = from_table(parse_table(text)?)?;
    validate(&config)?;
    Ok(config)
}

/// Deserialises a merged table. A value of the wrong type or variant is named
/// by its key (`router.policy: unknown variant ...`): the table is written out
/// again and parsed as text, which gives the error a span to find the key by.
fn from_table(table: toml::Table) -> std::result::Result<Config, String> {
    let text = table.to_string();
    toml::from_str::<Config>(&text).map_err(|e| {
        let msg = e.message().trim();
        match e.span().and_then(|span| key_at(&text, span.start)) {
            Some(key) if !msg.contains(&format!("`{key}`")) => format!("{key}: {msg}"),
            _ => msg.to_string(),
        }
    })
}

/// The dotted key whose line holds byte `at` of TOML `text`, when that line is
/// a `key = value` pair.
fn key_at(text: &str, at: usize) -> Option<String> {
    let head = text.get(..at)?;
    let line_start = head.rfind('\n').map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next()?;
    let (key, _) = line.split_once('=')?;
    let key = key.trim().trim_matches('"');
    let section = head[..line_start]
        .lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix('[').and_then(|l| l.strip_suffix(']')))
        .map(|s| s.trim_matches(|c| c == '[' || c == ']'));
    Some(match section {
        Some(s) => format!("{s}.{key}"),
        None => key.to_string(),
    })
}

fn env_value(raw: &str, kind: Kind) -> std::result::Result<toml::Value, String> {
    Ok(match kind {
        Kind::Str => toml::Value::String(raw.to_string()),
        Kind::Float => toml::Value::Float(
            raw.trim()
                .parse::<f64>()
                .map_err(|_| "expected a number".to_string())?,
        ),
        Kind::Int => toml::Value::Integer(
            raw.trim()
                .parse::<i64>()
                .map_err(|_| "expected an integer".to_string())?,
        ),
        Kind::List => toml::Value::Array(
            raw.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| toml::Value::String(s.to_string()))
                .collect(),
        ),
    })
}

fn get_path<'a>(table: &'a toml::Table, key: &str) -> Option<&'a toml::Value> {
    let mut parts = key.split('.');
    let mut v = table.get(parts.next()?)?;
    for p in parts {
        v = v.as_table()?.get(p)?;
    }
    Some(v)
}

fn set_path(table: &mut toml::Table, key: &str, value: toml::Value) {
    let parts: Vec<&str> = key.split('.').collect();
    let mut t = table;
    for p in &parts[..parts.len() - 1] {
        let entry = t
            .entry(p.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if !entry.is_table() {
            *entry = toml::Value::Table(toml::Table::new());
        }
        t = entry.as_table_mut().expect("just made a table");
    }
    t.insert(parts[parts.len() - 1].to_string(), value);
}
