//! Exercise 16 graded suite, model-checked by loom: the same `src/future.rs` and
//! `src/pool.rs`, compiled with `crate::sync` bound to loom, in every interleaving of their
//! threads within the bound. Book: `book/src/part-5/thread-pools-and-futures.md`.
//!
//! The pool's workers are model threads, so the models keep to one or two workers and one
//! or two tasks. A thread that sleeps for ever on a condition variable (a waiter nobody
//! wakes, a worker nobody tells to stop) shows as loom's "deadlock". Timed waits never time
//! out in a model: timeouts are checked on real threads. With
//! `sync_shim::testing::spurious_wakeups()` on, every other wait of each model thread returns
//! at once, so a wait under an `if` fails every time. Every model ends by shutting the pool
//! down and joining its workers, so no model thread is left behind.
//!
//! Every promise of the stub's docs, and the tests that check it here and on real threads,
//! are listed in `tests/contracts/exercise-16.toml`.

sync_shim::include_under_loom!(future, pool);

use loom_harness::{Explain, Model};
use pool::ThreadPool;
use sync::thread;
// What the tasks and callbacks of a model record goes into std's atomics: the test reads
// them only after the pool's workers are joined, which orders them. The models share
// futures between their own threads through std's Arc (see exercise 13's suite: a loom Arc
// dropped while a stuck thread unwinds aborts loom without a message), and hold the pool and
// the futures in `Held`, leaked if the model fails.
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use future::FutureError;

/// Keeps a pool or a future alive while a failure unwinds. When loom finds a deadlock (a
/// waiter nobody wakes) it panics, and dropping the pool (whose Drop locks and joins) or a
/// future (a loom Arc) during that unwinding makes loom panic again, which aborts the whole
/// test binary with "thread caused non-unwinding panic" and no explanation (see exercise 14's
/// suite); leaking them keeps loom's own report. Dropped normally when no panic is under way.
struct Held<T>(std::mem::ManuallyDrop<T>);

impl<T> Held<T> {
    fn new(value: T) -> Self {
        Held(std::mem::ManuallyDrop::new(value))
    }
}

impl<T> std::ops::Deref for Held<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> Drop for Held<T> {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            // SAFETY: dropped once, here, and never used again.
            unsafe { std::mem::ManuallyDrop::drop(&mut self.0) }
        }
    }
}

const CHAPTER: &str = "book/src/part-5/thread-pools-and-futures.md";

const EXPLAIN: Explain = Explain {
    book: "book/src/part-5/thread-pools-and-futures.md#the-state-of-a-future and #the-worker-loop",
    race: "two threads touched a future's or the pool's state at once: every field must be \
           inside a crate::sync::Mutex and reached only through its guard.",
    spins_forever: "a thread looped for ever: a wait loop that does not sleep on a condition \
           variable, or whose condition never changes.",
    deadlock: "a thread sleeps for ever on a condition variable and nobody is left to wake \
           it: a lost wake-up. Ending a future (a value, a panic, a cancel) must notify_all \
           its waiters after setting the state under its lock; submit must wake a worker; \
           shutdown must set its flag under the lock and wake every worker (notify_all), and \
           a worker must end once the flag is set and the queue is empty.",
    assertion: "a thread went on without its condition: a result() that returned before the \
           task ended (an `if` where a `while` belongs), a task both cancelled and run, a \
           callback run twice or never, or a shutdown(wait: true) that returned before the \
           tasks were done.",
};

#[test]
fn loom_basic_result_waits_for_the_value() {
    Model::new(
        "a pool of 1 worker; the main thread submits a task returning 7 and calls result(None); \
         it gets 7",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let pool = Held::new(ThreadPool::new(1));
        let future = Held::new(pool.submit(|| 7).unwrap());
        let got = future.result(None);
        drop(pool);
        assert_eq!(got, Ok(7), "result(None) must wait for the task and return its value ({CHAPTER}#the-state-of-a-future)");
    });
}

#[test]
fn loom_basic_two_waiters_both_get_the_value() {
    Model::new(
        "a pool of 1 worker runs a task returning 7; a second thread and the main thread both \
         call result(None); both get 7",
    )
    .explain(&EXPLAIN)
    .preemptions(1)
    .check(|| {
        let pool = Held::new(ThreadPool::new(1));
        let future = Arc::new(Held::new(pool.submit(|| 7).unwrap()));
        let theirs = Arc::clone(&future);
        let waiter = thread::spawn(move || theirs.result(None));
        let mine = future.result(None);
        let other = waiter.join().unwrap();
        drop(pool);
        assert_eq!((mine, other), (Ok(7), Ok(7)), "both waiters must get the value: wake every waiter (notify_all) when the future ends ({CHAPTER}#the-state-of-a-future)");
    });
}

#[test]
fn loom_basic_spurious_wake_ups_do_not_end_a_wait_early() {
    Model::new(
        "with spurious wake-ups on, a pool of 1 worker runs two tasks returning 1 and 2; the \
         main thread gets 1 and 2 from result(None)",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let _spurious = sync_shim::testing::spurious_wakeups();
        let pool = Held::new(ThreadPool::new(1));
        let first = Held::new(pool.submit(|| 1).unwrap());
        let second = Held::new(pool.submit(|| 2).unwrap());
        let got = (first.result(None), second.result(None));
        drop(pool);
        assert_eq!(got, (Ok(1), Ok(2)), "result(None) returned without the value, or a worker lost a task, after a wake-up that brought nothing: wait in a `while` loop that looks at the state again after every wake-up ({CHAPTER}#the-state-of-a-future)");
    });
}

