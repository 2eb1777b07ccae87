// Exercise 02 · Green threads, part 2: the timer queue. Book: book/src/part-1/thread-models.md
//
// A sleeping task is not in the ready queue: it is here, as the waker to call once its
// deadline has passed. The executor asks for the earliest deadline to know how long it may
// wait when nothing is ready, and takes out the due timers each time round its loop
// (book: thread-models.md#sleeping-without-spinning).
//
// Useful: std::collections::BinaryHeap (a max-heap: std::cmp::Reverse makes it a min-heap)
// or a Vec kept sorted; std::task::Waker; std::time::Instant.

use std::task::Waker;
use std::time::Instant;

/// The wakers of sleeping tasks, each with its deadline. Timers with the same deadline fire
/// in the order they were added.
#[derive(Default)]
pub struct Timers {
    // Your fields: the timers, ordered by deadline, and whatever breaks ties between equal
    // deadlines in the order the timers were added.
}

impl Timers {
    /// No timers.
    pub fn new() -> Self {
        todo!("no timers yet (book: part-1/thread-models.md#sleeping-without-spinning)")
    }

    /// Adds a timer that hands back `waker` once `deadline` has passed.
    pub fn add(&mut self, deadline: Instant, waker: Waker) {
        todo!(
            "keep it in deadline order; equal deadlines in the order added (book: part-1/thread-models.md#sleeping-without-spinning)"
        )
    }

    /// The earliest deadline of all timers, or `None` when there are none.
    pub fn next_deadline(&self) -> Option<Instant> {
        todo!(
            "the deadline the executor may wait until (book: part-1/thread-models.md#sleeping-without-spinning)"
        )
    }

    /// Removes the earliest timer whose deadline is `now` or earlier and returns its waker;
    /// `None` when no timer is due. Call it until it returns `None` to take every due timer,
    /// earliest first.
    pub fn pop_due(&mut self, now: Instant) -> Option<Waker> {
        todo!(
            "only a timer whose deadline <= now (book: part-1/thread-models.md#sleeping-without-spinning)"
        )
    }
}
