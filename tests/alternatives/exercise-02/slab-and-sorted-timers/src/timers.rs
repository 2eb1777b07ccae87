// Style: a VecDeque kept sorted by deadline, each new timer inserted after every timer with a deadline at or before its own (partition_point), instead of a binary heap with a sequence number. Correct because the deque is always sorted, equal deadlines keep their insertion order (the new one goes after them), and the due timers are a prefix, taken from the front.

use std::collections::VecDeque;
use std::task::Waker;
use std::time::Instant;

/// The wakers of sleeping tasks, each with its deadline. Timers with the same deadline fire
/// in the order they were added.
#[derive(Default)]
pub struct Timers {
    // Sorted by deadline; equal deadlines in the order added.
    sorted: VecDeque<(Instant, Waker)>,
}

impl Timers {
    /// No timers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a timer that will hand back `waker` once `deadline` has passed.
    pub fn add(&mut self, deadline: Instant, waker: Waker) {
        let at = self.sorted.partition_point(|(other, _)| *other <= deadline);
        self.sorted.insert(at, (deadline, waker));
    }

    /// The earliest deadline of all timers, if there are any.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.sorted.front().map(|(deadline, _)| *deadline)
    }

    /// Removes the earliest timer whose deadline is `now` or earlier, and returns its waker.
    pub fn pop_due(&mut self, now: Instant) -> Option<Waker> {
        if self.next_deadline()? > now {
            return None;
        }
        self.sorted.pop_front().map(|(_, waker)| waker)
    }
}
