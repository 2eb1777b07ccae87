// Compare-and-swap loops: a high-water mark, and a fixed number of slots taken without a lock.
//
// Every ordering here is Relaxed: these atomics count and compare, and no other memory is
// handed from thread to thread through them. A read-modify-write (compare_exchange included)
// always acts on the latest value, so Relaxed loses no update and lets no check go stale.
// If a slot stood for data passed from one holder to the next, `give_back` would need Release
// and `try_take` Acquire, as in a lock.

use crate::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// The largest value ever recorded, kept up to date by any number of threads at once.
///
/// Written as a compare-and-swap loop on purpose: `AtomicU64::fetch_max` does the same in one
/// call, and the loop is the pattern [`Slots`] needs, where no single call fits.
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
        let mut current = self.max.load(Ordering::Relaxed);
        while value > current {
            // Install `value` only if the mark is still what we compared against; if another
            // thread moved it, the failure hands us the new mark to compare again.
            match self.max.compare_exchange_weak(
                current,
                value,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(actual) => current = actual,
            }
        }
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
        let mut current = self.taken.load(Ordering::Relaxed);
        loop {
            if current >= self.capacity {
                return false;
            }
            // The check above and this increment are one step: the exchange succeeds only if
            // no other thread changed the count since we checked it.
            match self.taken.compare_exchange_weak(
                current,
                current + 1,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(actual) => current = actual,
            }
        }
    }

    /// Gives a taken slot back.
    ///
    /// # Panics
    ///
    /// If no slot is taken; the count is left unchanged.
    pub fn give_back(&self) {
        let mut current = self.taken.load(Ordering::Relaxed);
        loop {
            assert!(
                current > 0,
                "give_back() called with no slot taken: give back only the slots that \
                 try_take() handed out"
            );
            match self.taken.compare_exchange_weak(
                current,
                current - 1,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(actual) => current = actual,
            }
        }
    }

    /// How many slots are taken right now.
    pub fn taken(&self) -> usize {
        self.taken.load(Ordering::Relaxed)
    }
}
