//! Exercise 02 graded suite, model-checked by loom: `src/ready_queue.rs`, the one piece that
//! several threads share (wakers call `wake` from anywhere, the executor pops and waits),
//! compiled with `crate::sync` bound to loom, in every interleaving of its threads within
//! the bound. The executor itself runs on one thread and is graded in `tests/threads.rs`.
//! Book: `book/src/part-1/thread-models.md`.
//!
//! Every promise of the stub's docs, and the tests that check it here and on real threads,
//! are listed in `tests/contracts/exercise-02.toml`.

sync_shim::include_under_loom!(ready_queue);

use loom_harness::{Explain, Model};
use ready_queue::ReadyQueue;
use sync::{Arc, thread};

const CHAPTER: &str = "book/src/part-1/thread-models.md";

/// What each kind of loom failure most likely means in the ready queue.
const EXPLAIN: Explain = Explain {
    book: "book/src/part-1/thread-models.md#the-ready-queue",
    race: "the queue is shared by the executor and every waker's thread: reach it only \
           through the Mutex (or the atomics) of crate::sync.",
    spins_forever: "wait_until loops without ever blocking: when the queue is empty it must \
           wait (Condvar::wait, or thread::park) until wake() notifies it.",
    deadlock: "a wake-up was lost: the executor is waiting, the waker's thread has finished, \
           and the task it woke sits in the queue with nobody to notice. Either wait_until \
           checks the queue and then starts waiting in two steps, so a wake() that lands in \
           between notifies nobody (check and wait under the same lock, in a loop: \
           `while queue is empty { guard = condvar.wait(guard) }`), or wake() notifies \
           before it has queued the task, so the executor wakes, finds nothing and waits \
           again. Queue first, notify after.",
    assertion: "wait_until returned, but the task woken on the other thread was not in the \
           queue (wait only returns early when something was queued), or a task woken twice \
           got two places.",
};

#[test]
fn loom_ready_queue_a_waker_on_another_thread_ends_the_wait() {
    Model::new(
        "another thread calls wake(1) while the executor's thread calls wait_until(None); \
         the wait ends, and pop() then gives task 1",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let queue = Arc::new(ReadyQueue::new());
        let waker = Arc::clone(&queue);
        let other = thread::spawn(move || waker.wake(1));
        queue.wait_until(None);
        let popped = queue.pop();
        assert_eq!(
            popped,
            Some(1),
            "wait_until(None) returned but pop() gave {popped:?}, not the task another thread \
             woke ({CHAPTER}#the-ready-queue)"
        );
        other.join().unwrap();
    });
}

#[test]
fn loom_ready_queue_two_wakers_on_two_threads_both_reach_the_executor() {
    Model::new(
        "two threads call wake(1) and wake(2) while the executor waits and pops until it has \
         seen both; neither wake-up is lost",
    )
    .explain(&EXPLAIN)
    .preemptions(1)
    .check(|| {
        let queue = Arc::new(ReadyQueue::new());
        let wakers: Vec<_> = [1, 2]
            .into_iter()
            .map(|id| {
                let queue = Arc::clone(&queue);
                thread::spawn(move || queue.wake(id))
            })
            .collect();
        let mut seen = Vec::new();
        while seen.len() < 2 {
            queue.wait_until(None);
            while let Some(id) = queue.pop() {
                seen.push(id);
                assert!(
                    seen.len() <= 2,
                    "pop() handed out {seen:?} after two wake-ups: a task is popped once per \
                     time it was queued, and then pop() returns None ({CHAPTER}#the-ready-queue)"
                );
            }
        }
        seen.sort_unstable();
        assert_eq!(
            seen,
            [1, 2],
            "the executor popped {seen:?} after tasks 1 and 2 were woken once each \
             ({CHAPTER}#the-ready-queue)"
        );
        for waker in wakers {
            waker.join().unwrap();
        }
    });
}

#[test]
fn loom_ready_queue_a_task_woken_from_two_threads_is_queued_once() {
    Model::new("task 1 is woken from two threads at once; afterwards the queue holds it once")
        .explain(&EXPLAIN)
        .check(|| {
            let queue = Arc::new(ReadyQueue::new());
            let other = {
                let queue = Arc::clone(&queue);
                thread::spawn(move || queue.wake(1))
            };
            queue.wake(1);
            other.join().unwrap();
            let popped = [queue.pop(), queue.pop()];
            assert_eq!(
                popped,
                [Some(1), None],
                "task 1 was woken twice at the same time and pop() then gave {popped:?}: it must \
             be queued once ({CHAPTER}#the-ready-queue)"
            );
        });
}

#[test]
fn source_reaches_atomics_through_crate_sync() {
    if let Err(problems) = loom_harness::check_sources(env!("CARGO_MANIFEST_DIR")) {
        panic!("{problems}");
    }
}
