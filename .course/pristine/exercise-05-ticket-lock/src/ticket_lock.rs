// Exercise 05 · Ticket lock. Book: book/src/part-2/ticket-locks.md
//
// Fill in each `todo!()`. Useful imports, all through the std/loom switch:
//     use crate::sync::atomic::{AtomicUsize, Ordering};
//     use crate::sync::cell::UnsafeCell;
//     use crate::sync::{hint, thread};
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

/// A fair mutual-exclusion lock: threads get it in the order they called `lock()`.
///
/// `lock()` draws a numbered ticket in one atomic step and waits until that number is
/// served; dropping the [`TicketGuard`] it returns serves the next number. So the lock
/// changes hands strictly first come, first served, and at most one guard exists at any
/// time.
pub struct TicketLock<T> {
    // Replace this placeholder with the state the lock needs: two counters that every thread
    // can update atomically (the next ticket to hand out, and the ticket now being served),
    // and a home for the value that a guard may mutate through `&self`.
    _todo: PhantomData<T>,
}

// SAFETY: (write it when your fields are in) the lock hands its value to one thread at a
// time, so sharing the lock only moves the `T` between threads: `T: Send` is enough.
unsafe impl<T: Send> Sync for TicketLock<T> {}

impl<T> TicketLock<T> {
    /// A new, unlocked lock around `value`.
    pub fn new(value: T) -> Self {
        todo!(
            "store the value; no ticket handed out yet, and the first one is served at once \
             (book: ticket-locks.md#taking-a-ticket)"
        )
    }

    /// A new, unlocked lock around `value` whose first ticket is number `first` instead of 0.
    ///
    /// Tickets are numbered with `usize` and wrap around: after `usize::MAX` comes 0. The
    /// lock must go on working there, drawing, serving and counting tickets in order, so
    /// compute with `wrapping_add` / `wrapping_sub`. The tests start near the limit with this
    /// to check it; `new(value)` is the same as `with_first_ticket(value, 0)`.
    pub fn with_first_ticket(value: T, first: usize) -> Self {
        todo!(
            "as `new`, with the ticket to draw next and the ticket now served both at `first` \
             (book: ticket-locks.md#wrapping-around)"
        )
    }

    /// Draws a ticket, waits until it is served, and returns a guard that serves the next.
    ///
    /// Wait with `crate::sync::hint::spin_loop()`. A waiter whose turn comes while it is not
    /// running holds up everyone behind it; you may yield (`crate::sync::thread::yield_now()`)
    /// after some spins: say in a comment what you chose and why.
    pub fn lock(&self) -> TicketGuard<'_, T> {
        todo!(
            "take a ticket in one atomic step, then spin until your number is served; which \
             ordering makes the previous holder's writes visible? \
             (book: ticket-locks.md#taking-a-ticket, memory-ordering.md#acquire-and-release)"
        )
    }

    /// Takes the lock if it would be served at once, and only then takes a ticket; never
    /// waits, and never leaves behind a ticket that nobody will use.
    pub fn try_lock(&self) -> Option<TicketGuard<'_, T>> {
        todo!(
            "take the next ticket only if it is the one being served, in one atomic step \
             (book: ticket-locks.md#try-lock)"
        )
    }

    /// Consumes the lock and returns the value.
    pub fn into_inner(self) -> T {
        todo!(
            "no guard can exist any more, so no atomics are needed here \
             (book: spin-locks.md#the-guard)"
        )
    }

    /// Tickets handed out minus tickets served: the holder plus the waiters, 0 when free.
    ///
    /// A snapshot for tests and monitoring, possibly out of date as soon as it is taken. The
    /// tests use it to see that a waiter has taken its ticket. Read while other threads lock
    /// and unlock, it may count tickets that were served meanwhile, but it never goes below
    /// zero: it never counts a ticket as served that it did not see drawn.
    pub fn queued(&self) -> usize {
        todo!(
            "tickets handed out minus tickets served, with wrapping_sub (the counters wrap); \
             read the served counter first, with Acquire, and the difference can never come \
             out negative (book: ticket-locks.md#taking-a-ticket)"
        )
    }
}

/// Proof that the current thread holds a [`TicketLock`]; dropping it serves the next ticket.
pub struct TicketGuard<'a, T> {
    lock: &'a TicketLock<T>,
}

// SAFETY: a shared `&TicketGuard` hands out only `&T`, so it may cross threads when `&T` may,
// that is when `T: Sync` (book: spin-locks.md#the-guard explains why this line matters).
unsafe impl<T: Sync> Sync for TicketGuard<'_, T> {}

impl<T> Deref for TicketGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        todo!("a shared reference to the value inside self.lock (book: spin-locks.md#the-guard)")
    }
}

impl<T> DerefMut for TicketGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        todo!("a mutable reference to the value inside self.lock (book: spin-locks.md#the-guard)")
    }
}

impl<T> Drop for TicketGuard<'_, T> {
    fn drop(&mut self) {
        todo!(
            "serve the next ticket, so that its holder sees every write made under the lock \
             (book: ticket-locks.md#taking-a-ticket, memory-ordering.md#acquire-and-release)"
        )
    }
}