#[test]
fn loom_cancel_and_start_never_both_win() {
    Model::new(
        "a pool of 1 worker; the main thread submits a task and at once cancels it; either \
         cancel() returns true and the task never runs, or it returns false and the task runs \
         to its value",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let ran = Arc::new(AtomicUsize::new(0));
        let pool = Held::new(ThreadPool::new(1));
        let theirs = Arc::clone(&ran);
        let future = Held::new(
            pool.submit(move || {
                theirs.fetch_add(1, Ordering::SeqCst);
                5
            })
            .unwrap(),
        );
        let cancelled = future.cancel();
        drop(pool);
        let ran = ran.load(Ordering::SeqCst);
        let result = future.result(None);
        if cancelled {
            assert_eq!((ran, result), (0, Err(FutureError::Cancelled)), "cancel() returned true but the task ran anyway: the worker must mark the future running under the same lock as it checks that it is not cancelled, and skip a cancelled one ({CHAPTER}#cancel)");
        } else {
            assert_eq!((ran, result), (1, Ok(5)), "cancel() returned false, so the task had started, but it did not run to its value: cancel() must refuse (false) a running task and leave it alone ({CHAPTER}#cancel)");
        }
    });
}

#[test]
fn loom_callback_added_while_the_task_ends_runs_exactly_once() {
    Model::new(
        "a pool of 1 worker runs a task; the main thread adds a done-callback while it may be \
         ending; after shutdown the callback has run exactly once",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let calls = Arc::new(AtomicUsize::new(0));
        let pool = Held::new(ThreadPool::new(1));
        let future = Held::new(pool.submit(|| 3).unwrap());
        let theirs = Arc::clone(&calls);
        future.add_done_callback(move |future| {
            assert!(future.done(), "a callback ran on a future that is not done ({CHAPTER}#done-callbacks)");
            theirs.fetch_add(1, Ordering::SeqCst);
        });
        drop(pool);
        let calls = calls.load(Ordering::SeqCst);
        assert_eq!(calls, 1, "the done-callback ran {calls} times, not once: decide under the future's lock whether it is done (run the callback now) or not (store it for the thread that ends the future), in one step, not a check and then a separate act ({CHAPTER}#done-callbacks)");
    });
}

#[test]
fn loom_shutdown_wait_joins_two_workers_after_their_tasks() {
    Model::new(
        "a pool of 2 workers; the main thread submits two tasks and calls shutdown(wait: \
         true); when it returns, both tasks are done with their values",
    )
    .explain(&EXPLAIN)
    .preemptions(1)
    .check(|| {
        let pool = Held::new(ThreadPool::new(2));
        let first = Held::new(pool.submit(|| 1).unwrap());
        let second = Held::new(pool.submit(|| 2).unwrap());
        pool.shutdown(true, false);
        let done = (first.done(), second.done());
        let refused = pool.submit(|| 3).is_err();
        drop(pool);
        assert_eq!(done, (true, true), "shutdown(wait: true) returned before every task queued before it was done: a worker must run what is queued before it stops, and shutdown must join every worker ({CHAPTER}#shutdown)");
        assert!(refused, "submit() after shutdown() must return Err(Shutdown) ({CHAPTER}#shutdown)");
        assert_eq!((first.result(None), second.result(None)), (Ok(1), Ok(2)));
    });
}

#[test]
fn loom_shutdown_cancelling_futures_either_runs_or_cancels_each_task() {
    Model::new(
        "a pool of 1 worker; the main thread submits two tasks and calls \
         shutdown(wait: true, cancel_futures: true); each task is then either done with its \
         value or cancelled, never both, and nobody sleeps for ever",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let ran = Arc::new(AtomicUsize::new(0));
        let pool = Held::new(ThreadPool::new(1));
        let futures: Held<Vec<_>> = Held::new((0..2)
            .map(|n| {
                let ran = Arc::clone(&ran);
                pool.submit(move || {
                    ran.fetch_add(1, Ordering::SeqCst);
                    n
                })
                .unwrap()
            })
            .collect());
        pool.shutdown(true, true);
        let outcomes: Vec<_> = futures.iter().map(|f| (f.done(), f.result(None))).collect();
        drop(pool);
        let ran = ran.load(Ordering::SeqCst);
        let finished = outcomes.iter().filter(|(_, r)| r.is_ok()).count();
        for (n, (done, result)) in outcomes.iter().enumerate() {
            assert!(*done, "after shutdown(wait: true, cancel_futures: true), task {n} is neither done nor cancelled ({CHAPTER}#shutdown)");
            assert!(matches!(result, Ok(v) if *v == n) || *result == Err(FutureError::Cancelled), "task {n} ended with {result:?}: it must be its value or Cancelled ({CHAPTER}#shutdown)");
        }
        assert_eq!(ran, finished, "{ran} tasks ran but {finished} futures hold a value: a cancelled task must not run ({CHAPTER}#shutdown)");
    });
}

#[test]
fn loom_shutdown_wakes_two_idle_workers() {
    Model::new(
        "a pool of 2 workers with nothing to do; the main thread calls shutdown(wait: true); \
         both workers wake up, end, and are joined",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let pool = Held::new(ThreadPool::new(2));
        pool.shutdown(true, false);
        let refused = pool.submit(|| 1).is_err();
        drop(pool);
        assert!(
            refused,
            "submit() after shutdown() must return Err(Shutdown) ({CHAPTER}#shutdown)"
        );
    });
}
