// Exercise 17 · Token bucket. Book: book/src/part-5/token-bucket.md
//
// Fill in each `todo!()`. What the bucket knows (how many tokens it holds, whether it is
// stopped) goes under one `crate::sync::Mutex`; threads that wait for tokens sleep on a
// `crate::sync::Condvar` on that mutex; the refill thread is started with
// `crate::sync::thread::spawn` and sleeps on the clock (`Clock::sleep_until`), which `stop`
// can cut short (`Clock::wake`):
//     use crate::sync::thread::{self, JoinHandle};
//     use crate::sync::{Arc, Condvar, Mutex};
// Every time comes from the bucket's clock (`Clock::now`), never from `std::time::Instant`:
// the tests move a `ManualClock` by hand.

use std::time::Duration;

use super::clock::{Clock, SystemClock};

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
    // Replace this placeholder: what the bucket and its refill thread share (behind an
    // Arc: the state under a mutex, the condition variable, the clock and the settings),
    // and the refill thread's JoinHandle.
    _todo: std::marker::PhantomData<C>,
}

impl<C: Clock> TokenBucket<C> {
    /// A full bucket of `capacity` tokens that gains `per_tick` tokens every `tick` of
    /// `clock`, counted from the clock's time now; starts the refill thread.
    ///
    /// # Panics
    /// If `capacity` or `per_tick` is 0, or `tick` is zero.
    pub fn new(capacity: u64, per_tick: u64, tick: Duration, clock: C) -> Self {
        todo!(
            "what do the callers and the refill thread share, and what does the thread need \
             to know to count ticks? (book: token-bucket.md#the-refill-thread)"
        )
    }

    /// The most tokens the bucket holds (what `new` was given).
    pub fn capacity(&self) -> u64 {
        todo!("(book: token-bucket.md#exercise)")
    }

    /// The bucket's clock (a test moves a [`ManualClock`](super::clock::ManualClock)
    /// through it).
    pub fn clock(&self) -> &C {
        todo!("(book: token-bucket.md#injectable-time)")
    }

    /// How many tokens the bucket holds now: a snapshot, which another thread may change
    /// as soon as it is read.
    pub fn available(&self) -> u64 {
        todo!("(book: token-bucket.md#exercise)")
    }

    /// Takes `n` tokens if the bucket holds at least `n` now; never blocks.
    ///
    /// `Err(MoreThanCapacity)` if `n > capacity`, else `Err(Stopped)` if the bucket is
    /// stopped, else `Err(NotEnough)` if it holds fewer than `n`. Taking 0 tokens succeeds.
    pub fn try_acquire(&self, n: u64) -> Result<(), AcquireError> {
        todo!("look and take in one go, under the lock (book: token-bucket.md#the-algorithm)")
    }

    /// Takes `n` tokens, blocking until the bucket holds at least `n`.
    ///
    /// `Err(MoreThanCapacity)` at once if `n > capacity` (the bucket could never hold
    /// them); `Err(Stopped)` if the bucket is stopped, before the call or while waiting.
    /// Takes all `n` at once or none: it never keeps some while waiting for the rest.
    pub fn acquire(&self, n: u64) -> Result<(), AcquireError> {
        todo!(
            "wait while there are too few, and look again after every wake-up; what else \
             ends the wait? (book: token-bucket.md#exercise)"
        )
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
        todo!(
            "a deadline on the clock, computed once; which comes first after a wake-up, the \
             tokens or the clock? (book: token-bucket.md#timeouts-on-the-bucket-clock)"
        )
    }

    /// Stops the bucket: every acquire fails with `Err(Stopped)` from now on, every thread
    /// blocked in `acquire` or `acquire_timeout` wakes up with it, and the refill thread
    /// is woken at once and ended. Returns when that thread has ended (whichever call of
    /// `stop` ends it). Stopping a stopped bucket does nothing more.
    pub fn stop(&self) {
        todo!(
            "who sleeps where, and who wakes each of them? then wait for the refill thread \
             (book: token-bucket.md#a-clean-stop)"
        )
    }
}

impl<C: Clock> Drop for TokenBucket<C> {
    /// Stops the bucket (see [`stop`](TokenBucket::stop)).
    fn drop(&mut self) {
        todo!("(book: token-bucket.md#a-clean-stop)")
    }
}
