//! `maestro pr-report`.

use super::Ctx;
use crate::error::{input, Result, EXIT_OK};
use crate::prreport::{self, github, Section};
use clap::Args;
use std::path::PathBuf;
use std::time::Duration;

/// `maestro pr-report`.
#[derive(Debug, Args)]
pub struct PrReportArgs {
    /// The routing section from the task's latest decision.
    #[arg(long, conflicts_with = "decision")]
    pub task: Option<String>,
    /// The routing section from this decision.
    #[arg(long)]
    pub decision: Option<String>,
    /// `risk score --json` output.
    #[arg(long, value_name = "FILE.json")]
    pub risk: Option<PathBuf>,
    /// `graph impact --json` output.
    #[arg(long, value_name = "FILE.json")]
    pub impact: Option<PathBuf>,
    /// `sbom-diff --json` output.
    #[arg(long, value_name = "FILE.json")]
    pub sbom_diff: Option<PathBuf>,
    /// `bench-gate --json` output.
    #[arg(long, value_name = "FILE.json")]
    pub bench: Option<PathBuf>,
    /// `pii-scan --json` output (rules and places only; values never).
    #[arg(long, value_name = "FILE.json")]
    pub pii: Option<PathBuf>,
    /// Post the comment on the pull request, editing maestro's earlier one
    /// in place (GITHUB_TOKEN; repository and number from Actions).
    #[arg(long)]
    pub post: bool,
    /// The pull request (default: the Actions event's).
    #[arg(long, requires = "post")]
    pub pr: Option<u64>,
    /// OWNER/NAME (default: GITHUB_REPOSITORY).
    #[arg(long, requires = "post")]
    pub repo: Option<String>,
}

/// Builds the comment; prints it, adds it to the step summary, and with
/// `--post` puts it on the pull request.
pub fn exec(ctx: &Ctx, a: PrReportArgs) -> Result<i32> {
    for (flag, id) in [("--task", &a.task), ("--decision", &a.decision)] {
        if let Some(id) = id {
            crate::router::check_id(flag, id)?;
        }
    }
    let mut sections: Vec<(&str, Section)> = Vec::new();
    if a.task.is_some() || a.decision.is_some() {
        let mut rng = ctx.rng("pr-report");
        let s = ctx.read_state(|st| {
            let arms =
                crate::router::stats(st.conn(), ctx.cfg(), &crate::clock::Clock::now(), &mut rng)?
                    .arms;
            prreport::routing(st.conn(), a.decision.as_deref(), a.task.as_deref(), &arms)
        })?;
        match s {
            Some(s) => sections.push(("routing", s)),
            None => {
                return Err(input(match (&a.decision, &a.task) {
                    (Some(d), _) => format!("unknown decision `{d}`"),
                    (_, t) => format!("no decision for task `{}`", t.as_deref().unwrap_or("")),
                }))
            }
        }
    }
    type Render = fn(&serde_json::Value) -> Section;
    let files: [(&str, &Option<PathBuf>, Render); 5] = [
        ("risk", &a.risk, prreport::risk),
        ("impact", &a.impact, prreport::impact),
        ("sbom", &a.sbom_diff, prreport::sbom),
        ("bench", &a.bench, prreport::bench),
        ("pii", &a.pii, prreport::pii),
    ];
    for (name, path, render) in files {
        if let Some(p) = path {
            sections.push((name, render(&ctx.read_json(p)?)));
        }
    }
    if sections.is_empty() {
        return Err(input(
            "pr-report: nothing to report: give --task or --decision, or a JSON file of another step",
        ));
    }
    let names: Vec<&str> = sections.iter().map(|s| s.0).collect();
    let parts: Vec<Section> = sections.into_iter().map(|s| s.1).collect();
    let md = prreport::assemble(&parts, prreport::GITHUB_LIMIT);
    ctx.out.summary(&md)?;
    let posted = if a.post {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let t = github::target(a.pr, a.repo.clone(), &env)?;
        let p = github::post(&t, &md, Duration::from_secs(1))?;
        ctx.out.note(&match p {
            github::Posted::Created(id) => format!("pr-report: comment {id} created on #{}", t.pr),
            github::Posted::Updated(id) => format!("pr-report: comment {id} updated on #{}", t.pr),
        });
        Some(p)
    } else {
        None
    };
    let v = serde_json::json!({
        "sections": names,
        "characters": md.chars().count(),
        "posted": posted,
        "markdown": md,
    });
    ctx.out.result(&v, md.trim_end(), Some(md.trim_end()))?;
    Ok(EXIT_OK)
}
