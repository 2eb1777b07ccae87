// Style: Drepper's "mutex 3" written with compare_exchange loops, and an unlock by fetch_sub, which turns HELD into FREE in one step and CONTENDED into HELD; correct because a thread sleeps only after making sure the word says CONTENDED, takes the lock after any wait only as CONTENDED, and the unlock that finds CONTENDED stores FREE and wakes one sleeper.

use std::ops::{Deref, DerefMut};

use crate::sync::atomic::{AtomicU32, Ordering};
use crate::sync::atomic_wait::{wait, wake_one};
use crate::sync::cell::UnsafeCell;

/// A mutual-exclusion lock whose waiters sleep instead of spinning.
pub struct Mutex<T> {
    /// 0 free, 1 held, 2 held and someone may sleep.
    word: AtomicU32,
    value: UnsafeCell<T>,
}

// SAFETY: one thread at a time reaches the value, so sharing the mutex only moves the `T`.
unsafe impl<T: Send> Sync for Mutex<T> {}

impl<T> Mutex<T> {
    /// A new, unlocked mutex around `value`.
    pub fn new(value: T) -> Self {
        Self {
            word: AtomicU32::new(0),
            value: UnsafeCell::new(value),
        }
    }

    /// Waits (asleep) until the lock is free, takes it, and returns a guard.
    pub fn lock(&self) -> MutexGuard<'_, T> {
        // Every exchange that takes the lock (from 0) is Acquire: it pairs with the
        // Release of the unlock that wrote the 0.
        let Err(mut seen) =
            self.word
                .compare_exchange(0, 1, Ordering::Acquire, Ordering::Relaxed)
        else {
            return MutexGuard { mutex: self };
        };
        loop {
            // Sleep only once the word says 2, so that the holder's unlock will wake us.
            // Relaxed: marking takes nothing; the exchange below that takes the lock acquires.
            let marked = seen == 2
                || (seen == 1
                    && self
                        .word
                        .compare_exchange(1, 2, Ordering::Relaxed, Ordering::Relaxed)
                        .is_ok());
            if marked {
                wait(&self.word, 2);
            }
            // Take it as 2: other threads may still be asleep, and our unlock must wake one.
            match self
                .word
                .compare_exchange_weak(0, 2, Ordering::Acquire, Ordering::Relaxed)
            {
                Ok(_) => return MutexGuard { mutex: self },
                Err(now) => seen = now,
            }
        }
    }

    /// Takes the lock if it is free right now; never waits.
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        if self
            .word
            .compare_exchange(0, 1, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
        {
            Some(MutexGuard { mutex: self })
        } else {
            None
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
        // 1 becomes 0 and we are done; 2 becomes 1, so someone may sleep: free it for good
        // and wake one. Both writes Release, since either may be the one the next holder's
        // Acquire exchange reads.
        if self.word.fetch_sub(1, Ordering::Release) != 1 {
            self.word.store(0, Ordering::Release);
            wake_one(&self.word);
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
