// Style: the guard remembers its ticket and serves the next one with a fetch_add; try_lock reads next_ticket before now_serving and draws with compare_exchange only from that number; waiters yield on every turn. Correct because only the holder moves now_serving, by one, with Release; the load that lets a thread in is Acquire; and try_lock draws only a ticket that was being served when nobody had drawn since.

use std::ops::{Deref, DerefMut};

use crate::sync::atomic::{AtomicUsize, Ordering};
use crate::sync::cell::UnsafeCell;
use crate::sync::{hint, thread};

/// A fair mutual-exclusion lock: threads get it in the order they called `lock()`.
pub struct TicketLock<T> {
    dispenser: AtomicUsize,
    display: AtomicUsize,
    value: UnsafeCell<T>,
}

// SAFETY: the value goes to one ticket holder at a time, so `T: Send` is enough.
unsafe impl<T: Send> Sync for TicketLock<T> {}

impl<T> TicketLock<T> {
    /// A new, unlocked lock around `value`.
    pub fn new(value: T) -> Self {
        Self::with_first_ticket(value, 0)
    }

    /// A new, unlocked lock around `value` whose first ticket is `first`.
    pub fn with_first_ticket(value: T, first: usize) -> Self {
        TicketLock {
            dispenser: AtomicUsize::new(first),
            display: AtomicUsize::new(first),
            value: UnsafeCell::new(value),
        }
    }

    /// Draws a ticket, waits until it is served, and returns a guard that serves the next.
    pub fn lock(&self) -> TicketGuard<'_, T> {
        // Relaxed: the draw only fixes our place; `fetch_add` wraps by itself.
        let ticket = self.dispenser.fetch_add(1, Ordering::Relaxed);
        // Acquire: the load that shows our number synchronises with the Release of the
        // unlock that put it there. Spin once, then yield every turn: the thread we wait
        // for may be off its core, and only it can move the line on.
        while self.display.load(Ordering::Acquire) != ticket {
            hint::spin_loop();
            thread::yield_now();
        }
        TicketGuard { lock: self, ticket }
    }

    /// Takes the lock if it would be served at once; never waits, leaves no ticket behind.
    pub fn try_lock(&self) -> Option<TicketGuard<'_, T>> {
        let next = self.dispenser.load(Ordering::Relaxed);
        // Acquire: if this equals `next` we may enter on the strength of it.
        if self.display.load(Ordering::Acquire) != next {
            return None;
        }
        // Still `next` means nobody drew since, so nobody can have been served either:
        // the lock is free and this ticket is served at once.
        self.dispenser
            .compare_exchange(
                next,
                next.wrapping_add(1),
                Ordering::Relaxed,
                Ordering::Relaxed,
            )
            .ok()
            .map(|ticket| TicketGuard { lock: self, ticket })
    }

    /// Consumes the lock and returns the value.
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }

    /// Tickets handed out minus tickets served: the holder plus the waiters, 0 when free.
    pub fn queued(&self) -> usize {
        // Served first, with Acquire, so the draw of every served ticket is visible to the
        // second load and the difference never goes below zero.
        let served = self.display.load(Ordering::Acquire);
        self.dispenser.load(Ordering::Relaxed).wrapping_sub(served)
    }
}

/// Proof that the current thread holds a [`TicketLock`]; dropping it serves the next ticket.
pub struct TicketGuard<'a, T> {
    lock: &'a TicketLock<T>,
    ticket: usize,
}

// SAFETY: a shared guard gives out `&T` only: shareable when `T: Sync`.
unsafe impl<T: Sync> Sync for TicketGuard<'_, T> {}

impl<T> Deref for TicketGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: our ticket is being served: nobody else is inside.
        self.lock.value.with(|ptr| unsafe { &*ptr })
    }
}

impl<T> DerefMut for TicketGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: our ticket is being served, and the guard is borrowed mutably.
        self.lock.value.with_mut(|ptr| unsafe { &mut *ptr })
    }
}

impl<T> Drop for TicketGuard<'_, T> {
    fn drop(&mut self) {
        // Release publishes our writes to the holder of the next ticket. The display shows
        // our ticket until we move it, so the read-modify-write yields ticket + 1.
        let shown = self.lock.display.fetch_add(1, Ordering::Release);
        debug_assert_eq!(shown, self.ticket, "only the holder moves the display");
    }
}
