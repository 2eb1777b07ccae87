// Exercise 07 · Reentrant lock. Book: book/src/part-3/reentrant-locks.md
//
// Fill in each `todo!()`, in this order: `RLock` (Python's `threading.RLock`), then
// `ReentrantLock<T>` and its guard on top of it. Useful imports, all through the std/loom
// switch:
//     use crate::sync::atomic::{AtomicU32, AtomicU64, Ordering};
//     use crate::sync::atomic_wait;   // wait(&word, value), wake_one(&word)
//     use crate::sync::cell::UnsafeCell;
//     use crate::sync::thread;        // thread::current_number(): this thread's number
//     use std::marker::PhantomData;   // for the guard's marker
//
// What the lock needs to know (book: reentrant-locks.md#owner-and-count):
// - whether it is held, in an `AtomicU32` "lock word" that waiting threads can sleep on
//   (atomic_wait::wait sleeps while the word holds a given value; book:
//   reentrant-locks.md#waiting-without-spinning). No spinning, no Mutex, no Condvar;
// - which thread owns it: `thread::current_number()` of the owner, in an `AtomicU64`
//   (0 = nobody; a thread's number is never 0);
// - how many times the owner holds it. Only the owner touches the count, so it can be a
//   plain number in an `UnsafeCell` (reached with `with`/`with_mut`, as in exercise 04),
//   with a `// SAFETY:` line that says why no other thread touches it.
// Each ordering you choose needs a comment that says why it is enough.

use std::fmt;
use std::ops::Deref;

/// What went wrong in [`RLock::acquire`], [`RLock::try_acquire`] or [`RLock::release`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockError {
    /// `release()` by a thread that does not hold the lock (another thread holds it, or
    /// nobody does).
    NotHeld,
    /// `acquire()` or `try_acquire()` by the owner, who already holds the lock `max_depth`
    /// times.
    TooDeep {
        /// The most times one thread may hold the lock at once.
        max_depth: u32,
    },
}

impl fmt::Display for LockError {
    /// Says what went wrong, in words: for `NotHeld`, that the thread tried to release a
    /// lock it does not hold (Python says "cannot release un-acquired lock"); for
    /// `TooDeep`, that the thread already holds the lock the most times allowed, and how
    /// many that is.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        todo!(
            "write! a sentence for each variant (book: reentrant-locks.md#only-the-owner-releases)"
        )
    }
}

impl std::error::Error for LockError {}

/// A lock that the thread holding it may acquire again: Python's `threading.RLock`.
///
/// It has an owner (the thread that holds it, or nobody) and a count (how many times the
/// owner holds it). The owner's `acquire()` only adds 1 to the count; every other thread's
/// `acquire()` sleeps until the count is back to 0, and never spins. `release()` takes 1
/// off, and only the owner may call it: for any other thread it returns
/// `Err(LockError::NotHeld)` and changes nothing.
///
/// There is no guard: a thread that ends (returns or panics) while it holds the lock leaves
/// it held for ever. [`ReentrantLock`] adds guards.
///
/// `RLock` is `Send` and `Sync`.
pub struct RLock {
    // Replace this placeholder with the lock word, the owner and the count (see the top of
    // this file), and the most times one thread may hold the lock.
    _todo: (),
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
    ///
    /// # Panics
    /// If `max_depth` is 0: nobody could ever acquire such a lock.
    pub fn with_max_depth(max_depth: u32) -> Self {
        todo!(
            "a free lock: no owner, a count of 0 (book: reentrant-locks.md#the-count-has-a-limit)"
        )
    }

    /// Blocks until the calling thread holds the lock, and returns `Ok(())`.
    ///
    /// - The owner gets it again at once: the count goes up by 1. If the count is already
    ///   `max_depth`, it returns `Err(LockError::TooDeep { max_depth })` and the count stays
    ///   as it was. (Compare the count with `max_depth` before adding 1: `count + 1` itself
    ///   overflows when `max_depth` is `u32::MAX`, as it is for `new()`.)
    /// - Any other thread sleeps (in `atomic_wait::wait`, never spinning) until the lock is
    ///   free, then becomes the owner with a count of 1. A thread that gets the lock sees
    ///   every write made by previous owners while they held it.
    /// - With nobody else around, `acquire()` and the matching `release()` make no wake call
    ///   (no system call).
    pub fn acquire(&self) -> Result<(), LockError> {
        todo!(
            "am I the owner already? Then only the count changes. Otherwise take the lock word, \
             sleeping on it while it is held, then record yourself as the owner \
             (book: reentrant-locks.md#owner-and-count, reentrant-locks.md#waiting-without-spinning)"
        )
    }

