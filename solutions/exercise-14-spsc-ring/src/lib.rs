//! # Exercise 14 · SPSC ring (reference solution)
//!
//! A bounded lock-free queue for exactly one producer and one consumer: a ring of slots and
//! two cache-padded counters, each written by one side only, published with Release and
//! read with Acquire; each side keeps a cached copy of the other's counter and reads the
//! shared one only when the copy says full or empty.
//! Book: Part 5, "Lock-free queues" (`book/src/part-5/lock-free-queues.md`).

use sync_shim::std_sync as sync;

/// The ring, its producer and its consumer.
mod ring;

pub use ring::{Consumer, Producer, ring, ring_starting_at};
