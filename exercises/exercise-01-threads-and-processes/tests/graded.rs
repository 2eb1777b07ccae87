//! Exercise 01's graded suite: one test binary, so `cargo test -p exercise-01` runs both
//! halves even when one fails. `threads` runs the job in scoped threads, `processes` in
//! real worker processes (the binary in src/bin/). Both compile the exercise's module files
//! here (`include_under_std!`), so the same suite grades the exercise, its solution and
//! every known-broken variant. Book: `book/src/part-1/work-in-processes.md`.
//!
//! There is no loom half: loom models threads and atomics inside one process, not child
//! processes and pipes, and it has no scoped threads (tests/contracts/exercise-01.toml).

sync_shim::include_under_std!(job, protocol, with_threads, with_processes);

#[path = "processes.rs"]
mod processes;
#[path = "threads.rs"]
mod threads;
