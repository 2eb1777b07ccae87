// Style: fetch_update for every change of the count, and no fences: the release and the sleeper meet through read-modify-writes on the sleepers counter instead (the release reads it with fetch_add(0, Release), the sleeper adds itself with fetch_add(1, Acquire)); correct because two RMWs on one atomic are totally ordered and each reads the latest value, so either the release's RMW comes second and sees the sleeper, or it comes first and synchronises with the sleeper's Acquire RMW, which then sees the permit.

use std::fmt;
use std::time::{Duration, Instant};

use crate::sync::atomic::{AtomicU32, Ordering};
use crate::sync::atomic_wait::{wait, wait_timeout, wake_all, wake_one};

/// A counting semaphore: a number of permits, taken by `acquire` and given back by
/// `release`. It has no owner: any thread may release.
pub struct Semaphore {
    permits: AtomicU32,
    sleepers: AtomicU32,
}

impl Semaphore {
    /// A semaphore with `permits` permits available.
    pub fn new(permits: u32) -> Self {
        Self {
            permits: AtomicU32::new(permits),
            sleepers: AtomicU32::new(0),
        }
    }

    /// Takes one permit, sleeping while there is none.
    pub fn acquire(&self) {
        self.acquire_until(None);
    }

    /// Takes one permit if one is available right now; never sleeps.
    pub fn try_acquire(&self) -> bool {
        // checked_sub refuses at 0, so the count never wraps; Acquire pairs with the
        // Release of the add that made the permit.
        self.permits
            .fetch_update(Ordering::Acquire, Ordering::Relaxed, |n| n.checked_sub(1))
            .is_ok()
    }

    /// Takes one permit, sleeping at most about `timeout`; `true` if it got one.
    pub fn acquire_timeout(&self, timeout: Duration) -> bool {
        match Instant::now().checked_add(timeout) {
            Some(deadline) => self.acquire_until(Some(deadline)),
            None => {
                self.acquire_until(None);
                true
            }
        }
    }

    /// Gives one permit back.
    pub fn release(&self) {
        self.release_n(1);
    }

    /// Gives `n` permits back.
    pub fn release_n(&self, n: u32) {
        assert!(
            self.add(n, u32::MAX),
            "Semaphore::release_n({n}): the count would pass u32::MAX; nothing was released"
        );
    }

    /// The permits available now.
    pub fn available(&self) -> u32 {
        self.permits.load(Ordering::Relaxed)
    }

    fn add(&self, n: u32, limit: u32) -> bool {
        if n == 0 {
            return true;
        }
        let added = self
            .permits
            .fetch_update(Ordering::Release, Ordering::Relaxed, |count| {
                count.checked_add(n).filter(|&new| new <= limit)
            })
            .is_ok();
        // An RMW that changes nothing, to read the latest sleepers count and to make our add
        // visible to a sleeper whose Acquire RMW on the counter comes after this one.
        if added && self.sleepers.fetch_add(0, Ordering::Release) > 0 {
            if n == 1 {
                wake_one(&self.permits);
            } else {
                wake_all(&self.permits);
            }
        }
        added
    }

    fn acquire_until(&self, deadline: Option<Instant>) -> bool {
        if self.try_acquire() {
            return true;
        }
        self.sleepers.fetch_add(1, Ordering::Acquire);
        let mut got = false;
        while !got {
            got = self.try_acquire();
            if got {
                break;
            }
            if let Some(deadline) = deadline {
                let now = Instant::now();
                if now >= deadline {
                    break;
                }
                wait_timeout(&self.permits, 0, deadline - now);
            } else {
                wait(&self.permits, 0);
            }
        }
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
        if self.semaphore.add(1, self.bound) {
            Ok(())
        } else {
            Err(OverRelease { bound: self.bound })
        }
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
