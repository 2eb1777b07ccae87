// Style: a two-state lock word (free, held) plus a separate count of waiting threads, which
// the last release reads with a read-modify-write (fetch_add(0)), and the owner's count in an
// AtomicU32 instead of a cell. Correct: the waiters' counter is written only by RMWs, so the
// release's RMW and a waiter's increment are ordered in its modification order. If the
// increment comes first, the release sees it and wakes (after freeing the word; a wake after
// the word changed cannot be lost). If the release comes first, the waiter's increment reads
// from it (Release, then Acquire), so the waiter's next try sees the word freed, or a later
// owner's hold, whose own release then comes after the increment and wakes it.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;

use crate::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use crate::sync::atomic_wait;
use crate::sync::thread;

const FREE: u32 = 0;
const HELD: u32 = 1;
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
    word: AtomicU32,
    waiters: AtomicU32,
    owner: AtomicU64,
    // Only the owner touches it; Relaxed, since the word's Acquire and Release order owners.
    count: AtomicU32,
    max_depth: u32,
}

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
            max_depth != 0,
            "RLock::with_max_depth(0) could never be acquired"
        );
        Self {
            word: AtomicU32::new(FREE),
            waiters: AtomicU32::new(0),
            owner: AtomicU64::new(NOBODY),
            count: AtomicU32::new(0),
            max_depth,
        }
    }

    /// Blocks until this thread holds the lock; the owner gets it again at once.
    pub fn acquire(&self) -> Result<(), LockError> {
        if let Some(again) = self.again() {
            return again;
        }
        if !self.try_word() {
            // AcqRel: see the top of the file.
            self.waiters.fetch_add(1, Ordering::AcqRel);
            while !self.try_word() {
                atomic_wait::wait(&self.word, HELD);
            }
            self.waiters.fetch_sub(1, Ordering::Relaxed);
        }
        self.become_owner();
        Ok(())
    }

    /// Acquires the lock if this thread can without waiting.
    pub fn try_acquire(&self) -> Result<bool, LockError> {
        if let Some(again) = self.again() {
            return again.map(|()| true);
        }
        if !self.try_word() {
            return Ok(false);
        }
        self.become_owner();
        Ok(true)
    }

    /// Releases one hold; the last one frees the lock and wakes a waiting thread.
    pub fn release(&self) -> Result<(), LockError> {
        if self.owner.load(Ordering::Relaxed) != thread::current_number() {
            return Err(LockError::NotHeld);
        }
        if self.count.fetch_sub(1, Ordering::Relaxed) == 1 {
            self.owner.store(NOBODY, Ordering::Relaxed);
            // Release: publishes the holder's writes to the next owner.
            self.word.store(FREE, Ordering::Release);
            // An RMW, not a load: it reads the latest count (see the top of the file).
            if self.waiters.fetch_add(0, Ordering::AcqRel) != 0 {
                atomic_wait::wake_one(&self.word);
            }
        }
        Ok(())
    }

    /// One attempt to take the word; Acquire pairs with the Release that freed it.
    fn try_word(&self) -> bool {
        self.word
            .compare_exchange(FREE, HELD, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    }

    /// For the owner, one more hold or TooDeep; `None` for any other thread.
    fn again(&self) -> Option<Result<(), LockError>> {
        if self.owner.load(Ordering::Relaxed) != thread::current_number() {
            return None;
        }
        let count = self.count.load(Ordering::Relaxed);
        if count == self.max_depth {
            return Some(Err(LockError::TooDeep {
                max_depth: self.max_depth,
            }));
        }
        self.count.store(count + 1, Ordering::Relaxed);
        Some(Ok(()))
    }

    fn become_owner(&self) {
        self.owner
            .store(thread::current_number(), Ordering::Relaxed);
        self.count.store(1, Ordering::Relaxed);
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
