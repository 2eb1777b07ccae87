//! Exercise 02 graded suite, on real threads. Book: `book/src/part-1/thread-models.md`.
//!
//! Every promise of the stub's docs, and the tests that check it here and under loom, are
//! listed in `tests/contracts/exercise-02.toml`. Test names start with the part they grade:
//! `ready_queue_`, `timers_`, `run_`, `join_`, `panic_`, `wake_`, `sleep_`,
//! `blocking_`.
//!
//! Nothing here measures speed. Orders are checked at yield points, where the executor
//! alone decides; "the executor does not spin" is checked with the CPU time its thread used
//! while every task slept, which is near zero when it waits and the whole wait when it spins.

use std::cell::{Cell, RefCell};
use std::future::{Future, poll_fn};
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::{Duration, Instant};

sync_shim::library_under_std!(green);

use green::{
    Executor, JoinError, JoinHandle, ReadyQueue, Timers, sleep, spawn, spawn_blocking, yield_now,
};

const CHAPTER: &str = "book/src/part-1/thread-models.md";

// ---------------------------------------------------------------------------------------
// Helpers

/// A future that counts how often it is polled.
struct Counted<F> {
    polls: Rc<Cell<usize>>,
    inner: Pin<Box<F>>,
}

fn counted<F: Future>(inner: F) -> (Counted<F>, Rc<Cell<usize>>) {
    let polls = Rc::new(Cell::new(0));
    let future = Counted {
        polls: Rc::clone(&polls),
        inner: Box::pin(inner),
    };
    (future, polls)
}

impl<F: Future> Future for Counted<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.polls.set(self.polls.get() + 1);
        self.inner.as_mut().poll(cx)
    }
}

/// A future that is never ready and never arranges a wake-up.
fn pending_forever() -> impl Future<Output = ()> {
    poll_fn(|_| Poll::Pending)
}

/// A future that returns `Pending` once, after `first_poll` did something with the waker
/// (woke it, handed it to a thread...), and is ready on the next poll.
fn pending_once(first_poll: impl FnOnce(&Waker)) -> impl Future<Output = ()> {
    let mut first_poll = Some(first_poll);
    poll_fn(move |cx| match first_poll.take() {
        Some(act) => {
            act(cx.waker());
            Poll::Pending
        }
        None => Poll::Ready(()),
    })
}

/// Drops a join handle: the task goes on without anyone awaiting it.
fn detach<T>(_handle: JoinHandle<T>) {}

/// The text of a caught panic.
fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    deadline::panic_text(payload)
}

/// A waker that records its name in a shared list when woken.
struct Named {
    name: &'static str,
    log: Arc<Mutex<Vec<&'static str>>>,
}

impl Wake for Named {
    fn wake(self: Arc<Self>) {
        self.log.lock().unwrap().push(self.name);
    }
}

/// CPU time this thread has used so far, where the OS tells (Linux); `None` elsewhere.
fn thread_cpu_time() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// Catches a panic of `body`; `Err` holds its message.
fn catch<R>(body: impl FnOnce() -> R) -> Result<R, String> {
    panic::catch_unwind(AssertUnwindSafe(body)).map_err(|payload| panic_text(payload.as_ref()))
}

/// Fails with a message that points at the stub when `message` is a `todo!()`.
fn not_a_todo(message: &str) {
    assert!(
        !message.starts_with("not yet implemented"),
        "not yet implemented: {message}"
    );
}

// ---------------------------------------------------------------------------------------
// The ready queue

#[test]
fn ready_queue_hands_out_tasks_in_the_order_they_were_woken() {
    deadline::within_secs(5, "ReadyQueue::wake and pop on one thread", || {
        let queue = ReadyQueue::new();
        assert_eq!(
            queue.pop(),
            None,
            "pop() on a new queue returned a task; nothing was woken yet ({CHAPTER}#the-ready-queue)"
        );
        for id in [3, 1, 2] {
            queue.wake(id);
        }
        let order: Vec<_> = std::iter::from_fn(|| queue.pop()).take(10).collect();
        assert_eq!(
            order,
            [3, 1, 2],
            "tasks 3, 1 and 2 were woken in that order, but pop() handed them out as {order:?}: \
             the ready queue must be first in, first out (push at the back, pop at the front), \
             or a task that yields could run again before the others ({CHAPTER}#the-ready-queue)"
        );
    });
}

#[test]
fn ready_queue_keeps_one_place_for_a_task_woken_twice() {
    deadline::within_secs(5, "ReadyQueue::wake and pop on one thread", || {
        let queue = ReadyQueue::new();
        queue.wake(1);
        queue.wake(2);
        queue.wake(1);
        let order: Vec<_> = std::iter::from_fn(|| queue.pop()).take(10).collect();
        assert_eq!(
            order,
            [1, 2],
            "task 1 was woken, then 2, then 1 again before it ran; pop() gave {order:?}. A task \
             woken again while it waits in the queue keeps its one place, or it would be polled \
             twice for one wake-up ({CHAPTER}#the-ready-queue)"
        );
        queue.wake(1);
        assert_eq!(
            queue.pop(),
            Some(1),
            "task 1 was woken again after pop() had taken it, and was not queued: once taken, \
             a task must be queued by its next wake-up, or that wake-up is lost \
             ({CHAPTER}#the-ready-queue)"
        );
    });
}

