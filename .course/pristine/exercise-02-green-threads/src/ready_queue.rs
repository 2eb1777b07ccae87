// Exercise 02 · Green threads, part 1: the ready queue. Book: book/src/part-1/thread-models.md
//
// The executor runs on one thread, but a task's waker may be called from any thread (a
// thread that finished some blocking work, a timer, another task). This queue is where the
// two meet: `wake(id)` from anywhere puts a task in line, the executor takes tasks out with
// `pop()`, and when there are none it waits in `wait_until` until a `wake` or a deadline.
//
// The one thing that must never happen: the executor sees an empty queue, a waker queues a
// task, and only then does the executor start waiting, with nobody left to wake it. That is
// a lost wake-up, and the loom model in tests/under_loom.rs looks for exactly that
// interleaving (book: thread-models.md#the-ready-queue).
//
// Useful imports, all through the std/loom switch:
//     use crate::sync::{Condvar, Mutex};
//     use std::collections::{HashSet, VecDeque};   // plain data, fine to take from std
//     use std::time::Instant;
//
// Under loom a timed wait never times out; the models only call `wait_until(None)`.

use std::time::Instant;

/// Names a task. The executor never reuses one, so a late wake-up of a finished task cannot
/// reach another task.
pub type TaskId = u64;

/// The tasks that are ready to run, first woken first; shared by the executor and every
/// waker, on any thread (so it must be `Send` and `Sync`).
#[derive(Debug, Default)]
pub struct ReadyQueue {
    // Your fields: the ids in the order they were woken, which ids are in there already,
    // behind a lock; and something the executor can wait on until a `wake` comes.
}

impl ReadyQueue {
    /// An empty queue.
    pub fn new() -> Self {
        todo!("an empty queue (book: part-1/thread-models.md#the-ready-queue)")
    }

    /// Marks task `id` ready to run, from any thread, and wakes the executor if it is
    /// waiting in [`ReadyQueue::wait_until`].
    ///
    /// A task that is in the queue already keeps its one place: woken twice before it runs,
    /// it is polled once. Once `pop` has taken it, the next `wake` queues it again.
    pub fn wake(&self, id: TaskId) {
        todo!(
            "queue `id` at the back unless it is queued already, then notify the executor; \
             which comes first, the queueing or the notifying? \
             (book: part-1/thread-models.md#the-ready-queue)"
        )
    }

    /// Takes the task that was woken earliest and is still in the queue (first in, first
    /// out), or `None` if the queue is empty. Called by the executor's thread.
    pub fn pop(&self) -> Option<TaskId> {
        todo!(
            "take from the front, and forget that the id was queued (book: part-1/thread-models.md#the-ready-queue)"
        )
    }

    /// Blocks the calling thread (the executor's) until a task is in the queue, or until
    /// `deadline` has passed if there is one; returns at once if either is true already.
    ///
    /// It never busy-waits: while it waits, the thread sleeps in the OS. No `wake` may be
    /// lost, however it interleaves with this call: if a task is queued after the queue was
    /// found empty, the wait still ends.
    pub fn wait_until(&self, deadline: Option<Instant>) {
        todo!(
            "check the queue and start waiting as one step, under the lock that wake() queues \
             under, and check again after every wake-up: a loop, not an `if` \
             (book: part-1/thread-models.md#the-ready-queue)"
        )
    }
}
