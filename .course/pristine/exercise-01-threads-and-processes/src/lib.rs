//! # Exercise 01 · Threads and processes
//!
//! Run the same job on the same input twice, and see what each way costs and survives:
//!
//! - **In threads.** [`run_in_threads`] cuts the input into chunks and runs the job on each
//!   in a thread of its own. The threads borrow their chunk of your input: they share the
//!   address space, so nothing is copied. A thread that panics costs its own chunk; the
//!   others still give their results.
//! - **In processes.** [`run_in_processes`] starts one worker process per chunk, sends it
//!   its chunk over a pipe (serialised: a child cannot borrow your slice) and reads the
//!   reply back. A worker that crashes is reported with its pid and how it died, and the
//!   others go on; a worker that runs away is killed at a deadline and reaped. No zombie is
//!   left behind, something no thread API can promise about a runaway thread.
//!
//! Read first: Part 1, "Work in processes" (`book/src/part-1/work-in-processes.md`).
//!
//! Your code goes in `src/with_threads.rs` and `src/with_processes.rs`. Provided:
//! `src/job.rs` (the job, [`work`], and [`split`], which cuts the input into chunks),
//! `src/protocol.rs` (jobs and replies over a pipe), `src/worker_process.rs` (the `main` of a
//! worker process) and `src/bin/exercise-01-worker.rs` (the worker program the process
//! tests start). Check it with `cargo test -p exercise-01`: the suites start real worker
//! processes. Stuck? `cargo run -- hint 01`.
//!
//! There is no loom suite here: loom models threads and atomics inside one process, not
//! processes and pipes, and it has no scoped threads. So this exercise uses `std` directly.

/// The job both sides run, and how the input is cut into chunks (provided).
pub mod job;

/// Jobs and replies over a pipe (provided).
pub mod protocol;

/// The job in scoped threads.
#[allow(unused_variables, unused_imports, dead_code)] // for the stubs: delete when done
pub mod with_threads;

/// The job in worker processes.
#[allow(unused_variables, unused_imports, dead_code)] // for the stubs: delete when done
pub mod with_processes;

/// The `main` of a worker process, for the binary in src/bin/ or any program that runs
/// itself as a worker (provided).
pub mod worker_process;

pub use job::{split, work};
pub use with_processes::{WorkerError, run_in_processes};
pub use with_threads::{ThreadPanicked, run_in_threads};
