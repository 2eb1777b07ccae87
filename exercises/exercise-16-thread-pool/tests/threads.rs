//! Exercise 16 graded suite, on real threads. Book: `book/src/part-5/thread-pools-and-futures.md`.
//!
//! Every promise of the stub's docs, and the tests that check it here and under loom, are
//! listed in `tests/contracts/exercise-16.toml`. No test looks at how fast the pool is: the
//! bench (`cargo run --release -p exercise-16 --example bench`) does that. Timeouts are
//! checked here only: in a loom model a timed wait never times out. Tasks that must stay
//! running wait on a channel of the test (a "gate") until the test opens it.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

sync_shim::library_under_std!(pool);

use pool::{Future, FutureError, Shutdown, ThreadPool, as_completed};

const CHAPTER: &str = "book/src/part-5/thread-pools-and-futures.md";

/// How long a test lets something run before it says "still not done": long enough for a
/// thread that should have finished to have done so, on a loaded machine.
const SETTLE: Duration = Duration::from_millis(150);

/// A gate: a task calls `wait()` on its half and stays running until the test opens it.
fn gate() -> (Sender<()>, Gate) {
    let (open, wait) = mpsc::channel();
    (open, Gate(wait))
}

struct Gate(Receiver<()>);

impl Gate {
    fn wait(&self) {
        // An error means the test is gone (it failed): stop waiting then.
        let _ = self.0.recv();
    }
}

/// A task that says it started (on `started`) and then waits at the gate; returns `value`.
fn gated_task<T: Send + 'static>(
    started: &Sender<()>,
    gate: Gate,
    value: T,
) -> impl FnOnce() -> T + Send + 'static {
    let started = started.clone();
    move || {
        let _ = started.send(());
        gate.wait();
        value
    }
}

// Counts the pool's worker threads that have ended: each task registers its thread once,
// and the registration's destructor runs when the thread exits (thread-local destructors
// run before a join of that thread returns).
struct ExitCounter(Arc<AtomicUsize>);

impl Drop for ExitCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

thread_local! {
    static ON_EXIT: RefCell<Option<ExitCounter>> = const { RefCell::new(None) };
}

fn count_my_exit(counter: &Arc<AtomicUsize>) {
    ON_EXIT.with(|slot| {
        slot.borrow_mut()
            .get_or_insert_with(|| ExitCounter(Arc::clone(counter)));
    });
}

// ---------------------------------------------------------------------------------------
// Basics: submit, result, done, panics, Send/Sync

#[test]
fn basic_submit_returns_a_future_of_the_tasks_value() {
    deadline::within_secs(10, "submit(|| 2 + 3) then result(None)", || {
        let pool = ThreadPool::new(2);
        let future = pool
            .submit(|| 2 + 3)
            .expect("submit() on a new pool must return Ok(future) (#exercise)");
        assert_eq!(
            future.result(None),
            Ok(5),
            "result(None) must wait for the task and return its value ({CHAPTER}#the-state-of-a-future)"
        );
        assert!(
            future.done(),
            "done() must be true once the task has returned ({CHAPTER}#the-state-of-a-future)"
        );
        assert!(
            !future.cancelled(),
            "cancelled() must be false for a task that ran ({CHAPTER}#the-state-of-a-future)"
        );
        assert_eq!(
            future.result(Some(Duration::ZERO)),
            Ok(5),
            "result() must return the value again on a second call (and at once, even with a \
             zero timeout, once the task is done) ({CHAPTER}#the-state-of-a-future)"
        );
        let theirs = future.clone();
        let elsewhere = thread::spawn(move || theirs.result(None)).join().unwrap();
        assert_eq!(
            elsewhere,
            Ok(5),
            "a clone of the future on another thread must see the same value ({CHAPTER}#the-state-of-a-future)"
        );
    });
}

#[test]
fn basic_result_waits_for_the_task_and_times_out_no_earlier_than_asked() {
    deadline::within_secs(10, "result() on a task that waits at a gate", || {
        let pool = ThreadPool::new(1);
        let (started, has_started) = mpsc::channel();
        let (open, gate) = gate();
        let future = pool.submit(gated_task(&started, gate, "late")).unwrap();
        has_started.recv().unwrap();
        assert!(
            !future.done(),
            "done() must be false while the task runs ({CHAPTER}#the-state-of-a-future)"
        );
        let begin = Instant::now();
        let early = future.result(Some(SETTLE));
        let waited = begin.elapsed();
        assert_eq!(
            early,
            Err(FutureError::TimedOut),
            "result(Some(timeout)) on a task still running must return Err(TimedOut) once the \
             timeout has passed ({CHAPTER}#the-state-of-a-future)"
        );
        assert!(
            waited >= SETTLE,
            "result(Some({SETTLE:?})) gave up after {waited:?}: it must wait the whole timeout \
             (measure it from the call, and wait again for what is left after a wake-up) \
             ({CHAPTER}#the-state-of-a-future)"
        );
        open.send(()).unwrap();
        assert_eq!(
            future.result(None),
            Ok("late"),
            "after a timed-out result(), the task goes on: a later result(None) must return \
             its value ({CHAPTER}#the-state-of-a-future)"
        );
    });
}

