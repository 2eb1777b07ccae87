// The timer queue: the wakers of sleeping tasks, earliest deadline first.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::task::Waker;
use std::time::Instant;

/// The wakers of sleeping tasks, each with its deadline. Timers with the same deadline fire
/// in the order they were added.
#[derive(Default)]
pub struct Timers {
    // A min-heap on (deadline, added): `Reverse` turns std's max-heap around.
    heap: BinaryHeap<Reverse<Timer>>,
    added: u64,
}

struct Timer {
    deadline: Instant,
    // Breaks ties between equal deadlines: the timer added first fires first.
    added: u64,
    waker: Waker,
}

impl Timer {
    fn key(&self) -> (Instant, u64) {
        (self.deadline, self.added)
    }
}

impl Ord for Timer {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

impl PartialOrd for Timer {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Timer {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Timer {}

impl Timers {
    /// No timers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a timer that will hand back `waker` once `deadline` has passed.
    pub fn add(&mut self, deadline: Instant, waker: Waker) {
        let added = self.added;
        self.added += 1;
        self.heap.push(Reverse(Timer {
            deadline,
            added,
            waker,
        }));
    }

    /// The earliest deadline of all timers, if there are any.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.heap.peek().map(|Reverse(timer)| timer.deadline)
    }

    /// Removes the earliest timer whose deadline is `now` or earlier, and returns its waker.
    pub fn pop_due(&mut self, now: Instant) -> Option<Waker> {
        if self.next_deadline()? > now {
            return None;
        }
        self.heap.pop().map(|Reverse(timer)| timer.waker)
    }
}
