//! `check NN`: run one exercise's graded suite and explain the result.

use std::path::Path;
use std::time::Duration;

use super::Outcome;
use crate::cargo::Ended;
use crate::course::{Course, Exercise};
use crate::error::{Error, Result};
use crate::hints::Hints;
use crate::libtest::{self, Outcome as TestOutcome, Report};
use crate::progress::{self, Cache, Entry};
use crate::say;
use crate::suite::{Suite, SuiteRun};
use crate::ui::{self, Ui};

/// Lines of a failure message worth showing.
const MESSAGE_LINES: usize = 25;

/// `focus`: only the tests whose names contain it (`check 03 slots`); such a run is not
/// remembered as the exercise's progress.
pub fn run(ui: &Ui, course: &Course, arg: &str, focus: Option<&str>) -> Result<Outcome> {
    let ex = course.find(arg)?;
    let root = &course.root;
    if !ex.exercise_dir(root).is_dir() {
        return Err(Error::new(format!(
            "exercise {} is not in this repository yet: {} is missing",
            ex.id(),
            ex.exercise_rel()
        )));
    }
    say!("{}", ui.bold(&format!("Exercise {}", ex.label())));
    let hash = progress::hash_exercise(&ex.exercise_dir(root)).ok();
    let suite = learner_suite(root, ex).focused(focus);
    let mut activity = ui.activity(&suite.command());
    let run = suite.run(&mut |step| activity.step(&step.describe()));
    activity.finish();
    let run = run?;
    if let (Some(hash), None) = (hash, focus) {
        remember(root, ex, Entry::from_run(hash, &run));
    }
    say!();
    let passed = match &run {
        SuiteRun::BuildFailed { errors } => {
            say!("{} {} does not compile:", ui.cross(), ex.package());
            say!();
            say!(
                "{}",
                indent(&libtest::first_lines(errors, MESSAGE_LINES), "  ")
            );
            say!();
            say!("Fix the first error (the others often follow from it), then check again.");
            false
        }
        SuiteRun::Ran {
            report,
            ended,
            elapsed,
        } => {
            show_report(ui, root, ex, report, *ended, *elapsed);
            run.all_passed()
        }
    };
    say!();
    next_step(ui, course, ex, passed);
    Ok(if passed {
        Outcome::Success
    } else {
        Outcome::Failure
    })
}

/// `cargo test -p exercise-NN --no-fail-fast` in the usual target directory.
pub fn learner_suite(root: &Path, ex: &Exercise) -> Suite {
    Suite {
        cwd: root.to_path_buf(),
        selection: vec!["-p".into(), ex.package().into()],
        target_dir: None,
        time_limit: Duration::from_secs(ex.time_limit),
        test_args: Vec::new(),
    }
}

/// Stores a run's result in the progress cache; a failure to write is only a warning.
pub fn remember(root: &Path, ex: &Exercise, entry: Entry) {
    let mut cache = Cache::load(root);
    cache.exercise.insert(ex.slug.clone(), entry);
    if let Err(problem) = cache.save(root) {
        ui::warn(&problem);
    }
}

