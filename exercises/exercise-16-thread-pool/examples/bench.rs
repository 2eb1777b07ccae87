//! Exercise 16's bench: what a task costs on a pool. It runs N trivial tasks (a closure
//! that doubles a number) three ways, side by side in one run, in alternating order, and
//! takes the median of several runs: called in place on this thread (no pool at all), on
//! this package's `ThreadPool` (`submit`, then `result` of every future), and on a minimal
//! pool written here over crossbeam's channel (jobs on one unbounded channel, each answer on
//! a channel of its own, the smallest "future" there is). Book:
//! part-5/thread-pools-and-futures.md.
//!
//! ```text
//! cargo run --release -p exercise-16 --example bench            # your pool
//! cargo run --release -p solution-16 --example bench            # the reference pool
//! cargo run --release -p solution-16 --example bench -- --json  # one JSON document
//! cargo run --release -p solution-16 --example bench -- --quick # a rough run in seconds
//! ```
//!
//! No test looks at a number it prints. Compare the ratio columns of one run, not numbers
//! of different runs: a loaded machine moves them all.

use std::hint::black_box;
use std::panic::{self, AssertUnwindSafe};
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

// This package's library, under a fixed name (exercise, solution, or a copy of either).
library_under_test::library_under_test!(pool_crate);

use pool_crate::ThreadPool;

const HELP: &str = "\
Exercise 16's bench: the cost of a trivial task, run in place, on this package's ThreadPool
and on a minimal crossbeam-channel pool, with 1, 2 and 4 workers.

Usage: cargo run --release -p solution-16 --example bench [-- OPTIONS]

Options:
  --json      print one JSON document instead of the table
  --quick     fewer tasks and runs: finishes in seconds, numbers rough
  -h, --help  this text";

/// How the tasks are fed: all submitted, then all results taken (`batch`), or each result
/// taken before the next submit (`one by one`: a round trip to a worker and back per task).
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Batch,
    OneByOne,
}

#[derive(Clone, Copy)]
struct Case {
    workers: usize,
    mode: Mode,
}

const CASES: &[Case] = &[
    Case {
        workers: 1,
        mode: Mode::Batch,
    },
    Case {
        workers: 2,
        mode: Mode::Batch,
    },
    Case {
        workers: 4,
        mode: Mode::Batch,
    },
    Case {
        workers: 1,
        mode: Mode::OneByOne,
    },
];

fn task(n: u64) -> u64 {
    black_box(n) * 2
}

/// The tasks called on this thread: what a task costs without a pool.
fn in_place(tasks: u64) -> (Duration, u64) {
    let start = Instant::now();
    let sum = (0..tasks).map(task).sum();
    (start.elapsed(), sum)
}

/// The tasks on this package's pool (its start and shutdown included).
fn on_thread_pool(case: Case, tasks: u64) -> (Duration, u64) {
    let start = Instant::now();
    let pool = ThreadPool::new(case.workers);
    let sum = match case.mode {
        Mode::Batch => {
            let futures: Vec<_> = (0..tasks)
                .map(|n| pool.submit(move || task(n)).expect("the pool is open"))
                .collect();
            futures
                .iter()
                .map(|future| future.result(None).expect("a task that cannot fail"))
                .sum()
        }
        Mode::OneByOne => (0..tasks)
            .map(|n| {
                pool.submit(move || task(n))
                    .expect("the pool is open")
                    .result(None)
                    .expect("a task that cannot fail")
            })
            .sum(),
    };
    drop(pool);
    (start.elapsed(), sum)
}

/// A minimal pool over crossbeam-channel: no cancel, no callbacks, no timeout, no panics
/// caught; a task's answer comes back on a bounded channel of one.
struct CrossbeamPool {
    jobs: Option<crossbeam_channel::Sender<Box<dyn FnOnce() + Send>>>,
    workers: Vec<thread::JoinHandle<()>>,
}

impl CrossbeamPool {
    fn new(workers: usize) -> Self {
        let (jobs, take) = crossbeam_channel::unbounded::<Box<dyn FnOnce() + Send>>();
        let workers = (0..workers)
            .map(|_| {
                let take = take.clone();
                thread::spawn(move || {
                    for job in take {
                        job();
                    }
                })
            })
            .collect();
        CrossbeamPool {
            jobs: Some(jobs),
            workers,
        }
    }

    fn submit<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> crossbeam_channel::Receiver<T> {
        let (answer, result) = crossbeam_channel::bounded(1);
        let job = Box::new(move || {
            let _ = answer.send(f());
        });
        self.jobs
            .as_ref()
            .expect("open until dropped")
            .send(job)
            .expect("the workers are running");
        result
    }
}

