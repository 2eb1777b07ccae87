// Exercise 08 · Semaphore. Book: book/src/part-3/mutexes-and-semaphores.md
//
// Fill in each `todo!()`. Useful imports, all through the std/loom switch:
//     use crate::sync::atomic::{AtomicU32, Ordering, fence};
//     use crate::sync::atomic_wait::{wait, wait_timeout, wake_one, wake_all};
//     use std::time::{Duration, Instant};   // the clock is not a synchronisation primitive
//
// The wait/wake primitive (book: blocking.md, and mutexes-and-semaphores.md#sleeping-for-a-permit):
//     wait(&atomic, value)                  sleeps while `atomic` holds `value`; returns at
//                                           once if it holds something else, and may also
//                                           return for no reason at all (a spurious wake-up)
//     wait_timeout(&atomic, value, dur)     the same for at most `dur`; it does not say why
//                                           it returned: look at the clock yourself
//     wake_one(&atomic) / wake_all(&atomic) wakes one / every thread waiting on `atomic`
// The check inside `wait` and the sleep are one step as far as a waker is concerned: a wake
// that comes after the value changed cannot fall between them. Your own check before you
// call `wait` is not part of that step.
//
// Do not build the semaphore on `crate::sync::Mutex` or `Condvar`: the point is to build it.

use std::fmt;
use std::time::Duration;

/// A counting semaphore: a number of permits, taken one at a time by `acquire` and given
/// back by `release` (Python's `threading.Semaphore`).
///
/// It has no owner: a permit taken by one thread may be released by any other thread, and
/// a thread may release without ever acquiring. What a release makes visible: every write
/// a thread made before `release` is visible to the thread whose acquire takes that permit.
///
/// The count is a `u32`. It never goes below 0, and two threads never take the same permit.
/// It never wraps either: a release that would take it past `u32::MAX` panics and leaves
/// it as it was.
///
/// Waiting threads sleep (through `crate::sync::atomic_wait`), they never spin; and a
/// release while nobody sleeps makes no wake call at all (each one is a system call).
/// `Semaphore` is `Send` and `Sync`: it is meant to be shared.
///
/// There is no guard: a thread that panics while it holds a permit does not give it back
/// (the permit is lost, never handed out twice).
pub struct Semaphore {
    // Replace this placeholder with the state you need: the permits in an atomic that
    // sleepers can wait on (an AtomicU32), and whatever lets a release know whether anybody
    // may be asleep (book: mutexes-and-semaphores.md#sleeping-for-a-permit).
    _todo: (),
}

impl Semaphore {
    /// A semaphore with `permits` permits available (0 is allowed: every acquire then waits
    /// for a release).
    pub fn new(permits: u32) -> Self {
        todo!("start with `permits` permits and nobody asleep")
    }

    /// Takes one permit, sleeping while there is none, for as long as it takes.
    ///
    /// It returns only with a permit: a wake-up that finds the count at 0 (another thread
    /// was faster, or the wake-up was spurious) means sleeping again.
    pub fn acquire(&self) {
        todo!(
            "try to take a permit; while that fails, sleep until the count is no longer 0. \
             Would a release know that you are about to sleep? \
             (book: mutexes-and-semaphores.md#sleeping-for-a-permit)"
        )
    }

    /// Takes one permit if one is available right now: `true` if it took one, `false`
    /// (changing nothing) only if the count was 0, also while other threads take permits at
    /// the same moment. Never sleeps.
    pub fn try_acquire(&self) -> bool {
        todo!(
            "decrement the count only from a value you saw above 0, in one atomic step; what \
             does fetch_sub do to 0? (book: mutexes-and-semaphores.md#permits-in-an-atomic)"
        )
    }

    /// Takes one permit, sleeping at most about `timeout` while there is none: `true` if it
    /// took one, `false` once the time is up without one (the count is then unchanged). A
    /// timeout of zero is `try_acquire`; a timeout too long for the clock (`Duration::MAX`)
    /// waits as long as it takes.
    ///
    /// A release that wakes this thread just as its time runs out is not lost: either this
    /// thread takes that permit, or it stays available to the others.
    pub fn acquire_timeout(&self, timeout: Duration) -> bool {
        todo!(
            "acquire with a deadline: after every wake-up, try for a permit before you look at \
             the clock (book: mutexes-and-semaphores.md#timeouts)"
        )
    }

    /// Gives one permit back, and wakes one sleeper if any thread may be asleep (none if
    /// nobody is).
    ///
    /// # Panics
    /// If the count is already `u32::MAX`; the count is then unchanged.
    pub fn release(&self) {
        todo!(
            "add the permit first, then wake; in which order must a release and an acquirer \
             look at each other's state? (book: mutexes-and-semaphores.md#sleeping-for-a-permit)"
        )
    }

    /// Gives `n` permits back at once, so that up to `n` sleepers can each take one.
    /// `release_n(0)` does nothing.
    ///
    /// # Panics
    /// If the count would go past `u32::MAX`; the count is then unchanged.
    pub fn release_n(&self, n: u32) {
        todo!(
            "like release, for n permits: how many sleepers can they serve? \
             (book: mutexes-and-semaphores.md#counting-semaphores)"
        )
    }

    /// The number of permits available at this moment (another thread may change it at
    /// once, so this is for tests and reports, never for deciding to acquire).
    pub fn available(&self) -> u32 {
        todo!("one load of the count")
    }
}

/// A semaphore that never holds more permits than it was created with (Python's
/// `threading.BoundedSemaphore`): a release beyond that bound is an error.
///
/// `acquire`, `try_acquire` and `acquire_timeout` behave as [`Semaphore`]'s. No owner
/// either: any thread may release. `Send` and `Sync`.
pub struct BoundedSemaphore {
    // Replace this placeholder: a bounded semaphore is a semaphore and its bound.
    _todo: (),
}

impl BoundedSemaphore {
    /// A bounded semaphore with `permits` permits available; `permits` is also its bound.
    pub fn new(permits: u32) -> Self {
        todo!("a semaphore with `permits` permits, and remember the bound")
    }

    /// Takes one permit, sleeping while there is none (as [`Semaphore::acquire`]).
    pub fn acquire(&self) {
        todo!("as Semaphore::acquire")
    }

    /// Takes one permit if one is available right now (as [`Semaphore::try_acquire`]).
    pub fn try_acquire(&self) -> bool {
        todo!("as Semaphore::try_acquire")
    }

    /// Takes one permit, sleeping at most about `timeout` (as
    /// [`Semaphore::acquire_timeout`]).
    pub fn acquire_timeout(&self, timeout: Duration) -> bool {
        todo!("as Semaphore::acquire_timeout")
    }

    /// Gives one permit back and wakes a sleeper as [`Semaphore::release`] does, or, when
    /// every permit is already available, returns `Err(OverRelease)` and changes nothing.
    ///
    /// Two threads that release at the same time when one permit is missing: exactly one of
    /// them succeeds, and the count never goes past the bound, even for a moment.
    pub fn release(&self) -> Result<(), OverRelease> {
        todo!(
            "check the bound and add in the same atomic step: two releases must not both pass \
             the check (book: mutexes-and-semaphores.md#bounded-semaphores)"
        )
    }

    /// The number of permits available at this moment.
    pub fn available(&self) -> u32 {
        todo!("as Semaphore::available")
    }

    /// The most permits it can hold: the number it was created with.
    pub fn bound(&self) -> u32 {
        todo!("the number given to new")
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
