// Style: the lock word of Drepper's "Futexes Are Tricky" (mutex 3, with fetch_sub to
// unlock), Relaxed atomics with explicit fences, and a reentrant count kept in a cell. Correct:
// the Acquire fence after the operation that took the word synchronises with the Release
// fence before the fetch_sub or store that freed it, so each owner sees its predecessors'
// writes; fetch_sub(1) from HELD frees the word at once, and from CONTENDED the releaser
// stores FREE and wakes one sleeper, whose swap(CONTENDED) keeps later sleepers awakeable.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;

use crate::sync::atomic::{AtomicU32, AtomicU64, Ordering, fence};
use crate::sync::atomic_wait;
use crate::sync::cell::UnsafeCell;
use crate::sync::thread;

const FREE: u32 = 0;
const HELD: u32 = 1;
const CONTENDED: u32 = 2;

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
    // 0 when nobody owns the lock.
    owner: AtomicU64,
    count: UnsafeCell<u32>,
    max_depth: u32,
}

// SAFETY: only the owner touches `count`, and owners follow one another through the word
// (Release fence before freeing it, Acquire fence after taking it).
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
            max_depth >= 1,
            "max_depth must be at least 1, not {max_depth}"
        );
        Self {
            word: AtomicU32::new(FREE),
            owner: AtomicU64::new(0),
            count: UnsafeCell::new(0),
            max_depth,
        }
    }

    /// Blocks until this thread holds the lock; the owner gets it again at once.
    pub fn acquire(&self) -> Result<(), LockError> {
        let me = thread::current_number();
        if self.owner.load(Ordering::Relaxed) == me {
            return self.one_more();
        }
        let mut seen =
            match self
                .word
                .compare_exchange(FREE, HELD, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => FREE,
                Err(seen) => seen,
            };
        if seen != FREE {
            if seen != CONTENDED {
                seen = self.word.swap(CONTENDED, Ordering::Relaxed);
            }
            while seen != FREE {
                atomic_wait::wait(&self.word, CONTENDED);
                seen = self.word.swap(CONTENDED, Ordering::Relaxed);
            }
        }
        fence(Ordering::Acquire);
        self.owner.store(me, Ordering::Relaxed);
        // SAFETY: this thread has just taken the word, so it owns the lock.
        self.count.with_mut(|count| unsafe { *count = 1 });
        Ok(())
    }

    /// Acquires the lock if this thread can without waiting.
    pub fn try_acquire(&self) -> Result<bool, LockError> {
        let me = thread::current_number();
        if self.owner.load(Ordering::Relaxed) == me {
            return self.one_more().map(|()| true);
        }
        if self
            .word
            .compare_exchange(FREE, HELD, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
        {
            return Ok(false);
        }
        fence(Ordering::Acquire);
        self.owner.store(me, Ordering::Relaxed);
        // SAFETY: as in `acquire`.
        self.count.with_mut(|count| unsafe { *count = 1 });
        Ok(true)
    }

    /// Releases one hold; the last one frees the lock and wakes a waiting thread.
    pub fn release(&self) -> Result<(), LockError> {
        if self.owner.load(Ordering::Relaxed) != thread::current_number() {
            return Err(LockError::NotHeld);
        }
        // SAFETY: this thread owns the lock.
        let left = self.count.with_mut(|count| unsafe {
            *count -= 1;
            *count
        });
        if left > 0 {
            return Ok(());
        }
        self.owner.store(0, Ordering::Relaxed);
        fence(Ordering::Release);
        if self.word.fetch_sub(1, Ordering::Relaxed) != HELD {
            // It was CONTENDED (now HELD): free it for real and wake a sleeper.
            self.word.store(FREE, Ordering::Relaxed);
            atomic_wait::wake_one(&self.word);
        }
        Ok(())
    }

    /// The owner holds the lock once more, unless it is at `max_depth`.
    fn one_more(&self) -> Result<(), LockError> {
        // SAFETY: only called by the owner.
        self.count.with_mut(|count| unsafe {
            if *count < self.max_depth {
                *count += 1;
                Ok(())
            } else {
                Err(LockError::TooDeep {
                    max_depth: self.max_depth,
                })
            }
        })
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
