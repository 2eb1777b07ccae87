// Alternative: a join handle with two locks, one for the result and one for the waker; the handle stores its waker before it looks for the result and the completer stores the result before it takes the waker, so one of the two always sees the other and no completion is missed.
use std::any::Any;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use crate::sync::{Arc, Mutex};

struct Slot<T> {
    result: Mutex<Option<Result<T, JoinError>>>,
    waker: Mutex<Option<Waker>>,
}

pub struct JoinHandle<T> {
    slot: Arc<Slot<T>>,
}

pub(crate) struct Completer<T> {
    slot: Arc<Slot<T>>,
}

pub(crate) fn join_pair<T>() -> (JoinHandle<T>, Completer<T>) {
    let slot = Arc::new(Slot {
        result: Mutex::new(None),
        waker: Mutex::new(None),
    });
    (
        JoinHandle {
            slot: Arc::clone(&slot),
        },
        Completer { slot },
    )
}

impl<T> Completer<T> {
    pub(crate) fn complete(self, result: Result<T, JoinError>) {
        *self.slot.result.lock().unwrap() = Some(result);
        let waker = self.slot.waker.lock().unwrap().take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        *self.slot.waker.lock().unwrap() = Some(cx.waker().clone());
        match self.slot.result.lock().unwrap().take() {
            Some(result) => Poll::Ready(result),
            None => Poll::Pending,
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
