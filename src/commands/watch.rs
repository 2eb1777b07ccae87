//! `watch [NN]`: check the exercise being worked on each time one of its files is saved, and
//! move on to the next one when it is green. Each check is `check NN` itself.

use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::Duration;

use notify::event::ModifyKind;
use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};

use super::{Outcome, check};
use crate::course::{Course, Exercise};
use crate::error::{Error, Result};
use crate::progress::{self, Cache};
use crate::say;
use crate::ui::Ui;

/// Saves that come this close together are one save (an editor writes a file in steps,
/// "save all" writes several).
const QUIET: Duration = Duration::from_millis(300);

/// What the watch loop waits for.
#[derive(Debug)]
enum Event {
    /// A source file of the exercise was written, created or removed.
    Saved(PathBuf),
    /// `q` was typed, or stdin was closed.
    Quit,
    /// The file watcher broke.
    Failed(String),
}

pub fn run(ui: &Ui, course: &Course, arg: Option<&str>) -> Result<Outcome> {
    let root = &course.root;
    let start = match arg {
        Some(arg) => {
            let ex = course.find(arg)?;
            if !ex.exercise_dir(root).is_dir() {
                return Err(Error::new(format!(
                    "exercise {} is not in this repository yet: {} is missing",
                    ex.id(),
                    ex.exercise_rel()
                )));
            }
            course.exercises.iter().position(|other| other == ex)
        }
        None => next_not_done(course, 0),
    };
    if !std::io::stdin().is_terminal() {
        return Err(Error::new(
            "`watch` needs a terminal (it waits for your saves, and for q to stop): \
             run it in a terminal, or use `cargo run -- check NN` after each change",
        ));
    }
    let Some(mut index) = start else {
        say!("{}", ui.green("Every exercise is done ✓"));
        return Ok(Outcome::Success);
    };

    let (events, incoming) = mpsc::channel::<Event>();
    listen_for_quit(events.clone());
    let mut watcher = file_watcher(events)?;
    let mut watched = course.exercises[index].exercise_dir(root);
    watch(&mut watcher, &watched)?;
    let mut check_now = true;
    loop {
        let ex = &course.exercises[index];
        if check_now {
            if ui.terminal {
                // Clear the screen and go home, as rustlings does: one check on screen.
                print!("\x1b[2J\x1b[H");
            }
            let outcome = check::run(ui, course, &ex.id(), None)?;
            if outcome == Outcome::Success {
                let Some(next) = next_not_done(course, index + 1) else {
                    say!();
                    say!("{}", ui.green("Every exercise is done ✓ Stopped watching."));
                    return Ok(Outcome::Success);
                };
                index = next;
                let _ = watcher.unwatch(&watched);
                watched = course.exercises[index].exercise_dir(root);
                watch(&mut watcher, &watched)?;
                // Saves of the finished exercise that came in meanwhile are not the next one's.
                if drain(&incoming) {
                    return Ok(Outcome::Success);
                }
                say!();
                say!(
                    "{}",
                    ui.bold(&format!(
                        "Moving on: watching exercise {}",
                        course.exercises[index].label()
                    ))
                );
            }
        }
        waiting(ui, &course.exercises[index]);
        match wait_for_save(&incoming, &watched) {
            Event::Saved(_) => check_now = true,
            Event::Quit => {
                say!("Stopped watching.");
                return Ok(Outcome::Success);
            }
            Event::Failed(problem) => {
                return Err(Error::new(format!(
                    "cannot watch the exercise's files any more: {problem}"
                )));
            }
        }
    }
}

fn waiting(ui: &Ui, ex: &Exercise) {
    say!();
    say!(
        "{}",
        ui.dim(&format!(
            "Watching {}/: save a file of it to check again. Type q and Enter (or Ctrl+C) to stop.",
            ex.exercise_rel()
        ))
    );
}

/// The first exercise from `from` on that is in the repository and not known to be done
/// (done: the progress cache has a green run of exactly its current files).
fn next_not_done(course: &Course, from: usize) -> Option<usize> {
    let cache = Cache::load(&course.root);
    (from..course.exercises.len()).find(|&i| {
        let ex = &course.exercises[i];
        let dir = ex.exercise_dir(&course.root);
        let done = progress::hash_exercise(&dir)
            .ok()
            .and_then(|hash| cache.fresh(&ex.slug, &hash).map(|e| e.status().is_done()))
            .unwrap_or(false);
        dir.is_dir() && !done
    })
}

