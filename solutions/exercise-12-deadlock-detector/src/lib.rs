//! # Exercise 12 · Deadlock detector (reference solution)
//!
//! Locks that watch themselves: a [`Detector`] keeps the lock-order graph of the locks it
//! made and reports an order inversion the first time it is seen, even in a run that did not
//! hang; and a `lock()` that would wait for ever in a ring of threads returns
//! `Err(Deadlock)` instead. Book: Part 4, "Detecting deadlock"
//! (`book/src/part-4/detecting-deadlock.md`).

use sync_shim::std_sync as sync;

/// The detector, its mutex and the guard.
mod detector;
/// What the detector reports: inversions and deadlocks (provided).
mod report;

pub use detector::{Detector, Mutex, MutexGuard};
pub use report::{Deadlock, Edge, Inversion, Waiting};
