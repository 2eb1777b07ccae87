// Exercise 09 · Monitor. Book: book/src/part-3/condition-variables.md
//
// Part 1 of 4. Fill in each `todo!()`. Build the condition variable on the wait/wake
// primitive, through the std/loom switch:
//     use crate::sync::atomic::{AtomicU32, Ordering};
//     use crate::sync::atomic_wait;   // wait(&a, v), wait_timeout(&a, v, d), wake_one(&a), wake_all(&a)
// and the provided mutex (src/mutex.rs): `MutexGuard::mutex(&guard)` names the mutex a guard
// holds, so you can drop the guard (unlocking) and `lock()` the same mutex again later.
// std's and loom's own Mutex and Condvar are off limits here: the point is to build one.
//
// `atomic_wait::wait(&a, v)` sleeps only while `a` still holds `v`, and may return for no
// reason at all. Think about what a waiter must read, and when, so that a notify that comes
// after it decided to wait is never slept through (book: condition-variables.md#lost-wake-ups).

use std::marker::PhantomData;
use std::time::Duration;

use super::mutex::MutexGuard;

/// A condition variable: threads wait on it, holding a [`Mutex`](super::mutex::Mutex)'s
/// guard, until another thread notifies them.
///
/// Waking is Mesa-style: a woken thread gets the mutex back later, after the notifier and
/// maybe others have run, and a wait may also end with no notification at all (a spurious
/// wake-up). So a caller re-checks its condition after every wait: [`wait_while`] does it for
/// you. A notification made while nobody waits is not kept for later, as a semaphore keeps a
/// permit: a `wait_timeout` begun after it still waits its whole timeout. Waiting sleeps
/// (through `crate::sync::atomic_wait`); it never spins or polls.
///
/// `Condvar` is `Send` and `Sync`, and meant to be used with one mutex at a time.
///
/// [`wait_while`]: Condvar::wait_while
pub struct Condvar {
    // Replace this placeholder with what waiters sleep on and notifiers change.
    _todo: PhantomData<()>,
}

impl Condvar {
    /// A condition variable nobody waits on.
    pub fn new() -> Self {
        todo!(
            "start with nothing notified yet (book: condition-variables.md#building-a-condition-variable)"
        )
    }

    /// Unlocks the guard's mutex, sleeps until notified (or woken spuriously), locks the
    /// mutex again and returns the new guard.
    pub fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
        todo!(
            "note what you will sleep on while the mutex is still held, then unlock, sleep, \
             lock again (book: condition-variables.md#building-a-condition-variable)"
        )
    }

    /// Like [`wait`](Condvar::wait), for at most `timeout`. Returns the new guard and `true`
    /// if the whole `timeout` has passed (by the clock) when it returns.
    pub fn wait_timeout<'a, T>(
        &self,
        guard: MutexGuard<'a, T>,
        timeout: Duration,
    ) -> (MutexGuard<'a, T>, bool) {
        todo!(
            "wait() with atomic_wait::wait_timeout; it tells you nothing about why it returned: \
             ask the clock (book: condition-variables.md#building-a-condition-variable)"
        )
    }

    /// Waits while `condition` returns `true` for the value under the mutex, and returns the
    /// guard once it returns `false` (at once if it already does).
    pub fn wait_while<'a, T, F>(&self, guard: MutexGuard<'a, T>, condition: F) -> MutexGuard<'a, T>
    where
        F: FnMut(&mut T) -> bool,
    {
        todo!(
            "a wait can end for no reason (book: condition-variables.md#why-the-wait-is-in-a-loop)"
        )
    }

    /// Like [`wait_while`](Condvar::wait_while), for at most `timeout` in all. Returns the
    /// guard and `true` if it gave up because the time ran out while `condition` still
    /// returned `true`. A timeout too long for the clock (`Duration::MAX`) means no limit.
    pub fn wait_timeout_while<'a, T, F>(
        &self,
        guard: MutexGuard<'a, T>,
        timeout: Duration,
        condition: F,
    ) -> (MutexGuard<'a, T>, bool)
    where
        F: FnMut(&mut T) -> bool,
    {
        todo!(
            "a deadline, and after each wait the condition and the time that is left \
             (book: condition-variables.md#why-the-wait-is-in-a-loop)"
        )
    }

    /// Wakes one thread waiting on this condition variable, if any.
    pub fn notify_one(&self) {
        todo!(
            "what must change before you wake, so a waiter about to sleep does not? (book: condition-variables.md#lost-wake-ups)"
        )
    }

    /// Wakes every thread waiting on this condition variable.
    pub fn notify_all(&self) {
        todo!(
            "as notify_one, for all of them (book: condition-variables.md#building-a-condition-variable)"
        )
    }
}

impl Default for Condvar {
    fn default() -> Self {
        Condvar::new()
    }
}
