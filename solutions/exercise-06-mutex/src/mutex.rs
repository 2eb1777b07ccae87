// A blocking mutex in one `AtomicU32` with three states (free, held, held with waiters):
// uncontended, lock and unlock are one atomic operation each and never enter the kernel; a
// waiter sleeps in `atomic_wait::wait`, and only an unlock that finds waiters wakes one.

use std::ops::{Deref, DerefMut};

use crate::sync::atomic::{AtomicU32, Ordering};
use crate::sync::atomic_wait::{wait, wake_one};
use crate::sync::cell::UnsafeCell;

/// Nobody holds the lock.
const FREE: u32 = 0;
/// A thread holds the lock, and no thread sleeps on it: unlocking need not wake anyone.
const HELD: u32 = 1;
/// A thread holds the lock, and threads may be sleeping on it: unlocking must wake one.
const CONTENDED: u32 = 2;

/// A mutual-exclusion lock whose waiters sleep instead of spinning.
pub struct Mutex<T> {
    state: AtomicU32,
    value: UnsafeCell<T>,
}

// SAFETY: the lock hands the value to one thread at a time, so sharing the lock only moves
// the `T` between threads: `T: Send` is enough, as for std's Mutex.
unsafe impl<T: Send> Sync for Mutex<T> {}

impl<T> Mutex<T> {
    /// A new, unlocked mutex around `value`.
    pub fn new(value: T) -> Self {
        Self {
            state: AtomicU32::new(FREE),
            value: UnsafeCell::new(value),
        }
    }

    /// Waits (asleep) until the lock is free, takes it, and returns a guard.
    pub fn lock(&self) -> MutexGuard<'_, T> {
        // Acquire pairs with the Release in `unlock`: once we have changed FREE into a held
        // state, every write of the previous holder is visible. Relaxed on failure: we go on
        // to the slow path, which reads the state again before relying on it.
        if self
            .state
            .compare_exchange(FREE, HELD, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            self.lock_contended();
        }
        MutexGuard { mutex: self }
    }

    /// The slow path: mark the lock as having a waiter, and sleep until that may change.
    ///
    /// No spinning first: the bench measured no gain from it on the course's machine, and
    /// in a loom model a spinning waiter yields to the holder at every turn, so the models
    /// would never see it fall asleep (book: blocking.md#measuring).
    #[cold]
    fn lock_contended(&self) {
        // Take the lock as CONTENDED, never as HELD: we cannot know whether other threads
        // sleep on it, so our unlock must wake one to be safe (taking it as HELD after a
        // wake-up loses the next sleeper's wake-up). The swap is one step that both marks
        // "someone waits" and, when it reads FREE, takes the lock: Acquire, as in `lock`.
        while self.state.swap(CONTENDED, Ordering::Acquire) != FREE {
            // Sleep while the state is still CONTENDED. If an unlock came in between, the
            // state is no longer CONTENDED and `wait` returns at once: no wake-up is lost.
            // `wait` may also return for no reason: the loop takes the lock for real.
            wait(&self.state, CONTENDED);
        }
    }

    /// Takes the lock if it is free right now; never waits, never sleeps. A failed attempt
    /// leaves the lock as it found it: a thread asleep on it is still woken by the unlock.
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        // Acquire as in `lock`; a failure reads nothing we rely on.
        self.state
            .compare_exchange(FREE, HELD, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
            .then(|| MutexGuard { mutex: self })
    }

    /// Consumes the mutex and returns the value.
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }

    /// The value, through `&mut self`: no other reference to the mutex exists, so no lock.
    pub fn get_mut(&mut self) -> &mut T {
        // SAFETY: `&mut self` is the only reference to the mutex, so no guard is alive and
        // no other thread can reach the value while the returned borrow lives.
        self.value.with_mut(|value| unsafe { &mut *value })
    }

    fn unlock(&self) {
        // One swap frees the lock and tells whether anyone may sleep on it. Release publishes
        // the writes made under the lock to the next Acquire. A load followed by a store
        // would let a waiter mark CONTENDED and fall asleep in between, never to be woken.
        if self.state.swap(FREE, Ordering::Release) == CONTENDED {
            wake_one(&self.state);
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
