// The Python 2 GIL: a mutex-protected "held by" flag and a condition variable, released and
// re-taken every `check_interval` instructions. No drop requests, no forced switching: the
// releasing thread competes with the waiters to take it back, and on a multicore machine it
// usually wins (the convoy effect Dave Beazley measured in 2009).

use crate::gil::{Gil, ThreadId};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

/// The GIL of Python 2: release and re-take it every `check_interval` instructions, with no
/// drop requests and no forced switching. On a multicore machine the releasing thread
/// usually takes it straight back.
pub struct TickGil {
    check_interval: u64,
    /// Who holds the GIL, if anyone.
    holder: Mutex<State>,
    /// Signalled on every release.
    released: Condvar,
    /// Instructions since the holder last released and re-took the GIL (Python 2's
    /// `_Py_Ticker`). Only the holder touches it, so Relaxed is enough: the holder's
    /// accesses are ordered among themselves, and ownership passes through the mutex.
    ticks: AtomicU64,
}

/// The GIL's state, behind its mutex.
struct State {
    holder: Option<ThreadId>,
    /// Who took the GIL last, and how many times it went to another thread than that.
    last_holder: Option<ThreadId>,
    switches: u64,
    /// Threads blocked in `take`: a release wakes one only if there is one (a condvar
    /// notification is a system call even when nobody waits).
    waiters: usize,
}

impl TickGil {
    /// A GIL that its holder releases and re-takes every `check_interval` instructions
    /// (0 counts as 1).
    pub fn new(check_interval: u64) -> TickGil {
        TickGil {
            check_interval: check_interval.max(1),
            holder: Mutex::new(State {
                holder: None,
                last_holder: None,
                switches: 0,
                waiters: 0,
            }),
            released: Condvar::new(),
            ticks: AtomicU64::new(0),
        }
    }

    /// The interval given to [`new`](Self::new).
    pub fn check_interval(&self) -> u64 {
        self.check_interval
    }

    /// Times the GIL was taken by another thread than the one that took it before.
    pub fn switches(&self) -> u64 {
        self.lock().switches
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding this mutex cannot leave the flag half-written.
        self.holder.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn acquire(&self, me: ThreadId) {
        let mut state = self.lock();
        while state.holder.is_some() {
            state.waiters += 1;
            state = self
                .released
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
            state.waiters -= 1;
        }
        state.holder = Some(me);
        // Counted here, under the mutex that taking needs anyway, so `check` stays free of it.
        if state.last_holder.is_some_and(|last| last != me) {
            state.switches += 1;
        }
        state.last_holder = Some(me);
    }

    fn drop_it(&self) {
        let mut state = self.lock();
        state.holder = None;
        let anyone_waiting = state.waiters > 0;
        drop(state);
        // Every release wakes one waiter (if any), so a free GIL always has a waiter on
        // its way. `waiters` is read under the mutex that a waiter holds from its count
        // update until it sleeps on the condvar, so no waiter can be missed.
        if anyone_waiting {
            self.released.notify_one();
        }
    }
}

impl Gil for TickGil {
    fn take(&self, me: ThreadId) {
        self.acquire(me);
    }

    fn release(&self, _me: ThreadId) {
        self.drop_it();
    }

    fn check(&self, me: ThreadId, instructions: u64) {
        let ticks = self
            .ticks
            .load(Ordering::Relaxed)
            .saturating_add(instructions);
        if ticks < self.check_interval {
            self.ticks.store(ticks, Ordering::Relaxed);
            return;
        }
        self.ticks.store(0, Ordering::Relaxed);
        // Release and immediately re-take: another thread gets in only if it wins the race.
        self.drop_it();
        self.acquire(me);
    }

    fn blocking_begin(&self, _me: ThreadId) {
        self.drop_it();
    }

    fn blocking_end(&self, me: ThreadId) {
        self.acquire(me);
    }
}
