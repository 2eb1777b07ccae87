//! # Exercise 14 · SPSC ring
//!
//! Build a bounded queue for exactly one producer thread and one consumer thread, without
//! a lock: a ring of slots and two counters, each written by one side only. `ring(n)` hands
//! out the two sides, a `Producer` and a `Consumer`; neither can be cloned, so a second
//! producer cannot exist, and that is what lets `push` and `pop` go without a lock or a
//! compare-and-swap. Each counter sits on its own cache line (a crossbeam-utils
//! `CachePadded` of its own, not one around both), so the two sides do not slow each other
//! down.
//! Read first: Part 5, "Lock-free queues" (`book/src/part-5/lock-free-queues.md`).
//!
//! Your code goes in `src/ring.rs`, on `crate::sync` (atomics, `cell::UnsafeCell`, `Arc`).
//! Check it with `cargo test -p exercise-14`: the suite runs it on real threads
//! (`tests/threads.rs`) and under the loom model checker (`tests/under_loom.rs`), which
//! reports a slot read before its write is visible (an ordering too weak) as a data race.
//! Test names start with their part (`basic_`, `wrap_`, `drop_`, `handoff_`), so
//! `cargo test -p exercise-14 wrap_` runs one part. Stuck? `cargo run -- hint 14`.
//! Then measure it against crossbeam's `ArrayQueue` and std's `sync_channel`:
//! `cargo run --release -p exercise-14 --example bench`.

// Reach atomics, cells and Arc through `crate::sync`, never `std::sync` directly: the loom
// tests compile your module again with `crate::sync` bound to loom.
#[allow(unused_imports)] // until your code uses it
use sync_shim::std_sync as sync;

/// The ring, its producer and its consumer.
#[allow(unused_variables, dead_code)] // for the stubs: delete this line when you are done
mod ring;

pub use ring::{Consumer, Producer, ring, ring_starting_at};
