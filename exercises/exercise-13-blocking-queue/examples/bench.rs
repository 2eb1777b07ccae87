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
//! No test looks at a number it prints. A shared-state bench on a loaded machine is noisy:
//! compare the ratio column of one run, not numbers of different runs.

use std::panic::{self, AssertUnwindSafe};
use std::process::ExitCode;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

// This package's library, under a fixed name (exercise, solution, or a copy of either).
library_under_test::library_under_test!(queue_crate);

use queue_crate::{BlockingQueue, GetError};

const HELP: &str = "\
Exercise 13's bench: items per second through a bounded queue, this package's BlockingQueue
beside crossbeam's bounded channel, with P producers and C consumers.

Usage: cargo run --release -p solution-13 --example bench [-- OPTIONS]

Options:
  --json      print one JSON document instead of the table
  --quick     fewer items and runs: finishes in seconds, numbers rough
  -h, --help  this text";

/// One cell of the table: P producers, C consumers, a queue of `capacity`.
#[derive(Clone, Copy)]
struct Case {
    producers: usize,
    consumers: usize,
    capacity: usize,
}

const CASES: &[Case] = &[
    Case {
        producers: 1,
        consumers: 1,
        capacity: 1,
    },
    Case {
        producers: 1,
        consumers: 1,
        capacity: 64,
    },
    Case {
        producers: 2,
        consumers: 2,
        capacity: 64,
    },
    Case {
        producers: 4,
        consumers: 4,
        capacity: 64,
    },
    Case {
        producers: 4,
        consumers: 1,
        capacity: 64,
    },
];

/// Passes `items` numbers through the reader's queue; returns the time and the sum received.
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
    for producer in producers {
        producer
            .join()
            .unwrap_or_else(|payload| panic::resume_unwind(payload));
    }
    queue.close();
    let sum = consumers
        .into_iter()
        .map(|c| {
            c.join()
                .unwrap_or_else(|payload| panic::resume_unwind(payload))
        })
        .sum();
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
    for producer in producers {
        producer
            .join()
            .unwrap_or_else(|payload| panic::resume_unwind(payload));
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

/// The numbers producer `p` of `producers` puts: every `producers`-th of 1..=items.
fn share(items: u64, producers: u64, p: u64) -> impl Iterator<Item = u64> {
    (1..=items).skip(p as usize).step_by(producers as usize)
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
    let (items, runs) = if quick { (20_000, 3) } else { (200_000, 5) };
    let expected = items * (items + 1) / 2;

    // A first, small run tells whether the queue is written at all.
    panic::set_hook(Box::new(|_| {}));
    let probe = panic::catch_unwind(AssertUnwindSafe(|| through_blocking_queue(CASES[0], 100)));
    let _ = panic::take_hook();
    if let Err(payload) = probe {
        if is_todo(payload.as_ref()) {
            println!(
                "Your BlockingQueue is not written yet (a todo!() panicked): nothing to measure. \
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
                    through_blocking_queue(case, items)
                } else {
                    through_crossbeam(case, items)
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
                     \"runs\":{runs},\"blocking_queue_items_per_s\":{mine:.0},\
                     \"crossbeam_bounded_items_per_s\":{theirs:.0},\"ratio\":{:.3}}}",
                    case.producers,
                    case.consumers,
                    case.capacity,
                    mine / theirs
                )
            })
            .collect();
        println!(
            "{{\"bench\":\"exercise-13\",\"package\":\"{}\",\"cpus\":{cpus},\"cases\":[{}]}}",
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
            "{:>9} {:>9} {:>8} {:>18} {:>20} {:>7}",
            "producers", "consumers", "capacity", "BlockingQueue/s", "crossbeam bounded/s", "ratio"
        );
        for (case, mine, theirs) in &rows {
            println!(
                "{:>9} {:>9} {:>8} {:>18.0} {:>20.0} {:>6.2}x",
                case.producers,
                case.consumers,
                case.capacity,
                mine,
                theirs,
                mine / theirs
            );
        }
        println!("ratio = BlockingQueue / crossbeam (above 1: the queue is faster)");
    }
    ExitCode::SUCCESS
}
