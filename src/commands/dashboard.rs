//! The dashboard (no command): every exercise's status and the next thing to do.

use std::path::Path;
use std::time::{Duration, Instant};

use super::Outcome;
use super::check::{learner_suite, remember};
use crate::book;
use crate::cargo::Ended;
use crate::course::{Course, Exercise};
use crate::error::Result;
use crate::progress::{self, Cache, Entry, Status};
use crate::say;
use crate::suite::SuiteRun;
use crate::ui::Ui;

/// How long the dashboard may spend testing exercises changed since their last check,
/// builds included. An exercise that deadlocks (or a cold build) costs this much at most;
/// whatever is not done by then shows as "not checked yet" and `check NN` tells the rest.
pub const BUDGET: Duration = Duration::from_secs(6);

/// What the dashboard shows for one exercise.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Shown {
    Known(Status),
    /// Changed since its last check, and not tested within the budget.
    NotChecked,
}

impl Shown {
    fn is_done(&self) -> bool {
        matches!(self, Shown::Known(status) if status.is_done())
    }

    fn is_missing(&self) -> bool {
        *self == Shown::Known(Status::Missing)
    }
}

pub fn run(ui: &Ui, course: &Course) -> Result<Outcome> {
    let root = &course.root;
    let cache = Cache::load(root);

    // What is known without running anything; the rest needs a run (with its files' hash).
    let mut shown: Vec<Shown> = Vec::new();
    let mut to_run: Vec<(usize, Option<String>)> = Vec::new();
    for (i, ex) in course.exercises.iter().enumerate() {
        match progress::known_status(root, ex, &cache) {
            (Some(status), _) => shown.push(Shown::Known(status)),
            (None, hash) => {
                shown.push(Shown::NotChecked);
                to_run.push((i, hash));
            }
        }
    }

    if !to_run.is_empty() {
        let started = Instant::now();
        let mut steps = ui.steps(to_run.len());
        for (i, hash) in to_run {
            let left = BUDGET.saturating_sub(started.elapsed());
            if left < Duration::from_secs(1) {
                break;
            }
            let ex = &course.exercises[i];
            steps.start(&format!(
                "testing exercise {} (changed since its last check; {} s at most)",
                ex.id(),
                left.as_millis().div_ceil(1000)
            ));
            let run = learner_suite(root, ex)
                .run_within(left, &mut |step| steps.detail(&step.describe()));
            let run = match run {
                Ok(run) => run,
                Err(error) => {
                    steps.finish();
                    return Err(error);
                }
            };
            // A run cut short by the budget says nothing about the exercise.
            let finished = run.filter(|run| {
                !matches!(
                    run,
                    SuiteRun::Ran {
                        ended: Ended::TimedOut,
                        ..
                    }
                )
            });
            if let Some(run) = finished {
                let entry = Entry::from_run(hash.clone().unwrap_or_default(), &run);
                shown[i] = Shown::Known(entry.status());
                if hash.is_some() {
                    remember(root, ex, entry);
                }
            }
            steps.done();
        }
        steps.finish();
        say!();
    }

    show(ui, course, &shown);
    Ok(Outcome::Success)
}

fn show(ui: &Ui, course: &Course, statuses: &[Shown]) {
    say!("{}", ui.bold("Your progress"));
    let width = course
        .exercises
        .iter()
        .map(|ex| ex.title.chars().count())
        .max()
        .unwrap_or(0);
    for (ex, status) in course.exercises.iter().zip(statuses) {
        let title = format!("{:<width$}", ex.title);
        say!("  {}  {title}  {}", ex.id(), describe(ui, ex, status));
    }
    let done = statuses.iter().filter(|s| s.is_done()).count();
    let available = statuses.iter().filter(|s| !s.is_missing()).count();
    say!();
    say!("{done} of {available} exercises done.");
    say!();

    let next = course
        .exercises
        .iter()
        .zip(statuses)
        .find(|(_, s)| !s.is_done() && !s.is_missing());
    match next {
        Some((ex, status)) => show_next(ui, &course.root, ex, status),
        None if available > 0 => say!("{}", ui.green("Every exercise is done ✓")),
        None => say!("No exercise is in the repository yet."),
    }
    say!();
    say!("{}", ui.bold("Read the book"));
    say!("  cargo run -- book        builds it into target/book and prints the page to open");
    say!("  cargo run -- list        every exercise with its folder and chapter");
}

fn describe(ui: &Ui, ex: &Exercise, shown: &Shown) -> String {
    let status = match shown {
        Shown::Known(status) => status,
        Shown::NotChecked => {
            return ui.yellow(&format!(
                "changed, not checked yet: run `cargo run -- check {}`",
                ex.id()
            ));
        }
    };
    match status {
        Status::Missing => ui.dim("not in the repository yet"),
        Status::NotStarted => "not started".to_owned(),
        Status::InProgress {
            passed,
            total,
            note: None,
        } => ui.yellow(&format!("in progress: {passed} of {total} tests passing")),
        Status::InProgress {
            note: Some(note), ..
        } => ui.yellow(&format!("in progress ({note})")),
        Status::Done { .. } => ui.green("done ✓"),
    }
}

fn show_next(ui: &Ui, root: &Path, ex: &Exercise, status: &Shown) {
    let verb = if *status == Shown::Known(Status::NotStarted) {
        "Next"
    } else {
        "Keep going"
    };
    say!("{}", ui.bold(&format!("{verb}: exercise {}", ex.label())));
    say!("  read     {}", ex.chapter_rel());
    let built = book::default_output(root);
    if built.join("index.html").is_file() {
        let page = built.join(ex.chapter_html());
        if page.is_file() {
            say!(
                "           or target/book/{} in your browser",
                ex.chapter_html()
            );
        }
    }
    say!("  edit     {}/src/", ex.exercise_rel());
    say!(
        "  test     cargo test -p {}      (or: cargo run -- check {})",
        ex.package(),
        ex.id()
    );
    say!("  stuck?   cargo run -- hint {}", ex.id());
}
