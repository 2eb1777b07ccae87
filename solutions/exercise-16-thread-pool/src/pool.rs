// Exercise 16 · Thread pool (reference solution): the pool. Book:
// book/src/part-5/thread-pools-and-futures.md
//
// As CPython's `ThreadPoolExecutor`: one queue of work items that every worker takes from,
// here a `VecDeque` under a `crate::sync::Mutex` with a `crate::sync::Condvar` that the
// workers sleep on. A work item runs its task only if its future can still be started (a
// cancelled one is skipped), and catches the task's panic into the future, so the worker
// goes on with the next item. `shutdown` sets a flag, wakes every worker (`notify_all`),
// and joins them; a worker ends when the flag is set and the queue is empty.

use std::collections::VecDeque;
use std::panic::{self, AssertUnwindSafe};
use std::sync::PoisonError;
use std::time::{Duration, Instant};

use super::future::{Future, FutureError};
use crate::sync::thread::{self, JoinHandle};
use crate::sync::{Arc, Condvar, Mutex, MutexGuard};

/// `submit` or `map` on a pool that is shut down (Python raises `RuntimeError`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shutdown;

/// A queued task: called with `true` to run it, with `false` to cancel it unrun.
type Job = Box<dyn FnOnce(bool) + Send>;

struct Queue {
    jobs: VecDeque<Job>,
    shutdown: bool,
}

struct Shared {
    queue: Mutex<Queue>,
    work: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A fixed set of worker threads that run submitted tasks, as Python's
/// `concurrent.futures.ThreadPoolExecutor`.
pub struct ThreadPool {
    shared: Arc<Shared>,
    workers: Mutex<Vec<JoinHandle<()>>>,
}

impl std::fmt::Debug for ThreadPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ThreadPool").finish_non_exhaustive()
    }
}

impl ThreadPool {
    /// A pool of `workers` threads, all started now.
    pub fn new(workers: usize) -> Self {
        assert!(workers > 0, "a thread pool needs at least one worker");
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue {
                jobs: VecDeque::new(),
                shutdown: false,
            }),
            work: Condvar::new(),
        });
        let handles = (0..workers)
            .map(|_| {
                let shared = Arc::clone(&shared);
                thread::spawn(move || work(&shared))
            })
            .collect();
        ThreadPool {
            shared,
            workers: Mutex::new(handles),
        }
    }

    /// Queues `task`; its future.
    pub fn submit<F, T>(&self, task: F) -> Result<Future<T>, Shutdown>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let future = Future::new();
        let theirs = future.clone();
        let job: Job = Box::new(move |run| {
            if !run {
                theirs.cancel();
                return;
            }
            if !theirs.start() {
                return;
            }
            let outcome = panic::catch_unwind(AssertUnwindSafe(task))
                .map_err(|payload| panic_message(payload.as_ref()));
            theirs.finish(outcome);
        });
        let mut queue = self.shared.lock();
        if queue.shutdown {
            return Err(Shutdown);
        }
        queue.jobs.push_back(job);
        drop(queue);
        self.shared.work.notify_one();
        Ok(future)
    }

    /// `f` applied to every input on the pool; the results in the order of the inputs.
    /// Every input is submitted before any result is awaited. `Err(Shutdown)` if a submit is
    /// refused (no inputs: `Ok(vec![])` even when shut down); the tasks already submitted
    /// are left to run, as Python's `map` does.
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
        let deadline = timeout.and_then(|timeout| Instant::now().checked_add(timeout));
        let f = Arc::new(f);
        let futures = inputs
            .into_iter()
            .map(|input| {
                let f = Arc::clone(&f);
                self.submit(move || f(input))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(futures
            .iter()
            .map(|future| {
                let left =
                    deadline.map(|deadline| deadline.saturating_duration_since(Instant::now()));
                let result = future.result(left);
                if matches!(result, Err(FutureError::TimedOut)) {
                    future.cancel();
                }
                result
            })
            .collect())
    }

    /// Stops the pool: no more submits; optionally cancels what has not started (outside the
    /// lock: callbacks may call the pool), and waits. Two calls with `wait` at once both
    /// return only after every worker has ended: the handles stay locked while joined.
    pub fn shutdown(&self, wait: bool, cancel_futures: bool) {
        let mut queue = self.shared.lock();
        queue.shutdown = true;
        let cancelled: Vec<Job> = if cancel_futures {
            queue.jobs.drain(..).collect()
        } else {
            Vec::new()
        };
        drop(queue);
        self.shared.work.notify_all();
        // Outside the lock: cancelling runs the futures' callbacks.
        for job in cancelled {
            job(false);
        }
        if wait {
            let mut workers = self.workers.lock().unwrap_or_else(PoisonError::into_inner);
            for worker in workers.drain(..) {
                // A worker never panics: tasks and callbacks are caught.
                let _ = worker.join();
            }
        }
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        self.shutdown(true, false);
    }
}

/// A worker: takes the next job, or sleeps until there is one; ends once the pool is shut
/// down and the queue is empty.
fn work(shared: &Shared) {
    loop {
        let mut queue = shared.lock();
        let job = loop {
            if let Some(job) = queue.jobs.pop_front() {
                break job;
            }
            if queue.shutdown {
                return;
            }
            queue = shared
                .work
                .wait(queue)
                .unwrap_or_else(PoisonError::into_inner);
        };
        drop(queue);
        job(true);
    }
}

/// The text of a panic: its message if it is a string, else a placeholder.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic whose payload is not a string".to_owned()
    }
}
