//! Exercise 13's bench: how many items per second P producers and C consumers pass through
//! a bounded queue, this package's `BlockingQueue` beside crossbeam's bounded channel
//! (`crossbeam_channel::bounded`, the algorithm std's `sync_channel` also uses), measured
//! side by side in one run, in alternating order, and the median of several runs taken.
//! Book: part-5/thread-safe-queues.md.
//!
//! ```text
//! cargo run --release -p exercise-13 --example bench            # your queue
//! cargo run --release -p solution-13 --example bench            # the reference queue
//! cargo run --release -p solution-13 --example bench -- --json  # one JSON document
//! cargo run --release -p solution-13 --example bench -- --quick # a rough run in seconds
//! ```
//!
//! This file is the workload and the names of the rows and columns; crates/queue-bench runs
//! it (options, order, medians, the table). No test looks at a number it prints. A
//! shared-state bench on a loaded machine is noisy: compare the ratio column of one run, not
//! numbers of different runs.

use std::process::ExitCode;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use queue_bench::{Bench, Measure, Param, Ratio, Side, Size, Yours, join};

// This package's library, under a fixed name (exercise, solution, or a copy of either).
library_under_test::library_under_test!(queue_crate);

use queue_crate::{BlockingQueue, GetError};

/// One row of the table: P producers, C consumers, a queue of `capacity`.
#[derive(Clone, Copy)]
struct Case {
    producers: usize,
    consumers: usize,
    capacity: usize,
}

const fn case(producers: usize, consumers: usize, capacity: usize) -> Case {
    Case {
        producers,
        consumers,
        capacity,
    }
}

const CASES: &[Case] = &[
    case(1, 1, 1),
    case(1, 1, 64),
    case(2, 2, 64),
    case(4, 4, 64),
    case(4, 1, 64),
];

/// Passes the numbers 1..=items through the reader's queue; returns the time and the sum
/// received.
fn through_blocking_queue(case: Case, items: u64) -> (Duration, u64) {
    let queue = Arc::new(BlockingQueue::new(case.capacity));
    let start = Instant::now();
    let consumers: Vec<_> = (0..case.consumers)
        .map(|_| {
            let queue = Arc::clone(&queue);
            thread::spawn(move || {
                let mut sum = 0_u64;
                loop {
                    match queue.get() {
                        Ok(item) => sum += item,
                        Err(GetError::Closed) => return sum,
                        Err(GetError::Empty) => panic!("get() returned Empty"),
                    }
                }
            })
        })
        .collect();
    let producers: Vec<_> = (0..case.producers as u64)
        .map(|p| {
            let queue = Arc::clone(&queue);
            let share = share(items, case.producers as u64, p);
            thread::spawn(move || {
                for item in share {
                    if queue.put(item).is_err() {
                        panic!("put() failed on an open queue");
                    }
                }
            })
        })
        .collect();
    producers.into_iter().for_each(join);
    queue.close();
    let sum = consumers.into_iter().map(join).sum();
    (start.elapsed(), sum)
}

/// The same through `crossbeam_channel::bounded`; dropping every sender ends the consumers.
fn through_crossbeam(case: Case, items: u64) -> (Duration, u64) {
    let (send, receive) = crossbeam_channel::bounded(case.capacity);
    let start = Instant::now();
    let consumers: Vec<_> = (0..case.consumers)
        .map(|_| {
            let receive = receive.clone();
            thread::spawn(move || receive.iter().sum::<u64>())
        })
        .collect();
    drop(receive);
    let producers: Vec<_> = (0..case.producers as u64)
        .map(|p| {
            let send = send.clone();
            let share = share(items, case.producers as u64, p);
            thread::spawn(move || {
                for item in share {
                    send.send(item).expect("the consumers are still there");
                }
            })
        })
        .collect();
    drop(send);
    producers.into_iter().for_each(join);
    let sum = consumers.into_iter().map(join).sum();
    (start.elapsed(), sum)
}

/// The numbers producer `p` of `producers` puts: every `producers`-th of 1..=items.
fn share(items: u64, producers: u64, p: u64) -> impl Iterator<Item = u64> {
    (1..=items).skip(p as usize).step_by(producers as usize)
}

fn main() -> ExitCode {
    Bench {
        exercise: "exercise-13",
        package: env!("CARGO_PKG_NAME"),
        about: "\
Exercise 13's bench: items per second through a bounded queue, this package's BlockingQueue
beside crossbeam's bounded channel, with P producers and C consumers.",
        unit: "items",
        size: Size {
            count: 200_000,
            runs: 5,
        },
        quick: Size {
            count: 20_000,
            runs: 3,
        },
        heading: "items per case",
        above: &[],
        below: &["ratio = BlockingQueue / crossbeam (above 1: the queue is faster)"],
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
                name: "BlockingQueue",
                key: "blocking_queue_items_per_s",
                width: 18,
                run: through_blocking_queue,
            },
            Side {
                name: "crossbeam bounded",
                key: "crossbeam_bounded_items_per_s",
                width: 20,
                run: through_crossbeam,
            },
        ],
        ratios: &[Ratio {
            header: "ratio",
            width: 7,
            key: "ratio",
            of: "BlockingQueue",
            to: "crossbeam bounded",
        }],
        expected: |items| items * (items + 1) / 2,
        yours: Yours {
            name: "BlockingQueue",
            files: "src/queue.rs",
            probe: || {
                through_blocking_queue(CASES[0], 100);
            },
        },
    }
    .main()
}
