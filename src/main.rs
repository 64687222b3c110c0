//! The `curvecheck` binary: parse the command line, run, print the error chain.

use std::process::ExitCode;

use clap::Parser;

use curvecheck::cli::Cli;
use curvecheck::commands::{self, EXIT_BAD_INPUT};

/// Polars allocates and frees large buffers per read; the system allocator spent ~40% of `inspect` in the kernel.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("curvecheck: error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}

/// A closed pipe (`curvecheck diagnose … | head`) is not an error.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe))
}
