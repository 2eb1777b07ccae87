// Exercise 03 · Atomics, part 2: compare-and-swap loops. Book: book/src/part-2/atomics.md
//
// Fill in each `todo!()`, `HighWater` first: it is the simplest compare-and-swap loop, and
// `Slots` is the same loop with a check in it. Useful imports, all through the std/loom switch:
//     use crate::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
// Every ordering here can be `Relaxed`: these atomics count and compare, no other data goes
// from thread to thread through them, and a compare_exchange works on the latest value
// whatever its ordering (book: atomics.md#compare-and-swap-loops, "Two orderings").

/// The largest value ever recorded, kept up to date by any number of threads at once.
///
/// Write `record` as a compare-and-swap loop (`compare_exchange_weak`), not with
/// `fetch_max`: `fetch_max` does this in one call, but the loop is the pattern [`Slots`]
/// needs, where no single call fits. Compare your loop with `fetch_max` when it passes.
pub struct HighWater {
    // Replace this placeholder with the state the mark needs.
    _todo: (),
}

impl HighWater {
    /// A mark at zero.
    pub fn new() -> Self {
        todo!("start the mark at zero (book: atomics.md#compare-and-swap-loops)")
    }

    /// Raises the mark to `value` if `value` is larger; never lowers it, even when threads
    /// race: a larger value recorded by another thread must never be overwritten.
    pub fn record(&self, value: u64) {
        todo!(
            "load the mark; while value is larger, try to install it with \
             compare_exchange_weak, and on failure compare again with the fresh value it \
             hands back (book: atomics.md#compare-and-swap-loops)"
        )
    }

    /// The largest value recorded so far (zero if none).
    pub fn get(&self) -> u64 {
        todo!("read the mark, with Relaxed (book: atomics.md#compare-and-swap-loops)")
    }
}

impl Default for HighWater {
    /// The same as [`HighWater::new`].
    fn default() -> Self {
        Self::new()
    }
}

/// A fixed number of slots that threads take and give back without a lock.
///
/// Never more than `capacity` slots are taken at once, even when many threads race for the
/// last one. "If not full, take one" is a check and an act: done as two steps, two threads
/// can both pass the check (book: lost-update.md#check-then-act).
pub struct Slots {
    // Replace this placeholder with the state the slots need: the capacity, and a count of
    // taken slots that threads update through `&self`.
    _todo: (),
}

impl Slots {
    /// `capacity` free slots.
    pub fn new(capacity: usize) -> Self {
        todo!(
            "remember the capacity and start with nothing taken \
             (book: atomics.md#check-then-act-fixed)"
        )
    }

    /// Takes a slot if one is free and returns `true`; returns `false` when all are taken.
    pub fn try_take(&self) -> bool {
        todo!(
            "check that the count is below capacity and raise it by one as a single step: a \
             compare_exchange_weak loop that gives up once the count it sees is full \
             (book: atomics.md#check-then-act-fixed)"
        )
    }

    /// Gives a taken slot back.
    ///
    /// # Panics
    ///
    /// If no slot is taken, with a message that says so; the count must stay unchanged
    /// (at zero, not wrapped around).
    pub fn give_back(&self) {
        todo!(
            "lower the count by one, but panic if it is zero: the same kind of loop as \
             try_take (book: atomics.md#check-then-act-fixed)"
        )
    }

    /// How many slots are taken right now.
    pub fn taken(&self) -> usize {
        todo!("read the count, with Relaxed (book: atomics.md#check-then-act-fixed)")
    }
}
