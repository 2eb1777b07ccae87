// Exercise 15 · MPMC queue. Book: book/src/part-5/lock-free-queues.md
//
// Fill in each `todo!()`. Build Dmitry Vyukov's bounded array queue: a fixed array of slots,
// each with an atomic sequence number ("stamp") beside a cell for the item, and two atomic
// positions, the head (where the next pop takes from) and the tail (where the next push puts),
// each on a cache line of its own. What you need:
//     use crate::sync::atomic::{self, AtomicUsize, Ordering};   // atomics and fence
//     use crate::sync::cell::UnsafeCell;                        // .with(|p| ..), .with_mut(|p| ..)
//     use crate::sync::hint;                                    // hint::spin_loop()
//     use crossbeam_utils::CachePadded;
//     use std::mem::MaybeUninit;                                // a cell that may be empty
// Every `unsafe` block needs a `// SAFETY:` comment that says why no other thread can touch
// the same cell at the same time, and every ordering a reason why it is enough.

/// A bounded lock-free first-in first-out queue for any number of producers and consumers,
/// in the shape of crossbeam's `ArrayQueue`.
///
/// It holds at most `capacity` items in a fixed array. [`push`](MpmcQueue::push) adds an item
/// at the back, or gives it back if the queue is full; [`pop`](MpmcQueue::pop) takes the item
/// at the front, or returns `None` if the queue is empty. Neither takes a lock or sleeps: a
/// thread claims a slot with one compare-and-swap on the tail (push) or the head (pop). A call
/// may spin for a moment while another thread finishes writing or reading the slot it needs,
/// but never waits for the queue to change from full or from empty.
///
/// What the queue promises, whatever the threads do at once:
/// - every item pushed comes out of exactly one `pop` (or is dropped with the queue), never
///   two, never none;
/// - items of one producer come out in the order that producer pushed them, and a consumer
///   sees them in that order;
/// - `push` fails only when the queue is full and `pop` returns `None` only when it is empty:
///   an item whose `push` has returned is found by any `pop` that starts afterwards (unless
///   another pop took it), and room made by a `pop` that has returned is found by any later
///   `push`;
/// - each item is dropped exactly once: by whoever popped it, by the caller of a failed
///   `push` (who gets it back), or by the queue's own drop for the items still inside.
///
/// The head and the tail only ever grow (they wrap around to 0 at the end of `usize`), so a
/// thread that read a position and was held up cannot mistake a later round of the same slot
/// for the one it saw. [`near_wrap`](MpmcQueue::near_wrap) makes that wrap reachable in a test.
///
/// `MpmcQueue<T>` is `Send` and `Sync` when `T` is `Send` (share it with an `Arc`), even if
/// `T` is not `Sync`: an item is only ever reached by one thread at a time. It is neither when
/// `T` is not `Send`. No code of the caller runs inside the queue, so a thread that panics
/// elsewhere leaves it usable by the others.
pub struct MpmcQueue<T> {
    // Replace this placeholder: the slots (each a stamp and a cell for an item), the head and
    // the tail (CachePadded), and whatever number tells one lap of positions from the next.
    _todo: std::marker::PhantomData<fn(T) -> T>,
}

impl<T> MpmcQueue<T> {
    /// An empty queue that holds at most `capacity` items (any capacity from 1 up, not only
    /// powers of two).
    ///
    /// # Panics
    /// If `capacity` is 0.
    pub fn new(capacity: usize) -> Self {
        todo!(
            "what does each slot's stamp start as, and what do the head and tail start as? (book: lock-free-queues.md#sequence-numbers)"
        )
    }

    /// For tests: an empty queue that behaves exactly as `new(capacity)`, except that its
    /// positions start near the top of their integer range, so that the head and the tail wrap
    /// around to 0 within the first `2 × capacity` pushes and pops. A long-lived queue meets
    /// that wrap after about 2^64 operations; this one in a few dozen.
    ///
    /// # Panics
    /// If `capacity` is 0.
    pub fn near_wrap(capacity: usize) -> Self {
        todo!(
            "new() with another starting lap: which positions sit two laps before 0? (book: lock-free-queues.md#aba)"
        )
    }

    /// Adds `value` at the back of the queue.
    ///
    /// Returns `Ok(())` once the item is in, or `Err(value)` (the item given back, not
    /// dropped) if the queue holds `capacity` items. Never blocks: it may spin briefly while a
    /// pop finishes freeing the slot it needs, and it retries when another push claimed the
    /// slot first. The item becomes visible to `pop` whole: a consumer never reads a slot
    /// before the producer has finished writing it.
    pub fn push(&self, value: T) -> Result<(), T> {
        todo!(
            "compare the slot's stamp with the tail: free in this lap, still full from the last one, or taken by another push? Claim it with a compare_exchange, write, then publish (book: lock-free-queues.md#the-mpmc-array-queue)"
        )
    }

    /// Takes the item at the front of the queue; `None` if the queue is empty.
    ///
    /// Never blocks: it may spin briefly while a push finishes writing the slot it needs, and
    /// it retries when another pop claimed the slot first. Each item comes out of one `pop`
    /// only.
    pub fn pop(&self) -> Option<T> {
        todo!(
            "the mirror image of push: which stamp says \"full in this lap\", and what does the slot's stamp become after the read? (book: lock-free-queues.md#sequence-numbers)"
        )
    }

    /// How many items the queue holds now: a snapshot of one moment, between 0 and
    /// `capacity`, that another thread may change as soon as it is read. Of one moment: the
    /// number the queue really held at some instant during the call, never a head read at one
    /// moment paired with a tail read at another while other threads push and pop.
    pub fn len(&self) -> usize {
        todo!("head and tail in one lap or two? (book: lock-free-queues.md#sequence-numbers)")
    }

    /// Whether the queue holds no item now (a snapshot, as `len`).
    pub fn is_empty(&self) -> bool {
        todo!("(book: lock-free-queues.md#exercise)")
    }

    /// Whether the queue holds `capacity` items now (a snapshot, as `len`).
    pub fn is_full(&self) -> bool {
        todo!("(book: lock-free-queues.md#exercise)")
    }

    /// The most items the queue holds (what `new` was given).
    pub fn capacity(&self) -> usize {
        todo!("(book: lock-free-queues.md#exercise)")
    }
}

impl<T> Drop for MpmcQueue<T> {
    /// Drops the items still in the queue, each once (the cells do not know whether they hold
    /// an item: `MaybeUninit` never drops what it holds).
    fn drop(&mut self) {
        todo!(
            "which slots hold an item, from the head on, and how many? (book: lock-free-queues.md#exercise)"
        )
    }
}
