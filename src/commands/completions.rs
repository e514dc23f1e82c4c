//! `maestro completions SHELL` and `maestro man`.

use crate::error::{input, Result};
use crate::output::Output;
use clap::Args;
use std::path::PathBuf;

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

/// `maestro man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write a page per command (maestro.1, maestro-route.1,
    /// maestro-cache-get.1, …) into this directory instead of printing
    /// maestro(1).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Prints maestro(1) in roff, or writes every command's page into a directory.
pub fn man(out: &Output, a: &ManArgs, cli: clap::Command) -> Result<i32> {
    match &a.dir {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| input(format!("{}: {e}", dir.display())))?;
            clap_mangen::generate_to(cli, dir)
                .map_err(|e| input(format!("{}: {e}", dir.display())))?;
        }
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(cli).render(&mut page)?;
            out.print(&String::from_utf8_lossy(&page))?;
        }
    }
    Ok(0)
}
