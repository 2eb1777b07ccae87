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

/// The interpreter's side of the GIL (provided): `toy_python::Gil` for [`Gil`], so the
/// interpreter's loop calls your methods.
mod interpreter;
