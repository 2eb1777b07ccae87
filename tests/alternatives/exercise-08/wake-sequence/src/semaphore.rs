// Style: sleepers wait on a wake-up sequence number, not on the count (as a futex-based condition variable does), and the count changes through compare_exchange loops; correct because a sleeper reads the sequence (Acquire) before it tries for a permit and sleeps only while the sequence is unchanged, and a release adds its permit before it bumps the sequence (Release), so a bump the sleeper missed ends its wait at once and a bump it saw brings the permit with it; the SeqCst fences make sure a release sees every sleeper that may have missed its permit.

use std::fmt;
use std::time::{Duration, Instant};

use crate::sync::atomic::{AtomicU32, Ordering, fence};
use crate::sync::atomic_wait::{wait, wait_timeout, wake_all, wake_one};

/// A counting semaphore: a number of permits, taken by `acquire` and given back by
/// `release`. It has no owner: any thread may release.
pub struct Semaphore {
    permits: AtomicU32,
    sleepers: AtomicU32,
    /// Bumped by every release that may have a sleeper to wake; sleepers wait on it.
    wakes: AtomicU32,
}

impl Semaphore {
    /// A semaphore with `permits` permits available.
    pub fn new(permits: u32) -> Self {
        Self {
            permits: AtomicU32::new(permits),
            sleepers: AtomicU32::new(0),
            wakes: AtomicU32::new(0),
        }
    }

    /// Takes one permit, sleeping while there is none.
    pub fn acquire(&self) {
        let _ = self.take(None);
    }

    /// Takes one permit if one is available right now; never sleeps.
    pub fn try_acquire(&self) -> bool {
        let mut count = self.permits.load(Ordering::Relaxed);
        loop {
            if count == 0 {
                return false;
            }
            match self.permits.compare_exchange(
                count,
                count - 1,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(now) => count = now,
            }
        }
    }

    /// Takes one permit, sleeping at most about `timeout`; `true` if it got one.
    pub fn acquire_timeout(&self, timeout: Duration) -> bool {
        let deadline = Instant::now().checked_add(timeout);
        self.take(Some(deadline))
    }

    /// Gives one permit back.
    pub fn release(&self) {
        self.release_n(1);
    }

    /// Gives `n` permits back.
    pub fn release_n(&self, n: u32) {
        if !self.add(n, u32::MAX) {
            panic!("Semaphore::release_n({n}) would take the count past u32::MAX");
        }
    }

    /// The permits available now.
    pub fn available(&self) -> u32 {
        self.permits.load(Ordering::Relaxed)
    }

    fn add(&self, n: u32, limit: u32) -> bool {
        if n == 0 {
            return true;
        }
        let mut count = self.permits.load(Ordering::Relaxed);
        loop {
            let Some(new) = count.checked_add(n).filter(|&new| new <= limit) else {
                return false;
            };
            match self.permits.compare_exchange_weak(
                count,
                new,
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(now) => count = now,
            }
        }
        fence(Ordering::SeqCst);
        if self.sleepers.load(Ordering::Relaxed) > 0 {
            // Release: a sleeper that reads this new sequence number also sees our permit.
            self.wakes.fetch_add(1, Ordering::Release);
            if n == 1 {
                wake_one(&self.wakes);
            } else {
                wake_all(&self.wakes);
            }
        }
        true
    }

    /// `deadline`: `None` for no timeout; `Some(None)` for a timeout the clock cannot hold.
    fn take(&self, deadline: Option<Option<Instant>>) -> bool {
        if self.try_acquire() {
            return true;
        }
        self.sleepers.fetch_add(1, Ordering::Relaxed);
        fence(Ordering::SeqCst);
        let got = loop {
            let seen = self.wakes.load(Ordering::Acquire);
            if self.try_acquire() {
                break true;
            }
            match deadline {
                Some(Some(deadline)) => {
                    let now = Instant::now();
                    if now >= deadline {
                        break false;
                    }
                    wait_timeout(&self.wakes, seen, deadline - now);
                }
                _ => wait(&self.wakes, seen),
            }
        };
        self.sleepers.fetch_sub(1, Ordering::Relaxed);
        got
    }
}

/// A semaphore that never holds more permits than it started with.
pub struct BoundedSemaphore {
    semaphore: Semaphore,
    bound: u32,
}

impl BoundedSemaphore {
    /// A bounded semaphore with `permits` permits, also its bound.
    pub fn new(permits: u32) -> Self {
        Self {
            semaphore: Semaphore::new(permits),
            bound: permits,
        }
    }

    /// Takes one permit, sleeping while there is none.
    pub fn acquire(&self) {
        self.semaphore.acquire();
    }

    /// Takes one permit if one is available right now.
    pub fn try_acquire(&self) -> bool {
        self.semaphore.try_acquire()
    }

    /// Takes one permit, sleeping at most about `timeout`.
    pub fn acquire_timeout(&self, timeout: Duration) -> bool {
        self.semaphore.acquire_timeout(timeout)
    }

    /// Gives one permit back, or fails when every permit is already available.
    pub fn release(&self) -> Result<(), OverRelease> {
        self.semaphore
            .add(1, self.bound)
            .then_some(())
            .ok_or(OverRelease { bound: self.bound })
    }

    /// The permits available now.
    pub fn available(&self) -> u32 {
        self.semaphore.available()
    }

    /// The most permits it can hold.
    pub fn bound(&self) -> u32 {
        self.bound
    }
}

/// The error of a release past the bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverRelease {
    /// The bound of the semaphore that was released too many times.
    pub bound: u32,
}

impl fmt::Display for OverRelease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "semaphore released too many times: all {} of its permits were already available",
            self.bound
        )
    }
}

impl std::error::Error for OverRelease {}
