//! Command-line definitions for every subcommand and the global flags.

use crate::config::Tier;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// maestro: a self-tuning AI-agent delivery pipeline, one CI step at a time.
#[derive(Debug, Parser)]
#[command(name = "maestro", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Print one JSON document instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// State location: a SQLite path (default .maestro/state.db).
    #[arg(long, global = true, value_name = "LOCATION")]
    pub state: Option<String>,
    /// Config file (default: the nearest maestro.toml walking up).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Only print results and errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// More diagnostics on stderr.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// Every subcommand.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Pick an arm (agent chain × model) for a task.
    Route(RouteArgs),
    /// Report a task's eval score and cost so the router learns.
    Report(ReportArgs),
    /// Add, list or retire arms.
    #[command(subcommand)]
    Arms(ArmsCommand),
    /// Per-arm statistics, exploration share, spend and downshift state.
    Stats(StatsArgs),
    /// Evaluate routing policies offline on logged per-task outcomes.
    Replay(ReplayArgs),
    /// Restrict routing to cheaper tiers, or lift the restriction.
    #[command(subcommand)]
    Downshift(DownshiftCommand),
    /// Show the resolved configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Hash lockfiles, toolchain versions and env vars into one cache key.
    EnvHash(EnvHashArgs),
    /// Remote build cache: put, get, stats, gc.
    #[command(subcommand)]
    Cache(CacheCommand),
    /// SBOM drift between a base and a head SBOM (components added, removed, changed; unscannable ones).
    SbomDiff(SbomDiffArgs),
    /// PII values in text and PII fields flowing to unsafe sinks in code.
    PiiScan(PiiScanArgs),
    /// Gate on benchmark regressions: base vs head rounds, exit 1 only on a real one.
    BenchGate(BenchGateArgs),
    /// Reproducible-build checks: compare two artifact trees, or build twice.
    #[command(subcommand)]
    Repro(ReproCommand),
    /// Print a shell completion script.
    Completions {
        /// Shell to generate for.
        shell: clap_complete::Shell,
    },
}

/// `maestro route`.
#[derive(Debug, Args)]
pub struct RouteArgs {
    /// Task id (e.g. the PR or issue id).
    #[arg(long)]
    pub task: String,
    /// Context for the task, recorded with the decision (repeatable).
    #[arg(long = "context", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub context: Vec<(String, String)>,
    /// Make a fresh decision even if the task has a pending one.
    #[arg(long)]
    pub new: bool,
}

/// `maestro report`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("target").required(true).args(["task", "decision"]))]
pub struct ReportArgs {
    /// Report the task's latest decision.
    #[arg(long)]
    pub task: Option<String>,
    /// Report a decision by id.
    #[arg(long)]
    pub decision: Option<String>,
    /// Eval score in [0, 1].
    #[arg(long = "eval", allow_negative_numbers = true)]
    pub eval: f64,
    /// Cost in USD (>= 0).
    #[arg(long = "cost", value_name = "USD", allow_negative_numbers = true)]
    pub cost: f64,
    /// Prompt tokens.
    #[arg(long)]
    pub tokens_in: Option<u64>,
    /// Completion tokens.
    #[arg(long)]
    pub tokens_out: Option<u64>,
}

/// `maestro arms …`.
#[derive(Debug, Subcommand)]
pub enum ArmsCommand {
    /// Add an arm (or re-activate a retired one).
    Add {
        /// Arm id, e.g. planner_v2+implementer_v3@small.
        id: String,
        /// Model tier.
        #[arg(long, value_enum)]
        tier: Tier,
        /// Prior mean eval in [0, 1].
        #[arg(long)]
        prior_eval: Option<f64>,
        /// Prior mean cost in USD.
        #[arg(long)]
        prior_cost: Option<f64>,
        /// How many observations the prior is worth.
        #[arg(long, default_value_t = 0.0)]
        prior_weight: f64,
    },
    /// List arms from the config and the state.
    List,
    /// Stop routing to an arm; its history is kept.
    Retire {
        /// Arm id.
        id: String,
    },
}

/// `maestro stats`.
#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Print markdown (for a PR comment or step summary).
    #[arg(long, conflicts_with = "json")]
    pub markdown: bool,
}

