//! Exercise 18 · The GIL: the reference solution.
//!
//! Book: Part 6, "Switching threads" (`book/src/part-6/switching.md`).

// Every atomic, mutex and condition variable comes from here: std in real runs, loom in
// `tests/under_loom.rs`.
use sync_shim::std_sync as sync;

/// CPython's GIL scheduler: take, drop, drop requests, forced switching, blocking calls.
pub mod gil;

pub use gil::{Event, EventKind, Gil, MAX_EVENTS};
pub use toy_python::ThreadId;

/// The interpreter's side: `Arc::new(Gil::new(interval))` plugs into
/// `toy_python::Interpreter::new`.
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
