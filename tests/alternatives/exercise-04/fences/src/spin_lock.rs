// Style: Relaxed atomics with explicit fences, and a guard that is neither Send nor Sync (like std's MutexGuard); correct because the Acquire fence after the swap that read `false` synchronises with the Release fence before the store that wrote it, and a more restricted guard only forbids more.

use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};

use crate::sync::atomic::{AtomicBool, Ordering, fence};
use crate::sync::cell::UnsafeCell;
use crate::sync::hint;

/// A mutual-exclusion lock that waits by spinning.
pub struct SpinLock<T> {
    locked: AtomicBool,
    value: UnsafeCell<T>,
}

// SAFETY: the value is reached by one thread at a time, so `T: Send` is enough to share it.
unsafe impl<T: Send> Sync for SpinLock<T> {}

impl<T> SpinLock<T> {
    /// A new, unlocked lock around `value`.
    pub fn new(value: T) -> Self {
        Self {
            locked: AtomicBool::new(false),
            value: UnsafeCell::new(value),
        }
    }

    /// Waits until the lock is free, takes it, and returns a guard that releases it on drop.
    pub fn lock(&self) -> SpinGuard<'_, T> {
        loop {
            // Relaxed: the fence below orders us after the previous holder once we win.
            if !self.locked.swap(true, Ordering::Relaxed) {
                break;
            }
            while self.locked.load(Ordering::Relaxed) {
                hint::spin_loop();
            }
        }
        // Acquire fence: pairs with the Release fence in `drop` through the `false` we read.
        fence(Ordering::Acquire);
        SpinGuard::new(self)
    }

    /// Takes the lock if it is free right now; never waits.
    pub fn try_lock(&self) -> Option<SpinGuard<'_, T>> {
        let taken = self
            .locked
            .compare_exchange(false, true, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok();
        if !taken {
            return None;
        }
        // As in `lock`: the fence turns the successful exchange into an acquire.
        fence(Ordering::Acquire);
        Some(SpinGuard::new(self))
    }

    /// Consumes the lock and returns the value.
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

/// Proof that the current thread holds a [`SpinLock`]; dropping it unlocks.
pub struct SpinGuard<'a, T> {
    lock: &'a SpinLock<T>,
    /// Keeps the guard on the thread that locked, as std's `MutexGuard` does.
    _not_send: PhantomData<*const ()>,
}

impl<'a, T> SpinGuard<'a, T> {
    fn new(lock: &'a SpinLock<T>) -> Self {
        SpinGuard {
            lock,
            _not_send: PhantomData,
        }
    }
}

// SAFETY: a shared guard hands out only `&T`, so sharing it is safe when `T: Sync`.
unsafe impl<T: Sync> Sync for SpinGuard<'_, T> {}

impl<T> Deref for SpinGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the guard proves this thread holds the lock; no other thread writes.
        self.lock.value.with(|ptr| unsafe { &*ptr })
    }
}

impl<T> DerefMut for SpinGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard proves the lock is held, and `&mut self` that it is not shared.
        self.lock.value.with_mut(|ptr| unsafe { &mut *ptr })
    }
}

impl<T> Drop for SpinGuard<'_, T> {
    fn drop(&mut self) {
        // Release fence, then the store: whoever reads this `false` and then fences with
        // Acquire sees every write made under the lock.
        fence(Ordering::Release);
        self.lock.locked.store(false, Ordering::Relaxed);
    }
}
