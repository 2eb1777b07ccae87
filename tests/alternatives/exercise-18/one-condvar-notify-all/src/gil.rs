// One condition variable for everything, signalled with notify_all, and std's predicate
// waits (`wait_timeout_while`, `wait_while`): correct because every change a waiter waits for
// (the GIL freed, a new holder) is made under the one mutex and followed by a notify_all, so
// no waiter of either kind can miss it, and each re-checks its own condition when woken.

use std::sync::PoisonError;
use std::time::{Duration, Instant};

use toy_python::ThreadId;

use crate::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use crate::sync::{Condvar, Mutex, MutexGuard};

/// How many events the log keeps, at most.
pub const MAX_EVENTS: usize = 1_000_000;

pub use toy_python::{Event, EventKind};

struct State {
    locked: bool,
    holder: Option<ThreadId>,
    switches: u64,
    waiting: usize,
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
    /// Signalled (to all) whenever the GIL is freed or changes hands.
    changed: Condvar,
    request: AtomicBool,
    forced: AtomicBool,
    requests: AtomicU64,
}

impl Gil {
    /// A free GIL with this switch interval, forced switching on, an empty event log.
    pub fn new(switch_interval: Duration) -> Gil {
        Gil {
            state: Mutex::new(State {
                locked: false,
                holder: None,
                switches: 0,
                waiting: 0,
                interval: switch_interval,
                start: Instant::now(),
                events: Vec::new(),
            }),
            changed: Condvar::new(),
            request: AtomicBool::new(false),
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

    /// Blocks until `me` holds the GIL.
    pub fn take(&self, me: ThreadId) {
        let mut state = self.lock();
        state.log(me, EventKind::Wanted);
        self.acquire(state, me);
    }

    /// `me` lets the GIL go; with forced switching and a request, waits for a new holder.
    pub fn drop_gil(&self, me: ThreadId) {
        let mut state = self.lock();
        self.free(&mut state, me);
        // Relaxed: whether to wait; what we wait for is read under the mutex.
        if self.forced_switching() && self.request.load(Ordering::Relaxed) {
            let before = state.switches;
            let _state = self
                .changed
                .wait_while(state, |s| s.switches == before && s.waiting > 0)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Asks the holder to drop the GIL at its next `check`, and counts the request.
    pub fn request_drop(&self) {
        // Relaxed: check() acts through the mutex; seeing the flag a check late is harmless.
        self.request.store(true, Ordering::Relaxed);
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    /// Whether a drop has been requested and not yet served by a thread taking the GIL.
    pub fn drop_requested(&self) -> bool {
        self.request.load(Ordering::Relaxed)
    }

    /// The eval breaker: one load when nothing is asked.
    pub fn check(&self, me: ThreadId) {
        if self.request.load(Ordering::Relaxed) {
            self.drop_gil(me);
            self.take(me);
        }
    }

    /// `me` releases the GIL around a blocking call; never waits for a switch.
    pub fn blocking_begin(&self, me: ThreadId) {
        let mut state = self.lock();
        self.free(&mut state, me);
        state.log(me, EventKind::Blocked);
    }

    /// `me` is back from its blocking call and takes the GIL again.
    pub fn blocking_end(&self, me: ThreadId) {
        let mut state = self.lock();
        state.log(me, EventKind::Unblocked);
        state.log(me, EventKind::Wanted);
        self.acquire(state, me);
    }

    /// A copy of the event log, oldest first.
    pub fn events(&self) -> Vec<Event> {
        self.lock().events.clone()
    }

    /// Times the GIL went to another thread than the one that held it before.
    pub fn switches(&self) -> u64 {
        self.lock().switches
    }

    /// Drop requests made so far.
    pub fn drop_requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn acquire(&self, mut state: MutexGuard<'_, State>, me: ThreadId) {
        state.waiting += 1;
        while state.locked {
            let before = state.switches;
            let wait = state.interval.max(Duration::from_micros(1));
            let (again, waited) = self
                .changed
                .wait_timeout_while(state, wait, |s| s.locked && s.switches == before)
                .unwrap_or_else(PoisonError::into_inner);
            state = again;
            if waited.timed_out() && state.locked && state.switches == before {
                self.request_drop();
                state.log(me, EventKind::DropRequested);
            }
        }
        state.waiting -= 1;
        state.locked = true;
        if state.holder.is_some_and(|h| h != me) {
            state.switches += 1;
        }
        state.holder = Some(me);
        self.request.store(false, Ordering::Relaxed);
        state.log(me, EventKind::Acquired);
        drop(state);
        // A new holder: the dropper waiting for the switch, and the waiters (whose wait now
        // counts under a new holder), all re-check.
        self.changed.notify_all();
    }

    fn free(&self, state: &mut State, me: ThreadId) {
        assert!(
            state.locked && state.holder == Some(me),
            "thread {me} gave up the GIL without holding it"
        );
        state.locked = false;
        state.log(me, EventKind::Released);
        self.changed.notify_all();
    }
}
