//! # Exercise 15 · MPMC queue (reference solution)
//!
//! A bounded lock-free multi-producer multi-consumer array queue after Dmitry Vyukov's design,
//! in the variant crossbeam's `ArrayQueue` uses: each slot has a stamp (a lap and an index)
//! that says whether it is ready to be written or read in the current lap; the head and the
//! tail are stamps too, each on a cache line of its own.
//! Book: Part 5, "Lock-free queues" (`book/src/part-5/lock-free-queues.md`).

use sync_shim::std_sync as sync;

/// The queue: its slots, head, tail and stamps.
mod queue;

pub use queue::MpmcQueue;