#[test]
fn ready_queue_wait_returns_when_another_thread_wakes_a_task() {
    deadline::within_secs(
        10,
        "wait_until(None) while another thread calls wake(7) after 50 ms (is the waiting \
         thread notified when a task is woken?)",
        || {
            let queue = Arc::new(ReadyQueue::new());
            let waker = Arc::clone(&queue);
            let other = thread::spawn(move || {
                thread::sleep(Duration::from_millis(50));
                waker.wake(7);
            });
            queue.wait_until(None);
            assert_eq!(
                queue.pop(),
                Some(7),
                "wait_until(None) returned, but pop() found no task: it must wait until a task \
                 is ready, not return early ({CHAPTER}#the-ready-queue)"
            );
            other.join().unwrap();
        },
    );
    assert!(
        auto_traits::is_send!(ReadyQueue) && auto_traits::is_sync!(ReadyQueue),
        "ReadyQueue must be Send and Sync: wakers on other threads share it with the executor \
         ({CHAPTER}#the-ready-queue)"
    );
}

#[test]
fn ready_queue_wait_returns_at_once_when_a_task_is_ready_or_the_deadline_passed() {
    deadline::within_secs(
        5,
        "wait_until with a task already in the queue, then with a deadline in the past (both \
         must return at once)",
        || {
            let queue = ReadyQueue::new();
            queue.wake(1);
            queue.wait_until(None);
            assert_eq!(queue.pop(), Some(1));
            queue.wait_until(Some(Instant::now()));
        },
    );
}

#[test]
fn ready_queue_wait_lasts_until_the_deadline_when_nothing_is_woken() {
    deadline::within_secs(5, "wait_until(now + 100 ms) with nothing woken", || {
        let queue = ReadyQueue::new();
        let start = Instant::now();
        queue.wait_until(Some(start + Duration::from_millis(100)));
        let waited = start.elapsed();
        assert!(
            waited >= Duration::from_millis(100),
            "wait_until(now + 100 ms) returned after {waited:?} with nothing in the queue: \
                 the executor would go round its loop and come back, spinning until the \
                 deadline. Wait (with a timeout) until the deadline or a wake-up \
                 ({CHAPTER}#sleeping-without-spinning)"
        );
        assert_eq!(queue.pop(), None);
    });
}

#[test]
fn ready_queue_wait_with_a_deadline_ends_when_another_thread_wakes_a_task() {
    deadline::within_secs(
        10,
        "wait_until(now + 60 s) while another thread calls wake(7) after 50 ms (does a wake-up \
         end a wait that has a deadline, or does it wait out the whole timeout?)",
        || {
            let queue = Arc::new(ReadyQueue::new());
            let waker = Arc::clone(&queue);
            let other = thread::spawn(move || {
                thread::sleep(Duration::from_millis(50));
                waker.wake(7);
            });
            queue.wait_until(Some(Instant::now() + Duration::from_secs(60)));
            assert_eq!(
                queue.pop(),
                Some(7),
                "wait_until(now + 60 s) returned, but pop() found no task: with a deadline too, \
                 it waits until a task is ready or the deadline passed \
                 ({CHAPTER}#the-ready-queue)"
            );
            other.join().unwrap();
        },
    );
}

// ---------------------------------------------------------------------------------------
// Spawning and running

#[test]
fn run_block_on_returns_the_value_of_its_future() {
    let value = deadline::within_secs(5, "block_on(a future that yields twice)", || {
        Executor::new().block_on(async {
            yield_now().await;
            yield_now().await;
            6 * 7
        })
    });
    assert_eq!(
        value, 42,
        "block_on must return the value of its future ({CHAPTER}#the-run-loop)"
    );
}

#[test]
fn run_tasks_take_turns_in_fifo_order_at_each_yield() {
    let log = deadline::within_secs(
        10,
        "three tasks that each yield twice (does yield_now wake its task before returning \
         Pending?)",
        || {
            let log = Rc::new(RefCell::new(Vec::new()));
            Executor::new().block_on({
                let log = Rc::clone(&log);
                async move {
                    let handles: Vec<_> = ["a", "b", "c"]
                        .into_iter()
                        .map(|name| {
                            let log = Rc::clone(&log);
                            spawn(async move {
                                for round in 0..3 {
                                    log.borrow_mut().push(format!("{name}{round}"));
                                    yield_now().await;
                                }
                            })
                        })
                        .collect();
                    for handle in handles {
                        handle.await.unwrap();
                    }
                }
            });
            Rc::into_inner(log).unwrap().into_inner()
        },
    );
    assert_eq!(
        log.join(" "),
        "a0 b0 c0 a1 b1 c1 a2 b2 c2",
        "three tasks spawned as a, b, c each log and then yield_now(), three times: they must \
         take turns in the order they became ready. yield_now() puts its task at the back of \
         the ready queue, and the run loop takes tasks from the front ({CHAPTER}#the-run-loop)"
    );
}

