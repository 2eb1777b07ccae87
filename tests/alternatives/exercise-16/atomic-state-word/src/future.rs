// Alternative: the future's state is an atomic word (pending, running, cancelled, finished)
// beside a mutex that holds only the value and the callbacks. The two races that matter are
// settled by compare_exchange on the word: cancel() swaps PENDING for CANCELLED and start()
// swaps PENDING for RUNNING, so exactly one of them wins, with no lock. Correct because every
// change of the word to a done state is followed by taking the mutex (finish stores under it;
// cancel takes it after its exchange) before the notify_all, and every waiter and every
// add_done_callback reads the word while holding that mutex: a waiter that saw "not done"
// is asleep on the condvar before the ender can take the mutex, so the notify reaches it, and
// a callback is either pushed before the ender takes the list or sees the word done and runs
// at once. Acquire/release on the word publish the value stored before FINISHED.
//
// Book: book/src/part-5/thread-pools-and-futures.md

use std::collections::VecDeque;
use std::panic::{self, AssertUnwindSafe};
use std::sync::PoisonError;
use std::time::{Duration, Instant};

use crate::sync::atomic::{AtomicU8, Ordering};
use crate::sync::{Arc, Condvar, Mutex, MutexGuard};

/// Why [`Future::result`] returned no value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FutureError {
    /// The timeout passed before the task finished.
    TimedOut,
    /// The task was cancelled before it started.
    Cancelled,
    /// The task panicked; the text is its panic message.
    Panicked(String),
}

type Callback<T> = Box<dyn FnOnce(&Future<T>) + Send>;

const PENDING: u8 = 0;
const RUNNING: u8 = 1;
const CANCELLED: u8 = 2;
const FINISHED: u8 = 3;

struct Slot<T> {
    outcome: Option<Result<T, String>>,
    callbacks: Vec<Callback<T>>,
}

struct Inner<T> {
    word: AtomicU8,
    slot: Mutex<Slot<T>>,
    ended: Condvar,
}

/// The result of a task submitted to a [`ThreadPool`](super::pool::ThreadPool).
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
    pub(crate) fn new() -> Self {
        Future {
            inner: Arc::new(Inner {
                word: AtomicU8::new(PENDING),
                slot: Mutex::new(Slot {
                    outcome: None,
                    callbacks: Vec::new(),
                }),
                ended: Condvar::new(),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Slot<T>> {
        self.inner
            .slot
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn word(&self) -> u8 {
        // Acquire: pairs with the Release that made it FINISHED, after the value was stored.
        self.inner.word.load(Ordering::Acquire)
    }

    pub fn done(&self) -> bool {
        matches!(self.word(), CANCELLED | FINISHED)
    }

    pub fn cancelled(&self) -> bool {
        self.word() == CANCELLED
    }

    pub fn cancel(&self) -> bool {
        // AcqRel: the exchange is the only decision; nothing else is published by it.
        match self.inner.word.compare_exchange(
            PENDING,
            CANCELLED,
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            Ok(_) => {}
            Err(CANCELLED) => return true,
            Err(_) => return false,
        }
        // Take the mutex before notifying: a waiter that read PENDING under it is asleep now.
        let callbacks = std::mem::take(&mut self.lock().callbacks);
        self.inner.ended.notify_all();
        for callback in callbacks {
            run_one(callback, self);
        }
        true
    }

    pub(crate) fn start(&self) -> bool {
        self.inner
            .word
            .compare_exchange(PENDING, RUNNING, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    pub(crate) fn finish(&self, outcome: Result<T, String>) {
        let mut slot = self.lock();
        slot.outcome = Some(outcome);
        // Release: whoever reads FINISHED (Acquire) also sees the outcome.
        self.inner.word.store(FINISHED, Ordering::Release);
        let callbacks = std::mem::take(&mut slot.callbacks);
        drop(slot);
        self.inner.ended.notify_all();
        for callback in callbacks {
            run_one(callback, self);
        }
    }

    pub fn add_done_callback(&self, callback: impl FnOnce(&Future<T>) + Send + 'static) {
        let mut slot = self.lock();
        if !self.done() {
            slot.callbacks.push(Box::new(callback));
            return;
        }
        drop(slot);
        run_one(Box::new(callback), self);
    }

    pub fn result(&self, timeout: Option<Duration>) -> Result<T, FutureError>
    where
        T: Clone,
    {
        let deadline = timeout.and_then(|timeout| Instant::now().checked_add(timeout));
        let mut slot = self.lock();
        loop {
            match self.word() {
                CANCELLED => return Err(FutureError::Cancelled),
                FINISHED => {
                    return match slot.outcome.as_ref() {
                        Some(Ok(value)) => Ok(value.clone()),
                        Some(Err(message)) => Err(FutureError::Panicked(message.clone())),
                        None => unreachable!("FINISHED is stored after the outcome"),
                    };
                }
                _ => {}
            }
            slot = match deadline {
                None => self
                    .inner
                    .ended
                    .wait(slot)
                    .unwrap_or_else(PoisonError::into_inner),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return Err(FutureError::TimedOut);
                    }
                    self.inner
                        .ended
                        .wait_timeout(slot, deadline - now)
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
