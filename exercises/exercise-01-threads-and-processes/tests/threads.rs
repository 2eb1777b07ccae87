//! Exercise 01 graded suite, the job in threads: `run_in_threads` on real scoped threads.
//! Book: `book/src/part-1/work-in-processes.md`.
//!
//! Which promise of the stub's docs each test checks: `tests/contracts/exercise-01.toml`.
//! Failures are injected from here: jobs that panic (with a literal message, a formatted
//! one, or no text), and jobs that wait for each other at a barrier.

use std::collections::HashSet;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Barrier;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use crate::job::split;
use crate::with_threads::{ThreadPanicked, run_in_threads};

const CHAPTER: &str = "book/src/part-1/work-in-processes.md";

fn numbers(n: u64) -> Vec<u64> {
    (1..=n).collect()
}

/// `run_in_threads`, with a panic that escapes it turned into the course's message (a
/// `todo!()` stays as it is: not written yet, not wrong).
fn run<R: Send>(
    input: &[u64],
    threads: usize,
    job: impl Fn(&[u64]) -> R + Sync,
) -> Vec<Result<R, ThreadPanicked>> {
    match panic::catch_unwind(AssertUnwindSafe(|| run_in_threads(input, threads, job))) {
        Ok(results) => results,
        Err(payload) => {
            let text = deadline::panic_text(payload.as_ref());
            if text.contains("not yet implemented") {
                panic::resume_unwind(payload);
            }
            panic!(
                "run_in_threads itself panicked: {text}. A job that panics on one chunk must \
                 cost only that chunk: join every handle yourself and turn its Err into \
                 ThreadPanicked for that chunk (an unwrap or expect on join passes the panic \
                 on to the caller). A panic in your own code, such as a division by zero \
                 when threads is 0, comes from cutting the chunks by hand: split(input, \
                 threads) takes 0 as 1 ({CHAPTER}#isolation)"
            )
        }
    }
}

fn values<R: Clone>(results: &[Result<R, ThreadPanicked>]) -> Vec<Option<R>> {
    results.iter().map(|r| r.as_ref().ok().cloned()).collect()
}

#[test]
fn threads_give_one_result_per_chunk_in_input_order() {
    deadline::within_secs(
        10,
        "run_in_threads(1..=10, 3 threads, a job that returns its chunk)",
        || {
            let input = numbers(10);
            let results = run(&input, 3, <[u64]>::to_vec);
            let want = vec![
                Some(vec![1, 2, 3, 4]),
                Some(vec![5, 6, 7]),
                Some(vec![8, 9, 10]),
            ];
            assert_eq!(
                values(&results),
                want,
                "run_in_threads(1..=10, 3, job) with a job that returns its chunk gave \
                 {results:?}: it must give one result per chunk of split(input, 3), in input \
                 order, each the job's answer for exactly that chunk. Results pushed in the \
                 order the threads finished, or chunks cut by hand, give something else \
                 ({CHAPTER}#exercise)"
            );
            let sums = run(&input, 2, |chunk| chunk.iter().sum::<u64>());
            assert_eq!(
                values(&sums),
                [Some(15), Some(40)],
                "run_in_threads(1..=10, 2, sum) gave {sums:?} ({CHAPTER}#exercise)"
            );
        },
    );
}

#[test]
fn threads_keep_input_order_when_the_first_chunk_finishes_last() {
    let waiting = "run_in_threads(1..=4, 4 threads) with a job whose first chunk waits until \
                   the other three have finished";
    deadline::within_secs(10, waiting, || {
        let input = numbers(4);
        let finished = AtomicUsize::new(0);
        let results = run(&input, 4, |chunk| {
            if chunk.first() == Some(&1) {
                // Wait for the other three (give up after 5 s, should they never run), then
                // a little longer, so that their results are surely handed back first.
                let give_up = Instant::now() + Duration::from_secs(5);
                while finished.load(Ordering::SeqCst) < 3 && Instant::now() < give_up {
                    thread::sleep(Duration::from_millis(1));
                }
                thread::sleep(Duration::from_millis(200));
            } else {
                finished.fetch_add(1, Ordering::SeqCst);
            }
            chunk.to_vec()
        });
        assert_eq!(
            values(&results),
            [Some(vec![1]), Some(vec![2]), Some(vec![3]), Some(vec![4])],
            "the job on the first chunk ([1]) returned last, after the three others, and \
             run_in_threads gave {results:?}: results come back in input order, whatever \
             order the threads finish in. Results sent over a channel, or collected as the \
             threads finish, arrive in finishing order: join the handles in chunk order, or \
             put each result at its chunk's index ({CHAPTER}#exercise)"
        );
    });
}