#[test]
fn run_a_task_spawned_by_a_task_goes_after_the_tasks_already_ready() {
    let log = deadline::within_secs(5, "tasks spawning tasks", || {
        let log = Rc::new(RefCell::new(Vec::new()));
        let ex = Executor::new();
        let record = |log: &Rc<RefCell<Vec<&'static str>>>, name| {
            let log = Rc::clone(log);
            async move { log.borrow_mut().push(name) }
        };
        let parent = {
            let log = Rc::clone(&log);
            async move {
                log.borrow_mut().push("parent");
                let child = spawn(record(&log, "child"));
                child.await.unwrap();
            }
        };
        let first = ex.spawn(parent);
        let second = ex.spawn(record(&log, "sibling"));
        ex.block_on(async move {
            first.await.unwrap();
            second.await.unwrap();
        });
        Rc::into_inner(log).unwrap().into_inner()
    });
    assert_eq!(
        log,
        ["parent", "sibling", "child"],
        "the parent spawned a child while its sibling was already ready: the child must run \
         after the sibling (spawn puts the new task at the back of the ready queue) \
         ({CHAPTER}#the-run-loop)"
    );
}

#[test]
fn run_every_task_on_the_thread_that_called_block_on() {
    deadline::within_secs(10, "four tasks recording their thread", || {
        let here = thread::current().id();
        let seen = Rc::new(RefCell::new(Vec::new()));
        Executor::new().block_on({
            let seen = Rc::clone(&seen);
            async move {
                let handles: Vec<_> = (0..4)
                    .map(|_| {
                        let seen = Rc::clone(&seen);
                        spawn(async move {
                            for _ in 0..3 {
                                seen.borrow_mut().push(thread::current().id());
                                yield_now().await;
                            }
                        })
                    })
                    .collect();
                for handle in handles {
                    handle.await.unwrap();
                }
            }
        });
        let seen = seen.borrow();
        assert_eq!(seen.len(), 12, "each of 4 tasks should have run 3 times");
        assert!(
            seen.iter().all(|id| *id == here),
            "a task ran on another thread than the one that called block_on: green threads \
             of an M:1 scheduler all run on the one thread of the run loop \
             ({CHAPTER}#many-to-one)"
        );
    });
}

#[test]
fn run_a_task_that_was_not_woken_is_not_polled_again() {
    let polls = deadline::within_secs(
        5,
        "a task pending forever beside one that yields 20 times",
        || {
            let ex = Executor::new();
            let (idle, polls) = counted(pending_forever());
            let _idle = ex.spawn(idle);
            ex.block_on(async {
                for _ in 0..20 {
                    yield_now().await;
                }
            });
            polls.get()
        },
    );
    assert_eq!(
        polls, 1,
        "a task that returned Pending without arranging a wake-up was polled {polls} times \
         while another task yielded 20 times: the run loop must poll only tasks that were \
         woken (taken from the ready queue), never every task in turn \
         ({CHAPTER}#the-run-loop)"
    );
}

#[test]
fn run_block_on_returns_while_spawned_tasks_remain_and_the_next_block_on_resumes_them() {
    deadline::within_secs(
        10,
        "block_on twice on one executor with a task of 10 steps",
        || {
            let steps = Rc::new(Cell::new(0));
            let ex = Executor::new();
            let handle = ex.spawn({
                let steps = Rc::clone(&steps);
                async move {
                    for _ in 0..10 {
                        steps.set(steps.get() + 1);
                        yield_now().await;
                    }
                    "finished"
                }
            });
            ex.block_on(async {
                yield_now().await;
            });
            let after_first = steps.get();
            assert!(
                after_first < 10,
                "block_on(a future that yields once) returned after the spawned task had made \
                 all its 10 steps: block_on must return as soon as its own future is ready, \
                 not wait for the other tasks ({CHAPTER}#the-run-loop)"
            );
            let value = ex.block_on(handle);
            assert_eq!(
                value,
                Ok("finished"),
                "the task left over from the first block_on must go on in the next one"
            );
            assert_eq!(steps.get(), 10);
        },
    );
}

#[test]
fn run_dropping_the_executor_drops_its_unfinished_tasks() {
    deadline::within_secs(5, "dropping an executor with a task pending", || {
        struct SetOnDrop(Rc<Cell<bool>>);
        impl Drop for SetOnDrop {
            fn drop(&mut self) {
                self.0.set(true);
            }
        }
        let dropped = Rc::new(Cell::new(false));
        let ex = Executor::new();
        let guard = SetOnDrop(Rc::clone(&dropped));
        let _handle = ex.spawn(async move {
            let _guard = guard;
            pending_forever().await;
        });
        ex.block_on(yield_now());
        assert!(
            !dropped.get(),
            "the pending task was dropped while its executor lives"
        );
        // The executor's own type may have no Drop impl; its fields (the tasks) do.
        #[allow(clippy::drop_non_drop)]
        drop(ex);
        assert!(
            dropped.get(),
            "the executor was dropped, but its unfinished task (and what it holds) was not: the \
             executor owns its tasks and drops them with itself ({CHAPTER}#the-run-loop)"
        );
    });
}

#[test]
fn run_block_on_inside_block_on_panics_with_a_clear_message() {
    let message = deadline::within_secs(5, "block_on inside block_on", || {
        catch(|| {
            Executor::new().block_on(async {
                Executor::new().block_on(async {});
            })
        })
    });
    let message = message.expect_err(
        "block_on inside block_on returned: the inner call blocks the thread every task of the \
         outer one needs. It must panic, saying so",
    );
    not_a_todo(&message);
    assert!(
        message.contains("block_on"),
        "block_on inside block_on panicked with {message:?}: say that block_on was called \
         inside block_on, so the reader knows what to fix ({CHAPTER}#the-run-loop)"
    );
    // The thread is usable again: the panic did not leave it marked as inside block_on.
    let value = deadline::within_secs(5, "block_on after a failed nested block_on", || {
        Executor::new().block_on(async { 5 })
    });
    assert_eq!(value, 5);
}

