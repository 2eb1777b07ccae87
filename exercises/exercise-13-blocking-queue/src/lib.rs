//! # Exercise 13 · Blocking queue
//!
//! Build a bounded first-in first-out queue that threads share, as Python's `queue.Queue`:
//! `put` waits while it is full, `get` waits while it is empty, both also with a timeout or
//! not at all; `task_done` and `join` let a producer wait until every item has been
//! processed; `close` (Python's `shutdown`) wakes every thread that waits on the queue.
//! Read first: Part 5, "Thread-safe queues" (`book/src/part-5/thread-safe-queues.md`).
//!
//! Your code goes in `src/queue.rs`, on `crate::sync::Mutex` and `crate::sync::Condvar`.
//! Check it with `cargo test -p exercise-13`: the suite runs it on real threads
//! (`tests/threads.rs`) and under the loom model checker (`tests/under_loom.rs`), which
//! finds a waiter that nobody wakes as a deadlock and makes waits return early on purpose,
//! so that an `if` where a `while` belongs fails every time. Test names start with their
//! part (`basic_`, `blocking_`, `timeout_`, `tasks_`, `close_`), so
//! `cargo test -p exercise-13 blocking_` runs one part. Stuck? `cargo run -- hint 13`.
//! Then measure it against crossbeam's bounded channel:
//! `cargo run --release -p exercise-13 --example bench`.

// Reach the mutex, the condition variables and threads through `crate::sync`, never
// `std::sync` directly: the loom tests compile your module again with `crate::sync` bound
// to loom.
#[allow(unused_imports)] // until your code uses it
use sync_shim::std_sync as sync;

/// The queue, its errors, and the state under its mutex.
#[allow(unused_variables, dead_code)] // for the stubs: delete this line when you are done
mod queue;

pub use queue::{BlockingQueue, GetError, PutError, TooManyTaskDone};
