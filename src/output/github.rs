//! Everything maestro tells GitHub Actions: step outputs, environment files,
//! the step summary, annotations (within GitHub's per-step limits), masks and
//! stop-commands around untrusted text. Active when `GITHUB_ACTIONS=true`.

use rand::Rng;
use std::cell::Cell;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;

/// GitHub shows at most this many error and this many warning annotations per step.
pub const ANNOTATION_LIMIT: u32 = 10;
/// The step summary is capped at 1 MiB.
pub const SUMMARY_LIMIT: usize = 1024 * 1024;

/// Annotation severity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// `::error`.
    Error,
    /// `::warning`.
    Warning,
    /// `::notice`.
    Notice,
}

/// A GitHub Actions context; commands go to `out` (stdout in production).
#[derive(Debug)]
pub struct Github {
    output_file: Option<PathBuf>,
    env_file: Option<PathBuf>,
    summary_file: Option<PathBuf>,
    errors: Cell<u32>,
    warnings: Cell<u32>,
    dropped: Cell<u32>,
}

impl Github {
    /// The Actions context from the environment, if running in Actions.
    pub fn from_env() -> Option<Github> {
        if std::env::var("GITHUB_ACTIONS").ok().as_deref() != Some("true") {
            return None;
        }
        let path = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        Some(Github::with_files(
            path("GITHUB_OUTPUT"),
            path("GITHUB_ENV"),
            path("GITHUB_STEP_SUMMARY"),
        ))
    }

    /// A context writing to the given files.
    pub fn with_files(
        output: Option<PathBuf>,
        env: Option<PathBuf>,
        summary: Option<PathBuf>,
    ) -> Github {
        Github {
            output_file: output,
            env_file: env,
            summary_file: summary,
            errors: Cell::new(0),
            warnings: Cell::new(0),
            dropped: Cell::new(0),
        }
    }

    /// Sets a step output (`steps.<id>.outputs.<name>`).
    pub fn set_output(&self, name: &str, value: &str) -> std::io::Result<()> {
        append_kv(self.output_file.as_ref(), name, value)
    }

    /// Exports an environment variable to later steps.
    pub fn set_env(&self, name: &str, value: &str) -> std::io::Result<()> {
        append_kv(self.env_file.as_ref(), name, value)
    }

    /// Appends markdown to the step summary, keeping the file under 1 MiB.
    pub fn append_summary(&self, markdown: &str) -> std::io::Result<()> {
        let Some(path) = &self.summary_file else {
            return Ok(());
        };
        let used = std::fs::metadata(path)
            .map(|m| m.len() as usize)
            .unwrap_or(0);
        let room = SUMMARY_LIMIT.saturating_sub(used);
        let note = "\n\n_…truncated: the step summary is limited to 1 MiB._\n";
        let text = if markdown.len() < room {
            format!("{markdown}\n")
        } else if room > note.len() {
            let mut cut = room - note.len();
            while !markdown.is_char_boundary(cut) {
                cut -= 1;
            }
            format!("{}{note}", &markdown[..cut])
        } else {
            return Ok(());
        };
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?
            .write_all(text.as_bytes())
    }

    /// The workflow command for an annotation, or `None` once the step's
    /// limit for that level is reached (the rest are counted for
    /// [`Github::overflow_note`]).
    pub fn annotation(
        &self,
        level: Level,
        file: Option<&str>,
        line: Option<u32>,
        message: &str,
    ) -> Option<String> {
        let counter = match level {
            Level::Error => Some(&self.errors),
            Level::Warning => Some(&self.warnings),
            Level::Notice => None,
        };
        if let Some(c) = counter {
            if c.get() >= ANNOTATION_LIMIT {
                self.dropped.set(self.dropped.get() + 1);
                return None;
            }
            c.set(c.get() + 1);
        }
        let cmd = match level {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Notice => "notice",
        };
        let mut props = Vec::new();
        if let Some(f) = file {
            props.push(format!("file={}", escape_property(f)));
        }
        if let Some(l) = line {
            props.push(format!("line={l}"));
        }
        let props = if props.is_empty() {
            String::new()
        } else {
            format!(" {}", props.join(","))
        };
        Some(format!("::{cmd}{props}::{}", escape_data(message)))
    }

