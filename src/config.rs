//! One resolved configuration from, in order of precedence: command-line
//! flags, `MAESTRO_*` environment variables, the nearest `maestro.toml`
//! (walking up from the working directory) and built-in defaults.
//! Every value remembers where it came from, for `maestro config show`.

use crate::bandit::{ExplorationCap, Objective, Prior, Rule};
use crate::error::{input, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// The file name looked for when walking up from the working directory.
pub const FILE_NAME: &str = "maestro.toml";
/// Default state location, relative to the project root.
pub const DEFAULT_STATE: &str = ".maestro/state.db";

/// The size class of an arm's model; downshifts route to cheaper tiers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    /// Cheapest models.
    Small,
    /// Mid-price models.
    Medium,
    /// Most capable, most expensive models.
    Large,
}

impl Tier {
    /// Every tier's name, cheapest first.
    pub const NAMES: [&'static str; 3] = ["small", "medium", "large"];

    /// The lowercase name used in files and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Small => "small",
            Tier::Medium => "medium",
            Tier::Large => "large",
        }
    }

    /// Parses a lowercase tier name.
    pub fn parse(s: &str) -> Option<Tier> {
        match s {
            "small" => Some(Tier::Small),
            "medium" => Some(Tier::Medium),
            "large" => Some(Tier::Large),
            _ => None,
        }
    }
}

impl std::str::FromStr for Tier {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Tier, String> {
        Tier::parse(s).ok_or_else(|| format!("unknown tier `{s}` (small, medium, large)"))
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which objective the router optimises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ObjectiveKind {
    /// `eval - lambda * cost`.
    Reward,
    /// Cheapest mix of arms whose average eval is at least `min_eval`.
    MinCost,
}

/// `[router]` settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RouterConfig {
    /// reward = eval - lambda * cost_usd.
    pub lambda: f64,
    /// Maximum share of non-greedy picks over the last `window` decisions.
    pub exploration_cap: f64,
    /// Decisions the exploration share is taken over.
    pub window: u32,
    /// Evidence half-life in decisions; 0 keeps all evidence forever.
    pub half_life: f64,
    /// `reward` or `min-cost`.
    pub objective: ObjectiveKind,
    /// Decision rule: `thompson` (default) or `ids`.
    pub policy: Rule,
    /// Quality floor for the `min-cost` objective.
    pub min_eval: Option<f64>,
    /// Tiers routed to while downshifted or over budget.
    pub downshift_tiers: Vec<Tier>,
    /// Fixed RNG seed (tests and reproducible demos); random when absent.
    pub seed: Option<u64>,
}

impl Default for RouterConfig {
    fn default() -> Self {
        RouterConfig {
            lambda: 0.5,
            exploration_cap: 0.2,
            window: 100,
            half_life: 0.0,
            objective: ObjectiveKind::Reward,
            policy: Rule::Thompson,
            min_eval: None,
            downshift_tiers: vec![Tier::Small],
            seed: None,
        }
    }
}

impl RouterConfig {
    /// The objective with its parameter.
    pub fn objective(&self) -> Objective {
        match (self.objective, self.min_eval) {
            (ObjectiveKind::MinCost, Some(m)) => Objective::MinCost { min_eval: m },
            _ => Objective::Reward {
                lambda: self.lambda,
            },
        }
    }

    /// The exploration cap.
    pub fn cap(&self) -> ExplorationCap {
        ExplorationCap {
            cap: self.exploration_cap,
            window: self.window,
        }
    }
}

/// `[budget]` settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BudgetConfig {
    /// Daily spend ceiling in USD (UTC days); none means unlimited.
    pub daily_usd: Option<f64>,
}

/// `[env_hash]` settings: inputs added to every `maestro env-hash`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EnvHashConfig {
    /// Tools whose `--version` output is hashed.
    pub tools: Vec<String>,
    /// Environment variables whose values are hashed.
    pub env: Vec<String>,
    /// Extra file globs, relative to the repository root.
    pub globs: Vec<String>,
    /// Extra lockfiles, relative to the repository root.
    pub lockfiles: Vec<String>,
}

/// `[cache]` settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CacheConfig {
    /// Where archives live: a directory or `s3://bucket/prefix`.
    pub store: String,
    /// zstd level for `cache put`.
    pub level: i32,
}

impl Default for CacheConfig {
    fn default() -> Self {
        CacheConfig {
            store: ".maestro/cache".into(),
            level: 3,
        }
    }
}

