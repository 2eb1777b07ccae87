// Exercise 12 · Deadlock detector. Book: book/src/part-4/detecting-deadlock.md
//
// Fill in each `todo!()`. What you build: locks that watch themselves. A `Detector` makes
// the locks (`detector.mutex("a", value)`) and remembers, for all of them together:
//   - which thread holds each lock,
//   - which locks each thread holds, in the order it took them, and where
//     (`std::panic::Location`, the caller's line),
//   - which thread is asleep waiting for which lock,
//   - the lock-order graph: an edge "held -> taken" for every pair a thread has ever
//     taken that way, with both call sites and the thread,
//   - the inversions reported so far (`src/report.rs`, provided, has the types).
//
// Keep all of that in ONE struct behind one `crate::sync::Mutex` (the detector's state
// mutex), shared by the detector and its locks through a `crate::sync::Arc`. Hold it only
// for the few steps of a lock() or an unlock, never while sleeping or while the caller uses
// the value. Useful imports, all through the std/loom switch:
//     use crate::sync::{Arc, Mutex as StateLock};
//     use crate::sync::atomic::{AtomicU32, Ordering};
//     use crate::sync::atomic_wait;          // wait(&a, v), wake_all(&a)
//     use crate::sync::cell::UnsafeCell;     // the value: with(|p| ..), with_mut(|p| ..)
//     use crate::sync::thread::current_number;  // names the calling thread (never 0)
//     use std::collections::{HashMap, BTreeMap, VecDeque};
//
// A thread that must wait for a lock sleeps in `atomic_wait::wait`, on an AtomicU32 of
// that lock that every release bumps: read it under the state mutex when you decide to
// sleep, bump it under the state mutex when you release, and wake after unlocking the
// state mutex. (Not a Condvar: when a ring of threads sleeps for ever, loom reports a
// sleeper in atomic_wait as a failed test, with its line; a hang on a Condvar can abort the
// whole test run without a word.)

use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};

#[allow(unused_imports)] // until your code builds them
use super::report::{Deadlock, Edge, Inversion, Waiting};

/// A deadlock detector: it makes the locks it watches, and remembers, for all of them
/// together, the lock-order graph, who holds what, and who waits for what.
///
/// Each detector is separate: locks of two detectors never see each other (the tests make
/// a new detector for each check). Cloning a detector gives a second handle on the same one.
/// `Detector` is `Send` and `Sync`.
#[derive(Clone)]
pub struct Detector {
    // Replace this placeholder with a shared handle (`crate::sync::Arc`) on the state mutex.
    _todo: (),
}

impl Default for Detector {
    fn default() -> Self {
        Self::new()
    }
}

impl Detector {
    /// A detector that watches no lock yet and has reported nothing.
    pub fn new() -> Self {
        todo!(
            "an empty state behind a mutex, shared through an Arc (book: detecting-deadlock.md#exercise)"
        )
    }

    /// A new, unlocked mutex around `value`, watched by this detector and called `name` in
    /// its reports. Two mutexes may share a name; they are still two locks.
    pub fn mutex<T>(&self, name: impl Into<String>, value: T) -> Mutex<T> {
        todo!(
            "give the lock a number of its own in the state, free, with its name (book: detecting-deadlock.md#exercise)"
        )
    }

    /// Every lock-order inversion found so far, oldest first (each call returns them all: it
    /// reads the list, it does not empty it). Each edge of the lock-order graph that closed a
    /// cycle when it was first added is reported once, however often the same locks are taken
    /// in that order again.
    pub fn reports(&self) -> Vec<Inversion> {
        todo!(
            "a copy of the reports kept in the state (book: detecting-deadlock.md#reporting-an-inversion)"
        )
    }
}

/// A mutual-exclusion lock watched by a [`Detector`] (made by [`Detector::mutex`]).
///
/// At most one guard exists at a time; a thread that finds the lock held sleeps until it is
/// released (through `crate::sync::atomic_wait`, never spinning). `Mutex<T>` is `Send` and
/// `Sync` when `T: Send`.
pub struct Mutex<T> {
    // Replace this placeholder: the shared state, this lock's number and name, the counter
    // its waiters sleep on, and the value (`crate::sync::cell::UnsafeCell`).
    _todo: PhantomData<T>,
}

// SAFETY: (write it when your fields are in) the value is handed to one thread at a time,
// so sharing the mutex only moves the `T` between threads: `T: Send` is enough.
unsafe impl<T: Send> Sync for Mutex<T> {}