#[test]
fn basic_a_panicking_task_is_an_error_in_its_own_future_only() {
    deadline::within_secs(5, "tasks after a panicking task, on one worker", || {
        let pool = ThreadPool::new(1);
        let before = pool.submit(|| 1).unwrap();
        let bad = pool.submit(|| -> u32 { panic!("task 7 failed") }).unwrap();
        let after = pool.submit(|| 2).unwrap();
        assert_eq!(
            bad.result(None),
            Err(FutureError::Panicked("task 7 failed".to_owned())),
            "a task that panics must end its future with Err(Panicked(its message)): catch the \
             panic on the worker (std::panic::catch_unwind) and store it in the future \
             ({CHAPTER}#when-a-task-fails)"
        );
        assert!(
            bad.done() && !bad.cancelled(),
            "a task that panicked is done and not cancelled ({CHAPTER}#when-a-task-fails)"
        );
        assert_eq!(
            (before.result(None), after.result(None)),
            (Ok(1), Ok(2)),
            "the tasks before and after a panicking one must still return their values: with \
             one worker, the one after needs the worker to survive the panic \
             ({CHAPTER}#when-a-task-fails)"
        );
        let formatted = pool
            .submit(|| -> u32 {
                // black_box: with a literal 8, rustc folds the message into a &'static str
                // payload, and the String case would never be tested.
                panic!("task {} failed", std::hint::black_box(8))
            })
            .unwrap();
        assert_eq!(
            formatted.result(None),
            Err(FutureError::Panicked("task 8 failed".to_owned())),
            "a panic with a formatted message (a String payload, not a &str) must keep its text \
             ({CHAPTER}#when-a-task-fails)"
        );
    });
}

#[test]
fn basic_workers_run_tasks_at_the_same_time() {
    deadline::within_secs(
        10,
        "three tasks on a pool of 3 that each wait until all three have started \
         (or the pool's drop at the end of the test: shutdown must wake every sleeping \
         worker, notify_all, \
         book/src/part-5/thread-pools-and-futures.md#shutdown)",
        || {
            let pool = ThreadPool::new(3);
            let barrier = Arc::new(Barrier::new(3));
            let me = thread::current().id();
            let futures: Vec<_> = (0..3)
                .map(|n| {
                    let barrier = Arc::clone(&barrier);
                    pool.submit(move || {
                        barrier.wait();
                        (n, thread::current().id())
                    })
                    .unwrap()
                })
                .collect();
            for (n, future) in futures.iter().enumerate() {
                let (got, ran_on) = future.result(None).unwrap();
                assert_eq!(
                    got, n,
                    "each future must hold its own task's value ({CHAPTER}#the-worker-loop)"
                );
                assert_ne!(
                    ran_on, me,
                    "a task must run on a worker thread of the pool, not on the thread that \
                     submitted it ({CHAPTER}#the-worker-loop)"
                );
            }
        },
    );
}

#[test]
fn basic_many_tasks_on_four_workers_each_return_their_value() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(
        30,
        "2,000 tasks on a pool of 4 \
         (or the pool's drop at the end of the test: shutdown must wake every sleeping \
         worker, notify_all, \
         book/src/part-5/thread-pools-and-futures.md#shutdown)",
        || {
            let pool = ThreadPool::new(4);
            let futures: Vec<_> = (0..2_000_u64)
                .map(|n| pool.submit(move || n * n).unwrap())
                .collect();
            for (n, future) in futures.iter().enumerate() {
                let n = n as u64;
                assert_eq!(
                    future.result(None),
                    Ok(n * n),
                    "task {n} of 2,000 returned the wrong value, or none: each future must get its \
                 own task's value, once ({CHAPTER}#the-worker-loop)"
                );
            }
        },
    );
}

#[test]
fn basic_two_waiters_both_get_the_value() {
    deadline::within_secs(
        10,
        "two threads in result(None) on one future, after its task ended (if one of them never \
         returns, the future woke only one waiter: finish must notify_all, not notify_one, \
         book/src/part-5/thread-pools-and-futures.md#the-state-of-a-future)",
        || {
            let pool = ThreadPool::new(1);
            let (started, has_started) = mpsc::channel();
            let (open, gate) = gate();
            let future = pool.submit(gated_task(&started, gate, 7)).unwrap();
            has_started.recv().unwrap();
            let waiters: Vec<_> = (0..2)
                .map(|_| {
                    let theirs = future.clone();
                    thread::spawn(move || theirs.result(None))
                })
                .collect();
            // Both waiters are asleep in result() by now.
            thread::sleep(SETTLE);
            open.send(()).unwrap();
            let got: Vec<_> = waiters.into_iter().map(|w| w.join().unwrap()).collect();
            assert_eq!(
                got,
                [Ok(7), Ok(7)],
                "two threads waiting in result(None) on one future must both get the value \
                 ({CHAPTER}#the-state-of-a-future)"
            );
        },
    );
}

#[test]
fn basic_a_huge_timeout_means_no_limit() {
    deadline::within_secs(
        10,
        "result(Some(Duration::MAX)) of a task returning 6",
        || {
            let pool = ThreadPool::new(1);
            let future = pool.submit(|| 6).unwrap();
            let got = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                future.result(Some(Duration::MAX))
            }));
            assert!(
                matches!(got, Ok(Ok(6))),
                "result(Some(Duration::MAX)) panicked or gave no value: `Instant::now() + timeout` \
             overflows for a huge timeout. Use Instant::now().checked_add(timeout), computed \
             once, and treat None (too far to say) as no deadline \
             ({CHAPTER}#the-state-of-a-future)"
            );
        },
    );
}

#[test]
fn basic_a_pool_of_zero_workers_panics() {
    let outcome = deadline::within_secs(5, "ThreadPool::new(0)", || {
        std::panic::catch_unwind(|| ThreadPool::new(0)).map(drop)
    });
    let Err(payload) = outcome else {
        panic!(
            "ThreadPool::new(0) must panic: a pool without workers would never run a task \
             (Python raises ValueError) ({CHAPTER}#exercise)"
        );
    };
    // A todo!() is not the panic asked for: pass it on for the course tool to report.
    if deadline::panic_text(payload.as_ref()).contains("not yet implemented") {
        std::panic::resume_unwind(payload);
    }
}

