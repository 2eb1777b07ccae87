// Exercise 18 · The GIL. Book: book/src/part-6/switching.md
//
// Fill in each `todo!()`. Useful imports, all through the std/loom switch:
//     use crate::sync::atomic::{AtomicBool, AtomicU64, Ordering};
//     use crate::sync::{Condvar, Mutex, MutexGuard};
// and from std, which loom does not replace: std::sync::PoisonError, std::time::Instant.
//
// The interpreter numbers its threads 0, 1, 2, ... and passes the number of the calling
// thread (`me`) to every method; each call for a thread comes from that thread itself.

use std::time::Duration;

use toy_python::ThreadId;

/// How many events the log keeps, at most: the first million (about 32 MB). Later events are
/// not stored, so a long run cannot eat the memory; the counters keep counting.
pub const MAX_EVENTS: usize = 1_000_000;

// The event log's entries, `Event { at, thread, kind }`, and their kinds (`Wanted`,
// `Acquired`, `Released`, `DropRequested`, `Blocked`, `Unblocked`) are toy-python's, so that
// the lab can draw any GIL's log: see crates/toy-python/src/gil.rs for what each kind means.
pub use toy_python::{Event, EventKind};

/// A global interpreter lock that switches the way CPython's does (Python 3.2 and later).
///
/// One thread at a time holds it. A thread that wants it while another holds it waits on a
/// condition variable for at most one switch interval at a time; when a wait runs out and
/// the GIL has not changed hands meanwhile, the waiter asks the holder to drop it. The
/// holder sees the request at its next [`check`](Gil::check), drops the GIL and takes it
/// again (behind the waiter, with forced switching).
pub struct Gil {
    // Replace this placeholder with the GIL's state. One design, CPython's: under one Mutex,
    // whether the GIL is held, by whom (or who held it last), how many times it has changed
    // hands, how many threads wait, the switch interval, and the event log with the Instant
    // its times count from; beside the mutex, a Condvar that a release signals and another
    // that a change of holder signals; and as atomics, read without the mutex, the drop
    // request, the forced-switching setting and the count of drop requests.
    _todo: (),
}

impl Gil {
    /// A free GIL with this switch interval, forced switching on, an empty event log.
    pub fn new(switch_interval: Duration) -> Gil {
        todo!(
            "a free GIL: nobody holds it, no request, no switches yet; remember when it was \
             made, for the event times (book: switching.md#the-switch-interval)"
        )
    }

    /// How long a waiter waits before it asks the holder to drop the GIL.
    pub fn switch_interval(&self) -> Duration {
        todo!("the interval now set (book: switching.md#the-switch-interval)")
    }

    /// Changes the switch interval. It applies to the waits that begin afterwards; a wait
    /// already under way keeps its own. An interval of zero waits as short as it can.
    pub fn set_switch_interval(&self, interval: Duration) {
        todo!(
            "store it where take() reads it at the start of each wait \
             (book: switching.md#the-switch-interval)"
        )
    }

    /// Turns forced switching on or off (it is on in a new GIL).
    pub fn set_forced_switching(&self, on: bool) {
        todo!("a setting that drop_gil reads (book: switching.md#forced-switching)")
    }

    /// Whether a thread that drops the GIL on request waits until another has taken it.
    pub fn forced_switching(&self) -> bool {
        todo!("the setting (book: switching.md#forced-switching)")
    }

    /// Blocks until `me` holds the GIL (CPython's `take_gil`). `me` does not hold it.
    ///
    /// Logs `Wanted` first. While the GIL is held: wait on a condition variable for at most
    /// one switch interval; if that wait ran out and the GIL has not changed hands since it
    /// began, ask for a drop (as [`request_drop`](Gil::request_drop) does) and log
    /// `DropRequested`. Once the GIL is free: take it, clear the drop request (it was for
    /// the previous holder), count a switch if the previous holder was another thread, log
    /// `Acquired`.
    pub fn take(&self, me: ThreadId) {
        todo!(
            "a loop of timed waits while the GIL is held; after a wait that ran out, compare \
             the holder (or the number of switches) with what it was when that wait began \
             (book: switching.md#drop-requests)"
        )
    }

    /// `me` lets the GIL go (CPython's `drop_gil`): marks it free, wakes one waiter and logs
    /// `Released`.
    ///
    /// With forced switching on, if a drop was requested, it then waits until another
    /// thread has taken the GIL, so that the dropper, still running, cannot grab it straight
    /// back. It never waits when no thread is waiting for the GIL: nobody would ever take
    /// it.
    pub fn drop_gil(&self, me: ThreadId) {
        todo!(
            "release and signal the waiters' condition variable; then, if forced switching \
             and a request: wait on a second condition variable while the GIL has not changed \
             hands and someone still waits (book: switching.md#forced-switching)"
        )
    }

    /// Asks the holder to drop the GIL at its next `check`, as a waiter whose wait ran out
    /// does, and counts it in [`drop_requests`](Gil::drop_requests). Logs nothing (there is
    /// no waiting thread to name). Public so that tests can ask without waiting an interval.
    pub fn request_drop(&self) {
        todo!(
            "set the flag that check() reads, and count the request \
             (book: switching.md#drop-requests)"
        )
    }

    /// Whether a drop has been requested and not yet served by a thread taking the GIL.
    pub fn drop_requested(&self) -> bool {
        todo!("the flag that check() reads (book: switching.md#drop-requests)")
    }

    /// The eval breaker: `me` holds the GIL; if a drop is requested, drop the GIL and take
    /// it again (behind whoever waits). Called every few instructions, so when nothing is
    /// asked it must cost one atomic load: no lock, no system call.
    pub fn check(&self, me: ThreadId) {
        todo!(
            "one load of the request flag; only if it is set, drop_gil and take \
             (book: switching.md#drop-requests)"
        )
    }

    /// `me` is about to block (a sleep, a read) and gives the GIL up meanwhile, like
    /// CPython's `Py_BEGIN_ALLOW_THREADS`: release it and wake a waiter as `drop_gil` does,
    /// but never wait for a switch. Logs `Released`, then `Blocked`.
    pub fn blocking_begin(&self, me: ThreadId) {
        todo!(
            "the release half of drop_gil without the forced-switching wait \
             (book: switching.md#blocking-calls)"
        )
    }

    /// `me` is back from its blocking call and takes the GIL again, like
    /// `Py_END_ALLOW_THREADS`. Logs `Unblocked`, then goes on as `take` (`Wanted`, ...).
    pub fn blocking_end(&self, me: ThreadId) {
        todo!("log, then take (book: switching.md#blocking-calls)")
    }

    /// A copy of the event log, oldest first (at most [`MAX_EVENTS`] events). The times
    /// never go backwards along the log: take each under the lock that orders the events.
    pub fn events(&self) -> Vec<Event> {
        todo!(
            "copy the log; log each event under the same lock as the change it records \
             (book: switching.md#the-event-log)"
        )
    }

    /// Times the GIL was taken by another thread than the one that held it before (the very
    /// first `take` is no switch).
    pub fn switches(&self) -> u64 {
        todo!("count it in take (book: switching.md#the-switch-interval)")
    }

    /// Drop requests made so far: by waiters whose wait ran out, and by `request_drop()`.
    pub fn drop_requests(&self) -> u64 {
        todo!("count them where the request is made (book: switching.md#drop-requests)")
    }
}
