//! # Exercise 18 · The GIL
//!
//! Build the scheduling core of CPython's global interpreter lock, the one Python 3.2 and
//! later use: a thread that wants the GIL waits one switch interval, then asks the holder to
//! drop it; the holder drops it at its next check of the eval breaker and, with forced
//! switching, waits until the other thread has really taken it. Blocking calls run without
//! the GIL. An event log records who held the GIL when.
//! Read first: Part 6, "Switching threads" (`book/src/part-6/switching.md`).
//!
//! Your code goes in `src/gil.rs`. This file plugs your [`Gil`] into the toy interpreter
//! (`toy_python::Interpreter::new(&program, Arc::new(Gil::new(interval)))`), so Python code
//! runs on it, and the Part 6 lab measures it
//! (`cargo run --release -p exercise-18 --example lab`).
//!
//! Check it with `cargo test -p exercise-18`: the suite runs it on real threads
//! (`tests/threads.rs`) and under the loom model checker (`tests/under_loom.rs`), which tries
//! every interleaving of a few threads. Stuck? `cargo run -- hint 18`.

// Reach every atomic, mutex and condition variable through `crate::sync`, never `std::sync`
// directly: the loom tests compile your module again with `crate::sync` bound to loom.
#[allow(unused_imports)] // until your code uses it
use sync_shim::std_sync as sync;

/// CPython's GIL scheduler: take, drop, drop requests, forced switching, blocking calls.
#[allow(unused_variables, dead_code)] // for the stubs: delete this line when you are done
pub mod gil;

pub use gil::{Event, EventKind, Gil, MAX_EVENTS};
pub use toy_python::ThreadId;

/// The interpreter's side of the GIL: its loop calls these, and they call yours.
impl toy_python::Gil for Gil {
    fn take(&self, me: ThreadId) {
        Gil::take(self, me);
    }

    fn release(&self, me: ThreadId) {
        self.drop_gil(me);
    }

    fn check(&self, me: ThreadId, _instructions: u64) {
        Gil::check(self, me);
    }

    fn blocking_begin(&self, me: ThreadId) {
        Gil::blocking_begin(self, me);
    }

    fn blocking_end(&self, me: ThreadId) {
        Gil::blocking_end(self, me);
    }
}
