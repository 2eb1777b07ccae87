//! Exercise 01 · Threads and processes: the reference solution.
//!
//! The same job ([`work`]) run on chunks of one input two ways: in scoped threads that
//! borrow their chunk ([`run_in_threads`]), and in worker processes that get theirs over a
//! pipe ([`run_in_processes`]); a panicking thread, a crashing worker and a runaway worker
//! each cost only their own chunk. A program can be its own worker: see
//! [`worker_process::worker_main`].
//!
//! Book: Part 1, "Work in processes" (`book/src/part-1/work-in-processes.md`).

/// The job both sides run, and how the input is cut into chunks (provided).
pub mod job;

/// Jobs and replies over a pipe (provided).
pub mod protocol;

/// The job in scoped threads.
pub mod with_threads;

/// The job in worker processes.
pub mod with_processes;

/// The `main` of a worker process, for the binary in src/bin/ or any program that runs
/// itself as a worker (provided).
pub mod worker_process;

pub use job::{split, work};
pub use with_processes::{WorkerError, run_in_processes};
pub use with_threads::{ThreadPanicked, run_in_threads};
