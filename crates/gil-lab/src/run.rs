//! Running workloads on our interpreter: threads, timing, and a watchdog so that a GIL that
//! never hands over ends the lab with a message instead of hanging it.

use std::any::Any;
use std::sync::{Arc, Mutex, Once, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use toy_python::{Blocking, Gil, Interpreter, RuntimeError, Value};

use crate::Kit;

/// A workload's source text and a GIL, made into a running interpreter with the lab's
/// natives (`integrate` without the GIL, `integrate_holding_the_gil` with it).
pub fn interpreter(kit: &Kit, source: &str, gil: Arc<dyn Gil>) -> Result<Interpreter, String> {
    let program = toy_python::compile(source).map_err(|e| e.to_string())?;
    let interpreter = guarded(|| Interpreter::new(&program, gil))?.map_err(|e| e.to_string())?;
    (kit.register_integrate)(&interpreter);
    interpreter.register_native(
        "integrate_holding_the_gil",
        Arc::new(kit.integrate),
        Blocking::Holds,
    );
    Ok(interpreter)
}

/// The jobs, each on a thread of its own, with `background` functions running meanwhile
/// (they loop while the global `running` is true). Returns the wall time of the jobs, from
/// before the first starts to after the last ends, and their results.
pub fn threads(
    interpreter: &Interpreter,
    jobs: &[(&str, Vec<Value>)],
    background: &[&str],
) -> Result<(Duration, Vec<Value>), String> {
    interpreter.set_global("running", Value::Bool(true));
    let helpers: Vec<_> = background
        .iter()
        .map(|name| interpreter.spawn(name, Vec::new()))
        .collect();
    let start = Instant::now();
    let handles: Vec<_> = jobs
        .iter()
        .map(|(name, args)| interpreter.spawn(name, args.clone()))
        .collect();
    let results: Vec<_> = handles.into_iter().map(joined).collect();
    let elapsed = start.elapsed();
    interpreter.set_global("running", Value::Bool(false));
    for helper in helpers {
        joined(helper)?;
    }
    Ok((elapsed, results.into_iter().collect::<Result<_, _>>()?))
}

/// The jobs one after the other, on this thread.
pub fn sequence(
    interpreter: &Interpreter,
    jobs: &[(&str, Vec<Value>)],
) -> Result<(Duration, Vec<Value>), String> {
    let start = Instant::now();
    let mut results = Vec::new();
    for (name, args) in jobs {
        results.push(guarded(|| interpreter.call(name, args))?.map_err(|e| e.to_string())?);
    }
    Ok((start.elapsed(), results))
}

fn joined(handle: thread::JoinHandle<Result<Value, RuntimeError>>) -> Result<Value, String> {
    match handle.join() {
        Ok(result) => result.map_err(|e| e.to_string()),
        Err(panic) => Err(panic_message(panic.as_ref())),
    }
}

/// Runs `f`, turning a panic (a `todo!()` not yet filled in, say) into an error message.
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

/// Did an experiment fail because the code under test reached a `todo!()`?
pub fn is_todo(error: &str) -> bool {
    error.contains("not yet implemented") || error.contains("panicked: not implemented")
}

/// `file:line: message` of a todo panic, from the error text made by [`guarded`].
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

/// What to print instead of one "not measured" section per experiment when every one of
/// them stopped at a `todo!()`: which functions to finish (the todo messages, where they
/// are) and how to see the lab's shapes meanwhile. `None` unless every error is a todo.
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
    for (number, folder) in [("18", "exercise-18-"), ("19", "exercise-19-")] {
        if errors.iter().any(|e| e.contains(folder)) {
            exercises.push(number);
        }
    }
    let mut text = String::from(
        "Nothing to measure yet: every experiment stopped at a `todo!()` in the code under \
         test.\n\nFinish these first (every experiment needs them):\n",
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
        "\nTo see the shapes now, run the lab on the reference GIL and pool:\n  \
         cargo run --release -p solution-18 --example lab",
    );
    Some(text)
}

/// What the watchdog is waiting for, and until when.
static WATCHED: Mutex<Option<(String, Instant)>> = Mutex::new(None);

/// Ends the process with a "possible deadlock" message if the experiment `what` is still
/// running after `limit`. Replaces any earlier watch.
pub fn watch(what: &str, limit: Duration) {
    static START: Once = Once::new();
    *WATCHED.lock().unwrap_or_else(PoisonError::into_inner) =
        Some((what.to_owned(), Instant::now() + limit));
    START.call_once(|| {
        thread::spawn(|| {
            loop {
                thread::sleep(Duration::from_millis(100));
                let overdue = WATCHED
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .as_ref()
                    .filter(|(_, until)| Instant::now() > *until)
                    .map(|(what, _)| what.clone());
                if let Some(what) = overdue {
                    eprintln!(
                        "\nlab: possible deadlock: {what} has not finished. A thread may be \
                         waiting for a GIL that is never handed over (book: \
                         part-6/switching.md#drop-requests)."
                    );
                    std::process::exit(3);
                }
            }
        });
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lab_on_the_stubs_gets_one_block_of_advice() {
        let gil = "the code under test panicked at exercises/exercise-18-gil/src/gil.rs:44: \
                   not yet implemented: a free GIL (book: switching.md#the-switch-interval)";
        let native = "the code under test panicked at \
                      exercises/exercise-19-escape-the-gil/src/native.rs:24: not yet \
                      implemented: register the native `integrate`";
        let errors = vec![gil.to_owned(), gil.to_owned(), native.to_owned()];
        let advice = all_todo_advice(&errors).expect("advice");
        assert_eq!(
            advice.matches("gil.rs:44").count(),
            1,
            "each todo once:\n{advice}"
        );
        assert!(
            advice.contains(
                "  - exercises/exercise-18-gil/src/gil.rs:44: a free GIL (book: \
                 switching.md#the-switch-interval)\n"
            ),
            "{advice}"
        );
        assert!(
            advice.contains("native.rs:24: register the native"),
            "{advice}"
        );
        assert!(
            advice.contains("`cargo run -- check 18` and `cargo run -- check 19` show"),
            "{advice}"
        );
        assert!(
            advice.contains("cargo run --release -p solution-18 --example lab"),
            "{advice}"
        );
        assert_eq!(
            todo_of("the code under test panicked: not yet implemented: take"),
            "take"
        );
    }

    #[test]
    fn real_errors_keep_their_sections() {
        let errors = vec![
            "the code under test panicked at x.rs:1: not yet implemented: a".to_owned(),
            "lab: possible deadlock".to_owned(),
        ];
        assert_eq!(all_todo_advice(&errors), None);
        assert_eq!(all_todo_advice(&[]), None);
        assert!(is_todo("the code under test panicked: not yet implemented"));
        assert!(!is_todo(
            "the code under test panicked: index out of bounds"
        ));
    }
}
