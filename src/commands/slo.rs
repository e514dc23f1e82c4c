//! `maestro slo burn | evaluate | gate | audit`.

use super::Ctx;
use crate::clock::{rfc3339, Clock};
use crate::config::SloConfig;
use crate::error::{input, Result};
use crate::output::markdown::{table, text_table};
use crate::output::safe::one_line;
use crate::slo::control::{self, Evaluation};
use crate::slo::input::{self, Events};
use crate::slo::{burns, Burn};
use clap::{Args, Subcommand};
use serde::Serialize;
use std::path::PathBuf;

/// `maestro slo …`.
#[derive(Debug, Subcommand)]
pub enum SloCommand {
    /// Error-budget burn over the multiwindow alert pairs, and the budget left.
    Burn(Source),
    /// Apply the burn to the router: enter or leave downshift, audited.
    Evaluate(Source),
    /// Exit 1 when an error budget is spent or a page-level burn is active.
    Gate(Source),
    /// The downshift audit trail; with --verify, prove it was not edited.
    Audit(AuditArgs),
}

/// Where the events come from and which SLOs to read them for.
#[derive(Debug, Args)]
pub struct Source {
    /// Events: CSV `timestamp,good,total` (events per interval) or Prometheus
    /// query_range JSON holding the SLOs' good (or bad) and total counters.
    #[arg(long)]
    pub input: PathBuf,
    /// Objectives from OpenSLO or Sloth YAML instead of the config's `[[slo]]`.
    #[arg(long, value_name = "FILE", conflicts_with = "objective")]
    pub objectives: Option<PathBuf>,
    /// Only this SLO (needed for CSV when several are configured).
    #[arg(long)]
    pub slo: Option<String>,
    /// An ad-hoc SLO with this objective in percent, instead of the config's.
    #[arg(long, conflicts_with = "slo")]
    pub objective: Option<f64>,
    /// The ad-hoc SLO's period.
    #[arg(long, requires = "objective", default_value = "30d")]
    pub period: String,
    /// Evaluate at this time (Unix seconds or RFC 3339; default: the last
    /// sample). Later samples are ignored.
    #[arg(long)]
    pub at: Option<String>,
}

/// `slo audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Check the hash chain; exit 1 when a row was edited, removed or reordered.
    #[arg(long)]
    pub verify: bool,
    /// Rows to print, newest first.
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
}

/// Runs an `slo` subcommand.
pub fn exec(ctx: &Ctx, cmd: SloCommand) -> Result<i32> {
    match cmd {
        SloCommand::Burn(s) => {
            let (slos, at) = load(ctx, &s)?;
            let burns = burns(&slos, at)?;
            outputs(ctx, &burns)?;
            let md = burns_markdown(&burns);
            ctx.out.summary(&md)?;
            ctx.out.result(&burns, &burns_text(&burns), Some(&md))?;
            Ok(0)
        }
        SloCommand::Evaluate(s) => {
            let (slos, at) = load(ctx, &s)?;
            let clock = Clock::now();
            let e = ctx.write_state(|st| control::evaluate(st, &slos, at, &clock))?;
            outputs(ctx, &e.burns)?;
            ctx.out.outputs(&[
                ("downshift", e.downshift.to_string()),
                (
                    "action",
                    serde_json::to_value(e.action)?
                        .as_str()
                        .unwrap_or("")
                        .into(),
                ),
            ])?;
            let md = format!("{}\n\n{}", evaluation_line(&e), burns_markdown(&e.burns));
            ctx.out.summary(&md)?;
            let text = format!("{}\n\n{}", evaluation_line(&e), burns_text(&e.burns));
            ctx.out.result(&e, &text, Some(&md))?;
            Ok(0)
        }
        SloCommand::Gate(s) => {
            let (slos, at) = load(ctx, &s)?;
            let burns = burns(&slos, at)?;
            let reasons = gate_reasons(&burns);
            let g = Gate {
                pass: reasons.is_empty(),
                reasons: reasons.clone(),
                burns,
            };
            ctx.out.outputs(&[("pass", g.pass.to_string())])?;
            let text = if g.pass {
                "pass: no SLO's budget is spent and no page-level burn is active".to_string()
            } else {
                format!("fail: {}", reasons.join("; "))
            };
            ctx.out.result(&g, &text, None)?;
            Ok(if g.pass { 0 } else { 1 })
        }
        SloCommand::Audit(a) => {
            let (rows, problems) = ctx.read_state(|st| {
                Ok((
                    crate::router::audit_log(st.conn(), a.limit)?,
                    if a.verify {
                        crate::router::downshift::verify_audit(st.conn())?
                    } else {
                        Vec::new()
                    },
                ))
            })?;
            let mut text = text_table(
                &["TIME", "DOWNSHIFT", "ACTOR", "REASON"],
                &rows
                    .iter()
                    .map(|r| {
                        vec![
                            rfc3339(r.at_ms),
                            if r.active { "on" } else { "off" }.into(),
                            one_line(&r.actor).into_owned(),
                            one_line(&r.reason).into_owned(),
                        ]
                    })
                    .collect::<Vec<_>>(),
            );
            if a.verify {
                text += &if problems.is_empty() {
                    "\nchain verified: no row was edited, removed or reordered".to_string()
                } else {
                    format!("\nchain broken:\n  {}", problems.join("\n  "))
                };
            }
            #[derive(Serialize)]
            struct Audit {
                rows: Vec<crate::router::AuditEntry>,
                verified: Option<bool>,
                problems: Vec<String>,
            }
            let ok = problems.is_empty();
            let out = Audit {
                rows,
                verified: a.verify.then_some(ok),
                problems,
            };
            ctx.out.result(&out, &text, None)?;
            Ok(if a.verify && !ok { 1 } else { 0 })
        }
    }
}

