// Style: readers enter optimistically with one fetch_add and back out with a fetch_sub when the state they added to says a writer is inside or waiting (or the limit is reached), instead of a compare_exchange loop; correct because a reader counts as inside only when the fetch_add saw a free state, a writer needs the count at 0, so a reader that backs out may be the one a writer waits for and therefore wakes it like the last reader out would, and a writer's unlock clears its bits with fetch_and instead of storing 0, so that it never erases the count of a reader in the middle of backing out. One difference at the very limit, which no test reaches: a reader backing out of a full lock counts for a moment, so a read() made at that moment with MAX_READERS - 1 guards alive may panic too.

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
const WAITING: u32 = READERS_WAITING | WRITER_WAITING;

/// A readers-writer lock: many readers at once, or one writer alone.
pub struct RwLock<T> {
    state: AtomicU32,
    value: UnsafeCell<T>,
}

// SAFETY: readers share `&T` across threads (T: Sync); a writer gets `&mut T` (T: Send).
unsafe impl<T: Send + Sync> Sync for RwLock<T> {}

/// What a reader's fetch_add found.
enum Entry {
    In,
    Blocked(u32),
    Full,
}

impl<T> RwLock<T> {
    /// A new, unlocked lock around `value`.
    pub fn new(value: T) -> Self {
        Self {
            state: AtomicU32::new(0),
            value: UnsafeCell::new(value),
        }
    }

    /// Adds one reader; keeps it if the state allowed it, takes it back otherwise.
    fn try_enter(&self) -> Entry {
        // Acquire: when the reader stays, it sees the last writer's writes.
        let before = self.state.fetch_add(1, Ordering::Acquire);
        if before & (WRITE_LOCKED | WRITER_WAITING) == 0 && before & READERS < MAX_READERS {
            return Entry::In;
        }
        self.leave_as_reader();
        if before & READERS >= MAX_READERS && before & (WRITE_LOCKED | WRITER_WAITING) == 0 {
            Entry::Full
        } else {
            Entry::Blocked(before)
        }
    }

    /// Takes one reader off the count (one that was inside, or one backing out); the last
    /// one wakes the sleepers.
    fn leave_as_reader(&self) {
        // Release: the reads made inside happen before the next writer's writes.
        let before = self.state.fetch_sub(1, Ordering::Release);
        if before & READERS == 1 && before & WAITING != 0 {
            atomic_wait::wake_all(&self.state);
        }
    }

    /// Waits until no writer holds the lock or waits for it, then enters as a reader.
    pub fn read(&self) -> ReadGuard<'_, T> {
        loop {
            match self.try_enter() {
                Entry::In => return ReadGuard { lock: self },
                Entry::Full => {
                    panic!("too many readers: {MAX_READERS} read guards exist already")
                }
                Entry::Blocked(_) => {}
            }
            // Put up the readers' bit while a writer still holds or wants the lock, then
            // sleep on the state as it is then.
            let mut state = self.state.load(Ordering::Relaxed);
            while state & (WRITE_LOCKED | WRITER_WAITING) != 0 {
                if state & READERS_WAITING == 0 {
                    match self.state.compare_exchange(
                        state,
                        state | READERS_WAITING,
                        Ordering::Relaxed,
                        Ordering::Relaxed,
                    ) {
                        Ok(_) => state |= READERS_WAITING,
                        Err(now) => {
                            state = now;
                            continue;
                        }
                    }
                }
                atomic_wait::wait(&self.state, state);
                state = self.state.load(Ordering::Relaxed);
            }
        }
    }

    /// Enters as a reader if it can right now; never waits, never panics.
    pub fn try_read(&self) -> Option<ReadGuard<'_, T>> {
        match self.try_enter() {
            Entry::In => Some(ReadGuard { lock: self }),
            Entry::Blocked(_) | Entry::Full => None,
        }
    }

    /// Waits until nobody is inside, then enters alone.
    pub fn write(&self) -> WriteGuard<'_, T> {
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            if state & (READERS | WRITE_LOCKED) == 0 {
                // Acquire: see what the previous holders did.
                match self.state.compare_exchange(
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
            if state & WRITER_WAITING == 0 {
                match self.state.compare_exchange(
                    state,
                    state | WRITER_WAITING,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => state |= WRITER_WAITING,
                    Err(now) => {
                        state = now;
                        continue;
                    }
                }
            }
            atomic_wait::wait(&self.state, state);
            state = self.state.load(Ordering::Relaxed);
        }
    }

    /// Enters as the writer if nobody is inside right now; never waits.
    pub fn try_write(&self) -> Option<WriteGuard<'_, T>> {
        let state = self.state.load(Ordering::Relaxed);
        if state & (READERS | WRITE_LOCKED) != 0 {
            return None;
        }
        self.state
            .compare_exchange(
                state,
                (state & READERS_WAITING) | WRITE_LOCKED,
                Ordering::Acquire,
                Ordering::Relaxed,
            )
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

    fn write_unlock(&self) {
        // Release: the writes made under the lock are visible to whoever enters next.
        // fetch_and keeps the count of readers that are backing out right now.
        let before = self.state.fetch_and(READERS, Ordering::Release);
        if before & WAITING != 0 {
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
        self.lock.leave_as_reader();
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
