// A reentrant lock: a futex-style lock word that other threads sleep on, the number of the
// thread that owns it, and how many times that thread holds it.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;

use crate::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use crate::sync::atomic_wait;
use crate::sync::cell::UnsafeCell;
use crate::sync::thread;

/// The lock word: nobody holds the lock.
const FREE: u32 = 0;
/// Held, and nobody sleeps on the word: releasing needs no wake.
const HELD: u32 = 1;
/// Held, and some thread may sleep on the word: releasing must wake one.
const CONTENDED: u32 = 2;
/// `owner` when no thread owns the lock (`current_number()` is never 0).
const NOBODY: u64 = 0;

/// What went wrong in [`RLock::acquire`], [`RLock::try_acquire`] or [`RLock::release`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockError {
    /// `release()` by a thread that does not hold the lock.
    NotHeld,
    /// `acquire()` or `try_acquire()` by the owner, who already holds the lock `max_depth`
    /// times.
    TooDeep {
        /// The most times one thread may hold the lock at once.
        max_depth: u32,
    },
}

impl fmt::Display for LockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LockError::NotHeld => write!(
                f,
                "cannot release a reentrant lock that this thread does not hold"
            ),
            LockError::TooDeep { max_depth } => write!(
                f,
                "cannot acquire the reentrant lock again: this thread already holds it \
                 {max_depth} times, the most allowed"
            ),
        }
    }
}

impl std::error::Error for LockError {}

/// A lock that the thread holding it may acquire again, as Python's `threading.RLock`.
pub struct RLock {
    state: AtomicU32,
    owner: AtomicU64,
    // Only the owner reads or writes it, between taking the lock word and freeing it.
    count: UnsafeCell<u32>,
    max_depth: u32,
}

// SAFETY: `count` is the only field that is not Sync. Only the thread whose number is in
// `owner` touches it, and ownership passes from thread to thread through the lock word
// (Release when freed, Acquire when taken), so two threads never touch it without a
// happens-before edge between them.
unsafe impl Sync for RLock {}

impl Default for RLock {
    fn default() -> Self {
        Self::new()
    }
}

impl RLock {
    /// A new, free lock that one thread may hold up to `u32::MAX` times at once.
    pub fn new() -> Self {
        Self::with_max_depth(u32::MAX)
    }

    /// A new, free lock that one thread may hold at most `max_depth` times at once.
    pub fn with_max_depth(max_depth: u32) -> Self {
        assert!(
            max_depth > 0,
            "RLock::with_max_depth(0): a lock that may be held 0 times could never be acquired"
        );
        Self {
            state: AtomicU32::new(FREE),
            owner: AtomicU64::new(NOBODY),
            count: UnsafeCell::new(0),
            max_depth,
        }
    }

    /// Blocks until this thread holds the lock; the owner gets it again at once.
    pub fn acquire(&self) -> Result<(), LockError> {
        if let Some(reentered) = self.reenter() {
            return reentered;
        }
        // Acquire: the previous owner's writes (the count included) are visible once the
        // word is ours. Relaxed on failure: we read nothing through a failed exchange.
        if self
            .state
            .compare_exchange(FREE, HELD, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            // Mark the word CONTENDED before sleeping, so that the holder's release wakes
            // us. A swap that reads FREE has taken the lock (as CONTENDED, since others may
            // sleep too: the next release then wakes one of them).
            while self.state.swap(CONTENDED, Ordering::Acquire) != FREE {
                atomic_wait::wait(&self.state, CONTENDED);
            }
        }
        self.take_ownership();
        Ok(())
    }

    /// Acquires the lock if this thread can without waiting: `Ok(true)` if it now holds it
    /// (again), `Ok(false)` if another thread holds it.
    pub fn try_acquire(&self) -> Result<bool, LockError> {
        if let Some(reentered) = self.reenter() {
            return reentered.map(|()| true);
        }
        // Acquire, as in `acquire`.
        if self
            .state
            .compare_exchange(FREE, HELD, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            return Ok(false);
        }
        self.take_ownership();
        Ok(true)
    }

