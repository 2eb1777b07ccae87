//! # Exercise 06 · Blocking mutex
//!
//! Build a mutex whose waiters sleep instead of spinning, in one atomic with three states
//! (free, held, held with waiters), and a guard that unlocks it when dropped.
//! Read first: Part 3, "Blocking instead of spinning" (`book/src/part-3/blocking.md`).
//!
//! Your code goes in `src/mutex.rs`. Check it with `cargo test -p exercise-06`: the suite
//! runs it on real threads (`tests/threads.rs`) and under the loom model checker
//! (`tests/under_loom.rs`), which tries the interleavings of up to three threads. Stuck?
//! `cargo run -- hint 06`. Then measure it against std's mutex and your spin locks:
//! `cargo run --release -p exercise-06 --example bench`.

// Reach every atomic, cell and wait through `crate::sync`, never `std::sync` directly: the
// loom tests compile your module again with `crate::sync` bound to loom.
#[allow(unused_imports)] // until your code uses it
use sync_shim::std_sync as sync;

/// A mutex whose waiters sleep through `crate::sync::atomic_wait`, and its guard.
#[allow(unused_variables, dead_code)] // for the stubs: delete this line when you are done
mod mutex;

pub use mutex::{Mutex, MutexGuard};
