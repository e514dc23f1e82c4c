//! One resolved configuration from, in order of precedence: command-line
//! flags, `MAESTRO_*` environment variables, the nearest `maestro.toml`
//! (walking up from the working directory) and built-in defaults.
//! Every value remembers where it came from, for `maestro config show`.

mod resolve;
mod types;
mod validate;

pub use resolve::{discover, env_var, parse, parse_table, toml_error, Overrides, Resolved, Source};
pub use types::{
    ArmConfig, BudgetConfig, CacheConfig, Config, DownshiftOn, EnvHashConfig, ObjectiveKind,
    RiskConfig, RiskPolicy, RouterConfig, SloConfig, Tier,
};
pub use validate::{
    check_range, check_slo, validate, validate_arm_id, validate_params, validate_prior,
    MAX_ATTEMPTS, MAX_PRIOR_WEIGHT, MAX_TOKENS, MAX_USD,
};

/// The file name looked for when walking up from the working directory.
pub const FILE_NAME: &str = "maestro.toml";
/// Default state location, relative to the project root.
pub const DEFAULT_STATE: &str = ".maestro/state.db";

#[cfg(test)]
mod tests;
