//! # Exercise 04 · Spin lock
//!
//! Build a lock that waits by spinning, and a guard that unlocks it when dropped.
//! Read first: Part 2, "Spin locks" (`book/src/part-2/spin-locks.md`).
//!
//! Your code goes in `src/spin_lock.rs`. Check it with `cargo test -p exercise-04`: the
//! suite runs it on real threads (`tests/threads.rs`) and under the loom model checker
//! (`tests/under_loom.rs`), which tries every interleaving of two threads. Stuck? `cargo run -- hint 04`.

// Reach every atomic, cell and spin hint through `crate::sync`, never `std::sync` directly:
// the loom tests compile your module again with `crate::sync` bound to loom.
#[allow(unused_imports)] // until your code uses it
use sync_shim::std_sync as sync;

/// A lock that busy-waits, and the guard that unlocks it when dropped.
#[allow(unused_variables, dead_code)] // for the stubs: delete this line when you are done
mod spin_lock;

pub use spin_lock::{SpinGuard, SpinLock};
