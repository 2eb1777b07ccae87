//! # Exercise 15 · MPMC queue
//!
//! Build a bounded queue that any number of threads push to and pop from at once, without a
//! lock: Dmitry Vyukov's array queue, in which every slot carries a sequence number (a
//! "stamp") that says whether it is ready to be written or read, and the threads claim slots
//! with a compare-and-swap on the head or the tail. It has the shape of crossbeam's
//! `ArrayQueue`: `push` gives the item back when the queue is full, `pop` returns `None` when
//! it is empty, and neither ever waits for a lock.
//! Read first: Part 5, "Lock-free queues" (`book/src/part-5/lock-free-queues.md`).
//!
//! Your code goes in `src/queue.rs`, on the atomics and the `UnsafeCell` of `crate::sync`
//! and crossbeam-utils' `CachePadded`. Check it with `cargo test -p exercise-15`: the suite
//! runs it on real threads (`tests/threads.rs`) and under the loom model checker
//! (`tests/under_loom.rs`), which tries every interleaving of two producers and two consumers
//! and reports a slot read before it was written, or written by two threads at once, as a
//! data race. Test names start with their part (`basic_`, `wrap_`, `drop_`, `race_`), so
//! `cargo test -p exercise-15 basic_` runs one part. Stuck? `cargo run -- hint 15`.
//! Then measure it against crossbeam's `ArrayQueue`:
//! `cargo run --release -p exercise-15 --example bench`.

// Reach atomics, the cell and the spin hint through `crate::sync`, never `std::sync`
// directly: the loom tests compile your module again with `crate::sync` bound to loom.
#[allow(unused_imports)] // until your code uses it
use sync_shim::std_sync as sync;

/// The queue: its slots, head, tail and stamps.
#[allow(unused_variables, dead_code, unused_imports)]
// for the stubs: delete this line when you are done
mod queue;

pub use queue::MpmcQueue;
