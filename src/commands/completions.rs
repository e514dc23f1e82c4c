//! `maestro completions SHELL`.

use crate::error::Result;
use crate::output::Output;
use clap::Args;

/// `maestro completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// Shell to generate for.
    pub shell: clap_complete::Shell,
}

/// Prints the completion script of `cli` (the whole command line) for the shell.
pub fn exec(out: &Output, a: &CompletionsArgs, mut cli: clap::Command) -> Result<i32> {
    let mut script = Vec::new();
    clap_complete::generate(a.shell, &mut cli, "maestro", &mut script);
    out.print(&String::from_utf8_lossy(&script))?;
    Ok(0)
}
