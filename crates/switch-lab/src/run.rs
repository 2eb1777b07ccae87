//! Running the code under test: on a thread of its own, under a deadline, with its panics
//! (a `todo!()` not yet filled in, say) turned into error messages that say where they came
//! from.

use std::any::Any;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Mutex, Once, PoisonError};
use std::thread;
use std::time::Duration;

/// Runs `f` on a thread of its own; its result, its panic as an error, or an error when it
/// has not finished within `limit` (the thread is then left behind: no thread can be
/// killed).
pub fn within<T, F>(limit: Duration, what: &str, f: F) -> Result<T, String>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    quiet_panics();
    let (done, finished) = mpsc::channel();
    thread::Builder::new()
        .name(format!("lab: {what}"))
        .spawn(move || {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
            let _ = done.send(outcome.map_err(|panic| panic_message(panic.as_ref())));
        })
        .map_err(|e| format!("could not start a thread for {what}: {e}"))?;
    match finished.recv_timeout(limit) {
        Ok(outcome) => outcome,
        Err(RecvTimeoutError::Timeout) => Err(format!(
            "possible deadlock: {what} did not finish within {} (the thread is left \
             behind, so the times measured after this one may be disturbed)",
            limit_text(limit)
        )),
        Err(RecvTimeoutError::Disconnected) => Err(format!("{what} ended without a result")),
    }
}

/// A deadline as the messages write it: "60 s", "0.3 s".
pub fn limit_text(limit: Duration) -> String {
    format!("{} s", limit.as_secs_f64())
}

/// Runs `f` on this thread, turning its panic into an error message (as [`within`] does).
pub fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    quiet_panics();
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|p| panic_message(p.as_ref()))
}

fn panic_message(panic: &(dyn Any + Send)) -> String {
    let text = payload_text(panic);
    match place_of(&text) {
        Some(place) => format!("the code under test panicked at {place}: {text}"),
        None => format!("the code under test panicked: {text}"),
    }
}

fn payload_text(panic: &(dyn Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_owned())
}

/// Recent panics, `(message, file:line)`, noted by the quiet hook on whatever thread
/// panicked, so that the report can say where a panic caught on another thread came from.
static PANICS: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());

/// Where the latest panic with this message happened.
fn place_of(text: &str) -> Option<String> {
    PANICS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .rev()
        .find(|(message, _)| message == text)
        .map(|(_, place)| place.clone())
}

/// The lab reports panics itself, once, in its own words; the hook only notes where.
fn quiet_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let Some(place) = info.location() else {
                return;
            };
            let mut panics = PANICS.lock().unwrap_or_else(PoisonError::into_inner);
            if panics.len() >= 64 {
                panics.remove(0);
            }
            panics.push((
                payload_text(info.payload()),
                format!("{}:{}", place.file(), place.line()),
            ));
        }))
    });
}

/// Did a measurement fail because the code under test reached a `todo!()`?
pub fn is_todo(error: &str) -> bool {
    error.contains("not yet implemented") || error.contains("panicked: not implemented")
}

/// `file:line: message` of a todo panic, from the error text made by [`within`].
fn todo_of(error: &str) -> String {
    let rest = error
        .split_once("the code under test panicked")
        .map_or(error, |(_, rest)| rest);
    let (place, message) = match rest.strip_prefix(" at ") {
        Some(rest) => match rest.split_once(": ") {
            Some((place, message)) => (Some(place), message),
            None => (None, rest),
        },
        None => (None, rest.trim_start_matches(": ")),
    };
    let message = message
        .trim_start_matches("not yet implemented: ")
        .trim_start_matches("not yet implemented");
    match place {
        Some(place) => format!("{place}: {message}"),
        None => message.to_owned(),
    }
}

/// What to print instead of one "not measured" line per measurement when every one that
/// touched the code under test stopped at a `todo!()`: which functions to finish (the todo
/// messages, where they are) and how to see the lab's shapes meanwhile. `None` unless
/// there are errors and every one is a todo.
pub fn all_todo_advice(errors: &[String]) -> Option<String> {
    if errors.is_empty() || !errors.iter().all(|e| is_todo(e)) {
        return None;
    }
    let mut todos: Vec<String> = Vec::new();
    for what in errors.iter().map(|e| todo_of(e)) {
        if !todos.contains(&what) {
            todos.push(what);
        }
    }
    let mut exercises: Vec<&str> = Vec::new();
    for (number, folder) in [("01", "exercise-01-"), ("02", "exercise-02-")] {
        if errors.iter().any(|e| e.contains(folder)) {
            exercises.push(number);
        }
    }
    let mut text = String::from(
        "Not measured yet: these rows need your exercises, and each stopped at a `todo!()`.\n\n\
         Finish these first:\n",
    );
    for todo in &todos {
        text.push_str(&format!("  - {todo}\n"));
    }
    if !exercises.is_empty() {
        let checks: Vec<String> = exercises
            .iter()
            .map(|n| format!("`cargo run -- check {n}`"))
            .collect();
        text.push_str(&format!(
            "Then the rest: {} {} what is still to write.\n",
            checks.join(" and "),
            if checks.len() == 1 { "shows" } else { "show" }
        ));
    }
    text.push_str(
        "\nTo see every row now, run the lab on the reference code:\n  \
         cargo run --release -p solution-01 --example lab",
    );
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lab_on_the_stubs_gets_one_block_of_advice() {
        let spawn = "the code under test panicked at exercises/exercise-02-green-threads/src/\
                     executor.rs:44: not yet implemented: spawn a task (book: \
                     thread-models.md#exercise)";
        let threads = "the code under test panicked at \
                       exercises/exercise-01-threads-and-processes/src/threads.rs:24: not yet \
                       implemented: run the job in threads";
        let errors = vec![spawn.to_owned(), spawn.to_owned(), threads.to_owned()];
        let advice = all_todo_advice(&errors).expect("advice");
        assert_eq!(
            advice.matches("executor.rs:44").count(),
            1,
            "each todo once:\n{advice}"
        );
        assert!(
            advice.contains("threads.rs:24: run the job in threads\n"),
            "{advice}"
        );
        assert!(
            advice.contains("`cargo run -- check 01` and `cargo run -- check 02` show"),
            "{advice}"
        );
        assert!(
            advice.contains("cargo run --release -p solution-01 --example lab"),
            "{advice}"
        );
    }

    #[test]
    fn real_errors_are_not_taken_for_todos() {
        let errors = vec![
            "the code under test panicked at x.rs:1: not yet implemented: a".to_owned(),
            "possible deadlock: the green ping-pong did not finish".to_owned(),
        ];
        assert_eq!(all_todo_advice(&errors), None);
        assert_eq!(all_todo_advice(&[]), None);
    }

    #[test]
    fn within_reports_a_panic_with_its_place_and_a_hang_as_a_deadlock() {
        let error = within(Duration::from_secs(5), "a job", || -> u32 {
            todo!("finish me")
        })
        .unwrap_err();
        assert!(
            error.starts_with("the code under test panicked at crates/switch-lab/src/run.rs:"),
            "{error}"
        );
        assert!(error.ends_with("not yet implemented: finish me"), "{error}");
        assert!(is_todo(&error));
        let error = within(Duration::from_millis(50), "a sleeper", || {
            thread::sleep(Duration::from_secs(2))
        })
        .unwrap_err();
        assert!(
            error.starts_with("possible deadlock: a sleeper did not finish within 0.05 s"),
            "{error}"
        );
        assert_eq!(within(Duration::from_secs(5), "a sum", || 2 + 2), Ok(4));
    }
}
