// Style: positions kept below the buffer's length (capacity + 1 slots, one always left
// empty, so full is "the next tail is the head" and empty is "tail is head"), moved on with
// a compare-to-length instead of wrapping arithmetic; no cached copies: each push loads the
// consumer's position, each pop the producer's. Correct because each position is still
// written by one side only, published with Release after the slot is written (or read) and
// loaded with Acquire before the slot is read (or reused); a position never reaches
// usize::MAX, so there is nothing to wrap, and `start` is only where the positions begin.

use std::marker::PhantomData;
use std::mem::MaybeUninit;

use crossbeam_utils::CachePadded;

use crate::sync::Arc;
use crate::sync::atomic::{AtomicUsize, Ordering};
use crate::sync::cell::UnsafeCell;

struct Shared<T> {
    /// Position of the next item to pop, in 0..slots.len(): the consumer writes it.
    head: CachePadded<AtomicUsize>,
    /// Position of the next slot to fill, in 0..slots.len(): the producer writes it.
    tail: CachePadded<AtomicUsize>,
    /// capacity + 1 slots: the one left empty tells full from empty.
    slots: Box<[UnsafeCell<MaybeUninit<T>>]>,
}

// SAFETY: items move from the producer's thread to the consumer's (`T: Send`); each slot is
// reached by one side at a time, ordered by the positions' Release/Acquire pairs.
unsafe impl<T: Send> Send for Shared<T> {}
// SAFETY: as above; no `&T` is ever shared between the threads.
unsafe impl<T: Send> Sync for Shared<T> {}

impl<T> Shared<T> {
    fn next(&self, position: usize) -> usize {
        if position + 1 == self.slots.len() {
            0
        } else {
            position + 1
        }
    }
}

impl<T> Drop for Shared<T> {
    fn drop(&mut self) {
        // Both sides are gone (the Arc orders their accesses before this): Relaxed is enough.
        let tail = self.tail.load(Ordering::Relaxed);
        let mut position = self.head.load(Ordering::Relaxed);
        while position != tail {
            // SAFETY: positions from head up to tail hold items nobody popped; each is
            // dropped once, and the ring is never used again.
            self.slots[position].with_mut(|slot| unsafe { (*slot).assume_init_drop() });
            position = self.next(position);
        }
    }
}

pub struct Producer<T> {
    shared: Arc<Shared<T>>,
    _not_sync: PhantomData<std::cell::Cell<()>>,
}

pub struct Consumer<T> {
    shared: Arc<Shared<T>>,
    _not_sync: PhantomData<std::cell::Cell<()>>,
}

pub fn ring<T>(capacity: usize) -> (Producer<T>, Consumer<T>) {
    ring_starting_at(capacity, 0)
}

pub fn ring_starting_at<T>(capacity: usize, start: usize) -> (Producer<T>, Consumer<T>) {
    assert!(capacity > 0, "a ring needs room for at least one item");
    let length = capacity.checked_add(1).expect("capacity too large");
    let slots = (0..length)
        .map(|_| UnsafeCell::new(MaybeUninit::uninit()))
        .collect();
    let start = start % length;
    let shared = Arc::new(Shared {
        head: CachePadded::new(AtomicUsize::new(start)),
        tail: CachePadded::new(AtomicUsize::new(start)),
        slots,
    });
    (
        Producer {
            shared: Arc::clone(&shared),
            _not_sync: PhantomData,
        },
        Consumer {
            shared,
            _not_sync: PhantomData,
        },
    )
}

impl<T> Producer<T> {
    pub fn push(&mut self, item: T) -> Result<(), T> {
        let shared = &*self.shared;
        // Relaxed: only we write `tail`, so our own last store is what we read.
        let tail = shared.tail.load(Ordering::Relaxed);
        let next = shared.next(tail);
        // Acquire: pairs with the consumer's Release store of `head`: its read of the slot
        // we may reuse happened before.
        if next == shared.head.load(Ordering::Acquire) {
            return Err(item);
        }
        // SAFETY: slot `tail` is outside head..tail, so the consumer does not read it, and
        // its last read of it is ordered before by the Acquire above.
        shared.slots[tail].with_mut(|slot| unsafe { (*slot).write(item) });
        // Release: the slot's write happens before a pop that reads this position.
        shared.tail.store(next, Ordering::Release);
        Ok(())
    }

    pub fn capacity(&self) -> usize {
        self.shared.slots.len() - 1
    }

    pub fn len(&self) -> usize {
        let length = self.shared.slots.len();
        let tail = self.shared.tail.load(Ordering::Relaxed);
        let head = self.shared.head.load(Ordering::Relaxed);
        (tail + length - head) % length
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T> Consumer<T> {
    pub fn pop(&mut self) -> Option<T> {
        let shared = &*self.shared;
        // Relaxed: only we write `head`.
        let head = shared.head.load(Ordering::Relaxed);
        // Acquire: pairs with the producer's Release store of `tail`: its write of slot
        // `head` happened before.
        if head == shared.tail.load(Ordering::Acquire) {
            return None;
        }
        // SAFETY: slot `head` is in head..tail: initialised, its write ordered before by the
        // Acquire above; the producer does not touch it until our store below.
        let item = shared.slots[head].with(|slot| unsafe { (*slot).assume_init_read() });
        // Release: our read happens before the producer's reuse of the slot.
        shared.head.store(shared.next(head), Ordering::Release);
        Some(item)
    }

    pub fn capacity(&self) -> usize {
        self.shared.slots.len() - 1
    }

    pub fn len(&self) -> usize {
        let length = self.shared.slots.len();
        let tail = self.shared.tail.load(Ordering::Relaxed);
        let head = self.shared.head.load(Ordering::Relaxed);
        (tail + length - head) % length
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
