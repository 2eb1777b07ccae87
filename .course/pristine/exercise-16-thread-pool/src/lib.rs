//! # Exercise 16 · Thread pool
//!
//! Build a pool of worker threads that runs the tasks you submit and hands back futures, as
//! Python's `concurrent.futures.ThreadPoolExecutor`: `submit` returns a `Future` whose
//! `result` waits for the value (with a timeout), `done`, `cancel` (only before the task
//! starts), done-callbacks; `map` collects results in the order of the inputs and
//! `as_completed` yields futures as they end; `shutdown(wait, cancel_futures)` stops the
//! pool. A task that panics ends its own future with an error; the worker and the other
//! tasks carry on. Read first: Part 5, "Thread pools and futures"
//! (`book/src/part-5/thread-pools-and-futures.md`).
//!
//! Your code goes in `src/future.rs` (the future) and `src/pool.rs` (the pool), on
//! `crate::sync::Mutex`, `crate::sync::Condvar`, `crate::sync::Arc` and
//! `crate::sync::thread`. Check it with `cargo test -p exercise-16`: the suite runs it on
//! real threads (`tests/threads.rs`) and under the loom model checker
//! (`tests/under_loom.rs`), which finds a waiter that nobody wakes as a deadlock, a task
//! both cancelled and run, or a callback run twice or never. Test names start with their
//! part (`basic_`, `cancel_`, `callback_`, `map_`, `as_completed_`, `shutdown_`), so
//! `cargo test -p exercise-16 cancel_` runs one part. Stuck? `cargo run -- hint 16`.
//! Then measure the cost of a task: `cargo run --release -p exercise-16 --example bench`.

// Reach the mutex, the condition variables and threads through `crate::sync`, never
// `std::sync` directly: the loom tests compile your modules again with `crate::sync` bound
// to loom.
#[allow(unused_imports)] // until your code uses it
use sync_shim::std_sync as sync;

/// The future: its state, `result`, `cancel`, done-callbacks, and `as_completed`.
#[allow(unused_variables, dead_code)] // for the stubs: delete this line when you are done
mod future;
/// The pool: its workers and queue, `submit`, `map`, `shutdown`.
#[allow(unused_variables, dead_code)] // for the stubs: delete this line when you are done
mod pool;

pub use future::{AsCompleted, Future, FutureError, as_completed};
pub use pool::{Shutdown, ThreadPool};