#[test]
fn basic_the_pool_and_futures_are_send_and_sync() {
    assert!(
        auto_traits::is_send!(ThreadPool) && auto_traits::is_sync!(ThreadPool),
        "ThreadPool must be Send and Sync: threads submit to one pool, shared by reference or \
         Arc. Keep the queue inside crate::sync::Mutex, and the jobs as Box<dyn FnOnce() + \
         Send> ({CHAPTER}#exercise)"
    );
    assert!(
        auto_traits::is_send!(Future<Cell<u8>>) && auto_traits::is_sync!(Future<Cell<u8>>),
        "Future<T> must be Send and Sync whenever T is Send, even if T is not Sync (a Cell): \
         the value is reached only under the future's mutex ({CHAPTER}#the-state-of-a-future)"
    );
    assert!(
        !auto_traits::is_send!(Future<Rc<u8>>) && !auto_traits::is_sync!(Future<Rc<u8>>),
        "Future<Rc<_>> must be neither Send nor Sync: a worker would hand the Rc to another \
         thread. Do not add `unsafe impl Send/Sync` ({CHAPTER}#the-state-of-a-future)"
    );
}

// ---------------------------------------------------------------------------------------
// Cancel

#[test]
fn cancel_a_queued_task_is_cancelled_and_never_runs() {
    deadline::within_secs(10, "cancel() of a task queued behind a running one", || {
        let pool = ThreadPool::new(1);
        let (started, has_started) = mpsc::channel();
        let (open, gate) = gate();
        let running = pool.submit(gated_task(&started, gate, 1)).unwrap();
        has_started.recv().unwrap();
        let ran = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&ran);
        let queued = pool
            .submit(move || {
                flag.store(true, Ordering::SeqCst);
                2
            })
            .unwrap();
        assert!(
            queued.cancel(),
            "cancel() of a task that has not started must return true ({CHAPTER}#cancel)"
        );
        assert!(
            queued.cancelled() && queued.done(),
            "after a successful cancel(), cancelled() and done() must be true ({CHAPTER}#cancel)"
        );
        assert!(
            queued.cancel(),
            "cancel() of a future already cancelled must return true again, as Python's does \
             ({CHAPTER}#cancel)"
        );
        assert_eq!(
            queued.result(None),
            Err(FutureError::Cancelled),
            "result() of a cancelled future must return Err(Cancelled) at once ({CHAPTER}#cancel)"
        );
        open.send(()).unwrap();
        assert_eq!(running.result(None), Ok(1));
        pool.shutdown(true, false);
        assert!(
            !ran.load(Ordering::SeqCst),
            "a cancelled task ran anyway: the worker must skip a job whose future is \
             cancelled (look at the state under the future's lock, then mark it running) \
             ({CHAPTER}#cancel)"
        );
    });
}

#[test]
fn cancel_a_running_or_finished_task_is_refused() {
    deadline::within_secs(
        10,
        "cancel() of a running task, then of a finished one",
        || {
            let pool = ThreadPool::new(1);
            let (started, has_started) = mpsc::channel();
            let (open, gate) = gate();
            let future = pool.submit(gated_task(&started, gate, 3)).unwrap();
            has_started.recv().unwrap();
            assert!(
                !future.cancel(),
                "cancel() of a running task must return false: a task cannot be stopped once it \
             runs ({CHAPTER}#cancel)"
            );
            assert!(
                !future.cancelled() && !future.done(),
                "a refused cancel() must not change the future: it is still running ({CHAPTER}#cancel)"
            );
            open.send(()).unwrap();
            assert_eq!(
                future.result(None),
                Ok(3),
                "a running task whose cancel() was refused must finish with its value ({CHAPTER}#cancel)"
            );
            assert!(
                !future.cancel(),
                "cancel() of a finished task must return false ({CHAPTER}#cancel)"
            );
            assert_eq!(
                future.result(None),
                Ok(3),
                "a refused cancel() of a finished task must leave its value ({CHAPTER}#cancel)"
            );
        },
    );
}

#[test]
fn cancel_wakes_a_thread_waiting_for_the_result() {
    deadline::within_secs(
        5,
        "result(None) of a queued task, until another thread cancels it",
        || {
            let pool = ThreadPool::new(1);
            let (started, has_started) = mpsc::channel();
            let (open, gate) = gate();
            let running = pool.submit(gated_task(&started, gate, 0)).unwrap();
            has_started.recv().unwrap();
            let queued = pool.submit(|| 1).unwrap();
            let theirs = queued.clone();
            let waiter = thread::spawn(move || theirs.result(None));
            thread::sleep(SETTLE);
            assert!(queued.cancel());
            let got = waiter.join().unwrap();
            assert_eq!(
                got,
                Err(FutureError::Cancelled),
                "a thread waiting in result(None) on a future that gets cancelled must wake up with \
             Err(Cancelled): cancel() ends the future, so it must wake every waiter, as a \
             finished task does ({CHAPTER}#cancel)"
            );
            open.send(()).unwrap();
            assert_eq!(running.result(None), Ok(0));
        },
    );
}

// ---------------------------------------------------------------------------------------
// Done-callbacks

#[test]
fn callback_added_before_the_end_runs_on_the_worker_that_ends_it() {
    deadline::within_secs(5, "a callback added while the task runs", || {
        let pool = ThreadPool::new(1);
        let (started, has_started) = mpsc::channel();
        let (open, gate) = gate();
        let future = pool
            .submit({
                let task = gated_task(&started, gate, ());
                move || {
                    task();
                    thread::current().id()
                }
            })
            .unwrap();
        has_started.recv().unwrap();
        let (seen, saw) = mpsc::channel();
        future.add_done_callback(move |future| {
            let _ = seen.send((thread::current().id(), future.done(), future.result(None)));
        });
        assert!(
            saw.try_recv().is_err(),
            "a callback added to a running future must not run before the future is done \
             ({CHAPTER}#done-callbacks)"
        );
        open.send(()).unwrap();
        let task_thread = future.result(None).unwrap();
        let (callback_thread, was_done, value) = saw
            .recv()
            .expect("the callback never ran: keep it in the future and run it when the task ends ({CHAPTER}#done-callbacks)");
        assert!(
            was_done,
            "a callback must see its future done: run the callbacks after the state is set \
             ({CHAPTER}#done-callbacks)"
        );
        assert_eq!(
            value,
            Ok(task_thread),
            "a callback calling result() on its future must get the value, without \
             deadlocking: run the callbacks after releasing the future's lock \
             ({CHAPTER}#callbacks-outside-the-lock)"
        );
        assert_eq!(
            callback_thread, task_thread,
            "a callback added before the end must run on the thread that ends the future \
             (here the worker) ({CHAPTER}#done-callbacks)"
        );
    });
}