/// Reads stdin lines on a thread of its own: `q` (or the end of input) means stop.
fn listen_for_quit(events: mpsc::Sender<Event>) {
    thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            match line {
                Ok(line) if matches!(line.trim(), "q" | "Q" | "quit") => break,
                Ok(_) => {}
                Err(_) => break,
            }
        }
        let _ = events.send(Event::Quit);
    });
}

fn file_watcher(events: mpsc::Sender<Event>) -> Result<RecommendedWatcher> {
    notify::recommended_watcher(move |result: notify::Result<notify::Event>| match result {
        Ok(event) => {
            let written = matches!(
                event.kind,
                EventKind::Create(_) | EventKind::Remove(_) | EventKind::Modify(_)
            ) && !matches!(event.kind, EventKind::Modify(ModifyKind::Metadata(_)));
            if written {
                for path in event.paths.into_iter().filter(|p| is_source(p)) {
                    let _ = events.send(Event::Saved(path));
                }
            }
        }
        Err(problem) => {
            let _ = events.send(Event::Failed(problem.to_string()));
        }
    })
    .map_err(|e| Error::new(format!("cannot watch files for changes: {e}")))
}

fn watch(watcher: &mut RecommendedWatcher, dir: &Path) -> Result<()> {
    watcher
        .watch(dir, RecursiveMode::Recursive)
        .map_err(|e| Error::new(format!("cannot watch {} for changes: {e}", dir.display())))
}

/// A file the learner edits: `.rs` or `.toml`, not an editor's backup or swap file.
fn is_source(path: &Path) -> bool {
    let hidden = path
        .file_name()
        .is_some_and(|name| name.to_string_lossy().starts_with('.'));
    !hidden
        && path
            .extension()
            .is_some_and(|ext| ext == "rs" || ext == "toml")
}

/// The next save under `dir` (after it has been quiet for [`QUIET`]), or a quit.
fn wait_for_save(incoming: &Receiver<Event>, dir: &Path) -> Event {
    loop {
        let Ok(event) = incoming.recv() else {
            return Event::Quit;
        };
        let path = match event {
            Event::Saved(path) if path.starts_with(dir) => path,
            Event::Saved(_) => continue,
            other => return other,
        };
        loop {
            match incoming.recv_timeout(QUIET) {
                Ok(Event::Saved(_)) => {}
                Ok(other) => return other,
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {
                    return Event::Saved(path);
                }
            }
        }
    }
}

/// Forgets the saves waiting in `incoming`; `true` when a quit was among them.
fn drain(incoming: &Receiver<Event>) -> bool {
    let mut quit = false;
    while let Ok(event) = incoming.try_recv() {
        quit |= matches!(event, Event::Quit);
    }
    quit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sources_count_as_saves() {
        assert!(is_source(Path::new("/r/exercises/e/src/lib.rs")));
        assert!(is_source(Path::new("/r/exercises/e/Cargo.toml")));
        assert!(!is_source(Path::new("/r/exercises/e/src/.lib.rs.swp")));
        assert!(!is_source(Path::new("/r/exercises/e/src/lib.rs~")));
        assert!(!is_source(Path::new("/r/exercises/e/src/4913")));
    }

    #[test]
    fn saves_close_together_are_one_and_other_folders_do_not_count() {
        let (events, incoming) = mpsc::channel();
        let dir = Path::new("/r/exercises/e");
        events
            .send(Event::Saved(PathBuf::from("/r/exercises/other/src/lib.rs")))
            .unwrap_or_else(|e| panic!("{e}"));
        for _ in 0..3 {
            events
                .send(Event::Saved(dir.join("src/lib.rs")))
                .unwrap_or_else(|e| panic!("{e}"));
        }
        events.send(Event::Quit).unwrap_or_else(|e| panic!("{e}"));
        // The three saves are followed at once by a quit: the quit wins.
        assert!(matches!(wait_for_save(&incoming, dir), Event::Quit));

        for _ in 0..3 {
            events
                .send(Event::Saved(dir.join("src/lib.rs")))
                .unwrap_or_else(|e| panic!("{e}"));
        }
        assert!(matches!(wait_for_save(&incoming, dir), Event::Saved(_)));
        assert!(!drain(&incoming), "the three saves were one");
    }
}
