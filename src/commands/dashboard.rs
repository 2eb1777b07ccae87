//! The dashboard (no command): every exercise's status and the next thing to do.

use std::path::Path;

use super::Outcome;
use super::check::{learner_suite, remember};
use crate::book;
use crate::course::{Course, Exercise};
use crate::error::Result;
use crate::progress::{self, Cache, Entry, Status};
use crate::say;
use crate::ui::Ui;

pub fn run(ui: &Ui, course: &Course) -> Result<Outcome> {
    let root = &course.root;
    let cache = Cache::load(root);

    // What is known without running anything; the rest needs a run (with its files' hash).
    let mut statuses: Vec<Option<Status>> = Vec::new();
    let mut to_run: Vec<(usize, Option<String>)> = Vec::new();
    for (i, ex) in course.exercises.iter().enumerate() {
        let dir = ex.exercise_dir(root);
        if !dir.is_dir() {
            statuses.push(Some(Status::Missing));
        } else if progress::untouched(root, &ex.exercise_rel()) == Some(true) {
            statuses.push(Some(Status::NotStarted));
        } else {
            let hash = progress::hash_exercise(&dir).ok();
            match hash.as_deref().and_then(|h| cache.fresh(&ex.slug, h)) {
                Some(entry) => statuses.push(Some(entry.status())),
                None => {
                    statuses.push(None);
                    to_run.push((i, hash));
                }
            }
        }
    }

    if !to_run.is_empty() {
        let mut steps = ui.steps(to_run.len());
        for (i, hash) in to_run {
            let ex = &course.exercises[i];
            steps.start(&format!("testing exercise {}", ex.id()));
            let run = learner_suite(root, ex).run(&mut |step| steps.detail(&step.describe()));
            let run = match run {
                Ok(run) => run,
                Err(error) => {
                    steps.finish();
                    return Err(error);
                }
            };
            let entry = Entry::from_run(hash.clone().unwrap_or_default(), &run);
            statuses[i] = Some(entry.status());
            if hash.is_some() {
                remember(root, ex, entry);
            }
            steps.done();
        }
        steps.finish();
        say!();
    }

    let statuses: Vec<Status> = statuses
        .into_iter()
        .map(|s| s.unwrap_or(Status::NotStarted))
        .collect();
    show(ui, course, &statuses);
    Ok(Outcome::Success)
}

fn show(ui: &Ui, course: &Course, statuses: &[Status]) {
    say!("{}", ui.bold("Your progress"));
    let width = course
        .exercises
        .iter()
        .map(|ex| ex.title.chars().count())
        .max()
        .unwrap_or(0);
    for (ex, status) in course.exercises.iter().zip(statuses) {
        let title = format!("{:<width$}", ex.title);
        say!("  {}  {title}  {}", ex.id(), describe(ui, status));
    }
    let done = statuses.iter().filter(|s| s.is_done()).count();
    let available = statuses.iter().filter(|s| **s != Status::Missing).count();
    say!();
    say!("{done} of {available} exercises done.");
    say!();

    let next = course
        .exercises
        .iter()
        .zip(statuses)
        .find(|(_, s)| !s.is_done() && **s != Status::Missing);
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

fn describe(ui: &Ui, status: &Status) -> String {
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

fn show_next(ui: &Ui, root: &Path, ex: &Exercise, status: &Status) {
    let verb = if *status == Status::NotStarted {
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
