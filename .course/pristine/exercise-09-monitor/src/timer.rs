// Exercise 09 · Monitor. Book: book/src/part-3/events-barriers-timers.md#a-cancellable-timer
//
// Part 4 of 4. Fill in each `todo!()`. The timer's thread and `cancel` race for one
// decision: does the function run? Make it once, under the mutex, and let the loser see it
// (book: events-barriers-timers.md#cancel-races-the-timer).
//     use super::condvar::Condvar;
//     use super::mutex::Mutex;
//     use crate::sync::Arc;
//     use crate::sync::thread::{self, JoinHandle};
// (`crate::sync::thread`, not `std::thread`: the loom tests run your timer's thread as a
// model thread.)

use std::time::Duration;

/// A function that runs on its own thread after a delay, unless cancelled first, like
/// Python's `threading.Timer`.
///
/// `Timer` is `Send` and `Sync`. Dropping it without [`join`](Timer::join) leaves the timer
/// running: the function still runs after the delay unless it was cancelled.
pub struct Timer {
    // Replace this placeholder: what the timer's thread and `cancel` share, and the thread.
    _todo: (),
}

impl Timer {
    /// Starts a thread that waits `delay` and then calls `function`, unless
    /// [`cancel`](Timer::cancel) comes first. The function never runs before `delay` has
    /// passed. A delay too long for the clock waits until cancelled.
    pub fn start<F>(delay: Duration, function: F) -> Timer
    where
        F: FnOnce() + Send + 'static,
    {
        todo!(
            "the thread waits, with a time limit, while nobody cancelled; then it decides \
             under the mutex (book: events-barriers-timers.md#a-cancellable-timer)"
        )
    }

    /// Stops the timer if its function has not started yet. Returns `true` if the function
    /// will never run (this call, or an earlier one, came in time), `false` if it came too
    /// late: the function has already started (it may still be running: `cancel` does not
    /// wait for it). Never blocks for longer than it takes to lock the timer's state.
    pub fn cancel(&self) -> bool {
        todo!(
            "and the timer's thread, asleep for the delay: who tells it? \
             (book: events-barriers-timers.md#cancel-races-the-timer)"
        )
    }

    /// Waits for the timer's thread to end: after the function returned, or at once after a
    /// cancel that came in time. Returns `true` if the function ran.
    ///
    /// # Panics
    ///
    /// If the function panicked, `join` panics with the same payload.
    pub fn join(self) -> bool {
        todo!(
            "std::panic::resume_unwind passes a panic on (book: events-barriers-timers.md#a-cancellable-timer)"
        )
    }
}
