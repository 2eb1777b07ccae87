//! # Exercise 07 · Reentrant lock
//!
//! Build Python's `threading.RLock`: a lock that the thread holding it may acquire again,
//! that counts how many times it is held, and that only its owner may release. Then put a
//! value behind it, reached through guards.
//! Read first: Part 3, "Reentrant locks" (`book/src/part-3/reentrant-locks.md`).
//!
//! Your code goes in `src/reentrant_lock.rs`. Check it with `cargo test -p exercise-07`: the
//! suite runs it on real threads (`tests/threads.rs`) and under the loom model checker
//! (`tests/under_loom.rs`), which tries every interleaving of its threads. Stuck? `cargo run -- hint 07`.

// Reach every atomic, cell, thread number and wait through `crate::sync`, never `std::sync`
// directly: the loom tests compile your module again with `crate::sync` bound to loom.
#[allow(unused_imports)] // until your code uses it
use sync_shim::std_sync as sync;

/// Python's `RLock` (acquire and release, with errors), and a value behind it with guards.
#[allow(unused_variables, dead_code)] // for the stubs: delete this line when you are done
mod reentrant_lock;

pub use reentrant_lock::{LockError, RLock, ReentrantGuard, ReentrantLock};
