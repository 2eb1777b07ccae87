// Exercise 16 · Thread pool: the future. Book: book/src/part-5/thread-pools-and-futures.md
//
// Fill in each `todo!()`. A future is what CPython's `concurrent.futures.Future` is: the
// state of one task (pending, running, cancelled, finished with a value or a panic) under a
// `crate::sync::Mutex`, a `crate::sync::Condvar` that waiters sleep on, and the callbacks to
// run when it is done. Share it between the pool's worker and the caller with
// `crate::sync::Arc`:
//     use crate::sync::{Arc, Condvar, Mutex};
// Waits with a time limit use `Condvar::wait_timeout` and `std::time::Instant`.

use std::time::Duration;

/// Why [`Future::result`] returned no value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FutureError {
    /// The timeout passed before the task finished (Python's `TimeoutError`). The task goes
    /// on; a later call may still return its value.
    TimedOut,
    /// The task was cancelled before it started (Python's `CancelledError`).
    Cancelled,
    /// The task panicked; the text is its panic message (Python's `result()` raises the
    /// task's exception again).
    Panicked(String),
}

/// The result of a task submitted to a [`ThreadPool`](super::pool::ThreadPool), as Python's
/// `concurrent.futures.Future`.
///
/// A future starts *pending* (queued); a worker makes it *running*, then *finished* with the
/// task's value or, if the task panicked, with its panic message. A pending future can be
/// *cancelled* instead, and then its task never runs. Finished and cancelled futures are
/// *done*, and never change again.
///
/// Clones share the one future: any thread may hold one and wait on it. `Future<T>` is
/// `Send` and `Sync` when `T` is `Send` (the value is only reached under the future's lock),
/// and neither when `T` is not `Send`. No code of the caller (a task, a callback) ever runs
/// while the future holds its lock.
pub struct Future<T> {
    // Replace this placeholder: the shared state under a mutex, and a condition variable.
    _todo: std::marker::PhantomData<fn(T) -> T>,
}

impl<T> Clone for Future<T> {
    /// Another handle on the same future (not a copy of the task or of its value).
    fn clone(&self) -> Self {
        todo!("(book: thread-pools-and-futures.md#the-state-of-a-future)")
    }
}

impl<T> Future<T> {
    /// A pending future, for a task that has just been queued. The pool calls it in
    /// `submit`; it is not public.
    pub(crate) fn new() -> Self {
        todo!(
            "which states can a future be in, and what else must it keep? (book: thread-pools-and-futures.md#the-state-of-a-future)"
        )
    }

    /// Whether the future is done: finished (with a value or a panic) or cancelled. Never
    /// blocks (beyond taking the future's lock).
    pub fn done(&self) -> bool {
        todo!("(book: thread-pools-and-futures.md#the-state-of-a-future)")
    }

    /// Whether the future was cancelled.
    pub fn cancelled(&self) -> bool {
        todo!("(book: thread-pools-and-futures.md#cancel)")
    }

    /// Cancels the task if it has not started: returns `true`, the future is done and
    /// cancelled, its task will never run, every thread waiting in `result` wakes up with
    /// `Err(Cancelled)`, and its done-callbacks run, on this thread, before `cancel` returns.
    /// Returns `true` again, changing nothing, if it was already cancelled. Returns `false`,
    /// changing nothing, if the task is running or finished: a running task is never
    /// stopped.
    pub fn cancel(&self) -> bool {
        todo!(
            "what if a worker is about to start the task at this very moment? (book: thread-pools-and-futures.md#cancel)"
        )
    }

    /// The worker's step before it runs the task (Python's `set_running_or_notify_cancel`):
    /// if the future is pending, it becomes running and this returns `true`; if it was
    /// cancelled, this returns `false` and the worker must skip the task. Not public.
    pub(crate) fn start(&self) -> bool {
        todo!(
            "look and change in one step, under the lock that cancel takes too (book: thread-pools-and-futures.md#cancel)"
        )
    }