#[test]
fn callback_added_after_the_end_runs_at_once_on_the_caller() {
    deadline::within_secs(10, "a callback added to a finished future", || {
        let pool = ThreadPool::new(1);
        let future = pool.submit(|| 9).unwrap();
        assert_eq!(future.result(None), Ok(9));
        let ran_on = Arc::new(Mutex::new(None));
        let theirs = Arc::clone(&ran_on);
        future.add_done_callback(move |future| {
            *theirs.lock().unwrap() = Some((thread::current().id(), future.result(None)));
        });
        assert_eq!(
            *ran_on.lock().unwrap(),
            Some((thread::current().id(), Ok(9))),
            "a callback added to a future that is already done must run at once, on the \
             thread that adds it, before add_done_callback returns (and may call result() \
             without deadlocking) ({CHAPTER}#done-callbacks)"
        );
    });
}

#[test]
fn callback_runs_in_the_order_added_and_a_panicking_one_harms_nothing() {
    deadline::within_secs(5, "three callbacks, the second panicking", || {
        let pool = ThreadPool::new(1);
        let (started, has_started) = mpsc::channel();
        let (open, gate) = gate();
        let future = pool.submit(gated_task(&started, gate, 1)).unwrap();
        has_started.recv().unwrap();
        let order = Arc::new(Mutex::new(Vec::new()));
        for n in 0..3 {
            let order = Arc::clone(&order);
            future.add_done_callback(move |_| {
                order.lock().unwrap().push(n);
                if n == 1 {
                    panic!("callback 1 fails");
                }
            });
        }
        open.send(()).unwrap();
        assert_eq!(future.result(None), Ok(1));
        let next = pool.submit(|| 2).unwrap();
        assert_eq!(
            next.result(None),
            Ok(2),
            "after a callback panicked on the only worker, a new task must still run: catch a \
             callback's panic (std::panic::catch_unwind) so it never ends the worker \
             ({CHAPTER}#done-callbacks)"
        );
        assert_eq!(
            *order.lock().unwrap(),
            [0, 1, 2],
            "callbacks must run in the order they were added, each once, and a panicking one \
             must not stop the ones after it ({CHAPTER}#done-callbacks)"
        );
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            next.add_done_callback(|_| panic!("a callback on a done future fails"));
        }));
        assert!(
            outcome.is_ok(),
            "add_done_callback on a done future must not pass the callback's panic on to its \
             caller: catch it there too ({CHAPTER}#done-callbacks)"
        );
    });
}

#[test]
fn callback_runs_after_the_waiters_are_woken() {
    deadline::within_secs(
        10,
        "a thread in result(None) and a done-callback that waits for it",
        || {
            let pool = ThreadPool::new(1);
            let (started, has_started) = mpsc::channel();
            let (open, gate) = gate();
            let future = pool.submit(gated_task(&started, gate, 9)).unwrap();
            has_started.recv().unwrap();
            let (returned, has_returned) = mpsc::channel();
            let theirs = future.clone();
            let waiter = thread::spawn(move || {
                let got = theirs.result(None);
                let _ = returned.send(());
                got
            });
            let saw = Arc::new(Mutex::new(None));
            let seen = Arc::clone(&saw);
            future.add_done_callback(move |_| {
                // A slow callback: it waits (2 s at most) for the waiter to return.
                let woken = has_returned.recv_timeout(Duration::from_secs(2)).is_ok();
                *seen.lock().unwrap() = Some(woken);
            });
            // The waiter is asleep in result() by now.
            thread::sleep(SETTLE);
            open.send(()).unwrap();
            assert_eq!(waiter.join().unwrap(), Ok(9));
            pool.shutdown(true, false);
            assert_eq!(
                *saw.lock().unwrap(),
                Some(true),
                "a done-callback waited up to 2 s for the thread in result(None) to return, and \
                 it did not: the thread that ends a future must wake its waiters (notify_all) \
                 before it runs the callbacks, which may take any time ({CHAPTER}#done-callbacks)"
            );
        },
    );
}

#[test]
fn callback_runs_when_the_future_is_cancelled() {
    deadline::within_secs(
        10,
        "a callback on a queued task that is cancelled (if this hangs, cancel() runs the \
         callbacks while it holds the future's lock, and this callback calls cancelled(), which \
         waits for that lock: take the callbacks out, release the lock, then run them, \
         book/src/part-5/thread-pools-and-futures.md#done-callbacks)",
        || {
            let pool = ThreadPool::new(1);
            let (started, has_started) = mpsc::channel();
            let (open, gate) = gate();
            let running = pool.submit(gated_task(&started, gate, 0)).unwrap();
            has_started.recv().unwrap();
            let queued = pool.submit(|| 1).unwrap();
            let saw = Arc::new(Mutex::new(None));
            let theirs = Arc::clone(&saw);
            queued.add_done_callback(move |future| {
                *theirs.lock().unwrap() = Some((thread::current().id(), future.cancelled()));
            });
            assert!(queued.cancel());
            assert_eq!(
                *saw.lock().unwrap(),
                Some((thread::current().id(), true)),
                "cancelling a future ends it too: its callbacks must run, on the thread that \
             cancels, before cancel() returns ({CHAPTER}#done-callbacks)"
            );
            open.send(()).unwrap();
            assert_eq!(running.result(None), Ok(0));
        },
    );
}

