//! Use curvecheck from your own code: diagnose every run below a path, print
//! each verdict, and exit 1 if any run has an error-level finding (divergence).
//!
//! ```sh
//! cargo run --example fail_on_error -- fixtures/real-runs/dev_diverged_mcb_sgd_lr5
//! ```

use std::process::ExitCode;

use curvecheck::{Settings, Severity};

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: fail_on_error PATH (a log file or a directory of runs)");
        return ExitCode::from(2);
    };
    let runs = match curvecheck::read(&path) {
        Ok(runs) => runs,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let mut failed = false;
    for run in runs {
        let d = curvecheck::diagnose(run, &Settings::default());
        println!("{}: {}", d.run.name, d.verdict());
        failed |= d.worst() == Some(Severity::Error);
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