#[test]
fn threads_run_every_chunk_on_a_thread_of_its_own_at_the_same_time() {
    let waiting = "run_in_threads(1..=8, 4 threads) with a job that waits at a barrier until \
                   all 4 chunks have reached it (do the 4 threads run at the same time? \
                   spawning one, joining it, then spawning the next makes the first wait \
                   for ever)";
    deadline::within_secs(5, waiting, || {
        let caller = thread::current().id();
        let input = numbers(8);
        let barrier = Barrier::new(4);
        let results = run(&input, 4, |_| {
            barrier.wait();
            thread::current().id()
        });
        let ids: Vec<ThreadId> = results
            .iter()
            .filter_map(|r| r.as_ref().ok())
            .copied()
            .collect();
        assert_eq!(
            ids.len(),
            4,
            "4 chunks gave {results:?}: one result per chunk ({CHAPTER}#exercise)"
        );
        assert!(
            !ids.contains(&caller),
            "a chunk ran on the thread that called run_in_threads: each chunk gets a thread \
             of its own (thread::scope and scope.spawn) ({CHAPTER}#exercise)"
        );
        let distinct: HashSet<ThreadId> = ids.iter().copied().collect();
        assert_eq!(
            distinct.len(),
            4,
            "the 4 chunks ran on the threads {ids:?}: one thread per chunk ({CHAPTER}#exercise)"
        );
    });
}

#[test]
fn threads_borrow_the_input_instead_of_copying_it() {
    deadline::within_secs(
        10,
        "run_in_threads(1..=100, 4 threads, a job that looks where its chunk lies)",
        || {
            let input = numbers(100);
            let start = input.as_ptr() as usize;
            let results = run(&input, 4, |chunk| {
                (chunk.as_ptr() as usize).wrapping_sub(start) / size_of::<u64>()
            });
            // Where each chunk of split() starts in the input, counted in numbers.
            let mut offsets = Vec::new();
            let mut offset = 0;
            for chunk in split(&input, 4) {
                offsets.push(Some(offset));
                offset += chunk.len();
            }
            assert_eq!(
                values(&results),
                offsets,
                "the job saw its chunk at {results:?} numbers from the start of the caller's \
                 input, not at {offsets:?}: each thread must borrow its chunk where it lies \
                 in the input (scoped threads may borrow), not work on a copy. Threads share \
                 one address space; only a process needs its data copied to it \
                 ({CHAPTER}#sending-data)"
            );
        },
    );
}

#[test]
fn threads_a_panicking_chunk_is_reported_and_the_others_finish() {
    let waiting = "run_in_threads(1..=8, 4 threads) with a job that panics on the chunk [3, 4]";
    deadline::within_secs(10, waiting, || {
        let input = numbers(8);
        let results = run(&input, 4, |chunk| {
            if chunk.contains(&3) {
                panic!("bad chunk starting at {}", chunk[0]);
            }
            chunk.iter().sum::<u64>()
        });
        assert_eq!(
            values(&results),
            [Some(3), None, Some(11), Some(15)],
            "the job panicked on chunk 1 ([3, 4]) only, and run_in_threads gave {results:?}: \
             the other three chunks must still give their sums. Join every thread and keep \
             each join's Err as that chunk's result ({CHAPTER}#isolation)"
        );
        let expected = ThreadPanicked {
            chunk: 1,
            message: "bad chunk starting at 3".to_owned(),
        };
        assert_eq!(
            results[1].as_ref().err(),
            Some(&expected),
            "the panic of chunk 1 must be reported as {expected:?}: the chunk's index and \
             the panic's message ({CHAPTER}#isolation)"
        );
        assert!(
            auto_traits::is_send!(ThreadPanicked) && auto_traits::is_sync!(ThreadPanicked),
            "ThreadPanicked must be Send and Sync, so that the results can be handed to \
             another thread ({CHAPTER}#exercise)"
        );
    });
}

