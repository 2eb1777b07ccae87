//! # Exercise 03 · Atomics
//!
//! Build three things that threads share without a lock: a counter that loses no update,
//! compare-and-swap loops (a high-water mark and a fixed number of slots), and a once cell.
//! Read first: Part 2, "Atomics" (`book/src/part-2/atomics.md`).
//!
//! Your code goes in `src/counter.rs`, then `src/slots.rs`, then `src/once_cell.rs`. Check it
//! with `cargo test -p exercise-03`: the suite runs it on real threads (`tests/threads.rs`)
//! and under the loom model checker (`tests/under_loom.rs`), which tries every interleaving of
//! two threads. Stuck? `cargo run -- hint 03`.

// Reach every atomic, cell and spin hint through `crate::sync`, never `std::sync` directly:
// the loom tests compile your modules again with `crate::sync` bound to loom.
#[allow(unused_imports)] // until your code uses it
use sync_shim::std_sync as sync;

/// A counter that many threads bump at once without losing an update.
#[allow(unused_variables, dead_code)] // for the stubs: delete this line when you are done
mod counter;
/// A cell that runs its initialiser once, however many threads ask for the value.
#[allow(unused_variables, dead_code)] // for the stubs: delete this line when you are done
mod once_cell;
/// Compare-and-swap loops: a high-water mark and a fixed number of slots taken without a lock.
#[allow(unused_variables, dead_code)] // for the stubs: delete this line when you are done
mod slots;

pub use counter::Counter;
pub use once_cell::OnceCell;
pub use slots::{HighWater, Slots};
