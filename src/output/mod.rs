//! The only place maestro writes user-facing output: results to stdout as
//! text or one `--json` document, diagnostics to stderr, and GitHub Actions
//! files and commands through [`github`].

pub mod github;
pub mod markdown;
pub mod safe;
pub mod sarif;

use crate::error::{input, Result};
use serde::Serialize;
use std::io::{self, Write};
use std::path::Path;

pub use github::Github;

/// How results are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Human-readable text.
    Text,
    /// One JSON document.
    Json,
    /// Markdown (for PR comments and step summaries).
    Markdown,
    /// SARIF 2.1.0 (for code scanning).
    Sarif,
}

impl Format {
    /// The name `--format` takes.
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Markdown => "markdown",
            Format::Sarif => "sarif",
        }
    }
}

/// Output settings for one invocation.
#[derive(Debug)]
pub struct Output {
    /// Result format.
    pub format: Format,
    /// `-q`: no diagnostics except errors.
    pub quiet: bool,
    /// `-v` count.
    pub verbose: u8,
    /// GitHub Actions context, when running there.
    pub github: Option<Github>,
    /// Stdout may reach the Actions runner (in Actions, and not a regular file).
    guard_stdout: bool,
}

impl Output {
    /// Output for the process environment.
    pub fn new(format: Format, quiet: bool, verbose: u8) -> Output {
        let github = Github::from_env();
        Output {
            format,
            quiet,
            verbose,
            guard_stdout: github.is_some() && !stdout_is_a_file(),
            github,
        }
    }

    /// Prints a result: `value` as JSON with `--json`, otherwise `text`
    /// (or `markdown` when that format was asked for and one is given).
    pub fn result<T: Serialize>(
        &self,
        value: &T,
        text: &str,
        markdown: Option<&str>,
    ) -> anyhow::Result<()> {
        match self.format {
            Format::Json => self.print(&serde_json::to_string_pretty(value)?),
            Format::Markdown => self.print(markdown.unwrap_or(text)),
            Format::Text | Format::Sarif => self.print(text),
        }
    }

    /// [`Output::result`] for a result scripts capture (`ARM=$(maestro
    /// route …)`): as text, only the first line of `text` goes to stdout and
    /// the lines that explain it to stderr (unless `-q`).
    pub fn result_headline<T: Serialize>(&self, value: &T, text: &str) -> anyhow::Result<()> {
        if self.format == Format::Json {
            return self.result(value, text, None);
        }
        let (head, rest) = text.split_once('\n').unwrap_or((text, ""));
        self.print(head)?;
        if !self.quiet && !rest.trim().is_empty() {
            let rest = safe::guard(rest, self.github.is_some());
            let _ = write_block(&mut io::stderr().lock(), &rest);
        }
        Ok(())
    }

    /// Prints `text` on stdout, through [`safe::guard`]: control characters
    /// escaped, and in Actions a line that would be a workflow command made
    /// inert.
    pub fn print(&self, text: &str) -> anyhow::Result<()> {
        let text = safe::guard(text, self.guard_stdout);
        match write_block(&mut io::stdout().lock(), &text) {
            // A closed pipe (`maestro stats | head`) is not an error.
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
            other => Ok(other?),
        }
    }

    /// Writes a file the user asked for (`--…-out FILE`, `--pr-body`, a
    /// baseline): `path` against `cwd`, parent directories created. A
    /// failure names `path` as the user wrote it (exit 2).
    pub fn write_file(&self, cwd: &Path, path: &Path, contents: impl AsRef<[u8]>) -> Result<()> {
        let full = cwd.join(path);
        let io = || -> io::Result<()> {
            if let Some(dir) = full.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(&full, contents.as_ref())
        };
        io().map_err(|e| input(format!("{}: {e}", path.display())))
    }

    /// A diagnostic line on stderr, unless `-q`.
    pub fn note(&self, msg: &str) {
        if !self.quiet {
            eprintln!("{}", safe::one_line(msg));
        }
    }

    /// A warning on stderr, as an annotation in Actions. Workflow commands go
    /// to stderr (GitHub reads both streams) so stdout holds only results.
    pub fn warn(&self, msg: &str) {
        if let Some(cmd) = self
            .github
            .as_ref()
            .and_then(|g| g.annotation(github::Level::Warning, None, None, msg))
        {
            eprintln!("{cmd}");
        } else if !self.quiet {
            eprintln!("warning: {}", safe::one_line(msg));
        }
    }

