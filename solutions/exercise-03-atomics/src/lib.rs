//! Exercise 03 · Atomics: the reference solution.
//!
//! Book: Part 2, "Atomics" (`book/src/part-2/atomics.md`).

// Every atomic, cell and spin hint comes from here: std in real runs, loom in
// `tests/under_loom.rs`.
use sync_shim::std_sync as sync;

/// A counter that many threads bump at once without losing an update.
mod counter;
/// A cell that runs its initialiser once, however many threads ask for the value.
mod once_cell;
/// Compare-and-swap loops: a high-water mark and a fixed number of slots taken without a lock.
mod slots;

pub use counter::Counter;
pub use once_cell::OnceCell;
pub use slots::{HighWater, Slots};
