// Exercise 14 · SPSC ring (reference solution). Book: book/src/part-5/lock-free-queues.md
//
// Two counters that only ever grow (wrapping at usize::MAX): `tail` counts the items ever
// pushed, `head` the items ever popped. The producer alone writes `tail`, the consumer alone
// writes `head`; so each side knows its own counter without reading the shared one, and
// reads the other's only when its cached copy says "full" (producer) or "empty" (consumer).
// The items are in counters head..tail, in slot `counter & mask` of a buffer whose length is
// the capacity rounded up to a power of two: with a power of two, `& mask` gives the same
// slot before and after the counter wraps from usize::MAX to 0 (2^64 is a multiple of the
// length), and `tail.wrapping_sub(head)` is the number of items across the wrap. The ring
// holds exactly `capacity` items (the full test compares with `capacity`, not the length of
// the buffer): the rounding costs memory, never behaviour.

use std::marker::PhantomData;
use std::mem::MaybeUninit;

use crossbeam_utils::CachePadded;

use crate::sync::Arc;
use crate::sync::atomic::{AtomicUsize, Ordering};
use crate::sync::cell::UnsafeCell;

/// What the two sides share.
struct Shared<T> {
    /// Items ever popped (wrapping): written by the consumer only, with Release after it has
    /// moved an item out, so a producer that reads it with Acquire may reuse the slot.
    head: CachePadded<AtomicUsize>,
    /// Items ever pushed (wrapping): written by the producer only, with Release after it has
    /// written a slot, so a consumer that reads it with Acquire sees the item.
    tail: CachePadded<AtomicUsize>,
    /// How many items the ring holds at most.
    capacity: usize,
    /// The buffer's length minus one (a power of two minus one).
    mask: usize,
    /// Slot `counter & mask`: initialised exactly for the counters in head..tail.
    slots: Box<[UnsafeCell<MaybeUninit<T>>]>,
}

// SAFETY: the slots hold `T`s that move from the producer's thread to the consumer's, so
// `T: Send` is needed and enough: each slot is reached by one side at a time (the producer
// for counters outside head..tail, the consumer for those inside), the counters say which,
// and their Release/Acquire pairs order the accesses. No `&T` is ever shared, so no `Sync`.
unsafe impl<T: Send> Send for Shared<T> {}
// SAFETY: as above: the two sides reach a `&Shared` from two threads, but never the same
// slot at the same time.
unsafe impl<T: Send> Sync for Shared<T> {}

impl<T> Shared<T> {
    fn slot(&self, counter: usize) -> &UnsafeCell<MaybeUninit<T>> {
        &self.slots[counter & self.mask]
    }
}

impl<T> Drop for Shared<T> {
    fn drop(&mut self) {
        // The last side is gone (the Arc's count reached zero, which orders every access of
        // both sides before this drop), so Relaxed loads see the final counters.
        let head = self.head.load(Ordering::Relaxed);
        let tail = self.tail.load(Ordering::Relaxed);
        let mut counter = head;
        while counter != tail {
            // SAFETY: counters in head..tail hold an initialised item that nobody popped;
            // each is dropped once here, and the ring is never used again.
            self.slot(counter)
                .with_mut(|slot| unsafe { (*slot).assume_init_drop() });
            counter = counter.wrapping_add(1);
        }
    }
}

/// The pushing side of a ring made by [`ring`]: there is exactly one.
///
/// `Producer<T>` is `Send` when `T` is `Send` (move it to the thread that pushes), and
/// neither `Clone` nor `Sync`: no second producer can exist, and no two threads can push at
/// once, so `push` needs no compare-and-swap and no lock.
pub struct Producer<T> {
    shared: Arc<Shared<T>>,
    /// Our own copy of `tail`: only we write it, so it is always current.
    tail: usize,
    /// The last `head` we read: the consumer may have moved on since, never back, so it
    /// can only make the ring look fuller than it is.
    cached_head: usize,
    /// Not `Sync`: a `&Producer` shared between threads has nothing to offer but
    /// `capacity` and `len`; this keeps even that to one thread, as the docs promise.
    _not_sync: PhantomData<std::cell::Cell<()>>,
}

/// The popping side of a ring made by [`ring`]: there is exactly one.
///
/// `Consumer<T>` is `Send` when `T` is `Send`, and neither `Clone` nor `Sync`.
pub struct Consumer<T> {
    shared: Arc<Shared<T>>,
    /// Our own copy of `head`.
    head: usize,
    /// The last `tail` we read: can only make the ring look emptier than it is.
    cached_tail: usize,
    _not_sync: PhantomData<std::cell::Cell<()>>,
}

/// A bounded first-in first-out queue for one producer thread and one consumer thread,
/// without locks, split into its two sides.
///
/// The ring holds at most `capacity` items, exactly: the `capacity + 1`-th push before any
/// pop fails (the buffer behind it is the capacity rounded up to a power of two). Items come out in the order
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

