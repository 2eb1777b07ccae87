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
//! producer is done, one 0 per consumer tells the consumers to stop. No test looks at a number
//! it prints. A shared-state bench on a loaded machine is noisy: compare the ratio column of
//! one run, not numbers of different runs.

use std::panic::{self, AssertUnwindSafe};
use std::process::ExitCode;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_queue::ArrayQueue;

// This package's library, under a fixed name (exercise, solution, or a copy of either).
library_under_test::library_under_test!(queue_crate);

use queue_crate::MpmcQueue;

const HELP: &str = "\
Exercise 15's bench: items per second through a bounded lock-free queue, this package's
MpmcQueue beside crossbeam's ArrayQueue, with P producers and C consumers.

Usage: cargo run --release -p solution-15 --example bench [-- OPTIONS]

Options:
  --json      print one JSON document instead of the table
  --quick     fewer items and runs: finishes in seconds, numbers rough
  -h, --help  this text";

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

/// One cell of the table: P producers, C consumers, a queue of `capacity`.
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
    for producer in producers {
        producer
            .join()
            .unwrap_or_else(|payload| panic::resume_unwind(payload));
    }
    for _ in 0..case.consumers {
        push_all(&*queue, 0);
    }
    let sum = consumers
        .into_iter()
        .map(|c| {
            c.join()
                .unwrap_or_else(|payload| panic::resume_unwind(payload))
        })
        .sum();
    (start.elapsed(), sum)
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort_unstable();
    samples[samples.len() / 2]
}

/// Whether a panic payload is a `todo!()`: the queue is not written yet.
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
    let (items, runs) = if quick { (50_000, 3) } else { (1_000_000, 5) };
    let expected = items * (items + 1) / 2;

    // A first, small run tells whether the queue is written at all.
    panic::set_hook(Box::new(|_| {}));
    let probe = panic::catch_unwind(AssertUnwindSafe(|| {
        let queue = MpmcQueue::<u64>::new(1);
        let _ = queue.push(1);
        queue.pop()
    }));
    let _ = panic::take_hook();
    if let Err(payload) = probe {
        if is_todo(payload.as_ref()) {
            println!(
                "Your MpmcQueue is not written yet (a todo!() panicked): nothing to measure. \
                 Fill in src/queue.rs, then run the bench again."
            );
            return ExitCode::SUCCESS;
        }
        panic::resume_unwind(payload);
    }

    let cpus = thread::available_parallelism().map_or(1, |n| n.get());
    let mut rows = Vec::new();
    for &case in CASES {
        let mut mine = Vec::new();
        let mut theirs = Vec::new();
        for run in 0..runs {
            // Alternate which goes first, so neither always runs on a warmer machine.
            let order: [bool; 2] = if run % 2 == 0 {
                [true, false]
            } else {
                [false, true]
            };
            for ours in order {
                let (took, sum) = if ours {
                    through::<MpmcQueue<u64>>(case, items)
                } else {
                    through::<ArrayQueue<u64>>(case, items)
                };
                assert_eq!(sum, expected, "items were lost or duplicated");
                if ours {
                    mine.push(took)
                } else {
                    theirs.push(took)
                }
            }
        }
        let (mine, theirs) = (median(mine), median(theirs));
        let rate = |took: Duration| items as f64 / took.as_secs_f64().max(1e-9);
        rows.push((case, rate(mine), rate(theirs)));
    }

    if json {
        let cells: Vec<String> = rows
            .iter()
            .map(|(case, mine, theirs)| {
                format!(
                    "{{\"producers\":{},\"consumers\":{},\"capacity\":{},\"items\":{items},\
                     \"runs\":{runs},\"mpmc_queue_items_per_s\":{mine:.0},\
                     \"array_queue_items_per_s\":{theirs:.0},\"ratio\":{:.3}}}",
                    case.producers,
                    case.consumers,
                    case.capacity,
                    mine / theirs
                )
            })
            .collect();
        println!(
            "{{\"bench\":\"exercise-15\",\"package\":\"{}\",\"cpus\":{cpus},\"cases\":[{}]}}",
            env!("CARGO_PKG_NAME"),
            cells.join(",")
        );
    } else {
        println!(
            "{} items per case, median of {runs} runs, {cpus} CPUs, package {}",
            items,
            env!("CARGO_PKG_NAME")
        );
        println!(
            "{:>9} {:>9} {:>8} {:>16} {:>16} {:>7}",
            "producers", "consumers", "capacity", "MpmcQueue/s", "ArrayQueue/s", "ratio"
        );
        for (case, mine, theirs) in &rows {
            println!(
                "{:>9} {:>9} {:>8} {:>16.0} {:>16.0} {:>6.2}x",
                case.producers,
                case.consumers,
                case.capacity,
                mine,
                theirs,
                mine / theirs
            );
        }
        println!("ratio = MpmcQueue / ArrayQueue (above 1: the queue is faster)");
    }
    ExitCode::SUCCESS
}