fn show_report(
    ui: &Ui,
    root: &Path,
    ex: &Exercise,
    report: &Report,
    ended: Ended,
    elapsed: Duration,
) {
    let mut first_failure = None;
    for target in &report.targets {
        let mut tests: Vec<_> = report
            .tests
            .iter()
            .filter(|t| t.target == target.name)
            .collect();
        tests.sort_by(|a, b| a.name.cmp(&b.name));
        if first_failure.is_none() {
            first_failure = tests
                .iter()
                .find(|t| t.outcome == TestOutcome::Failed)
                .copied();
        }
        if tests.is_empty() && target.finished {
            continue;
        }
        say!("{}", ui.bold(&target.name));
        for test in tests {
            let line = match test.outcome {
                TestOutcome::Passed => format!("  {} {}", ui.tick(), test.name),
                TestOutcome::Failed => format!("  {} {}", ui.cross(), test.name),
                TestOutcome::Ignored => ui.dim(&format!("  - {} (ignored)", test.name)),
            };
            say!("{line}");
        }
        if let Some(crash) = &target.crash {
            say!("  {} the test program stopped early: {crash}", ui.cross());
        } else if !target.finished && ended == Ended::TimedOut {
            say!(
                "  {} stopped by the time limit before every test reported",
                ui.cross()
            );
        }
    }
    if ended == Ended::TimedOut {
        let running = report
            .targets
            .last()
            .map_or("the build".to_owned(), |t| t.name.clone());
        say!();
        say!(
            "{} Stopped after {} s, the time limit of exercise {} (time_limit in course.toml),",
            ui.cross(),
            ex.time_limit,
            ex.id()
        );
        say!("  while {running} was running. A test is probably stuck: a lock that is never");
        say!("  released, or a thread that waits for something that never happens.");
        let stuck: Vec<&String> = report
            .slow
            .iter()
            .filter(|id| !report.tests.iter().any(|t| &t.id() == *id))
            .collect();
        for id in stuck {
            say!("  still running at the stop: {id}");
        }
    }
    if let Some(test) = first_failure {
        say!();
        say!("{}", ui.bold(&format!("First failure: {}", test.id())));
        match report.messages.get(&test.id()) {
            Some(message) if !message.trim().is_empty() => {
                let message = readable_message(message, root);
                say!(
                    "{}",
                    indent(&libtest::first_lines(&message, MESSAGE_LINES), "  │ ")
                );
            }
            _ => say!("  (no message)"),
        }
    }
    say!();
    let (passed, ran) = (report.passed(), report.ran());
    let time = ui::duration(elapsed);
    if ended == Ended::TimedOut {
        say!(
            "{} Timed out after {time}: {passed} tests passed and {} failed before the stop.",
            ui.cross(),
            report.failed()
        );
    } else if ran == 0 {
        say!("{} No tests ran ({time}).", ui.cross());
    } else if passed == ran && ended == Ended::Exited(Some(0)) {
        say!("{}", ui.green(&format!("All {ran} tests pass ✓ ({time})")));
    } else {
        say!(
            "{} of {ran} tests pass, {} fail ({time}).",
            passed,
            ui.red(&report.failed().to_string())
        );
    }
}

fn next_step(ui: &Ui, course: &Course, ex: &Exercise, passed: bool) {
    let id = ex.id();
    if passed {
        say!("{}", ui.green(&format!("Exercise {id} is done ✓")));
        let next = course
            .exercises
            .iter()
            .skip_while(|other| *other != ex)
            .skip(1)
            .find(|other| other.exercise_dir(&course.root).is_dir());
        match next {
            Some(next) => {
                say!("next: exercise {}", next.label());
                say!("      read {}", next.chapter_rel());
                say!(
                    "      then cargo test -p {}   (or cargo run -- check {})",
                    next.package(),
                    next.id()
                );
            }
            None => say!("That was the last exercise. `cargo run` shows where you stand."),
        }
    } else {
        let total = ex.hints.len();
        let seen = Hints::load(&course.root).shown(&ex.slug).min(total);
        say!(
            "next: read the failure above, and the chapter: {}",
            ex.chapter_rel()
        );
        if total > 0 && seen < total {
            say!(
                "      stuck? cargo run -- hint {id}   (hint {} of {total})",
                seen + 1
            );
        } else if total > 0 {
            say!("      you have seen every hint: cargo run -- hint {id} --all");
        }
        say!("      then cargo run -- check {id} again");
    }
}

fn indent(text: &str, prefix: &str) -> String {
    text.lines()
        .map(|line| format!("{prefix}{line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A failure message without the backtrace and with paths relative to the repository.
fn readable_message(message: &str, root: &Path) -> String {
    let root = format!("{}/", root.display());
    message
        .lines()
        .take_while(|line| !line.starts_with("stack backtrace:"))
        .filter(|line| !line.starts_with("note: run with `RUST_BACKTRACE=1`"))
        .map(|line| line.replace(&root, ""))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_lose_backtraces_and_absolute_paths() {
        let message = "thread 't' panicked at /r/exercises/e/src/a.rs:1:1:\nnot yet implemented\n\
                       stack backtrace:\n   0: frame\nnote: Some details are omitted";
        assert_eq!(
            readable_message(message, Path::new("/r")),
            "thread 't' panicked at exercises/e/src/a.rs:1:1:\nnot yet implemented"
        );
    }
}
