// Exercise 17 · Token bucket. Book: book/src/part-5/token-bucket.md
//
// Provided, nothing to fill in (do not edit): the bucket's sense of time. A `Clock` says
// what time it is and lets a thread sleep until a given time, in a way that another thread
// can cut short (the refill thread's sleep, ended by `stop`). Two clocks implement it:
// `SystemClock`, the real one, and `ManualClock`, whose time moves only when a test calls
// `advance`, so that the tests need no sleeps of real seconds.
//
// Times are `Duration`s since the clock's own start (time 0), never wall-clock dates.
//
// How `sleep_until` avoids a lost wake-up: it reads a counter of `wake()` calls, then calls
// your `stop` closure, then sleeps while the counter has not moved (and the deadline has not
// come). A `wake()` that comes after the read bumps the counter, so the sleep ends; one that
// came before it is seen by your `stop` closure, which runs after the read. So: change what
// `stop` looks at first, call `wake()` second.

use std::sync::PoisonError;
use std::time::{Duration, Instant};

use crate::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use crate::sync::{Condvar, Mutex, MutexGuard};

/// A clock the bucket reads and sleeps on. `Send + Sync`: the refill thread and the
/// callers share it.
pub trait Clock: Send + Sync + 'static {
    /// How much time has passed since the clock's start. Never goes back. Takes no lock
    /// and never blocks, so it may be called while holding any mutex.
    fn now(&self) -> Duration;

    /// Blocks the calling thread until `now() >= deadline` or `stop()` returns true,
    /// whichever comes first. `stop` is called once at the start and again after every
    /// [`wake`](Clock::wake); the clock holds none of its own locks while calling it, so
    /// `stop` may lock your mutex. Returns at once if the deadline has passed already.
    fn sleep_until(&self, deadline: Duration, stop: &dyn Fn() -> bool);

    /// Makes every thread inside `sleep_until` call its `stop` again (and go back to
    /// sleep if it returns false). Call it after changing what `stop` looks at. It takes
    /// only the clock's own lock, briefly, so it may be called while holding your mutex.
    fn wake(&self);
}

/// Locks, carrying on after a panic of another thread (no code of a caller runs under the
/// clock's locks, so what they protect is never half-changed).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The real clock: `now()` is the time since the clock was made ([`Instant`], which never
/// goes back), and `sleep_until` sleeps on a condition variable for the time left, so a
/// `wake()` ends the sleep at once instead of at the deadline.
pub struct SystemClock {
    start: Instant,
    wakes: AtomicU32,
    lock: Mutex<()>,
    woken: Condvar,
}

impl SystemClock {
    /// A clock whose time 0 is now.
    pub fn new() -> Self {
        SystemClock {
            start: Instant::now(),
            wakes: AtomicU32::new(0),
            lock: Mutex::new(()),
            woken: Condvar::new(),
        }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.start.elapsed()
    }

    fn sleep_until(&self, deadline: Duration, stop: &dyn Fn() -> bool) {
        loop {
            // SeqCst on the counter: a `wake()` that comes after this read moves it, and
            // one that came before is ordered before `stop()`'s look (see the header).
            let seen = self.wakes.load(Ordering::SeqCst);
            if stop() {
                return;
            }
            let mut guard = lock(&self.lock);
            loop {
                let now = self.now();
                if now >= deadline {
                    return;
                }
                if self.wakes.load(Ordering::SeqCst) != seen {
                    break;
                }
                guard = match self.woken.wait_timeout(guard, deadline - now) {
                    Ok((guard, _)) => guard,
                    Err(poisoned) => poisoned.into_inner().0,
                };
            }
        }
    }

    fn wake(&self) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
        // Under the lock: a sleeper between its look at the counter and its wait holds it.
        drop(lock(&self.lock));
        self.woken.notify_all();
    }
}

