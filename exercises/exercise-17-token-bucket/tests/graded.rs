//! Exercise 17's graded suite: one test binary, so `cargo test -p exercise-17` runs both
//! halves even when one fails. `threads` runs the library on real threads; `under_loom`
//! compiles `src/clock.rs` and `src/bucket.rs` again with `crate::sync` bound to loom (the
//! `use` below) and model-checks them. Book: `book/src/part-5/token-bucket.md`.

// What `crate::sync` means in the module files that `under_loom` compiles again.
#[allow(unused_imports)]
use sync_shim::loom_sync as sync;

#[path = "threads.rs"]
mod threads;
#[path = "under_loom.rs"]
mod under_loom;
