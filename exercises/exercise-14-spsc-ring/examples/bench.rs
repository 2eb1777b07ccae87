//! Exercise 14's bench: how many items per second one producer thread and one consumer
//! thread pass through a bounded queue, this package's SPSC ring beside crossbeam's
//! `ArrayQueue` (a lock-free MPMC array queue) and std's `sync_channel` of the same
//! capacity, measured side by side in one run, in rotating order, and the median of several
//! runs taken. Book: part-5/lock-free-queues.md.
//!
//! ```text
//! cargo run --release -p exercise-14 --example bench            # your ring
//! cargo run --release -p solution-14 --example bench            # the reference ring
//! cargo run --release -p solution-14 --example bench -- --json  # one JSON document
//! cargo run --release -p solution-14 --example bench -- --quick # a rough run in seconds
//! ```
//!
//! The ring and the ArrayQueue never block: when full or empty, both are retried the same
//! way, with a spin hint 64 times, then yielding the CPU at each try (on a machine with as
//! many busy threads as cores, a side that only spins keeps the other from running).
//! `sync_channel`'s `send`/`recv` block (sleep) as they do.
//!
//! This file is the workload and the names of the rows and columns; crates/queue-bench runs
//! it (options, order, medians, the table). No test looks at a number it prints. A shared
//! machine is noisy: compare the ratio columns of one run, not numbers of different runs.

use std::hint;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::mpsc::sync_channel;
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_queue::ArrayQueue;
use queue_bench::{Bench, Measure, Param, Ratio, Side, Size, Yours, join};

// This package's library, under a fixed name (exercise, solution, or a copy of either).
library_under_test::library_under_test!(ring_crate);

/// Spins a little, then yields: one retry of a full or empty queue.
struct Backoff(u32);

impl Backoff {
    fn wait(&mut self) {
        if self.0 < 64 {
            self.0 += 1;
            hint::spin_loop();
        } else {
            thread::yield_now();
        }
    }

    fn reset(&mut self) {
        self.0 = 0;
    }
}

/// The rows of the table: the capacity of the queues.
const CAPACITIES: &[usize] = &[64, 1024];

/// Passes 0..items through the reader's ring; returns the time and the sum received.
fn through_ring(capacity: usize, items: u64) -> (Duration, u64) {
    let (mut producer, mut consumer) = ring_crate::ring::<u64>(capacity);
    let start = Instant::now();
    let popper = thread::spawn(move || {
        let mut sum = 0_u64;
        let mut left = items;
        let mut backoff = Backoff(0);
        while left > 0 {
            match consumer.pop() {
                Some(item) => {
                    sum = sum.wrapping_add(item);
                    left -= 1;
                    backoff.reset();
                }
                None => backoff.wait(),
            }
        }
        sum
    });
    let mut backoff = Backoff(0);
    for item in 0..items {
        let mut item = item;
        while let Err(back) = producer.push(item) {
            item = back;
            backoff.wait();
        }
        backoff.reset();
    }
    let sum = join(popper);
    (start.elapsed(), sum)
}

/// The same through crossbeam's ArrayQueue (shared with an Arc), retried the same way.
fn through_array_queue(capacity: usize, items: u64) -> (Duration, u64) {
    let queue = Arc::new(ArrayQueue::<u64>::new(capacity));
    let theirs = Arc::clone(&queue);
    let start = Instant::now();
    let popper = thread::spawn(move || {
        let mut sum = 0_u64;
        let mut left = items;
        let mut backoff = Backoff(0);
        while left > 0 {
            match theirs.pop() {
                Some(item) => {
                    sum = sum.wrapping_add(item);
                    left -= 1;
                    backoff.reset();
                }
                None => backoff.wait(),
            }
        }
        sum
    });
    let mut backoff = Backoff(0);
    for item in 0..items {
        let mut item = item;
        while let Err(back) = queue.push(item) {
            item = back;
            backoff.wait();
        }
        backoff.reset();
    }
    let sum = join(popper);
    (start.elapsed(), sum)
}

/// The same through std's `sync_channel(capacity)`, whose send and recv block.
fn through_sync_channel(capacity: usize, items: u64) -> (Duration, u64) {
    let (send, receive) = sync_channel::<u64>(capacity);
    let start = Instant::now();
    let popper = thread::spawn(move || receive.iter().fold(0_u64, u64::wrapping_add));
    for item in 0..items {
        send.send(item).expect("the consumer is still there");
    }
    drop(send);
    let sum = join(popper);
    (start.elapsed(), sum)
}

fn main() -> ExitCode {
    Bench {
        exercise: "exercise-14",
        package: env!("CARGO_PKG_NAME"),
        about: "\
Exercise 14's bench: items per second from one producer thread to one consumer thread,
this package's SPSC ring beside crossbeam's ArrayQueue and std's sync_channel.",
        unit: "items",
        size: Size {
            count: 10_000_000,
            runs: 5,
        },
        quick: Size {
            count: 1_000_000,
            runs: 3,
        },
        heading: "u64, 1 producer, 1 consumer",
        above: &[],
        below: &[
            "vs AQ = ring / ArrayQueue, vs chan = ring / sync_channel (above 1: the ring is faster)",
        ],
        cases: CAPACITIES,
        params: |capacity| {
            vec![
                Param::json_only("producers", 1),
                Param::json_only("consumers", 1),
                Param::column("capacity", 8, capacity),
            ]
        },
        measure: Measure::PerSecond,
        sides: &[
            Side {
                name: "SPSC ring",
                key: "ring_items_per_s",
                width: 14,
                run: through_ring,
            },
            Side {
                name: "ArrayQueue",
                key: "array_queue_items_per_s",
                width: 14,
                run: through_array_queue,
            },
            Side {
                name: "sync_channel",
                key: "sync_channel_items_per_s",
                width: 14,
                run: through_sync_channel,
            },
        ],
        ratios: &[
            Ratio {
                header: "vs AQ",
                width: 10,
                key: "ratio_to_array_queue",
                of: "SPSC ring",
                to: "ArrayQueue",
            },
            Ratio {
                header: "vs chan",
                width: 10,
                key: "ratio_to_sync_channel",
                of: "SPSC ring",
                to: "sync_channel",
            },
        ],
        expected: |items| (0..items).fold(0_u64, u64::wrapping_add),
        yours: Yours {
            name: "ring",
            files: "src/ring.rs",
            probe: || {
                through_ring(4, 100);
            },
        },
    }
    .main()
}
