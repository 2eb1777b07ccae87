// A once cell: the first caller of get_or_init runs the initialiser, every other caller waits
// for it and then shares the value.

use crate::sync::atomic::{AtomicU8, Ordering};
use crate::sync::cell::UnsafeCell;
use crate::sync::hint;

/// No value, and no thread is making one.
const EMPTY: u8 = 0;
/// One thread is running its initialiser; the others wait.
const RUNNING: u8 = 1;
/// The value is written and never changes again.
const READY: u8 = 2;

/// A cell written at most once, by whichever thread asks for the value first.
///
/// If the initialiser panics, the panic reaches its caller and the cell goes back to empty,
/// so the next caller, or one that was waiting, runs its own initialiser.
pub struct OnceCell<T> {
    state: AtomicU8,
    value: UnsafeCell<Option<T>>,
}

// SAFETY: through `&OnceCell` threads share `&T` (needs `T: Sync`), and the `T` made by the
// initialiser on one thread is dropped with the cell on another (needs `T: Send`). Access to
// `value` itself is ordered by `state`: written once while RUNNING, read only after READY.
// `Send` needs no impl: it is derived when `T: Send`, and moving the cell moves the `T`.
unsafe impl<T: Send + Sync> Sync for OnceCell<T> {}

impl<T> OnceCell<T> {
    /// An empty cell.
    pub fn new() -> Self {
        Self {
            state: AtomicU8::new(EMPTY),
            value: UnsafeCell::new(None),
        }
    }

    /// The value, if some `get_or_init` has finished writing it.
    pub fn get(&self) -> Option<&T> {
        // Acquire pairs with the Release store of READY: seeing READY, we also see the value
        // written before it.
        if self.state.load(Ordering::Acquire) == READY {
            // SAFETY: READY is final and the write happened before it (see above); from now
            // on the value is only read, so a shared reference for as long as `&self` is fine.
            self.value.with(|value| unsafe { (*value).as_ref() })
        } else {
            None
        }
    }

    /// The value, made by `f` if the cell is empty. Among racing callers, one runs its `f`;
    /// the others wait for it and all return the same value.
    ///
    /// `f` must not call `get_or_init` on the same cell: it would wait for itself forever.
    pub fn get_or_init(&self, f: impl FnOnce() -> T) -> &T {
        loop {
            if let Some(value) = self.get() {
                return value;
            }
            // Only the thread that moves the state from EMPTY to RUNNING runs its `f`.
            // Relaxed: the winner reads nothing another thread wrote (a panicked winner wrote
            // nothing), and the losers read the value only through `get`'s Acquire.
            if self
                .state
                .compare_exchange(EMPTY, RUNNING, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
            {
                return self.initialise(f);
            }
            // Another thread is running its `f`: wait until it finishes (READY) or panics
            // (EMPTY), then look again.
            while self.state.load(Ordering::Relaxed) == RUNNING {
                hint::spin_loop();
            }
        }
    }

    /// Runs `f` and publishes its value; the caller has moved the state to RUNNING.
    fn initialise(&self, f: impl FnOnce() -> T) -> &T {
        let reset = ResetOnPanic(&self.state);
        let value = f();
        std::mem::forget(reset);
        // SAFETY: this thread moved the state to RUNNING, so no other thread writes the value,
        // and none reads it before it sees READY. After this write the value is only read, so
        // the reference `insert` returns may be shared for as long as `&self`.
        let value = self.value.with_mut(|slot| unsafe { (*slot).insert(value) });
        // Release publishes the write above to every thread that loads READY with Acquire.
        self.state.store(READY, Ordering::Release);
        value
    }
}

impl<T> Default for OnceCell<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// Put back to EMPTY when dropped: armed while the initialiser runs, so that a panic in it
/// lets a later caller try again instead of waiting forever.
struct ResetOnPanic<'a>(&'a AtomicU8);

impl Drop for ResetOnPanic<'_> {
    fn drop(&mut self) {
        // Relaxed: the panicked initialiser wrote nothing to the cell, so nothing to publish.
        self.0.store(EMPTY, Ordering::Relaxed);
    }
}
