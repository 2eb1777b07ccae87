// Exercise 02 · Green threads, part 3: join handles. Book: book/src/part-1/thread-models.md
//
// `spawn` returns a `JoinHandle`, and the task keeps the other end, a `Completer`, to deliver
// its result once it is done. Both ends share one slot, which is in one of three states:
// the task is still running (with the waker of whoever last polled the handle, if anyone
// did), the task finished (with its result), or the handle has taken the result. The
// completer may be on another thread (`spawn_blocking`'s), so the slot is shared with
// `crate::sync::Arc` and `crate::sync::Mutex` (book: thread-models.md#join-handles).
//
// `JoinError` at the bottom is provided.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The result of a task, to be awaited: `handle.await` gives `Ok(value)` once the task has
/// returned `value`, or `Err(JoinError)` if it panicked. Awaited after the task finished, it
/// returns the value at once.
///
/// Dropping the handle does not cancel the task: it runs to its end, and its value is
/// dropped. A handle may go to another thread when its value may (`JoinHandle<T>: Send`
/// exactly when `T: Send`).
pub struct JoinHandle<T> {
    // Replace with your field: the slot shared with the completer.
    _todo: PhantomData<T>,
}

/// The task's end of a join handle: delivers the result, once.
pub(crate) struct Completer<T> {
    // Replace with your field: the same slot.
    _todo: PhantomData<T>,
}

/// A new join handle and the completer that fills it.
pub(crate) fn join_pair<T>() -> (JoinHandle<T>, Completer<T>) {
    todo!(
        "one slot, shared by both ends, starting as 'running, nobody waiting' (book: part-1/thread-models.md#join-handles)"
    )
}

impl<T> Completer<T> {
    /// Stores the task's result and wakes whoever awaits the handle, if anyone does.
    pub(crate) fn complete(self, result: Result<T, JoinError>) {
        todo!(
            "store the result; if a waker was left by a poll of the handle, wake it, after \
             letting go of the lock (book: part-1/thread-models.md#join-handles)"
        )
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    /// `Ready` with the result once the task has finished; otherwise `Pending`, after
    /// keeping `cx.waker()` so that the completer can wake the awaiting task.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        todo!(
            "finished: take the result out and return it. Still running: keep a clone of \
             cx.waker() (replacing an older one) and return Pending, or nobody will poll \
             this again (book: part-1/thread-models.md#join-handles)"
        )
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
