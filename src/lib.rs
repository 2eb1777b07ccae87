//! The course tool: `cargo run -- <command>`. The dashboard, `list`, `check`, `watch`,
//! `hint`, `reset`, `book` and the maintainer's `verify`. `src/main.rs` only calls [`main`]; everything else
//! is here so that the checks in `tests/` can call the same functions.

pub mod alternatives;
pub mod book;
pub mod cargo;
pub mod cli;
pub mod commands;
pub mod contract;
pub mod course;
pub mod diagnose;
pub mod error;
pub mod hints;
pub mod libtest;
pub mod mutants;
pub mod progress;
pub mod state;
pub mod suite;
pub mod sweep;
pub mod toml_read;
pub mod ui;
pub mod verify;

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use commands::Outcome;
use error::Error;

/// Runs the tool with `args` (without the program name) and says how to exit: 0 done,
/// 1 tests or checks failed, 2 the command could not run (with one line of reason and the
/// usage on stderr).
pub fn main(args: Vec<OsString>) -> ExitCode {
    let result = args
        .into_iter()
        .map(|arg| {
            arg.into_string()
                .map_err(|bad| Error::new(format!("the argument {bad:?} is not valid UTF-8")))
        })
        .collect::<Result<Vec<String>, Error>>()
        .and_then(|args| cli::parse(&args))
        .and_then(commands::run);
    match result {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::Failure) => ExitCode::from(1),
        Err(error) => {
            let mut err = std::io::stderr().lock();
            let _ = writeln!(
                err,
                "error: {}\n\n{}",
                error.message(),
                cli::usage(error.topic())
            );
            ExitCode::from(2)
        }
    }
}
