//! `maestro risk`: features and labels from git, train, evaluate, score.

mod git;

use super::Ctx;
use crate::config::RiskPolicy as Policy;
use crate::error::{input, Result, EXIT_OK};
use crate::output::markdown::table;
use crate::output::safe::one_line;
use crate::risk::data::{self, Columns, Table};
use crate::risk::metrics;
use crate::risk::model::Model;
use crate::risk::train::{self, CalibrationKind, LearnerKind, TrainOptions};
use clap::{Args, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};

/// `maestro risk`.
#[derive(Debug, Subcommand)]
pub enum RiskCommand {
    /// The 14 change metrics of Kamei et al. from git: of one change
    /// (--range, --commit) or of every commit (--history, with --labels the
    /// training table).
    Features(git::FeaturesArgs),
    /// Label commits from the history: reverted, blamed by a later fix
    /// (SZZ), or named by an incident; censored while younger than the
    /// maturity horizon.
    Label(git::LabelArgs),
    /// Train a model on labelled changes (CSV: one row per change).
    Train(TrainArgs),
    /// Measure a model on labelled changes it was not trained on.
    Evaluate(EvaluateArgs),
    /// Score one change: its probability, the features that drive it in
    /// words, and the policy's verdict.
    Score(ScoreArgs),
}

/// `risk score`.
#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// The model.
    #[arg(long, value_name = "MODEL.json")]
    pub model: PathBuf,
    /// The change's features: a JSON object of numbers by feature name, in
    /// a file (`-`: standard input).
    #[arg(long, value_name = "FILE.json", required_unless_present_any = ["range", "commit"], conflicts_with_all = ["range", "commit"])]
    pub features: Option<PathBuf>,
    /// Or measure the change from git: a range as one diff from the merge
    /// base (a pull request), against the history before it.
    #[arg(long, value_name = "BASE..HEAD", conflicts_with = "commit")]
    pub range: Option<String>,
    /// Or one commit, against its first parent.
    #[arg(long, value_name = "SHA")]
    pub commit: Option<String>,
    /// The repository (with --range or --commit) and fix pattern.
    #[command(flatten)]
    pub source: git::Source,
    /// The policy over the threshold [config: risk.policy, default warn].
    #[arg(long, value_enum)]
    pub policy: Option<Policy>,
    /// The threshold [config: risk.threshold, default 0.7].
    #[arg(long)]
    pub threshold: Option<f64>,
    /// Reasons printed.
    #[arg(long, default_value_t = 3)]
    pub top: usize,
}

/// The calibrator to fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Calibration {
    /// Choose by the validation rows.
    Auto,
    /// Isotonic regression (pool adjacent violators).
    Isotonic,
    /// Platt scaling.
    Platt,
    /// None.
    None,
}

/// Which columns of the CSV mean what.
#[derive(Debug, Args)]
pub struct DataArgs {
    /// The changes: CSV with a header; every numeric column other than the
    /// label and time is a feature (non-numeric ones, such as commit ids,
    /// are left out).
    #[arg(long, value_name = "FILE.csv")]
    pub data: PathBuf,
    /// The 0/1 label column (1: the change induced a defect).
    #[arg(long, default_value = "label", value_name = "COL")]
    pub label: String,
    /// The time column, to order changes by (default: the file's order).
    #[arg(long, value_name = "COL")]
    pub time: Option<String>,
    /// Columns to leave out.
    #[arg(long, value_name = "COL", value_delimiter = ',')]
    pub ignore: Vec<String>,
}

/// The learners `risk train` chooses among.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Family {
    /// Every candidate, chosen by the validation rows.
    Auto,
    /// Logistic regression (three penalties, and lines added alone).
    Logistic,
    /// Gradient-boosted trees.
    Gbm,
    /// The mean of logistic regression and boosted trees.
    Blend,
}

/// `risk train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// The labelled changes.
    #[command(flatten)]
    pub data: DataArgs,
    /// The learners to choose among.
    #[arg(long, value_enum, default_value_t = Family::Auto)]
    pub model: Family,
    /// The calibrator.
    #[arg(long, value_enum, default_value_t = Calibration::Auto)]
    pub calibration: Calibration,
    /// The newest share of the rows held out to choose the model and fit
    /// the calibrator.
    #[arg(long, default_value_t = 0.2)]
    pub validation: f64,
    /// Where to write the model.
    #[arg(long, value_name = "MODEL.json")]
    pub out: PathBuf,
}

