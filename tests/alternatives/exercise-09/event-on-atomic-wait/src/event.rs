// Alternative: an event built on atomic_wait directly, no mutex and no condition variable:
// one AtomicU32 holds the flag (bit 0) and the count of set() calls (the other bits), so a
// waiter sleeps on exactly the value it saw and any set() changes it; correct because wait
// checks and sleeps on that one word, which the futex compares atomically with the sleep.
//
// Exercise 09 · Monitor. Book: book/src/part-3/events-barriers-timers.md#an-event

use std::time::{Duration, Instant};

use crate::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use crate::sync::atomic_wait;

const SET: u32 = 1;
const ONE_SET: u32 = 2;

/// A flag that threads can wait for, like Python's `threading.Event`.
///
/// It starts cleared. [`set`](Event::set) sets it and wakes every waiting thread;
/// [`clear`](Event::clear) clears it; [`wait`](Event::wait) returns at once while it is
/// set, and otherwise blocks until a `set()` comes. A thread that was already waiting when
/// `set()` came is released even if `clear()` follows before it runs again. `Event` is
/// `Send` and `Sync`: share it with an `Arc`.
pub struct Event {
    // Bit 0: set. Bits 1..: how many times set() turned it on (wraps around).
    state: AtomicU32,
    // Threads inside wait() or wait_timeout(), counted after they read `state`.
    waiting: AtomicUsize,
}

impl Event {
    /// A cleared event.
    pub fn new() -> Self {
        Event {
            state: AtomicU32::new(0),
            waiting: AtomicUsize::new(0),
        }
    }

    /// Sets the flag and wakes every thread waiting for it. Setting a set event does
    /// nothing more.
    pub fn set(&self) {
        // Release: what the setter wrote before set() is visible to a waiter that sees it.
        let turned_on = self
            .state
            .fetch_update(Ordering::Release, Ordering::Relaxed, |state| {
                (state & SET == 0).then(|| state.wrapping_add(ONE_SET) | SET)
            })
            .is_ok();
        if turned_on {
            atomic_wait::wake_all(&self.state);
        }
    }

    /// Clears the flag: later calls of `wait` block until the next `set`.
    pub fn clear(&self) {
        // Relaxed: clearing publishes nothing.
        self.state.fetch_and(!SET, Ordering::Relaxed);
    }

    /// Whether the flag is set now.
    pub fn is_set(&self) -> bool {
        self.state.load(Ordering::Acquire) & SET != 0
    }

    /// Blocks until the flag is set; returns at once if it already is.
    pub fn wait(&self) {
        self.wait_until(None);
    }

    /// Like [`wait`](Event::wait), for at most `timeout`. Returns `true` if the event was
    /// set (before the call or while it waited), `false` if the time ran out first.
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        self.wait_until(Instant::now().checked_add(timeout))
    }

    /// How many threads are in [`wait`](Event::wait) or [`wait_timeout`](Event::wait_timeout)
    /// right now, blocked or about to block (a snapshot, as Python's `Barrier.n_waiting`: it
    /// may change as soon as it is read). A thread counts from the moment its wait has
    /// looked at the event until it returns; a `set()` after it counted releases it.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Acquire)
    }

    fn wait_until(&self, deadline: Option<Instant>) -> bool {
        // Acquire: pairs with set()'s Release.
        let start = self.state.load(Ordering::Acquire);
        if start & SET != 0 {
            return true;
        }
        // Counted only after `start` was read, Release: a thread that sees this count
        // (Acquire) and then sets the event sets it after that read, so it changes what
        // this thread compares with.
        self.waiting.fetch_add(1, Ordering::Release);
        let released = self.sleep_from(start, deadline);
        self.waiting.fetch_sub(1, Ordering::Relaxed);
        released
    }

    fn sleep_from(&self, start: u32, deadline: Option<Instant>) -> bool {
        let mut now = start;
        loop {
            // Set now, or set (and maybe cleared) since this wait began.
            if now & SET != 0 || now >> 1 != start >> 1 {
                return true;
            }
            match deadline {
                None => atomic_wait::wait(&self.state, now),
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return false;
                    }
                    atomic_wait::wait_timeout(&self.state, now, left);
                }
            }
            now = self.state.load(Ordering::Acquire);
        }
    }
}

impl Default for Event {
    fn default() -> Self {
        Event::new()
    }
}