// ---------------------------------------------------------------------------------------
// map

#[test]
fn map_results_come_in_the_order_of_the_inputs() {
    deadline::within_secs(20, "map() of 6 tasks that finish in reverse order", || {
        let pool = ThreadPool::new(6);
        let results = pool
            .map(
                |n: u64| {
                    // The later inputs finish first.
                    thread::sleep(Duration::from_millis(20 * (6 - n)));
                    if n == 3 {
                        panic!("input 3 is bad");
                    }
                    n * 10
                },
                0..6,
                None,
            )
            .expect("map() on an open pool must return Ok ({CHAPTER}#map-and-as-completed)");
        assert_eq!(
            results,
            [
                Ok(0),
                Ok(10),
                Ok(20),
                Err(FutureError::Panicked("input 3 is bad".to_owned())),
                Ok(40),
                Ok(50)
            ],
            "map() must return one result per input, in the order of the inputs (not the order \
             they finish), a panic as Err(Panicked) in its own place \
             ({CHAPTER}#map-and-as-completed)"
        );
    });
}

#[test]
fn map_submits_every_input_before_waiting() {
    deadline::within_secs(
        20,
        "map() of two tasks on two workers that each wait for the other to start",
        || {
            let pool = ThreadPool::new(2);
            let count = Arc::new((Mutex::new(0_usize), std::sync::Condvar::new()));
            let results = pool
                .map(
                    move |_: u8| {
                        // Each task waits (2 s at most) until both have started.
                        let (started, changed) = &*count;
                        *started.lock().unwrap() += 1;
                        changed.notify_all();
                        let (started, _) = changed
                            .wait_timeout_while(
                                started.lock().unwrap(),
                                Duration::from_secs(2),
                                |n| *n < 2,
                            )
                            .unwrap();
                        *started == 2
                    },
                    [0, 1],
                    None,
                )
                .unwrap();
            assert_eq!(
                results,
                [Ok(true), Ok(true)],
                "map() of two inputs on a pool of 2: the two tasks never ran at the same time. \
                 map must submit every input first and only then collect the results in order; \
                 submitting an input after the previous result came back makes the pool run \
                 one task at a time ({CHAPTER}#map-and-as-completed)"
            );
        },
    );
}

#[test]
fn map_a_huge_timeout_means_no_limit() {
    deadline::within_secs(10, "map(.., Some(Duration::MAX)) of two inputs", || {
        let pool = ThreadPool::new(1);
        let results = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            pool.map(|n: u32| n + 1, [1, 2], Some(Duration::MAX))
        }));
        assert!(
            matches!(&results, Ok(Ok(r)) if *r == [Ok(2), Ok(3)]),
            "map(.., Some(Duration::MAX)) panicked or gave wrong results: \
             `Instant::now() + timeout` overflows for a huge timeout. Use \
             Instant::now().checked_add(timeout) and treat None as no deadline \
             ({CHAPTER}#map-and-as-completed)"
        );
        let future = pool.submit(|| 1).unwrap();
        let mut completed = as_completed(&[future], Some(Duration::MAX));
        assert!(
            matches!(completed.next(), Some(Ok(_))),
            "as_completed(.., Some(Duration::MAX)) must wait as long as it takes \
             ({CHAPTER}#map-and-as-completed)"
        );
    });
}

#[test]
fn map_timeout_is_counted_from_the_call() {
    deadline::within_secs(20, "map() with a timeout of 1 s", || {
        let pool = ThreadPool::new(2);
        let results = pool
            .map(
                |ms: u64| {
                    thread::sleep(Duration::from_millis(ms));
                    ms
                },
                [400, 1_200],
                Some(Duration::from_secs(1)),
            )
            .unwrap();
        assert_eq!(
            results,
            [Ok(400), Err(FutureError::TimedOut)],
            "map() with a 1 s timeout, of tasks of 0.4 s and 1.2 s running side by side: the \
             first must be Ok and the second Err(TimedOut), because the timeout counts from \
             the call to map(), not from each wait (with a fresh 1 s per result the second \
             would still be in time) ({CHAPTER}#map-and-as-completed)"
        );
    });
}

#[test]
fn map_cancels_what_has_not_started_when_time_runs_out() {
    deadline::within_secs(20, "map() with a timeout on one busy worker", || {
        let pool = ThreadPool::new(1);
        let (open, gate) = gate();
        let gate = Arc::new(Mutex::new(gate));
        let ran = Arc::new(AtomicUsize::new(0));
        let theirs = Arc::clone(&ran);
        let results = pool
            .map(
                move |n: u32| {
                    theirs.fetch_add(1, Ordering::SeqCst);
                    if n == 0 {
                        gate.lock().unwrap().wait();
                    }
                    n
                },
                [0, 1, 2],
                Some(SETTLE),
            )
            .unwrap();
        assert_eq!(
            results,
            [
                Err(FutureError::TimedOut),
                Err(FutureError::TimedOut),
                Err(FutureError::TimedOut)
            ],
            "map() whose first task outlives the timeout must give Err(TimedOut) for it and \
             for every result not done by then ({CHAPTER}#map-and-as-completed)"
        );
        open.send(()).unwrap();
        pool.shutdown(true, false);
        assert_eq!(
            ran.load(Ordering::SeqCst),
            1,
            "after map() timed out, the tasks that had not started must be cancelled, not run \
             later ({CHAPTER}#map-and-as-completed)"
        );
    });
}

// ---------------------------------------------------------------------------------------
// as_completed

