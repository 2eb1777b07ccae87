//! The Part 6 lab: the classic GIL measurements, run on the reader's own GIL (exercise 18)
//! and process pool (exercise 19), beside real CPython when `python3` is installed.
//!
//! The lab is an example binary of exercise 18 (and of its solution), so it measures the
//! code it is built with:
//!
//! ```text
//! cargo run --release -p exercise-18 --example lab            # your GIL and your pool
//! cargo run --release -p solution-18 --example lab            # the reference
//! cargo run --release -p solution-18 --example lab -- --help  # experiments, --quick, --json
//! ```
//!
//! This crate holds everything but the glue: the example is one call of [`lab_main!`], which
//! adapts the exercise crates' types to the traits here ([`LabGil`], [`LabPool`]).

mod cpython;
mod experiments;
mod report;
mod run;
mod timeline;

use std::io;
use std::process::{Command, ExitCode};
use std::sync::Arc;
use std::time::Duration;

pub use timeline::{chrome_trace, svg as draw_svg};
pub use toy_python;
use toy_python::{Event, Interpreter, Value};

/// What the lab needs from a GIL beyond [`toy_python::Gil`]: its counters and event log.
pub trait LabGil: toy_python::Gil + 'static {
    /// Turns forced switching on or off.
    fn set_forced_switching(&self, on: bool);
    /// Times the GIL was taken by another thread than the one that held it before.
    fn switches(&self) -> u64;
    /// Drop requests made by waiters whose wait ran out.
    fn drop_requests(&self) -> u64;
    /// The event log, in order.
    fn events(&self) -> Vec<Event>;
}

/// A job for a worker process: call `function(*args)` in `source`.
#[derive(Debug, Clone)]
pub struct Job {
    /// The program text.
    pub source: String,
    /// The function to call.
    pub function: String,
    /// Its arguments.
    pub args: Vec<Value>,
}

/// What the lab needs from exercise 19's process pool.
pub trait LabPool: Send + Sync {
    /// Runs the jobs, as many at once as there are workers; per job, the worker's pid and
    /// the value, or why there is none.
    fn run_all(&self, jobs: &[Job]) -> Vec<Result<(u32, Value), String>>;
}

/// Makes the command that starts one worker process.
pub type WorkerCommand = Box<dyn Fn() -> Command + Send + Sync>;

/// The reader's (or the reference's) code, as the lab uses it. Built by [`lab_main!`].
pub struct Kit {
    /// Whose code this is, for the report: "your code (exercise-18, exercise-19)".
    pub code: &'static str,
    /// A GIL with this switch interval (forced switching on).
    pub new_gil: fn(Duration) -> Arc<dyn LabGil>,
    /// A pool of `size` workers, each started by `command`.
    pub new_pool: fn(usize, WorkerCommand) -> io::Result<Box<dyn LabPool>>,
    /// Exercise 19's native `integrate(steps)`.
    pub integrate: fn(&[Value]) -> Result<Value, String>,
    /// Registers `integrate` the way exercise 19 does (without the GIL).
    pub register_integrate: fn(&Interpreter),
    /// The worker process's main, run when the lab is started with `--worker`.
    pub worker_main: fn() -> ExitCode,
}

/// Runs the lab with the command-line arguments of this process.
pub fn main(kit: Kit) -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--worker") {
        return (kit.worker_main)();
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

/// The lab's `main`, for an example binary: adapts a GIL crate (exercise 18 or its solution)
/// and a pool crate (exercise 19 or its solution) to the lab's traits and runs it.
///
/// ```text
/// gil_lab::lab_main!(gil: exercise_18, escape: exercise_19, code: "your code");
/// ```
#[macro_export]
macro_rules! lab_main {
    (gil: $gil:ident, escape: $escape:ident, code: $code:expr) => {
        struct LabGilOf($gil::Gil);

        impl $crate::toy_python::Gil for LabGilOf {
            fn take(&self, me: $crate::toy_python::ThreadId) {
                $crate::toy_python::Gil::take(&self.0, me)
            }
            fn release(&self, me: $crate::toy_python::ThreadId) {
                $crate::toy_python::Gil::release(&self.0, me)
            }
            fn check(&self, me: $crate::toy_python::ThreadId, instructions: u64) {
                $crate::toy_python::Gil::check(&self.0, me, instructions)
            }
            fn blocking_begin(&self, me: $crate::toy_python::ThreadId) {
                $crate::toy_python::Gil::blocking_begin(&self.0, me)
            }
            fn blocking_end(&self, me: $crate::toy_python::ThreadId) {
                $crate::toy_python::Gil::blocking_end(&self.0, me)
            }
        }

        impl $crate::LabGil for LabGilOf {
            fn set_forced_switching(&self, on: bool) {
                self.0.set_forced_switching(on)
            }
            fn switches(&self) -> u64 {
                self.0.switches()
            }
            fn drop_requests(&self) -> u64 {
                self.0.drop_requests()
            }
            fn events(&self) -> Vec<$crate::toy_python::Event> {
                self.0.events()
            }
        }

        struct LabPoolOf($escape::Pool);

        impl $crate::LabPool for LabPoolOf {
            fn run_all(
                &self,
                jobs: &[$crate::Job],
            ) -> Vec<Result<(u32, $crate::toy_python::Value), String>> {
                let jobs: Vec<$escape::Job> = jobs
                    .iter()
                    .map(|job| {
                        $escape::Job::new(
                            job.source.clone(),
                            job.function.clone(),
                            job.args.clone(),
                        )
                    })
                    .collect();
                self.0
                    .run_all(&jobs)
                    .into_iter()
                    .map(|result| match result {
                        Ok(reply) => reply.result.map(|value| (reply.pid, value)),
                        Err(error) => Err(error.to_string()),
                    })
                    .collect()
            }
        }

        fn main() -> std::process::ExitCode {
            $crate::main($crate::Kit {
                code: $code,
                new_gil: |interval| std::sync::Arc::new(LabGilOf($gil::Gil::new(interval))),
                new_pool: |size, command| {
                    let pool = $escape::Pool::new(size, command)?;
                    Ok(Box::new(LabPoolOf(pool)))
                },
                integrate: $escape::native::integrate,
                register_integrate: $escape::native::register,
                worker_main: $escape::worker_process::worker_main,
            })
        }
    };
}
