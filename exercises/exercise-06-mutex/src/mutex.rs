// Exercise 06 · Blocking mutex. Book: book/src/part-3/blocking.md
//
// Fill in each `todo!()`. Useful imports, all through the std/loom switch:
//     use crate::sync::atomic::{AtomicU32, Ordering};
//     use crate::sync::atomic_wait::{wait, wake_one};
//     use crate::sync::cell::UnsafeCell;
//     use crate::sync::hint;        // spin_loop(), if you spin a little before sleeping
//
// Waiting without spinning (book: blocking.md#the-futex-idea):
//     wait(&atomic, value)    sleeps while `atomic` holds `value`; returns at once if it
//                             holds something else, and may also return for no reason at
//                             all, so look at the state again after it returns
//     wake_one(&atomic)       wakes one thread sleeping in `wait` on that atomic, if any
// Both are system calls on a real machine: the point of the exercise is to make neither
// while nobody waits.
//
// The value lives in an `UnsafeCell` without `.get()`: reach it with
// `cell.with(|ptr| ...)` and `cell.with_mut(|ptr| ...)`, as in exercise 04, with a
// `// SAFETY:` line that says why no other thread can touch it meanwhile.
//
// Do not build this mutex on another lock (crate::sync::Mutex, Condvar, parking_lot): the
// source check rejects them.

use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};

/// A mutual-exclusion lock whose waiters sleep instead of spinning.
///
/// `lock()` returns a [`MutexGuard`] through which the caller reads and writes the value;
/// dropping the guard unlocks. At most one guard exists at any time. A thread that finds
/// the lock held goes to sleep (it may look again a bounded number of times first) and is
/// woken when the lock is released.
///
/// Costs: while only one thread uses the mutex, `lock()` and unlocking make no system call
/// at all (no `wait`, no `wake_one`); only an unlock that may have a sleeping waiter calls
/// `wake_one`, so once every waiter has got in, unlocking makes no system call again.
///
/// A thread that panics while holding the guard unlocks on its way out (the guard is
/// dropped while unwinding), and the next `lock()` gets in and sees the value as the
/// panicking thread left it: this mutex does not poison (unlike `std::sync::Mutex`, like
/// `parking_lot::Mutex` and Python's `threading.Lock`).
///
/// `Mutex<T>` is `Sync` when `T: Send`, as a spin lock is.
pub struct Mutex<T> {
    // Replace this placeholder with the state the lock needs: one atomic that a waiter can
    // sleep on, with a value for each of "free", "held" and "held, and someone may be
    // asleep", and a home for the value.
    _todo: PhantomData<T>,
}

// SAFETY: (write it when your fields are in) the lock hands its value to one thread at a
// time, so sharing the lock only moves the `T` between threads: `T: Send` is enough.
unsafe impl<T: Send> Sync for Mutex<T> {}

impl<T> Mutex<T> {
    /// A new, unlocked mutex around `value`.
    pub fn new(value: T) -> Self {
        todo!("store the value and start free (book: blocking.md#three-states)")
    }

    /// Waits until the lock is free, takes it, and returns a guard that unlocks on drop.
    ///
    /// Uncontended, this is one atomic operation and no system call. Contended, the thread
    /// sleeps in `wait` until an unlock wakes it, then tries again.
    pub fn lock(&self) -> MutexGuard<'_, T> {
        todo!(
            "fast path: one atomic step from free to held. Slow path: mark the lock as \
             having a waiter and sleep while it stays so; when woken, try again, and never \
             take the lock in a way that forgets other sleepers. Which ordering makes the \
             previous holder's writes visible? (book: blocking.md#three-states)"
        )
    }

    /// Takes the lock if it is free right now; never waits, never sleeps. A failed attempt
    /// leaves the lock as it found it: a thread asleep on it is still woken by the unlock.
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        todo!("one attempt from free to held (book: blocking.md#three-states)")
    }

    /// Consumes the mutex and returns the value.
    pub fn into_inner(self) -> T {
        todo!("no guard can exist any more, so no atomics are needed here")
    }

    /// The value, through `&mut self`: nobody else can reach the mutex, so no locking.
    pub fn get_mut(&mut self) -> &mut T {
        todo!("a mutable reference to the value, without touching the state")
    }
}

/// Proof that the current thread holds a [`Mutex`]; dropping it unlocks, and wakes a
/// sleeping waiter when there may be one.
pub struct MutexGuard<'a, T> {
    mutex: &'a Mutex<T>,
}

// SAFETY: a shared `&MutexGuard` hands out only `&T`, so it may cross threads when `&T`
// may, that is when `T: Sync` (book: part-2/spin-locks.md#the-guard).
unsafe impl<T: Sync> Sync for MutexGuard<'_, T> {}

impl<T> Deref for MutexGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        todo!("a shared reference to the value inside self.mutex")
    }
}

impl<T> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        todo!("a mutable reference to the value inside self.mutex")
    }
}

impl<T> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        todo!(
            "free the lock so that the next holder sees every write made under it, and wake \
             one sleeper only if the state said someone may be asleep; freeing and looking \
             must be one atomic step (book: blocking.md#three-states)"
        )
    }
}
