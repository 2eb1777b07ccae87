// Style: a compare_exchange_weak loop in lock() and a swap in try_lock(); correct because the exchange that succeeds is the one Acquire read-modify-write that takes the lock, a spurious failure only loops again, and a swap of `true` over a held flag changes nothing.

use std::ops::{Deref, DerefMut};

use crate::sync::atomic::{AtomicBool, Ordering};
use crate::sync::cell::UnsafeCell;
use crate::sync::hint;

/// A mutual-exclusion lock that waits by spinning.
pub struct SpinLock<T> {
    held: AtomicBool,
    value: UnsafeCell<T>,
}

// SAFETY: one thread at a time gets at the value, so sharing the lock only moves the `T`.
unsafe impl<T: Send> Sync for SpinLock<T> {}

impl<T> SpinLock<T> {
    /// A new, unlocked lock around `value`.
    pub fn new(value: T) -> Self {
        SpinLock {
            held: AtomicBool::new(false),
            value: UnsafeCell::new(value),
        }
    }

    /// Waits until the lock is free, takes it, and returns a guard that releases it on drop.
    pub fn lock(&self) -> SpinGuard<'_, T> {
        // Acquire on success pairs with the Release store in `drop`; on failure we only
        // learned that the lock was held, so Relaxed.
        while self
            .held
            .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            hint::spin_loop();
        }
        SpinGuard { lock: self }
    }

    /// Takes the lock if it is free right now; never waits.
    pub fn try_lock(&self) -> Option<SpinGuard<'_, T>> {
        // Acquire: when the swap reads `false` we enter and must see the last holder's
        // writes. Reading `true`, it wrote `true` over `true`: nothing changed.
        if self.held.swap(true, Ordering::Acquire) {
            None
        } else {
            Some(SpinGuard { lock: self })
        }
    }

    /// Consumes the lock and returns the value.
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

/// Proof that the current thread holds a [`SpinLock`]; dropping it unlocks.
pub struct SpinGuard<'a, T> {
    lock: &'a SpinLock<T>,
}

// SAFETY: a shared guard hands out `&T` only, so it may be shared when `&T` may: `T: Sync`.
unsafe impl<T: Sync> Sync for SpinGuard<'_, T> {}

impl<T> Deref for SpinGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: this thread holds the lock while the guard lives: nobody else writes.
        self.lock.value.with(|ptr| unsafe { &*ptr })
    }
}

impl<T> DerefMut for SpinGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the lock is held and the guard is borrowed mutably: the only access.
        self.lock.value.with_mut(|ptr| unsafe { &mut *ptr })
    }
}

impl<T> Drop for SpinGuard<'_, T> {
    fn drop(&mut self) {
        // Release: the next Acquire that reads this `false` sees our writes.
        self.lock.held.store(false, Ordering::Release);
    }
}