/// `slo gate`'s result.
#[derive(Serialize)]
struct Gate {
    pass: bool,
    reasons: Vec<String>,
    burns: Vec<Burn>,
}

fn gate_reasons(burns: &[Burn]) -> Vec<String> {
    let mut out = Vec::new();
    for b in burns {
        // With ratio input the counts are unknown (NaN): the ratio decides.
        if b.budget_remaining <= 0.0 && b.total != 0.0 {
            out.push(format!(
                "slo {}: the error budget is spent ({:.0}% left)",
                b.name,
                100.0 * b.budget_remaining
            ));
        }
        for a in b.alerts.iter().filter(|a| a.firing && a.severity == "page") {
            out.push(format!(
                "slo {}: {} burn {:.2}× over {} and {:.2}× over {} ≥ {}×",
                b.name,
                a.name,
                a.long.burn,
                a.long.window,
                a.short.burn,
                a.short.window,
                a.threshold
            ));
        }
    }
    out
}

/// The SLOs to evaluate with their events, and the evaluation time.
fn load(ctx: &Ctx, s: &Source) -> Result<(Vec<(SloConfig, Events)>, i64)> {
    let all: Vec<SloConfig> = match &s.objectives {
        Some(f) => crate::slo::spec::load(&ctx.read_file(f)?, &f.display().to_string())?,
        None => ctx.cfg().slo.clone(),
    };
    let slos: Vec<SloConfig> = match (s.objective, &s.slo) {
        (Some(o), _) => {
            let c = SloConfig {
                period: s.period.clone(),
                ..SloConfig::new("slo", o)
            };
            if !(o > 0.0 && o < 100.0) {
                return Err(input(format!(
                    "--objective {o} must be a percentage in (0, 100), e.g. 99.5"
                )));
            }
            crate::units::parse_duration(&s.period).map_err(|e| input(format!("--period {e}")))?;
            vec![c]
        }
        (None, Some(name)) => {
            let c = all.iter().find(|c| &c.name == name).ok_or_else(|| {
                input(format!(
                    "no SLO named `{name}` (configured: {})",
                    names(&all)
                ))
            })?;
            vec![c.clone()]
        }
        (None, None) if all.is_empty() => {
            return Err(input(
                "no [[slo]] is configured: add one to maestro.toml, or pass --objectives FILE or --objective",
            ))
        }
        (None, None) => all,
    };
    let name = s.input.display().to_string();
    let text = ctx.read_file(&s.input)?;
    let prometheus = text.trim_start().starts_with('{');
    if !prometheus && slos.len() > 1 {
        return Err(input(format!(
            "{name}: CSV holds one SLO's events; pick one with --slo (configured: {})",
            names(&slos)
        )));
    }
    let mut out = Vec::new();
    for c in slos {
        let events = if prometheus {
            let counter = match (&c.good, &c.bad) {
                (Some(g), _) => Some(input::Counter::Good(g)),
                (None, Some(b)) => Some(input::Counter::Bad(b)),
                (None, None) => None,
            };
            match (counter, &c.total, &c.sloth_id) {
                (_, _, Some(id)) if input::has_sloth_ratios(&text) => {
                    let e = input::from_sloth(&text, &name, id)?;
                    let missing: Vec<String> = crate::slo::windows_needed(&c)?
                        .into_iter()
                        .filter(|w| !e.ratios.contains_key(w))
                        .map(|w| format!("{}{}", input::SLOTH_RATIO, crate::slo::span(w)))
                        .collect();
                    if !missing.is_empty() {
                        return Err(input(format!(
                            "{name}: slo `{}` needs the series {} (with sloth_id `{}`)",
                            one_line(&c.name),
                            missing.join(", "),
                            one_line(id)
                        )));
                    }
                    e
                }
                (Some(k), Some(t), _) => input::from_prometheus(&text, &name, k, t)?,
                _ => {
                    return Err(input(format!(
                        "slo `{}`: Prometheus input needs the counters' series names (good or bad, and total) or Sloth's ratio recording rules (sloth_id)",
                        one_line(&c.name)
                    )))
                }
            }
        } else {
            input::from_csv(&text, &name)?
        };
        out.push((c, events));
    }
    let last = out.iter().filter_map(|(_, e)| e.last()).max();
    let at = match &s.at {
        Some(t) => input::parse_time(t)
            .ok_or_else(|| input(format!("--at `{t}` is neither Unix seconds nor RFC 3339")))?,
        None => last.ok_or_else(|| input(format!("{name}: no events")))?,
    };
    Ok((out, at))
}

