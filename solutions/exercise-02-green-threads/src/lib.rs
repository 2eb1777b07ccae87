//! # Exercise 02 · Green threads
//!
//! An M:1 scheduler: tasks (Rust futures) that take turns on one OS thread.
//! Reference solution. Book: Part 1, "Thread models" (`book/src/part-1/thread-models.md`).

use sync_shim::std_sync as sync;

/// The executor, `spawn`, `yield_now`, `sleep` and `spawn_blocking`.
mod executor;
/// Join handles and the error of a task that panicked.
mod join;
/// The hand-off between wakers on any thread and the executor: ready tasks, and the wait.
mod ready_queue;
/// The timer queue: the wakers of sleeping tasks, earliest deadline first.
mod timers;
/// The waker of a task (provided).
mod waker;

pub use executor::{Executor, sleep, spawn, spawn_blocking, yield_now};
pub use join::{JoinError, JoinHandle};
pub use ready_queue::{ReadyQueue, TaskId};
pub use timers::Timers;
