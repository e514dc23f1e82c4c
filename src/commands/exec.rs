//! `maestro exec --schema S.json -- AGENT …`.

use super::Ctx;
use crate::clock::Clock;
use crate::error::{input, Result, EXIT_GATE, EXIT_OK};
use crate::exec::{self, record, schema::Schema, From};
use crate::output::safe::one_line;
use clap::Args;
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::time::Duration;

/// `maestro exec`.
#[derive(Debug, Args)]
pub struct ExecArgs {
    /// The JSON Schema the agent's output must match (draft from its
    /// `$schema`, 2020-12 when none; formats checked; no remote `$ref`s).
    #[arg(long, value_name = "SCHEMA.json")]
    pub schema: PathBuf,
    /// Runs after the first when the output does not match.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(0..=20))]
    pub retries: u32,
    /// Per attempt; the agent and everything it started are killed then.
    #[arg(long, default_value = "10m", value_parser = crate::units::parse_duration, value_name = "DURATION")]
    pub timeout: Duration,
    /// Link the run to the task's latest decision.
    #[arg(long, conflicts_with = "decision")]
    pub task: Option<String>,
    /// Link the run to a decision.
    #[arg(long)]
    pub decision: Option<String>,
    /// Where the document is: the agent's stdout, or a file it writes
    /// (removed before each attempt).
    #[arg(long, default_value = "stdout", value_name = "stdout|FILE")]
    pub from: String,
    /// Give the feedback on the agent's stdin too (from the second attempt).
    #[arg(long)]
    pub feedback_stdin: bool,
    /// Run the command through `sh -c` (its words joined by spaces).
    #[arg(long)]
    pub shell: bool,
    /// Write the valid document here instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// The agent command and its arguments, after `--`.
    #[arg(last = true, required = true, value_name = "AGENT_CMD")]
    pub command: Vec<String>,
}

/// Runs the agent until its output matches the schema; exit 1 when no
/// attempt did.
pub fn exec(ctx: &Ctx, a: ExecArgs) -> Result<i32> {
    let name = a.schema.display().to_string();
    let text = ctx.read_file(&a.schema)?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| input(format!("{name}: line {}: not JSON: {e}", e.line())))?;
    let schema = Schema::compile(&value, &name)?;
    let schema_sha = hex::encode(Sha256::digest(text.as_bytes()));
    for (flag, id) in [("--task", &a.task), ("--decision", &a.decision)] {
        if let Some(id) = id {
            crate::router::check_id(flag, id)?;
        }
    }
    let link = if a.task.is_some() || a.decision.is_some() {
        let l =
            ctx.read_state(|st| record::link(st.conn(), a.decision.as_deref(), a.task.as_deref()))?;
        Some(l.ok_or_else(|| match (&a.decision, &a.task) {
            (Some(d), _) => input(format!("unknown decision `{d}`")),
            (None, Some(t)) => input(format!(
                "no decision for task `{t}`: run `maestro route --task {t}` first"
            )),
            (None, None) => unreachable!("one of them is set"),
        })?)
    } else {
        None
    };
    let from = if a.from == "stdout" {
        From::Stdout
    } else {
        From::File(PathBuf::from(&a.from))
    };
    let actions = ctx.out.github.is_some();
    let relay = |bytes: &[u8]| {
        if bytes.is_empty() {
            return;
        }
        let text = String::from_utf8_lossy(bytes);
        if actions {
            eprintln!("{}", crate::output::github::stop_commands(text.trim_end()));
        } else {
            eprint!("{text}");
        }
    };
    let e = exec::execute(
        &schema,
        &exec::Options {
            argv: &a.command,
            shell: a.shell,
            retries: a.retries,
            timeout: a.timeout,
            from,
            feedback_stdin: a.feedback_stdin,
            cwd: &ctx.cwd,
            schema_path: &a.schema,
            decision: link.as_ref().map(|l| (l.decision.as_str(), l.arm.as_str())),
            actions,
            relay_stdout: &relay,
        },
    )?;
    let run_id = format!("x{:016x}", rand::random::<u64>());
    let now = Clock::now();
    ctx.write_state(|st| {
        st.write(|tx| record::record(tx, &run_id, link.as_ref(), &schema_sha, &e, now.now_ms))
    })?;
    for at in &e.attempts {
        let what = if at.outcome == exec::Outcome::Valid {
            at.detail.clone()
        } else {
            format!("{}: {}", at.outcome.name(), at.detail)
        };
        ctx.out
            .note(&format!("attempt {}: {}", at.n, one_line(&what)));
    }
    let last = e.attempts.last().expect("at least one attempt");
    ctx.out.outputs(&[
        ("valid", e.valid().to_string()),
        ("attempts", e.attempts.len().to_string()),
        ("run_id", run_id.clone()),
    ])?;
    let summary = serde_json::json!({
        "run_id": run_id,
        "valid": e.valid(),
        "decision": link.as_ref().map(|l| &l.decision),
        "arm": link.as_ref().map(|l| &l.arm),
        "attempts": e.attempts,
        "document": e.document,
    });
    if let Some(doc) = &e.document {
        let pretty = serde_json::to_string_pretty(doc)? + "\n";
        match &a.out {
            Some(f) => {
                ctx.out.write_file(&ctx.cwd, f, &pretty)?;
                ctx.out.result(
                    &summary,
                    &format!("{}: valid", one_line(&f.display().to_string())),
                    None,
                )?;
            }
            None => ctx.out.result(&summary, pretty.trim_end(), None)?,
        }
        return Ok(EXIT_OK);
    }
    for v in &last.violations {
        let at = if v.instance_path.is_empty() {
            "(document)"
        } else {
            v.instance_path.as_str()
        };
        eprintln!("  {}: {}", one_line(at), one_line(&v.message));
    }
    eprintln!(
        "maestro: no valid document after {} attempt(s); the last: {}",
        e.attempts.len(),
        one_line(&last.detail)
    );
    if ctx.out.format == crate::output::Format::Json {
        ctx.out.result(&summary, "", None)?;
    }
    Ok(EXIT_GATE)
}
