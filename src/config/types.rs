//! The configuration's shape: `maestro.toml`'s tables and their defaults.

use super::DEFAULT_STATE;
use crate::bandit::{ExplorationCap, Objective, Prior, Rule};
use serde::{Deserialize, Serialize};
use std::fmt;

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
    /// Attempts per task: after a failed attempt `route` escalates to
    /// another arm until one passes or this many were made (1: no escalation).
    pub max_attempts: u32,
    /// An eval at or above this passes the attempt.
    pub pass_threshold: f64,
    /// Penalty of each attempt after the first, in eval units.
    pub latency_weight: f64,
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
            max_attempts: 1,
            pass_threshold: 0.5,
            latency_weight: 0.0,
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
    /// Parameters the agent step runs this arm with (a table), handed out by
    /// `route` with every decision for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<serde_json::Value>,
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

/// What `risk score` does with a change over the threshold.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum RiskPolicy {
    /// Print the score only.
    Off,
    /// Warn (an Actions warning), exit 0.
    #[default]
    Warn,
    /// Fail: exit 1.
    Enforce,
}

/// `[risk]` settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RiskConfig {
    /// The policy over the threshold.
    pub policy: RiskPolicy,
    /// The probability a change is flagged at.
    pub threshold: f64,
    /// What names a fix in a commit message (a regular expression; the
    /// default: fix, bug, defect or patch as a word).
    pub fix_pattern: Option<String>,
}

impl Default for RiskConfig {
    fn default() -> Self {
        RiskConfig {
            policy: RiskPolicy::Warn,
            threshold: 0.7,
            fix_pattern: None,
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
    /// Change risk.
    pub risk: RiskConfig,
    /// Service level objectives (`[[slo]]`).
    pub slo: Vec<SloConfig>,
}

/// Which burn alert puts the router into downshift.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DownshiftOn {
    /// The seed's alert: `downshift_burn` (2×) over 1h and 5m.
    Seed,
    /// Either page alert of the SRE Workbook (14.4× over 1h/5m, 6× over 6h/30m).
    Page,
    /// The ticket alert (1× over 3d/6h) or a page.
    Ticket,
    /// Never: `slo evaluate` only reports.
    Never,
}

/// One `[[slo]]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SloConfig {
    /// Name, used in alerts and the audit trail.
    pub name: String,
    /// Target share of good events, in percent (e.g. 99.5).
    pub objective: f64,
    /// The error budget's period.
    #[serde(default = "default_period")]
    pub period: String,
    /// Series name of the good-event counter in Prometheus input.
    #[serde(default)]
    pub good: Option<String>,
    /// Series name of the bad-event counter in Prometheus input, for
    /// objectives counted as bad and total events (instead of `good`).
    #[serde(default)]
    pub bad: Option<String>,
    /// Series name of the total-event counter in Prometheus input.
    #[serde(default)]
    pub total: Option<String>,
    /// Sloth's `sloth_id` label: read its `slo:sli_error:ratio_rate<W>`
    /// recording rules from Prometheus input instead of counters.
    #[serde(default)]
    pub sloth_id: Option<String>,
    /// Events a window needs before its burn can alert.
    #[serde(default = "default_min_events")]
    pub min_events: u64,
    /// Which alert enters downshift.
    #[serde(default = "default_downshift_on")]
    pub downshift_on: DownshiftOn,
    /// The seed alert's burn rate.
    #[serde(default = "default_downshift_burn")]
    pub downshift_burn: f64,
    /// How long burn must stay below 1 on both windows before downshift ends.
    #[serde(default = "default_hold")]
    pub hold: String,
}

impl SloConfig {
    /// An SLO with the defaults for everything but its name and objective.
    pub fn new(name: &str, objective: f64) -> SloConfig {
        SloConfig {
            name: name.to_string(),
            objective,
            period: default_period(),
            good: None,
            bad: None,
            total: None,
            sloth_id: None,
            min_events: default_min_events(),
            downshift_on: default_downshift_on(),
            downshift_burn: default_downshift_burn(),
            hold: default_hold(),
        }
    }
}

fn default_period() -> String {
    "30d".into()
}
fn default_min_events() -> u64 {
    20
}
fn default_downshift_on() -> DownshiftOn {
    DownshiftOn::Seed
}
fn default_downshift_burn() -> f64 {
    2.0
}
fn default_hold() -> String {
    "1h".into()
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
            risk: RiskConfig::default(),
            slo: Vec::new(),
        }
    }
}
