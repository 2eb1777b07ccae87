//! # Exercise 13 · Blocking queue (reference solution)
//!
//! A bounded first-in first-out queue shared by threads, as Python's `queue.Queue`: one
//! mutex and three condition variables from `crate::sync` (not empty, not full, all tasks
//! done), blocking and timed puts and gets, `task_done`/`join`, and `close`.
//! Book: Part 5, "Thread-safe queues" (`book/src/part-5/thread-safe-queues.md`).

use sync_shim::std_sync as sync;

/// The queue, its errors, and the state under its mutex.
mod queue;

pub use queue::{BlockingQueue, GetError, PutError, TooManyTaskDone};
