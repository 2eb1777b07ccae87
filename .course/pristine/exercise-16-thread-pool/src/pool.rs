// Exercise 16 · Thread pool: the pool. Book: book/src/part-5/thread-pools-and-futures.md
//
// Fill in each `todo!()`. Build it as CPython's `ThreadPoolExecutor` is built: one queue of
// work items that every worker takes from. Here the queue is yours: a `VecDeque` of jobs
// (`Box<dyn FnOnce() + Send>`, or a closure that can also cancel its future) and a shutdown
// flag under one `crate::sync::Mutex`, with a `crate::sync::Condvar` that idle workers sleep
// on. Workers are started with `crate::sync::thread::spawn`; keep their `JoinHandle`s. A
// job calls `Future::start`, runs the task under `std::panic::catch_unwind`, and ends the
// future with `Future::finish`.
//     use crate::sync::thread::{self, JoinHandle};
//     use crate::sync::{Arc, Condvar, Mutex};
//     use super::future::{Future, FutureError};
// (A channel from std or crossbeam would do on real threads, but loom cannot look inside
// it, and the suite model-checks your pool: build the queue from the mutex and condvar.)

use std::time::Duration;

use super::future::{Future, FutureError};

/// `submit` or `map` on a pool that is shut down (Python raises `RuntimeError`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shutdown;

/// A fixed set of worker threads that run submitted tasks, as Python's
/// `concurrent.futures.ThreadPoolExecutor`.
///
/// [`submit`](ThreadPool::submit) queues a task and returns its [`Future`]; each worker
/// takes the oldest queued task, runs it, and stores its value (or its panic) in the future,
/// then takes the next, sleeping (never spinning) while the queue is empty. A task that
/// panics ends its own future with `Err(Panicked)`; the worker survives and goes on, and no
/// other task notices. [`shutdown`](ThreadPool::shutdown) stops the pool; dropping the pool
/// shuts it down and joins every worker, so no thread outlives it.
///
/// `ThreadPool` is `Send` and `Sync`: threads may share it (by reference or in an `Arc`) and
/// submit at once. No code of the caller (a task, a callback) runs while the pool holds its
/// lock. A task must not wait for a task queued behind it on a pool without a free worker,
/// nor call `shutdown(wait: true)` on its own pool: it would wait for itself.
pub struct ThreadPool {
    // Replace this placeholder: the queue and flag under a mutex, a condvar, the workers.
    _todo: (),
}

impl ThreadPool {
    /// A pool of `workers` threads, all started now; they sleep until there is work.
    ///
    /// # Panics
    /// If `workers` is 0 (Python raises `ValueError` for `max_workers=0`).
    pub fn new(workers: usize) -> Self {
        todo!(
            "what do the workers share, and what does each one do until it is told to stop? (book: thread-pools-and-futures.md#the-worker-loop)"
        )
    }

    /// Queues `task` to run on a worker; returns its future at once (pending), without
    /// waiting for the task. One sleeping worker wakes up to take it.
    ///
    /// `Err(Shutdown)` if the pool is shut down: the task is not queued.
    pub fn submit<F, T>(&self, task: F) -> Result<Future<T>, Shutdown>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        todo!(
            "wrap the task in a job that starts, runs and ends its future, panics included (book: thread-pools-and-futures.md#when-a-task-fails)"
        )
    }

    /// `f` applied to each input, on the pool (Python's `Executor.map`): every input is
    /// submitted at once, then the results are collected in the order of the inputs (not
    /// the order the tasks end). A task that panics gives `Err(Panicked)` in its own place.
    ///
    /// With `timeout` (`Some`), counted from this call: every result not done by then is
    /// `Err(TimedOut)`, and its task is cancelled if it has not started. A timeout too long
    /// to add to the present instant (`Duration::MAX`) means no limit.
    ///
    /// `Err(Shutdown)` if an input cannot be submitted because the pool is shut down (no
    /// result is collected then). With no inputs nothing is submitted, so `map` returns
    /// `Ok` of an empty vector, even on a shut-down pool. If the pool is shut down by another
    /// thread while `map` submits, the tasks it already submitted are left as any queued task
    /// (what Python's `map` does); cancelling those not yet started is allowed too.
    pub fn map<A, T, F>(
        &self,
        f: F,
        inputs: impl IntoIterator<Item = A>,
        timeout: Option<Duration>,
    ) -> Result<Vec<Result<T, FutureError>>, Shutdown>
    where
        F: Fn(A) -> T + Send + Sync + 'static,
        A: Send + 'static,
        T: Clone + Send + 'static,
    {
        todo!(
            "submit everything first; then how long may each wait? (book: thread-pools-and-futures.md#map-and-as-completed)"
        )
    }

    /// Stops the pool (Python's `Executor.shutdown`): from now on `submit` and `map` return
    /// `Err(Shutdown)`.
    ///
    /// With `cancel_futures`, every task that has not started is cancelled (its future is
    /// cancelled, its callbacks run on this thread before `shutdown` returns); running tasks
    /// are never cancelled. Without it, the queued tasks still run. Every sleeping worker
    /// wakes up; each ends once the queue is empty. With `wait`, `shutdown` returns only
    /// after every worker thread has ended (joined), so every task that was not cancelled is
    /// done; without it, it returns at once and the workers end on their own. Calling it
    /// again is allowed (a later `wait: true` joins what an earlier call left running), also
    /// from two threads at once: each call with `wait` returns only after every worker has
    /// ended, whichever call joined them. Cancelling runs the callbacks after the pool's lock
    /// is released, so a callback may call the pool (its `submit` gets `Err(Shutdown)`).
    pub fn shutdown(&self, wait: bool, cancel_futures: bool) {
        todo!(
            "who sleeps, how many of them, and what must each find when it wakes? (book: thread-pools-and-futures.md#shutdown)"
        )
    }
}

impl Drop for ThreadPool {
    /// Shuts the pool down without cancelling, and joins every worker
    /// (`shutdown(true, false)`, what Python's `with` block does).
    fn drop(&mut self) {
        todo!("(book: thread-pools-and-futures.md#shutdown)")
    }
}