#[test]
fn as_completed_yields_futures_in_the_order_they_end() {
    deadline::within_secs(
        10,
        "as_completed() over three gated tasks, opened one by one \
         (or the pool's drop at the end of the test: shutdown must wake every sleeping \
         worker, notify_all, \
         book/src/part-5/thread-pools-and-futures.md#shutdown)",
        || {
            let pool = ThreadPool::new(3);
            let (started, has_started) = mpsc::channel();
            let mut opens = Vec::new();
            let futures: Vec<Future<usize>> = (0..3)
                .map(|n| {
                    let (open, gate) = gate();
                    opens.push(open);
                    pool.submit(gated_task(&started, gate, n)).unwrap()
                })
                .collect();
            for _ in 0..3 {
                has_started.recv().unwrap();
            }
            let mut completed = as_completed(&futures, None);
            let mut order = Vec::new();
            for n in [2, 0, 1] {
                // Opened a little later, so that next() is already waiting: it must wait.
                let open = opens[n].clone();
                let opener = thread::spawn(move || {
                    thread::sleep(SETTLE);
                    open.send(()).unwrap();
                });
                let next = completed
                .next()
                .expect("as_completed() ended before every future was yielded ({CHAPTER}#map-and-as-completed)")
                .expect("as_completed() without a timeout must not time out ({CHAPTER}#map-and-as-completed)");
                order.push(next.result(None).unwrap());
                opener.join().unwrap();
            }
            assert_eq!(
                order,
                [2, 0, 1],
                "as_completed() must yield each future as it ends, the first one done first \
             ({CHAPTER}#map-and-as-completed)"
            );
            assert!(
                completed.next().is_none(),
                "as_completed() must end (None) once every future has been yielded \
             ({CHAPTER}#map-and-as-completed)"
            );
        },
    );
}

#[test]
fn as_completed_yields_done_and_cancelled_futures_then_times_out_once() {
    deadline::within_secs(
        10,
        "as_completed() with a timeout of 150 ms, one task never ending (if this hangs, it is \
         no deadlock: next() never times out. Compute the deadline once, when as_completed() \
         is called, and wait for what is left of it; do not count the timeout again after \
         each wake-up, book/src/part-5/thread-pools-and-futures.md#map-and-as-completed)",
        || {
            let pool = ThreadPool::new(1);
            let (started, has_started) = mpsc::channel();
            let (open, gate) = gate();
            let stuck = pool.submit(gated_task(&started, gate, 0)).unwrap();
            has_started.recv().unwrap();
            let cancelled = pool.submit(|| 1).unwrap();
            assert!(cancelled.cancel());
            let begin = Instant::now();
            let mut completed = as_completed(&[stuck.clone(), cancelled], Some(SETTLE));
            let first = completed.next();
            assert!(
                matches!(&first, Some(Ok(future)) if future.cancelled()),
                "as_completed() must first yield the futures already done, a cancelled one \
             included ({CHAPTER}#map-and-as-completed)"
            );
            let second = completed.next();
            let waited = begin.elapsed();
            assert!(
                matches!(second, Some(Err(FutureError::TimedOut))),
                "as_completed() with a timeout must yield Err(TimedOut) when the timeout passes \
             before every future is done ({CHAPTER}#map-and-as-completed)"
            );
            assert!(
                waited >= SETTLE,
                "as_completed() timed out after {waited:?}, before its timeout of {SETTLE:?} \
             counted from the call ({CHAPTER}#map-and-as-completed)"
            );
            assert!(
                completed.next().is_none(),
                "after Err(TimedOut), as_completed() must end (None) ({CHAPTER}#map-and-as-completed)"
            );
            open.send(()).unwrap();
            assert_eq!(stuck.result(None), Ok(0));
        },
    );
}

#[test]
fn as_completed_timeout_counts_from_the_call_not_from_each_next() {
    deadline::within_secs(
        10,
        "as_completed() with a timeout that has passed before the first next()",
        || {
            let pool = ThreadPool::new(1);
            let (started, has_started) = mpsc::channel();
            let (open, gate) = gate();
            let stuck = pool.submit(gated_task(&started, gate, 0)).unwrap();
            has_started.recv().unwrap();
            let timeout = Duration::from_millis(500);
            let mut completed = as_completed(std::slice::from_ref(&stuck), Some(timeout));
            thread::sleep(timeout);
            let begin = Instant::now();
            let first = completed.next();
            let waited = begin.elapsed();
            assert!(
                matches!(first, Some(Err(FutureError::TimedOut))) && waited < timeout,
                "as_completed(.., Some({timeout:?})), first next() called once the timeout had \
                 passed, with no future done: it must give Err(TimedOut) at once, and it took \
                 {waited:?} ({first:?}). The timeout counts from the call to as_completed(): \
                 compute the deadline there, once, not in each next() \
                 ({CHAPTER}#map-and-as-completed)"
            );
            open.send(()).unwrap();
            assert_eq!(stuck.result(None), Ok(0));
        },
    );
}

// ---------------------------------------------------------------------------------------
// Shutdown

#[test]
fn shutdown_refuses_new_tasks() {
    deadline::within_secs(10, "submit() and map() after shutdown()", || {
        let pool = ThreadPool::new(1);
        pool.shutdown(true, false);
        assert!(
            matches!(pool.submit(|| 1), Err(Shutdown)),
            "submit() after shutdown() must return Err(Shutdown) (Python raises RuntimeError) \
             ({CHAPTER}#shutdown)"
        );
        assert!(
            matches!(pool.map(|n: u8| n, [1, 2], None), Err(Shutdown)),
            "map() after shutdown() must return Err(Shutdown) ({CHAPTER}#shutdown)"
        );
        assert!(
            matches!(pool.map(|n: u8| n, [], None), Ok(results) if results.is_empty()),
            "map() with no inputs submits nothing, so it must return Ok(an empty vector), even \
             after shutdown() ({CHAPTER}#map-and-as-completed)"
        );
        pool.shutdown(true, false);
    });
}

