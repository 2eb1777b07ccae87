// Style: two fields, a 0/1 lock word and a counter of waiters, instead of one three-state word; correct because a waiter counts itself in (an RMW) before it swaps the lock word, the unlock frees the word (a swap) before it reads the counter with an RMW, and two RMWs on each word cannot both miss each other, so either the unlock sees the waiter and wakes it, or the waiter's swap sees the lock free.

use std::ops::{Deref, DerefMut};

use crate::sync::atomic::{AtomicU32, Ordering};
use crate::sync::atomic_wait::{wait, wake_one};
use crate::sync::cell::UnsafeCell;

/// A mutual-exclusion lock whose waiters sleep instead of spinning.
pub struct Mutex<T> {
    /// 0 free, 1 held.
    locked: AtomicU32,
    /// How many threads are in the slow path of `lock` (counted in before they sleep).
    waiters: AtomicU32,
    value: UnsafeCell<T>,
}

// SAFETY: one thread at a time reaches the value, so sharing the mutex only moves the `T`.
unsafe impl<T: Send> Sync for Mutex<T> {}

impl<T> Mutex<T> {
    /// A new, unlocked mutex around `value`.
    pub fn new(value: T) -> Self {
        Self {
            locked: AtomicU32::new(0),
            waiters: AtomicU32::new(0),
            value: UnsafeCell::new(value),
        }
    }

    /// Waits (asleep) until the lock is free, takes it, and returns a guard.
    pub fn lock(&self) -> MutexGuard<'_, T> {
        // Acquire: pairs with the Release swap of the unlock.
        if self
            .locked
            .compare_exchange(0, 1, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            // AcqRel RMWs on the counter: if the unlock's RMW on it comes first, ours reads
            // from it and synchronises with it, so our swap below sees its free word.
            self.waiters.fetch_add(1, Ordering::AcqRel);
            while self.locked.swap(1, Ordering::Acquire) != 0 {
                wait(&self.locked, 1);
            }
            self.waiters.fetch_sub(1, Ordering::Relaxed);
        }
        MutexGuard { mutex: self }
    }

    /// Takes the lock if it is free right now; never waits.
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        match self
            .locked
            .compare_exchange(0, 1, Ordering::Acquire, Ordering::Relaxed)
        {
            Ok(_) => Some(MutexGuard { mutex: self }),
            Err(_) => None,
        }
    }

    /// Consumes the mutex and returns the value.
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }

    /// The value, through `&mut self`: no guard can be alive.
    pub fn get_mut(&mut self) -> &mut T {
        // SAFETY: `&mut self` is the only reference to the mutex: no guard, no other thread.
        self.value.with_mut(|value| unsafe { &mut *value })
    }

    fn unlock(&self) {
        // Release publishes the critical section. Then an RMW on the counter (not a load),
        // so that it is ordered against a waiter's fetch_add as explained above.
        self.locked.swap(0, Ordering::Release);
        if self.waiters.fetch_add(0, Ordering::AcqRel) > 0 {
            wake_one(&self.locked);
        }
    }
}

/// Proof that the current thread holds a [`Mutex`]; dropping it unlocks.
pub struct MutexGuard<'a, T> {
    mutex: &'a Mutex<T>,
}

// SAFETY: a shared `&MutexGuard` hands out only `&T`, so it may cross threads when `&T`
// may, that is when `T: Sync` (the derived impl would only need `T: Send`).
unsafe impl<T: Sync> Sync for MutexGuard<'_, T> {}

impl<T> Deref for MutexGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the guard exists, so this thread holds the lock and no other can write.
        self.mutex.value.with(|value| unsafe { &*value })
    }
}

impl<T> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard exists and is borrowed mutably: the only access to the value.
        self.mutex.value.with_mut(|value| unsafe { &mut *value })
    }
}

impl<T> Drop for MutexGuard<'_, T> {
    // Also runs while a panic unwinds through the holder: the lock comes free, and the value
    // stays as the holder left it (no poisoning).
    fn drop(&mut self) {
        self.mutex.unlock();
    }
}
