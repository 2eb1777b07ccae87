// A counting semaphore: permits in one atomic, sleepers counted in another, so that a
// release only makes a wake call when somebody may be asleep; and a bounded semaphore,
// whose check against the bound is part of the same read-modify-write as the increment.

use std::fmt;
use std::time::{Duration, Instant};

use crate::sync::atomic::{AtomicU32, Ordering, fence};
use crate::sync::atomic_wait::{wait, wait_timeout, wake_all, wake_one};

/// A counting semaphore: a number of permits, taken by `acquire` and given back by
/// `release`. It has no owner: any thread may release. No guard either: a thread that
/// panics while it holds a permit keeps it.
#[derive(Debug)]
pub struct Semaphore {
    /// The permits available now. Sleepers wait on this word while it is 0.
    permits: AtomicU32,
    /// How many threads are in the slow path of an acquire (about to sleep, asleep, or
    /// just woken). Only a hint for `release`: a thread counted here re-checks `permits`
    /// before it sleeps.
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
        if !self.try_acquire() {
            self.wait_for_permit(None);
        }
    }

    /// Takes one permit if one is available right now; never sleeps. `false` only when the
    /// count is 0, also while other threads take permits at the same moment.
    pub fn try_acquire(&self) -> bool {
        let mut current = self.permits.load(Ordering::Relaxed);
        // Never below zero: only a count we saw above zero is decremented, and only if it is
        // still that count (a fetch_sub would wrap 0 to u32::MAX for a moment, and another
        // thread could take one of those four billion permits that do not exist).
        while current > 0 {
            // Acquire pairs with the Release of the release that made this permit: what the
            // releaser wrote before releasing is visible to the thread that takes it.
            match self.permits.compare_exchange_weak(
                current,
                current - 1,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(actual) => current = actual,
            }
        }
        false
    }

    /// Takes one permit, sleeping at most about `timeout`; `true` if it got one.
    pub fn acquire_timeout(&self, timeout: Duration) -> bool {
        if self.try_acquire() {
            return true;
        }
        // A timeout too long for the clock (Duration::MAX) has no deadline: `now + timeout`
        // would panic, and the wait is as long as it takes.
        self.wait_for_permit(Instant::now().checked_add(timeout))
    }

    /// Gives one permit back and wakes a sleeper, if any.
    ///
    /// # Panics
    /// If the count is already `u32::MAX`; the count is then unchanged.
    pub fn release(&self) {
        self.release_n(1);
    }

    /// Gives `n` permits back at once and wakes up to `n` sleepers.
    ///
    /// # Panics
    /// If the count would go past `u32::MAX`; the count is then unchanged.
    pub fn release_n(&self, n: u32) {
        if let Err(available) = self.add(n, u32::MAX) {
            panic!(
                "Semaphore::release_n({n}): {available} permits are available and the count \
                 cannot go past u32::MAX; nothing was released"
            );
        }
    }

    /// The permits available at this moment (other threads may change it at once).
    pub fn available(&self) -> u32 {
        self.permits.load(Ordering::Relaxed)
    }

    /// Adds `n` permits unless the count would go past `limit` (then `Err` with the count
    /// seen, and nothing changes), and wakes sleepers for them.
    fn add(&self, n: u32, limit: u32) -> Result<(), u32> {
        if n == 0 {
            return Ok(());
        }
        // One read-modify-write checks the limit and adds: two releases cannot both pass
        // the check on the same count. Release publishes the releaser's writes to the
        // thread whose Acquire exchange takes the permit.
        self.permits
            .fetch_update(Ordering::Release, Ordering::Relaxed, |count| {
                count.checked_add(n).filter(|&new| new <= limit)
            })?;
        // Store-buffering: we wrote `permits` and now read `sleepers`; a sleeper wrote
        // `sleepers` and then reads `permits`. Without a SeqCst fence on both sides, each
        // could miss the other's write: we would see no sleeper, and it would see no permit
        // and sleep for ever. With the fences, one of the two sees the other.
        fence(Ordering::SeqCst);
        if self.sleepers.load(Ordering::Relaxed) > 0 {
            if n == 1 {
                wake_one(&self.permits);
            } else {
                // Up to n sleepers can each take a permit: wake them all and let them race.
                wake_all(&self.permits);
            }
        }
        Ok(())
    }

    /// The slow path: announce ourselves, then take a permit or sleep until the count
    /// changes, until `deadline` if there is one.
    fn wait_for_permit(&self, deadline: Option<Instant>) -> bool {
        self.sleepers.fetch_add(1, Ordering::Relaxed);
        // Pairs with the fence in `add` (see there).
        fence(Ordering::SeqCst);
        let got = loop {
            // Try before looking at the clock: a wake that reaches us as our time runs out
            // was meant for a permit, and leaving without trying would lose it.
            if self.try_acquire() {
                break true;
            }
            match deadline {
                None => wait(&self.permits, 0),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        break false;
                    }
                    wait_timeout(&self.permits, 0, deadline - now);
                }
            }
            // Woken, timed out or spuriously: loop and look at the count again.
        };
        self.sleepers.fetch_sub(1, Ordering::Relaxed);
        got
    }
}

/// A semaphore that never holds more permits than it started with: a release beyond that
/// is an error.
#[derive(Debug)]
pub struct BoundedSemaphore {
    semaphore: Semaphore,
    bound: u32,
}

impl BoundedSemaphore {
    /// A bounded semaphore with `permits` permits available, which is also its bound.
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

    /// Takes one permit if one is available right now; never sleeps.
    pub fn try_acquire(&self) -> bool {
        self.semaphore.try_acquire()
    }

    /// Takes one permit, sleeping at most about `timeout`; `true` if it got one.
    pub fn acquire_timeout(&self, timeout: Duration) -> bool {
        self.semaphore.acquire_timeout(timeout)
    }

    /// Gives one permit back, or fails with [`OverRelease`] (changing nothing) when every
    /// permit is already available.
    pub fn release(&self) -> Result<(), OverRelease> {
        self.semaphore
            .add(1, self.bound)
            .map_err(|_| OverRelease { bound: self.bound })
    }

    /// The permits available at this moment.
    pub fn available(&self) -> u32 {
        self.semaphore.available()
    }

    /// The most permits it can hold: the number it was created with.
    pub fn bound(&self) -> u32 {
        self.bound
    }
}

/// The error of a release that would take a [`BoundedSemaphore`] past its bound; its
/// message says so in the words of Python's `ValueError`.
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
