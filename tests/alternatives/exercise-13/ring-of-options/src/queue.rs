// Alternative: a fixed ring of `Option<T>` slots (a head index and a length) instead of a
// VecDeque, and the condition variable's own `wait_while` / `wait_timeout_while` instead of
// hand-written loops. Correct because those helpers are the loop: they look at the
// condition under the mutex before every wait and after every wake-up, spurious or not, and
// `wait_timeout_while` measures the timeout from its start, not from each wake-up. Two
// conditions as in CPython (plus one for join); close wakes every waiter of both.

use std::sync::PoisonError;
use std::time::Duration;

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

struct Ring<T> {
    slots: Box<[Option<T>]>,
    head: usize,
    len: usize,
    unfinished: usize,
    closed: bool,
}

impl<T> Ring<T> {
    fn full(&self) -> bool {
        self.len == self.slots.len()
    }

    fn push(&mut self, item: T) {
        let at = (self.head + self.len) % self.slots.len();
        self.slots[at] = Some(item);
        self.len += 1;
    }

    fn pop(&mut self) -> Option<T> {
        let item = self.slots[self.head].take()?;
        self.head = (self.head + 1) % self.slots.len();
        self.len -= 1;
        Some(item)
    }
}

/// A bounded FIFO queue on a ring of slots.
pub struct BlockingQueue<T> {
    ring: Mutex<Ring<T>>,
    not_empty: Condvar,
    not_full: Condvar,
    all_done: Condvar,
}

/// How long a put or get may wait.
#[derive(Clone, Copy)]
enum Limit {
    Never,
    For(Duration),
    Forever,
}

impl<T> BlockingQueue<T> {
    /// An empty, open queue that holds at most `capacity` items.
    pub fn new(capacity: usize) -> Self {
        assert!(capacity >= 1, "a queue must hold at least one item");
        BlockingQueue {
            ring: Mutex::new(Ring {
                slots: (0..capacity).map(|_| None).collect(),
                head: 0,
                len: 0,
                unfinished: 0,
                closed: false,
            }),
            not_empty: Condvar::new(),
            not_full: Condvar::new(),
            all_done: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Ring<T>> {
        self.ring.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits on `condvar` while `blocked` holds and the ring is open, within `limit`.
    fn wait_for<'a>(
        condvar: &Condvar,
        ring: MutexGuard<'a, Ring<T>>,
        limit: Limit,
        blocked: fn(&Ring<T>) -> bool,
    ) -> MutexGuard<'a, Ring<T>> {
        let waiting = |ring: &mut Ring<T>| !ring.closed && blocked(ring);
        match limit {
            Limit::Never => ring,
            Limit::Forever => condvar
                .wait_while(ring, waiting)
                .unwrap_or_else(PoisonError::into_inner),
            Limit::For(timeout) => {
                condvar
                    .wait_timeout_while(ring, timeout, waiting)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0
            }
        }
    }

    fn put_within(&self, item: T, limit: Limit) -> Result<(), PutError<T>> {
        let mut ring = Self::wait_for(&self.not_full, self.lock(), limit, Ring::full);
        if ring.closed {
            return Err(PutError::Closed(item));
        }
        if ring.full() {
            return Err(PutError::Full(item));
        }
        ring.push(item);
        ring.unfinished += 1;
        drop(ring);
        self.not_empty.notify_one();
        Ok(())
    }

    fn get_within(&self, limit: Limit) -> Result<T, GetError> {
        let mut ring = Self::wait_for(&self.not_empty, self.lock(), limit, |ring| ring.len == 0);
        match ring.pop() {
            Some(item) => {
                drop(ring);
                self.not_full.notify_one();
                Ok(item)
            }
            None if ring.closed => Err(GetError::Closed),
            None => Err(GetError::Empty),
        }
    }

    /// The most items the queue holds.
    pub fn capacity(&self) -> usize {
        self.lock().slots.len()
    }

    /// How many items the queue holds now.
    pub fn len(&self) -> usize {
        self.lock().len
    }

    /// Whether the queue holds no item now.
    pub fn is_empty(&self) -> bool {
        self.lock().len == 0
    }

    /// Whether `close` has been called.
    pub fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// Adds `item` at the back, waiting while the queue is full.
    pub fn put(&self, item: T) -> Result<(), PutError<T>> {
        self.put_within(item, Limit::Forever)
    }

    /// Adds `item` if there is room now.
    pub fn try_put(&self, item: T) -> Result<(), PutError<T>> {
        self.put_within(item, Limit::Never)
    }

    /// Like `put`, waiting at most `timeout`.
    pub fn put_timeout(&self, item: T, timeout: Duration) -> Result<(), PutError<T>> {
        self.put_within(item, Limit::For(timeout))
    }

    /// Takes the front item, waiting while the queue is empty.
    pub fn get(&self) -> Result<T, GetError> {
        self.get_within(Limit::Forever)
    }

    /// Takes the front item if there is one now.
    pub fn try_get(&self) -> Result<T, GetError> {
        self.get_within(Limit::Never)
    }

    /// Like `get`, waiting at most `timeout`.
    pub fn get_timeout(&self, timeout: Duration) -> Result<T, GetError> {
        self.get_within(Limit::For(timeout))
    }

    /// Marks one task finished.
    pub fn task_done(&self) -> Result<(), TooManyTaskDone> {
        let mut ring = self.lock();
        if ring.unfinished == 0 {
            return Err(TooManyTaskDone);
        }
        ring.unfinished -= 1;
        let last = ring.unfinished == 0;
        drop(ring);
        if last {
            self.all_done.notify_all();
        }
        Ok(())
    }

    /// Blocks until every item put has been marked finished.
    pub fn join(&self) {
        let _ring = self
            .all_done
            .wait_while(self.lock(), |ring| ring.unfinished > 0)
            .unwrap_or_else(PoisonError::into_inner);
    }

    /// Closes the queue and wakes every waiter.
    pub fn close(&self) {
        self.lock().closed = true;
        self.not_empty.notify_all();
        self.not_full.notify_all();
    }
}
