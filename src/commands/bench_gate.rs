//! `maestro bench-gate`.

use super::args::named;
use super::Ctx;
use crate::bench::gate::Metric;
use crate::bench::gate::{self, Report, Settings, Verdict};
use crate::bench::{formats, record, Run};
use crate::error::{input, Result, EXIT_GATE, EXIT_OK};
use crate::output::markdown::{cell, text_table};
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
        return Err(format!("`{s}`: must be above 0"));
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
        ..Settings::default()
    };
    let history = ctx.read_state(|st| record::load(st.conn()))?;
    let report = gate::compare_with_history(&base, &head, &settings, &|n, m| {
        record::lookup(&history, n, m)
    });
    let md = markdown(&report);
    if let Some(path) = &a.markdown_out {
        std::fs::write(ctx.cwd.join(path), &md)
            .map_err(|e| input(format!("{}: {e}", path.display())))?;
    }
    if let Some(path) = &a.plot_out {
        std::fs::write(ctx.cwd.join(path), svg(&report, &base, &head, &settings))
            .map_err(|e| input(format!("{}: {e}", path.display())))?;
    }
    ctx.out.summary(&md)?;
    ctx.out
        .outputs(&[("verdict", verdict_word(report.verdict).to_string())])?;
    for r in report
        .benchmarks
        .iter()
        .filter(|r| r.verdict == Verdict::Fail)
    {
        ctx.out
            .warn(&format!("bench-gate: {} regressed: {}", r.name, r.reason));
    }
    ctx.out.result(&report, &text(&report), Some(&md))?;
    Ok(if report.verdict == Verdict::Fail {
        EXIT_GATE
    } else {
        EXIT_OK
    })
}

fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Fail => "fail",
        Verdict::Warn => "warn",
        Verdict::Inconclusive => "inconclusive",
        Verdict::Improved => "improved",
        Verdict::Pass => "pass",
    }
}

fn fmt_value(v: f64, unit: &str) -> String {
    if !v.is_finite() {
        return "-".into();
    }
    if unit == "ns" {
        return match v {
            v if v >= 1e9 => format!("{:.3} s", v / 1e9),
            v if v >= 1e6 => format!("{:.3} ms", v / 1e6),
            v if v >= 1e3 => format!("{:.3} µs", v / 1e3),
            v => format!("{v:.2} ns"),
        };
    }
    if unit == "s" {
        return fmt_value(v * 1e9, "ns");
    }
    format!("{v:.4} {unit}")
}

fn pct(r: f64) -> String {
    if r.is_finite() {
        format!("{:+.1}%", (r - 1.0) * 100.0)
    } else {
        "-".into()
    }
}

fn rows(report: &Report) -> Vec<Vec<String>> {
    report
        .benchmarks
        .iter()
        .map(|r| {
            vec![
                verdict_word(r.verdict).to_string(),
                r.name.clone(),
                fmt_value(r.base, &r.unit),
                fmt_value(r.head, &r.unit),
                pct(r.ratio),
                format!("{} … {}", pct(r.ci_low), pct(r.ci_high)),
                r.reason.clone(),
            ]
        })
        .collect()
}

const HEADER: [&str; 7] = [
    "VERDICT",
    "BENCHMARK",
    "BASE",
    "HEAD",
    "CHANGE",
    "CI",
    "REASON",
];

fn text(report: &Report) -> String {
    format!(
        "{}bench-gate: {} ({} benchmarks; {} base and {} head rounds; metric {:?}, threshold {:.0}%)",
        text_table(&HEADER, &rows(report)),
        verdict_word(report.verdict),
        report.benchmarks.len(),
        report.rounds_base,
        report.rounds_head,
        report.metric,
        report.threshold * 100.0
    )
}

/// The PR comment / step summary: decided results first, passes folded.
pub fn markdown(report: &Report) -> String {
    let mut md = format!(
        "### Benchmarks: {}\n\n{} benchmarks, {} base and {} head rounds, round metric `{:?}`, threshold {:.0}%, \
         family-wise confidence {:.1}% (Holm).\n\n",
        verdict_word(report.verdict),
        report.benchmarks.len(),
        report.rounds_base,
        report.rounds_head,
        report.metric,
        report.threshold * 100.0,
        (1.0 - report.alpha) * 100.0
    );
    let all = rows(report);
    let (loud, quiet): (Vec<_>, Vec<_>) = all.into_iter().partition(|r| r[0] != "pass");
    let table = |rs: &[Vec<String>]| {
        let mut t = format!(
            "| {} |\n|{}\n",
            HEADER.join(" | "),
            "---|".repeat(HEADER.len())
        );
        for r in rs {
            t.push_str(&format!(
                "| {} |\n",
                r.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")
            ));
        }
        t
    };
    if !loud.is_empty() {
        md.push_str(&table(&loud));
    }
    if !quiet.is_empty() {
        md.push_str(&format!(
            "\n<details><summary>{} passing benchmarks</summary>\n\n{}\n</details>\n",
            quiet.len(),
            table(&quiet)
        ));
    }
    md
}

/// Per benchmark, base (blue) and head (orange) observations on a log
/// scale around the base median.
fn svg(report: &Report, base: &[Run], head: &[Run], s: &Settings) -> String {
    let obs = |runs: &[Run], name: &str| -> Vec<f64> {
        let mut v = Vec::new();
        for r in runs {
            for se in r.series.iter().filter(|x| x.name == name) {
                if se.repetitions {
                    v.extend(&se.values);
                } else if !se.values.is_empty() {
                    v.push(gate::round_value(se, s.metric));
                }
            }
        }
        v
    };
    let (w, row, left) = (900.0, 28.0, 320.0);
    let h = 40.0 + row * report.benchmarks.len() as f64;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"11\">\n\
         <text x=\"{left}\" y=\"14\">-50%</text><text x=\"{}\" y=\"14\">0</text><text x=\"{}\" y=\"14\">+100%</text>\n",
        left + (w - left - 20.0) / 2.0 - 4.0,
        w - 60.0
    );
    // x maps log2(ratio) in [-1, 1] onto the plot width.
    let x = |ratio: f64| left + (ratio.log2().clamp(-1.0, 1.0) + 1.0) / 2.0 * (w - left - 20.0);
    for (i, r) in report.benchmarks.iter().enumerate() {
        let y = 30.0 + row * i as f64;
        let colour = match r.verdict {
            Verdict::Fail => "#c00",
            Verdict::Inconclusive | Verdict::Warn => "#a60",
            _ => "#333",
        };
        out.push_str(&format!(
            "<text x=\"4\" y=\"{}\" fill=\"{colour}\">{}</text>\n<line x1=\"{}\" x2=\"{}\" y1=\"{y}\" y2=\"{}\" stroke=\"#ccc\"/>\n",
            y + 4.0,
            xml_escape(&format!("{} {}", verdict_word(r.verdict), r.name)),
            x(1.0),
            x(1.0),
            y + row - 6.0
        ));
        let m = r.base;
        for (vals, dy, c) in [
            (obs(base, &r.name), 0.0, "#1f77b4"),
            (obs(head, &r.name), 10.0, "#ff7f0e"),
        ] {
            for v in vals.iter().filter(|v| v.is_finite() && m > 0.0) {
                out.push_str(&format!(
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.5\" fill=\"{c}\" fill-opacity=\"0.6\"/>\n",
                    x(v / m),
                    y + dy
                ));
            }
        }
    }
    out.push_str("</svg>\n");
    out
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
