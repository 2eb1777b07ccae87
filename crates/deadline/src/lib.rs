//! Deadlines for tests that wait on learner code.
//!
//! A lock that is never released, or a waiter that is never woken, must not hang a test run:
//! [`within`] runs the test body on its own thread and, if the body has not finished when the
//! time is up, fails the test with a message that starts with `possible deadlock:` and says
//! what was waiting. The stuck thread cannot be killed (no thread can, safely); it is left
//! behind and dies with the test process.
//!
//! [`workers`] runs a stress test's threads and reports their failures as one message: the
//! first failure in words, and how many threads failed, instead of one panic block per thread.
//!
//! [`one_at_a_time`] serialises the heavy tests of one test binary. The machines this course
//! runs on may have two cores; four spinning threads from two parallel tests would make a
//! correct spin lock look stuck.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Mutex, MutexGuard, Once, PoisonError};
use std::thread;
use std::time::Duration;

/// Environment variable that multiplies every deadline (for slow machines, valgrind, ...).
pub const SCALE_VAR: &str = "COURSE_DEADLINE_SCALE";

/// Runs `body` and returns its result, or fails the calling test when `body` has not finished
/// within `limit` (times [`SCALE_VAR`], if set).
///
/// `waiting` names what was waiting, in the reader's terms, for example
/// `"lock() in the second thread, after the first guard was dropped"`.
/// A panic inside `body` is passed on unchanged, so its message reaches the test output.
pub fn within<R, F>(limit: Duration, waiting: &str, body: F) -> R
where
    R: Send + 'static,
    F: FnOnce() -> R + Send + 'static,
{
    let limit = limit.mul_f64(scale());
    let panics_before = worker_panics().len();
    let (done, finished) = mpsc::channel();
    let spawned = thread::Builder::new()
        .name(format!("under deadline: {waiting}"))
        .spawn(move || {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(body));
            // The receiver is gone only if the deadline already fired; nothing to report then.
            let _ = done.send(outcome);
        });
    if let Err(error) = spawned {
        panic!("could not start a thread for the test body: {error}");
    }
    match finished.recv_timeout(limit) {
        Ok(Ok(value)) => value,
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(RecvTimeoutError::Timeout) => {
            // A worker that panicked may be why the others wait (a barrier a party never
            // reaches): its message would otherwise never be shown, since `workers` reports
            // only after joining them all.
            let meanwhile = worker_panics()
                .into_iter()
                .nth(panics_before)
                .map(|(thread, message)| {
                    format!("\nMeanwhile {thread} panicked, which may be the cause:\n{message}")
                })
                .unwrap_or_default();
            panic!("{}{meanwhile}", deadlock_message(waiting, limit))
        }
        Err(RecvTimeoutError::Disconnected) => {
            unreachable!("the body thread always sends before it ends")
        }
    }
}

/// [`within`] with a limit in whole seconds, the common case.
pub fn within_secs<R, F>(secs: u64, waiting: &str, body: F) -> R
where
    R: Send + 'static,
    F: FnOnce() -> R + Send + 'static,
{
    within(Duration::from_secs(secs), waiting, body)
}

/// The failure text: what was waiting, for how long, and what usually causes it.
pub fn deadlock_message(waiting: &str, limit: Duration) -> String {
    format!(
        "possible deadlock: {waiting} did not finish within {:.1} s.\n\
         Some thread is still blocked or spinning. The usual causes: a release that never \
         happens (a guard's Drop that does not unlock, a permit or signal that is never \
         given back), a hand-off to a thread that is not there, or a waiter that nobody \
         wakes (a wake before the change it announces, or none at all).\n\
         (On a very slow machine, set {SCALE_VAR}=4 to give every deadline four times as long.)",
        limit.as_secs_f64()
    )
}

fn scale() -> f64 {
    std::env::var(SCALE_VAR)
        .ok()
        .and_then(|text| text.parse::<f64>().ok())
        .filter(|factor| factor.is_finite() && *factor >= 1.0)
        .unwrap_or(1.0)
}

/// Holds every other caller of `one_at_a_time` in this test binary off until it is dropped.
///
/// Use it at the top of stress tests that spin several threads, so that two of them never
/// compete for the same two cores. A test that failed while holding it does not block the
/// rest: the poison is ignored.
pub fn one_at_a_time() -> MutexGuard<'static, ()> {
    static HEAVY: Mutex<()> = Mutex::new(());
    HEAVY.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Every panic of a [`workers`] thread so far: (thread name, message and place).
static WORKER_PANICS: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());

fn worker_panics() -> Vec<(String, String)> {
    WORKER_PANICS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
}

/// The name prefix of threads started by [`workers`]; their panics are not printed by the
/// panic hook, because [`workers`] reports them once, together.
const WORKER_PREFIX: &str = "stress worker ";