#[test]
fn run_spawn_outside_an_executor_panics_with_a_clear_message() {
    let message = deadline::within_secs(5, "spawn() outside block_on", || {
        catch(|| {
            detach(spawn(async {}));
        })
    });
    let message = message.expect_err(
        "spawn() outside block_on returned a handle: no executor would ever run that task. It \
         must panic, saying why",
    );
    not_a_todo(&message);
    assert!(
        message.contains("executor") || message.contains("block_on"),
        "spawn() outside block_on panicked with {message:?}: say that it must be called inside \
         an executor's block_on ({CHAPTER}#the-run-loop)"
    );
}

#[test]
fn run_public_types_are_send_and_sync_where_they_should_be() {
    let handle_value = deadline::within_secs(5, "Executor::spawn then block_on", || {
        let ex = Executor::new();
        let handle = ex.spawn(async { 1 });
        ex.block_on(handle)
    });
    assert_eq!(handle_value, Ok(1));
    let bound = format!("({CHAPTER}#join-handles)");
    assert!(
        !auto_traits::is_send!(Executor),
        "Executor is Send: its tasks need not be Send (spawn takes any future), so moving the \
         executor to another thread would move them too. Keep it !Send (an Rc inside does) \
         {bound}"
    );
    assert!(
        auto_traits::is_send!(JoinHandle<u32>),
        "JoinHandle<u32> is not Send: a handle may go to another thread when its value may \
         {bound}"
    );
    assert!(
        !auto_traits::is_send!(JoinHandle<Rc<u32>>),
        "JoinHandle<Rc<u32>> is Send: the Rc could then arrive on another thread while the \
         task's thread keeps a clone {bound}"
    );
    assert!(
        auto_traits::is_send!(JoinError) && auto_traits::is_sync!(JoinError),
        "JoinError must be Send and Sync: it is only a message {bound}"
    );
    assert!(
        auto_traits::is_send!(Waker) && auto_traits::is_sync!(Waker),
        "std's Waker is Send and Sync, so whatever a waker shares must be too"
    );
}

// ---------------------------------------------------------------------------------------
// Join handles

#[test]
fn join_handle_awaited_before_the_task_finishes_waits_for_its_value() {
    let value = deadline::within_secs(
        5,
        "awaiting the handle of a task that yields 3 times (does the handle keep the waker of \
         its poll, and does the task wake it when it finishes?)",
        || {
            Executor::new().block_on(async {
                let handle = spawn(async {
                    for _ in 0..3 {
                        yield_now().await;
                    }
                    "done"
                });
                // Awaited by another task, not only by block_on's future.
                let waiter = spawn(handle);
                waiter.await
            })
        },
    );
    assert_eq!(
        value,
        Ok(Ok("done")),
        "a handle awaited before its task finished must give the task's value \
         ({CHAPTER}#join-handles)"
    );
}

#[test]
fn join_handle_polled_by_one_task_then_awaited_by_another_wakes_the_second() {
    let value = deadline::within_secs(
        5,
        "a handle polled once by one task, then awaited by another until its task finishes \
         (does the handle keep the waker of its latest poll, replacing the older one?)",
        || {
            Executor::new().block_on(async {
                let target = spawn(async {
                    for _ in 0..3 {
                        yield_now().await;
                    }
                    5
                });
                let slot = Rc::new(RefCell::new(Some(target)));
                // The first task polls the handle once (Pending: the target still yields),
                // then finishes, leaving the handle to the second.
                let first = spawn({
                    let slot = Rc::clone(&slot);
                    poll_fn(move |cx| {
                        let mut slot = slot.borrow_mut();
                        let handle = slot.as_mut().expect("the handle is still here");
                        let _ = Pin::new(handle).poll(cx);
                        Poll::Ready(())
                    })
                });
                first.await.unwrap();
                let handle = slot.borrow_mut().take().expect("the handle is still here");
                spawn(handle).await
            })
        },
    );
    assert_eq!(
        value,
        Ok(Ok(5)),
        "the handle's value, awaited by the task that polled it last ({CHAPTER}#join-handles)"
    );
}

#[test]
fn join_handle_awaited_after_the_task_finished_returns_its_value_at_once() {
    let (value, polls) = deadline::within_secs(5, "awaiting the handle of a finished task", || {
        Executor::new().block_on(async {
            let handle = spawn(async { 7 });
            for _ in 0..3 {
                yield_now().await;
            }
            let (handle, polls) = counted(handle);
            (handle.await, polls.get())
        })
    });
    assert_eq!(
        value,
        Ok(7),
        "the finished task's value ({CHAPTER}#join-handles)"
    );
    assert_eq!(
        polls, 1,
        "awaiting the handle of a finished task took {polls} polls: its value is there \
         already, so the first poll returns it ({CHAPTER}#join-handles)"
    );
}

