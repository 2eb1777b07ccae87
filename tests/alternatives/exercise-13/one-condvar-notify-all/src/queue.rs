// Alternative: one condition variable for everything, and notify_all on every change (the
// simplest correct monitor). Putters, getters and joiners all wait on `changed`; every
// change of the state wakes every waiter, and each looks again at its own condition in a
// loop, so nobody can miss the change it waits for. It wakes threads that cannot proceed
// (a put wakes the other putters too), which costs time, never correctness. The deadline is
// computed once and each wait is for what is left of it.

use std::collections::VecDeque;
use std::sync::PoisonError;
use std::time::{Duration, Instant};

use crate::sync::{Condvar, Mutex, MutexGuard};

/// Why a put did not add the item; the item comes back in either case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PutError<T> {
    /// The queue stayed full.
    Full(T),
    /// The queue is closed.
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
    /// The queue stayed empty.
    Empty,
    /// The queue is closed and empty.
    Closed,
}

/// `task_done` was called more times than items were put.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooManyTaskDone;

struct State<T> {
    items: VecDeque<T>,
    capacity: usize,
    unfinished: usize,
    closed: bool,
}

/// A bounded FIFO queue with one condition variable.
pub struct BlockingQueue<T> {
    state: Mutex<State<T>>,
    changed: Condvar,
}

/// What a wait with an optional deadline found.
enum Waited<G> {
    Again(G),
    TimedOut,
}

impl<T> BlockingQueue<T> {
    /// An empty, open queue that holds at most `capacity` items.
    pub fn new(capacity: usize) -> Self {
        assert!(capacity != 0, "capacity must be at least 1");
        BlockingQueue {
            state: Mutex::new(State {
                items: VecDeque::new(),
                capacity,
                unfinished: 0,
                closed: false,
            }),
            changed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits once on `changed`, for at most what is left until `deadline`.
    fn wait<'a>(
        &self,
        state: MutexGuard<'a, State<T>>,
        deadline: Option<Instant>,
    ) -> Waited<MutexGuard<'a, State<T>>> {
        match deadline {
            None => Waited::Again(
                self.changed
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner),
            ),
            Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
                None => Waited::TimedOut,
                Some(left) if left.is_zero() => Waited::TimedOut,
                Some(left) => Waited::Again(
                    self.changed
                        .wait_timeout(state, left)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0,
                ),
            },
        }
    }

    /// The most items the queue holds.
    pub fn capacity(&self) -> usize {
        self.lock().capacity
    }

    /// How many items the queue holds now.
    pub fn len(&self) -> usize {
        self.lock().items.len()
    }

    /// Whether the queue holds no item now.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether `close` has been called.
    pub fn is_closed(&self) -> bool {
        self.lock().closed
    }

    fn put_until(&self, item: T, deadline: Option<Instant>) -> Result<(), PutError<T>> {
        let mut state = self.lock();
        while !state.closed && state.items.len() == state.capacity {
            state = match self.wait(state, deadline) {
                Waited::Again(state) => state,
                Waited::TimedOut => return Err(PutError::Full(item)),
            };
        }
        if state.closed {
            return Err(PutError::Closed(item));
        }
        state.items.push_back(item);
        state.unfinished += 1;
        self.changed.notify_all();
        Ok(())
    }

    fn get_until(&self, deadline: Option<Instant>) -> Result<T, GetError> {
        let mut state = self.lock();
        while !state.closed && state.items.is_empty() {
            state = match self.wait(state, deadline) {
                Waited::Again(state) => state,
                Waited::TimedOut => return Err(GetError::Empty),
            };
        }
        let item = state.items.pop_front().ok_or(GetError::Closed)?;
        self.changed.notify_all();
        Ok(item)
    }

    /// Adds `item` at the back, waiting while the queue is full.
    pub fn put(&self, item: T) -> Result<(), PutError<T>> {
        self.put_until(item, None)
    }

    /// Adds `item` if there is room now.
    pub fn try_put(&self, item: T) -> Result<(), PutError<T>> {
        self.put_until(item, Some(Instant::now()))
    }

    /// Like `put`, waiting at most `timeout`.
    pub fn put_timeout(&self, item: T, timeout: Duration) -> Result<(), PutError<T>> {
        self.put_until(item, Instant::now().checked_add(timeout))
    }

    /// Takes the front item, waiting while the queue is empty.
    pub fn get(&self) -> Result<T, GetError> {
        self.get_until(None)
    }

    /// Takes the front item if there is one now.
    pub fn try_get(&self) -> Result<T, GetError> {
        self.get_until(Some(Instant::now()))
    }

    /// Like `get`, waiting at most `timeout`.
    pub fn get_timeout(&self, timeout: Duration) -> Result<T, GetError> {
        self.get_until(Instant::now().checked_add(timeout))
    }

    /// Marks one task finished.
    pub fn task_done(&self) -> Result<(), TooManyTaskDone> {
        let mut state = self.lock();
        state.unfinished = state.unfinished.checked_sub(1).ok_or(TooManyTaskDone)?;
        self.changed.notify_all();
        Ok(())
    }

    /// Blocks until every item put has been marked finished.
    pub fn join(&self) {
        let mut state = self.lock();
        while state.unfinished != 0 {
            state = self
                .changed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Closes the queue and wakes every waiter.
    pub fn close(&self) {
        let mut state = self.lock();
        state.closed = true;
        self.changed.notify_all();
    }
}
