// Exercise 13 · Blocking queue. Book: book/src/part-5/thread-safe-queues.md
//
// Fill in each `todo!()`. Build the queue as CPython's `queue.Queue` is built: one
// `crate::sync::Mutex` around everything the queue knows, and condition variables
// (`crate::sync::Condvar`) on that one mutex for the threads that wait:
//     use crate::sync::{Condvar, Mutex};
// Waits with a time limit use `Condvar::wait_timeout` and `std::time::Instant`.

use std::time::Duration;

/// Why a put did not add the item. The item comes back in either case: nothing is lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PutError<T> {
    /// The queue stayed full (Python's `queue.Full`): from `try_put`, or from `put_timeout`
    /// whose time ran out.
    Full(T),
    /// The queue is closed (Python's `queue.ShutDown`): no put succeeds after `close`.
    Closed(T),
}

impl<T> PutError<T> {
    /// The item that was not added.
    pub fn into_inner(self) -> T {
        match self {
            PutError::Full(item) | PutError::Closed(item) => item,
        }
    }
}

/// Why a get returned no item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GetError {
    /// The queue stayed empty (Python's `queue.Empty`): from `try_get`, or from
    /// `get_timeout` whose time ran out.
    Empty,
    /// The queue is closed and empty (Python's `queue.ShutDown`): no item will ever come.
    Closed,
}

/// `task_done` was called more times than items were put (Python raises `ValueError`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooManyTaskDone;

/// A bounded first-in first-out queue shared by threads, like Python's `queue.Queue`.
///
/// It holds at most `capacity` items. [`put`](BlockingQueue::put) adds an item at the back
/// and blocks (sleeping, never spinning) while the queue is full; [`get`](BlockingQueue::get)
/// takes the item at the front and blocks while it is empty. Each has a form with a time
/// limit and a form that never waits. Items come out in the order they went in. An item
/// added by any form of put wakes a thread blocked in a get (of any form), and room made by
/// any form of get wakes a thread blocked in a put. Items of a zero-sized type such as `()`
/// count like any other.
///
/// Every successful put, of any form, also counts one unfinished task (a put that fails
/// counts none); [`task_done`](BlockingQueue::task_done) marks one finished, and
/// [`join`](BlockingQueue::join) blocks until none is left.
///
/// [`close`](BlockingQueue::close) (Python's `Queue.shutdown()`) ends the queue: every
/// blocked putter and getter wakes up; puts fail from then on and give their item back;
/// gets still return the items left, then fail with [`GetError::Closed`].
///
/// `BlockingQueue<T>` is `Send` and `Sync` when `T` is `Send` (share it with an `Arc`), and
/// neither when `T` is not `Send`. No code of the caller ever runs while the queue holds
/// its lock, so a thread that panics (say, while working on an item it took) leaves the
/// queue usable by the others.
pub struct BlockingQueue<T> {
    // Replace this placeholder: the state under one mutex, and the condition variables.
    _todo: std::marker::PhantomData<fn(T) -> T>,
}

impl<T> BlockingQueue<T> {
    /// An empty, open queue that holds at most `capacity` items.
    ///
    /// `new` may set aside room for all `capacity` items at once (as
    /// `VecDeque::with_capacity` does): the capacity is a bound you mean to reach, not a way
    /// to say "no limit", and one too large for memory may fail (`new(usize::MAX)` then
    /// panics with "capacity overflow").
    ///
    /// # Panics
    /// If `capacity` is 0 (unlike Python, where a `maxsize` of 0 means "no limit").
    pub fn new(capacity: usize) -> Self {
        todo!(
            "what must the queue know, and which of it changes? (book: thread-safe-queues.md#two-conditions)"
        )
    }

    /// The most items the queue holds (what `new` was given).
    pub fn capacity(&self) -> usize {
        todo!("(book: thread-safe-queues.md#exercise)")
    }

    /// How many items the queue holds now. Only a snapshot, as Python's `qsize()`: another
    /// thread may change it as soon as it is read.
    pub fn len(&self) -> usize {
        todo!("(book: thread-safe-queues.md#exercise)")
    }

    /// Whether the queue holds no item now (a snapshot, as `len`).
    pub fn is_empty(&self) -> bool {
        todo!("(book: thread-safe-queues.md#exercise)")
    }

    /// Whether `close` has been called.
    pub fn is_closed(&self) -> bool {
        todo!("(book: thread-safe-queues.md#closing-a-queue)")
    }