#[test]
fn join_handle_dropped_does_not_cancel_the_task() {
    let finished = deadline::within_secs(5, "a task whose handle was dropped", || {
        let finished = Rc::new(Cell::new(false));
        Executor::new().block_on({
            let finished = Rc::clone(&finished);
            async move {
                detach(spawn({
                    let finished = Rc::clone(&finished);
                    async move {
                        yield_now().await;
                        finished.set(true);
                    }
                }));
                for _ in 0..3 {
                    yield_now().await;
                }
            }
        });
        finished.get()
    });
    assert!(
        finished,
        "a task whose handle was dropped did not run to its end: dropping a JoinHandle only \
         gives up the value, it does not cancel the task ({CHAPTER}#join-handles)"
    );
}

// ---------------------------------------------------------------------------------------
// Panics

#[test]
fn panic_in_a_task_fails_only_its_handle_with_the_message() {
    let outcome = deadline::within_secs(5, "a task that panics beside one that does not", || {
        catch(|| {
            Executor::new().block_on(async {
                let bad = spawn(async {
                    yield_now().await;
                    panic!("boom (this panic is part of the test)");
                });
                let good = spawn(async {
                    for _ in 0..3 {
                        yield_now().await;
                    }
                    "still here"
                });
                (bad.await, good.await)
            })
        })
    });
    let (bad, good) = outcome.unwrap_or_else(|message| {
        not_a_todo(&message);
        panic!(
            "a task's panic escaped block_on ({message:?}) and took every task of the thread \
             with it: catch it around the task's poll (std::panic::catch_unwind) and make it \
             the task's JoinError ({CHAPTER}#a-panicking-task)"
        )
    });
    let error = bad.expect_err("the handle of the task that panicked gave a value");
    assert!(
        error.message() == "boom (this panic is part of the test)"
            && error
                .to_string()
                .contains("boom (this panic is part of the test)"),
        "the JoinError of a task that panicked must carry the panic's message, got {error:?} \
         ({CHAPTER}#a-panicking-task)"
    );
    assert_eq!(
        good,
        Ok("still here"),
        "the task beside the one that panicked must finish as usual ({CHAPTER}#a-panicking-task)"
    );
}

#[test]
fn panic_in_the_future_of_block_on_reaches_its_caller_and_block_on_works_again() {
    let outcome = deadline::within_secs(5, "block_on of a future that panics", || {
        let ex = Executor::new();
        let first = catch(|| {
            ex.block_on(async {
                if true {
                    panic!("main (this panic is part of the test)");
                }
            })
        });
        let again = catch(|| ex.block_on(async { 3 }));
        (first, again)
    });
    let message = outcome
        .0
        .expect_err("block_on of a future that panics returned instead of panicking");
    not_a_todo(&message);
    assert!(
        message.contains("main (this panic is part of the test)"),
        "block_on's own future panicked, and block_on panicked with {message:?} instead of \
         that panic ({CHAPTER}#a-panicking-task)"
    );
    let again = outcome.1.unwrap_or_else(|message| {
        panic!(
            "after its future panicked, the next block_on on the same executor panicked with \
             {message:?}: leaving block_on by a panic must still leave the thread outside \
             block_on (a guard whose Drop clears the current executor) \
             ({CHAPTER}#a-panicking-task)"
        )
    });
    assert_eq!(again, 3);
}

// ---------------------------------------------------------------------------------------
// Wakers on other threads

#[test]
fn wake_from_another_thread_resumes_the_task() {
    let polls = deadline::within_secs(
        10,
        "a task whose waker another thread calls after 50 ms (does the waker reach the ready \
         queue, and does the idle executor wake up for it?)",
        || {
            let (task, polls) = counted(pending_once(|waker| {
                let waker = waker.clone();
                thread::spawn(move || {
                    thread::sleep(Duration::from_millis(50));
                    waker.wake();
                });
            }));
            Executor::new().block_on(task);
            polls.get()
        },
    );
    assert_eq!(
        polls, 2,
        "the task should be polled once, then once more after the wake-up ({CHAPTER}#waking-from-another-thread)"
    );
}

#[test]
fn wake_before_the_task_returns_pending_is_not_lost() {
    deadline::within_secs(
        10,
        "a task woken by another thread before its poll returned Pending (a wake-up that \
         arrives before the task is back in its place must still count)",
        || {
            let ex = Executor::new();
            let handle = ex.spawn(pending_once(|waker| {
                let waker = waker.clone();
                thread::spawn(move || waker.wake()).join().unwrap();
            }));
            ex.block_on(handle).unwrap();
        },
    );
}

#[test]
fn wake_twice_before_the_task_runs_polls_it_once_more() {
    let polls = deadline::within_secs(5, "a task woken twice before it runs again", || {
        let ex = Executor::new();
        // Woken twice during its first poll, then pending for good without a wake-up.
        let mut first = true;
        let (task, polls) = counted(poll_fn(move |cx| {
            if std::mem::take(&mut first) {
                cx.waker().wake_by_ref();
                let other = cx.waker().clone();
                thread::spawn(move || other.wake()).join().unwrap();
            }
            Poll::<()>::Pending
        }));
        detach(ex.spawn(task));
        ex.block_on(async {
            for _ in 0..5 {
                yield_now().await;
            }
        });
        polls.get()
    });
    assert_eq!(
        polls, 2,
        "a task woken twice (once here, once from another thread) before it ran again was \
         polled {polls} times in all: two wake-ups before one poll ask for one poll, so it \
         keeps one place in the ready queue ({CHAPTER}#the-ready-queue)"
    );
}

