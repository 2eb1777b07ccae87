//! # Exercise 03 · Atomics
//!
//! Build three things that threads share without a lock: a counter that loses no update,
//! compare-and-swap loops (a high-water mark and a fixed number of slots), and a once cell.
//! Read first: Part 2, "Atomics" (`book/src/part-2/atomics.md`), for the counter and the
//! compare-and-swap loops; the once cell also needs the next chapter, "Memory ordering"
//! (`book/src/part-2/memory-ordering.md`): do it after reading that.
//!
//! Your code goes in `src/counter.rs`, then `src/slots.rs`, then `src/once_cell.rs`. Check it
//! with `cargo test -p exercise-03`: the suite runs it on real threads (`tests/threads.rs`)
//! and under the loom model checker (`tests/under_loom.rs`), which tries every interleaving of
//! two threads. Test names start with their part, so `cargo test -p exercise-03 counter` (or
//! `high_water`, `slots`, `once`) runs one part. Stuck? `cargo run -- hint 03`.

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
