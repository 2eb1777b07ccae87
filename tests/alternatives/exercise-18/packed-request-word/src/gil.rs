// CPython's own shape, more closely: the drop request is a bit packed with the number of
// takes in one AtomicU64 (a taker stores a fresh word, clearing the bit, with Release; a
// waiter sets the bit with fetch_or under the mutex; check() reads it with one Acquire load),
// the dropper clears the request itself before its forced-switch wait as CPython's drop_gil
// does, and waits while it is still the last holder. Correct: every decision that matters
// (who holds, who waits, the switch) is made under the one mutex; the packed word is only the
// doorbell that check() reads without it.

use std::sync::PoisonError;
use std::time::{Duration, Instant};

use toy_python::ThreadId;

use crate::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use crate::sync::{Condvar, Mutex, MutexGuard};

/// How many events the log keeps, at most.
pub const MAX_EVENTS: usize = 1_000_000;

pub use toy_python::{Event, EventKind};

/// The request bit of [`Gil::word`]; the bits above it count the takes.
const REQUEST: u64 = 1;

struct State {
    locked: bool,
    last_holder: Option<ThreadId>,
    switch_number: u64,
    waiters: usize,
    takes: u64,
    interval: Duration,
    start: Instant,
    events: Vec<Event>,
}

impl State {
    fn log(&mut self, thread: ThreadId, kind: EventKind) {
        if self.events.len() < MAX_EVENTS {
            let at = self.start.elapsed();
            self.events.push(Event { at, thread, kind });
        }
    }
}

/// A global interpreter lock that switches the way CPython's does.
pub struct Gil {
    state: Mutex<State>,
    cond: Condvar,
    switch_cond: Condvar,
    /// `takes << 1 | REQUEST`: the request bit, reset by each take.
    word: AtomicU64,
    forced: AtomicBool,
    requests: AtomicU64,
}

impl Gil {
    /// A free GIL with this switch interval, forced switching on, an empty event log.
    pub fn new(switch_interval: Duration) -> Gil {
        Gil {
            state: Mutex::new(State {
                locked: false,
                last_holder: None,
                switch_number: 0,
                waiters: 0,
                takes: 0,
                interval: switch_interval,
                start: Instant::now(),
                events: Vec::new(),
            }),
            cond: Condvar::new(),
            switch_cond: Condvar::new(),
            word: AtomicU64::new(0),
            forced: AtomicBool::new(true),
            requests: AtomicU64::new(0),
        }
    }

    /// How long a waiter waits before it asks the holder to drop the GIL.
    pub fn switch_interval(&self) -> Duration {
        self.lock().interval
    }

    /// Changes the switch interval, for the waits that begin afterwards.
    pub fn set_switch_interval(&self, interval: Duration) {
        self.lock().interval = interval;
    }

    /// Turns forced switching on or off.
    pub fn set_forced_switching(&self, on: bool) {
        // Relaxed: a setting, read at the next drop.
        self.forced.store(on, Ordering::Relaxed);
    }

    /// Whether a thread that drops the GIL on request waits until another has taken it.
    pub fn forced_switching(&self) -> bool {
        self.forced.load(Ordering::Relaxed)
    }

    /// Blocks until `me` holds the GIL (`take_gil`).
    pub fn take(&self, me: ThreadId) {
        let mut state = self.lock();
        state.log(me, EventKind::Wanted);
        self.take_gil(state, me);
    }

    /// `me` lets the GIL go (`drop_gil`).
    pub fn drop_gil(&self, me: ThreadId) {
        let mut state = self.lock();
        self.release(&mut state, me);
        // Acquire pairs with the Release of request_drop: a request seen here is a request
        // made before this drop.
        if self.forced_switching() && self.word.load(Ordering::Acquire) & REQUEST != 0 {
            // Served by this drop, as in CPython (RESET_GIL_DROP_REQUEST before the wait).
            self.word.fetch_and(!REQUEST, Ordering::Relaxed);
            while state.last_holder == Some(me) && state.waiters > 0 {
                state = self
                    .switch_cond
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
            }
        }
    }

    /// Asks the holder to drop the GIL at its next `check`, and counts the request.
    pub fn request_drop(&self) {
        // Release: the holder that sees the bit (Acquire) sees what the asker did before.
        self.word.fetch_or(REQUEST, Ordering::Release);
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    /// Whether a drop has been requested and not yet served.
    pub fn drop_requested(&self) -> bool {
        self.word.load(Ordering::Acquire) & REQUEST != 0
    }

    /// The eval breaker: one Acquire load when nothing is asked.
    pub fn check(&self, me: ThreadId) {
        if self.word.load(Ordering::Acquire) & REQUEST != 0 {
            self.drop_gil(me);
            self.take(me);
        }
    }

    /// `me` releases the GIL around a blocking call; never waits for a switch.
    pub fn blocking_begin(&self, me: ThreadId) {
        let mut state = self.lock();
        self.release(&mut state, me);
        state.log(me, EventKind::Blocked);
    }

    /// `me` is back from its blocking call and takes the GIL again.
    pub fn blocking_end(&self, me: ThreadId) {
        let mut state = self.lock();
        state.log(me, EventKind::Unblocked);
        state.log(me, EventKind::Wanted);
        self.take_gil(state, me);
    }

    /// A copy of the event log, oldest first.
    pub fn events(&self) -> Vec<Event> {
        self.lock().events.clone()
    }

    /// Times the GIL went to another thread than the one that held it before.
    pub fn switches(&self) -> u64 {
        self.lock().switch_number
    }

    /// Drop requests made so far.
    pub fn drop_requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn take_gil(&self, mut state: MutexGuard<'_, State>, me: ThreadId) {
        if state.locked {
            state.waiters += 1;
            loop {
                let saved_switchnum = state.switch_number;
                let interval = state.interval.max(Duration::from_micros(1));
                let (again, result) = self
                    .cond
                    .wait_timeout(state, interval)
                    .unwrap_or_else(PoisonError::into_inner);
                state = again;
                if !state.locked {
                    break;
                }
                if result.timed_out() && state.switch_number == saved_switchnum {
                    self.request_drop();
                    state.log(me, EventKind::DropRequested);
                }
            }
            state.waiters -= 1;
        }
        state.locked = true;
        if state.last_holder.is_some_and(|last| last != me) {
            state.switch_number += 1;
        }
        state.last_holder = Some(me);
        state.takes += 1;
        // A fresh word: the request bit is clear (it was for the previous holder). Release,
        // for the Acquire loads of check() and drop_gil.
        self.word.store(state.takes << 1, Ordering::Release);
        state.log(me, EventKind::Acquired);
        drop(state);
        self.switch_cond.notify_all();
    }

    fn release(&self, state: &mut State, me: ThreadId) {
        assert!(
            state.locked && state.last_holder == Some(me),
            "thread {me} gave up the GIL without holding it"
        );
        state.locked = false;
        state.log(me, EventKind::Released);
        self.cond.notify_one();
    }
}