#[test]
fn wake_after_the_task_finished_does_not_poll_it_again() {
    let outcome =
        deadline::within_secs(5, "waking a task that has finished, then yielding", || {
            let kept: Rc<RefCell<Option<Waker>>> = Rc::default();
            let ex = Executor::new();
            let (task, polls) = counted(pending_once({
                let kept = Rc::clone(&kept);
                move |waker| {
                    *kept.borrow_mut() = Some(waker.clone());
                    waker.wake_by_ref();
                }
            }));
            let handle = ex.spawn(task);
            let late = catch(|| {
                ex.block_on(async {
                    handle.await.unwrap();
                    let waker = kept.borrow_mut().take().expect("the task kept its waker");
                    thread::spawn(move || waker.wake()).join().unwrap();
                    for _ in 0..5 {
                        yield_now().await;
                    }
                })
            });
            (late, polls.get())
        });
    let (late, polls) = outcome;
    if let Err(message) = late {
        not_a_todo(&message);
        panic!(
            "waking a task after it finished made block_on panic ({message:?}): a finished \
             task is gone, and a late wake-up of it must do nothing. A future must not be \
             polled again once it returned Ready ({CHAPTER}#the-run-loop)"
        );
    }
    assert_eq!(
        polls, 2,
        "a task that had finished was polled again after a late wake-up ({polls} polls in \
         all, 2 expected) ({CHAPTER}#the-run-loop)"
    );
}

#[test]
fn wake_dropping_wakers_does_not_wake_the_task() {
    let polls = deadline::within_secs(
        10,
        "a task whose waker clones are dropped, here and on another thread",
        || {
            let (task, polls) = counted(pending_once(|waker| {
                let clones: Vec<Waker> = (0..8).map(|_| waker.clone()).collect();
                let (here, there) = clones.split_at(4);
                let there = there.to_vec();
                thread::spawn(move || drop(there)).join().unwrap();
                drop(here.to_vec());
                let last = waker.clone();
                thread::spawn(move || {
                    thread::sleep(Duration::from_millis(20));
                    last.wake();
                });
            }));
            let ex = Executor::new();
            ex.block_on(task);
            polls.get()
        },
    );
    assert_eq!(
        polls, 2,
        "dropping clones of a waker woke the task: only wake() and wake_by_ref() wake it \
         ({CHAPTER}#waking-from-another-thread)"
    );
}

// ---------------------------------------------------------------------------------------
// Sleeping

#[test]
fn timers_fire_in_deadline_order_and_ties_in_the_order_added() {
    deadline::within_secs(5, "Timers add and pop_due", || {
        let log = Arc::new(Mutex::new(Vec::new()));
        let waker = |name| {
            Waker::from(Arc::new(Named {
                name,
                log: Arc::clone(&log),
            }))
        };
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut timers = Timers::new();
        assert_eq!(timers.next_deadline(), None, "no timers, no deadline");
        timers.add(t0 + ms(30), waker("c"));
        timers.add(t0 + ms(10), waker("a"));
        timers.add(t0 + ms(20), waker("b"));
        timers.add(t0 + ms(10), waker("a2"));
        assert_eq!(
            timers.next_deadline(),
            Some(t0 + ms(10)),
            "next_deadline() must be the earliest deadline, the one the executor waits for \
             ({CHAPTER}#sleeping-without-spinning)"
        );
        assert!(
            timers.pop_due(t0 + ms(5)).is_none(),
            "pop_due(now) returned a timer whose deadline is later than now \
             ({CHAPTER}#sleeping-without-spinning)"
        );
        while let Some(waker) = timers.pop_due(t0 + ms(25)) {
            waker.wake();
        }
        assert_eq!(
            *log.lock().unwrap(),
            ["a", "a2", "b"],
            "timers at +30, +10, +20 and +10 ms (added in that order): at +25 ms the due ones \
             must come out earliest first, and the two at +10 in the order they were added \
             ({CHAPTER}#sleeping-without-spinning)"
        );
        assert_eq!(timers.next_deadline(), Some(t0 + ms(30)));
        timers
            .pop_due(t0 + ms(30))
            .expect("the last timer is due")
            .wake();
        assert_eq!(timers.next_deadline(), None);
    });
}

#[test]
fn sleep_tasks_resume_in_deadline_order() {
    let order = deadline::within_secs(
        10,
        "four tasks sleeping 150, 50, 100 and 50 ms (is a timer registered, and does the \
         executor wake when it is due?)",
        || {
            let order = Rc::new(RefCell::new(Vec::new()));
            Executor::new().block_on({
                let order = Rc::clone(&order);
                async move {
                    let handles: Vec<_> = [150, 50, 100, 50]
                        .into_iter()
                        .enumerate()
                        .map(|(task, ms)| {
                            let order = Rc::clone(&order);
                            spawn(async move {
                                sleep(Duration::from_millis(ms)).await;
                                order.borrow_mut().push(task);
                            })
                        })
                        .collect();
                    for handle in handles {
                        handle.await.unwrap();
                    }
                }
            });
            Rc::into_inner(order).unwrap().into_inner()
        },
    );
    assert_eq!(
        order,
        [1, 3, 2, 0],
        "tasks 0 to 3 slept 150, 50, 100 and 50 ms: they must wake earliest deadline first, \
         and the two 50 ms sleepers in the order they started ({CHAPTER}#sleeping-without-spinning)"
    );
}

