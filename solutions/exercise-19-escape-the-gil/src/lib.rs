//! Exercise 19 · Escape the GIL: the reference solution.
//!
//! A pool of worker processes, each running its own interpreter with its own GIL
//! ([`Pool::new`], [`Pool::run`], [`Pool::run_all`], [`Pool::pids`]), and a native function
//! that runs without the GIL ([`native::integrate`], [`native::register`]). A program can be
//! its own worker: see [`worker_process::worker_main`].
//!
//! Book: Part 6, "Escaping the GIL" (`book/src/part-6/escaping.md`).

/// Framing of jobs and replies over a pipe (provided).
pub mod protocol;

/// The worker process's loop: read a job, run it, write the reply.
pub mod worker;

/// The pool of worker processes.
pub mod pool;

/// Native functions that run without the GIL.
pub mod native;

/// The `main` of a worker process, for the binary in src/bin/ or any program that runs
/// itself as a worker (provided).
pub mod worker_process;

pub use pool::{Pool, PoolError};
pub use protocol::{Job, Reply};
