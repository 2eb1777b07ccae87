//! The Part 1 lab: what it costs, on the reader's machine, to start a thread, a process and
//! a green task, to pass a token back and forth between two of each, and to run the same
//! CPU-bound job in threads and in processes; beside Python (`threading`,
//! `multiprocessing`, `asyncio`) when `python3` is installed.
//!
//! The lab is an example binary of exercise 01 (and of its solution), so it measures the
//! code it is built with: exercise 01's `run_in_threads` and `run_in_processes`, and
//! exercise 02's executor.
//!
//! ```text
//! cargo run --release -p exercise-01 --example lab            # your code
//! cargo run --release -p solution-01 --example lab            # the reference
//! cargo run --release -p solution-01 --example lab -- --help  # experiments, --quick, --json
//! ```
//!
//! This crate holds everything but the glue: the example is one call of [`lab_main!`], which
//! adapts the two exercise crates to a [`Kit`] of function pointers and to the [`Green`]
//! trait.

mod child;
mod experiments;
mod green;
mod measure;
mod python;
mod report;
mod run;

use std::future::Future;
use std::process::{Command, ExitCode};
use std::time::Duration;

pub use green::GreenKit;

/// The argument that makes the lab binary a worker process of exercise 01 (its
/// `worker_process::worker_main`).
pub const WORKER_ARG: &str = "--worker";

/// The argument that makes the lab binary one of the lab's own child processes
/// (`--child exit`, `--child echo`, `--child sink`).
pub const CHILD_ARG: &str = "--child";

/// The path that starts this program again, for its children and workers. On Linux,
/// `/proc/self/exe`: it names the running program even after its file has been replaced (a
/// rebuild while the lab runs, or another example named `lab` copied over it by cargo).
pub(crate) fn this_program() -> std::io::Result<std::path::PathBuf> {
    let proc_self = std::path::Path::new("/proc/self/exe");
    if cfg!(target_os = "linux") && proc_self.exists() {
        return Ok(proc_self.to_path_buf());
    }
    std::env::current_exe()
}

/// What the lab needs from exercise 02's executor, as associated functions so that the
/// futures stay unboxed (a box per `yield_now` would be measured with the switch).
/// [`lab_main!`] implements it for the crate it is given.
pub trait Green: 'static {
    /// Runs `future` to completion on a new executor (with the tasks it spawns).
    fn block_on<F: Future + 'static>(future: F) -> F::Output;

    /// Spawns `future` as a task of the running executor; the returned future waits for
    /// it, with the task's panic as an error.
    fn spawn<F>(future: F) -> impl Future<Output = Result<F::Output, String>> + 'static
    where
        F: Future + 'static,
        F::Output: 'static;

    /// Gives the other tasks a turn.
    fn yield_now() -> impl Future<Output = ()> + 'static;
}

/// One result per chunk of the input, in order: the chunk's `work`, or why there is none.
pub type ChunkResults = Vec<Result<u64, String>>;

/// The reader's (or the reference's) code, as the lab uses it. Built by [`lab_main!`].
pub struct Kit {
    /// Whose code this is, for the report: "your code (exercise-01, exercise-02)".
    pub code: &'static str,
    /// Exercise 01's `run_in_threads(input, threads, work)`: one result per chunk.
    pub run_in_threads: fn(&[u64], usize) -> ChunkResults,
    /// Exercise 01's `run_in_processes(command, input, processes, deadline)`.
    pub run_in_processes: fn(&dyn Fn() -> Command, &[u64], usize, Duration) -> ChunkResults,
    /// Exercise 01's CPU-bound `work(chunk)`, the job both of them run.
    pub work: fn(&[u64]) -> u64,
    /// Exercise 01's worker process, run when the lab is started with [`WORKER_ARG`].
    pub worker_main: fn() -> ExitCode,
    /// Exercise 02's executor, as the lab's green experiments.
    pub green: GreenKit,
}

/// Runs the lab with the command-line arguments of this process.
pub fn main(kit: Kit) -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some(WORKER_ARG) => return (kit.worker_main)(),
        Some(CHILD_ARG) => return child::main(&args[1..]),
        _ => {}
    }
    match report::Options::parse(&args) {
        Ok(None) => {
            println!("{}", report::usage());
            ExitCode::SUCCESS
        }
        Ok(Some(options)) => experiments::run_all(&kit, &options),
        Err(message) => {
            eprintln!("error: {message}\n\n{}", report::usage());
            ExitCode::from(2)
        }
    }
}

/// The lab's `main`, for an example binary: adapts a crate with exercise 01's API (threads
/// and processes) and one with exercise 02's (an executor) to the lab's [`Kit`] and runs it.
///
/// ```text
/// switch_lab::lab_main!(threads: exercise_01, green: exercise_02, code: "your code");
/// ```
#[macro_export]
macro_rules! lab_main {
    (threads: $threads:ident, green: $green:ident, code: $code:expr) => {
        struct LabGreenOf;

        impl $crate::Green for LabGreenOf {
            fn block_on<F: ::std::future::Future + 'static>(future: F) -> F::Output {
                #[allow(unused_mut)]
                let mut executor = $green::Executor::new();
                executor.block_on(future)
            }

            fn spawn<F>(
                future: F,
            ) -> impl ::std::future::Future<Output = Result<F::Output, String>> + 'static
            where
                F: ::std::future::Future + 'static,
                F::Output: 'static,
            {
                let handle = $green::spawn(future);
                async move { handle.await.map_err(|error| error.to_string()) }
            }

            fn yield_now() -> impl ::std::future::Future<Output = ()> + 'static {
                $green::yield_now()
            }
        }

        fn main() -> ::std::process::ExitCode {
            $crate::main($crate::Kit {
                code: $code,
                run_in_threads: |input, threads| {
                    $threads::run_in_threads(input, threads, $threads::work)
                        .into_iter()
                        .map(|result| result.map_err(|error| error.to_string()))
                        .collect()
                },
                run_in_processes: |command, input, processes, deadline| {
                    $threads::run_in_processes(command, input, processes, deadline)
                        .into_iter()
                        .map(|result| result.map_err(|error| error.to_string()))
                        .collect()
                },
                work: $threads::work,
                worker_main: $threads::worker_process::worker_main,
                green: $crate::GreenKit::of::<LabGreenOf>(),
            })
        }
    };
}
