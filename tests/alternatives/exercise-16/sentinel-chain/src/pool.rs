// Alternative: CPython's way of stopping the workers, a sentinel in the queue. shutdown()
// puts one `None` behind the queued jobs (once, however often it is called); a worker that
// takes it puts it back and wakes one more worker before it ends, so the one sentinel passes
// from worker to worker until all have ended (CPython 3.13's thread.py does the same with
// `None` on its SimpleQueue). Workers never look at the shutdown flag: it only makes submit
// refuse. Correct because the sentinel sits behind every job queued before shutdown, so
// those still run; cancel_futures takes the jobs out and leaves the sentinel; and each
// worker that ends wakes exactly one more while one may still sleep, so none sleeps for
// ever. Waits use the condition variable's own `wait_while`.
//
// Book: book/src/part-5/thread-pools-and-futures.md

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
    // `None` is the stop sentinel.
    jobs: VecDeque<Option<Job>>,
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
        queue.jobs.push_back(Some(job));
        drop(queue);
        self.shared.work.notify_one();
        Ok(future)
    }

    /// `f` applied to every input on the pool; the results in the order of the inputs.
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

    /// Stops the pool: no more submits; optionally cancels what has not started, and waits.
    pub fn shutdown(&self, wait: bool, cancel_futures: bool) {
        let mut queue = self.shared.lock();
        let first = !queue.shutdown;
        queue.shutdown = true;
        let cancelled: Vec<Job> = if cancel_futures {
            let drained: Vec<Option<Job>> = queue.jobs.drain(..).collect();
            let (jobs, sentinels): (Vec<_>, Vec<_>) =
                drained.into_iter().partition(Option::is_some);
            // Keep the sentinel if a worker has not passed it on yet.
            queue.jobs.extend(sentinels);
            jobs.into_iter().flatten().collect()
        } else {
            Vec::new()
        };
        if first {
            queue.jobs.push_back(None);
        }
        drop(queue);
        // One worker is enough: each passes the sentinel on to the next.
        self.shared.work.notify_one();
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

/// A worker: takes the next job, sleeping while there is none; ends on the sentinel, which
/// it puts back for the next worker.
fn work(shared: &Shared) {
    loop {
        let queue = shared.lock();
        let mut queue = shared
            .work
            .wait_while(queue, |queue| queue.jobs.is_empty())
            .unwrap_or_else(PoisonError::into_inner);
        match queue.jobs.pop_front() {
            Some(Some(job)) => {
                drop(queue);
                job(true);
            }
            Some(None) => {
                queue.jobs.push_front(None);
                drop(queue);
                shared.work.notify_one();
                return;
            }
            None => unreachable!("wait_while returns with a job or the sentinel queued"),
        }
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