#[test]
fn threads_keep_the_message_of_a_literal_panic_and_of_a_formatted_one() {
    let waiting = "run_in_threads(1..=3, 3 threads) with a job that panics on every chunk";
    deadline::within_secs(10, waiting, || {
        let input = numbers(3);
        let results = run(&input, 3, |chunk| -> u64 {
            match chunk[0] {
                1 => panic!("a literal message"),
                2 => panic!("a formatted message: {}", chunk[0] * 21),
                _ => std::panic::panic_any(7_u8),
            }
        });
        let messages: Vec<Option<String>> = results
            .iter()
            .map(|r| r.as_ref().err().map(|e| e.message.clone()))
            .collect();
        assert_eq!(
            messages.first(),
            Some(&Some("a literal message".to_owned())),
            "panic!(\"a literal message\") was reported as {results:?}: its payload is a \
             &'static str, keep its text ({CHAPTER}#isolation, and \
             book/src/part-1/what-threads-buy.md#when-the-thread-fails)"
        );
        assert_eq!(
            messages.get(1),
            Some(&Some("a formatted message: 42".to_owned())),
            "panic!(\"a formatted message: {{}}\", 42) was reported as {results:?}: a panic \
             with arguments carries a String, not a &str; a downcast to &str alone loses \
             its text ({CHAPTER}#isolation)"
        );
        let third = messages.get(2).cloned().flatten();
        assert!(
            third.as_ref().is_some_and(|m| !m.is_empty()),
            "a panic whose payload is neither text (panic_any(7_u8)) was reported as \
             {results:?}: it is still an Err for its chunk, with a message that says it \
             had no text ({CHAPTER}#isolation)"
        );
        for (index, result) in results.iter().enumerate() {
            let shown = result.as_ref().err().map(ToString::to_string);
            assert!(
                shown
                    .as_ref()
                    .is_some_and(|text| text.contains(&format!("chunk {index}"))),
                "ThreadPanicked's Display for chunk {index} shows {shown:?}: it must name \
                 the chunk ({CHAPTER}#isolation)"
            );
        }
    });
}

#[test]
fn threads_given_no_input_give_no_results() {
    deadline::within_secs(10, "run_in_threads(&[], 4 threads, job)", || {
        let calls = AtomicUsize::new(0);
        let results = run(&[], 4, |chunk| {
            calls.fetch_add(1, Ordering::Relaxed);
            chunk.len()
        });
        assert!(
            results.is_empty() && calls.load(Ordering::Relaxed) == 0,
            "run_in_threads on no input gave {results:?} and ran the job {} times: no \
             input, no chunks (split gives none), so no result and no call \
             ({CHAPTER}#exercise)",
            calls.load(Ordering::Relaxed)
        );
    });
}

#[test]
fn threads_more_than_numbers_give_one_result_per_number() {
    deadline::within_secs(10, "run_in_threads(1..=3, 8 threads, job)", || {
        let input = numbers(3);
        let results = run(&input, 8, <[u64]>::to_vec);
        assert_eq!(
            values(&results),
            [Some(vec![1]), Some(vec![2]), Some(vec![3])],
            "run_in_threads(1..=3, 8 threads) gave {results:?}: with more threads than \
             numbers, each number is a chunk of its own and no chunk is empty (use split) \
             ({CHAPTER}#exercise)"
        );
    });
}

#[test]
fn threads_zero_is_taken_as_one() {
    deadline::within_secs(10, "run_in_threads(1..=5, 0 threads, job)", || {
        let input = numbers(5);
        let results = run(&input, 0, <[u64]>::to_vec);
        assert_eq!(
            values(&results),
            [Some(vec![1, 2, 3, 4, 5])],
            "run_in_threads(1..=5, 0 threads) gave {results:?}: 0 threads is taken as 1, \
             one chunk with the whole input (split does it) ({CHAPTER}#exercise)"
        );
    });
}
