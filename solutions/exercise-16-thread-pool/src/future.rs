// Exercise 16 · Thread pool (reference solution): the future. Book:
// book/src/part-5/thread-pools-and-futures.md
//
// A future is what CPython's `concurrent.futures.Future` is: a state (pending, running,
// cancelled, finished) and the outcome, under one mutex, a condition variable that the
// thread which ends the future notifies (every waiter: `notify_all`), and the list of
// done-callbacks. The state changes under the lock; the callbacks run after it is released,
// so that a callback may call the future (or anything else) without deadlocking.

use std::collections::VecDeque;
use std::panic::{self, AssertUnwindSafe};
use std::sync::PoisonError;
use std::time::{Duration, Instant};

use crate::sync::{Arc, Condvar, Mutex, MutexGuard};

/// Why [`Future::result`] returned no value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FutureError {
    /// The timeout passed before the task finished (Python's `TimeoutError`). The task goes
    /// on; a later call may still return its value.
    TimedOut,
    /// The task was cancelled before it started (Python's `CancelledError`).
    Cancelled,
    /// The task panicked; the text is its panic message (Python re-raises the task's
    /// exception).
    Panicked(String),
}

type Callback<T> = Box<dyn FnOnce(&Future<T>) + Send>;

enum Status<T> {
    Pending,
    Running,
    Cancelled,
    Finished(Result<T, String>),
}

struct State<T> {
    status: Status<T>,
    callbacks: Vec<Callback<T>>,
}

struct Inner<T> {
    state: Mutex<State<T>>,
    ended: Condvar,
}

/// The result of a task submitted to a [`ThreadPool`](super::pool::ThreadPool), as Python's
/// `concurrent.futures.Future`.
pub struct Future<T> {
    inner: Arc<Inner<T>>,
}

impl<T> Clone for Future<T> {
    fn clone(&self) -> Self {
        Future {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<T> std::fmt::Debug for Future<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Future").finish_non_exhaustive()
    }
}

impl<T> Future<T> {
    /// A pending future: its task is queued, not started.
    pub(crate) fn new() -> Self {
        Future {
            inner: Arc::new(Inner {
                state: Mutex::new(State {
                    status: Status::Pending,
                    callbacks: Vec::new(),
                }),
                ended: Condvar::new(),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // No code of the caller runs under this lock, so the state is never half-changed.
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether the task finished (with a value or a panic) or was cancelled.
    pub fn done(&self) -> bool {
        matches!(self.lock().status, Status::Cancelled | Status::Finished(_))
    }

    /// Whether the task was cancelled.
    pub fn cancelled(&self) -> bool {
        matches!(self.lock().status, Status::Cancelled)
    }

    /// Cancels the task if it has not started.
    pub fn cancel(&self) -> bool {
        let mut state = self.lock();
        match state.status {
            Status::Running | Status::Finished(_) => return false,
            Status::Cancelled => return true,
            Status::Pending => {}
        }
        state.status = Status::Cancelled;
        let callbacks = std::mem::take(&mut state.callbacks);
        drop(state);
        self.inner.ended.notify_all();
        self.run_callbacks(callbacks);
        true
    }

    /// The worker's step before running the task (Python's `set_running_or_notify_cancel`).
    pub(crate) fn start(&self) -> bool {
        let mut state = self.lock();
        match state.status {
            Status::Pending => {
                state.status = Status::Running;
                true
            }
            _ => false,
        }
    }

    /// The worker's step after running the task: the value, or the panic message.
    pub(crate) fn finish(&self, outcome: Result<T, String>) {
        let mut state = self.lock();
        state.status = Status::Finished(outcome);
        let callbacks = std::mem::take(&mut state.callbacks);
        drop(state);
        self.inner.ended.notify_all();
        self.run_callbacks(callbacks);
    }

    fn run_callbacks(&self, callbacks: Vec<Callback<T>>) {
        for callback in callbacks {
            run_one(callback, self);
        }
    }

    /// Calls `callback` with this future once it is done.
    pub fn add_done_callback(&self, callback: impl FnOnce(&Future<T>) + Send + 'static) {
        let mut state = self.lock();
        if matches!(state.status, Status::Pending | Status::Running) {
            state.callbacks.push(Box::new(callback));
            return;
        }
        drop(state);
        run_one(Box::new(callback), self);
    }

    /// The task's value, waiting at most `timeout` (`None`: as long as it takes).
    pub fn result(&self, timeout: Option<Duration>) -> Result<T, FutureError>
    where
        T: Clone,
    {
        // None inside: a timeout too long to add to now, so no limit.
        let deadline = timeout.map(|timeout| Instant::now().checked_add(timeout));
        let mut state = self.lock();
        loop {
            match &state.status {
                Status::Finished(Ok(value)) => return Ok(value.clone()),
                Status::Finished(Err(message)) => {
                    return Err(FutureError::Panicked(message.clone()));
                }
                Status::Cancelled => return Err(FutureError::Cancelled),
                Status::Pending | Status::Running => {}
            }
            state = match deadline {
                None | Some(None) => self
                    .inner
                    .ended
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner),
                Some(Some(deadline)) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return Err(FutureError::TimedOut);
                    }
                    self.inner
                        .ended
                        .wait_timeout(state, deadline - now)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
            };
        }
    }
}

/// Runs one callback; a panic in it is caught and ignored (Python logs and ignores an
/// exception from a callback), so that it never ends the thread that runs it.
fn run_one<T>(callback: Callback<T>, future: &Future<T>) {
    let _ = panic::catch_unwind(AssertUnwindSafe(|| callback(future)));
}

/// The futures of `futures` in the order they become done, waiting at most `timeout` in all.
pub fn as_completed<T: Send + 'static>(
    futures: &[Future<T>],
    timeout: Option<Duration>,
) -> AsCompleted<T> {
    let finished = Arc::new(Finished {
        futures: Mutex::new(VecDeque::new()),
        arrived: Condvar::new(),
    });
    for future in futures {
        let finished = Arc::clone(&finished);
        future.add_done_callback(move |future| {
            let mut done = finished
                .futures
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            done.push_back(future.clone());
            drop(done);
            finished.arrived.notify_all();
        });
    }
    AsCompleted {
        finished,
        left: futures.len(),
        deadline: timeout.and_then(|timeout| Instant::now().checked_add(timeout)),
        timed_out: false,
    }
}

struct Finished<T> {
    futures: Mutex<VecDeque<Future<T>>>,
    arrived: Condvar,
}

/// The iterator of [`as_completed`].
pub struct AsCompleted<T> {
    finished: Arc<Finished<T>>,
    left: usize,
    deadline: Option<Instant>,
    timed_out: bool,
}

impl<T> Iterator for AsCompleted<T> {
    type Item = Result<Future<T>, FutureError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 || self.timed_out {
            return None;
        }
        let mut done = self
            .finished
            .futures
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        loop {
            if let Some(future) = done.pop_front() {
                self.left -= 1;
                return Some(Ok(future));
            }
            done = match self.deadline {
                None => self
                    .finished
                    .arrived
                    .wait(done)
                    .unwrap_or_else(PoisonError::into_inner),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        self.timed_out = true;
                        return Some(Err(FutureError::TimedOut));
                    }
                    self.finished
                        .arrived
                        .wait_timeout(done, deadline - now)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
            };
        }
    }
}
