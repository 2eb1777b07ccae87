//! Exercise 08 · Semaphore: the reference solution.
//!
//! Book: Part 3, "Mutexes and semaphores" (`book/src/part-3/mutexes-and-semaphores.md`).

// Every atomic and the wait/wake primitive come from here: std in real runs, loom in
// `tests/under_loom.rs`.
use sync_shim::std_sync as sync;

/// A counting semaphore and a bounded one, whose waiters sleep instead of spinning.
mod semaphore;

pub use semaphore::{BoundedSemaphore, OverRelease, Semaphore};