/// `maestro sbom-diff`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SbomDiffArgs {
    /// `stats`: median time to remediate from recorded runs.
    #[command(subcommand)]
    pub command: Option<SbomDiffCommand>,
    /// The baseline SBOM (CycloneDX JSON/XML, SPDX 2.x JSON or tag-value).
    #[arg(long, value_name = "OLD", required = true)]
    pub base: Option<std::path::PathBuf>,
    /// The new SBOM.
    #[arg(long, value_name = "NEW", required = true)]
    pub head: Option<std::path::PathBuf>,
    /// OSV data: directories of advisory JSON files and/or `all.zip` exports (repeatable).
    #[arg(long = "osv-db", value_name = "PATH")]
    pub osv_db: Vec<std::path::PathBuf>,
    /// Exit 1 when a *new* vulnerability is at least this severe.
    #[arg(long, value_enum, default_value = "high")]
    pub fail_on: FailOn,
    /// How advisories without a usable score count for --fail-on.
    #[arg(long, value_enum, default_value = "medium")]
    pub unknown_as: FailOn,
    /// Write a bump-PR title and markdown body here (needs --osv-db).
    #[arg(long, value_name = "FILE")]
    pub pr_body: Option<std::path::PathBuf>,
    /// Result format on stdout (`--json` is the same as `--format json`).
    #[arg(long, value_enum)]
    pub format: Option<SbomFormat>,
    /// Same as `--format markdown`.
    #[arg(long, hide = true)]
    pub markdown: bool,
    /// Also write SARIF 2.1.0 here (needs --osv-db), whatever --format is.
    #[arg(long, value_name = "FILE")]
    pub sarif_out: Option<std::path::PathBuf>,
    /// Record the head's vulnerabilities in the state: first-seen and
    /// resolved times per (package, advisory group), for `sbom-diff stats`.
    #[arg(long)]
    pub record: bool,
    /// What the record is about (a repository, an image); episodes in one
    /// scope are resolved only by records of the same scope.
    #[arg(long, value_name = "NAME", default_value = "default")]
    pub scope: String,
    /// When the head SBOM was current, for --record (RFC 3339, e.g.
    /// 2026-05-01T12:00:00Z; default: now). Lets you backfill from history.
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
}

/// `maestro sbom-diff` subcommands.
#[derive(Debug, Subcommand)]
pub enum SbomDiffCommand {
    /// Median time to remediate by severity, from `--record` runs.
    Stats {
        /// Only this scope (default: all).
        #[arg(long, value_name = "NAME")]
        scope: Option<String>,
        /// Also list every episode.
        #[arg(long)]
        all: bool,
    },
}

/// `sbom-diff --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SbomFormat {
    /// A table for people.
    Text,
    /// One JSON document.
    Json,
    /// Markdown for a PR comment.
    Markdown,
    /// SARIF 2.1.0 for code scanning.
    Sarif,
}

/// `maestro pii-scan`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct PiiScanArgs {
    /// `baseline create|check`.
    #[command(subcommand)]
    pub command: Option<PiiScanCommand>,
    /// What to scan, and the policy.
    #[command(flatten)]
    pub targets: PiiTargets,
    /// Only findings on lines added or changed between two git revisions
    /// (`main..HEAD`; `main..` compares with the working tree).
    #[arg(long, value_name = "BASE..HEAD", conflicts_with = "files_from")]
    pub diff: Option<String>,
    /// Scan only the files listed in FILE (one path per line).
    #[arg(long, value_name = "FILE")]
    pub files_from: Option<PathBuf>,
    /// Result format on stdout (`--json` is the same as `--format json`).
    #[arg(long, value_enum)]
    pub format: Option<PiiFormat>,
    /// Also write SARIF 2.1.0 here (written before a failing exit).
    #[arg(long, value_name = "FILE")]
    pub sarif_out: Option<PathBuf>,
    /// Accepted findings (from `pii-scan baseline create`).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Exit 1 when a finding at this action or above remains.
    #[arg(long, value_enum, default_value = "block")]
    pub fail_on: PiiFailOn,
    /// Run only the value detectors or only the flow detectors.
    #[arg(long, value_enum)]
    pub only: Option<PiiOnly>,
}

