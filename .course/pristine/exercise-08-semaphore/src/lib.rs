//! # Exercise 08 · Semaphore
//!
//! Build a counting semaphore whose waiters sleep instead of spinning, and a bounded
//! semaphore for which releasing more permits than it started with is an error.
//! Read first: Part 3, "Mutexes and semaphores" (`book/src/part-3/mutexes-and-semaphores.md`),
//! after "Blocking instead of spinning" (`book/src/part-3/blocking.md`).
//!
//! Your code goes in `src/semaphore.rs`. Check it with `cargo test -p exercise-08`: the
//! suite runs it on real threads (`tests/threads.rs`) and under the loom model checker
//! (`tests/under_loom.rs`), which tries every interleaving of its threads, and finds a
//! sleeper that nobody wakes. Stuck? `cargo run -- hint 08`.

// Reach every atomic and the wait/wake primitive through `crate::sync`, never `std::sync`
// directly: the loom tests compile your module again with `crate::sync` bound to loom.
#[allow(unused_imports)] // until your code uses it
use sync_shim::std_sync as sync;

/// A counting semaphore and a bounded one, whose waiters sleep instead of spinning.
#[allow(unused_variables, dead_code)] // for the stubs: delete this line when you are done
mod semaphore;

pub use semaphore::{BoundedSemaphore, OverRelease, Semaphore};
