// A shared counter: one atomic read-modify-write per update, so no update is ever lost.

use crate::sync::atomic::{AtomicU64, Ordering};

/// A counter that any number of threads may update at once through `&Counter`.
pub struct Counter {
    value: AtomicU64,
}

impl Counter {
    /// A counter at zero.
    pub fn new() -> Self {
        Self {
            value: AtomicU64::new(0),
        }
    }

    /// Adds one and returns the value before.
    pub fn increment(&self) -> u64 {
        self.add(1)
    }

    /// Adds `n` and returns the value before. Wraps around at `u64::MAX`, as `fetch_add` does.
    pub fn add(&self, n: u64) -> u64 {
        // One indivisible read-add-write: no other update can fall between our read and our
        // write. Relaxed is enough: the count itself is all the threads share through it, and
        // a read-modify-write always works on the latest value, whatever the ordering.
        self.value.fetch_add(n, Ordering::Relaxed)
    }

    /// The current value. Once the updating threads are joined, it counts all of them: the
    /// join orders their updates before this read.
    pub fn get(&self) -> u64 {
        self.value.load(Ordering::Relaxed)
    }
}

impl Default for Counter {
    fn default() -> Self {
        Self::new()
    }
}