impl Drop for CrossbeamPool {
    fn drop(&mut self) {
        // Dropping the only sender disconnects the channel: each worker's loop ends.
        drop(self.jobs.take());
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

fn on_crossbeam_pool(case: Case, tasks: u64) -> (Duration, u64) {
    let start = Instant::now();
    let pool = CrossbeamPool::new(case.workers);
    let sum = match case.mode {
        Mode::Batch => {
            let results: Vec<_> = (0..tasks).map(|n| pool.submit(move || task(n))).collect();
            results
                .iter()
                .map(|result| result.recv().expect("the task answers"))
                .sum()
        }
        Mode::OneByOne => (0..tasks)
            .map(|n| {
                pool.submit(move || task(n))
                    .recv()
                    .expect("the task answers")
            })
            .sum(),
    };
    drop(pool);
    (start.elapsed(), sum)
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort_unstable();
    samples[samples.len() / 2]
}

/// Whether a panic payload is a `todo!()`: the pool is not written yet.
fn is_todo(payload: &(dyn std::any::Any + Send)) -> bool {
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    text.contains("not yet implemented")
}

fn main() -> ExitCode {
    let mut json = false;
    let mut quick = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--json" => json = true,
            "--quick" => quick = true,
            "-h" | "--help" => {
                println!("{HELP}");
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("bench: unknown option `{other}`\n\n{HELP}");
                return ExitCode::from(2);
            }
        }
    }
    let (tasks, runs) = if quick { (10_000, 3) } else { (100_000, 5) };
    let expected: u64 = (0..tasks).map(|n| n * 2).sum();

    // A first, small run tells whether the pool is written at all.
    panic::set_hook(Box::new(|_| {}));
    let probe = panic::catch_unwind(AssertUnwindSafe(|| on_thread_pool(CASES[0], 10)));
    let _ = panic::take_hook();
    if let Err(payload) = probe {
        if is_todo(payload.as_ref()) {
            println!(
                "Your ThreadPool is not written yet (a todo!() panicked): nothing to measure. \
                 Fill in src/future.rs and src/pool.rs, then run the bench again."
            );
            return ExitCode::SUCCESS;
        }
        panic::resume_unwind(payload);
    }

    let cpus = thread::available_parallelism().map_or(1, |n| n.get());
    let mut rows = Vec::new();
    for &case in CASES {
        let (mut here, mut mine, mut theirs) = (Vec::new(), Vec::new(), Vec::new());
        for run in 0..runs {
            // Rotate which goes first, so none always runs on a warmer machine.
            for step in 0..3 {
                match (run + step) % 3 {
                    0 => {
                        let (took, sum) = in_place(tasks);
                        assert_eq!(sum, expected);
                        here.push(took);
                    }
                    1 => {
                        let (took, sum) = on_thread_pool(case, tasks);
                        assert_eq!(sum, expected, "the pool lost or changed results");
                        mine.push(took);
                    }
                    _ => {
                        let (took, sum) = on_crossbeam_pool(case, tasks);
                        assert_eq!(sum, expected);
                        theirs.push(took);
                    }
                }
            }
        }
        let per_task = |took: Duration| took.as_secs_f64() * 1e9 / tasks as f64;
        rows.push((
            case,
            per_task(median(here)),
            per_task(median(mine)),
            per_task(median(theirs)),
        ));
    }

    let mode_name = |mode: Mode| match mode {
        Mode::Batch => "batch",
        Mode::OneByOne => "one by one",
    };
    if json {
        let cells: Vec<String> = rows
            .iter()
            .map(|(case, here, mine, theirs)| {
                format!(
                    "{{\"workers\":{},\"mode\":\"{}\",\"tasks\":{tasks},\"runs\":{runs},\
                     \"in_place_ns_per_task\":{here:.1},\"thread_pool_ns_per_task\":{mine:.1},\
                     \"crossbeam_pool_ns_per_task\":{theirs:.1},\
                     \"thread_pool_over_crossbeam\":{:.3},\"thread_pool_over_in_place\":{:.1}}}",
                    case.workers,
                    mode_name(case.mode),
                    mine / theirs,
                    mine / here
                )
            })
            .collect();
        println!(
            "{{\"bench\":\"exercise-16\",\"package\":\"{}\",\"cpus\":{cpus},\"cases\":[{}]}}",
            env!("CARGO_PKG_NAME"),
            cells.join(",")
        );
    } else {
        println!(
            "{tasks} tasks per case, median of {runs} runs, {cpus} CPUs, package {}",
            env!("CARGO_PKG_NAME")
        );
        println!("nanoseconds per task, the pool's start and shutdown included");
        println!(
            "{:>7} {:>10} {:>9} {:>11} {:>15} {:>11} {:>11}",
            "workers", "mode", "in place", "ThreadPool", "crossbeam pool", "vs pool", "vs place"
        );
        for (case, here, mine, theirs) in &rows {
            println!(
                "{:>7} {:>10} {:>9.1} {:>11.1} {:>15.1} {:>10.2}x {:>10.0}x",
                case.workers,
                mode_name(case.mode),
                here,
                mine,
                theirs,
                mine / theirs,
                mine / here
            );
        }
        println!("vs pool = ThreadPool / crossbeam pool (above 1: ThreadPool costs more)");
        println!("vs place = ThreadPool / in place");
    }
    ExitCode::SUCCESS
}
