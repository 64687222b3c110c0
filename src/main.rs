//! The `curvecheck` binary: the command line in, the exit code out ([`curvecheck::commands::main_with_args`]).

use std::process::ExitCode;

/// Polars allocates and frees large buffers per read; the system allocator spent ~40% of `inspect` in the kernel.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    ExitCode::from(curvecheck::commands::main_with_args(std::env::args_os()))
}