#[test]
fn sleep_a_lone_sleeping_task_wakes_after_its_duration() {
    let waited = deadline::within_secs(
        5,
        "block_on(sleep(50 ms)) with nothing else to run (is a timer registered, and does the \
         idle executor wait until the earliest deadline?)",
        || {
            let start = Instant::now();
            Executor::new().block_on(sleep(Duration::from_millis(50)));
            start.elapsed()
        },
    );
    assert!(
        waited >= Duration::from_millis(50),
        "sleep(50 ms) returned after {waited:?} ({CHAPTER}#sleeping-without-spinning)"
    );
}

#[test]
fn sleep_a_sleeper_wakes_even_while_other_tasks_keep_yielding() {
    deadline::within_secs(
        5,
        "a task sleeping 30 ms while another yields until it wakes (are due timers fired even \
         when the ready queue never empties?)",
        || {
            let awake = Rc::new(Cell::new(false));
            Executor::new().block_on({
                let awake = Rc::clone(&awake);
                async move {
                    let sleeper = spawn({
                        let awake = Rc::clone(&awake);
                        async move {
                            sleep(Duration::from_millis(30)).await;
                            awake.set(true);
                        }
                    });
                    while !awake.get() {
                        yield_now().await;
                    }
                    sleeper.await.unwrap();
                }
            });
        },
    );
}

#[test]
fn sleep_due_together_all_resume_in_one_turn() {
    let log = deadline::within_secs(
        10,
        "two tasks sleeping 10 ms while a third blocks the thread for 100 ms, so that both \
         timers are due at the same turn of the loop",
        || {
            let log = Rc::new(RefCell::new(Vec::new()));
            Executor::new().block_on({
                let log = Rc::clone(&log);
                async move {
                    let a = spawn({
                        let log = Rc::clone(&log);
                        async move {
                            sleep(Duration::from_millis(10)).await;
                            log.borrow_mut().push("a woke");
                            yield_now().await;
                            log.borrow_mut().push("a again");
                        }
                    });
                    let b = spawn({
                        let log = Rc::clone(&log);
                        async move {
                            sleep(Duration::from_millis(10)).await;
                            log.borrow_mut().push("b woke");
                        }
                    });
                    // A blocking call (on purpose): both deadlines pass while it runs. Nobody
                    // awaits it, so when it ends, no other task is woken in between.
                    detach(spawn(async { thread::sleep(Duration::from_millis(100)) }));
                    a.await.unwrap();
                    b.await.unwrap();
                }
            });
            log.take()
        },
    );
    assert_eq!(
        log,
        ["a woke", "b woke", "a again"],
        "both timers were due at the same turn, so both tasks should be in the ready queue \
         before either runs, and a's yield goes behind b. Each time round the loop, wake every \
         due timer (call pop_due until it returns None), not only the first \
         ({CHAPTER}#sleeping-without-spinning)"
    );
}

#[test]
fn sleep_polls_each_sleeping_task_only_a_few_times() {
    let polls = deadline::within_secs(10, "three tasks sleeping 200 ms", || {
        let ex = Executor::new();
        let polls: Vec<_> = (0..3)
            .map(|_| {
                let (task, polls) = counted(sleep(Duration::from_millis(200)));
                detach(ex.spawn(task));
                polls
            })
            .collect();
        ex.block_on(sleep(Duration::from_millis(250)));
        polls.iter().map(|p| p.get()).collect::<Vec<_>>()
    });
    assert!(
        polls.iter().all(|&p| (2..=3).contains(&p)),
        "three tasks sleeping 200 ms were polled {polls:?} times: a sleeping task should be \
         polled when it starts and once when its timer fires. Many polls mean it is woken \
         again and again before its deadline (a sleep that wakes itself instead of \
         registering a timer); one poll means it never woke ({CHAPTER}#sleeping-without-spinning)"
    );
}

#[test]
fn sleep_polled_outside_an_executor_panics_with_a_clear_message() {
    let message = deadline::within_secs(5, "polling sleep(1 s) outside block_on", || {
        catch(|| {
            let mut sleeping = Box::pin(sleep(Duration::from_secs(1)));
            let _ = sleeping
                .as_mut()
                .poll(&mut Context::from_waker(Waker::noop()));
        })
    });
    let message = message.expect_err(
        "sleep(1 s) polled outside block_on returned: there is no executor whose timers would \
         ever wake it. It must panic, saying why",
    );
    not_a_todo(&message);
    assert!(
        message.contains("executor") || message.contains("block_on"),
        "sleep polled outside block_on panicked with {message:?}: say that it must run inside \
         an executor's block_on ({CHAPTER}#sleeping-without-spinning)"
    );
}

