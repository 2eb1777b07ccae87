//! Exercise 18 graded suite, model-checked by loom: the same `src/gil.rs`, compiled with
//! `crate::sync` bound to loom, in every interleaving of its threads within the bound.
//! Book: `book/src/part-6/switching.md`.
//!
//! Loom's `Condvar::wait_timeout` never times out (a model has no clock), so in these models
//! no wait runs out by itself: the main thread asks for the drop with `request_drop()`, as
//! a waiter whose interval ran out would. A waiter that nobody wakes then waits for ever,
//! and loom reports the deadlock: exactly the lost wake-ups these models look for.

sync_shim::include_under_loom!(gil);

use std::time::Duration;

use gil::{Event, EventKind, Gil};
use sync::cell::UnsafeCell;
use sync::{Arc, thread};

const CHAPTER: &str = "book/src/part-6/switching.md";

/// Loom never lets this run out; any value would do.
const INTERVAL: Duration = Duration::from_millis(5);

/// Waits (yielding to the other threads) until `thread` has logged `kind`.
fn wait_for_event(gil: &Gil, thread: usize, kind: EventKind) {
    while !gil
        .events()
        .iter()
        .any(|e| e.thread == thread && e.kind == kind)
    {
        thread::yield_now();
    }
}

/// Thread 0 takes the GIL; thread 1 is started, waits in take(), then runs `then` and drops
/// the GIL. Returns once thread 1 has logged its `Wanted`.
fn holder_and_waiter<R: 'static>(
    then: impl FnOnce(&Gil) -> R + 'static,
) -> (Arc<Gil>, thread::JoinHandle<R>) {
    let gil = Arc::new(Gil::new(INTERVAL));
    gil.take(0);
    let other = Arc::clone(&gil);
    let waiter = thread::spawn(move || {
        other.take(1);
        let result = then(&other);
        other.drop_gil(1);
        result
    });
    wait_for_event(&gil, 1, EventKind::Wanted);
    (gil, waiter)
}

fn kinds_of(events: &[Event], thread: usize) -> Vec<EventKind> {
    events
        .iter()
        .filter(|e| e.thread == thread)
        .map(|e| e.kind)
        .collect()
}

#[test]
fn loom_a_drop_request_hands_the_gil_to_the_waiter_first() {
    loom_harness::check(
        "thread 0 holds the GIL and thread 1 waits in take(); thread 0 is asked to drop it \
         and calls check(); thread 1 is woken, gets the GIL before thread 0 has it again, \
         and finds the request cleared",
        || {
            let (gil, waiter) = holder_and_waiter(|gil| gil.drop_requested());
            gil.request_drop();
            gil.check(0);
            gil.drop_gil(0);
            let requested = waiter.join().unwrap();
            assert!(
                !requested,
                "thread 1 took the GIL from thread 0, which was asked to drop it, and \
                 drop_requested() was still true: taking the GIL must clear the request \
                 ({CHAPTER}#drop-requests)"
            );
            let events = gil.events();
            let released = events
                .iter()
                .position(|e| e.thread == 0 && e.kind == EventKind::Released)
                .expect("thread 0 dropped the GIL, so its Released must be in the log");
            let next = events[released..]
                .iter()
                .find(|e| e.kind == EventKind::Acquired)
                .map(|e| e.thread);
            assert_eq!(
                next,
                Some(1),
                "after thread 0 dropped the GIL on request, thread 0 took it again before the \
                 waiting thread 1 did: with forced switching, drop_gil waits until another \
                 thread has taken the GIL (log: {events:?}) ({CHAPTER}#forced-switching)"
            );
        },
    );
}

/// A value both threads change while they hold the GIL; loom checks that the changes are
/// ordered (one holder at a time, and each sees the previous holder's writes).
struct Shared(UnsafeCell<u32>);

// SAFETY: the models touch the value only while holding the GIL, which is what they check.
unsafe impl Sync for Shared {}

impl Shared {
    fn add_one(&self) {
        // SAFETY: called only while holding the GIL: no other access at the same time, if
        // the GIL works (loom reports it if not).
        self.0.with_mut(|value| unsafe { *value += 1 });
    }

    fn get(&self) -> u32 {
        // SAFETY: as in `add_one`.
        self.0.with(|value| unsafe { *value })
    }
}

#[test]
fn loom_two_threads_never_hold_the_gil_at_once() {
    loom_harness::check(
        "two threads each take the GIL, add 1 to a shared value, call check() and drop it; \
         the additions never overlap and both count",
        || {
            let gil = Arc::new(Gil::new(INTERVAL));
            let shared = Arc::new(Shared(UnsafeCell::new(0)));
            let (other_gil, other_shared) = (Arc::clone(&gil), Arc::clone(&shared));
            let other = thread::spawn(move || {
                other_gil.take(1);
                other_shared.add_one();
                other_gil.check(1);
                other_gil.drop_gil(1);
            });
            gil.take(0);
            shared.add_one();
            gil.check(0);
            gil.drop_gil(0);
            other.join().unwrap();
            gil.take(0);
            assert_eq!(
                shared.get(),
                2,
                "an update made while holding the GIL was lost ({CHAPTER}#drop-requests)"
            );
            gil.drop_gil(0);
        },
    );
}

#[test]
fn loom_blocking_begin_lets_a_waiting_thread_run() {
    loom_harness::check(
        "thread 0 holds the GIL and thread 1 waits for it; thread 0 enters a blocking call \
         that lasts until thread 1 has had the GIL; thread 0 then takes the GIL back",
        || {
            let (gil, waiter) = holder_and_waiter(|_| ());
            gil.blocking_begin(0);
            // The blocking call: it ends when thread 1 is done.
            waiter.join().unwrap();
            gil.blocking_end(0);
            gil.drop_gil(0);
            let events = gil.events();
            assert_eq!(
                kinds_of(&events, 0),
                [
                    EventKind::Wanted,
                    EventKind::Acquired,
                    EventKind::Released,
                    EventKind::Blocked,
                    EventKind::Unblocked,
                    EventKind::Wanted,
                    EventKind::Acquired,
                    EventKind::Released,
                ],
                "thread 0's events: take, blocking_begin (Released, Blocked), blocking_end \
                 (Unblocked, Wanted, Acquired), drop_gil (log: {events:?}) \
                 ({CHAPTER}#the-event-log)"
            );
        },
    );
}

#[test]
fn loom_a_drop_request_with_nobody_waiting_does_not_block_the_holder() {
    loom_harness::check(
        "the only thread holds the GIL, is asked to drop it, and calls check(): it goes on \
         without waiting for a switch that nobody can make",
        || {
            let gil = Gil::new(INTERVAL);
            gil.take(0);
            gil.request_drop();
            gil.check(0);
            assert!(
                !gil.drop_requested(),
                "check() dropped the GIL and took it again, so the request has been served \
                 ({CHAPTER}#drop-requests)"
            );
            gil.drop_gil(0);
        },
    );
}

#[test]
fn source_reaches_atomics_through_crate_sync() {
    if let Err(problems) = loom_harness::check_sources(env!("CARGO_MANIFEST_DIR")) {
        panic!("{problems}");
    }
}
