// Exercise 02 · Green threads, part 4: the executor. Book: book/src/part-1/thread-models.md
//
// A task is a future the executor owns, boxed and pinned (`Pin<Box<dyn Future<Output = ()>>>`:
// wrap the spawned future in an `async move` block that awaits it and hands its result to
// the join handle's completer). The executor keeps its tasks by id, a `ReadyQueue` (in a
// `crate::sync::Arc`, since every waker holds it too), the `Timers`, and the next id. Its run
// loop, in `block_on` (book: thread-models.md#the-run-loop):
//
//     wake the timers that are due;
//     take one id from the ready queue and poll that task (or block_on's own future, which
//     has an id of its own), with its waker (`crate::waker::task_waker(id, &ready)`);
//     if none was ready, wait on the ready queue until the earliest timer's deadline.
//
// Poll only tasks taken from the ready queue; a task that returned Ready is finished and
// never polled again. While a task runs, it may call `spawn` or `sleep`, which need the
// executor but get no argument: keep the running executor in a `thread_local!` while
// `block_on` runs (a `RefCell<Option<...>>`), set on the way in and cleared on the way out,
// even when a panic unwinds (a guard with a `Drop`).
//
// Useful: std::rc::Rc and std::cell::{Cell, RefCell} (the executor is used on one thread
// only), std::collections::HashMap, std::future::poll_fn, std::pin::pin!,
// std::panic::{catch_unwind, AssertUnwindSafe}, crate::sync::{Arc, thread}.

use std::future::Future;
use std::marker::PhantomData;
use std::rc::Rc;
use std::time::Duration;

use crate::join::JoinHandle;

/// Runs tasks (futures) on the one thread that calls [`Executor::block_on`], taking turns at
/// their `.await` points: green threads, M:1.
///
/// Not `Send`: its tasks need not be `Send`, so they must never leave that thread.
pub struct Executor {
    // Replace with your fields (an `Rc` of them, so that the thread-local can share it).
    _todo: PhantomData<Rc<()>>,
}

impl Default for Executor {
    fn default() -> Self {
        Self::new()
    }
}

impl Executor {
    /// An executor with no tasks.
    pub fn new() -> Self {
        todo!(
            "no tasks, an empty ready queue, no timers (book: part-1/thread-models.md#the-run-loop)"
        )
    }

    /// Adds a task, which runs once `block_on` runs, after the tasks already ready (it goes
    /// to the back of the ready queue). Works inside and outside `block_on`.
    pub fn spawn<F: Future + 'static>(&self, future: F) -> JoinHandle<F::Output> {
        todo!(
            "give the task the next id, box and pin it inside an async block that hands its \
             result to the join handle, store it, and wake it \
             (book: part-1/thread-models.md#the-run-loop)"
        )
    }

    /// Runs `future` on this thread, and the spawned tasks beside it, until `future`
    /// completes; returns its output.
    ///
    /// Returns as soon as `future` is ready, even if spawned tasks remain: they stay in the
    /// executor, unfinished, go on at the next `block_on` of the same executor, and are
    /// dropped (never finished) when the executor is dropped.
    ///
    /// A task that panics fails only its own handle. A panic of `future` itself comes out of
    /// `block_on`, and leaves the thread able to `block_on` again.
    ///
    /// # Panics
    /// When called inside another `block_on` on this thread: the inner call would block the
    /// one thread every task of the outer one needs.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        todo!(
            "mark this thread as inside block_on (a thread-local; panic if it already is), then \
             loop: wake due timers, pop one ready id and poll it, or wait until the next \
             deadline (book: part-1/thread-models.md#the-run-loop)"
        )
    }
}

/// Spawns a task on the executor whose `block_on` runs on this thread; see
/// [`Executor::spawn`].
///
/// # Panics
/// Outside `block_on`, with a message that says so.
pub fn spawn<F: Future + 'static>(future: F) -> JoinHandle<F::Output> {
    todo!(
        "the executor in the thread-local, or a clear panic (book: part-1/thread-models.md#the-run-loop)"
    )
}

/// Lets every task that is ready now run once before this one goes on: the first poll
/// wakes its own task (to the back of the ready queue) and returns `Pending`; the second
/// returns `Ready`.
pub async fn yield_now() {
    todo!(
        "std::future::poll_fn with a flag: first poll, cx.waker().wake_by_ref() and Pending; \
         then Ready (book: part-1/thread-models.md#the-run-loop)"
    )
}

/// Waits until `duration` has passed since its first poll, without keeping the thread busy:
/// the task is polled when it starts and again once its deadline has passed, not in
/// between. Tasks wake in the order of their deadlines.
///
/// # Panics
/// When polled outside `block_on`.
pub async fn sleep(duration: Duration) {
    todo!(
        "compute the deadline, then poll_fn: past the deadline, Ready; otherwise add a timer \
         with cx.waker() to the current executor's Timers and return Pending \
         (book: part-1/thread-models.md#sleeping-without-spinning)"
    )
}

/// Runs `f` on a thread of its own, so that it may block (sleep, wait for I/O, compute for
/// long) without stalling the other tasks; the handle gives its value, or a `JoinError` if
/// it panicked, and wakes the task that awaits it. Needs no executor.
pub fn spawn_blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> JoinHandle<T> {
    todo!(
        "a join pair; a thread (crate::sync::thread::spawn) that runs f under catch_unwind and \
         completes the pair (book: part-1/thread-models.md#blocking-calls)"
    )
}
