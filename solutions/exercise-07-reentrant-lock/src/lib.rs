//! Exercise 07 · Reentrant lock: the reference solution.
//!
//! Book: Part 3, "Reentrant locks" (`book/src/part-3/reentrant-locks.md`).

// Every atomic, cell and wait comes from here: std in real runs, loom in `tests/under_loom.rs`.
use sync_shim::std_sync as sync;

/// Python's `RLock` (acquire and release, with errors), and a value behind it with guards.
mod reentrant_lock;

pub use reentrant_lock::{LockError, RLock, ReentrantGuard, ReentrantLock};
