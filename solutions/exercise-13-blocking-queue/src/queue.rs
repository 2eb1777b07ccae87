// Exercise 13 · Blocking queue (reference solution). Book: book/src/part-5/thread-safe-queues.md
//
// CPython's design (Lib/queue.py): one mutex around the items, the capacity, the count of
// unfinished tasks and the closed flag; three condition variables on that one mutex:
// `not_empty` (getters wait on it, a put wakes one), `not_full` (putters wait on it, a get
// wakes one) and `all_tasks_done` (join waits on it, the last task_done wakes all). A close
// wakes every waiter of both sides, who look at the state again.

use std::collections::VecDeque;
use std::sync::PoisonError;
use std::time::{Duration, Instant};

use crate::sync::{Condvar, Mutex, MutexGuard};

/// Why a put did not add the item; the item comes back in either case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PutError<T> {
    /// The queue stayed full (Python's `queue.Full`): `try_put`, or `put_timeout` whose time
    /// ran out.
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
    /// The queue stayed empty (Python's `queue.Empty`): `try_get`, or `get_timeout` whose
    /// time ran out.
    Empty,
    /// The queue is closed and empty (Python's `queue.ShutDown`): no item will ever come.
    Closed,
}

/// `task_done` was called more times than items were put (Python's `ValueError`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooManyTaskDone;

/// What the mutex guards.
struct State<T> {
    items: VecDeque<T>,
    capacity: usize,
    /// Items put and not yet marked done with `task_done`.
    unfinished: usize,
    closed: bool,
}

/// A bounded first-in first-out queue shared by threads, like Python's `queue.Queue`.
pub struct BlockingQueue<T> {
    state: Mutex<State<T>>,
    not_empty: Condvar,
    not_full: Condvar,
    all_tasks_done: Condvar,
}

impl<T> BlockingQueue<T> {
    /// An empty, open queue that holds at most `capacity` items. Room for all of them is
    /// set aside at once (the stub's docs allow it): `new(usize::MAX)` panics with
    /// "capacity overflow". Zero-sized items count like any other: `capacity` is kept
    /// apart, never read back from the buffer (whose capacity is `usize::MAX` for them).
    pub fn new(capacity: usize) -> Self {
        assert!(
            capacity > 0,
            "a BlockingQueue needs a capacity of at least 1"
        );
        BlockingQueue {
            state: Mutex::new(State {
                items: VecDeque::with_capacity(capacity),
                capacity,
                unfinished: 0,
                closed: false,
            }),
            not_empty: Condvar::new(),
            not_full: Condvar::new(),
            all_tasks_done: Condvar::new(),
        }
    }

    /// Locks the state. No code of the caller runs under this lock, so a poisoned lock
    /// (impossible here, but cheap to handle) still guards a consistent state.
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The most items the queue holds.
    pub fn capacity(&self) -> usize {
        self.lock().capacity
    }

    /// How many items are in the queue now (a snapshot).
    pub fn len(&self) -> usize {
        self.lock().items.len()
    }

    /// Whether the queue holds no item now (a snapshot).
    pub fn is_empty(&self) -> bool {
        self.lock().items.is_empty()
    }

    /// Whether `close` has been called.
    pub fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// Adds `item` at the back, waiting while the queue is full.
    pub fn put(&self, item: T) -> Result<(), PutError<T>> {
        self.put_until(item, None)
    }

    /// Adds `item` if there is room now, without waiting.
    pub fn try_put(&self, item: T) -> Result<(), PutError<T>> {
        self.put_until(item, Some(Instant::now()))
    }

    /// Like `put`, waiting at most `timeout` (`Duration::MAX`: no limit).
    pub fn put_timeout(&self, item: T, timeout: Duration) -> Result<(), PutError<T>> {
        // A timeout too far away to represent is no limit at all.
        self.put_until(item, Instant::now().checked_add(timeout))
    }

    /// The three puts: wait for room until `deadline` (`None`: for ever).
    fn put_until(&self, item: T, deadline: Option<Instant>) -> Result<(), PutError<T>> {
        let mut state = self.lock();
        loop {
            if state.closed {
                return Err(PutError::Closed(item));
            }
            if state.items.len() < state.capacity {
                break;
            }
            state = match deadline {
                None => self
                    .not_full
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner),
                Some(deadline) => {
                    // The deadline is fixed once: every wake-up waits only for what is left.
                    let now = Instant::now();
                    if now >= deadline {
                        return Err(PutError::Full(item));
                    }
                    self.not_full
                        .wait_timeout(state, deadline - now)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
            };
        }
        state.items.push_back(item);
        state.unfinished += 1;
        drop(state);
        self.not_empty.notify_one();
        Ok(())
    }

    /// Takes the item at the front, waiting while the queue is empty.
    pub fn get(&self) -> Result<T, GetError> {
        self.get_until(None)
    }

    /// Takes the item at the front if there is one now, without waiting.
    pub fn try_get(&self) -> Result<T, GetError> {
        self.get_until(Some(Instant::now()))
    }

    /// Like `get`, waiting at most `timeout` (`Duration::MAX`: no limit).
    pub fn get_timeout(&self, timeout: Duration) -> Result<T, GetError> {
        self.get_until(Instant::now().checked_add(timeout))
    }

    /// The three gets: wait for an item until `deadline` (`None`: for ever).
    fn get_until(&self, deadline: Option<Instant>) -> Result<T, GetError> {
        let mut state = self.lock();
        loop {
            if let Some(item) = state.items.pop_front() {
                drop(state);
                self.not_full.notify_one();
                return Ok(item);
            }
            if state.closed {
                return Err(GetError::Closed);
            }
            state = match deadline {
                None => self
                    .not_empty
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return Err(GetError::Empty);
                    }
                    self.not_empty
                        .wait_timeout(state, deadline - now)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
            };
        }
    }

    /// Marks one item taken with a get as processed.
    pub fn task_done(&self) -> Result<(), TooManyTaskDone> {
        let mut state = self.lock();
        if state.unfinished == 0 {
            return Err(TooManyTaskDone);
        }
        state.unfinished -= 1;
        if state.unfinished == 0 {
            drop(state);
            self.all_tasks_done.notify_all();
        }
        Ok(())
    }

    /// Blocks until every item put so far has been marked done with `task_done`.
    pub fn join(&self) {
        let mut state = self.lock();
        while state.unfinished > 0 {
            state = self
                .all_tasks_done
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Closes the queue and wakes every blocked putter and getter.
    pub fn close(&self) {
        self.lock().closed = true;
        self.not_empty.notify_all();
        self.not_full.notify_all();
    }
}
