// Exercise 03 · Atomics, part 3: a once cell. Book: book/src/part-2/atomics.md#a-once-cell,
// and read book/src/part-2/memory-ordering.md before you start: unlike the counter and the
// slots, the cell hands a value from one thread to others, and only an Acquire/Release pair
// makes that safe (book: memory-ordering.md#exercise-03-the-once-cell).
//
// Fill in each `todo!()`. Useful imports, all through the std/loom switch:
//     use crate::sync::atomic::{AtomicU8, Ordering};
//     use crate::sync::cell::UnsafeCell;
//     use crate::sync::hint;
// No Mutex: the point is to build the waiting from one atomic state.

use std::marker::PhantomData;

/// A cell written at most once, by whichever thread asks for the value first.
///
/// Racing callers of [`get_or_init`](OnceCell::get_or_init) run the initialiser at most once
/// in total and all get the same value. Lazy initialisation is a check-then-act race: "if
/// empty, make the value" must not let two threads both see "empty"
/// (book: lost-update.md#check-then-act).
///
/// The value is dropped when the cell is, exactly once: an `Option<T>` field does that by
/// itself; a `MaybeUninit<T>` would need a `Drop` impl that checks the state.
///
/// If the initialiser panics, the panic reaches its caller and the cell goes back to empty:
/// the next caller (or one that was waiting) runs its own initialiser.
pub struct OnceCell<T> {
    // Replace this placeholder with the state the cell needs: an atomic state (empty, being
    // initialised, ready) and an `UnsafeCell<Option<T>>` for the value.
    _todo: PhantomData<T>,
}

// SAFETY: (write it when your fields are in) through `&OnceCell` threads share `&T`, which
// needs `T: Sync`, and a `T` made by one thread's initialiser is dropped with the cell on
// another, which needs `T: Send`. `Send` needs no impl: it is derived when `T: Send`.
unsafe impl<T: Send + Sync> Sync for OnceCell<T> {}

impl<T> OnceCell<T> {
    /// An empty cell.
    pub fn new() -> Self {
        todo!("start empty, with no value (book: atomics.md#a-once-cell)")
    }

    /// The value, if some `get_or_init` has finished writing it; `None` before that.
    pub fn get(&self) -> Option<&T> {
        todo!(
            "read the state, and the value only if the state says ready; which ordering makes \
             the initialiser's write visible here? (book: memory-ordering.md#acquire-and-release)"
        )
    }

    /// The value, made by `f` if the cell is empty. Among racing callers, one runs its `f`;
    /// the others wait for it (spinning with `crate::sync::hint::spin_loop()`) and all return
    /// the same value.
    ///
    /// `f` must not call `get_or_init` on the same cell: it would wait for itself forever.
    pub fn get_or_init(&self, f: impl FnOnce() -> T) -> &T {
        todo!(
            "only the thread whose compare_exchange moves the state from empty to running runs \
             f; it writes the value and then publishes 'ready'; the others wait until ready. \
             If f panics, put the state back to empty (a guard whose Drop does it) \
             (book: atomics.md#a-once-cell, memory-ordering.md#what-breaks)"
        )
    }
}

impl<T> Default for OnceCell<T> {
    /// The same as [`OnceCell::new`].
    fn default() -> Self {
        Self::new()
    }
}
