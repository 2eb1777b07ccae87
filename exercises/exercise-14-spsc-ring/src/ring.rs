// Exercise 14 · SPSC ring. Book: book/src/part-5/lock-free-queues.md
//
// Replace each `todo!` body. No lock: a buffer of slots that the two sides share, and two
// counters, each written by one side only. Take everything from `crate::sync` and the
// padding from crossbeam-utils:
//     use crate::sync::Arc;
//     use crate::sync::atomic::{AtomicUsize, Ordering};
//     use crate::sync::cell::UnsafeCell;      // `with(|ptr| ..)` / `with_mut(|ptr| ..)`
//     use crossbeam_utils::CachePadded;
//     use std::mem::MaybeUninit;              // a slot that may hold no item yet
// Every `unsafe` block needs a `// SAFETY:` line that says why no other thread touches the
// slot meanwhile, and every ordering a comment that says what it pairs with.

/// What the two sides share: replace this placeholder with the slots and the two counters.
struct Shared<T> {
    _todo: std::marker::PhantomData<T>,
}

impl<T> Drop for Shared<T> {
    fn drop(&mut self) {
        todo!(
            "the last side is gone: which slots still hold an item nobody popped? (book: lock-free-queues.md#the-spsc-ring)"
        )
    }
}

/// The pushing side of a ring made by [`ring`]: there is exactly one.
///
/// `Producer<T>` is `Send` when `T` is `Send` (move it to the thread that pushes), and
/// neither `Clone` nor `Sync`: no second producer can exist, and no two threads can push at
/// once, so `push` needs no compare-and-swap and no lock.
pub struct Producer<T> {
    // Replace this placeholder: the shared part, and what this side remembers.
    _todo: std::marker::PhantomData<(Shared<T>, std::cell::Cell<()>)>,
}

/// The popping side of a ring made by [`ring`]: there is exactly one.
///
/// `Consumer<T>` is `Send` when `T` is `Send`, and neither `Clone` nor `Sync`.
pub struct Consumer<T> {
    // Replace this placeholder: the shared part, and what this side remembers.
    _todo: std::marker::PhantomData<(Shared<T>, std::cell::Cell<()>)>,
}

/// A bounded first-in first-out queue for one producer thread and one consumer thread,
/// without locks, split into its two sides.
///
/// The ring holds at most `capacity` items, exactly: the `capacity + 1`-th push before any
/// pop fails (how big the buffer behind it is, is up to you). Items come out in the order
/// they went in, each exactly once. Neither side ever blocks or spins: `push` on a full ring
/// and `pop` on an empty one return at once, without a
/// few turns of spinning or yielding first (the caller decides whether to retry).
///
/// Items still in the ring when both sides have been dropped are dropped then, each exactly
/// once; an item popped or given back is the caller's. Dropping one side does not disturb
/// the other: the consumer can still pop what was pushed, the producer can still push.
///
/// # Panics
/// If `capacity` is 0.
pub fn ring<T>(capacity: usize) -> (Producer<T>, Consumer<T>) {
    ring_starting_at(capacity, 0)
}

/// Like [`ring`], with your counters starting at `start` instead of 0: the ring behaves as
/// one made by `ring(capacity)` that has already passed `start` items through. The tests
/// start near `usize::MAX` so that your counters wrap around after a few items, without
/// 2^64 pushes first. If your counters wrap at `usize::MAX` (they move on with
/// `wrapping_add`), start them at `start` itself, unreduced: a `start % capacity` would keep
/// them from ever reaching the wrap the tests are there to check. If they wrap earlier, at a
/// bound of your own (positions kept below the buffer's length, say), start them at
/// `start % bound`, reduced by that bound and no other.
///
/// # Panics
/// If `capacity` is 0.
pub fn ring_starting_at<T>(capacity: usize, start: usize) -> (Producer<T>, Consumer<T>) {
    todo!(
        "a buffer of slots, two counters that start at `start`, one Arc for both sides (book: lock-free-queues.md#the-spsc-ring and #cache-padding)"
    )
}

impl<T> Producer<T> {
    /// Adds `item` at the back of the ring; `Err(item)` (the same item, given back) if the
    /// ring holds `capacity` items. Never blocks: a caller that must get the item in retries.
    /// The consumer sees the item whole, never half-written.
    pub fn push(&mut self, item: T) -> Result<(), T> {
        todo!(
            "is there room? Write the slot, then publish it: which ordering makes the write visible with the counter? (book: lock-free-queues.md#the-spsc-ring)"
        )
    }

    /// The most items the ring holds (what `ring` was given).
    pub fn capacity(&self) -> usize {
        todo!("(book: lock-free-queues.md#exercise)")
    }

    /// How many items are in the ring now: a snapshot, between 0 and `capacity`; the
    /// consumer may pop as soon as it is read.
    pub fn len(&self) -> usize {
        todo!("(book: lock-free-queues.md#exercise)")
    }

    /// Whether the ring holds no item now (a snapshot, as `len`).
    pub fn is_empty(&self) -> bool {
        todo!("(book: lock-free-queues.md#exercise)")
    }
}

impl<T> Consumer<T> {
    /// Takes the item at the front of the ring; `None` if the ring is empty. Never blocks.
    /// Once it has returned, the producer may reuse that item's slot.
    pub fn pop(&mut self) -> Option<T> {
        todo!(
            "the mirror image of push: is there an item? Move it out, then tell the producer the slot is free (book: lock-free-queues.md#the-spsc-ring)"
        )
    }

    /// The most items the ring holds (what `ring` was given).
    pub fn capacity(&self) -> usize {
        todo!("(book: lock-free-queues.md#exercise)")
    }

    /// How many items are in the ring now: a snapshot, between 0 and `capacity`; the
    /// producer may push as soon as it is read.
    pub fn len(&self) -> usize {
        todo!("(book: lock-free-queues.md#exercise)")
    }

    /// Whether the ring holds no item now (a snapshot, as `len`).
    pub fn is_empty(&self) -> bool {
        todo!("(book: lock-free-queues.md#exercise)")
    }
}