    /// An annotation on a file and line in Actions (within GitHub's limits;
    /// the rest are counted for the overflow notice). Outside Actions, nothing.
    pub fn annotate(&self, error: bool, file: &str, line: usize, msg: &str) {
        self.annotation(error, Some((file, line)), msg);
    }

    /// An annotation on the run rather than a file (in Actions; else nothing).
    pub fn annotate_run(&self, error: bool, msg: &str) {
        self.annotation(error, None, msg);
    }

    fn annotation(&self, error: bool, at: Option<(&str, usize)>, msg: &str) {
        if let Some(g) = &self.github {
            let level = if error {
                github::Level::Error
            } else {
                github::Level::Warning
            };
            let (file, line) = (at.map(|a| a.0), at.map(|a| a.1 as u32));
            if let Some(cmd) = g.annotation(level, file, line, msg) {
                eprintln!("{cmd}");
            }
        }
    }

    /// A diagnostic shown only with `-v`.
    pub fn debug(&self, msg: &str) {
        if self.verbose > 0 && !self.quiet {
            eprintln!("{}", safe::one_line(msg));
        }
    }

    /// A byte progress bar on stderr, shown only on a terminal (never in CI
    /// logs, never with `-q` or `--json`).
    pub fn progress(&self, total: u64, what: &str) -> indicatif::ProgressBar {
        use std::io::IsTerminal;
        if self.quiet || self.format == Format::Json || !io::stderr().is_terminal() {
            return indicatif::ProgressBar::hidden();
        }
        let bar = indicatif::ProgressBar::new(total);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{msg:>10} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_message(what.to_string());
        bar
    }

    /// A counter of items on stderr (`12,345 commits`), shown only where
    /// [`Output::progress`] is.
    pub fn counter(&self, what: &str) -> indicatif::ProgressBar {
        let bar = self.progress(0, what);
        if !bar.is_hidden() {
            bar.set_style(
                indicatif::ProgressStyle::with_template("{human_pos} {msg} ({per_sec})")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
        }
        bar
    }

    /// In Actions, asks GitHub to mask `secret` in every log line from now on.
    pub fn mask(&self, secret: &str) {
        if self.github.is_some() {
            eprintln!("{}", github::mask(secret));
        }
    }

    /// Step outputs, when in Actions.
    pub fn outputs(&self, pairs: &[(&str, String)]) -> anyhow::Result<()> {
        if let Some(g) = &self.github {
            for (k, v) in pairs {
                g.set_output(k, v)?;
            }
        }
        Ok(())
    }

    /// Variables for later steps (`$GITHUB_ENV`), when in Actions.
    pub fn env(&self, pairs: &[(&str, String)]) -> anyhow::Result<()> {
        if let Some(g) = &self.github {
            for (k, v) in pairs {
                g.set_env(k, v)?;
            }
        }
        Ok(())
    }

    /// Appends to the step summary, when in Actions.
    pub fn summary(&self, markdown: &str) -> anyhow::Result<()> {
        if let Some(g) = &self.github {
            g.append_summary(markdown)?;
            if let Some(note) = g.overflow_note() {
                eprintln!("{note}");
            }
        }
        Ok(())
    }
}

/// Prints `err` as maestro's one-line error on stderr; returns its exit code.
pub fn error(err: &anyhow::Error) -> i32 {
    let msg = crate::error::one_line(err);
    eprintln!("maestro: error: {}", safe::one_line(&msg));
    crate::error::exit_code(err)
}

/// Whether stdout is a regular file (`> out.txt`): the runner never reads it.
fn stdout_is_a_file() -> bool {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        io::stdout()
            .as_fd()
            .try_clone_to_owned()
            .map(std::fs::File::from)
            .and_then(|f| f.metadata())
            .is_ok_and(|m| m.is_file())
    }
    #[cfg(not(unix))]
    {
        false
    }
}

fn write_block(out: &mut impl Write, text: &str) -> io::Result<()> {
    out.write_all(text.as_bytes())?;
    if !text.ends_with('\n') {
        out.write_all(b"\n")?;
    }
    Ok(())
}
