// Style: two wait words, as std's futex RwLock has: readers sleep on the state word, writers on a separate counter that every writer wake-up bumps, so a writer's turn never wakes the readers and a reader's never wakes the writers; correct because a writer reads the counter before it looks at the state a last time and sleeps only while the counter is unchanged, and every waker changes the state first and bumps the counter after, so a wake-up between the look and the sleep changes the counter and the sleep returns at once.

use std::ops::{Deref, DerefMut};

use crate::sync::atomic::{AtomicU32, Ordering};
use crate::sync::atomic_wait;
use crate::sync::cell::UnsafeCell;

/// How many read guards may exist at once; one more `read()` panics, `try_read()` fails.
pub const MAX_READERS: u32 = 1 << 20;

const READERS: u32 = (1 << 29) - 1;
const WRITE_LOCKED: u32 = 1 << 29;
const READERS_WAITING: u32 = 1 << 30;
const WRITER_WAITING: u32 = 1 << 31;

/// A readers-writer lock: many readers at once, or one writer alone.
pub struct RwLock<T> {
    state: AtomicU32,
    /// Bumped (then woken) each time the writers should look at `state` again.
    writer_wake: AtomicU32,
    value: UnsafeCell<T>,
}

// SAFETY: readers share `&T` across threads (T: Sync); a writer gets `&mut T` (T: Send).
unsafe impl<T: Send + Sync> Sync for RwLock<T> {}

impl<T> RwLock<T> {
    /// A new, unlocked lock around `value`.
    pub fn new(value: T) -> Self {
        Self {
            state: AtomicU32::new(0),
            writer_wake: AtomicU32::new(0),
            value: UnsafeCell::new(value),
        }
    }

    fn readable(state: u32) -> bool {
        state & (WRITE_LOCKED | WRITER_WAITING) == 0
    }

    /// Waits until no writer holds the lock or waits for it, then enters as a reader.
    pub fn read(&self) -> ReadGuard<'_, T> {
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            if Self::readable(state) {
                assert!(
                    state & READERS < MAX_READERS,
                    "too many readers: {MAX_READERS} read guards exist already"
                );
                // Acquire: see the last writer's writes.
                match self.state.compare_exchange_weak(
                    state,
                    state + 1,
                    Ordering::Acquire,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => return ReadGuard { lock: self },
                    Err(now) => state = now,
                }
                continue;
            }
            if state & READERS_WAITING == 0 {
                if let Err(now) = self.state.compare_exchange(
                    state,
                    state | READERS_WAITING,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                ) {
                    state = now;
                    continue;
                }
                state |= READERS_WAITING;
            }
            atomic_wait::wait(&self.state, state);
            state = self.state.load(Ordering::Relaxed);
        }
    }

    /// Enters as a reader if it can right now; never waits, never panics.
    pub fn try_read(&self) -> Option<ReadGuard<'_, T>> {
        self.state
            .fetch_update(Ordering::Acquire, Ordering::Relaxed, |state| {
                (Self::readable(state) && state & READERS < MAX_READERS).then_some(state + 1)
            })
            .ok()
            .map(|_| ReadGuard { lock: self })
    }

    /// Waits until nobody is inside, then enters alone.
    pub fn write(&self) -> WriteGuard<'_, T> {
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            if state & (READERS | WRITE_LOCKED) == 0 {
                // Acquire: see what the previous holders did. The writers' bit goes: any
                // other waiting writer was woken by the unlock that freed the lock.
                match self.state.compare_exchange_weak(
                    state,
                    (state & READERS_WAITING) | WRITE_LOCKED,
                    Ordering::Acquire,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => return WriteGuard { lock: self },
                    Err(now) => state = now,
                }
                continue;
            }
            if state & WRITER_WAITING == 0
                && let Err(now) = self.state.compare_exchange(
                    state,
                    state | WRITER_WAITING,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
            {
                state = now;
                continue;
            }
            // Read the counter first, then the state: a wake-up after this look bumps the
            // counter, and the wait below returns at once.
            let seen = self.writer_wake.load(Ordering::Acquire);
            state = self.state.load(Ordering::Relaxed);
            if state & (READERS | WRITE_LOCKED) == 0 || state & WRITER_WAITING == 0 {
                continue;
            }
            atomic_wait::wait(&self.writer_wake, seen);
            state = self.state.load(Ordering::Relaxed);
        }
    }

    /// Enters as the writer if nobody is inside right now; never waits.
    pub fn try_write(&self) -> Option<WriteGuard<'_, T>> {
        self.state
            .fetch_update(Ordering::Acquire, Ordering::Relaxed, |state| {
                (state & (READERS | WRITE_LOCKED) == 0)
                    .then_some((state & READERS_WAITING) | WRITE_LOCKED)
            })
            .ok()
            .map(|_| WriteGuard { lock: self })
    }

    /// Consumes the lock and returns the value.
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }

    /// The value, through the exclusive borrow of the lock.
    pub fn get_mut(&mut self) -> &mut T {
        // SAFETY: `&mut self`: no guard exists.
        self.value.with_mut(|value| unsafe { &mut *value })
    }

    fn wake_writers(&self) {
        // Release: a writer that sees the new count also sees the state change made before.
        self.writer_wake.fetch_add(1, Ordering::Release);
        atomic_wait::wake_all(&self.writer_wake);
    }

    fn read_unlock(&self) {
        // Release: this reader's reads happen before the next writer's writes.
        let before = self.state.fetch_sub(1, Ordering::Release);
        // Readers wait only while a writer waits or holds the lock, so the last reader out
        // wakes the writers; the readers keep sleeping until a writer's unlock.
        if before & READERS == 1 && before & WRITER_WAITING != 0 {
            self.wake_writers();
        }
    }

    fn write_unlock(&self) {
        // Release: the writes made under the lock are visible to whoever enters next.
        let before = self.state.swap(0, Ordering::Release);
        if before & WRITER_WAITING != 0 {
            self.wake_writers();
        }
        if before & READERS_WAITING != 0 {
            atomic_wait::wake_all(&self.state);
        }
    }
}

/// Shared access to the value of a [`RwLock`].
pub struct ReadGuard<'a, T> {
    lock: &'a RwLock<T>,
}

impl<T> Deref for ReadGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: no writer is inside while a read guard exists.
        self.lock.value.with(|value| unsafe { &*value })
    }
}

impl<T> Drop for ReadGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.read_unlock();
    }
}

/// Exclusive access to the value of a [`RwLock`].
pub struct WriteGuard<'a, T> {
    lock: &'a RwLock<T>,
}

impl<T> Deref for WriteGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the writer is alone inside.
        self.lock.value.with(|value| unsafe { &*value })
    }
}

impl<T> DerefMut for WriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the writer is alone inside, and the guard is borrowed mutably.
        self.lock.value.with_mut(|value| unsafe { &mut *value })
    }
}

impl<T> Drop for WriteGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.write_unlock();
    }
}
