// Exercise 09 · Monitor. Book: book/src/part-3/condition-variables.md
//
// The condition variable: a notification counter that waiters sleep on with
// `crate::sync::atomic_wait`, used together with the provided `Mutex` (src/mutex.rs).

use std::time::{Duration, Instant};

use super::mutex::MutexGuard;
use crate::sync::atomic::{AtomicU32, Ordering};
use crate::sync::atomic_wait;

/// A condition variable: threads wait on it, holding a [`Mutex`](super::mutex::Mutex)'s
/// guard, until another thread notifies them.
///
/// Waking is Mesa-style: a woken thread gets the mutex back later, after the notifier and
/// maybe others have run, and a wait may also end with no notification at all (a spurious
/// wake-up). So a caller re-checks its condition after every wait: [`wait_while`] does it for
/// you. A notification made while nobody waits is not kept for later, as a semaphore keeps a
/// permit: a `wait_timeout` begun after it still waits its whole timeout.
///
/// `Condvar` is `Send` and `Sync`, and meant to be used with one mutex at a time.
///
/// [`wait_while`]: Condvar::wait_while
pub struct Condvar {
    // Bumped by every notify. A waiter reads it while it still holds the mutex and sleeps
    // only while it is unchanged, so a notify made after that read (which must take the
    // mutex first, to change the condition) cannot be missed.
    counter: AtomicU32,
}

impl Condvar {
    /// A condition variable nobody waits on.
    pub fn new() -> Self {
        Condvar {
            counter: AtomicU32::new(0),
        }
    }

    /// Unlocks the guard's mutex, sleeps until notified (or woken spuriously), locks the
    /// mutex again and returns the new guard.
    pub fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
        // Read while the mutex is held: a notifier changes the condition under the mutex,
        // so its bump comes after this read and makes the sleep below return. Relaxed: the
        // mutex orders the read before the notifier's bump, and the data is handed over by
        // the mutex's own Release/Acquire.
        let seen = self.counter.load(Ordering::Relaxed);
        let mutex = MutexGuard::mutex(&guard);
        drop(guard);
        atomic_wait::wait(&self.counter, seen);
        mutex.lock()
    }

    /// Like [`wait`](Condvar::wait), for at most `timeout`. Returns the new guard and `true`
    /// if the whole `timeout` has passed (by the clock) when it returns.
    pub fn wait_timeout<'a, T>(
        &self,
        guard: MutexGuard<'a, T>,
        timeout: Duration,
    ) -> (MutexGuard<'a, T>, bool) {
        let start = Instant::now();
        let seen = self.counter.load(Ordering::Relaxed);
        let mutex = MutexGuard::mutex(&guard);
        drop(guard);
        atomic_wait::wait_timeout(&self.counter, seen, timeout);
        let guard = mutex.lock();
        (guard, start.elapsed() >= timeout)
    }

    /// Waits while `condition` returns `true` for the value under the mutex, and returns the
    /// guard once it returns `false` (at once if it already does).
    pub fn wait_while<'a, T, F>(
        &self,
        mut guard: MutexGuard<'a, T>,
        mut condition: F,
    ) -> MutexGuard<'a, T>
    where
        F: FnMut(&mut T) -> bool,
    {
        while condition(&mut *guard) {
            guard = self.wait(guard);
        }
        guard
    }

    /// Like [`wait_while`](Condvar::wait_while), for at most `timeout` in all. Returns the
    /// guard and `true` if it gave up because the time ran out while `condition` still
    /// returned `true`.
    pub fn wait_timeout_while<'a, T, F>(
        &self,
        mut guard: MutexGuard<'a, T>,
        timeout: Duration,
        mut condition: F,
    ) -> (MutexGuard<'a, T>, bool)
    where
        F: FnMut(&mut T) -> bool,
    {
        let Some(deadline) = Instant::now().checked_add(timeout) else {
            // Too far away for the clock: no time limit at all.
            return (self.wait_while(guard, condition), false);
        };
        while condition(&mut *guard) {
            let now = Instant::now();
            if now >= deadline {
                return (guard, true);
            }
            guard = self.wait_timeout(guard, deadline - now).0;
        }
        (guard, false)
    }

    /// Wakes one thread waiting on this condition variable, if any.
    pub fn notify_one(&self) {
        // Relaxed: see `wait`; the bump only has to change the value the sleeper compares.
        self.counter.fetch_add(1, Ordering::Relaxed);
        atomic_wait::wake_one(&self.counter);
    }

    /// Wakes every thread waiting on this condition variable.
    pub fn notify_all(&self) {
        self.counter.fetch_add(1, Ordering::Relaxed);
        atomic_wait::wake_all(&self.counter);
    }
}

impl Default for Condvar {
    fn default() -> Self {
        Condvar::new()
    }
}
