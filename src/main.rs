//! The `maestro` binary: parse arguments, run the command, map errors to exit codes.

fn main() {
    let cli = maestro::cli::parse();
    let code = match maestro::cli::run(cli) {
        Ok(code) => code,
        Err(err) => maestro::output::error(&err),
    };
    std::process::exit(code);
}
