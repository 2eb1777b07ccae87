//! The contract between the interpreter loop and a GIL.
//!
//! The interpreter calls these methods and nothing else; it never looks inside the GIL.
//! Every call for a thread comes from that thread itself.

/// Which interpreter thread is calling: 0 for the first thread the interpreter starts, then
/// 1, 2, ... in the order threads are started. Small and dense, so a GIL may index by it.
pub type ThreadId = usize;

/// A global interpreter lock, as the interpreter loop uses it.
///
/// The life of one interpreter thread: `take`, then bytecode with a `check` at every loop
/// back-edge and every call, `blocking_begin`/`blocking_end` around each blocking builtin
/// (such as `sleep`), and `release` when the thread's function returns (or raises).
pub trait Gil: Send + Sync {
    /// Blocks until `me` holds the GIL. `me` does not hold it when calling.
    fn take(&self, me: ThreadId);

    /// `me` gives the GIL up for good (its function has finished).
    fn release(&self, me: ThreadId);

    /// The eval breaker. `me` holds the GIL and has executed `instructions` bytecode
    /// instructions since its previous `check` (or since it took the GIL). If the GIL wants
    /// `me` to let another thread run, this drops the GIL and takes it again before
    /// returning. It must be cheap when nothing is asked: it runs every few instructions.
    fn check(&self, me: ThreadId, instructions: u64);

    /// `me` is about to block outside the interpreter (a sleep, a read): it gives the GIL up
    /// so other threads run meanwhile.
    fn blocking_begin(&self, me: ThreadId);

    /// `me` is back from blocking and waits to hold the GIL again.
    fn blocking_end(&self, me: ThreadId);
}

/// What happened, in a GIL's event log (exercise 18 keeps one; the lab draws it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// The thread asked for the GIL (`take`, or `blocking_end` before it takes).
    Wanted,
    /// It got the GIL.
    Acquired,
    /// It let the GIL go (`drop_gil`, or `blocking_begin`).
    Released,
    /// Its wait ran a whole switch interval with no change of holder, and it asked the
    /// holder to drop the GIL.
    DropRequested,
    /// It released the GIL around a blocking call (logged right after its `Released`).
    Blocked,
    /// It came back from the blocking call (its `Wanted` and `Acquired` follow).
    Unblocked,
}

/// One entry of a GIL's event log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    /// When, since the GIL was made.
    pub at: std::time::Duration,
    /// Which interpreter thread.
    pub thread: ThreadId,
    /// What happened.
    pub kind: EventKind,
}