    /// The worker's step after the task: the future becomes finished with `outcome`, the
    /// task's value or its panic message (`Err`). Every thread waiting in `result` wakes up,
    /// then the done-callbacks run, on this thread, in the order they were added. Not
    /// public.
    pub(crate) fn finish(&self, outcome: Result<T, String>) {
        todo!(
            "who waits, how many of them, and what may a callback do? (book: thread-pools-and-futures.md#callbacks-outside-the-lock)"
        )
    }

    /// Arranges for `callback` to be called with this future once it is done (finished or
    /// cancelled), exactly once.
    ///
    /// If the future is already done, `callback` runs at once, on this thread, before
    /// `add_done_callback` returns (possibly while the thread that ended the future is still
    /// running the callbacks it found). Otherwise it is kept, and runs on the thread that
    /// ends the future (the worker that finishes the task, or the thread that cancels it),
    /// after every waiter has been woken; the kept callbacks run in the order they were
    /// added. A callback that panics is
    /// caught and ignored (Python logs and ignores an exception from a callback): it never
    /// ends the worker, never reaches the caller of `add_done_callback`, and the callbacks
    /// after it still run. A callback may call anything on the future, `result` included.
    pub fn add_done_callback(&self, callback: impl FnOnce(&Future<T>) + Send + 'static) {
        todo!(
            "the future may end between your look at it and your act on it (book: thread-pools-and-futures.md#done-callbacks)"
        )
    }

    /// The task's value, blocking (sleeping, never spinning) until the future is done, for
    /// at most `timeout` (`None`: as long as it takes). Returns the value again on every
    /// call, to every clone.
    ///
    /// `Err(FutureError::Panicked(message))` if the task panicked, `Err(Cancelled)` if it
    /// was cancelled (also while this call waited), `Err(TimedOut)` once `timeout` has
    /// passed since the call with the task still pending or running (never earlier; wake-ups
    /// that bring nothing do not give the waiter more time). A timeout of zero only looks; a
    /// timeout too long to add to the present instant (`Duration::MAX`) means no limit.
    pub fn result(&self, timeout: Option<Duration>) -> Result<T, FutureError>
    where
        T: Clone,
    {
        todo!(
            "wait while it is not done, and look again after every wake-up (book: thread-pools-and-futures.md#the-state-of-a-future)"
        )
    }
}

impl<T> std::fmt::Debug for Future<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Future").finish_non_exhaustive()
    }
}

/// The futures of `futures` in the order they become done (Python's
/// `concurrent.futures.as_completed`): those already done first, then each as it finishes
/// or is cancelled. Each future given is yielded once (give each once).
///
/// The iterator blocks in `next` until another future is done. With `timeout`
/// (`Some`), counted from this call: once it has passed with futures still not done, `next`
/// returns `Some(Err(FutureError::TimedOut))` once, then `None` (a `next` called after the
/// timeout has passed, with no future done, returns it at once). Without, or with a timeout
/// too long to add to the present instant (`Duration::MAX`), it waits as long as it takes.
/// After the last future, `None`.
pub fn as_completed<T: Send + 'static>(
    futures: &[Future<T>],
    timeout: Option<Duration>,
) -> AsCompleted<T> {
    todo!(
        "let each future tell you when it is done, into a queue of your own (book: thread-pools-and-futures.md#map-and-as-completed)"
    )
}

/// The iterator of [`as_completed`]: `Ok(future)` for each future as it becomes done,
/// `Err(FutureError::TimedOut)` once if the timeout passes first.
pub struct AsCompleted<T> {
    // Replace this placeholder: what the futures' callbacks fill, and what is left to yield.
    _todo: std::marker::PhantomData<fn(T) -> T>,
}

impl<T> Iterator for AsCompleted<T> {
    type Item = Result<Future<T>, FutureError>;

    fn next(&mut self) -> Option<Self::Item> {
        todo!("(book: thread-pools-and-futures.md#map-and-as-completed)")
    }
}
