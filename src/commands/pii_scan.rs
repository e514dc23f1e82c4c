//! `maestro pii-scan` and `pii-scan baseline create | check`.

use super::args::named;
use super::Ctx;
use crate::error::{input, Result, EXIT_GATE, EXIT_OK};
use crate::git;
use crate::output::Format;
use crate::pii::baseline::Baseline;
use crate::pii::gate::{Document, FailOn, Tally};
use crate::pii::policy::Policy;
use crate::pii::scan::{self, Report, Settings};
use crate::pii::{explain, render, sarif, Action};
use clap::{Args, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};

/// Where `baseline create` writes and `baseline check` reads by default.
const DEFAULT_BASELINE: &str = ".maestro/pii-baseline.json";

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
    /// Also write SARIF 2.1.0 here (written before a failing exit).
    #[arg(long, value_name = "FILE")]
    pub sarif_out: Option<PathBuf>,
    /// Accepted findings (from `pii-scan baseline create`).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Exit 1 when a finding at this action or above remains: block, warn
    /// (block and warn findings), or none.
    #[arg(long, default_value = "block", value_parser = named::<FailOn>(&FailOn::NAMES))]
    pub fail_on: FailOn,
    /// Run only the value detectors or only the flow detectors.
    #[arg(long, value_enum)]
    pub only: Option<PiiOnly>,
    /// Say for every finding how its confidence and action came about.
    #[arg(long)]
    pub explain: bool,
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PiiOnly {
    /// PII values in text.
    Values,
    /// PII fields reaching sinks in code.
    Flows,
}

/// `pii-scan` subcommands.
#[derive(Debug, Subcommand)]
pub enum PiiScanCommand {
    /// Why a finding scored what it did: scan again and explain the finding
    /// whose fingerprint starts with FINGERPRINT.
    Explain {
        /// A finding's fingerprint, or its first 8 characters or more.
        fingerprint: String,
        /// What to scan, and the policy.
        #[command(flatten)]
        targets: PiiTargets,
    },
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
        #[arg(long, value_name = "FILE", default_value = DEFAULT_BASELINE)]
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
        #[arg(long, value_name = "FILE", default_value = DEFAULT_BASELINE)]
        baseline: PathBuf,
    },
}
/// Runs the scan (or a baseline subcommand).
pub fn exec(ctx: &Ctx, a: PiiScanArgs) -> Result<i32> {
    match a.command {
        Some(PiiScanCommand::Baseline { action }) => baseline(ctx, action),
        Some(PiiScanCommand::Explain {
            fingerprint,
            targets,
        }) => explain_cmd(ctx, &fingerprint, &targets),
        None => scan_cmd(ctx, a),
    }
}

fn load_policy(ctx: &Ctx, p: &Option<PathBuf>) -> Result<Policy> {
    match p {
        Some(p) => Policy::load(&ctx.cwd.join(p)),
        None => Ok(Policy::default()),
    }
}

fn today() -> String {
    time::OffsetDateTime::now_utc().date().to_string()
}

/// Runs the detectors over `paths` (default: the working directory). A path
/// that does not exist is an input error: a typo must not pass the gate.
fn run(
    ctx: &Ctx,
    paths: &[PathBuf],
    only: Option<&[String]>,
    root: &Path,
    s: &Settings,
) -> Result<Report> {
    for p in paths {
        if let Err(e) = std::fs::symlink_metadata(ctx.cwd.join(p)) {
            return Err(input(format!("{}: {e}", p.display())));
        }
    }
    let paths: Vec<PathBuf> = if paths.is_empty() {
        vec![root.to_path_buf()]
    } else {
        paths.iter().map(|p| ctx.cwd.join(p)).collect()
    };
    let bar = ctx.out.progress(0, "scanning");
    let report = scan::scan_paths(root, &paths, only, s, &|n| bar.inc(n));
    bar.finish_and_clear();
    Ok(report)
}

/// `--diff BASE..HEAD` (or `BASE...HEAD`, from their merge base): the
/// repository root and the added lines per file.
fn git_diff(ctx: &Ctx, spec: &str) -> Result<(PathBuf, git::Changed)> {
    let (base, head, three_dot) = match spec.split_once("...") {
        Some((b, h)) => (b, h, true),
        None => {
            let (b, h) = spec.split_once("..").ok_or_else(|| {
                input(format!(
                    "--diff {spec}: want BASE..HEAD (BASE.. for the working tree) or BASE...HEAD (from the merge base)"
                ))
            })?;
            (b, h, false)
        }
    };
    let named = |e: anyhow::Error| input(format!("--diff {spec}: {e}"));
    let root = git::toplevel(&ctx.cwd).map_err(named)?;
    let changed = git::added_lines(&ctx.cwd, base, head, three_dot).map_err(named)?;
    Ok((root, changed))
}