/// What the manual clock's lock protects.
struct Sleepers {
    /// The deadline of every thread inside `sleep_until`, by a number of its own.
    deadlines: Vec<(u64, Duration)>,
    next_id: u64,
    /// While true, no `sleep_until` returns (see [`ManualClock::hold`]).
    held: bool,
}

/// A clock for tests: its time starts at 0 and moves only when [`advance`](Self::advance)
/// is called. `sleep_until` sleeps (on a condition variable, never spinning) until an
/// `advance` reaches the deadline or a `wake` makes `stop` return true.
///
/// It also lets a test wait until the bucket's refill thread has caught up with the clock
/// ([`wait_for_sleeper`](Self::wait_for_sleeper)) and hold that thread inside
/// `sleep_until` ([`hold`](Self::hold)).
pub struct ManualClock {
    /// The time, in nanoseconds since time 0: an atomic, so that `now()` takes no lock.
    nanos: AtomicU64,
    wakes: AtomicU32,
    sleepers: Mutex<Sleepers>,
    changed: Condvar,
}

impl ManualClock {
    /// A clock at time 0.
    pub fn new() -> Self {
        ManualClock {
            nanos: AtomicU64::new(0),
            wakes: AtomicU32::new(0),
            sleepers: Mutex::new(Sleepers {
                deadlines: Vec::new(),
                next_id: 0,
                held: false,
            }),
            changed: Condvar::new(),
        }
    }

    /// Moves the time forward by `by` and wakes every sleeper whose deadline has come.
    pub fn advance(&self, by: Duration) {
        let guard = lock(&self.sleepers);
        let nanos = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        let now = self.nanos.load(Ordering::SeqCst);
        // Under the sleepers' lock: a sleeper looks at the time under it before it waits.
        self.nanos
            .store(now.saturating_add(nanos), Ordering::SeqCst);
        drop(guard);
        self.changed.notify_all();
    }

    /// Blocks until some thread sleeps in `sleep_until` with a deadline still to come: for
    /// a bucket, until its refill thread has done every refill the clock's time calls for
    /// and gone back to sleep.
    pub fn wait_for_sleeper(&self) {
        let mut guard = lock(&self.sleepers);
        loop {
            let now = self.now();
            if guard.deadlines.iter().any(|&(_, deadline)| deadline > now) {
                return;
            }
            guard = self
                .changed
                .wait(guard)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// How many threads are inside `sleep_until` now.
    pub fn sleepers(&self) -> usize {
        lock(&self.sleepers).deadlines.len()
    }

    /// While `held` is true, every thread inside `sleep_until` stays there, even when its
    /// deadline comes or its `stop` returns true; `hold(false)` lets them go on. For the
    /// test that `stop` waits for the refill thread to end.
    pub fn hold(&self, held: bool) {
        lock(&self.sleepers).held = held;
        self.changed.notify_all();
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Duration {
        Duration::from_nanos(self.nanos.load(Ordering::SeqCst))
    }

    fn sleep_until(&self, deadline: Duration, stop: &dyn Fn() -> bool) {
        let mut guard = lock(&self.sleepers);
        let id = guard.next_id;
        guard.next_id += 1;
        guard.deadlines.push((id, deadline));
        // Someone may be in wait_for_sleeper.
        self.changed.notify_all();
        loop {
            // As SystemClock: read the counter, then ask `stop` without the lock.
            let seen = self.wakes.load(Ordering::SeqCst);
            drop(guard);
            let stopping = stop();
            guard = lock(&self.sleepers);
            loop {
                let done = stopping || self.now() >= deadline;
                if done && !guard.held {
                    guard.deadlines.retain(|&(other, _)| other != id);
                    drop(guard);
                    self.changed.notify_all();
                    return;
                }
                if !done && self.wakes.load(Ordering::SeqCst) != seen {
                    break;
                }
                guard = self
                    .changed
                    .wait(guard)
                    .unwrap_or_else(PoisonError::into_inner);
            }
        }
    }

    fn wake(&self) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
        drop(lock(&self.sleepers));
        self.changed.notify_all();
    }
}
