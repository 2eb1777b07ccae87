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
//! This file is the workload and the names of the rows and columns; crates/queue-bench runs
//! it (options, order, medians, the table). No test looks at a number it prints. Compare the
//! ratio columns of one run, not numbers of different runs: a loaded machine moves them all.

use std::hint::black_box;
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use queue_bench::{Bench, Measure, Param, Ratio, Side, Size, Yours};

// This package's library, under a fixed name (exercise, solution, or a copy of either).
library_under_test::library_under_test!(pool_crate);

use pool_crate::ThreadPool;

/// How the tasks are fed: all submitted, then all results taken (`batch`), or each result
/// taken before the next submit (`one by one`: a round trip to a worker and back per task).
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Batch,
    OneByOne,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Batch => "batch",
            Mode::OneByOne => "one by one",
        }
    }
}

/// One row of the table: a pool of `workers`, fed in `mode`.
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

fn main() -> ExitCode {
    Bench {
        exercise: "exercise-16",
        package: env!("CARGO_PKG_NAME"),
        about: "\
Exercise 16's bench: the cost of a trivial task, run in place, on this package's ThreadPool
and on a minimal crossbeam-channel pool, with 1, 2 and 4 workers.",
        unit: "tasks",
        size: Size {
            count: 100_000,
            runs: 5,
        },
        quick: Size {
            count: 10_000,
            runs: 3,
        },
        heading: "tasks per case",
        above: &["nanoseconds per task, the pool's start and shutdown included"],
        below: &[
            "vs pool = ThreadPool / crossbeam pool (above 1: ThreadPool costs more)",
            "vs place = ThreadPool / in place",
        ],
        cases: CASES,
        params: |case| {
            vec![
                Param::column("workers", 7, case.workers),
                Param::column("mode", 10, case.mode.name()),
            ]
        },
        measure: Measure::NanosEach,
        sides: &[
            Side {
                name: "in place",
                key: "in_place_ns_per_task",
                width: 9,
                run: |_, tasks| in_place(tasks),
            },
            Side {
                name: "ThreadPool",
                key: "thread_pool_ns_per_task",
                width: 11,
                run: on_thread_pool,
            },
            Side {
                name: "crossbeam pool",
                key: "crossbeam_pool_ns_per_task",
                width: 15,
                run: on_crossbeam_pool,
            },
        ],
        ratios: &[
            Ratio {
                header: "vs pool",
                width: 11,
                key: "thread_pool_over_crossbeam",
                of: "ThreadPool",
                to: "crossbeam pool",
            },
            Ratio {
                header: "vs place",
                width: 11,
                key: "thread_pool_over_in_place",
                of: "ThreadPool",
                to: "in place",
            },
        ],
        expected: |tasks| (0..tasks).map(|n| n * 2).sum(),
        yours: Yours {
            name: "ThreadPool",
            files: "src/future.rs and src/pool.rs",
            probe: || {
                on_thread_pool(CASES[0], 10);
            },
        },
    }
    .main()
}
