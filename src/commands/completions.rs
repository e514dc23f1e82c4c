//! `maestro completions SHELL`.

use crate::cli::Cli;
use crate::error::Result;
use crate::output::Output;
use clap::{Args, CommandFactory};

/// `maestro completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// Shell to generate for.
    pub shell: clap_complete::Shell,
}

/// Prints the completion script for the shell.
pub fn exec(out: &Output, a: &CompletionsArgs) -> Result<i32> {
    let mut script = Vec::new();
    clap_complete::generate(a.shell, &mut Cli::command(), "maestro", &mut script);
    out.print(&String::from_utf8_lossy(&script))?;
    Ok(0)
}