    /// Like [`acquire`](Self::acquire), but never waits: `Ok(true)` if the calling thread
    /// now holds the lock (again), `Ok(false)` at once if another thread holds it, and
    /// `Err(LockError::TooDeep { .. })` for an owner already at `max_depth`.
    pub fn try_acquire(&self) -> Result<bool, LockError> {
        todo!("as acquire(), with one attempt at the lock word instead of a wait")
    }

    /// Releases one hold of the calling thread.
    ///
    /// - The owner's count goes down by 1. When it reaches 0 the lock is free: nobody owns
    ///   it, and one thread sleeping in `acquire()`, if any, is woken.
    /// - For a thread that does not hold the lock (another thread owns it, or nobody does)
    ///   it returns `Err(LockError::NotHeld)`, and the owner and the count stay as they were.
    pub fn release(&self) -> Result<(), LockError> {
        todo!(
            "refuse unless the calling thread is the owner; the last release clears the owner, \
             frees the word and wakes a sleeper if one may be asleep. In which order? \
             (book: reentrant-locks.md#only-the-owner-releases)"
        )
    }
}

/// A value behind a reentrant lock: [`lock`](Self::lock) returns a guard, and the thread
/// that holds a guard may lock again and get a second one.
///
/// A guard gives `&T` only, never `&mut T`: two guards of one thread reach the same value,
/// and two `&mut T` to one value are never allowed. To change the value, put it in a `Cell`
/// or a `RefCell` (book: reentrant-locks.md#guards-and-shared-references).
///
/// `ReentrantLock<T>` is `Sync` when `T: Send` (one thread at a time reaches the value), and
/// `Send` when `T: Send`.
pub struct ReentrantLock<T> {
    raw: RLock,
    value: T,
}

// SAFETY: the guards of one thread at a time reach the value, so sharing the lock only moves
// access to the `T` from thread to thread: `T: Send` is enough, as for a mutex.
unsafe impl<T: Send> Sync for ReentrantLock<T> {}

impl<T> ReentrantLock<T> {
    /// A new, free lock around `value` that one thread may hold up to `u32::MAX` times.
    pub fn new(value: T) -> Self {
        Self::with_max_depth(value, u32::MAX)
    }

    /// A new, free lock around `value` that one thread may hold at most `max_depth` times.
    ///
    /// # Panics
    /// If `max_depth` is 0.
    pub fn with_max_depth(value: T, max_depth: u32) -> Self {
        todo!("an RLock of that depth, and the value")
    }

    /// Blocks until the calling thread holds the lock (at once if it already does), and
    /// returns a guard; dropping the guard releases that one hold.
    ///
    /// # Panics
    /// If the calling thread already holds the lock `max_depth` times, with the message of
    /// `LockError::TooDeep`; the holds it has are kept.
    pub fn lock(&self) -> ReentrantGuard<'_, T> {
        todo!(
            "acquire the RLock, then build the guard (book: reentrant-locks.md#the-guard-stays-on-its-thread)"
        )
    }

    /// A guard if the calling thread can hold the lock without waiting, `None` if another
    /// thread holds it.
    ///
    /// # Panics
    /// As [`lock`](Self::lock), at `max_depth`.
    pub fn try_lock(&self) -> Option<ReentrantGuard<'_, T>> {
        todo!("try_acquire the RLock")
    }

    /// Consumes the lock and returns the value.
    pub fn into_inner(self) -> T {
        todo!("no guard can exist any more")
    }
}

/// Proof that the calling thread holds a [`ReentrantLock`]; dropping it releases one hold.
/// A thread that panics while holding guards releases every hold as they are dropped.
///
/// The guard must NOT be `Send`: dropped on another thread, its release would come from a
/// thread that does not own the lock. Add a field that is not `Send` (a
/// `PhantomData<*const ()>` costs nothing), and then give `Sync` back for `T: Sync` with an
/// `unsafe impl` and a `// SAFETY:` line: a shared guard hands out only `&T`
/// (book: reentrant-locks.md#the-guard-stays-on-its-thread).
pub struct ReentrantGuard<'a, T> {
    lock: &'a ReentrantLock<T>,
    // Add the marker described above here.
}

impl<T> Deref for ReentrantGuard<'_, T> {
    type Target = T;

    /// The value inside the lock, shared: never `&mut T`.
    fn deref(&self) -> &T {
        todo!("a shared reference to the value inside self.lock")
    }
}

impl<T> Drop for ReentrantGuard<'_, T> {
    /// Releases one hold of the lock.
    fn drop(&mut self) {
        todo!(
            "release the RLock: this thread holds it, since the guard never left it \
             (book: reentrant-locks.md#the-guard-stays-on-its-thread)"
        )
    }
}