    /// A summary of annotations dropped over the limit, if any.
    pub fn overflow_note(&self) -> Option<String> {
        let n = self.dropped.get();
        (n > 0).then(|| format!("::notice::{n} more annotations were not shown (GitHub allows {ANNOTATION_LIMIT} errors and {ANNOTATION_LIMIT} warnings per step); see the step summary"))
    }
}

/// `::add-mask::` for a secret, to print before anything could reveal it.
pub fn mask(secret: &str) -> String {
    format!("::add-mask::{}", escape_data(secret))
}

/// Wraps untrusted text (agent or LLM output) so that workflow commands
/// inside it are not executed.
pub fn stop_commands(untrusted: &str) -> String {
    let token: String = format!("maestro-{:032x}", rand::thread_rng().gen::<u128>());
    format!("::stop-commands::{token}\n{untrusted}\n::{token}::")
}

fn append_kv(path: Option<&PathBuf>, name: &str, value: &str) -> std::io::Result<()> {
    let Some(path) = path else { return Ok(()) };
    let line = if value.contains('\n') || value.contains('\r') {
        let delim = loop {
            let d = format!("ghadelimiter_{:032x}", rand::thread_rng().gen::<u128>());
            if !value.contains(&d) {
                break d;
            }
        };
        format!("{name}<<{delim}\n{value}\n{delim}\n")
    } else {
        format!("{name}={value}\n")
    };
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?
        .write_all(line.as_bytes())
}

/// Escapes a workflow command's message.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_line_outputs_use_a_random_heredoc_delimiter() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let gh = Github::with_files(Some(out.clone()), None, None);
        gh.set_output("arm", "a@small").unwrap();
        gh.set_output("body", "line1\nline2").unwrap();
        let text = std::fs::read_to_string(out).unwrap();
        assert!(text.starts_with("arm=a@small\nbody<<ghadelimiter_"));
        let delim = text.lines().nth(1).unwrap().trim_start_matches("body<<");
        assert!(text.ends_with(&format!("line1\nline2\n{delim}\n")));
    }

    #[test]
    fn annotations_stop_at_the_limit_and_are_escaped() {
        let gh = Github::with_files(None, None, None);
        let first = gh
            .annotation(Level::Error, Some("a,b:c.rs"), Some(3), "50% bad\nreally")
            .unwrap();
        assert_eq!(
            first,
            "::error file=a%2Cb%3Ac.rs,line=3::50%25 bad%0Areally"
        );
        for _ in 1..ANNOTATION_LIMIT {
            assert!(gh.annotation(Level::Error, None, None, "x").is_some());
        }
        assert!(gh.annotation(Level::Error, None, None, "x").is_none());
        assert!(gh.annotation(Level::Warning, None, None, "w").is_some());
        assert!(gh.overflow_note().unwrap().contains("1 more"));
    }

    #[test]
    fn summary_is_capped() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("summary.md");
        let gh = Github::with_files(None, None, Some(p.clone()));
        gh.append_summary(&"x".repeat(SUMMARY_LIMIT + 10)).unwrap();
        let len = std::fs::metadata(&p).unwrap().len() as usize;
        assert!(len <= SUMMARY_LIMIT);
        gh.append_summary("more").unwrap();
        assert!(std::fs::metadata(&p).unwrap().len() as usize <= SUMMARY_LIMIT);
    }

    #[test]
    fn stop_commands_wraps_with_a_matching_token() {
        let s = stop_commands("::error::injected");
        let token = s
            .lines()
            .next()
            .unwrap()
            .trim_start_matches("::stop-commands::")
            .to_string();
        assert!(s.ends_with(&format!("::{token}::")));
        assert!(mask("a%b").ends_with("a%25b"));
    }
}
