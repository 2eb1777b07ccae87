// Exercise 11 · Dining philosophers. Book: book/src/part-4/philosophers-and-transfers.md
//
// Provided, nothing to fill in (do not edit): the blocking mutex that guards each account's
// balance. It is the three-state futex lock of exercise 06 (0 free, 1 held, 2 held and
// someone may be asleep), trimmed to what this exercise needs.
//
// It sleeps through `crate::sync::atomic_wait`, so a deadlock is a clean failure in the
// tests: under loom, the model reports "deadlock: this thread goes to sleep ..." with the
// line of your code whose `lock()` never returned; on real threads, the test's deadline
// reports "possible deadlock: ...".
//
// Locking a mutex this thread already holds is a deadlock with itself: it sleeps for ever.
// A panic while a guard is alive does not poison the mutex: the guard's `Drop` unlocks while
// the thread unwinds, and the next `lock()` sees the value as the panicking thread left it.

use std::ops::{Deref, DerefMut};

use crate::sync::atomic::{AtomicU32, Ordering};
use crate::sync::atomic_wait;
use crate::sync::cell::UnsafeCell;

const FREE: u32 = 0;
const HELD: u32 = 1;
const HELD_WITH_WAITERS: u32 = 2;

/// A blocking mutual-exclusion lock: `lock()` sleeps (never spins) while another thread holds
/// it. Provided: nothing to fill in.
pub struct Mutex<T> {
    state: AtomicU32,
    value: UnsafeCell<T>,
}

// SAFETY: the mutex hands its value to one thread at a time, so sharing the mutex only moves
// the `T` from thread to thread: `T: Send` is enough.
unsafe impl<T: Send> Sync for Mutex<T> {}

impl<T> Mutex<T> {
    /// A new, unlocked mutex around `value`.
    pub fn new(value: T) -> Self {
        Mutex {
            state: AtomicU32::new(FREE),
            value: UnsafeCell::new(value),
        }
    }

    /// Sleeps until the mutex is free, takes it, and returns the guard that unlocks it when
    /// dropped. (`#[track_caller]`: under loom, a thread that sleeps here for ever is
    /// reported at the line of your code that called `lock()`.)
    #[track_caller]
    pub fn lock(&self) -> MutexGuard<'_, T> {
        // Acquire: the previous holder's writes to the value, released by its unlock, are
        // visible to this one.
        if self
            .state
            .compare_exchange(FREE, HELD, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            // Contended: mark the lock as having sleepers, so the holder's unlock wakes one,
            // and sleep until a swap finds it free (taking it, still marked: a waiter we did
            // not see may be asleep too).
            while self.state.swap(HELD_WITH_WAITERS, Ordering::Acquire) != FREE {
                atomic_wait::wait(&self.state, HELD_WITH_WAITERS);
            }
        }
        MutexGuard { mutex: self }
    }

    /// Consumes the mutex and returns the value.
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

/// Proof that this thread holds a [`Mutex`]; dropping it unlocks. Provided.
pub struct MutexGuard<'a, T> {
    mutex: &'a Mutex<T>,
}

// SAFETY: a shared `&MutexGuard` hands out only `&T`, so it may cross threads when `T: Sync`.
unsafe impl<T: Sync> Sync for MutexGuard<'_, T> {}

impl<T> Deref for MutexGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: this guard exists, so this thread holds the lock: no other thread touches
        // the value until the guard is dropped, and the reference cannot outlive the guard.
        self.mutex.value.with(|ptr| unsafe { &*ptr })
    }
}

impl<T> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` makes this the only reference through the guard.
        self.mutex.value.with_mut(|ptr| unsafe { &mut *ptr })
    }
}

impl<T> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        // Release: publishes this holder's writes to the next one, whose lock is an Acquire.
        if self.mutex.state.swap(FREE, Ordering::Release) == HELD_WITH_WAITERS {
            atomic_wait::wake_one(&self.mutex.state);
        }
    }
}
