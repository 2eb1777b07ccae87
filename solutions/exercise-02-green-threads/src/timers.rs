// The timer queue: the wakers of sleeping tasks, earliest deadline first.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::task::Waker;
use std::time::Instant;

/// The wakers of sleeping tasks, each with its deadline. Timers with the same deadline fire
/// in the order they were added.
#[derive(Default)]
pub struct Timers {
    // A min-heap (`Reverse` turns std's max-heap around) of (deadline, number): the number,
    // counted up as timers are added, puts equal deadlines in the order they were added.
    order: BinaryHeap<Reverse<(Instant, u64)>>,
    // The waker of each timer, by its number (a Waker has no order of its own).
    wakers: HashMap<u64, Waker>,
    added: u64,
}

impl Timers {
    /// No timers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a timer that will hand back `waker` once `deadline` has passed.
    pub fn add(&mut self, deadline: Instant, waker: Waker) {
        let number = self.added;
        self.added += 1;
        self.order.push(Reverse((deadline, number)));
        self.wakers.insert(number, waker);
    }

    /// The earliest deadline of all timers, if there are any.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.order.peek().map(|Reverse((deadline, _))| *deadline)
    }

    /// Removes the earliest timer whose deadline is `now` or earlier, and returns its waker.
    pub fn pop_due(&mut self, now: Instant) -> Option<Waker> {
        let Reverse((deadline, number)) = *self.order.peek()?;
        if deadline > now {
            return None;
        }
        self.order.pop();
        self.wakers.remove(&number)
    }
}
