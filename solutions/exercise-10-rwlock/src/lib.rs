//! Exercise 10 · Readers-writer lock: the reference solution.
//!
//! Book: Part 3, "Readers-writer locks" (`book/src/part-3/rwlocks.md`).

// Every atomic, cell and wait comes from here: std in real runs, loom in `tests/under_loom.rs`.
use sync_shim::std_sync as sync;

/// A lock that lets many readers in together, or one writer alone, and makes a waiting
/// writer's turn come before new readers.
mod rwlock;

pub use rwlock::{MAX_READERS, ReadGuard, RwLock, WriteGuard};