/// Runs `body(0)`, ..., `body(count - 1)` on `count` threads and returns their results in order.
///
/// If any thread panics, every thread is still joined, then this panics once with the first
/// panic's message, which thread it was, and how many others failed, so a stress failure reads
/// as one message instead of one `thread '<unnamed>' panicked` block per thread. `what` names
/// the work in the reader's terms: `"4 threads taking lock() 20,000 times each"`.
pub fn workers<R, F>(count: usize, what: &str, body: F) -> Vec<R>
where
    R: Send + 'static,
    F: Fn(usize) -> R + Send + Sync + 'static,
{
    quiet_workers();
    let body = std::sync::Arc::new(body);
    let handles: Vec<_> = (0..count)
        .map(|index| {
            let body = std::sync::Arc::clone(&body);
            thread::Builder::new()
                .name(format!("{WORKER_PREFIX}{index}"))
                .spawn(move || body(index))
                .unwrap_or_else(|error| panic!("could not start worker thread {index}: {error}"))
        })
        .collect();
    let mut results = Vec::with_capacity(count);
    let mut failures = Vec::new();
    for (index, handle) in handles.into_iter().enumerate() {
        match handle.join() {
            Ok(value) => results.push(value),
            Err(payload) => failures.push((index, panic_text(payload.as_ref()))),
        }
    }
    if let Some((first, message)) = failures.first() {
        let others = match failures.len() - 1 {
            0 => String::new(),
            1 => "\n(1 other thread failed too.)".to_owned(),
            n => format!("\n({n} other threads failed too.)"),
        };
        panic!("{message}\n(in worker thread {first} of {count}: {what}){others}");
    }
    results
}

/// The text of a panic payload (`panic!("...")` gives a `&str` or a `String`).
pub fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "(a panic without a message)".to_owned()
    }
}

/// Installs, once, a panic hook that stays quiet in [`workers`]' threads and defers to the
/// previous hook everywhere else.
fn quiet_workers() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let current = thread::current();
            match current.name() {
                Some(name) if name.starts_with(WORKER_PREFIX) => {
                    let message = panic_text(info.payload());
                    let at = info
                        .location()
                        .map(|l| format!(" at {}:{}", l.file(), l.line()))
                        .unwrap_or_default();
                    WORKER_PANICS
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push((name.to_owned(), format!("{message}{at}")));
                }
                _ => previous(info),
            }
        }));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returns_the_value_of_a_body_that_finishes() {
        assert_eq!(within_secs(5, "a quick body", || 6 * 7), 42);
    }

    #[test]
    #[should_panic(expected = "possible deadlock: a body that never returns")]
    fn fails_with_possible_deadlock_when_the_body_hangs() {
        within(
            Duration::from_millis(50),
            "a body that never returns",
            || {
                loop {
                    thread::park();
                }
            },
        );
    }

    #[test]
    #[should_panic(expected = "the body's own message")]
    fn passes_on_a_panic_from_the_body() {
        within_secs(5, "a body that panics", || panic!("the body's own message"));
    }

    #[test]
    fn workers_return_results_in_order() {
        assert_eq!(workers(3, "three squares", |i| i * i), [0, 1, 4]);
    }

    #[test]
    fn workers_report_one_message_for_many_failures() {
        let outcome = std::panic::catch_unwind(|| {
            workers(4, "four threads that fail", |i| {
                assert!(i == 0, "thread {i} saw two holders");
            })
        });
        let text = panic_text(outcome.expect_err("three workers panicked").as_ref());
        assert!(text.starts_with("thread 1 saw two holders"), "{text}");
        assert!(
            text.contains("worker thread 1 of 4: four threads that fail"),
            "{text}"
        );
        assert!(text.contains("2 other threads failed too"), "{text}");
    }

    #[test]
    fn a_worker_that_panicked_while_the_others_hang_is_named_in_the_timeout() {
        let outcome = std::panic::catch_unwind(|| {
            within(
                Duration::from_millis(300),
                "two parties at a barrier",
                || {
                    let barrier = std::sync::Barrier::new(2);
                    workers(2, "two parties, one of which overflows", move |i| {
                        assert!(i == 1, "attempt to add with overflow");
                        barrier.wait();
                    })
                },
            )
        });
        let text = panic_text(outcome.expect_err("the body hangs").as_ref());
        assert!(text.starts_with("possible deadlock: two parties"), "{text}");
        assert!(text.contains("Meanwhile stress worker"), "{text}");
        assert!(text.contains("attempt to add with overflow"), "{text}");
    }

    #[test]
    fn the_message_names_what_waited_and_the_limit() {
        let message = deadlock_message("lock() in thread 2", Duration::from_secs(3));
        assert!(message.starts_with("possible deadlock: lock() in thread 2"));
        assert!(message.contains("3.0 s"));
    }
}
