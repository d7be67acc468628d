//! The `kloof` binary: parses arguments, calls the library, prints errors, sets the exit code.

// Errors travel once, on the failure path (see the same allowance in lib.rs).
#![allow(clippy::result_large_err)]

mod cli;
mod serve;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let args = cli::Cli::parse();
    let result = match &args.command {
        cli::Command::Run(a) => cli::run(a).map(|()| true),
        cli::Command::Check(a) => cli::check(a),
        cli::Command::TestRules(a) => cli::test_rules(a),
        cli::Command::Explain(a) => cli::explain(a).map(|()| true),
        cli::Command::Fairness(a) => cli::fairness(a).map(|()| true),
        cli::Command::Compare(a) => cli::compare(a).map(|()| true),
        cli::Command::Stress(a) => cli::stress(a).map(|()| true),
        cli::Command::Sensitivity(a) => cli::sensitivity(a).map(|()| true),
        cli::Command::Evpi(a) => cli::evpi(a).map(|()| true),
        cli::Command::Merge(a) => cli::merge(a).map(|()| true),
        cli::Command::Sweep(a) => cli::sweep(a).map(|()| true),
        cli::Command::Serve(a) => serve::serve(a).map(|()| true).map_err(cli::Failure::from),
    };
    match result {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::FAILURE,
        // The reader went away (`kloof check | head -1`): nothing to say to anyone. 141 is
        // what a shell reports for a command ended by SIGPIPE.
        Err(cli::Failure::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            std::process::ExitCode::from(141)
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
