// An atomic count: the tokens live in an AtomicU64 outside the mutex, so try_acquire never
// locks (a compare_exchange_weak loop that subtracts only if enough are there) and the
// refill adds with a CAS loop too (capped). The mutex guards nothing but the sleep: a
// blocked acquirer tries under it and waits on the condition variable; the refill thread and
// stop change the atomics first, then take the mutex once before notify_all, so a waiter
// that tried before the change is either asleep (and notified) or tries again after it.
// Each token is counted once because every change of the count is one RMW. SeqCst
// everywhere: the stop flag and the count are two atomics read in an order that matters.
// Book: book/src/part-5/token-bucket.md

use std::sync::PoisonError;
use std::time::Duration;

use super::clock::{Clock, SystemClock};
use crate::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use crate::sync::thread::{self, JoinHandle};
use crate::sync::{Arc, Condvar, Mutex, MutexGuard};

/// Why an acquire did not take its tokens. No tokens are taken in any of these cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcquireError {
    /// More tokens were asked for than the bucket can ever hold: waiting would never end.
    /// Returned at once by every acquire, before looking at anything else.
    MoreThanCapacity,
    /// `try_acquire` only: the bucket holds fewer tokens than asked for now.
    NotEnough,
    /// `acquire_timeout` only: the time ran out before enough tokens were there.
    TimedOut,
    /// The bucket is stopped: from `stop` (or its drop) on, every acquire fails with this,
    /// and every thread blocked in one wakes up with it.
    Stopped,
}

struct Shared<C> {
    tokens: AtomicU64,
    stopped: AtomicBool,
    /// Guards only the sleep of the acquirers.
    sleep: Mutex<()>,
    refilled: Condvar,
    clock: C,
    capacity: u64,
    per_tick: u64,
    tick: Duration,
}

impl<C: Clock> Shared<C> {
    fn lock(&self) -> MutexGuard<'_, ()> {
        self.sleep.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes `n` tokens if there are `n`: one successful RMW, or nothing.
    fn take(&self, n: u64) -> bool {
        let mut seen = self.tokens.load(Ordering::SeqCst);
        loop {
            if seen < n {
                return false;
            }
            match self.tokens.compare_exchange_weak(
                seen,
                seen - n,
                Ordering::SeqCst,
                Ordering::SeqCst,
            ) {
                Ok(_) => return true,
                Err(now) => seen = now,
            }
        }
    }

    /// Adds `added` tokens, capped at the capacity, in one RMW.
    fn add(&self, added: u64) {
        let mut seen = self.tokens.load(Ordering::SeqCst);
        loop {
            let new = seen.saturating_add(added).min(self.capacity);
            match self
                .tokens
                .compare_exchange_weak(seen, new, Ordering::SeqCst, Ordering::SeqCst)
            {
                Ok(_) => return,
                Err(now) => seen = now,
            }
        }
    }

    /// Wakes every sleeping acquirer after a change of the atomics (see the header).
    fn wake_acquirers(&self) {
        drop(self.lock());
        self.refilled.notify_all();
    }

    fn time_of_tick(&self, start: Duration, ticks: u64) -> Duration {
        let nanos = start.as_nanos() + self.tick.as_nanos() * u128::from(ticks);
        u64::try_from(nanos).map_or(Duration::MAX, Duration::from_nanos)
    }

    fn refill(&self, start: Duration) {
        let mut ticks_done: u64 = 0;
        loop {
            let next = self.time_of_tick(start, ticks_done.saturating_add(1));
            self.clock
                .sleep_until(next, &|| self.stopped.load(Ordering::SeqCst));
            if self.stopped.load(Ordering::SeqCst) {
                return;
            }
            let elapsed = self.clock.now().saturating_sub(start);
            let due = u64::try_from(elapsed.as_nanos() / self.tick.as_nanos()).unwrap_or(u64::MAX);
            if due > ticks_done {
                self.add((due - ticks_done).saturating_mul(self.per_tick));
                ticks_done = due;
                self.wake_acquirers();
            }
        }
    }

