// Style: both counters packed in one AtomicU64 (next ticket in the high 32 bits, now serving in the low 32), so try_lock is one compare_exchange on the whole word and queued() reads one consistent snapshot. Correct because tickets are compared for equality modulo 2^32, far more than the threads that can wait, and the unlock adds 1 to the low half with a CAS loop so that its wrap never carries into the high half.

use std::ops::{Deref, DerefMut};

use crate::sync::atomic::{AtomicU64, Ordering};
use crate::sync::cell::UnsafeCell;
use crate::sync::{hint, thread};

const ONE_TICKET: u64 = 1 << 32;

fn next_of(word: u64) -> u32 {
    (word >> 32) as u32
}

fn serving_of(word: u64) -> u32 {
    word as u32
}

/// A fair mutual-exclusion lock: threads get it in the order they called `lock()`.
pub struct TicketLock<T> {
    /// next ticket << 32 | now serving; both halves wrap on their own.
    counters: AtomicU64,
    value: UnsafeCell<T>,
}

// SAFETY: one holder at a time reaches the value: `T: Send` is enough to share the lock.
unsafe impl<T: Send> Sync for TicketLock<T> {}

impl<T> TicketLock<T> {
    /// A new, unlocked lock around `value`.
    pub fn new(value: T) -> Self {
        Self::with_first_ticket(value, 0)
    }

    /// A new, unlocked lock around `value` whose first ticket is `first` (kept modulo 2^32).
    pub fn with_first_ticket(value: T, first: usize) -> Self {
        let first = u64::from(first as u32);
        TicketLock {
            counters: AtomicU64::new(first << 32 | first),
            value: UnsafeCell::new(value),
        }
    }

    /// Draws a ticket, waits until it is served, and returns a guard that serves the next.
    pub fn lock(&self) -> TicketGuard<'_, T> {
        // Adding to the high half: a carry out of bit 63 is simply lost, which is the wrap
        // of the ticket number. Acquire: if we are served at once, this is the read that
        // synchronises with the previous unlock.
        let before = self.counters.fetch_add(ONE_TICKET, Ordering::Acquire);
        let ticket = next_of(before);
        let mut spins = 0_u32;
        // Acquire: the load that shows our number pairs with the Release of that unlock.
        while serving_of(before) != ticket
            && serving_of(self.counters.load(Ordering::Acquire)) != ticket
        {
            spins += 1;
            if spins < 32 {
                hint::spin_loop();
            } else {
                // Probably waiting on a thread that is off its core: give it ours.
                thread::yield_now();
            }
        }
        TicketGuard { lock: self }
    }

    /// Takes the lock if it would be served at once; never waits, leaves no ticket behind.
    pub fn try_lock(&self) -> Option<TicketGuard<'_, T>> {
        // Relaxed: the exchange below is the read we enter on, and it is Acquire.
        let word = self.counters.load(Ordering::Relaxed);
        if next_of(word) != serving_of(word) {
            return None;
        }
        self.counters
            .compare_exchange(
                word,
                word.wrapping_add(ONE_TICKET),
                Ordering::Acquire,
                Ordering::Relaxed,
            )
            .is_ok()
            .then(|| TicketGuard { lock: self })
    }

    /// Consumes the lock and returns the value.
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }

    /// Tickets handed out minus tickets served: the holder plus the waiters, 0 when free.
    pub fn queued(&self) -> usize {
        // One load reads both halves at once: an exact snapshot, never below zero.
        let word = self.counters.load(Ordering::Relaxed);
        next_of(word).wrapping_sub(serving_of(word)) as usize
    }

    fn unlock(&self) {
        // Only the holder moves the low half, but others add to the high half meanwhile, so
        // a CAS loop: it adds 1 to the low half, wrapping inside it, and keeps the high half
        // as it is at that moment. Release publishes our writes to the next holder.
        let mut word = self.counters.load(Ordering::Relaxed);
        loop {
            let served = u64::from(serving_of(word).wrapping_add(1));
            let new = (word & !u64::from(u32::MAX)) | served;
            match self.counters.compare_exchange_weak(
                word,
                new,
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(now) => word = now,
            }
        }
    }
}

/// Proof that the current thread holds a [`TicketLock`]; dropping it serves the next ticket.
pub struct TicketGuard<'a, T> {
    lock: &'a TicketLock<T>,
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
        self.lock.unlock();
    }
}