fn names(slos: &[SloConfig]) -> String {
    if slos.is_empty() {
        return "none".into();
    }
    slos.iter()
        .map(|s| s.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn outputs(ctx: &Ctx, burns: &[Burn]) -> Result<()> {
    ctx.out.outputs(&[
        ("page", burns.iter().any(|b| b.page).to_string()),
        ("ticket", burns.iter().any(|b| b.ticket).to_string()),
        (
            "downshift_alert",
            burns.iter().any(|b| b.downshift).to_string(),
        ),
        (
            "budget_remaining",
            burns
                .iter()
                .map(|b| b.budget_remaining)
                .fold(f64::INFINITY, f64::min)
                .to_string(),
        ),
    ])?;
    Ok(())
}

const HEADER: [&str; 6] = ["ALERT", "THRESHOLD", "LONG", "SHORT", "EVENTS", "STATE"];

fn rows(b: &Burn) -> Vec<Vec<String>> {
    b.alerts
        .iter()
        .map(|a| {
            vec![
                format!("{} ({})", a.name, a.severity),
                format!("{}×", a.threshold),
                format!("{:.2}× / {}", a.long.burn, a.long.window),
                format!("{:.2}× / {}", a.short.burn, a.short.window),
                if a.long.total.is_nan() {
                    "-".into()
                } else {
                    format!("{:.0} / {:.0}", a.long.total, a.short.total)
                },
                if a.firing {
                    "FIRING".into()
                } else if a.quiet {
                    "quiet (too few events)".into()
                } else {
                    "ok".into()
                },
            ]
        })
        .collect()
}

fn headline(b: &Burn) -> String {
    if b.total.is_nan() {
        return format!(
            "slo {}: objective {}% over {}, at {}: {:.1}% of the error budget left (from recorded error ratios; event counts unknown, so min_events does not apply)",
            one_line(&b.name),
            b.objective,
            b.period,
            rfc3339(b.at_ms),
            100.0 * b.budget_remaining
        );
    }
    format!(
        "slo {}: objective {}% over {}, at {}: {:.1}% of the error budget left ({:.0} bad of {:.0} events; data covers {:.0}% of the period)",
        one_line(&b.name),
        b.objective,
        b.period,
        rfc3339(b.at_ms),
        100.0 * b.budget_remaining,
        b.bad,
        b.total,
        100.0 * b.coverage
    )
}

fn burns_text(burns: &[Burn]) -> String {
    burns
        .iter()
        .map(|b| format!("{}\n{}", headline(b), text_table(&HEADER, &rows(b))))
        .collect::<Vec<_>>()
        .join("\n")
}

fn burns_markdown(burns: &[Burn]) -> String {
    let body: Vec<String> = burns
        .iter()
        .map(|b| format!("{}\n\n{}", headline(b), table(&HEADER, &rows(b))))
        .collect();
    format!("### maestro slo\n\n{}", body.join("\n\n"))
}

fn evaluation_line(e: &Evaluation) -> String {
    format!(
        "{}: {} (downshift {})",
        serde_json::to_value(e.action)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        one_line(&e.reason),
        if e.downshift { "on" } else { "off" }
    )
}
