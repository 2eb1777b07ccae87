// A readers-writer lock in one atomic word: the number of readers inside, a bit for a writer
// inside, and two bits that say who sleeps (readers, writers). Every waiter sleeps on that
// word with `atomic_wait`, and an unlock that sees a sleeper's bit wakes them all: they look
// at the word again and either get in or go back to sleep. A waiting writer's bit also keeps
// new readers out, which is what stops a stream of readers from starving it.

use std::ops::{Deref, DerefMut};

use crate::sync::atomic::{AtomicU32, Ordering};
use crate::sync::atomic_wait;
use crate::sync::cell::UnsafeCell;

/// How many read guards may exist at once; one more `read()` panics, `try_read()` fails.
pub const MAX_READERS: u32 = 1 << 20;

// The bits of `state`.
/// The number of readers inside (up to `MAX_READERS`, well within these bits).
const READERS: u32 = (1 << 29) - 1;
/// A writer is inside.
const WRITE_LOCKED: u32 = 1 << 29;
/// At least one reader sleeps (or is about to), waiting for the writers to be done.
const READERS_WAITING: u32 = 1 << 30;
/// At least one writer sleeps (or is about to): new readers stay out until it got in.
const WRITER_WAITING: u32 = 1 << 31;

/// A readers-writer lock: many readers at once, or one writer alone.
pub struct RwLock<T> {
    state: AtomicU32,
    value: UnsafeCell<T>,
}

// SAFETY: readers on several threads hold `&T` at once, which needs `T: Sync`; a writer on
// any thread gets `&mut T` and may move the value out with `mem::replace`, which needs
// `T: Send`.
unsafe impl<T: Send + Sync> Sync for RwLock<T> {}

impl<T> RwLock<T> {
    /// A new, unlocked lock around `value`.
    pub fn new(value: T) -> Self {
        Self {
            state: AtomicU32::new(0),
            value: UnsafeCell::new(value),
        }
    }

    /// Waits until no writer holds the lock or waits for it, then enters as one more reader.
    ///
    /// # Panics
    /// When `MAX_READERS` read guards exist already.
    pub fn read(&self) -> ReadGuard<'_, T> {
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            if state & (WRITE_LOCKED | WRITER_WAITING) == 0 {
                assert!(
                    state & READERS < MAX_READERS,
                    "too many readers: {MAX_READERS} read guards of this RwLock exist already"
                );
                // Acquire pairs with the Release of the last writer's unlock: its writes are
                // visible to this reader.
                match self.state.compare_exchange_weak(
                    state,
                    state + 1,
                    Ordering::Acquire,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => return ReadGuard { lock: self },
                    Err(now) => {
                        state = now;
                        continue;
                    }
                }
            }
            // A writer is inside or waiting. Put up our bit first, so that the unlock that
            // lets us in knows to wake us; then sleep, unless the word changed meanwhile.
            if state & READERS_WAITING == 0
                && let Err(now) = self.state.compare_exchange(
                    state,
                    state | READERS_WAITING,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
            {
                state = now;
                continue;
            }
            atomic_wait::wait(&self.state, state | READERS_WAITING);
            state = self.state.load(Ordering::Relaxed);
        }
    }

    /// Enters as a reader if that is possible right now (no writer inside or waiting, fewer
    /// than `MAX_READERS` readers); never waits, never panics. Other readers entering or
    /// leaving at the same moment are no reason to fail: it returns `None` only for a writer
    /// or the limit.
    pub fn try_read(&self) -> Option<ReadGuard<'_, T>> {
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            if state & (WRITE_LOCKED | WRITER_WAITING) != 0 || state & READERS >= MAX_READERS {
                return None;
            }
            // Acquire: as in `read`.
            match self.state.compare_exchange_weak(
                state,
                state + 1,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Some(ReadGuard { lock: self }),
                Err(now) => state = now,
            }
        }
    }

    /// Waits until no reader and no writer is inside, then enters alone.
    pub fn write(&self) -> WriteGuard<'_, T> {
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            if state & (READERS | WRITE_LOCKED) == 0 {
                // Free. Take it, and clear the writers' bit: any other writer still waiting
                // was woken by the unlock that freed the lock, and sets it again when it finds
                // us inside. The readers' bit stays, so that our unlock wakes them.
                // Acquire pairs with the Release of the previous unlock (reader or writer).
                match self.state.compare_exchange_weak(
                    state,
                    (state & READERS_WAITING) | WRITE_LOCKED,
                    Ordering::Acquire,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => return WriteGuard { lock: self },
                    Err(now) => {
                        state = now;
                        continue;
                    }
                }
            }
            // Readers or a writer inside: announce that a writer waits (which also keeps new
            // readers out), then sleep unless the word changed meanwhile.
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
            atomic_wait::wait(&self.state, state | WRITER_WAITING);
            state = self.state.load(Ordering::Relaxed);
        }
    }

    /// Enters as the writer if the lock is free right now; never waits.
    pub fn try_write(&self) -> Option<WriteGuard<'_, T>> {
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            if state & (READERS | WRITE_LOCKED) != 0 {
                return None;
            }
            // Acquire: as in `write`.
            match self.state.compare_exchange_weak(
                state,
                (state & READERS_WAITING) | WRITE_LOCKED,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Some(WriteGuard { lock: self }),
                Err(now) => state = now,
            }
        }
    }

    /// Consumes the lock and returns the value.
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }

    /// The value, through the exclusive borrow of the lock: no guard can exist.
    pub fn get_mut(&mut self) -> &mut T {
        // SAFETY: `&mut self` proves that no guard and no other reference to the lock exists.
        self.value.with_mut(|value| unsafe { &mut *value })
    }

    fn read_unlock(&self) {
        // Release: everything this reader read happens before the next writer's writes.
        let before = self.state.fetch_sub(1, Ordering::Release);
        // The last reader out wakes whoever sleeps (a writer, and the readers behind it, who
        // go back to sleep while the writer's bit is up).
        if before & READERS == 1 && before & (READERS_WAITING | WRITER_WAITING) != 0 {
            atomic_wait::wake_all(&self.state);
        }
    }

    fn write_unlock(&self) {
        // Release: the writes made under the lock are visible to whoever enters next. The
        // swap clears the waiting bits too: every sleeper is woken below and sets its bit
        // again if it has to sleep once more.
        let state = self.state.swap(0, Ordering::Release);
        if state & (READERS_WAITING | WRITER_WAITING) != 0 {
            atomic_wait::wake_all(&self.state);
        }
    }
}

/// Proof that the current thread reads the value of a [`RwLock`]; dropping it leaves. It
/// hands out `&T` on whichever thread holds it, so it may move to another thread only when
/// `T: Sync` (never for a `Cell`): `&RwLock<T>` in its field says so already.
pub struct ReadGuard<'a, T> {
    lock: &'a RwLock<T>,
}

impl<T> Deref for ReadGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: while a read guard exists no writer is inside: only shared references.
        self.lock.value.with(|value| unsafe { &*value })
    }
}

impl<T> Drop for ReadGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.read_unlock();
    }
}

/// Proof that the current thread alone holds a [`RwLock`]; dropping it unlocks.
pub struct WriteGuard<'a, T> {
    lock: &'a RwLock<T>,
}

impl<T> Deref for WriteGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the writer is alone inside; this shared borrow of the guard blocks its
        // mutable one.
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
