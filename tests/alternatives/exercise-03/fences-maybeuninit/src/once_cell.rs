// Alternative: the value in a MaybeUninit with a Drop impl that checks the state, and fences
// instead of ordered operations (a Release fence before a Relaxed store of READY, a Relaxed
// load of READY followed by an Acquire fence); correct because a fence pair orders the write of
// the value before every read of it just as a Release store and an Acquire load would.

use std::mem::MaybeUninit;

use crate::sync::atomic::{AtomicU8, Ordering, fence};
use crate::sync::cell::UnsafeCell;
use crate::sync::hint;

const EMPTY: u8 = 0;
const RUNNING: u8 = 1;
const READY: u8 = 2;

/// A cell written at most once, by whichever thread asks for the value first.
pub struct OnceCell<T> {
    state: AtomicU8,
    value: UnsafeCell<MaybeUninit<T>>,
}

// SAFETY: threads share `&T` (needs `T: Sync`), and the `T` is dropped with the cell on any
// thread (needs `T: Send`). `value` is written once by the thread holding RUNNING and read only
// after READY was seen and an Acquire fence pairs with the Release fence before READY.
unsafe impl<T: Send + Sync> Sync for OnceCell<T> {}

impl<T> OnceCell<T> {
    /// An empty cell.
    pub fn new() -> Self {
        Self {
            state: AtomicU8::new(EMPTY),
            value: UnsafeCell::new(MaybeUninit::uninit()),
        }
    }

    /// The value, if some `get_or_init` has finished writing it.
    pub fn get(&self) -> Option<&T> {
        if self.state.load(Ordering::Relaxed) != READY {
            return None;
        }
        // Pairs with the Release fence in `get_or_init`: the value's write is visible now.
        fence(Ordering::Acquire);
        // SAFETY: READY is final and the value was fully written before it (fences above).
        Some(
            self.value
                .with(|value| unsafe { (*value).assume_init_ref() }),
        )
    }

    /// The value, made by `f` if the cell is empty; racing callers wait and share it.
    pub fn get_or_init(&self, f: impl FnOnce() -> T) -> &T {
        loop {
            if let Some(value) = self.get() {
                return value;
            }
            // Relaxed: taking RUNNING hands over no data; the value is read only via `get`.
            if self
                .state
                .compare_exchange(EMPTY, RUNNING, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
            {
                break;
            }
            while self.state.load(Ordering::Relaxed) == RUNNING {
                hint::spin_loop();
            }
        }
        let value = catch_and_reset(&self.state, f);
        // SAFETY: this thread holds RUNNING: nobody else writes `value`, nobody reads it
        // before READY.
        self.value.with_mut(|slot| unsafe { (*slot).write(value) });
        // The fence makes the Relaxed store below publish the write above.
        fence(Ordering::Release);
        self.state.store(READY, Ordering::Relaxed);
        self.get().expect("READY was just stored")
    }
}

/// Runs `f`; if it panics, puts `state` back to EMPTY and lets the panic go on.
fn catch_and_reset<T>(state: &AtomicU8, f: impl FnOnce() -> T) -> T {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(value) => value,
        Err(payload) => {
            // Relaxed: the failed initialiser wrote nothing to publish.
            state.store(EMPTY, Ordering::Relaxed);
            std::panic::resume_unwind(payload)
        }
    }
}

impl<T> Drop for OnceCell<T> {
    fn drop(&mut self) {
        // `&mut self`: no other thread can touch the cell now; Acquire only for form.
        if self.state.load(Ordering::Acquire) == READY {
            // SAFETY: READY means the value was written, and it is dropped only here, once.
            self.value
                .with_mut(|value| unsafe { (*value).assume_init_drop() });
        }
    }
}

impl<T> Default for OnceCell<T> {
    fn default() -> Self {
        Self::new()
    }
}
