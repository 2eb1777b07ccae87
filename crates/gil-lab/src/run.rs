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
    let text = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_owned());
    format!("the code under test panicked: {text}")
}

/// The lab reports panics itself, once, in its own words.
fn quiet_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| std::panic::set_hook(Box::new(|_| {})));
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
