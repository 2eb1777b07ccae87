// Alternative: one compare_exchange loop that reads the state it failed on (Err(READY): done,
// Err(RUNNING): wait, Err(EMPTY): try again) with Acquire on failure, and a guard with an
// `armed` flag instead of mem::forget; correct because only the EMPTY -> RUNNING exchange runs
// the initialiser, and every path to the value passes an Acquire load that reads the Release
// store of READY.

use crate::sync::atomic::{AtomicU8, Ordering};
use crate::sync::cell::UnsafeCell;
use crate::sync::hint;

const EMPTY: u8 = 0;
const RUNNING: u8 = 1;
const READY: u8 = 2;

/// A cell written at most once, by whichever thread asks for the value first.
pub struct OnceCell<T> {
    state: AtomicU8,
    value: UnsafeCell<Option<T>>,
}

// SAFETY: threads share `&T` through the cell (needs `T: Sync`) and the `T` made on one thread
// is dropped with the cell on another (needs `T: Send`); `value` is written only by the thread
// that moved the state to RUNNING, and read only after an Acquire load that saw READY.
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
        // Acquire: seeing READY, we see the value written before its Release store.
        if self.state.load(Ordering::Acquire) == READY {
            // SAFETY: READY is final and ordered after the only write to `value`.
            Some(unsafe { self.value_unchecked() })
        } else {
            None
        }
    }

    /// The value, made by `f` if the cell is empty; racing callers wait and share it.
    pub fn get_or_init(&self, f: impl FnOnce() -> T) -> &T {
        loop {
            // Acquire on failure: an Err(READY) is followed by a read of the value.
            match self
                .state
                .compare_exchange(EMPTY, RUNNING, Ordering::Acquire, Ordering::Acquire)
            {
                Ok(_) => break,
                // SAFETY: the failed exchange read READY with Acquire (see `get`).
                Err(READY) => return unsafe { self.value_unchecked() },
                Err(_) => {
                    // RUNNING: wait until it finishes or panics; EMPTY: try again at once.
                    while self.state.load(Ordering::Relaxed) == RUNNING {
                        hint::spin_loop();
                    }
                }
            }
        }
        let mut guard = Reset {
            state: &self.state,
            armed: true,
        };
        let value = f();
        guard.armed = false;
        // SAFETY: this thread owns RUNNING, so it is the only one touching `value`; nobody
        // reads it before the Release store of READY below.
        self.value.with_mut(|slot| unsafe { *slot = Some(value) });
        self.state.store(READY, Ordering::Release);
        // SAFETY: READY was just stored by this thread, after the write.
        unsafe { self.value_unchecked() }
    }

    /// # Safety
    /// The state must have been seen READY by this thread (with Acquire, or stored by it).
    unsafe fn value_unchecked(&self) -> &T {
        // SAFETY: by the caller's promise the value is written and never written again.
        self.value
            .with(|value| unsafe { (*value).as_ref() })
            .expect("READY with no value")
    }
}

impl<T> Default for OnceCell<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// Puts the state back to EMPTY if the initialiser unwinds while it is armed.
struct Reset<'a> {
    state: &'a AtomicU8,
    armed: bool,
}

impl Drop for Reset<'_> {
    fn drop(&mut self) {
        if self.armed {
            // Relaxed: the panicked initialiser wrote nothing to publish.
            self.state.store(EMPTY, Ordering::Relaxed);
        }
    }
}
