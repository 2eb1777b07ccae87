//! Exercise 05 · Ticket lock: the reference solution.
//!
//! Book: Part 2, "Ticket locks" (`book/src/part-2/ticket-locks.md`).

// Every atomic, cell and thread function comes from here: std in real runs, loom in
// `tests/under_loom.rs`.
use sync_shim::std_sync as sync;

/// A fair spin lock that serves threads in the order they asked, and its guard.
mod ticket_lock;

pub use ticket_lock::{TicketGuard, TicketLock};
