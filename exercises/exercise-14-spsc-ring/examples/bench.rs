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
//! `sync_channel`'s `send`/`recv` block (sleep) as they do. No test looks at a number it prints. A shared machine is noisy:
//! compare the ratio columns of one run, not numbers of different runs.

use std::hint;
use std::panic::{self, AssertUnwindSafe};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::mpsc::sync_channel;
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_queue::ArrayQueue;

// This package's library, under a fixed name (exercise, solution, or a copy of either).
library_under_test::library_under_test!(ring_crate);

const HELP: &str = "\
Exercise 14's bench: items per second from one producer thread to one consumer thread,
this package's SPSC ring beside crossbeam's ArrayQueue and std's sync_channel.

Usage: cargo run --release -p solution-14 --example bench [-- OPTIONS]

Options:
  --json      print one JSON document instead of the table
  --quick     fewer items and runs: finishes in seconds, numbers rough
  -h, --help  this text";

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
    let sum = popper
        .join()
        .unwrap_or_else(|payload| panic::resume_unwind(payload));
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
    let sum = popper
        .join()
        .unwrap_or_else(|payload| panic::resume_unwind(payload));
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
    let sum = popper
        .join()
        .unwrap_or_else(|payload| panic::resume_unwind(payload));
    (start.elapsed(), sum)
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort_unstable();
    samples[samples.len() / 2]
}

/// Whether a panic payload is a `todo!()`: the ring is not written yet.
fn is_todo(payload: &(dyn std::any::Any + Send)) -> bool {
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    text.contains("not yet implemented")
}

const NAMES: [&str; 3] = ["SPSC ring", "ArrayQueue", "sync_channel"];

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
    let (items, runs): (u64, usize) = if quick {
        (1_000_000, 3)
    } else {
        (10_000_000, 5)
    };
    let expected = (0..items).fold(0_u64, u64::wrapping_add);

    // A first, small run tells whether the ring is written at all.
    panic::set_hook(Box::new(|_| {}));
    let probe = panic::catch_unwind(AssertUnwindSafe(|| through_ring(4, 100)));
    let _ = panic::take_hook();
    if let Err(payload) = probe {
        if is_todo(payload.as_ref()) {
            println!(
                "Your ring is not written yet (a todo!() panicked): nothing to measure. \
                 Fill in src/ring.rs, then run the bench again."
            );
            return ExitCode::SUCCESS;
        }
        panic::resume_unwind(payload);
    }

    let cpus = thread::available_parallelism().map_or(1, |n| n.get());
    let mut rows = Vec::new();
    for &capacity in CAPACITIES {
        let mut samples: [Vec<Duration>; 3] = Default::default();
        for run in 0..runs {
            // Rotate which goes first, so none always runs on a warmer (or hotter) machine.
            for k in 0..3 {
                let which = (run + k) % 3;
                let (took, sum) = match which {
                    0 => through_ring(capacity, items),
                    1 => through_array_queue(capacity, items),
                    _ => through_sync_channel(capacity, items),
                };
                assert_eq!(
                    sum, expected,
                    "{}: items were lost or duplicated",
                    NAMES[which]
                );
                samples[which].push(took);
            }
        }
        let rate = |took: Duration| items as f64 / took.as_secs_f64().max(1e-9);
        let [ring, array, channel] = samples.map(|s| rate(median(s)));
        rows.push((capacity, ring, array, channel));
    }

    if json {
        let cells: Vec<String> = rows
            .iter()
            .map(|(capacity, ring, array, channel)| {
                format!(
                    "{{\"producers\":1,\"consumers\":1,\"capacity\":{capacity},\"items\":{items},\
                     \"runs\":{runs},\"ring_items_per_s\":{ring:.0},\
                     \"array_queue_items_per_s\":{array:.0},\
                     \"sync_channel_items_per_s\":{channel:.0},\
                     \"ratio_to_array_queue\":{:.3},\"ratio_to_sync_channel\":{:.3}}}",
                    ring / array,
                    ring / channel
                )
            })
            .collect();
        println!(
            "{{\"bench\":\"exercise-14\",\"package\":\"{}\",\"cpus\":{cpus},\"cases\":[{}]}}",
            env!("CARGO_PKG_NAME"),
            cells.join(",")
        );
    } else {
        println!(
            "{items} u64, 1 producer, 1 consumer, median of {runs} runs, {cpus} CPUs, {}",
            env!("CARGO_PKG_NAME")
        );
        println!(
            "{:>8} {:>14} {:>14} {:>14} {:>10} {:>10}",
            "capacity", "SPSC ring/s", "ArrayQueue/s", "sync_channel/s", "vs AQ", "vs chan"
        );
        for (capacity, ring, array, channel) in &rows {
            println!(
                "{:>8} {:>14.0} {:>14.0} {:>14.0} {:>9.2}x {:>9.2}x",
                capacity,
                ring,
                array,
                channel,
                ring / array,
                ring / channel
            );
        }
        println!(
            "vs AQ = ring / ArrayQueue, vs chan = ring / sync_channel (above 1: the ring is faster)"
        );
    }
    ExitCode::SUCCESS
}