/// `risk evaluate`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// The model.
    #[arg(long, value_name = "MODEL.json")]
    pub model: PathBuf,
    /// The labelled changes.
    #[command(flatten)]
    pub data: DataArgs,
    /// The threshold a change is flagged at.
    #[arg(long, default_value_t = 0.7)]
    pub threshold: f64,
    /// Write the reliability diagram (observed rate against the predicted
    /// probability, per tenth) here as SVG.
    #[arg(long, value_name = "FILE.svg")]
    pub reliability_out: Option<PathBuf>,
    /// Write the ROC curve here as SVG.
    #[arg(long, value_name = "FILE.svg")]
    pub roc_out: Option<PathBuf>,
}

/// Runs a risk subcommand.
pub fn exec(ctx: &Ctx, c: RiskCommand) -> Result<i32> {
    match c {
        RiskCommand::Features(a) => git::features(ctx, a),
        RiskCommand::Label(a) => git::label(ctx, a),
        RiskCommand::Train(a) => train(ctx, a),
        RiskCommand::Evaluate(a) => evaluate(ctx, a),
        RiskCommand::Score(a) => score(ctx, a),
    }
}

fn table_of(ctx: &Ctx, a: &DataArgs) -> Result<Table> {
    data::read(
        &ctx.read_file(&a.data)?,
        &a.data.display().to_string(),
        &Columns {
            label: Some(&a.label),
            time: a.time.as_deref(),
            ignore: &a.ignore,
        },
    )
}

fn train(ctx: &Ctx, a: TrainArgs) -> Result<i32> {
    if !(a.validation > 0.0 && a.validation < 0.5) {
        return Err(input(format!(
            "--validation {}: want a share above 0 and below 0.5",
            a.validation
        )));
    }
    let t = table_of(ctx, &a.data)?;
    let m = train::train(
        &t,
        &TrainOptions {
            calibration: match a.calibration {
                Calibration::Auto => None,
                Calibration::Isotonic => Some(CalibrationKind::Isotonic),
                Calibration::Platt => Some(CalibrationKind::Platt),
                Calibration::None => Some(CalibrationKind::None),
            },
            validation: a.validation,
            threshold: 0.7,
            learner: match a.model {
                Family::Auto => None,
                Family::Logistic => Some(LearnerKind::Logistic),
                Family::Gbm => Some(LearnerKind::Gbm),
                Family::Blend => Some(LearnerKind::Blend),
            },
        },
    )?;
    ctx.out
        .write_file(&ctx.cwd, &a.out, serde_json::to_string_pretty(&m)? + "\n")?;
    let mut text = format!(
        "{}: {} rows, base rate {:.3}; chose {}",
        one_line(&a.out.display().to_string()),
        m.training.rows,
        m.training.base_rate,
        m.training.chosen
    );
    if !t.skipped.is_empty() {
        text.push_str(&format!(
            "\nleft out (not numbers): {}",
            one_line(&t.skipped.join(", "))
        ));
    }
    if let Some(v) = &m.training.validation {
        text.push_str(&format!(
            "\nvalidation (newest {:.0} %): AUC {}, ECE {:.3}, Brier skill {:.3}",
            a.validation * 100.0,
            v.auc.map_or("-".into(), |x| format!("{x:.3}")),
            v.ece,
            v.brier_skill
        ));
    }
    ctx.out.result(&m.training, &text, None)?;
    Ok(EXIT_OK)
}

fn evaluate(ctx: &Ctx, a: EvaluateArgs) -> Result<i32> {
    if !(0.0..=1.0).contains(&a.threshold) {
        return Err(input(format!(
            "--threshold {}: want a probability from 0 to 1",
            a.threshold
        )));
    }
    let name = a.model.display().to_string();
    let m = Model::parse(&ctx.read_file(&a.model)?, &name)?;
    let t = table_of(ctx, &a.data)?;
    let p = m
        .predict(&t)
        .map_err(|e| input(format!("{}: {e}", a.data.data.display())))?;
    let r = metrics::metrics(&p, &t.labels, a.threshold);
    if let Some(f) = &a.reliability_out {
        let bins = crate::risk::plot::reliability(&p, &t.labels, 10);
        ctx.out.write_file(
            &ctx.cwd,
            f,
            crate::risk::plot::reliability_svg(&bins, r.ece),
        )?;
    }
    if let Some(f) = &a.roc_out {
        let curve = crate::risk::plot::roc(&p, &t.labels);
        ctx.out
            .write_file(&ctx.cwd, f, crate::risk::plot::roc_svg(&curve, r.auc))?;
    }
    let f = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{v:.3}"));
    let rows = vec![vec![
        r.rows.to_string(),
        format!("{:.3}", r.base_rate),
        format!("{:.3}", r.mean_probability),
        f(r.auc),
        format!("{:.3}", r.brier),
        format!("{:.3}", r.brier_skill),
        format!("{:.3}", r.ece),
        format!(
            "{} ({:.1} %)",
            r.at_threshold.flagged,
            r.at_threshold.flagged_share * 100.0
        ),
        f(r.at_threshold.precision),
        f(r.at_threshold.recall),
    ]];
    let header = [
        "rows",
        "base rate",
        "mean p",
        "AUC",
        "Brier",
        "Brier skill",
        "ECE",
        &format!("flagged at {}", a.threshold),
        "precision",
        "recall",
    ];
    let text = crate::output::markdown::text_table(&header, &rows);
    ctx.out
        .result(&r, text.trim_end(), Some(&table(&header, &rows)))?;
    Ok(EXIT_OK)
}