impl<T> Mutex<T> {
    /// The name given to [`Detector::mutex`].
    pub fn name(&self) -> &str {
        todo!("the name given to Detector::mutex")
    }

    /// Takes the lock and returns its guard, sleeping while another thread holds it; or
    /// `Err(Deadlock)` where waiting would last for ever.
    ///
    /// `#[track_caller]`: every place this records is `std::panic::Location::caller()`, the
    /// line that called `lock()`, never a line inside the detector.
    ///
    /// First of all, a thread that calls `lock()` on a lock it holds already is a ring of
    /// one: `Err(Deadlock)` at once, with one entry (this thread, held by itself), and
    /// nothing recorded. Otherwise:
    ///
    /// 1. The lock-order graph. For each lock this thread holds (every one, not only the last
    ///    taken; and only this thread's: key the record by `current_number()`), an edge from
    ///    it to this lock, with where each was taken and the thread. Locks are told apart by
    ///    the lock, never by the name (two mutexes may share one). An edge seen before changes nothing. A new edge that
    ///    closes a cycle (a path of recorded edges already leads from this lock back to the
    ///    held one, however long) is reported once, as an [`Inversion`] in
    ///    [`Detector::reports`], even though no thread waits: the lock goes on as usual.
    ///    Looking for the path and recording the edge are one step (under the state mutex).
    /// 2. If the lock is free, it is taken: this thread becomes its holder, and the lock
    ///    joins the thread's record, with where it was taken.
    /// 3. If another thread holds it, the wait-for check: follow the holder to the lock it is
    ///    waiting for (if it waits), to that lock's holder, and so on. If that leads back to
    ///    this thread, waiting would never end: return `Err(Deadlock)` naming the ring,
    ///    starting with this thread, each entry with the line where that thread called
    ///    `lock()` (see `src/report.rs`). Nothing is taken: the lock does not join the
    ///    thread's record, and the thread is not left noted as waiting. The edges of step 1
    ///    stay recorded all the same (the thread did ask for this lock while holding the
    ///    others), and the guards the caller holds are still held (dropping them lets the
    ///    others go on). Otherwise note that this thread waits for this lock, sleep, and when
    ///    woken look again (the lock may be taken by someone else already: then note it again
    ///    and sleep again); once in, this thread waits for nothing. A thread that wakes takes
    ///    back its own note only: other threads may still be asleep waiting for the lock.
    #[track_caller]
    pub fn lock(&self) -> Result<MutexGuard<'_, T>, Deadlock> {
        todo!(
            "under the state mutex: record the edges from each lock this thread holds (and \
             report a new one that closes a cycle), then take the lock if it is free; if not, \
             follow the chain of holders and the locks they wait for: back to you means \
             Err(Deadlock), otherwise note what you wait for and sleep on the lock's counter \
             (book: detecting-deadlock.md#lock-order-graphs, #turning-a-hang-into-an-error)"
        )
    }
}

/// Proof that this thread holds a detector [`Mutex`]. Dropping it releases the lock, takes
/// it out of this thread's record of held locks (locks may be released in any order, not
/// only the last one taken) and wakes the threads waiting for it.
///
/// A thread that panics while holding a guard releases the lock on its way out (the guard
/// is dropped while unwinding), and its record no longer holds that lock: the next `lock()`
/// of any thread gets in and sees the value as the panicking thread left it (no poisoning).
///
/// Not `Send`: the record of held locks is per thread, so the guard is dropped on the thread
/// that took it.
pub struct MutexGuard<'a, T> {
    mutex: &'a Mutex<T>,
    _not_send: PhantomData<*const ()>,
}

// SAFETY: a shared `&MutexGuard` hands out only `&T`: it may cross threads when `T: Sync`.
unsafe impl<T: Sync> Sync for MutexGuard<'_, T> {}

impl<T> Deref for MutexGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        todo!("a shared reference to the value inside self.mutex")
    }
}

impl<T> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        todo!("a mutable reference to the value inside self.mutex")
    }
}

impl<T> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        todo!(
            "under the state mutex: no holder any more, out of this thread's record (wherever \
             it is in it); if a thread waits for this lock, bump its counter; then, after \
             unlocking the state mutex, wake them (book: detecting-deadlock.md#exercise)"
        )
    }
}