#[test]
fn shutdown_wait_runs_the_queued_tasks_and_joins_every_worker() {
    deadline::within_secs(
        10,
        "shutdown(wait: true) of a pool of 3 with 6 tasks",
        || {
            let pool = ThreadPool::new(3);
            let exited = Arc::new(AtomicUsize::new(0));
            let barrier = Arc::new(Barrier::new(3));
            let futures: Vec<_> = (0..6)
                .map(|n| {
                    let exited = Arc::clone(&exited);
                    let barrier = Arc::clone(&barrier);
                    pool.submit(move || {
                        count_my_exit(&exited);
                        if n < 3 {
                            // The first three meet here, so each of the three workers runs one.
                            barrier.wait();
                        }
                        n
                    })
                    .unwrap()
                })
                .collect();
            pool.shutdown(true, false);
            let done: Vec<bool> = futures.iter().map(Future::done).collect();
            assert_eq!(
                done, [true; 6],
                "shutdown(wait: true, cancel_futures: false) must let every task queued before it \
             run, and return only after they are done ({CHAPTER}#shutdown)"
            );
            assert_eq!(
                exited.load(Ordering::SeqCst),
                3,
                "shutdown(wait: true) returned before each of the 3 worker threads had ended: it \
             must join every worker (keep their JoinHandles) ({CHAPTER}#shutdown)"
            );
            for (n, future) in futures.iter().enumerate() {
                assert_eq!(future.result(None), Ok(n));
            }
        },
    );
}

#[test]
fn shutdown_dropping_the_pool_joins_every_worker() {
    deadline::within_secs(10, "dropping a pool of 2 with queued tasks", || {
        let pool = ThreadPool::new(2);
        let exited = Arc::new(AtomicUsize::new(0));
        let barrier = Arc::new(Barrier::new(2));
        let futures: Vec<_> = (0..4)
            .map(|n| {
                let exited = Arc::clone(&exited);
                let barrier = Arc::clone(&barrier);
                pool.submit(move || {
                    count_my_exit(&exited);
                    if n < 2 {
                        barrier.wait();
                    }
                    n
                })
                .unwrap()
            })
            .collect();
        drop(pool);
        assert!(
            futures.iter().all(Future::done),
            "dropping the pool must run the queued tasks and wait for them, as \
             shutdown(wait: true) ({CHAPTER}#shutdown)"
        );
        assert_eq!(
            exited.load(Ordering::SeqCst),
            2,
            "dropping the pool returned before both worker threads had ended: Drop must shut \
             down and join every worker, or the threads leak ({CHAPTER}#shutdown)"
        );
    });
}

#[test]
fn shutdown_without_wait_returns_while_a_task_runs() {
    deadline::within_secs(
        10,
        "shutdown(wait: false) while a task waits at a gate",
        || {
            let pool = ThreadPool::new(1);
            let (started, has_started) = mpsc::channel();
            let (open, gate) = gate();
            let running = pool.submit(gated_task(&started, gate, 5)).unwrap();
            has_started.recv().unwrap();
            let queued = pool.submit(|| 6).unwrap();
            pool.shutdown(false, false);
            assert!(
                !running.done(),
                "shutdown(wait: false) must return without waiting for the running task \
             ({CHAPTER}#shutdown)"
            );
            assert!(
                matches!(pool.submit(|| 7), Err(Shutdown)),
                "submit() after shutdown(wait: false) must return Err(Shutdown) ({CHAPTER}#shutdown)"
            );
            open.send(()).unwrap();
            assert_eq!(
                (running.result(None), queued.result(None)),
                (Ok(5), Ok(6)),
                "after shutdown(wait: false, cancel_futures: false), the running task and the \
             queued one must still run to the end ({CHAPTER}#shutdown)"
            );
            drop(pool);
        },
    );
}

#[test]
fn shutdown_cancelling_futures_cancels_only_what_has_not_started() {
    deadline::within_secs(
        10,
        "shutdown(cancel_futures: true) with one task running (if this hangs, the callbacks of \
         the cancelled futures run under a lock they need: the future's in cancel(), or the \
         pool's in shutdown(); run them after releasing it, \
         book/src/part-5/thread-pools-and-futures.md#done-callbacks)",
        || {
            let pool = ThreadPool::new(1);
            let (started, has_started) = mpsc::channel();
            let (open, gate) = gate();
            let running = pool.submit(gated_task(&started, gate, 1)).unwrap();
            has_started.recv().unwrap();
            let queued: Vec<_> = (2..5).map(|n| pool.submit(move || n).unwrap()).collect();
            let cancelled_seen = Arc::new(AtomicUsize::new(0));
            for future in &queued {
                let seen = Arc::clone(&cancelled_seen);
                future.add_done_callback(move |future| {
                    if future.cancelled() {
                        seen.fetch_add(1, Ordering::SeqCst);
                    }
                });
            }
            pool.shutdown(false, true);
            let states: Vec<bool> = queued.iter().map(Future::cancelled).collect();
            assert_eq!(
                states, [true; 3],
                "shutdown(cancel_futures: true) must cancel every task that has not started, \
             before it returns ({CHAPTER}#shutdown)"
            );
            assert_eq!(
                cancelled_seen.load(Ordering::SeqCst),
                3,
                "the futures cancelled by shutdown(cancel_futures: true) must run their \
             callbacks, as any cancel() does ({CHAPTER}#shutdown)"
            );
            assert!(
                !running.cancelled(),
                "shutdown(cancel_futures: true) must not cancel the task already running \
             ({CHAPTER}#shutdown)"
            );
            open.send(()).unwrap();
            assert_eq!(
                running.result(None),
                Ok(1),
                "the running task must finish after shutdown(cancel_futures: true) ({CHAPTER}#shutdown)"
            );
            pool.shutdown(true, true);
        },
    );
}

