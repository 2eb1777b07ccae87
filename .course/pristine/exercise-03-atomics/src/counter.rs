// Exercise 03 · Atomics, part 1: a shared counter. Book: book/src/part-2/atomics.md
//
// Fill in each `todo!()`. Useful imports, all through the std/loom switch:
//     use crate::sync::atomic::{AtomicU64, Ordering};
// Every ordering here can be `Relaxed`: the count is all the threads share, and a
// read-modify-write works on the latest value whatever its ordering
// (book: atomics.md#one-indivisible-step). Say so in a comment.

/// A counter that any number of threads may update at once through `&Counter` (or an `Arc`).
///
/// No update may be lost: after 4 threads each call `increment()` 50,000 times, `get()` is
/// exactly 200,000. A load, an add and a store are three steps, and another thread's update
/// can fall between them (book: lost-update.md#an-interleaving-step-by-step).
pub struct Counter {
    // Replace this placeholder with the state the counter needs: a number that every thread
    // can update in one indivisible step through `&self`.
    _todo: (),
}

impl Counter {
    /// A counter at zero.
    pub fn new() -> Self {
        todo!("start the count at zero (book: atomics.md#one-indivisible-step)")
    }

    /// Adds one and returns the value before.
    pub fn increment(&self) -> u64 {
        todo!(
            "read, add 1 and write back in one indivisible step, returning what was there \
             before (book: atomics.md#one-indivisible-step)"
        )
    }

    /// Adds `n` and returns the value before. Wraps around at `u64::MAX`.
    pub fn add(&self, n: u64) -> u64 {
        todo!(
            "like increment(), with n, wrapping around at u64::MAX as fetch_add does; \
             Relaxed is enough when the count is all that threads share \
             (book: atomics.md#one-indivisible-step)"
        )
    }

    /// The current value.
    pub fn get(&self) -> u64 {
        todo!("read the count, with Relaxed (book: atomics.md#one-indivisible-step)")
    }
}

impl Default for Counter {
    /// The same as [`Counter::new`].
    fn default() -> Self {
        Self::new()
    }
}
