// Alternative: the counter as a compare_exchange_weak loop with wrapping_add instead of one
// fetch_add; correct because the exchange installs the sum only if nothing was written since
// the load, and wrapping_add keeps the documented wrap-around at u64::MAX.

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

    /// Adds `n` and returns the value before. Wraps around at `u64::MAX`.
    pub fn add(&self, n: u64) -> u64 {
        // Relaxed: the count is all the threads share, and the exchange acts on the latest
        // value whatever its ordering.
        let mut current = self.value.load(Ordering::Relaxed);
        loop {
            match self.value.compare_exchange_weak(
                current,
                current.wrapping_add(n),
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(before) => return before,
                Err(actual) => current = actual,
            }
        }
    }

    /// The current value.
    pub fn get(&self) -> u64 {
        self.value.load(Ordering::Relaxed)
    }
}

impl Default for Counter {
    fn default() -> Self {
        Self::new()
    }
}
