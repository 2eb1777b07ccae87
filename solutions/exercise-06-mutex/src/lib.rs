//! Exercise 06 · Blocking mutex: the reference solution.
//!
//! Book: Part 3, "Blocking instead of spinning" (`book/src/part-3/blocking.md`).

// Every atomic, cell and wait comes from here: std in real runs, loom in `tests/under_loom.rs`.
use sync_shim::std_sync as sync;

/// A mutex whose waiters sleep through `crate::sync::atomic_wait`, and its guard.
mod mutex;

pub use mutex::{Mutex, MutexGuard};
