// Alternative: every loop through `fetch_update`, which runs load, compute and
// compare_exchange_weak for us around a closure (None gives up without writing); correct for
// the same reason as the hand-written loops: a write happens only if the value is still the
// one the closure computed from.

use crate::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// The largest value ever recorded, kept up to date by any number of threads at once.
pub struct HighWater {
    max: AtomicU64,
}

impl HighWater {
    /// A mark at zero.
    pub fn new() -> Self {
        Self {
            max: AtomicU64::new(0),
        }
    }

    /// Raises the mark to `value` if `value` is larger; never lowers it.
    pub fn record(&self, value: u64) {
        // Relaxed: only the mark itself is shared. Err means the mark was already as large.
        let _ = self
            .max
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |current| {
                (value > current).then_some(value)
            });
    }

    /// The largest value recorded so far (zero if none).
    pub fn get(&self) -> u64 {
        self.max.load(Ordering::Relaxed)
    }
}

impl Default for HighWater {
    fn default() -> Self {
        Self::new()
    }
}

/// A fixed number of slots that threads take and give back, never more than `capacity` at once.
pub struct Slots {
    capacity: usize,
    taken: AtomicUsize,
}

impl Slots {
    /// `capacity` free slots.
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            taken: AtomicUsize::new(0),
        }
    }

    /// Takes a slot if one is free and returns `true`; returns `false` when all are taken.
    pub fn try_take(&self) -> bool {
        // Relaxed: the count is all the slots share; no data is handed over with a slot.
        self.taken
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |taken| {
                (taken < self.capacity).then(|| taken + 1)
            })
            .is_ok()
    }

    /// Gives a taken slot back.
    ///
    /// # Panics
    ///
    /// If no slot is taken; the count is left unchanged.
    pub fn give_back(&self) {
        let lowered = self
            .taken
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |taken| {
                taken.checked_sub(1)
            });
        assert!(
            lowered.is_ok(),
            "give_back() called with no slot taken: give back only the slots that try_take() \
             handed out"
        );
    }

    /// How many slots are taken right now.
    pub fn taken(&self) -> usize {
        self.taken.load(Ordering::Relaxed)
    }
}