/// An `[[arms]]` entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArmConfig {
    /// Arm id, e.g. `planner_v2+implementer_v3@small`.
    pub id: String,
    /// Model size class.
    pub tier: Tier,
    /// Prior mean eval in [0, 1].
    pub prior_eval: Option<f64>,
    /// Prior mean cost in USD.
    pub prior_cost: Option<f64>,
    /// How many observations the prior is worth.
    #[serde(default)]
    pub prior_weight: f64,
}

impl ArmConfig {
    /// The prior as the bandit sees it.
    pub fn prior(&self) -> Prior {
        Prior {
            eval: self.prior_eval,
            cost: self.prior_cost,
            weight: self.prior_weight,
        }
    }
}

/// The whole resolved configuration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// State location: a path or `s3://bucket/key`.
    pub state: String,
    /// Router settings.
    pub router: RouterConfig,
    /// Budget settings.
    pub budget: BudgetConfig,
    /// Arms declared in the file.
    pub arms: Vec<ArmConfig>,
    /// `env-hash` inputs.
    pub env_hash: EnvHashConfig,
    /// Build cache.
    pub cache: CacheConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            state: DEFAULT_STATE.to_string(),
            router: RouterConfig::default(),
            budget: BudgetConfig::default(),
            arms: Vec::new(),
            env_hash: EnvHashConfig::default(),
            cache: CacheConfig::default(),
        }
    }
}

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
    ("budget.daily_usd", Kind::Float),
    ("env_hash.tools", Kind::List),
    ("env_hash.env", Kind::List),
    ("env_hash.globs", Kind::List),
    ("env_hash.lockfiles", Kind::List),
    ("cache.store", Kind::Str),
    ("cache.level", Kind::Int),
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

    /// The state path: relative paths from the file or the default resolve
    /// against the project root, those from env or flags against the working
    /// directory (`cwd`).
    pub fn state_path(&self, cwd: &Path) -> PathBuf {
        let p = PathBuf::from(&self.config.state);
        if p.is_absolute() {
            return p;
        }
        match self.source("state") {
            Source::Env(_) | Source::Flag(_) => cwd.join(p),
            _ => self.root.join(p),
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
    text.parse::<toml::Table>().map_err(|e| {
        let msg = e.message().trim().to_string();
        match e.span() {
            Some(span) => {
                let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
                format!("line {line}: {msg}")
            }
            None => msg,
        }
    })
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

fn check_unit(name: &str, v: f64) -> std::result::Result<(), String> {
    if (0.0..=1.0).contains(&v) {
        Ok(())
    } else {
        Err(format!("{name} = {v} must be in [0, 1]"))
    }
}

fn check_non_negative(name: &str, v: f64) -> std::result::Result<(), String> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(format!("{name} = {v} must be a number >= 0"))
    }
}

/// Checks ranges and cross-field rules.
pub fn validate(c: &Config) -> std::result::Result<(), String> {
    let r = &c.router;
    check_non_negative("router.lambda", r.lambda)?;
    check_unit("router.exploration_cap", r.exploration_cap)?;
    if r.window == 0 {
        return Err("router.window must be at least 1".into());
    }
    check_non_negative("router.half_life", r.half_life)?;
    match (r.objective, r.min_eval) {
        (ObjectiveKind::MinCost, None) => {
            return Err("router.objective = \"min-cost\" needs router.min_eval".into())
        }
        (_, Some(m)) => check_unit("router.min_eval", m)?,
        _ => {}
    }
    if r.downshift_tiers.is_empty() {
        return Err("router.downshift_tiers must name at least one tier".into());
    }
    if let Some(d) = c.budget.daily_usd {
        if !(d.is_finite() && d > 0.0) {
            return Err(format!("budget.daily_usd = {d} must be a number > 0"));
        }
    }
    if c.state.trim().is_empty() {
        return Err("state must not be empty".into());
    }
    if !(1..=22).contains(&c.cache.level) {
        return Err(format!(
            "cache.level = {} must be between 1 and 22",
            c.cache.level
        ));
    }
    if c.cache.store.trim().is_empty() {
        return Err("cache.store must not be empty".into());
    }
    let mut seen = std::collections::HashSet::new();
    for a in &c.arms {
        validate_arm_id(&a.id)?;
        if !seen.insert(a.id.as_str()) {
            return Err(format!("arm `{}` is declared twice", a.id));
        }
        validate_prior(&a.id, &a.prior())?;
    }
    Ok(())
}

