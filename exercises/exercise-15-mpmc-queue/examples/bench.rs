//! Exercise 15's bench: how many items per second P producers and C consumers pass through a
//! bounded lock-free queue, this package's `MpmcQueue` beside crossbeam's `ArrayQueue` (the
//! same algorithm, Vyukov's queue with stamps), measured side by side in one run, in
//! alternating order, and the median of several runs taken. Book: part-5/lock-free-queues.md.
//!
//! ```text
//! cargo run --release -p exercise-15 --example bench            # your queue
//! cargo run --release -p solution-15 --example bench            # the reference queue
//! cargo run --release -p solution-15 --example bench -- --json  # one JSON document
//! cargo run --release -p solution-15 --example bench -- --quick # a rough run in seconds
//! ```
//!
//! Both queues are driven the same way: a producer whose push finds the queue full, or a
//! consumer whose pop finds it empty, yields its time slice and tries again. When every
//! producer is done, one 0 per consumer tells the consumers to stop.
//!
//! This file is the workload and the names of the rows and columns; crates/queue-bench runs
//! it (options, order, medians, the table). No test looks at a number it prints. A
//! shared-state bench on a loaded machine is noisy: compare the ratio column of one run, not
//! numbers of different runs.

use std::process::ExitCode;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_queue::ArrayQueue;
use queue_bench::{Bench, Measure, Param, Ratio, Side, Size, Yours, join};

// This package's library, under a fixed name (exercise, solution, or a copy of either).
library_under_test::library_under_test!(queue_crate);

use queue_crate::MpmcQueue;

/// What the bench needs of a queue: both queues have these, under the same names.
trait Queue: Send + Sync + 'static {
    fn with_capacity(capacity: usize) -> Self;
    fn push(&self, item: u64) -> Result<(), u64>;
    fn pop(&self) -> Option<u64>;
}

impl Queue for MpmcQueue<u64> {
    fn with_capacity(capacity: usize) -> Self {
        MpmcQueue::new(capacity)
    }
    fn push(&self, item: u64) -> Result<(), u64> {
        MpmcQueue::push(self, item)
    }
    fn pop(&self) -> Option<u64> {
        MpmcQueue::pop(self)
    }
}

impl Queue for ArrayQueue<u64> {
    fn with_capacity(capacity: usize) -> Self {
        ArrayQueue::new(capacity)
    }
    fn push(&self, item: u64) -> Result<(), u64> {
        ArrayQueue::push(self, item)
    }
    fn pop(&self) -> Option<u64> {
        ArrayQueue::pop(self)
    }
}

/// One row of the table: P producers, C consumers, a queue of `capacity`.
#[derive(Clone, Copy)]
struct Case {
    producers: usize,
    consumers: usize,
    capacity: usize,
}

const fn case(producers: usize, consumers: usize) -> Case {
    Case {
        producers,
        consumers,
        capacity: 128,
    }
}

const CASES: &[Case] = &[
    case(1, 1),
    case(1, 2),
    case(2, 1),
    case(2, 2),
    case(1, 4),
    case(4, 1),
    case(4, 4),
];

/// Pushes, yielding while the queue is full.
fn push_all<Q: Queue>(queue: &Q, mut item: u64) {
    while let Err(back) = queue.push(item) {
        item = back;
        thread::yield_now();
    }
}

/// Passes the numbers 1..=items through a queue of type `Q`; returns the time and the sum
/// received.
fn through<Q: Queue>(case: Case, items: u64) -> (Duration, u64) {
    let queue = Arc::new(Q::with_capacity(case.capacity));
    let start = Instant::now();
    let consumers: Vec<_> = (0..case.consumers)
        .map(|_| {
            let queue = Arc::clone(&queue);
            thread::spawn(move || {
                let mut sum = 0_u64;
                loop {
                    match queue.pop() {
                        Some(0) => return sum,
                        Some(item) => sum += item,
                        None => thread::yield_now(),
                    }
                }
            })
        })
        .collect();
    let producers: Vec<_> = (0..case.producers as u64)
        .map(|p| {
            let queue = Arc::clone(&queue);
            let producers = case.producers as u64;
            thread::spawn(move || {
                for item in (1..=items).skip(p as usize).step_by(producers as usize) {
                    push_all(&*queue, item);
                }
            })
        })
        .collect();
    producers.into_iter().for_each(join);
    for _ in 0..case.consumers {
        push_all(&*queue, 0);
    }
    let sum = consumers.into_iter().map(join).sum();
    (start.elapsed(), sum)
}

fn main() -> ExitCode {
    Bench {
        exercise: "exercise-15",
        package: env!("CARGO_PKG_NAME"),
        about: "\
Exercise 15's bench: items per second through a bounded lock-free queue, this package's
MpmcQueue beside crossbeam's ArrayQueue, with P producers and C consumers.",
        unit: "items",
        size: Size {
            count: 1_000_000,
            runs: 5,
        },
        quick: Size {
            count: 50_000,
            runs: 3,
        },
        heading: "items per case",
        above: &[],
        below: &["ratio = MpmcQueue / ArrayQueue (above 1: the queue is faster)"],
        cases: CASES,
        params: |case| {
            vec![
                Param::column("producers", 9, case.producers),
                Param::column("consumers", 9, case.consumers),
                Param::column("capacity", 8, case.capacity),
            ]
        },
        measure: Measure::PerSecond,
        sides: &[
            Side {
                name: "MpmcQueue",
                key: "mpmc_queue_items_per_s",
                width: 16,
                run: through::<MpmcQueue<u64>>,
            },
            Side {
                name: "ArrayQueue",
                key: "array_queue_items_per_s",
                width: 16,
                run: through::<ArrayQueue<u64>>,
            },
        ],
        ratios: &[Ratio {
            header: "ratio",
            width: 7,
            key: "ratio",
            of: "MpmcQueue",
            to: "ArrayQueue",
        }],
        expected: |items| items * (items + 1) / 2,
        yours: Yours {
            name: "MpmcQueue",
            files: "src/queue.rs",
            probe: || {
                let queue = MpmcQueue::<u64>::new(1);
                let _ = queue.push(1);
                let _ = queue.pop();
            },
        },
    }
    .main()
}
