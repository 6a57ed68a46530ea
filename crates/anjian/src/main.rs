//! The one Anjian binary: `serve` (the default), `migrate`, `demo`, `admin …`, `audit verify`, `notice parse`.

mod cli;
mod notice;
mod serve;

use std::process::ExitCode;

/// Rendering a page allocates many small strings; mimalloc serves them faster than glibc's
/// allocator under concurrency (measured with bench/units.sh).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
