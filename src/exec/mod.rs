//! `maestro exec --schema`: run an agent, find the JSON document in what it
//! printed, validate it against a JSON Schema, and run it again with the
//! reasons until it is valid or the retries are spent. Each run and its
//! attempts are recorded in the state, linked to the router's decision.

pub mod extract;
pub mod record;
pub mod run;
pub mod schema;
pub(crate) mod signals;

use crate::error::Result;
use extract::Method;
use schema::{Schema, Violation};
use serde::Serialize;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How an attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A document that matches the schema.
    Valid,
    /// A document that does not.
    Invalid,
    /// Output, but no JSON document in it.
    NoJson,
    /// No output at all.
    NoOutput,
    /// The agent exited with an error.
    Crash,
    /// The agent ran out of time and was killed.
    Timeout,
}

impl Outcome {
    /// The name stored and printed.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Valid => "valid",
            Outcome::Invalid => "invalid",
            Outcome::NoJson => "no_json",
            Outcome::NoOutput => "no_output",
            Outcome::Crash => "crash",
            Outcome::Timeout => "timeout",
        }
    }
}

/// One run of the agent.
#[derive(Clone, Debug, Serialize)]
pub struct Attempt {
    /// 1 for the first.
    pub n: u32,
    /// How it ended.
    pub outcome: Outcome,
    /// Where the document was found, when one was.
    pub method: Option<Method>,
    /// What was wrong with it (at most `schema::MAX_VIOLATIONS`).
    pub violations: Vec<Violation>,
    /// The agent's exit code (`None`: killed).
    pub exit_code: Option<i32>,
    /// How long the agent ran, in milliseconds.
    pub duration_ms: u64,
    /// The outcome in words (a crash: its exit code and last stderr lines).
    pub detail: String,
}

/// Where the agent's document is read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum From {
    /// Its standard output.
    Stdout,
    /// A file it writes (removed before each attempt, so that a stale one
    /// is never read).
    File(PathBuf),
}

/// What to run and how.
pub struct Options<'a> {
    /// The agent command.
    pub argv: &'a [String],
    /// Through `sh -c`.
    pub shell: bool,
    /// Runs after the first, at most.
    pub retries: u32,
    /// Per attempt.
    pub timeout: Duration,
    /// Where the document is.
    pub from: From,
    /// The feedback on stdin too, from the second attempt on.
    pub feedback_stdin: bool,
    /// The working directory.
    pub cwd: &'a Path,
    /// The schema file, passed on as `MAESTRO_SCHEMA`.
    pub schema_path: &'a Path,
    /// The linked decision and its arm, passed on as `MAESTRO_DECISION` and
    /// `MAESTRO_ARM`.
    pub decision: Option<(&'a str, &'a str)>,
    /// In GitHub Actions: relay the agent's output inside stop-commands.
    pub actions: bool,
    /// Called with the agent's stdout when the document comes from a file
    /// (so that its log is not lost).
    pub relay_stdout: &'a dyn Fn(&[u8]),
}

/// A whole `exec`: its attempts and, when one was valid, the document.
#[derive(Clone, Debug, Serialize)]
pub struct Execution {
    /// Every attempt, in order.
    pub attempts: Vec<Attempt>,
    /// The valid document.
    pub document: Option<Value>,
}

impl Execution {
    /// Whether the last attempt gave a valid document.
    pub fn valid(&self) -> bool {
        self.document.is_some()
    }
}

/// What the agent is told after a failed attempt: the violations as a JSON
/// array, and the same in words.
fn feedback_for(a: &Attempt) -> (String, String) {
    let violations = if a.violations.is_empty() {
        vec![Violation {
            instance_path: String::new(),
            schema_path: String::new(),
            message: a.detail.clone(),
        }]
    } else {
        a.violations.clone()
    };
    let json = serde_json::to_string(&violations).unwrap_or_else(|_| "[]".into());
    let words = match a.outcome {
        Outcome::Invalid => schema::feedback(&violations),
        _ => format!(
            "Your previous run failed: {}. Print only the JSON document the schema asks for.\n",
            a.detail
        ),
    };
    (json, words)
}