/// Arm ids are non-empty, printable and without whitespace or commas.
pub fn validate_arm_id(id: &str) -> std::result::Result<(), String> {
    if id.is_empty()
        || id.len() > 200
        || id
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == ',')
    {
        Err(format!(
            "`{id}` is not a valid arm id (1-200 characters, no whitespace or commas)"
        ))
    } else {
        Ok(())
    }
}

/// Prior values must be in range.
pub fn validate_prior(id: &str, p: &Prior) -> std::result::Result<(), String> {
    if let Some(e) = p.eval {
        check_unit(&format!("arm `{id}` prior_eval"), e)?;
    }
    if let Some(c) = p.cost {
        check_non_negative(&format!("arm `{id}` prior_cost"), c)?;
    }
    check_non_negative(&format!("arm `{id}` prior_weight"), p.weight)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(dir: &Path, env: &[(&str, &str)], ov: Overrides) -> Result<Resolved> {
        let env: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Resolved::load_with(dir, &ov, |k| env.get(k).cloned())
    }

    #[test]
    fn precedence_is_flag_env_file_default() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(FILE_NAME),
            "state = 'from-file.db'\n[router]\nlambda = 0.3\nwindow = 50\n",
        )
        .unwrap();
        let sub = dir.path().join("a/b");
        std::fs::create_dir_all(&sub).unwrap();
        let r = load(
            &sub,
            &[("MAESTRO_ROUTER_LAMBDA", "0.7")],
            Overrides::default(),
        )
        .unwrap();
        assert_eq!(r.config.router.lambda, 0.7);
        assert_eq!(
            r.source("router.lambda"),
            Source::Env("MAESTRO_ROUTER_LAMBDA".into())
        );
        assert_eq!(r.config.router.window, 50);
        assert!(matches!(r.source("router.window"), Source::File(_)));
        assert_eq!(r.source("router.exploration_cap"), Source::Default);
        assert_eq!(r.state_path(&sub), dir.path().join("from-file.db"));
        let r = load(
            &sub,
            &[("MAESTRO_STATE", "env.db")],
            Overrides {
                state: Some("flag.db".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(r.state_path(&sub), sub.join("flag.db"));
    }

    #[test]
    fn bad_files_name_the_file_and_the_problem() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join(FILE_NAME);
        for (text, needle) in [
            ("[router\nlambda = 1", "line 1"),
            ("[router]\nlamda = 1", "lamda"),
            ("[router]\nexploration_cap = 1.5", "exploration_cap"),
            ("[router]\nobjective = 'min-cost'", "min_eval"),
            (
                "[[arms]]\nid = 'a'\ntier = 'huge'",
                "arms.tier: unknown variant `huge`",
            ),
            (
                "[router]\npolicy = 'ucb'",
                "router.policy: unknown variant `ucb`",
            ),
            ("[router]\nlambda = 'x'", "router.lambda: invalid type"),
            ("[budget]\ndaily_usd = true", "budget.daily_usd"),
            (
                "[[arms]]\nid = 'a'\ntier = 'small'\n[[arms]]\nid = 'a'\ntier = 'large'",
                "twice",
            ),
        ] {
            std::fs::write(&f, text).unwrap();
            let err = load(dir.path(), &[], Overrides::default())
                .unwrap_err()
                .to_string();
            assert!(
                err.contains(FILE_NAME) && err.contains(needle),
                "{text:?} gave {err}"
            );
        }
    }

    #[test]
    fn bad_env_values_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let err = load(
            dir.path(),
            &[("MAESTRO_ROUTER_WINDOW", "many")],
            Overrides::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("MAESTRO_ROUTER_WINDOW"), "{err}");
        let r = load(
            dir.path(),
            &[("MAESTRO_ROUTER_DOWNSHIFT_TIERS", "small, medium")],
            Overrides::default(),
        )
        .unwrap();
        assert_eq!(
            r.config.router.downshift_tiers,
            vec![Tier::Small, Tier::Medium]
        );
    }

    #[test]
    fn missing_explicit_config_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let ov = Overrides {
            config_file: Some("nope.toml".into()),
            ..Default::default()
        };
        assert!(load(dir.path(), &[], ov)
            .unwrap_err()
            .to_string()
            .contains("not found"));
    }
}