    /// Releases one hold; the last one frees the lock and wakes a waiting thread.
    pub fn release(&self) -> Result<(), LockError> {
        if !self.held_by_this_thread() {
            return Err(LockError::NotHeld);
        }
        // SAFETY: this thread owns the lock, and only the owner touches the count.
        let left = self.count.with_mut(|count| unsafe {
            *count -= 1;
            *count
        });
        if left == 0 {
            // Clear the owner before the word is freed: once it is, the next owner may
            // store its own number, which must not be overwritten by our 0.
            // Relaxed: only the releasing thread ever compares with its own number.
            self.owner.store(NOBODY, Ordering::Relaxed);
            // Release: every write made while we held the lock (the count included)
            // happens before the next owner's Acquire of the word.
            if self.state.swap(FREE, Ordering::Release) == CONTENDED {
                atomic_wait::wake_one(&self.state);
            }
        }
        Ok(())
    }

    /// Whether the calling thread owns the lock.
    fn held_by_this_thread(&self) -> bool {
        // Relaxed is enough. No other thread ever stores this thread's number, so reading
        // it means this thread stored it and has not yet stored anything after it; and once
        // it has cleared `owner`, coherence forbids it to read its own older store again.
        self.owner.load(Ordering::Relaxed) == thread::current_number()
    }

    /// For the owner: one more hold (or `TooDeep`, changing nothing). `None` for others.
    fn reenter(&self) -> Option<Result<(), LockError>> {
        if !self.held_by_this_thread() {
            return None;
        }
        // SAFETY: this thread owns the lock, and only the owner touches the count.
        Some(self.count.with_mut(|count| unsafe {
            if *count == self.max_depth {
                Err(LockError::TooDeep {
                    max_depth: self.max_depth,
                })
            } else {
                *count += 1;
                Ok(())
            }
        }))
    }

    /// Called with the lock word just taken: this thread now owns the lock, once.
    fn take_ownership(&self) {
        // Relaxed: see `held_by_this_thread`.
        self.owner
            .store(thread::current_number(), Ordering::Relaxed);
        // SAFETY: this thread has just taken the word, so it is the owner, and the previous
        // owner's last access to the count happens before its Release of the word.
        self.count.with_mut(|count| unsafe { *count = 1 });
    }
}

/// A value behind a reentrant lock: [`lock`](Self::lock) returns a guard, and the thread
/// holding one may lock again.
pub struct ReentrantLock<T> {
    raw: RLock,
    value: T,
}

// SAFETY: the guards of one thread at a time reach the value, so sharing the lock only moves
// access to the `T` from thread to thread: `T: Send` is enough, as for a mutex.
unsafe impl<T: Send> Sync for ReentrantLock<T> {}

impl<T> ReentrantLock<T> {
    /// A new, free lock around `value`.
    pub fn new(value: T) -> Self {
        Self::with_max_depth(value, u32::MAX)
    }

    /// A new, free lock around `value` that one thread may hold at most `max_depth` times.
    pub fn with_max_depth(value: T, max_depth: u32) -> Self {
        Self {
            raw: RLock::with_max_depth(max_depth),
            value,
        }
    }

    /// Blocks until this thread holds the lock (at once if it already does).
    pub fn lock(&self) -> ReentrantGuard<'_, T> {
        if let Err(error) = self.raw.acquire() {
            panic!("{error}");
        }
        ReentrantGuard {
            lock: self,
            _not_send: PhantomData,
        }
    }

    /// A guard if this thread can hold the lock without waiting, `None` otherwise.
    pub fn try_lock(&self) -> Option<ReentrantGuard<'_, T>> {
        match self.raw.try_acquire() {
            Ok(true) => Some(ReentrantGuard {
                lock: self,
                _not_send: PhantomData,
            }),
            Ok(false) => None,
            Err(error) => panic!("{error}"),
        }
    }

    /// Consumes the lock and returns the value.
    pub fn into_inner(self) -> T {
        self.value
    }
}

/// Proof that this thread holds a [`ReentrantLock`]; dropping it releases one hold.
pub struct ReentrantGuard<'a, T> {
    lock: &'a ReentrantLock<T>,
    // A raw pointer is neither Send nor Sync: the guard must be dropped by the thread that
    // locked, the only one the lock will let release.
    _not_send: PhantomData<*const ()>,
}

// SAFETY: a shared `&ReentrantGuard` hands out only `&T`, so it may cross threads when `&T`
// may, that is when `T: Sync`.
unsafe impl<T: Sync> Sync for ReentrantGuard<'_, T> {}

impl<T> Deref for ReentrantGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.lock.value
    }
}

impl<T> Drop for ReentrantGuard<'_, T> {
    fn drop(&mut self) {
        // The guard never left the thread that locked, which therefore still holds the
        // lock: the release cannot be refused.
        let released = self.lock.raw.release();
        debug_assert!(
            released.is_ok(),
            "a guard's release was refused: {released:?}"
        );
    }
}
