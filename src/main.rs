//! The `maestro` binary: parse arguments, run the command, map errors to exit codes.

use clap::Parser;
use maestro::error::{exit_code, one_line};

fn main() {
    let cli = maestro::cli::Cli::parse();
    let code = match maestro::cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("maestro: error: {}", one_line(&err));
            exit_code(&err)
        }
    };
    std::process::exit(code);
}