    /// Adds `item` at the back of the queue, blocking while the queue is full.
    ///
    /// Returns `Ok(())` once the item is in, or `Err(PutError::Closed(item))` if the queue
    /// is closed, whether before the call or while it waited: the item is not added then.
    /// A thread blocked in `get` wakes up to take it.
    pub fn put(&self, item: T) -> Result<(), PutError<T>> {
        todo!(
            "wait while there is no room, and look again after every wake-up (book: thread-safe-queues.md#blocking-put-and-get)"
        )
    }

    /// Adds `item` if there is room now; never blocks.
    ///
    /// `Err(PutError::Full(item))` if the queue holds `capacity` items,
    /// `Err(PutError::Closed(item))` if it is closed (even if it is also full).
    pub fn try_put(&self, item: T) -> Result<(), PutError<T>> {
        todo!("(book: thread-safe-queues.md#blocking-put-and-get)")
    }

    /// Like [`put`](BlockingQueue::put), waiting at most `timeout` for room.
    ///
    /// `Err(PutError::Full(item))` once `timeout` has passed since the call and the queue is
    /// still full (never earlier); `Err(PutError::Closed(item))` if it is closed. Wake-ups
    /// that bring no room do not give the waiter more time: the limit is `timeout` after the
    /// call. A timeout of zero is `try_put`; one too long for the clock to reach
    /// (`Duration::MAX`) means no limit, as `put`.
    pub fn put_timeout(&self, item: T, timeout: Duration) -> Result<(), PutError<T>> {
        todo!(
            "when must it give up, and how long is left after a wake-up? (book: thread-safe-queues.md#timeouts)"
        )
    }

    /// Takes the item at the front of the queue, blocking while the queue is empty.
    ///
    /// Items left when the queue is closed still come out; `Err(GetError::Closed)` once the
    /// queue is closed and empty (at once, or when `close` ends the wait). A thread blocked
    /// in `put` wakes up to use the room.
    pub fn get(&self) -> Result<T, GetError> {
        todo!("the mirror image of put (book: thread-safe-queues.md#blocking-put-and-get)")
    }

    /// Takes the item at the front if there is one now; never blocks.
    ///
    /// `Err(GetError::Empty)` if the queue is empty and open, `Err(GetError::Closed)` if it
    /// is empty and closed.
    pub fn try_get(&self) -> Result<T, GetError> {
        todo!("(book: thread-safe-queues.md#blocking-put-and-get)")
    }

    /// Like [`get`](BlockingQueue::get), waiting at most `timeout` for an item.
    ///
    /// `Err(GetError::Empty)` once `timeout` has passed since the call and the queue is
    /// still empty (never earlier); `Err(GetError::Closed)` if it is closed and empty. As
    /// with `put_timeout`, the limit is `timeout` after the call, whatever wakes the waiter
    /// meanwhile. A timeout of zero is `try_get`; one too long for the clock to reach
    /// (`Duration::MAX`) means no limit, as `get`.
    pub fn get_timeout(&self, timeout: Duration) -> Result<T, GetError> {
        todo!("(book: thread-safe-queues.md#timeouts)")
    }

    /// Marks one task finished: call it once for each item taken, when its work is done.
    ///
    /// Every successful put adds one unfinished task; this takes one away, and when none is
    /// left, wakes every thread blocked in `join`. `Err(TooManyTaskDone)` (and no change) if
    /// no task is unfinished, that is, if it is called more times than items were put.
    pub fn task_done(&self) -> Result<(), TooManyTaskDone> {
        todo!(
            "a count kept with the items; who waits for it to reach 0? (book: thread-safe-queues.md#task-done-and-join)"
        )
    }

    /// Blocks until every item put so far has been marked finished with `task_done`
    /// (returns at once if none is unfinished). Taking an item with `get` is not enough.
    /// Any number of threads may wait in `join` at once; the last `task_done` wakes them all.
    pub fn join(&self) {
        todo!("(book: thread-safe-queues.md#task-done-and-join)")
    }

    /// Closes the queue: from now on every put fails with `PutError::Closed` and gives its
    /// item back, and gets return the items left, then `GetError::Closed`. Every thread
    /// blocked in `put`, `put_timeout`, `get` or `get_timeout` wakes up and returns
    /// accordingly: none is left waiting. Closing a closed queue does nothing more.
    /// `join` is not released by a close: the items left still need their `task_done`.
    pub fn close(&self) {
        todo!(
            "who is waiting, on which condition, and how many of them? (book: thread-safe-queues.md#closing-a-queue)"
        )
    }
}
