//! Exercise 04 · Spin lock: the reference solution.
//!
//! Book: Part 2, "Spin locks" (`book/src/part-2/spin-locks.md`).

// Every atomic and cell comes from here: std in real runs, loom in `tests/under_loom.rs`.
use sync_shim::std_sync as sync;

/// A lock that busy-waits, and the guard that unlocks it when dropped.
mod spin_lock;

pub use spin_lock::{SpinGuard, SpinLock};
