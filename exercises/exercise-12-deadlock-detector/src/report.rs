// Exercise 12 · Deadlock detector. Book: book/src/part-4/detecting-deadlock.md
//
// Provided, nothing to fill in (do not edit): what the detector reports. Your `Detector`
// builds these values; the tests read their fields, and `Display` turns each into the
// message a programmer would want to read.
//
// An `Inversion` is a cycle in the lock-order graph: the edge this thread just added, then
// the edges recorded earlier (maybe by other threads, maybe in a run that did not hang) that
// lead from the lock just taken back to the lock held. A `Deadlock` is a cycle in the
// wait-for graph, right now: every thread in it waits for a lock the next one holds.

use std::fmt;
use std::panic::Location;

/// One edge of the lock-order graph: a thread took `taken` while it held `held`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    /// The name of the lock the thread held.
    pub held: String,
    /// The name of the lock it took while holding `held`.
    pub taken: String,
    /// Where the thread took `held` (the caller of its `lock()`).
    pub held_at: &'static Location<'static>,
    /// Where the thread took `taken` (the caller of its `lock()`).
    pub taken_at: &'static Location<'static>,
    /// The thread, as `crate::sync::thread::current_number()` names it.
    pub thread: u64,
}

/// A lock-order inversion: the first time an edge closes a cycle in the lock-order graph.
///
/// `cycle[0]` is the edge that closed it (the `lock()` that made the report: `held` is the
/// lock this thread held, `taken` the one it was taking). The edges after it were recorded
/// earlier and lead from `cycle[0].taken` back to `cycle[0].held`, each edge's `taken` being
/// the next edge's `held`. Two locks taken in opposite orders give two edges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inversion {
    pub cycle: Vec<Edge>,
}

/// One thread of a wait-for cycle: `thread` waits, in its `lock()` called at `at`, for the
/// lock named `lock`, which `held_by` holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub thread: u64,
    pub lock: String,
    pub at: &'static Location<'static>,
    pub held_by: u64,
}

/// An actual deadlock: the calling thread was about to wait for a lock, and the threads in
/// `cycle` wait for one another in a ring, so none of them would ever get in.
///
/// `cycle[0]` is the calling thread (the one that gets this error instead of sleeping); each
/// entry's `held_by` is the next entry's `thread`, and the last one's `held_by` is the
/// calling thread. A thread that locks a lock it already holds is a cycle of one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadlock {
    pub cycle: Vec<Waiting>,
}

impl fmt::Display for Edge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "thread {} took {:?} at {}:{} while holding {:?} (taken at {}:{})",
            self.thread,
            self.taken,
            self.taken_at.file(),
            self.taken_at.line(),
            self.held,
            self.held_at.file(),
            self.held_at.line(),
        )
    }
}

impl fmt::Display for Inversion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.cycle.iter().map(|edge| edge.held.as_str()).collect();
        write!(
            f,
            "lock-order inversion: {} -> {}; the locks were taken in a cycle, which can \
             deadlock:",
            names.join(" -> "),
            names.first().unwrap_or(&"?"),
        )?;
        for edge in &self.cycle {
            write!(f, "\n  {edge}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Deadlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "deadlock: {} thread(s) wait for one another:",
            self.cycle.len()
        )?;
        for waiting in &self.cycle {
            write!(
                f,
                "\n  thread {} waits at {}:{} for {:?}, held by thread {}",
                waiting.thread,
                waiting.at.file(),
                waiting.at.line(),
                waiting.lock,
                waiting.held_by,
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for Deadlock {}