/// The feature names and values of a JSON object in `f` (`-`: stdin).
fn features_file(ctx: &Ctx, f: &Path) -> Result<(Vec<String>, Vec<f64>)> {
    let fname = f.display().to_string();
    let text = if f.as_os_str() == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .map_err(|e| input(format!("-: {e}")))?;
        s
    } else {
        ctx.read_file(f)?
    };
    let obj: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&text).map_err(|e| {
            input(format!(
                "{fname}: line {}: want a JSON object of numbers ({e})",
                e.line()
            ))
        })?;
    let mut names = Vec::new();
    let mut row = Vec::new();
    for (k, v) in &obj {
        let x = match v {
            serde_json::Value::Number(n) => n.as_f64(),
            serde_json::Value::Bool(b) => Some(f64::from(u8::from(*b))),
            _ => None,
        }
        .filter(|x| x.is_finite())
        .ok_or_else(|| input(format!("{fname}: {}: {v} is not a number", one_line(k))))?;
        names.push(k.clone());
        row.push(x);
    }
    Ok((names, row))
}

fn score(ctx: &Ctx, a: ScoreArgs) -> Result<i32> {
    let threshold = a.threshold.unwrap_or(ctx.cfg().risk.threshold);
    let policy = a.policy.unwrap_or(ctx.cfg().risk.policy);
    if !(0.0..=1.0).contains(&threshold) {
        return Err(input(format!(
            "--threshold {threshold}: want a probability from 0 to 1"
        )));
    }
    let name = a.model.display().to_string();
    let m = Model::parse(&ctx.read_file(&a.model)?, &name)?;
    let (fname, names, row) = match &a.features {
        Some(f) => {
            let (names, row) = features_file(ctx, f)?;
            (f.display().to_string(), names, row)
        }
        None => {
            // The graph's features when the model was trained on them.
            let graph = m
                .features
                .iter()
                .any(|f| crate::risk::graph_features::NAMES.contains(&f.name.as_str()));
            let (names, r) = git::change_features(
                ctx,
                &a.source,
                a.range.as_deref(),
                a.commit.as_deref(),
                graph,
            )?;
            let names = names.iter().map(|n| n.to_string()).collect();
            (
                a.range.clone().or(a.commit.clone()).unwrap_or_default(),
                names,
                r.values,
            )
        }
    };
    let e = m
        .explain(&names, &row)
        .map_err(|e| input(format!("{fname}: {e}")))?;
    let over = e.probability >= threshold;
    let verdict = match (policy, over) {
        (Policy::Off, _) => "off",
        (_, false) => "pass",
        (Policy::Warn, true) => "warn",
        (Policy::Enforce, true) => "fail",
    };
    let top: Vec<&crate::risk::reasons::Reason> = e.reasons.iter().take(a.top).collect();
    let mut text = format!(
        "risk {:.2} ({verdict} at {:.2}, policy {})",
        e.probability,
        threshold,
        format!("{:?}", policy).to_lowercase()
    );
    for r in &top {
        text.push_str(&format!("\n  {}", one_line(&r.text)));
    }
    let v = serde_json::json!({
        "probability": e.probability,
        "threshold": threshold,
        "policy": format!("{:?}", policy).to_lowercase(),
        "verdict": verdict,
        "reasons": e.reasons,
    });
    ctx.out.result(&v, &text, None)?;
    ctx.out.outputs(&[
        ("risk", format!("{:.4}", e.probability)),
        ("verdict", verdict.to_string()),
    ])?;
    if verdict == "warn" || verdict == "fail" {
        let why: Vec<&str> = top.iter().map(|r| r.text.as_str()).collect();
        ctx.out.annotate_run(
            verdict == "fail",
            &format!(
                "{}: change risk {:.2} is at or over {:.2}: {}",
                fname,
                e.probability,
                threshold,
                why.join("; ")
            ),
        );
    }
    Ok(if verdict == "fail" {
        crate::error::EXIT_GATE
    } else {
        EXIT_OK
    })
}
