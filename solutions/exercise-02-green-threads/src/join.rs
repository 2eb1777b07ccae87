// Join handles: the slot where a task's result waits for whoever awaits its handle.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::mem;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use crate::sync::{Arc, Mutex};

/// The result of a task, to be awaited: `handle.await` gives `Ok(value)` once the task has
/// returned `value`, or `Err(JoinError)` if it panicked. Dropping the handle does not cancel
/// the task: it runs to the end, and its value is dropped.
pub struct JoinHandle<T> {
    slot: Arc<Mutex<Slot<T>>>,
}

/// The task's end of a join handle: delivers the result, once.
pub(crate) struct Completer<T> {
    slot: Arc<Mutex<Slot<T>>>,
}

enum Slot<T> {
    /// Not finished; the waker of the last poll of the handle, if it was polled.
    Running(Option<Waker>),
    Finished(Result<T, JoinError>),
    /// The handle has returned the result.
    Taken,
}

/// A new join handle and the completer that fills it.
pub(crate) fn join_pair<T>() -> (JoinHandle<T>, Completer<T>) {
    let slot = Arc::new(Mutex::new(Slot::Running(None)));
    let completer = Completer {
        slot: Arc::clone(&slot),
    };
    (JoinHandle { slot }, completer)
}

impl<T> Completer<T> {
    /// Stores the task's result and wakes whoever awaits the handle.
    pub(crate) fn complete(self, result: Result<T, JoinError>) {
        let previous = mem::replace(&mut *self.slot.lock().unwrap(), Slot::Finished(result));
        // Woken outside the lock: the waker is the awaiting task's business.
        if let Slot::Running(Some(waker)) = previous {
            waker.wake();
        }
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut slot = self.slot.lock().unwrap();
        match mem::replace(&mut *slot, Slot::Taken) {
            Slot::Finished(result) => Poll::Ready(result),
            Slot::Running(_) => {
                // The waker of this poll replaces the last one: wake whoever awaits now.
                *slot = Slot::Running(Some(cx.waker().clone()));
                Poll::Pending
            }
            Slot::Taken => panic!("a JoinHandle was polled again after it returned its result"),
        }
    }
}

/// Why a task has no value: it panicked. Its `Display` gives the panic's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinError {
    message: String,
}

impl JoinError {
    /// The error of a task that panicked, from the payload `catch_unwind` returned.
    pub fn panicked(payload: Box<dyn Any + Send>) -> Self {
        let message = if let Some(text) = payload.downcast_ref::<&str>() {
            (*text).to_owned()
        } else if let Some(text) = payload.downcast_ref::<String>() {
            text.clone()
        } else {
            "(a panic without a message)".to_owned()
        };
        JoinError { message }
    }

    /// The panic's message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the task panicked: {}", self.message)
    }
}

impl std::error::Error for JoinError {}
