//! # Exercise 05 · Ticket lock
//!
//! Build a spin lock that is fair: like the counter at a deli, every thread takes a numbered
//! ticket and the lock serves the tickets strictly in order, so no thread waits forever
//! while others keep jumping ahead.
//! Read first: Part 2, "Ticket locks" (`book/src/part-2/ticket-locks.md`).
//!
//! Your code goes in `src/ticket_lock.rs`. Check it with `cargo test -p exercise-05`: the
//! suite runs it on real threads (`tests/threads.rs`) and under the loom model checker
//! (`tests/under_loom.rs`), which tries every interleaving of a few threads. Stuck?
//! `cargo run -- hint 05`.

// Reach every atomic, cell, thread function and spin hint through `crate::sync`, never
// `std::sync` directly: the loom tests compile your module again with `crate::sync` bound to
// loom.
#[allow(unused_imports)] // until your code uses it
use sync_shim::std_sync as sync;

/// A fair spin lock that serves threads in the order they asked, and its guard.
#[allow(unused_variables, dead_code)] // for the stubs: delete this line when you are done
mod ticket_lock;

pub use ticket_lock::{TicketGuard, TicketLock};
