// Exercise 09 · Monitor. Book: book/src/part-3/events-barriers-timers.md#an-event
//
// Part 2 of 4. Fill in each `todo!()`. An event is a monitor: a state under the provided
// `Mutex`, your `Condvar` beside it, and a predicate to wait on:
//     use super::condvar::Condvar;
//     use super::mutex::Mutex;

use std::time::Duration;

/// A flag that threads can wait for, like Python's `threading.Event`.
///
/// It starts cleared. [`set`](Event::set) sets it and wakes every waiting thread;
/// [`clear`](Event::clear) clears it; [`wait`](Event::wait) returns at once while it is
/// set, and otherwise blocks (sleeping) until a `set()` comes. A thread that was already
/// waiting when `set()` came is released even if `clear()` follows before it runs again.
/// `Event` is `Send` and `Sync`: share it with an `Arc`.
pub struct Event {
    // Replace this placeholder: the state under a mutex, and a condition variable.
    _todo: (),
}

impl Event {
    /// A cleared event.
    pub fn new() -> Self {
        todo!("a cleared flag (book: events-barriers-timers.md#an-event)")
    }

    /// Sets the flag and wakes every thread waiting for it. Setting a set event does
    /// nothing more.
    pub fn set(&self) {
        todo!(
            "change the state under the mutex, then wake the waiters (book: events-barriers-timers.md#an-event)"
        )
    }

    /// Clears the flag: later calls of `wait` block until the next `set`.
    pub fn clear(&self) {
        todo!("(book: events-barriers-timers.md#an-event)")
    }

    /// Whether the flag is set now.
    pub fn is_set(&self) -> bool {
        todo!("(book: events-barriers-timers.md#an-event)")
    }

    /// Blocks until the flag is set; returns at once if it already is.
    pub fn wait(&self) {
        todo!(
            "what must a waiter that woke see, to know a set() came, even if clear() came \
             too? (book: events-barriers-timers.md#an-event)"
        )
    }

    /// Like [`wait`](Event::wait), for at most `timeout`. Returns `true` if the event was
    /// set (before the call or while it waited), `false` if the time ran out first.
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        todo!("as wait, with a time limit (book: events-barriers-timers.md#an-event)")
    }

    /// How many threads are in [`wait`](Event::wait) or [`wait_timeout`](Event::wait_timeout)
    /// right now, blocked or about to block (a snapshot, as Python's `Barrier.n_waiting`: it
    /// may change as soon as it is read). A thread counts from the moment its wait has
    /// looked at the event until it returns; a `set()` after it counted releases it.
    pub fn waiting(&self) -> usize {
        todo!("a count kept with the flag (book: events-barriers-timers.md#an-event)")
    }
}

impl Default for Event {
    fn default() -> Self {
        Event::new()
    }
}
