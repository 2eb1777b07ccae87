// Exercise 09 · Monitor. Book: book/src/part-3/events-barriers-timers.md#a-cancellable-timer
//
// A cancellable timer as Python's `threading.Timer`: a thread that waits on a condition
// variable (yours) for the delay, unless `cancel` changes the state and notifies it first.

use std::time::Duration;

use super::condvar::Condvar;
use super::mutex::Mutex;
use crate::sync::Arc;
use crate::sync::thread::{self, JoinHandle};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Waiting,
    Cancelled,
    Fired,
}

struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

/// A function that runs on its own thread after a delay, unless cancelled first, like
/// Python's `threading.Timer`.
///
/// `Timer` is `Send` and `Sync`. Dropping it without [`join`](Timer::join) leaves the timer
/// running: the function still runs after the delay unless it was cancelled.
pub struct Timer {
    shared: Arc<Shared>,
    thread: JoinHandle<bool>,
}

impl Timer {
    /// Starts a thread that waits `delay` and then calls `function`, unless
    /// [`cancel`](Timer::cancel) comes first. The function never runs before `delay` has
    /// passed. A delay too long for the clock waits until cancelled.
    pub fn start<F>(delay: Duration, function: F) -> Timer
    where
        F: FnOnce() + Send + 'static,
    {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::Waiting),
            changed: Condvar::new(),
        });
        let mine = Arc::clone(&shared);
        let thread = thread::spawn(move || {
            let state = mine.state.lock();
            let (mut state, _) = mine
                .changed
                .wait_timeout_while(state, delay, |state| *state == State::Waiting);
            if *state != State::Waiting {
                return false;
            }
            // Decided under the mutex: from here on, cancel() answers `false`.
            *state = State::Fired;
            drop(state);
            function();
            true
        });
        Timer { shared, thread }
    }

    /// Stops the timer if its function has not started yet. Returns `true` if the function
    /// will never run (this call, or an earlier one, came in time), `false` if it came too
    /// late: the function has already started (it may still be running: `cancel` does not
    /// wait for it). Never blocks for longer than it takes to lock the timer's state.
    pub fn cancel(&self) -> bool {
        let mut state = self.shared.state.lock();
        match *state {
            State::Waiting => {
                *state = State::Cancelled;
                drop(state);
                // Wake the timer's thread, so it sees the cancel now and ends, instead of
                // sleeping out the whole delay.
                self.shared.changed.notify_one();
                true
            }
            State::Cancelled => true,
            State::Fired => false,
        }
    }

    /// Waits for the timer's thread to end: after the function returned, or at once after a
    /// cancel that came in time. Returns `true` if the function ran.
    ///
    /// # Panics
    ///
    /// If the function panicked, `join` panics with the same payload.
    pub fn join(self) -> bool {
        match self.thread.join() {
            Ok(ran) => ran,
            Err(payload) => std::panic::resume_unwind(payload),
        }
    }
}
