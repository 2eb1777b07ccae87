// Exercise 09 · Monitor. Book: book/src/part-3/events-barriers-timers.md#a-reusable-barrier
//
// Part 3 of 4. Fill in each `todo!()`. A barrier is a monitor too: its state under the
// provided `Mutex`, your `Condvar`, and a predicate. Careful with the predicate: the barrier
// is reused, and a fast thread may come back for the next round before a slow one has left
// this one (book: events-barriers-timers.md#the-fast-thread).
//     use super::condvar::Condvar;
//     use super::mutex::Mutex;

/// A barrier for a fixed number of threads, like `std::sync::Barrier` (and Python's
/// `threading.Barrier` without its action, timeout and abort).
///
/// Each thread calls [`wait`](Barrier::wait); the first `parties - 1` block (sleeping), and
/// the last to arrive releases them all. The barrier is then ready for the next round at
/// once: a thread that leaves and calls `wait` again counts toward the next round, never the
/// one it just left. `Barrier` is `Send` and `Sync`: share it with an `Arc`.
pub struct Barrier {
    // Replace this placeholder: how many parties, and the state of the round.
    _todo: (),
}

/// What [`Barrier::wait`] returns: whether this thread was the round's leader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BarrierWaitResult {
    leader: bool,
}

impl BarrierWaitResult {
    /// `true` for exactly one thread of each round: the last to arrive.
    pub fn is_leader(&self) -> bool {
        self.leader
    }
}

impl Barrier {
    /// A barrier that releases its threads when `parties` of them have called `wait`.
    ///
    /// # Panics
    ///
    /// If `parties` is 0: no round could ever be complete.
    pub fn new(parties: usize) -> Self {
        todo!("(book: events-barriers-timers.md#a-reusable-barrier)")
    }

    /// Blocks until `parties` threads (this one included) have called `wait` in this round,
    /// then returns; the last to arrive is the leader.
    pub fn wait(&self) -> BarrierWaitResult {
        todo!(
            "the last arrival starts the next round and wakes the others; what do the others \
             wait for, so a thread already back for the next round cannot hold them? \
             (book: events-barriers-timers.md#the-fast-thread)"
        )
    }
}
