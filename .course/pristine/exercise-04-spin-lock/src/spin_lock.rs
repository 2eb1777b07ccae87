// Exercise 04 · Spin lock. Book: book/src/part-2/spin-locks.md
//
// Fill in each `todo!()`. Useful imports, all through the std/loom switch:
//     use crate::sync::atomic::{AtomicBool, Ordering};
//     use crate::sync::cell::UnsafeCell;
//     use crate::sync::hint;
//
// Reaching the value (book: spin-locks.md#reaching-the-value). This `UnsafeCell` has no
// `.get()`: loom must see every access to the value, so the cell lends you a raw pointer
// only for the length of a closure, and notes the access when it does:
//     cell.with(|ptr| ...)        // ptr: *const T, to read
//     cell.with_mut(|ptr| ...)    // ptr: *mut T, to write
// Whatever the closure returns, `with` returns. Turning the pointer into a reference is
// `unsafe`: write a `// SAFETY:` line that says why no other thread can touch the value
// while that reference lives.

use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};

/// A mutual-exclusion lock that waits by spinning.
///
/// `lock()` waits until no other thread holds the lock, then returns a [`SpinGuard`] through
/// which the caller reads and writes the value. Dropping the guard unlocks. At most one guard
/// exists at any time, so the value is never touched by two threads at once.
pub struct SpinLock<T> {
    // Replace this placeholder with the state the lock needs: something every thread can
    // flip atomically, and a home for the value that a guard may mutate through `&self`.
    _todo: PhantomData<T>,
}

// SAFETY: (write it when your fields are in) the lock hands its value to one thread at a
// time, so sharing the lock only moves the `T` between threads: `T: Send` is enough.
unsafe impl<T: Send> Sync for SpinLock<T> {}

impl<T> SpinLock<T> {
    /// A new, unlocked lock around `value`.
    pub fn new(value: T) -> Self {
        todo!("store the value and start unlocked (book: spin-locks.md#the-flag-and-the-swap)")
    }

    /// Waits until the lock is free, takes it, and returns a guard that releases it on drop.
    pub fn lock(&self) -> SpinGuard<'_, T> {
        todo!(
            "flip the flag from free to held in one atomic step, spinning while it was already \
             held; which ordering makes the previous holder's writes visible? \
             (book: spin-locks.md#the-flag-and-the-swap, memory-ordering.md#acquire-and-release)"
        )
    }

    /// Takes the lock if it is free right now; never waits.
    pub fn try_lock(&self) -> Option<SpinGuard<'_, T>> {
        todo!("one attempt: succeed only if the lock was free (book: spin-locks.md#the-guard)")
    }

    /// Consumes the lock and returns the value.
    pub fn into_inner(self) -> T {
        todo!("no guard can exist any more, so no atomics are needed here")
    }
}

/// Proof that the current thread holds a [`SpinLock`]; dropping it unlocks.
pub struct SpinGuard<'a, T> {
    lock: &'a SpinLock<T>,
}

// SAFETY: a shared `&SpinGuard` hands out only `&T`, so it may cross threads when `&T` may,
// that is when `T: Sync` (book: spin-locks.md#the-guard explains why this line matters).
unsafe impl<T: Sync> Sync for SpinGuard<'_, T> {}

impl<T> Deref for SpinGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        todo!("a shared reference to the value inside self.lock")
    }
}

impl<T> DerefMut for SpinGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        todo!("a mutable reference to the value inside self.lock")
    }
}

impl<T> Drop for SpinGuard<'_, T> {
    fn drop(&mut self) {
        todo!(
            "unlock, so that the next holder sees every write made under the lock \
             (book: spin-locks.md#the-guard)"
        )
    }
}
