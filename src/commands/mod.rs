//! One module per command; each prints its own output and says how the tool should exit.

mod book;
mod check;
mod dashboard;
pub mod grade;
mod hint;
mod list;
pub mod reset;
pub mod sweep;
pub mod template;
mod verify;
mod watch;

use std::path::PathBuf;

use crate::cli::{self, Command, Topic};
use crate::course::{self, Course};
use crate::error::{Error, Result};
use crate::say;
use crate::ui::Ui;

/// How a command that ran to the end went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Exit code 0.
    Success,
    /// Exit code 1: the tests or checks did not all pass.
    Failure,
}

/// Runs `command` from the current directory.
pub fn run(command: Command) -> Result<Outcome> {
    let ui = Ui::detect();
    match command {
        Command::Help(topic) => {
            say!("{}", cli::usage(topic));
            Ok(Outcome::Success)
        }
        Command::Watch { exercise } => watch::run(&ui, &load_course()?, exercise.as_deref())
            .map_err(|e| e.with_topic(Topic::Watch)),
        Command::Reset { exercise, yes } => {
            reset::run(&ui, &load_course()?, &exercise, yes).map_err(|e| e.with_topic(Topic::Reset))
        }
        Command::Dashboard => dashboard::run(&ui, &load_course()?),
        Command::List => list::run(&ui, &load_course()?),
        Command::Check { exercise, focus } => {
            check::run(&ui, &load_course()?, &exercise, focus.as_deref())
                .map_err(|e| e.with_topic(Topic::Check))
        }
        Command::Hint { exercise, mode } => {
            hint::run(&ui, &load_course()?, &exercise, mode).map_err(|e| e.with_topic(Topic::Hint))
        }
        Command::Book { open, check } => {
            book::run(&ui, &current_root()?, open, check).map_err(|e| e.with_topic(Topic::Book))
        }
        Command::Verify { exercise, repeat } => {
            verify::run(&ui, &load_course()?, exercise.as_deref(), repeat)
                .map_err(|e| e.with_topic(Topic::Verify))
        }
        Command::Grade { args } => {
            grade::run(&current_root()?, &args).map_err(|e| e.with_topic(Topic::Grade))
        }
        Command::Sweep { exercise, halves } => sweep::run(&ui, &load_course()?, &exercise, halves)
            .map_err(|e| e.with_topic(Topic::Sweep)),
        Command::Template { out } => {
            template::run(&ui, &current_root()?, &out).map_err(|e| e.with_topic(Topic::Template))
        }
    }
}

fn current_root() -> Result<PathBuf> {
    let here = std::env::current_dir()
        .map_err(|e| Error::new(format!("cannot tell the current directory: {e}")))?;
    course::find_root(&here)
}

fn load_course() -> Result<Course> {
    Course::load(&current_root()?)
}
