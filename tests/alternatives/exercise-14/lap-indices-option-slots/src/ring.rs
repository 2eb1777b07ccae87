// Style: a buffer of exactly `capacity` slots of `Option<T>` (no MaybeUninit: an empty slot
// is `None`, and the Vec drops whatever is left, so no Drop of our own), and positions that
// run over two laps, 0..2 * capacity: the slot is position % capacity, and the lap tells a
// full ring (same slot, other lap) from an empty one (same position). Each side caches the
// other's position and loads it again only when the copy says full or empty. Correct
// because each position is written by one side only, with Release after the slot's write
// (or `take`), and loaded by the other with Acquire before it touches the slot; positions
// stay below 2 * capacity, so nothing overflows, and `start` only picks where they begin.

use std::marker::PhantomData;

use crossbeam_utils::CachePadded;

use crate::sync::Arc;
use crate::sync::atomic::{AtomicUsize, Ordering};
use crate::sync::cell::UnsafeCell;

struct Shared<T> {
    /// Next position to pop, in 0..2 * capacity: the consumer writes it.
    head: CachePadded<AtomicUsize>,
    /// Next position to fill, in 0..2 * capacity: the producer writes it.
    tail: CachePadded<AtomicUsize>,
    slots: Vec<UnsafeCell<Option<T>>>,
}

// SAFETY: items move between the two threads (`T: Send`); a slot is reached by one side at a
// time, ordered by the positions' Release/Acquire pairs.
unsafe impl<T: Send> Send for Shared<T> {}
// SAFETY: as above; no `&T` is ever shared.
unsafe impl<T: Send> Sync for Shared<T> {}

impl<T> Shared<T> {
    fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// The position after `position`, over two laps.
    fn next(&self, position: usize) -> usize {
        if position + 1 == 2 * self.capacity() {
            0
        } else {
            position + 1
        }
    }

    /// How many items lie between `head` and `tail`.
    fn count(&self, head: usize, tail: usize) -> usize {
        if tail >= head {
            tail - head
        } else {
            tail + 2 * self.capacity() - head
        }
    }

    fn slot(&self, position: usize) -> &UnsafeCell<Option<T>> {
        &self.slots[position % self.capacity()]
    }
}

pub struct Producer<T> {
    shared: Arc<Shared<T>>,
    tail: usize,
    head_seen: usize,
    _not_sync: PhantomData<std::cell::Cell<()>>,
}

pub struct Consumer<T> {
    shared: Arc<Shared<T>>,
    head: usize,
    tail_seen: usize,
    _not_sync: PhantomData<std::cell::Cell<()>>,
}

pub fn ring<T>(capacity: usize) -> (Producer<T>, Consumer<T>) {
    ring_starting_at(capacity, 0)
}

pub fn ring_starting_at<T>(capacity: usize, start: usize) -> (Producer<T>, Consumer<T>) {
    assert!(capacity > 0, "a ring needs room for at least one item");
    let laps = capacity.checked_mul(2).expect("capacity too large");
    let start = start % laps;
    let shared = Arc::new(Shared {
        head: CachePadded::new(AtomicUsize::new(start)),
        tail: CachePadded::new(AtomicUsize::new(start)),
        slots: (0..capacity).map(|_| UnsafeCell::new(None)).collect(),
    });
    (
        Producer {
            shared: Arc::clone(&shared),
            tail: start,
            head_seen: start,
            _not_sync: PhantomData,
        },
        Consumer {
            shared,
            head: start,
            tail_seen: start,
            _not_sync: PhantomData,
        },
    )
}

impl<T> Producer<T> {
    pub fn push(&mut self, item: T) -> Result<(), T> {
        let shared = &*self.shared;
        if shared.count(self.head_seen, self.tail) == shared.capacity() {
            // Acquire: the consumer's `take` of the slot we reuse happened before its
            // Release store of `head`.
            self.head_seen = shared.head.load(Ordering::Acquire);
            if shared.count(self.head_seen, self.tail) == shared.capacity() {
                return Err(item);
            }
        }
        // SAFETY: the slot is outside head..tail: the consumer does not touch it, and its
        // last `take` of it is ordered before by an Acquire load of `head`.
        shared
            .slot(self.tail)
            .with_mut(|slot| unsafe { *slot = Some(item) });
        self.tail = shared.next(self.tail);
        // Release: the slot's write happens before a pop that reads this position.
        shared.tail.store(self.tail, Ordering::Release);
        Ok(())
    }

    pub fn capacity(&self) -> usize {
        self.shared.capacity()
    }

    pub fn len(&self) -> usize {
        let head = self.shared.head.load(Ordering::Relaxed);
        self.shared.count(head, self.tail)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T> Consumer<T> {
    pub fn pop(&mut self) -> Option<T> {
        let shared = &*self.shared;
        if self.head == self.tail_seen {
            // Acquire: the producer's write of the slot happened before its Release store.
            self.tail_seen = shared.tail.load(Ordering::Acquire);
            if self.head == self.tail_seen {
                return None;
            }
        }
        // SAFETY: the slot is in head..tail: written, and ordered before by the Acquire
        // above; the producer does not touch it until our Release store below.
        let item = shared
            .slot(self.head)
            .with_mut(|slot| unsafe { (*slot).take() });
        self.head = shared.next(self.head);
        // Release: our `take` happens before the producer's reuse of the slot.
        shared.head.store(self.head, Ordering::Release);
        item
    }

    pub fn capacity(&self) -> usize {
        self.shared.capacity()
    }

    pub fn len(&self) -> usize {
        let tail = self.shared.tail.load(Ordering::Relaxed);
        self.shared.count(self.head, tail)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