/// Runs the agent until its document is valid or `o.retries` more runs are
/// spent. A timeout is not retried (another run would most likely time out
/// too, and CI time is the budget).
pub fn execute(schema: &Schema, o: &Options) -> Result<Execution> {
    // Caught between attempts too: Ctrl-C there stops the run the same way.
    let _watch = signals::Watch::start()?;
    let mut attempts: Vec<Attempt> = Vec::new();
    let mut document = None;
    for n in 1..=o.retries + 1 {
        let mut env = vec![
            ("MAESTRO_ATTEMPT".to_string(), n.to_string()),
            (
                "MAESTRO_SCHEMA".to_string(),
                o.schema_path.display().to_string(),
            ),
        ];
        if let Some((d, arm)) = o.decision {
            env.push(("MAESTRO_DECISION".into(), d.into()));
            env.push(("MAESTRO_ARM".into(), arm.into()));
        }
        let mut stdin = None;
        if let Some(last) = attempts.last() {
            let (json, words) = feedback_for(last);
            env.push(("MAESTRO_SCHEMA_ERRORS".into(), json));
            env.push(("MAESTRO_SCHEMA_FEEDBACK".into(), words.clone()));
            if o.feedback_stdin {
                stdin = Some(words);
            }
        } else if o.feedback_stdin {
            stdin = Some(String::new());
        }
        if let From::File(f) = &o.from {
            let _ = std::fs::remove_file(o.cwd.join(f));
        }
        let token = o
            .actions
            .then(|| format!("maestro-{:032x}", rand::random::<u128>()));
        let done = run::run(&run::Spec {
            argv: o.argv,
            shell: o.shell,
            env: &env,
            stdin: stdin.as_deref(),
            cwd: o.cwd,
            timeout: o.timeout,
            stop_token: token.as_deref(),
            relay_stderr: true,
        })?;
        let text = match &o.from {
            From::Stdout => Some(done.stdout.clone()),
            From::File(f) => {
                (o.relay_stdout)(&done.stdout);
                std::fs::read(o.cwd.join(f)).ok()
            }
        };
        let mut a = Attempt {
            n,
            outcome: Outcome::Valid,
            method: None,
            violations: Vec::new(),
            exit_code: done.code,
            duration_ms: done.elapsed.as_millis() as u64,
            detail: String::new(),
        };
        let text = text.map(|t| String::from_utf8_lossy(&t).into_owned());
        if done.timed_out {
            a.outcome = Outcome::Timeout;
            a.detail = format!("timed out after {}", humantime::format_duration(o.timeout));
        } else if done.code != Some(0) {
            a.outcome = Outcome::Crash;
            a.detail = match done.code {
                Some(c) => format!("the agent exited with code {c}"),
                None => "the agent was killed by a signal".to_string(),
            };
            if !done.stderr_tail.is_empty() {
                a.detail.push_str(&format!(
                    " (stderr ends: {})",
                    crate::output::safe::one_line(&done.stderr_tail)
                ));
            }
        } else {
            match text.as_deref().map(str::trim) {
                None | Some("") => {
                    a.outcome = Outcome::NoOutput;
                    a.detail = match &o.from {
                        From::Stdout => "the agent printed nothing".into(),
                        From::File(f) => format!("the agent did not write {}", f.display()),
                    };
                }
                Some(t) => match extract::extract(t) {
                    Err(why) => {
                        a.outcome = Outcome::NoJson;
                        a.detail = why;
                    }
                    Ok((doc, method)) => {
                        a.method = Some(method);
                        a.violations = schema.violations(&doc);
                        if a.violations.is_empty() {
                            a.detail = format!("valid, from {}", method.describe());
                            document = Some(doc);
                        } else {
                            a.outcome = Outcome::Invalid;
                            a.detail = format!(
                                "{} violation(s) of the schema in {}",
                                a.violations.len(),
                                method.describe()
                            );
                        }
                    }
                },
            }
        }
        let stop = a.outcome == Outcome::Valid || a.outcome == Outcome::Timeout;
        attempts.push(a);
        if stop {
            break;
        }
    }
    Ok(Execution { attempts, document })
}
