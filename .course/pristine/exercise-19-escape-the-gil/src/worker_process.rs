// Exercise 19 · Escape the GIL. Book: book/src/part-6/escaping.md
//
// Provided, nothing to fill in: the `main` of a worker process. It serves jobs from stdin and
// writes the replies to stdout (your `worker::serve`), each job in a fresh interpreter with
// its own GIL (`toy_python::TickGil`, so this exercise does not need yours from exercise 18)
// and the natives of `native.rs`.
//
// The binary in src/bin/ is nothing but a call to `worker_main`. Any other program can be a
// worker too: a lab that re-executes itself with a flag, for instance,
//
//     fn main() -> ExitCode {
//         if std::env::args().nth(1).as_deref() == Some("--worker") {
//             return worker_process::worker_main();
//         }
//         let pool = Pool::new(4, worker_process::this_program_as_worker("--worker")?)?;
//         ...
//     }
//
// (a worker must print nothing else to stdout: stdout carries its replies).
//
// Every worker also has three natives that the graded tests use to look inside it:
//
// - `exit_now(code)`: the process exits at once with `code`, in the middle of its job: a
//   crash, as far as the pool can tell.
// - `meet(n)`: waits until `n` calls of `meet` (in this or other workers) have arrived, and
//   returns how many there were. The calls meet in the directory named by the environment
//   variable `EXERCISE_19_MEET_DIR`; after `MEET_TIMEOUT` it gives up with an error. Two
//   jobs that both call `meet(2)` only succeed if they run at the same time.
// - `pid()`: the worker's process id.
//
// And if `EXERCISE_19_LINGER_MS` is set, the process stays alive that many milliseconds
// after its input ends: a worker that is slow to exit.

use std::io;
use std::path::Path;
use std::process::{Command, ExitCode};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use toy_python::{Blocking, Interpreter, Program, RuntimeError, TickGil, Value};

use crate::{native, worker};

/// Instructions between two forced switches of the worker's GIL (Python 2's default was 100).
pub const CHECK_INTERVAL: u64 = 100;

/// How long `meet(n)` waits for the others (times `COURSE_DEADLINE_SCALE`, if set).
pub const MEET_TIMEOUT: Duration = Duration::from_secs(5);

/// The whole life of a worker process: serve jobs from stdin until it ends, then exit.
/// Success when stdin ended cleanly, failure (with a line on stderr) when a pipe failed.
pub fn worker_main() -> ExitCode {
    let served = worker::serve(io::stdin().lock(), io::stdout().lock(), new_interpreter);
    if let Some(ms) = std::env::var("EXERCISE_19_LINGER_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
    {
        thread::sleep(Duration::from_millis(ms));
    }
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("worker {}: {error}", std::process::id());
            ExitCode::FAILURE
        }
    }
}

/// The interpreter a worker runs one job's `program` in: a GIL of its own
/// ([`TickGil`] with [`CHECK_INTERVAL`]), `integrate` from `native.rs`, and the test natives
/// `exit_now`, `meet` and `pid`.
pub fn new_interpreter(program: &Program) -> Result<Interpreter, RuntimeError> {
    let interpreter = Interpreter::new(program, Arc::new(TickGil::new(CHECK_INTERVAL)))?;
    native::register(&interpreter);
    interpreter.register_native("exit_now", Arc::new(exit_now), Blocking::Holds);
    interpreter.register_native("meet", Arc::new(meet), Blocking::Releases);
    interpreter.register_native(
        "pid",
        Arc::new(|_: &[Value]| Ok(Value::Int(i64::from(std::process::id())))),
        Blocking::Holds,
    );
    Ok(interpreter)
}

/// A command factory for [`Pool::new`](crate::Pool::new) that starts this very program again
/// with `flag` as its only argument; the program's `main` must then call [`worker_main`].
pub fn this_program_as_worker(
    flag: &'static str,
) -> io::Result<impl Fn() -> Command + Send + Sync + 'static> {
    let exe = std::env::current_exe()?;
    Ok(move || {
        let mut command = Command::new(&exe);
        command.arg(flag);
        command
    })
}

fn exit_now(args: &[Value]) -> Result<Value, String> {
    match args {
        [Value::Int(code)] => std::process::exit(*code as i32),
        _ => Err(format!("exit_now(code) takes one integer, got {args:?}")),
    }
}

fn meet(args: &[Value]) -> Result<Value, String> {
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    let [Value::Int(wanted)] = args else {
        return Err(format!("meet(n) takes one integer, got {args:?}"));
    };
    let dir = std::env::var_os("EXERCISE_19_MEET_DIR")
        .ok_or("meet(n): the environment variable EXERCISE_19_MEET_DIR is not set")?;
    let dir = Path::new(&dir);
    let call = CALLS.fetch_add(1, Ordering::Relaxed);
    let mine = dir.join(format!("{}-{call}", std::process::id()));
    std::fs::write(&mine, b"").map_err(|e| format!("meet(n): {}: {e}", mine.display()))?;
    let limit = MEET_TIMEOUT.mul_f64(deadline_scale());
    let start = Instant::now();
    loop {
        let here = std::fs::read_dir(dir)
            .map_err(|e| format!("meet(n): {}: {e}", dir.display()))?
            .count() as i64;
        if here >= *wanted {
            return Ok(Value::Int(here));
        }
        if start.elapsed() > limit {
            return Err(format!(
                "meet({wanted}): only {here} of {wanted} jobs had arrived after {:.0} s",
                limit.as_secs_f64()
            ));
        }
        thread::sleep(Duration::from_millis(1));
    }
}

fn deadline_scale() -> f64 {
    std::env::var("COURSE_DEADLINE_SCALE")
        .ok()
        .and_then(|text| text.parse::<f64>().ok())
        .filter(|factor| factor.is_finite() && *factor >= 1.0)
        .unwrap_or(1.0)
}