/// Like [`ring`], with the counters starting at `start` instead of 0: the ring behaves as
/// one made by `ring(capacity)` that has already passed `start` items through. The tests
/// start near `usize::MAX` so that the counters wrap around after a few items, without
/// 2^64 pushes first.
///
/// # Panics
/// If `capacity` is 0.
pub fn ring_starting_at<T>(capacity: usize, start: usize) -> (Producer<T>, Consumer<T>) {
    assert!(capacity > 0, "a ring needs room for at least one item");
    let length = capacity.next_power_of_two();
    let slots = (0..length)
        .map(|_| UnsafeCell::new(MaybeUninit::uninit()))
        .collect();
    let shared = Arc::new(Shared {
        head: CachePadded::new(AtomicUsize::new(start)),
        tail: CachePadded::new(AtomicUsize::new(start)),
        capacity,
        mask: length - 1,
        slots,
    });
    let producer = Producer {
        shared: Arc::clone(&shared),
        tail: start,
        cached_head: start,
        _not_sync: PhantomData,
    };
    let consumer = Consumer {
        shared,
        head: start,
        cached_tail: start,
        _not_sync: PhantomData,
    };
    (producer, consumer)
}

impl<T> Producer<T> {
    /// Adds `item` at the back of the ring; `Err(item)` (the same item, given back) if the
    /// ring holds `capacity` items. Never blocks: a caller that must get the item in retries.
    /// The consumer sees the item whole, never half-written.
    pub fn push(&mut self, item: T) -> Result<(), T> {
        let shared = &*self.shared;
        let tail = self.tail;
        if tail.wrapping_sub(self.cached_head) == shared.capacity {
            // Acquire: pairs with the consumer's Release store of `head` after it moved the
            // item of slot `head - 1` out; the slot we are about to overwrite is free only
            // once that read happened before our write.
            self.cached_head = shared.head.load(Ordering::Acquire);
            if tail.wrapping_sub(self.cached_head) == shared.capacity {
                return Err(item);
            }
        }
        // SAFETY: counter `tail` is outside head..tail (the test above), so the consumer
        // does not read this slot, and its last read of it happened before the Acquire load
        // that told us it was free (or the slot was never used). Only we write slots.
        shared
            .slot(tail)
            .with_mut(|slot| unsafe { (*slot).write(item) });
        self.tail = tail.wrapping_add(1);
        // Release: the write of the slot above happens before any Acquire load of `tail`
        // that reads this value, so the consumer never reads the slot half-written.
        shared.tail.store(self.tail, Ordering::Release);
        Ok(())
    }

    /// The most items the ring holds (what `ring` was given).
    pub fn capacity(&self) -> usize {
        self.shared.capacity
    }

    /// How many items are in the ring now: a snapshot, between 0 and `capacity`; the
    /// consumer may pop as soon as it is read.
    pub fn len(&self) -> usize {
        // Relaxed: a number, not a licence to touch a slot. The consumer's `head` never
        // passes our own `tail`, so the difference is at most `capacity`.
        self.tail
            .wrapping_sub(self.shared.head.load(Ordering::Relaxed))
    }

    /// Whether the ring holds no item now (a snapshot, as `len`).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T> Consumer<T> {
    /// Takes the item at the front of the ring; `None` if the ring is empty. Never blocks.
    /// Once it has returned, the producer may reuse that item's slot.
    pub fn pop(&mut self) -> Option<T> {
        let shared = &*self.shared;
        let head = self.head;
        if head == self.cached_tail {
            // Acquire: pairs with the producer's Release store of `tail`: the write of every
            // slot below the value we read happened before our read of it.
            self.cached_tail = shared.tail.load(Ordering::Acquire);
            if head == self.cached_tail {
                return None;
            }
        }
        // SAFETY: counter `head` is in head..tail, so the slot holds an initialised item
        // whose write happened before (the Acquire above, now or earlier); the producer
        // does not write it until our Release store of a `head` past it. We move it out
        // once: `head` moves past it just below.
        let item = shared
            .slot(head)
            .with(|slot| unsafe { (*slot).assume_init_read() });
        self.head = head.wrapping_add(1);
        // Release: our read of the slot happens before the producer's next write to it,
        // which it makes only after an Acquire load of `head` that reads this value.
        shared.head.store(self.head, Ordering::Release);
        Some(item)
    }

    /// The most items the ring holds (what `ring` was given).
    pub fn capacity(&self) -> usize {
        self.shared.capacity
    }

    /// How many items are in the ring now: a snapshot, between 0 and `capacity`; the
    /// producer may push as soon as it is read.
    pub fn len(&self) -> usize {
        // Relaxed: a number only. Our `head` never passes a `tail` we could read.
        self.shared
            .tail
            .load(Ordering::Relaxed)
            .wrapping_sub(self.head)
    }

    /// Whether the ring holds no item now (a snapshot, as `len`).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
