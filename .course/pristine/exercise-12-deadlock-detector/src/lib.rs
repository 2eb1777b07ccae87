//! # Exercise 12 · Deadlock detector
//!
//! Build locks that watch themselves. A [`Detector`] makes the locks and keeps the
//! lock-order graph of every pair a thread took one inside the other; it reports an order
//! inversion the first time it is seen, even in a run where nothing hung, naming both call
//! sites and both threads. And a `lock()` that would wait for ever, in a ring of threads
//! each waiting for the next one's lock, returns `Err(Deadlock)` instead of hanging.
//! Read first: Part 4, "Detecting deadlock" (`book/src/part-4/detecting-deadlock.md`).
//!
//! Your code goes in `src/detector.rs`; `src/report.rs` is provided (what the detector
//! reports). Check it with `cargo test -p exercise-12`: the suite runs it on real threads
//! (`tests/threads.rs`) and under the loom model checker (`tests/under_loom.rs`). Test names
//! start with their part (`mutex_`, `order_`, `deadlock_`), in the order to write them. Stuck?
//! `cargo run -- hint 12`. Then measure what watching costs against std's mutex:
//! `cargo run --release -p exercise-12 --example bench`.

// Reach every atomic, cell, Arc, Mutex and wait through `crate::sync`, never `std::sync`
// directly: the loom tests compile your module again with `crate::sync` bound to loom.
#[allow(unused_imports)] // until your code uses it
use sync_shim::std_sync as sync;

/// The detector, its mutex and the guard.
#[allow(unused_variables, dead_code)] // for the stubs: delete this line when you are done
mod detector;
/// What the detector reports: inversions and deadlocks (provided).
mod report;

pub use detector::{Detector, Mutex, MutexGuard};
pub use report::{Deadlock, Edge, Inversion, Waiting};