/// What `pii-scan` and its baseline commands scan.
#[derive(Debug, Args)]
pub struct PiiTargets {
    /// Files or directories to scan (default: the working directory).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Policy file: rule actions, path excludes, options (TOML).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
}

/// `pii-scan --only`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum PiiOnly {
    /// PII values in text.
    Values,
    /// PII fields reaching sinks in code.
    Flows,
}

/// `pii-scan` subcommands.
#[derive(Debug, Subcommand)]
pub enum PiiScanCommand {
    /// Baselines of accepted findings.
    Baseline {
        /// create or check.
        #[command(subcommand)]
        action: PiiBaselineCommand,
    },
}

/// `pii-scan baseline` subcommands.
#[derive(Debug, Subcommand)]
pub enum PiiBaselineCommand {
    /// Accept every current finding: write a baseline file.
    Create {
        /// What to scan, and the policy.
        #[command(flatten)]
        targets: PiiTargets,
        /// Where to write it.
        #[arg(
            long,
            value_name = "FILE",
            default_value = ".maestro/pii-baseline.json"
        )]
        out: PathBuf,
        /// Why these findings are accepted (required).
        #[arg(long)]
        reason: String,
        /// Who owns them (default: $GITHUB_ACTOR or $USER).
        #[arg(long)]
        owner: Option<String>,
        /// Last day the entries apply (YYYY-MM-DD; default: 90 days from today).
        #[arg(long, value_name = "DATE")]
        expires: Option<String>,
    },
    /// Report expired and stale entries; exit 1 if any.
    Check {
        /// What to scan, and the policy.
        #[command(flatten)]
        targets: PiiTargets,
        /// The baseline file.
        #[arg(
            long,
            value_name = "FILE",
            default_value = ".maestro/pii-baseline.json"
        )]
        baseline: PathBuf,
    },
}

/// `pii-scan --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum PiiFormat {
    /// One line per finding.
    Text,
    /// One JSON document.
    Json,
    /// SARIF 2.1.0.
    Sarif,
}

/// `pii-scan --fail-on`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum PiiFailOn {
    /// Block findings fail.
    Block,
    /// Block and warn findings fail.
    Warn,
    /// Never fail.
    None,
}

/// A severity threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// CVSS ≥ 9.0.
    Critical,
    /// CVSS ≥ 7.0.
    High,
    /// CVSS ≥ 4.0.
    Medium,
    /// CVSS > 0.
    Low,
    /// Any new vulnerability.
    Any,
    /// Never fail.
    None,
}

/// `maestro bench-gate`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BenchGateArgs {
    /// `record`: store summary values as history for summary-only gating.
    #[command(subcommand)]
    pub command: Option<BenchGateCommand>,
    /// Base results: a file, a directory of rounds, or a criterion directory
    /// (repeatable: one round each). Without --base, results are judged
    /// against the recorded history.
    #[arg(long = "base", value_name = "PATH")]
    pub base: Vec<std::path::PathBuf>,
    /// Head results, as for --base.
    #[arg(long = "head", value_name = "PATH")]
    pub head: Vec<std::path::PathBuf>,
    /// Input format (default: detected).
    #[arg(long, value_name = "FORMAT", default_value = "auto")]
    pub format: String,
    /// How a round's raw samples are summarised.
    #[arg(long, value_enum, default_value = "p95")]
    pub metric: crate::bench::gate::Metric,
    /// Slowdown that matters, e.g. `10%` or `0.1`.
    #[arg(long, default_value = "10%", value_parser = parse_fraction)]
    pub threshold: f64,
    /// Confidence of a `fail` across all benchmarks (Holm-corrected).
    #[arg(long, default_value_t = 0.997)]
    pub confidence: f64,
    /// Rounds needed per side to decide.
    #[arg(long, default_value_t = 5)]
    pub min_rounds: usize,
    /// Criterion baselines for the base side (glob over baseline names).
    #[arg(long, default_value = "base", value_name = "GLOB")]
    pub base_baseline: String,
    /// Criterion baselines for the head side.
    #[arg(long, default_value = "new", value_name = "GLOB")]
    pub head_baseline: String,
    /// Environment hash of the base runs (e.g. `maestro env-hash` there);
    /// a different --head-env-hash makes every result inconclusive.
    #[arg(long, value_name = "HASH")]
    pub base_env_hash: Option<String>,
    /// Environment hash of the head runs.
    #[arg(long, value_name = "HASH")]
    pub head_env_hash: Option<String>,
    /// Write the markdown report here too.
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<std::path::PathBuf>,
    /// Draw base vs head distributions as SVG.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<std::path::PathBuf>,
}

