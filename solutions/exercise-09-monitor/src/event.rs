// Exercise 09 · Monitor. Book: book/src/part-3/events-barriers-timers.md#an-event
//
// An event as Python's `threading.Event`: a flag under the provided mutex, and a condition
// variable (yours) that `set` notifies.

use std::time::Duration;

use super::condvar::Condvar;
use super::mutex::Mutex;

struct Flag {
    set: bool,
    // How many times `set` turned the flag on: a waiter that sees it change was set free,
    // even if `clear` came before it got the mutex back. Wraps around.
    sets: u32,
    // Threads inside wait() or wait_timeout().
    waiting: usize,
}

/// A flag that threads can wait for, like Python's `threading.Event`.
///
/// It starts cleared. [`set`](Event::set) sets it and wakes every waiting thread;
/// [`clear`](Event::clear) clears it; [`wait`](Event::wait) returns at once while it is
/// set, and otherwise blocks until a `set()` comes. A thread that was already waiting when
/// `set()` came is released even if `clear()` follows before it runs again. `Event` is
/// `Send` and `Sync`: share it with an `Arc`.
pub struct Event {
    flag: Mutex<Flag>,
    changed: Condvar,
}

impl Event {
    /// A cleared event.
    pub fn new() -> Self {
        Event {
            flag: Mutex::new(Flag {
                set: false,
                sets: 0,
                waiting: 0,
            }),
            changed: Condvar::new(),
        }
    }

    /// Sets the flag and wakes every thread waiting for it. Setting a set event does
    /// nothing more.
    pub fn set(&self) {
        let mut flag = self.flag.lock();
        if !flag.set {
            flag.set = true;
            flag.sets = flag.sets.wrapping_add(1);
            drop(flag);
            self.changed.notify_all();
        }
    }

    /// Clears the flag: later calls of `wait` block until the next `set`.
    pub fn clear(&self) {
        self.flag.lock().set = false;
    }

    /// Whether the flag is set now.
    pub fn is_set(&self) -> bool {
        self.flag.lock().set
    }

    /// Blocks until the flag is set; returns at once if it already is.
    pub fn wait(&self) {
        let mut flag = self.flag.lock();
        let start = flag.sets;
        flag.waiting += 1;
        let mut flag = self
            .changed
            .wait_while(flag, |flag| !flag.set && flag.sets == start);
        flag.waiting -= 1;
    }

    /// Like [`wait`](Event::wait), for at most `timeout`. Returns `true` if the event was
    /// set (before the call or while it waited), `false` if the time ran out first.
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        let mut flag = self.flag.lock();
        let start = flag.sets;
        flag.waiting += 1;
        let (mut flag, _) = self
            .changed
            .wait_timeout_while(flag, timeout, |flag| !flag.set && flag.sets == start);
        flag.waiting -= 1;
        flag.set || flag.sets != start
    }

    /// How many threads are in [`wait`](Event::wait) or [`wait_timeout`](Event::wait_timeout)
    /// right now, blocked or about to block (a snapshot, as Python's `Barrier.n_waiting`: it
    /// may change as soon as it is read). A thread counts from the moment its wait has
    /// looked at the event until it returns; a `set()` after it counted releases it.
    pub fn waiting(&self) -> usize {
        self.flag.lock().waiting
    }
}

impl Default for Event {
    fn default() -> Self {
        Event::new()
    }
}
