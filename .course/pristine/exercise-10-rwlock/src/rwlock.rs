// Exercise 10 · Readers-writer lock. Book: book/src/part-3/rwlocks.md
//
// Fill in each `todo!()`. Useful imports, all through the std/loom switch:
//     use crate::sync::atomic::{AtomicU32, Ordering};
//     use crate::sync::atomic_wait;      // wait, wake_one, wake_all
//     use crate::sync::cell::UnsafeCell;
//
// Waiting (book: rwlocks.md#sleeping-and-waking). A thread that cannot get in sleeps with
//     atomic_wait::wait(&self.some_atomic_u32, value_it_saw);
// which returns at once if the atomic no longer holds `value_it_saw`, and otherwise sleeps
// until another thread calls `atomic_wait::wake_one(&self.some_atomic_u32)` or `wake_all`.
// It may also return for no reason at all: look at the state again, in a loop. No spinning
// (`spin_loop`, `yield_now`, `sleep`) and no std or loom `Mutex`, `Condvar` or `RwLock`: the
// point is to build the lock from an atomic and the wait (a `source_` test checks).
//
// The value lives in an `UnsafeCell` reached with `with(|ptr| ...)` (read) and
// `with_mut(|ptr| ...)` (write), as in exercise 04 (book: ../part-2/spin-locks.md#reaching-the-value).

use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};

/// How many read guards of one lock may exist at once. With that many, `read()` panics and
/// `try_read()` returns `None`, as std's `RwLock` does at its own (much larger) limit: the
/// count must never overflow into whatever else the lock keeps. Small enough that a test
/// reaches it.
pub const MAX_READERS: u32 = 1 << 20;

/// A readers-writer lock: many readers at once, or one writer alone.
///
/// `read()` returns a [`ReadGuard`] (shared access, `&T`); any number of them may exist at
/// once. `write()` returns a [`WriteGuard`] (exclusive access, `&mut T`); while it exists no
/// other guard does. Dropping a guard leaves the lock, also when a panic unwinds past it
/// (there is no poisoning: the next holder finds the value as the panicking thread left it).
///
/// Writers go first: once a writer waits in `write()`, new readers wait too (`read()` blocks,
/// `try_read()` fails), so that the readers already inside drain out and the writer gets its
/// turn. A steady stream of readers therefore cannot keep a writer out for ever. The price: a
/// thread that holds a read guard and calls `read()` again waits for ever if a writer is
/// waiting behind it (so does std's lock, on some systems).
///
/// Waiting threads sleep (`atomic_wait`), and each unlock wakes whoever can now get in: the
/// last reader out wakes a waiting writer; a writer's unlock wakes every waiting reader, or
/// a waiting writer. Taking and leaving a lock nobody waits for makes no wake call (no system
/// call).
pub struct RwLock<T> {
    // Replace this placeholder with the state the lock needs: one `AtomicU32` can say how
    // many readers are inside, whether a writer is, and who waits (book:
    // rwlocks.md#the-state-word). And a home for the value.
    _todo: PhantomData<T>,
}

// SAFETY: (write it when your fields are in) readers on several threads hold `&T` at once,
// which needs `T: Sync`; a writer on any thread gets `&mut T`, and may move the value out,
// which needs `T: Send` (book: rwlocks.md#the-guards).
unsafe impl<T: Send + Sync> Sync for RwLock<T> {}

impl<T> RwLock<T> {
    /// A new, unlocked lock around `value`.
    pub fn new(value: T) -> Self {
        todo!(
            "store the value; no reader, no writer, nobody waiting \
             (book: rwlocks.md#the-state-word)"
        )
    }

    /// Waits until no writer holds the lock or waits for it, then enters as one more reader
    /// and returns a guard that leaves on drop. Sleeps while it waits.
    ///
    /// # Panics
    /// When [`MAX_READERS`] read guards of this lock exist already: the message says so.
    pub fn read(&self) -> ReadGuard<'_, T> {
        todo!(
            "add one reader in one atomic step, but only while no writer is inside or waiting; \
             otherwise make sure the unlock that lets you in will wake you, and sleep \
             (book: rwlocks.md#who-goes-first, rwlocks.md#sleeping-and-waking)"
        )
    }

    /// Enters as a reader if it can right now (no writer inside or waiting, fewer than
    /// [`MAX_READERS`] readers); never waits, never panics. Other readers entering or leaving
    /// at the same moment are no reason to fail: it returns `None` only for a writer or the
    /// limit.
    pub fn try_read(&self) -> Option<ReadGuard<'_, T>> {
        todo!(
            "read() without the sleeping; a failed attempt leaves the lock as it was \
             (book: rwlocks.md#who-goes-first)"
        )
    }

    /// Waits until no reader and no writer is inside, then enters alone and returns a guard
    /// that unlocks on drop. While it waits, new readers wait too. Sleeps while it waits.
    pub fn write(&self) -> WriteGuard<'_, T> {
        todo!(
            "take the lock in one atomic step when nobody is inside; otherwise announce that \
             a writer waits (that keeps new readers out) and sleep \
             (book: rwlocks.md#who-goes-first, rwlocks.md#sleeping-and-waking)"
        )
    }

    /// Enters as the writer if nobody is inside right now; never waits.
    pub fn try_write(&self) -> Option<WriteGuard<'_, T>> {
        todo!(
            "one attempt; a failed one leaves the lock as it was \
             (book: rwlocks.md#the-state-word)"
        )
    }

    /// Consumes the lock and returns the value.
    pub fn into_inner(self) -> T {
        todo!("no guard can exist any more, so no atomics are needed here")
    }

    /// The value, through the exclusive borrow of the lock: no guard can exist meanwhile, so
    /// no locking is needed.
    pub fn get_mut(&mut self) -> &mut T {
        todo!("`&mut self` proves nobody else can reach the value (book: rwlocks.md#the-guards)")
    }
}

/// Shared access to the value of a [`RwLock`]; dropping it leaves the lock, and the last
/// reader out wakes a waiting writer. It hands out `&T` on whichever thread holds it, so it
/// may move to another thread only when `T: Sync` (never for a `Cell`).
pub struct ReadGuard<'a, T> {
    lock: &'a RwLock<T>,
}

impl<T> Deref for ReadGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        todo!("a shared reference to the value inside self.lock")
    }
}

impl<T> Drop for ReadGuard<'_, T> {
    fn drop(&mut self) {
        todo!(
            "one reader fewer; if it was the last and someone sleeps, wake them, after the \
             change, never before (book: rwlocks.md#sleeping-and-waking)"
        )
    }
}

/// Exclusive access to the value of a [`RwLock`]; dropping it unlocks and wakes the waiting
/// readers, or a waiting writer.
pub struct WriteGuard<'a, T> {
    lock: &'a RwLock<T>,
}

impl<T> Deref for WriteGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        todo!("a shared reference to the value inside self.lock")
    }
}

impl<T> DerefMut for WriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        todo!("a mutable reference to the value inside self.lock")
    }
}

impl<T> Drop for WriteGuard<'_, T> {
    fn drop(&mut self) {
        todo!(
            "unlock so that the next holder sees your writes, then wake everyone who sleeps: \
             all the readers can enter together (book: rwlocks.md#sleeping-and-waking)"
        )
    }
}
