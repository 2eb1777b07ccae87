// CPython's GIL scheduler (Python 3.2 and later, `Python/ceval_gil.c`), for the toy
// interpreter: a lock that a waiter may ask the holder to drop once it has waited a whole
// switch interval, with forced switching and release around blocking calls.
//
// Everything the threads share, except two flags, sits in one `State` under one mutex, as
// CPython keeps `locked`, `last_holder` and `switch_number` under `gil->mutex`. The drop
// request is an atomic of its own, because `check()` reads it at every loop back-edge
// without taking any lock (CPython's `gil_drop_request`, folded into `eval_breaker`).
//
// CPython uses a second mutex for the forced-switching wait (`switch_mutex`); here both
// condition variables share the one mutex, which is simpler and loses no wake-up: whoever
// changes what a waiter waits for does it under that mutex.

use std::sync::PoisonError;
use std::time::{Duration, Instant};

use toy_python::ThreadId;

use crate::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use crate::sync::{Condvar, Mutex, MutexGuard};

/// How many events the log keeps: the first million, about 32 MB. Later events are not
/// stored (the counters still count), so a long run cannot eat the memory.
pub const MAX_EVENTS: usize = 1_000_000;

/// The shortest wait a waiter makes: a switch interval of zero waits this long, as CPython
/// waits at least one microsecond.
const MIN_WAIT: Duration = Duration::from_micros(1);

// The event log's entries, `Event { at, thread, kind }`, and their kinds (`Wanted`,
// `Acquired`, `Released`, `DropRequested`, `Blocked`, `Unblocked`) are toy-python's, so that
// the lab can draw any GIL's log: see crates/toy-python/src/gil.rs for what each kind means.
pub use toy_python::{Event, EventKind};

/// What the mutex protects.
struct State {
    /// Whether some thread holds the GIL now.
    locked: bool,
    /// The thread that holds the GIL, or held it last (CPython's `last_holder`).
    holder: Option<ThreadId>,
    /// Times the GIL went to another thread than the one that held it before (CPython's
    /// `switch_number`, except that the very first `take` does not count).
    switches: u64,
    /// Threads inside `take` that found the GIL held and wait for it.
    waiters: usize,
    /// How long a waiter waits before it asks the holder to drop the GIL.
    interval: Duration,
    /// When the GIL was made: event times count from here.
    start: Instant,
    /// The first [`MAX_EVENTS`] events.
    events: Vec<Event>,
}

impl State {
    fn log(&mut self, thread: ThreadId, kind: EventKind) {
        if self.events.len() < MAX_EVENTS {
            // Taken under the mutex, so the times never go backwards along the log.
            let at = self.start.elapsed();
            self.events.push(Event { at, thread, kind });
        }
    }
}

/// A global interpreter lock that switches the way CPython's does.
pub struct Gil {
    state: Mutex<State>,
    /// Signalled when the GIL is released (CPython's `gil->cond`).
    released: Condvar,
    /// Signalled when the GIL changes hands (CPython's `gil->switch_cond`).
    switched: Condvar,
    /// A waiter asks the holder to drop the GIL (CPython's `gil_drop_request`).
    drop_request: AtomicBool,
    forced_switching: AtomicBool,
    drop_requests: AtomicU64,
}

impl Gil {
    /// A free GIL with this switch interval, forced switching on.
    pub fn new(switch_interval: Duration) -> Gil {
        Gil {
            state: Mutex::new(State {
                locked: false,
                holder: None,
                switches: 0,
                waiters: 0,
                interval: switch_interval,
                start: Instant::now(),
                events: Vec::new(),
            }),
            released: Condvar::new(),
            switched: Condvar::new(),
            drop_request: AtomicBool::new(false),
            forced_switching: AtomicBool::new(true),
            drop_requests: AtomicU64::new(0),
        }
    }

    /// How long a waiter waits before it asks the holder to drop the GIL.
    pub fn switch_interval(&self) -> Duration {
        self.lock_state().interval
    }

    /// Changes the switch interval, for the waits that begin afterwards (0 waits 1 µs).
    pub fn set_switch_interval(&self, interval: Duration) {
        self.lock_state().interval = interval;
    }

    /// Turns forced switching on or off.
    pub fn set_forced_switching(&self, on: bool) {
        // Relaxed: a setting read at the next drop; nothing is published with it.
        self.forced_switching.store(on, Ordering::Relaxed);
    }

    /// Whether a thread that drops the GIL on request waits until another has taken it.
    pub fn forced_switching(&self) -> bool {
        self.forced_switching.load(Ordering::Relaxed)
    }

