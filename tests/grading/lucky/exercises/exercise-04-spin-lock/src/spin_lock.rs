// Fixture for tests/grading.rs (`--repeat`): the reference spin lock that works in the first
// run of its suite and panics (in `new`) in every later one, as a lucky pass of a stress
// test would. It counts the runs in a file beside the grader's scratch folder (the run's
// TMPDIR is `<out>/scratch/NN`, emptied before each run).

// A spin lock: one flag that says "held", and the value it protects.

use std::ops::{Deref, DerefMut};

use crate::sync::atomic::{AtomicBool, Ordering};
use crate::sync::cell::UnsafeCell;
use crate::sync::hint;

/// A mutual-exclusion lock that waits by spinning.
pub struct SpinLock<T> {
    locked: AtomicBool,
    value: UnsafeCell<T>,
}

// SAFETY: the lock hands out access to `value` to one thread at a time, so sharing the lock
// only ever moves the `T` between threads: that needs `T: Send`, not `T: Sync`.
unsafe impl<T: Send> Sync for SpinLock<T> {}

impl<T> SpinLock<T> {
    /// A new, unlocked lock around `value`.
    pub fn new(value: T) -> Self {
        assert!(
            !*LATER_RUN.get_or_init(count_this_run),
            "unlucky: a later run of the same suite"
        );
        Self {
            locked: AtomicBool::new(false),
            value: UnsafeCell::new(value),
        }
    }

    /// Waits until the lock is free, takes it, and returns a guard that releases it on drop.
    pub fn lock(&self) -> SpinGuard<'_, T> {
        // Acquire pairs with the Release in `unlock`: everything the previous holder wrote
        // before unlocking is visible to us once the swap has read its `false`.
        while self.locked.swap(true, Ordering::Acquire) {
            // Wait with plain loads until the lock looks free, so waiters do not keep
            // stealing the cache line from the holder (test-and-test-and-set).
            while self.locked.load(Ordering::Relaxed) {
                hint::spin_loop();
            }
        }
        SpinGuard { lock: self }
    }

    /// Takes the lock if it is free right now; never waits.
    pub fn try_lock(&self) -> Option<SpinGuard<'_, T>> {
        // Acquire for the same reason as in `lock`; Relaxed on failure: we read nothing then.
        self.locked
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
            .then(|| SpinGuard { lock: self })
    }

    /// Consumes the lock and returns the value: no other thread can hold it any more.
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }

    fn unlock(&self) {
        // Release publishes every write made under the lock to the next Acquire of it.
        self.locked.store(false, Ordering::Release);
    }
}

/// Proof that the current thread holds a [`SpinLock`]; dropping it unlocks.
pub struct SpinGuard<'a, T> {
    lock: &'a SpinLock<T>,
}

// SAFETY: a shared `&SpinGuard` hands out only `&T`, so it may cross threads when `&T` may,
// that is when `T: Sync`. Without this impl the guard would be `Sync` whenever the lock is,
// which only requires `T: Send`, and `&Cell<_>` could then be shared between threads.
unsafe impl<T: Sync> Sync for SpinGuard<'_, T> {}

impl<T> Deref for SpinGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the guard exists, so this thread holds the lock and no one else can write.
        self.lock.value.with(|value| unsafe { &*value })
    }
}

impl<T> DerefMut for SpinGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard exists and is borrowed mutably: this is the only access to `value`.
        self.lock.value.with_mut(|value| unsafe { &mut *value })
    }
}

impl<T> Drop for SpinGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.unlock();
    }
}

/// Whether this test process belongs to a later run of the suite than the first.
static LATER_RUN: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

/// The first process of a run (the suite may start more) creates a marker in the run's
/// TMPDIR and adds one to the count of runs kept two folders up; the others only read it.
fn count_this_run() -> bool {
    let Some(tmp) = std::env::var_os("TMPDIR").map(std::path::PathBuf::from) else {
        return false;
    };
    let count = tmp.join("../../lucky-runs");
    let runs = || {
        std::fs::read_to_string(&count)
            .ok()
            .and_then(|text| text.trim().parse::<u32>().ok())
            .unwrap_or(0)
    };
    let first_here = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(tmp.join("lucky-run-counted"))
        .is_ok();
    if first_here {
        let _ = std::fs::write(&count, (runs() + 1).to_string());
    }
    runs() > 1
}
