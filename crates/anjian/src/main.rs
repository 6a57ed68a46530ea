//! The one Anjian binary: `serve` (the default), `migrate`, `demo`, `admin …`, `audit verify`.

mod cli;
mod serve;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::run() {
        Ok(code) => code,
        Err(e) => {
            // One line, no backtrace: the operator reads it in a terminal or a service log.
            eprintln!("anjian: error: {e:#}");
            ExitCode::from(1)
        }
    }
}
