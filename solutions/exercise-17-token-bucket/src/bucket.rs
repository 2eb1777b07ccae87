// Exercise 17 · Token bucket (reference solution). Book: book/src/part-5/token-bucket.md
//
// One crate::sync::Mutex around the count of tokens and the stop flag, one Condvar on it for
// the acquirers that wait, and a refill thread that sleeps on the clock until the next tick,
// adds what the clock's time calls for, and wakes every waiter.

use std::sync::PoisonError;
use std::time::Duration;

use super::clock::{Clock, SystemClock};
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

/// What the mutex protects.
struct State {
    tokens: u64,
    stopped: bool,
}

/// What the bucket and its refill thread share.
struct Shared<C> {
    state: Mutex<State>,
    /// Signalled (notify_all) by every refill that adds tokens, and by stop.
    refilled: Condvar,
    clock: C,
    capacity: u64,
    per_tick: u64,
    tick: Duration,
}

impl<C: Clock> Shared<C> {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn wait<'a>(&self, guard: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
        self.refilled
            .wait(guard)
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The time of tick number `ticks` after `start`, without overflow.
    fn time_of_tick(&self, start: Duration, ticks: u64) -> Duration {
        let nanos = start.as_nanos() + self.tick.as_nanos() * u128::from(ticks);
        u64::try_from(nanos).map_or(Duration::MAX, Duration::from_nanos)
    }

    /// The refill thread: sleep until the next tick, add what the clock's time calls for,
    /// wake every waiter; until stopped.
    fn refill(&self, start: Duration) {
        let mut ticks_done: u64 = 0;
        loop {
            let next = self.time_of_tick(start, ticks_done.saturating_add(1));
            self.clock.sleep_until(next, &|| self.lock().stopped);
            let mut state = self.lock();
            if state.stopped {
                return;
            }
            // Count the ticks from the clock's time, not from the wake-ups: a late wake-up
            // (or a test clock moved three ticks at once) adds every tick it missed.
            let elapsed = self.clock.now().saturating_sub(start);
            let due = u64::try_from(elapsed.as_nanos() / self.tick.as_nanos()).unwrap_or(u64::MAX);
            if due > ticks_done {
                let added = (due - ticks_done).saturating_mul(self.per_tick);
                state.tokens = state.tokens.saturating_add(added).min(self.capacity);
                ticks_done = due;
                drop(state);
                // Every waiter: each may want a different number of tokens.
                self.refilled.notify_all();
            }
        }
    }
}

/// A rate limiter: a bucket of at most `capacity` tokens, refilled with `per_tick` tokens
/// every `tick` of its [`Clock`] by a thread of its own, from which callers take tokens
/// before doing what is limited.
///
/// A new bucket is full: up to `capacity` tokens can be taken at once (the burst), then
/// about `per_tick` per `tick` on average (the rate). The count never goes above
/// `capacity`: tokens that would overflow are dropped. The refill thread counts ticks on
/// the clock's time, not its own wake-ups: once the clock reads `t`, every tick up to `t`
/// has been added (capped), however late the thread woke.
///
/// [`try_acquire`](TokenBucket::try_acquire) never blocks;
/// [`acquire`](TokenBucket::acquire) blocks (sleeping, never spinning) until there are
/// enough tokens; [`acquire_timeout`](TokenBucket::acquire_timeout) waits at most a time
/// measured on the bucket's clock. Tokens are counted exactly: whatever the interleaving of
/// refills and acquires, each token is handed out at most once and none is lost.
///
/// Fairness: none is promised. A refill wakes every waiter; whichever locks first takes
/// what it needs. A large request may keep waiting while smaller ones take the tokens as
/// they come (the book shows how to serve waiters in order).
///
/// [`stop`](TokenBucket::stop) (and dropping the bucket) wakes every blocked acquirer with
/// [`AcquireError::Stopped`], wakes the refill thread from its sleep at once (not at its
/// next tick), and returns once that thread has ended.
///
/// `TokenBucket<C>` is `Send` and `Sync` (share it with an `Arc`). No code of the caller
/// runs while the bucket holds its lock, so a thread that panics elsewhere leaves it usable.
pub struct TokenBucket<C: Clock = SystemClock> {
    shared: Arc<Shared<C>>,
    refiller: Mutex<Option<JoinHandle<()>>>,
}