/// `maestro bench-gate record`.
#[derive(Debug, Subcommand)]
pub enum BenchGateCommand {
    /// Record results (e.g. main-branch runs) as history, one value per benchmark per run.
    Record {
        /// Result files or directories (one run each).
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<std::path::PathBuf>,
        /// Input format (default: detected).
        #[arg(long, value_name = "FORMAT", default_value = "auto")]
        format: String,
        /// How a run's raw samples are summarised.
        #[arg(long, value_enum, default_value = "p95")]
        metric: crate::bench::gate::Metric,
        /// Criterion baselines to record.
        #[arg(long, default_value = "new", value_name = "GLOB")]
        baseline: String,
    },
}

/// `10%` or `0.1`.
pub fn parse_fraction(s: &str) -> Result<f64, String> {
    let v = match s.trim().strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|x| x / 100.0),
        None => s.trim().parse::<f64>(),
    }
    .map_err(|_| format!("`{s}`: expected a percentage such as 10% or a fraction such as 0.1"))?;
    if !(v > 0.0 && v < 10.0) {
        return Err(format!("`{s}`: must be above 0"));
    }
    Ok(v)
}

/// `maestro repro`.
#[derive(Debug, Subcommand)]
pub enum ReproCommand {
    /// Compare the files of two directories; exit 1 below --min-rate.
    Compare {
        /// First tree.
        dir_a: std::path::PathBuf,
        /// Second tree.
        dir_b: std::path::PathBuf,
        /// Only files matching this glob, relative to each tree (repeatable).
        #[arg(long = "glob", value_name = "PATTERN")]
        globs: Vec<String>,
        /// Minimum reproducible rate.
        #[arg(long, default_value_t = 0.95)]
        min_rate: f64,
    },
    /// Build twice in two clean copies of the working tree and compare the
    /// artifacts; exit 1 below --min-rate.
    Run {
        /// Artifacts to compare, relative to the tree (repeatable).
        #[arg(long = "artifacts", value_name = "GLOB", required = true)]
        artifacts: Vec<String>,
        /// Minimum reproducible rate.
        #[arg(long, default_value_t = 0.95)]
        min_rate: f64,
        /// The build command.
        #[arg(last = true, required = true, value_name = "BUILD_CMD")]
        cmd: Vec<String>,
    },
}

/// `maestro cache`.
#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// Archive PATHs (tar + zstd) under KEY; an existing KEY is left untouched.
    Put {
        /// Cache key, e.g. `linux-cargo-$ENV_HASH`.
        key: String,
        /// Files or directories, relative to the working directory.
        #[arg(required = true)]
        paths: Vec<std::path::PathBuf>,
        /// Where entries live: a directory or s3://bucket/prefix [config: cache.store].
        #[arg(long, value_name = "URL")]
        store: Option<String>,
        /// zstd level, 1-22 [config: cache.level, default 3].
        #[arg(long, value_parser = clap::value_parser!(i32).range(1..=22))]
        level: Option<i32>,
        /// How long producing PATHs took, so hits can report time saved.
        #[arg(long, value_name = "SECONDS")]
        build_seconds: Option<f64>,
    },
    /// Restore KEY, else the newest entry matching each --restore-key prefix in
    /// order. Exit 0 on a hit, 1 on a miss, 2 on a rejected entry.
    Get {
        /// Cache key.
        key: String,
        /// Fallback key prefix (repeatable, tried in order).
        #[arg(long = "restore-key", value_name = "PREFIX")]
        restore_keys: Vec<String>,
        /// Directory to restore into (default: the working directory).
        #[arg(long, value_name = "DIR")]
        dest: Option<std::path::PathBuf>,
        /// Where entries live [config: cache.store].
        #[arg(long, value_name = "URL")]
        store: Option<String>,
    },
    /// Hit rate (overall and by key prefix), bytes and time saved.
    Stats,
    /// Delete old and least-recently-used entries (dry run unless --yes).
    Gc {
        /// Delete entries unused for longer than this, e.g. `7d`, `12h`.
        #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
        max_age: Option<std::time::Duration>,
        /// Keep at most this much, e.g. `10GiB`, `500MB`.
        #[arg(long, value_name = "SIZE", value_parser = parse_size)]
        max_size: Option<u64>,
        /// Really delete.
        #[arg(long)]
        yes: bool,
        /// Where entries live [config: cache.store].
        #[arg(long, value_name = "URL")]
        store: Option<String>,
    },
}

fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("`{s}`: {e} (e.g. 7d, 12h, 30m)"))
}

/// Parses `500MB`, `10GiB`, `1024` (bytes).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("`{s}`: expected a size such as 500MB or 10GiB"))?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "t" | "tb" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "tib" => 1024f64.powi(4),
        u => {
            return Err(format!(
                "`{s}`: unknown unit `{u}` (B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)"
            ))
        }
    };
    Ok((n * mult) as u64)
}

/// `maestro env-hash`.
#[derive(Debug, Args)]
pub struct EnvHashArgs {
    /// Repository root (default: the enclosing git repository, else the working directory).
    #[arg(long, value_name = "DIR")]
    pub root: Option<std::path::PathBuf>,
    /// Add a lockfile (repeatable).
    #[arg(long = "lockfile", value_name = "PATH")]
    pub lockfiles: Vec<std::path::PathBuf>,
    /// Do not detect lockfiles in the tree.
    #[arg(long)]
    pub no_detect: bool,
    /// Hash `TOOL --version` (or a full command line, quoted) (repeatable).
    #[arg(long = "tool", value_name = "TOOL")]
    pub tools: Vec<String>,
    /// Hash an environment variable's value (repeatable).
    #[arg(long = "env", value_name = "NAME")]
    pub env: Vec<String>,
    /// Hash files matching a glob, relative to the root (repeatable).
    #[arg(long = "glob", value_name = "PATTERN")]
    pub globs: Vec<String>,
    /// List every input with its own digest.
    #[arg(long)]
    pub explain: bool,
}

/// `maestro replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// CSV with instance_id, arm, resolved|eval, cost_usd.
    #[arg(long)]
    pub data: PathBuf,
    /// Policies to compare: ts, seed, ucb1, egreedy[:EPS], fixed:ARM (repeatable).
    #[arg(long = "policy", value_delimiter = ',', default_values = ["ts", "seed"])]
    pub policies: Vec<String>,
    /// Only these arms (comma-separated); default all in the file.
    #[arg(long, value_delimiter = ',')]
    pub arms: Vec<String>,
    /// Steps (tasks drawn) per run.
    #[arg(long, default_value_t = 2000)]
    pub tasks: usize,
    /// Runs per policy, with seeds 0..K.
    #[arg(long, default_value_t = 10)]
    pub seeds: u64,
    /// Reward objective with this λ (overrides the config).
    #[arg(long, conflicts_with = "min_eval")]
    pub lambda: Option<f64>,
    /// Min-cost objective with this quality floor (overrides the config).
    #[arg(long)]
    pub min_eval: Option<f64>,
    /// Hold N tasks out of each run and show every policy every arm's outcome
    /// on them first (an offline evaluation before going live).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub warm_start: usize,
    /// Print markdown.
    #[arg(long, conflicts_with = "json")]
    pub markdown: bool,
}

/// `maestro downshift …`.
#[derive(Debug, Subcommand)]
pub enum DownshiftCommand {
    /// Route only to the downshift tiers until turned off.
    On {
        /// Why (recorded in the audit table).
        #[arg(long)]
        reason: String,
        /// Who (default: $GITHUB_ACTOR, then $USER).
        #[arg(long)]
        actor: Option<String>,
    },
    /// Route to all tiers again.
    Off {
        /// Why.
        #[arg(long, default_value = "manual")]
        reason: String,
        /// Who (default: $GITHUB_ACTOR, then $USER).
        #[arg(long)]
        actor: Option<String>,
    },
    /// Current state and the audit trail.
    Status {
        /// Audit rows to show.
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
}

/// `maestro config …`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print every resolved setting and where it came from.
    Show,
}

fn parse_key_value(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(format!("`{s}` is not KEY=VALUE")),
    }
}
