//! # Exercise 10 · Readers-writer lock
//!
//! Build a lock that lets many readers in at once, or one writer alone, whose waiters sleep
//! instead of spinning, and in which a waiting writer goes before readers that come after it.
//! Read first: Part 3, "Readers-writer locks" (`book/src/part-3/rwlocks.md`).
//!
//! Your code goes in `src/rwlock.rs`. Check it with `cargo test -p exercise-10`: the
//! suite runs it on real threads (`tests/threads.rs`) and under the loom model checker
//! (`tests/under_loom.rs`), which tries every interleaving of up to three threads. Stuck?
//! `cargo run -- hint 10`.

// Reach every atomic, cell and wait through `crate::sync`, never `std::sync` directly:
// the loom tests compile your module again with `crate::sync` bound to loom.
#[allow(unused_imports)] // until your code uses it
use sync_shim::std_sync as sync;

/// A lock that lets many readers in together, or one writer alone, and makes a waiting
/// writer's turn come before new readers.
#[allow(unused_variables, dead_code)] // for the stubs: delete this line when you are done
mod rwlock;

pub use rwlock::{MAX_READERS, ReadGuard, RwLock, WriteGuard};
