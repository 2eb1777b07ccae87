//! `grade`: the instructor's grader. It lives in its own package (`crates/grader`, with
//! quick-junit, serde_json and the sandbox), built on demand like the book builder, so a
//! learner's first `cargo run` never compiles it. Its output passes through as it comes
//! (a progress bar needs the terminal), and its exit code is ours.

use std::path::Path;
use std::process::{Command, Stdio};

use super::Outcome;
use crate::cargo::cargo_program;
use crate::error::{Error, Result};

/// The grader's package (and binary).
pub const GRADER: &str = "course-grader";

pub fn run(root: &Path, args: &[String]) -> Result<Outcome> {
    let status = Command::new(cargo_program())
        .args(["run", "--quiet", "--package", GRADER, "--bin", GRADER, "--"])
        .args(args)
        .current_dir(root)
        .stdin(Stdio::null())
        .status()
        .map_err(|e| {
            Error::new(if e.kind() == std::io::ErrorKind::NotFound {
                "cargo not found: install Rust from https://rustup.rs and try again".to_owned()
            } else {
                format!("cannot run the grader (cargo run -p {GRADER}): {e}")
            })
        })?;
    match status.code() {
        Some(0) => Ok(Outcome::Success),
        // The grader has said why on stderr already (2: grading could not run): pass its
        // code on as it is, with nothing added.
        Some(code) => std::process::exit(code),
        None => Err(Error::new("the grader was stopped by a signal")),
    }
}
