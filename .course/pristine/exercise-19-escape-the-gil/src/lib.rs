//! # Exercise 19 · Escape the GIL
//!
//! One interpreter has one GIL, so its threads take turns: two CPU-bound threads get no
//! faster than one. Two ways out, and you build both:
//!
//! - **Processes.** A pool of worker processes, each running its own interpreter with its
//!   own GIL. Jobs (a program, a function, its arguments) go down a worker's stdin, replies
//!   come back up its stdout. A broken program is an answer; a worker that crashes costs
//!   one job, not the pool.
//! - **Native code without the GIL.** `integrate(steps)`, a Rust function that programs
//!   call like a builtin and that runs while other threads hold the GIL.
//!
//! Read first: Part 6, "Escaping the GIL" (`book/src/part-6/escaping.md`).
//!
//! Your code goes in `src/worker.rs`, `src/pool.rs` and `src/native.rs`. Provided:
//! `src/protocol.rs` (messages over a pipe), `src/worker_process.rs` (the `main` of a worker
//! process, which calls your `serve`) and `src/bin/exercise-19-worker.rs` (the worker
//! program that the pool tests start). Check it with `cargo test -p exercise-19`: the suites
//! start real worker processes. Stuck? `cargo run -- hint 19`.
//!
//! There is no loom suite here: loom models threads and atomics inside one process, not
//! processes and pipes. So this exercise uses `std` directly.

/// Jobs and replies over a pipe (provided).
pub mod protocol;

/// The worker process's loop: read a job, run it, write the reply.
#[allow(unused_variables, unused_imports)] // for the stubs: delete this line when you are done
pub mod worker;

/// The pool of worker processes.
#[allow(unused_variables, unused_imports, dead_code)] // for the stubs: delete when done
pub mod pool;

/// Native functions that run without the GIL.
#[allow(unused_variables, unused_imports, dead_code)] // for the stubs: delete when done
pub mod native;

/// The `main` of a worker process, for the binary in src/bin/ or any program that runs
/// itself as a worker (provided).
pub mod worker_process;

pub use pool::{Pool, PoolError};
pub use protocol::{Job, Reply};