fn scan_cmd(ctx: &Ctx, a: PiiScanArgs) -> Result<i32> {
    let format = ctx.out.format;
    let mut s = Settings::new(load_policy(ctx, &a.targets.policy)?);
    s.values = a.only != Some(PiiOnly::Flows);
    s.flows = a.only != Some(PiiOnly::Values);
    let baseline = match &a.baseline {
        Some(p) => Some(Baseline::load(&ctx.cwd.join(p))?),
        None => None,
    };
    let mut root = ctx.cwd.clone();
    let mut only: Option<Vec<String>> = None;
    if let Some(spec) = &a.diff {
        let (r, changed) = git_diff(ctx, spec)?;
        let mut files: Vec<String> = changed.keys().cloned().collect();
        files.sort();
        only = Some(files);
        s.changed = Some(changed);
        root = r;
    } else if let Some(f) = &a.files_from {
        let text = ctx.read_file(f)?;
        only = Some(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect(),
        );
    }
    let mut report = run(ctx, &a.targets.paths, only.as_deref(), &root, &s)?;
    let check = baseline
        .as_ref()
        .map(|b| b.apply(&mut report.findings, &today()));
    // Built only when asked for.
    let sarif = if a.sarif_out.is_some() || format == Format::Sarif {
        serde_json::to_string_pretty(&sarif::log(&report.findings))?
    } else {
        String::new()
    };
    if let Some(p) = &a.sarif_out {
        ctx.out.write_file(&ctx.cwd, p, &sarif)?;
    }
    let t = Tally::of(&report.findings, a.fail_on);
    for f in &report.findings {
        ctx.out.annotate(
            f.action == Action::Block,
            &f.path,
            f.line,
            &format!("{}: {}", f.rule, f.reason),
        );
    }
    let md = render::markdown(&report, check.as_ref(), t.block, t.warn);
    ctx.out.summary(&md)?;
    ctx.out
        .outputs(&[("block", t.block.to_string()), ("warn", t.warn.to_string())])?;
    match format {
        Format::Sarif => ctx.out.print(&sarif)?,
        // Through a JSON value: every object's keys sorted, as pii-scan has always printed them.
        _ => {
            let mut doc = serde_json::to_value(Document::new(&report, check.as_ref(), t))?;
            let mut text = render::text(&report, check.as_ref(), t.block, t.warn);
            if a.explain {
                doc["explain"] = report.findings.iter().map(explain::json).collect();
                let all: String = report.findings.iter().map(explain::text).collect();
                text = format!("{all}{text}");
            }
            ctx.out.result(&doc, &text, Some(&md))?
        }
    }
    Ok(if t.failing > 0 { EXIT_GATE } else { EXIT_OK })
}

/// The baseline commands' scan: every finding under the policy, paths
/// relative to the working directory.
fn scan_targets(ctx: &Ctx, t: &PiiTargets) -> Result<Report> {
    let s = Settings::new(load_policy(ctx, &t.policy)?);
    run(ctx, &t.paths, None, &ctx.cwd, &s)
}

/// `pii-scan explain FINGERPRINT`: the matching findings, explained; an
/// input error when none matches.
fn explain_cmd(ctx: &Ctx, fingerprint: &str, t: &PiiTargets) -> Result<i32> {
    if fingerprint.len() < 8 || !fingerprint.bytes().all(|c| c.is_ascii_hexdigit()) {
        return Err(input(format!(
            "explain {}: want a finding's fingerprint (8 hex digits or more)",
            crate::output::safe::one_line(fingerprint)
        )));
    }
    let report = scan_targets(ctx, t)?;
    let found = explain::matching(&report.findings, fingerprint);
    if found.is_empty() {
        return Err(input(format!(
            "explain {fingerprint}: no finding has this fingerprint in what was scanned ({} files)",
            report.files
        )));
    }
    let v: Vec<serde_json::Value> = found.iter().map(|f| explain::json(f)).collect();
    let text: String = found.iter().map(|f| explain::text(f)).collect();
    ctx.out.result(&v, text.trim_end(), None)?;
    Ok(EXIT_OK)
}

fn baseline(ctx: &Ctx, action: PiiBaselineCommand) -> Result<i32> {
    match action {
        PiiBaselineCommand::Create {
            targets,
            out,
            reason,
            owner,
            expires,
        } => {
            if reason.trim().is_empty() {
                return Err(input("--reason must say why these findings are accepted"));
            }
            let expires = match expires {
                Some(e) => {
                    time::Date::parse(&e, &time::format_description::well_known::Iso8601::DATE)
                        .map_err(|_| input(format!("--expires {e}: want YYYY-MM-DD")))?;
                    e
                }
                None => {
                    (time::OffsetDateTime::now_utc().date() + time::Duration::days(90)).to_string()
                }
            };
            let owner = ctx.actor(owner);
            let report = scan_targets(ctx, &targets)?;
            let b = Baseline::create(&report.findings, &reason, &owner, &expires);
            ctx.out
                .write_file(&ctx.cwd, &out, serde_json::to_string_pretty(&b)? + "\n")?;
            let v = serde_json::json!({"baseline": out, "entries": b.entries.len(), "expires": expires, "owner": owner});
            ctx.out.result(
                &v,
                &format!(
                    "{}: {} entries, owner {owner}, expire {expires}",
                    out.display(),
                    b.entries.len()
                ),
                None,
            )?;
            Ok(EXIT_OK)
        }
        PiiBaselineCommand::Check { targets, baseline } => {
            let b = Baseline::load(&ctx.cwd.join(&baseline))?;
            let mut report = scan_targets(ctx, &targets)?;
            let c = b.apply(&mut report.findings, &today());
            let mut t = render::check_lines(&c, "");
            t.push_str(&format!(
                "{} entries: {} in use, {} expired, {} stale",
                b.entries.len(),
                b.entries.len() - c.expired.len() - c.stale.len(),
                c.expired.len(),
                c.stale.len()
            ));
            let bad = c.expired.len() + c.stale.len();
            ctx.out.result(&c, &t, None)?;
            Ok(if bad > 0 { EXIT_GATE } else { EXIT_OK })
        }
    }
}
