//! `maestro bench-gate`.

use super::args::named;
use super::Ctx;
use crate::bench::gate::{self, Metric, Settings};
use crate::bench::{formats, record, render, Measure, Run, Verdict};
use crate::error::{input, Result, EXIT_GATE, EXIT_OK};
use clap::{Args, Subcommand};
use std::path::PathBuf;

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
    pub base: Vec<PathBuf>,
    /// Head results, as for --base.
    #[arg(long = "head", value_name = "PATH")]
    pub head: Vec<PathBuf>,
    /// Input format (default: detected from the content).
    #[arg(long, value_name = "FORMAT", default_value = "auto")]
    pub input_format: String,
    /// How a round's raw samples are summarised.
    #[arg(long, default_value = "p95", value_parser = named::<Metric>(&Metric::NAMES))]
    pub metric: Metric,
    /// Judge on this measure only: wall (wall-clock time), cpu (CPU time) or
    /// instructions. Default: the steadiest measure both sides have, passing
    /// over CPU time when it covers less than half of the wall time.
    #[arg(long, value_parser = named::<Measure>(&Measure::NAMES))]
    pub measure: Option<Measure>,
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
    /// Also write the markdown report to FILE.
    #[arg(long, value_name = "FILE")]
    pub markdown_out: Option<PathBuf>,
    /// Draw base vs head distributions as SVG to FILE.
    #[arg(long, value_name = "FILE.svg")]
    pub plot_out: Option<PathBuf>,
}

/// `maestro bench-gate record`.
#[derive(Debug, Subcommand)]
pub enum BenchGateCommand {
    /// Record results (e.g. main-branch runs) as history, one value per benchmark per run.
    Record {
        /// Result files or directories (one run each).
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Input format (default: detected from the content).
        #[arg(long, value_name = "FORMAT", default_value = "auto")]
        input_format: String,
        /// How a run's raw samples are summarised.
        #[arg(long, default_value = "p95", value_parser = named::<Metric>(&Metric::NAMES))]
        metric: Metric,
        /// Criterion baselines to record.
        #[arg(long, default_value = "new", value_name = "GLOB")]
        baseline: String,
    },
}

/// `10%` or `0.1`.
fn parse_fraction(s: &str) -> std::result::Result<f64, String> {
    let v = match s.trim().strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|x| x / 100.0),
        None => s.trim().parse::<f64>(),
    }
    .map_err(|_| format!("`{s}`: expected a percentage such as 10% or a fraction such as 0.1"))?;
    if !(v > 0.0 && v < 10.0) {
        return Err(format!("`{s}`: must be above 0% and below 1000%"));
    }
    Ok(v)
}

/// Runs the gate; exit 1 only on an overall `fail`.
pub fn exec(ctx: &Ctx, a: BenchGateArgs) -> Result<i32> {
    if let Some(BenchGateCommand::Record {
        paths,
        input_format,
        metric,
        baseline,
    }) = a.command
    {
        let format = (input_format != "auto").then_some(input_format.as_str());
        let mut runs = Vec::new();
        for p in &paths {
            runs.extend(formats::load(&ctx.cwd.join(p), format, &baseline)?);
        }
        let now = crate::clock::Clock::now().now_ms;
        let stored = ctx.write_state(|st| {
            let mut n = 0;
            for r in &runs {
                n += record::record(st, r, metric, now)?;
            }
            Ok(n)
        })?;
        let v = serde_json::json!({"runs": runs.len(), "values_stored": stored});
        ctx.out.result(
            &v,
            &format!("recorded {stored} values from {} runs", runs.len()),
            None,
        )?;
        return Ok(EXIT_OK);
    }
    if a.head.is_empty() {
        return Err(input(
            "bench-gate: give --head PATH (and --base PATH, or record history first)",
        ));
    }
    if !(0.5..1.0).contains(&a.confidence) {
        return Err(input(format!(
            "--confidence {}: must be in [0.5, 1)",
            a.confidence
        )));
    }
    let format = (a.input_format != "auto").then_some(a.input_format.as_str());
    let load = |paths: &[PathBuf], baseline: &str| -> Result<Vec<Run>> {
        let mut runs = Vec::new();
        for p in paths {
            runs.extend(formats::load(&ctx.cwd.join(p), format, baseline)?);
        }
        Ok(runs)
    };
    let mut base = load(&a.base, &a.base_baseline)?;
    let mut head = load(&a.head, &a.head_baseline)?;
    for (runs, hash) in [(&mut base, &a.base_env_hash), (&mut head, &a.head_env_hash)] {
        if let Some(h) = hash {
            for r in runs.iter_mut() {
                r.env.insert("env_hash".into(), h.clone());
            }
        }
    }
    let settings = Settings {
        metric: a.metric,
        threshold: a.threshold,
        alpha: 1.0 - a.confidence,
        min_rounds: a.min_rounds.max(2),
        measure: a.measure,
        ..Settings::default()
    };
    let history = ctx.read_state(|st| record::load(st.conn()))?;
    let report = gate::compare_with_history(&base, &head, &settings, &|n, m| {
        record::lookup(&history, n, m)
    });
    let md = render::markdown(&report);
    if let Some(path) = &a.markdown_out {
        ctx.out.write_file(&ctx.cwd, path, &md)?;
    }
    if let Some(path) = &a.plot_out {
        let plot = render::svg(&report, &base, &head, &settings);
        ctx.out.write_file(&ctx.cwd, path, plot)?;
    }
    ctx.out.summary(&md)?;
    ctx.out
        .outputs(&[("verdict", report.verdict.word().to_string())])?;
    for r in report
        .benchmarks
        .iter()
        .filter(|r| r.verdict == Verdict::Fail)
    {
        ctx.out
            .warn(&format!("bench-gate: {} regressed: {}", r.name, r.reason));
    }
    ctx.out.result(&report, &render::text(&report), Some(&md))?;
    Ok(if report.verdict == Verdict::Fail {
        EXIT_GATE
    } else {
        EXIT_OK
    })
}