impl<C: Clock> TokenBucket<C> {
    /// A full bucket of `capacity` tokens that gains `per_tick` tokens every `tick` of
    /// `clock`, counted from the clock's time now; starts the refill thread.
    ///
    /// # Panics
    /// If `capacity` or `per_tick` is 0, or `tick` is zero.
    pub fn new(capacity: u64, per_tick: u64, tick: Duration, clock: C) -> Self {
        assert!(
            capacity > 0,
            "a token bucket needs a capacity of at least 1"
        );
        assert!(
            per_tick > 0,
            "a token bucket must gain at least 1 token per tick"
        );
        assert!(
            !tick.is_zero(),
            "a token bucket's tick must be longer than zero"
        );
        let start = clock.now();
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                tokens: capacity,
                stopped: false,
            }),
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

    /// The most tokens the bucket holds (what `new` was given).
    pub fn capacity(&self) -> u64 {
        self.shared.capacity
    }

    /// The bucket's clock (a test moves a [`ManualClock`](super::clock::ManualClock)
    /// through it).
    pub fn clock(&self) -> &C {
        &self.shared.clock
    }

    /// How many tokens the bucket holds now: a snapshot, which another thread may change
    /// as soon as it is read.
    pub fn available(&self) -> u64 {
        self.shared.lock().tokens
    }

    /// Takes `n` tokens if the bucket holds at least `n` now; never blocks.
    ///
    /// `Err(MoreThanCapacity)` if `n > capacity`, else `Err(Stopped)` if the bucket is
    /// stopped, else `Err(NotEnough)` if it holds fewer than `n`. Taking 0 tokens succeeds.
    pub fn try_acquire(&self, n: u64) -> Result<(), AcquireError> {
        self.check(n)?;
        let mut state = self.shared.lock();
        if state.stopped {
            return Err(AcquireError::Stopped);
        }
        if state.tokens < n {
            return Err(AcquireError::NotEnough);
        }
        state.tokens -= n;
        Ok(())
    }

    /// Takes `n` tokens, blocking until the bucket holds at least `n`.
    ///
    /// `Err(MoreThanCapacity)` at once if `n > capacity` (the bucket could never hold
    /// them); `Err(Stopped)` if the bucket is stopped, before the call or while waiting.
    /// Takes all `n` at once or none: it never keeps some while waiting for the rest.
    pub fn acquire(&self, n: u64) -> Result<(), AcquireError> {
        self.check(n)?;
        let mut state = self.shared.lock();
        loop {
            if state.stopped {
                return Err(AcquireError::Stopped);
            }
            if state.tokens >= n {
                state.tokens -= n;
                return Ok(());
            }
            state = self.shared.wait(state);
        }
    }

    /// Like [`acquire`](TokenBucket::acquire), giving up with `Err(TimedOut)` (and taking
    /// nothing) once `timeout` has passed on the bucket's clock since the call.
    ///
    /// The time is looked at when the call begins and whenever a refill wakes the waiter;
    /// tokens come only with refills, so it gives up at the first refill at or after the
    /// deadline that still leaves too few (with the real clock, up to one tick late), and
    /// never before the deadline. Wake-ups do not give it more time. A timeout of zero is
    /// `try_acquire`, with `TimedOut` for `NotEnough`. `Stopped` wins over `TimedOut`: a
    /// stopped bucket answers `Err(Stopped)`, even once the time is up. A timeout too long
    /// to add to the clock's time (such as `Duration::MAX`) means no limit: it waits like
    /// `acquire`.
    pub fn acquire_timeout(&self, n: u64, timeout: Duration) -> Result<(), AcquireError> {
        self.check(n)?;
        let deadline = self.shared.clock.now().saturating_add(timeout);
        let mut state = self.shared.lock();
        loop {
            if state.stopped {
                return Err(AcquireError::Stopped);
            }
            if state.tokens >= n {
                state.tokens -= n;
                return Ok(());
            }
            if self.shared.clock.now() >= deadline {
                return Err(AcquireError::TimedOut);
            }
            state = self.shared.wait(state);
        }
    }

    /// Stops the bucket: every acquire fails with `Err(Stopped)` from now on, every thread
    /// blocked in `acquire` or `acquire_timeout` wakes up with it, and the refill thread
    /// is woken at once and ended. Returns when that thread has ended (whichever call of
    /// `stop` ends it). Stopping a stopped bucket does nothing more.
    pub fn stop(&self) {
        // Held until the join is over: a second stop() returns only once the thread ended.
        let mut refiller = self.refiller.lock().unwrap_or_else(PoisonError::into_inner);
        self.shared.lock().stopped = true;
        self.shared.refilled.notify_all();
        self.shared.clock.wake();
        if let Some(handle) = refiller.take() {
            // The refill thread runs no code of the caller; a panic of the clock's is
            // not the caller's to see here.
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
    /// Stops the bucket (see [`stop`](TokenBucket::stop)).
    fn drop(&mut self) {
        self.stop();
    }
}