    /// Blocks until `me` holds the GIL (CPython's `take_gil`).
    pub fn take(&self, me: ThreadId) {
        let mut state = self.lock_state();
        state.log(me, EventKind::Wanted);
        self.take_locked(state, me);
    }

    /// `me` lets the GIL go (CPython's `drop_gil`). With forced switching, if a drop was
    /// requested and someone waits, returns only once another thread has taken the GIL.
    pub fn drop_gil(&self, me: ThreadId) {
        let mut state = self.lock_state();
        self.release_locked(&mut state, me);
        // Relaxed is enough for the request: it only says whether to wait, and what we wait
        // for is read under the mutex.
        if self.forced_switching() && self.drop_request.load(Ordering::Relaxed) {
            let before = state.switches;
            // Nobody waiting: nobody will take the GIL, so waiting would be for ever (the
            // request came from `request_drop()`, or its waiter has given up).
            while state.switches == before && state.waiters > 0 {
                state = self
                    .switched
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
            }
        }
    }

    /// Asks the holder to drop the GIL at its next `check`, as a waiter whose wait ran out.
    /// Counted by `drop_requests()`; not logged (no waiting thread to name).
    pub fn request_drop(&self) {
        // Relaxed: the holder acts on the request through the mutex, not through this flag;
        // seeing it one check late costs nothing.
        self.drop_request.store(true, Ordering::Relaxed);
        self.drop_requests.fetch_add(1, Ordering::Relaxed);
    }

    /// Whether a drop of the GIL has been requested and not yet served.
    pub fn drop_requested(&self) -> bool {
        self.drop_request.load(Ordering::Relaxed)
    }

    /// The eval breaker: `me` holds the GIL; if a drop is requested, drop it and take it
    /// again. One Relaxed load when nothing is asked.
    pub fn check(&self, me: ThreadId) {
        if self.drop_request.load(Ordering::Relaxed) {
            self.drop_gil(me);
            self.take(me);
        }
    }

    /// `me` releases the GIL around a blocking call; never waits for a switch.
    pub fn blocking_begin(&self, me: ThreadId) {
        let mut state = self.lock_state();
        self.release_locked(&mut state, me);
        state.log(me, EventKind::Blocked);
    }

    /// `me` is back from its blocking call and takes the GIL again.
    pub fn blocking_end(&self, me: ThreadId) {
        let mut state = self.lock_state();
        state.log(me, EventKind::Unblocked);
        state.log(me, EventKind::Wanted);
        self.take_locked(state, me);
    }

    /// A copy of the event log, in order (the first [`MAX_EVENTS`] events).
    pub fn events(&self) -> Vec<Event> {
        self.lock_state().events.clone()
    }

    /// Times the GIL was taken by another thread than the one that held it before.
    pub fn switches(&self) -> u64 {
        self.lock_state().switches
    }

    /// Drop requests made so far: by waiters whose wait ran out, and by `request_drop()`.
    pub fn drop_requests(&self) -> u64 {
        self.drop_requests.load(Ordering::Relaxed)
    }

    fn lock_state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the mutex (a test's assertion) leaves the state consistent:
        // every change to it is made in one piece.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The rest of `take`, once `Wanted` is logged.
    fn take_locked(&self, mut state: MutexGuard<'_, State>, me: ThreadId) {
        if state.locked {
            state.waiters += 1;
            while state.locked {
                let before = state.switches;
                let wait = state.interval.max(MIN_WAIT);
                let (again, waited) = self
                    .released
                    .wait_timeout(state, wait)
                    .unwrap_or_else(PoisonError::into_inner);
                state = again;
                // A whole interval, the GIL still held, and by the same thread as when we
                // began this wait: ask it to let go. If it changed hands meanwhile, the new
                // holder gets a whole interval of its own.
                if waited.timed_out() && state.locked && state.switches == before {
                    self.request_drop();
                    state.log(me, EventKind::DropRequested);
                }
            }
            state.waiters -= 1;
        }
        state.locked = true;
        let changed = state.holder.is_some_and(|previous| previous != me);
        if changed {
            state.switches += 1;
        }
        state.holder = Some(me);
        // Any request was meant for the previous holder: served.
        self.drop_request.store(false, Ordering::Relaxed);
        state.log(me, EventKind::Acquired);
        drop(state);
        if changed {
            self.switched.notify_all();
        }
    }

    /// Marks the GIL free and wakes one waiter.
    fn release_locked(&self, state: &mut State, me: ThreadId) {
        assert!(
            state.locked && state.holder == Some(me),
            "thread {me} gave up the GIL without holding it (holder: {:?}, held: {})",
            state.holder,
            state.locked
        );
        state.locked = false;
        state.log(me, EventKind::Released);
        self.released.notify_one();
    }
}
