// Alternative: the counter with SeqCst, stronger than it needs (Relaxed is enough), to show the
// suite accepts any ordering that is at least as strong; correct because fetch_add is one
// indivisible read-modify-write, which wraps around at u64::MAX.

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
        // SeqCst: more than needed; the single read-modify-write is what loses no update.
        self.value.fetch_add(1, Ordering::SeqCst)
    }

    /// Adds `n` and returns the value before. Wraps around at `u64::MAX`.
    pub fn add(&self, n: u64) -> u64 {
        self.value.fetch_add(n, Ordering::SeqCst)
    }

    /// The current value.
    pub fn get(&self) -> u64 {
        self.value.load(Ordering::SeqCst)
    }
}

impl Default for Counter {
    fn default() -> Self {
        Self::new()
    }
}