    /// One look of a waiting acquirer, under the sleep mutex.
    fn try_take(&self, n: u64) -> Result<bool, AcquireError> {
        if self.stopped.load(Ordering::SeqCst) {
            return Err(AcquireError::Stopped);
        }
        Ok(self.take(n))
    }
}

/// A token bucket whose count is an atomic: see the file's header.
pub struct TokenBucket<C: Clock = SystemClock> {
    shared: Arc<Shared<C>>,
    refiller: Mutex<Option<JoinHandle<()>>>,
}

impl<C: Clock> TokenBucket<C> {
    /// A full bucket; starts the refill thread.
    ///
    /// # Panics
    /// If `capacity` or `per_tick` is 0, or `tick` is zero.
    pub fn new(capacity: u64, per_tick: u64, tick: Duration, clock: C) -> Self {
        assert!(capacity > 0, "a token bucket needs a capacity of at least 1");
        assert!(per_tick > 0, "a token bucket must gain at least 1 token per tick");
        assert!(!tick.is_zero(), "a token bucket's tick must be longer than zero");
        let start = clock.now();
        let shared = Arc::new(Shared {
            tokens: AtomicU64::new(capacity),
            stopped: AtomicBool::new(false),
            sleep: Mutex::new(()),
            refilled: Condvar::new(),
            clock,
            capacity,
            per_tick,
            tick,
        });
        let theirs = Arc::clone(&shared);
        let handle = thread::spawn(move || theirs.refill(start));
        TokenBucket {
            shared,
            refiller: Mutex::new(Some(handle)),
        }
    }

    /// The capacity.
    pub fn capacity(&self) -> u64 {
        self.shared.capacity
    }

    /// The clock.
    pub fn clock(&self) -> &C {
        &self.shared.clock
    }

    /// A snapshot of the count.
    pub fn available(&self) -> u64 {
        self.shared.tokens.load(Ordering::SeqCst)
    }

    /// Takes `n` tokens if there are `n` now, without locking.
    pub fn try_acquire(&self, n: u64) -> Result<(), AcquireError> {
        self.check(n)?;
        match self.shared.try_take(n)? {
            true => Ok(()),
            false => Err(AcquireError::NotEnough),
        }
    }

    /// Takes `n` tokens, blocking until there are `n`.
    pub fn acquire(&self, n: u64) -> Result<(), AcquireError> {
        self.check(n)?;
        let mut guard = self.shared.lock();
        loop {
            if self.shared.try_take(n)? {
                return Ok(());
            }
            guard = self
                .shared
                .refilled
                .wait(guard)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Like `acquire`, giving up once `timeout` has passed on the clock.
    pub fn acquire_timeout(&self, n: u64, timeout: Duration) -> Result<(), AcquireError> {
        self.check(n)?;
        let deadline = self.shared.clock.now().saturating_add(timeout);
        let mut guard = self.shared.lock();
        loop {
            if self.shared.try_take(n)? {
                return Ok(());
            }
            if self.shared.clock.now() >= deadline {
                return Err(AcquireError::TimedOut);
            }
            guard = self
                .shared
                .refilled
                .wait(guard)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Stops the bucket and joins the refill thread.
    pub fn stop(&self) {
        let mut refiller = self.refiller.lock().unwrap_or_else(PoisonError::into_inner);
        self.shared.stopped.store(true, Ordering::SeqCst);
        self.shared.wake_acquirers();
        self.shared.clock.wake();
        if let Some(handle) = refiller.take() {
            let _ = handle.join();
        }
    }

    fn check(&self, n: u64) -> Result<(), AcquireError> {
        if n > self.shared.capacity {
            Err(AcquireError::MoreThanCapacity)
        } else {
            Ok(())
        }
    }
}

impl<C: Clock> Drop for TokenBucket<C> {
    fn drop(&mut self) {
        self.stop();
    }
}
