//! `maestro completions SHELL`.

use crate::cli::Cli;
use crate::error::Result;
use clap::CommandFactory;

/// Prints the completion script for `shell` to stdout.
pub fn exec(shell: clap_complete::Shell) -> Result<i32> {
    clap_complete::generate(
        shell,
        &mut Cli::command(),
        "maestro",
        &mut std::io::stdout(),
    );
    Ok(0)
}