#[test]
fn sleep_while_every_task_sleeps_the_executor_does_not_spin() {
    let _heavy = deadline::one_at_a_time();
    let used = deadline::within_secs(10, "block_on(sleep(400 ms)) beside two sleepers", || {
        let ex = Executor::new();
        for ms in [300, 350] {
            detach(ex.spawn(sleep(Duration::from_millis(ms))));
        }
        let before = thread_cpu_time();
        let start = Instant::now();
        ex.block_on(sleep(Duration::from_millis(400)));
        let wall = start.elapsed();
        before.zip(thread_cpu_time()).map(|(b, a)| (a - b, wall))
    });
    let Some((cpu, wall)) = used else {
        eprintln!("no per-thread CPU time on this system: the spin check is skipped");
        return;
    };
    // A waiting executor uses well under a millisecond of CPU here; a spinning one uses the
    // whole wait, or (on a machine busy with other work) at least a good share of it.
    assert!(
        cpu < wall / 20,
        "while every task slept for {wall:?}, the executor's thread was busy on the CPU for \
         {cpu:?}: it spins instead of waiting. When nothing is ready, wait on the ready queue \
         until the earliest timer's deadline (wait_until(next_deadline)), so the OS can run \
         something else ({CHAPTER}#sleeping-without-spinning)"
    );
}

// ---------------------------------------------------------------------------------------
// Blocking calls

/// Runs a ticker beside `blocker`, which gets the shared tick count; returns what `blocker`
/// returned. The ticker ticks every 5 ms (and sends each tick on `ticks`) until `blocker` is
/// done.
fn with_ticker<T: 'static>(
    blocker: impl FnOnce(Rc<Cell<u32>>, mpsc::Receiver<u32>) -> Pin<Box<dyn Future<Output = T>>>,
) -> T {
    let count = Rc::new(Cell::new(0));
    let done = Rc::new(Cell::new(false));
    let (tick, ticks) = mpsc::channel();
    Executor::new().block_on({
        let (count, done) = (Rc::clone(&count), Rc::clone(&done));
        async move {
            let ticker = spawn({
                let (count, done) = (Rc::clone(&count), Rc::clone(&done));
                async move {
                    while !done.get() {
                        count.set(count.get() + 1);
                        let _ = tick.send(count.get());
                        sleep(Duration::from_millis(5)).await;
                    }
                }
            });
            // Let the ticker start first.
            while count.get() == 0 {
                yield_now().await;
            }
            let value = spawn(blocker(count, ticks)).await.unwrap();
            done.set(true);
            ticker.await.unwrap();
            value
        }
    })
}

#[test]
fn blocking_a_task_that_blocks_stalls_every_other_task() {
    let (before, after) = deadline::within_secs(
        10,
        "a task blocked in std::thread::sleep(200 ms) beside a ticking task",
        || {
            with_ticker(|count, _ticks| {
                Box::pin(async move {
                    let before = count.get();
                    // A blocking call: the OS puts the executor's one thread to sleep.
                    thread::sleep(Duration::from_millis(200));
                    (before, count.get())
                })
            })
        },
    );
    assert_eq!(
        before,
        after,
        "the ticker ticked {} times while another task was blocked in thread::sleep: in an \
         M:1 scheduler all tasks share one thread, and a blocking call stops them all, so \
         this cannot happen unless tasks run on other threads ({CHAPTER}#blocking-calls)",
        after - before
    );
}

#[test]
fn blocking_work_in_spawn_blocking_lets_the_other_tasks_go_on() {
    let (ticked, blocking_thread, executor_thread) = deadline::within_secs(
        20,
        "a task awaiting spawn_blocking(wait for 3 ticks) beside a ticking task (does the \
         thread that ran the closure wake the awaiting task?)",
        || {
            let executor_thread = thread::current().id();
            let (ticked, blocking_thread) = with_ticker(|_count, ticks| {
                Box::pin(async move {
                    spawn_blocking(move || {
                        // Blocks until the ticker has ticked 3 more times, or gives up.
                        let ticked =
                            (0..3).all(|_| ticks.recv_timeout(Duration::from_secs(3)).is_ok());
                        (ticked, thread::current().id())
                    })
                    .await
                    .unwrap()
                })
            });
            (ticked, blocking_thread, executor_thread)
        },
    );
    assert_ne!(
        blocking_thread, executor_thread,
        "spawn_blocking ran its closure on the executor's own thread: while it blocked, no \
         other task could run. Start a thread for it ({CHAPTER}#blocking-calls)"
    );
    assert!(
        ticked,
        "while the closure given to spawn_blocking waited for 3 ticks, the ticking task did \
         not tick: blocking work must not hold the executor's thread ({CHAPTER}#blocking-calls)"
    );
}

#[test]
fn blocking_closure_that_fails_gives_an_error_to_its_handle() {
    let (value, failed) = deadline::within_secs(
        10,
        "awaiting spawn_blocking(|| 7) and spawn_blocking of a closure that panics",
        || {
            // Started outside any executor: spawn_blocking needs none.
            let seven = spawn_blocking(|| 7);
            Executor::new().block_on(async {
                let value = seven.await;
                let failed: Result<(), JoinError> =
                    spawn_blocking(|| panic!("blocked (this panic is part of the test)")).await;
                (value, failed)
            })
        },
    );
    assert_eq!(
        value,
        Ok(7),
        "spawn_blocking(|| 7), started outside block_on and awaited inside, must give Ok(7) \
         ({CHAPTER}#blocking-calls)"
    );
    let error = failed.expect_err("a closure that panicked in spawn_blocking gave a value");
    assert!(
        error
            .to_string()
            .contains("blocked (this panic is part of the test)"),
        "the JoinError of a panicking spawn_blocking closure must carry the panic's message, \
         got {error:?} ({CHAPTER}#blocking-calls)"
    );
}
