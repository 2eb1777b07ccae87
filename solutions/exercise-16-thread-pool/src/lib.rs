//! # Exercise 16 · Thread pool (reference solution)
//!
//! A pool of worker threads that runs submitted tasks and hands back futures, as Python's
//! `concurrent.futures.ThreadPoolExecutor`: one queue of work items under a `crate::sync`
//! mutex and condition variable, futures with a state, a condition variable and
//! done-callbacks, `map`, `as_completed`, and `shutdown(wait, cancel_futures)`.
//! Book: Part 5, "Thread pools and futures" (`book/src/part-5/thread-pools-and-futures.md`).

use sync_shim::std_sync as sync;

/// The future: its state, `result`, `cancel`, done-callbacks, and `as_completed`.
mod future;
/// The pool: its workers and queue, `submit`, `map`, `shutdown`.
mod pool;

pub use future::{AsCompleted, Future, FutureError, as_completed};
pub use pool::{Shutdown, ThreadPool};
