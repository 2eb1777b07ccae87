// A ticket lock: every thread draws a numbered ticket, and the lock serves the tickets
// strictly in order, so the lock changes hands first come, first served.

use std::ops::{Deref, DerefMut};

use crate::sync::atomic::{AtomicUsize, Ordering};
use crate::sync::cell::UnsafeCell;
use crate::sync::{hint, thread};

/// How many times a waiter checks with a spin hint before it starts yielding its core.
///
/// A hand-off between two running threads takes well under a microsecond, so a short spin
/// catches the common case without a system call. A waiter still waiting after that is
/// most likely waiting for a thread that is not running: the holder, or the waiter whose
/// turn it is, has been descheduled. In a ticket lock nobody may jump ahead of that thread,
/// so every waiter behind it would burn the rest of its time slice for nothing. Yielding
/// hands the core to a thread that can make progress, perhaps the one everybody waits for,
/// and costs no fairness: the ticket keeps our place in line while we are off the core.
/// (book: ticket-locks.md#when-fairness-costs)
const SPINS_BEFORE_YIELD: u32 = 64;

/// A fair mutual-exclusion lock: threads get it in the order they called `lock()`.
pub struct TicketLock<T> {
    /// The ticket the next caller draws. Tickets wrap around at `usize::MAX`, harmlessly.
    next_ticket: AtomicUsize,
    /// The ticket whose holder may be inside; every later ticket waits for its turn.
    now_serving: AtomicUsize,
    value: UnsafeCell<T>,
}

// SAFETY: the lock hands out access to `value` to one thread at a time, so sharing the lock
// only ever moves the `T` between threads: that needs `T: Send`, not `T: Sync`.
unsafe impl<T: Send> Sync for TicketLock<T> {}

impl<T> TicketLock<T> {
    /// A new, unlocked lock around `value`: no ticket drawn, ticket 0 served next.
    pub fn new(value: T) -> Self {
        Self::with_first_ticket(value, 0)
    }

    /// A new, unlocked lock around `value` whose first ticket is `first`: the tests start
    /// near `usize::MAX` to see the counters wrap.
    pub fn with_first_ticket(value: T, first: usize) -> Self {
        Self {
            next_ticket: AtomicUsize::new(first),
            now_serving: AtomicUsize::new(first),
            value: UnsafeCell::new(value),
        }
    }

    /// Draws a ticket, waits until it is served, and returns a guard that serves the next.
    pub fn lock(&self) -> TicketGuard<'_, T> {
        // One read-modify-write, so no two threads draw the same number. Relaxed: the ticket
        // only fixes our place in line; the hand-off itself is ordered through `now_serving`.
        let ticket = self.next_ticket.fetch_add(1, Ordering::Relaxed);
        // The first SPINS_BEFORE_YIELD turns spin, every later one yields.
        let mut spins = 0..SPINS_BEFORE_YIELD;
        // Acquire pairs with the Release in `unlock`: once we read our own number, every
        // write the previous holder made under the lock is visible to us.
        while self.now_serving.load(Ordering::Acquire) != ticket {
            if spins.next().is_some() {
                hint::spin_loop();
            } else {
                thread::yield_now();
            }
        }
        TicketGuard { lock: self }
    }

    /// Takes the lock if it would be served at once; never waits, and never leaves a
    /// ticket behind.
    pub fn try_lock(&self) -> Option<TicketGuard<'_, T>> {
        // Acquire, as in `lock`: we may enter on the strength of this value.
        let serving = self.now_serving.load(Ordering::Acquire);
        // The lock is free exactly when the next ticket to draw is the one being served.
        // Draw it only if nobody has drawn it since we looked; then it is ours and served
        // at once. Otherwise draw nothing: a ticket that nobody waits for would stop the
        // line for good. Relaxed: the Acquire load above already ordered us after the
        // previous holder, and on failure we read nothing.
        self.next_ticket
            .compare_exchange(
                serving,
                serving.wrapping_add(1),
                Ordering::Relaxed,
                Ordering::Relaxed,
            )
            .is_ok()
            .then(|| TicketGuard { lock: self })
    }

    /// Consumes the lock and returns the value: no other thread can hold it any more.
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }

    /// Tickets drawn minus tickets served: the holder plus the waiters. A snapshot that may
    /// be out of date as soon as it is taken; for tests and monitoring, not for deciding.
    pub fn queued(&self) -> usize {
        // `now_serving` first, with Acquire. Whoever stored the number we read had drawn the
        // ticket just below it; reading that Release store makes the draw visible to the
        // Relaxed load that follows, so `drawn` is at least `served` and the difference
        // never wraps below zero. Read the other way round, `served` could be the newer.
        let served = self.now_serving.load(Ordering::Acquire);
        let drawn = self.next_ticket.load(Ordering::Relaxed);
        drawn.wrapping_sub(served)
    }

    fn unlock(&self) {
        // Only the holder writes `now_serving`, so a load and a store cannot lose an update,
        // and a plain store is cheaper than a read-modify-write. Release publishes every
        // write made under the lock to the waiter whose Acquire load reads the new number.
        let next = self.now_serving.load(Ordering::Relaxed).wrapping_add(1);
        self.now_serving.store(next, Ordering::Release);
    }
}

/// Proof that the current thread holds a [`TicketLock`]; dropping it serves the next ticket.
pub struct TicketGuard<'a, T> {
    lock: &'a TicketLock<T>,
}

// SAFETY: a shared `&TicketGuard` hands out only `&T`, so it may cross threads when `&T` may,
// that is when `T: Sync`. Without this impl the guard would be `Sync` whenever the lock is,
// which only requires `T: Send`, and `&Cell<_>` could then be shared between threads.
unsafe impl<T: Sync> Sync for TicketGuard<'_, T> {}

impl<T> Deref for TicketGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the guard exists, so its ticket is being served and no one else can write.
        self.lock.value.with(|value| unsafe { &*value })
    }
}

impl<T> DerefMut for TicketGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard exists and is borrowed mutably: this is the only access to `value`.
        self.lock.value.with_mut(|value| unsafe { &mut *value })
    }
}

impl<T> Drop for TicketGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.unlock();
    }
}
