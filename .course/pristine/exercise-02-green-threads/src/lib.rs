//! # Exercise 02 · Green threads
//!
//! Build an M:1 scheduler: tasks (Rust futures, `async` blocks and `async fn`s) that take
//! turns on the one OS thread that runs your executor, switching only at their `.await`
//! points. Then see what M:1 costs: a task that calls a blocking function stalls every other
//! task, and `spawn_blocking` hands such work to a thread of its own.
//! Read first: Part 1, "Thread models" (`book/src/part-1/thread-models.md`), and its
//! section "Exercise 02", which walks through the pieces below.
//!
//! Your code goes in four files, in this order:
//! 1. `src/ready_queue.rs`: the tasks that are ready to run, first woken first; the one piece
//!    other threads touch (a waker may be called from anywhere), so it is also model-checked
//!    under loom;
//! 2. `src/timers.rs`: the timer queue that `sleep` registers with;
//! 3. `src/join.rs`: join handles, where a task's result waits for whoever awaits it;
//! 4. `src/executor.rs`: the executor and its run loop, `spawn`, `yield_now`, `sleep`,
//!    `spawn_blocking`.
//!
//! `src/waker.rs` is provided: the `Waker` of a task, which calls your `ReadyQueue::wake`.
//!
//! Check it with `cargo test -p exercise-02`: the suite runs the executor on real threads
//! (`tests/threads.rs`) and the ready queue under the loom model checker
//! (`tests/under_loom.rs`). Test names start with their part (`ready_queue`, `timers`, `run`,
//! `join`, `panic`, `wake`, `sleep`, `blocking`), so `cargo test -p exercise-02 ready_queue`
//! runs one part. Stuck? `cargo run -- hint 02`.

// Reach every mutex, condition variable, Arc and thread function through `crate::sync`,
// never `std::sync` directly: the loom tests compile `ready_queue.rs` again with
// `crate::sync` bound to loom.
#[allow(unused_imports)] // until your code uses it
use sync_shim::std_sync as sync;

/// The executor, `spawn`, `yield_now`, `sleep` and `spawn_blocking`.
#[allow(unused_variables, dead_code)] // for the stubs: delete this line when you are done
mod executor;
/// Join handles and the error of a task that panicked.
#[allow(unused_variables, dead_code)] // for the stubs: delete this line when you are done
mod join;
/// The hand-off between wakers on any thread and the executor: ready tasks, and the wait.
#[allow(unused_variables, dead_code)] // for the stubs: delete this line when you are done
mod ready_queue;
/// The timer queue: the wakers of sleeping tasks, earliest deadline first.
#[allow(unused_variables, dead_code)] // for the stubs: delete this line when you are done
mod timers;
/// The waker of a task (provided).
#[allow(dead_code)] // until your executor uses it
mod waker;

pub use executor::{Executor, sleep, spawn, spawn_blocking, yield_now};
pub use join::{JoinError, JoinHandle};
pub use ready_queue::{ReadyQueue, TaskId};
pub use timers::Timers;