#[test]
fn shutdown_wait_after_a_shutdown_without_wait_joins_the_workers() {
    deadline::within_secs(
        10,
        "shutdown(wait: true) after shutdown(wait: false), with a task running",
        || {
            let pool = ThreadPool::new(1);
            let exited = Arc::new(AtomicUsize::new(0));
            let (started, has_started) = mpsc::channel();
            let (open, gate) = gate();
            let theirs = Arc::clone(&exited);
            let task = gated_task(&started, gate, 5);
            let running = pool
                .submit(move || {
                    count_my_exit(&theirs);
                    task()
                })
                .unwrap();
            has_started.recv().unwrap();
            pool.shutdown(false, false);
            let opener = thread::spawn(move || {
                thread::sleep(Duration::from_millis(500));
                open.send(()).unwrap();
            });
            pool.shutdown(true, false);
            let (done, ended) = (running.done(), exited.load(Ordering::SeqCst));
            opener.join().unwrap();
            assert!(
                done && ended == 1,
                "shutdown(wait: false), then shutdown(wait: true) while a task still ran: the \
                 second call returned before the task was done and its worker had ended. A later \
                 `wait: true` must join what an earlier call left running: returning at once \
                 because the flag is already set skips the join ({CHAPTER}#shutdown)"
            );
        },
    );
}

#[test]
fn shutdown_two_calls_waiting_at_once_both_wait_for_the_workers() {
    deadline::within_secs(
        10,
        "two threads in shutdown(wait: true) at once, with a task running",
        || {
            let pool = Arc::new(ThreadPool::new(1));
            let (started, has_started) = mpsc::channel();
            let (open, gate) = gate();
            let running = pool.submit(gated_task(&started, gate, 5)).unwrap();
            has_started.recv().unwrap();
            let callers: Vec<_> = (0..2)
                .map(|_| {
                    let pool = Arc::clone(&pool);
                    let running = running.clone();
                    thread::spawn(move || {
                        pool.shutdown(true, false);
                        running.done()
                    })
                })
                .collect();
            // Both callers are inside shutdown() by now.
            thread::sleep(Duration::from_millis(500));
            open.send(()).unwrap();
            let done: Vec<bool> = callers.into_iter().map(|c| c.join().unwrap()).collect();
            assert_eq!(
                done,
                [true, true],
                "two shutdown(wait: true) called at once, while a task ran: one of them returned \
                 before the task was done. `wait: true` promises every caller that the workers \
                 have ended when it returns: if one call takes the JoinHandles out of their \
                 mutex and joins them outside it, the other finds none and returns at once. \
                 Join while holding the handles' lock ({CHAPTER}#shutdown)"
            );
        },
    );
}

#[test]
fn shutdown_cancelling_runs_callbacks_that_may_call_the_pool() {
    deadline::within_secs(
        10,
        "shutdown(cancel_futures: true) with a queued task whose callback calls submit() \
         (if this hangs, shutdown runs the callbacks of the futures it cancels while it holds \
         the pool's lock: take the queued jobs out under the lock, release it, then cancel \
         them, book/src/part-5/thread-pools-and-futures.md#shutdown)",
        || {
            let pool = Arc::new(ThreadPool::new(1));
            let (started, has_started) = mpsc::channel();
            let (open, gate) = gate();
            let running = pool.submit(gated_task(&started, gate, 1)).unwrap();
            has_started.recv().unwrap();
            let queued = pool.submit(|| 2).unwrap();
            let refused = Arc::new(Mutex::new(None));
            let (theirs, seen) = (Arc::clone(&pool), Arc::clone(&refused));
            queued.add_done_callback(move |_| {
                *seen.lock().unwrap() = Some(matches!(theirs.submit(|| 3), Err(Shutdown)));
            });
            pool.shutdown(false, true);
            assert_eq!(
                *refused.lock().unwrap(),
                Some(true),
                "the callback of a future cancelled by shutdown(cancel_futures: true) must run \
                 before shutdown returns, and a submit() from it must get Err(Shutdown) \
                 ({CHAPTER}#shutdown)"
            );
            open.send(()).unwrap();
            assert_eq!(running.result(None), Ok(1));
            assert_eq!(queued.result(None), Err(FutureError::Cancelled));
        },
    );
}

// ---------------------------------------------------------------------------------------
// The sources

/// What the pool's sources must not reach for, and what to use instead.
const FORBIDDEN: &[(&str, &str)] = &[
    (
        "crossbeam_channel",
        "crate::sync::Mutex and crate::sync::Condvar (loom cannot see inside crossbeam's channel)",
    ),
    (
        "mpsc",
        "crate::sync::Mutex and crate::sync::Condvar (loom cannot see inside std's channel)",
    ),
    ("thread::sleep", "a wait on a crate::sync::Condvar"),
    ("yield_now", "a wait on a crate::sync::Condvar"),
    ("spin_loop", "a wait on a crate::sync::Condvar"),
];

#[test]
fn source_waits_on_condition_variables_only() {
    let mut problems = Vec::new();
    for file in ["src/future.rs", "src/pool.rs"] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let paths: Vec<&str> = FORBIDDEN.iter().map(|(bad, _)| *bad).collect();
        for (line, bad) in loom_harness::forbidden_paths(&text, &paths) {
            let instead = FORBIDDEN
                .iter()
                .find(|(path, _)| *path == bad)
                .map_or("", |(_, instead)| *instead);
            problems.push(format!("{file}:{line}: `{bad}`: use {instead}"));
        }
    }
    assert!(
        problems.is_empty(),
        "the pool's queue and its futures wait on crate::sync::Condvar, so that the loom \
         suite can check every interleaving; a channel from std or crossbeam, a sleep or a \
         spin is invisible to it:\n{}\n({CHAPTER}#exercise)",
        problems.join("\n")
    );
}
