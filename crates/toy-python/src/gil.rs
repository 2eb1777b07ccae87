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
