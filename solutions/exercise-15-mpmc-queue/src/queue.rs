// Exercise 15 · MPMC queue (reference solution). Book: book/src/part-5/lock-free-queues.md
//
// Dmitry Vyukov's bounded MPMC array queue, in the "stamp" variant of crossbeam's ArrayQueue.
// A position (the head, the tail, and each slot's stamp) packs a lap and an index into one
// usize: the index in the low bits, below `one_lap`, the smallest power of two above the
// capacity; the lap (a multiple of `one_lap`) above it. A slot whose stamp equals the tail is
// free for that push; a slot whose stamp equals the head + 1 holds the item that pop wants.
// After a push the stamp is tail + 1; after a pop it is head + one_lap: free again, one lap on.
//
// Positions only grow (wrapping at 2^64, which one_lap divides), so a thread that read a
// position and was held up cannot mistake a later lap's slot for the one it saw: its
// compare_exchange fails, or the stamp it reads is not the one it expects (no ABA).
//
// Orderings: the item itself is handed over through its slot's stamp alone. The producer
// writes the value, then stores the stamp with Release; the consumer loads the stamp with
// Acquire before reading the value (and mirror-wise for the slot's reuse: the consumer's
// Release store of "free" after reading, the next producer's Acquire load before writing).
// The compare_exchange on the head or tail only decides which thread owns a slot; it carries
// no data. It is SeqCst, with a SeqCst fence before the full and empty checks (as in
// crossbeam), so that the head (or tail) those checks read is no older than the stamp that
// sent them there: without it, push could report a queue full that a finished pop had
// already made room in.

use std::mem::MaybeUninit;

use crate::sync::atomic::{AtomicUsize, Ordering, fence};
use crate::sync::cell::UnsafeCell;
use crate::sync::hint;
use crossbeam_utils::CachePadded;

/// One place in the ring: its stamp, and the item (written only while the stamp says so).
struct Slot<T> {
    stamp: AtomicUsize,
    value: UnsafeCell<MaybeUninit<T>>,
}

/// A bounded lock-free queue for many producers and many consumers (see the stub's docs).
pub struct MpmcQueue<T> {
    /// The position of the next pop.
    head: CachePadded<AtomicUsize>,
    /// The position of the next push.
    tail: CachePadded<AtomicUsize>,
    slots: Box<[Slot<T>]>,
    /// The smallest power of two above the capacity: one lap of positions.
    one_lap: usize,
}

// SAFETY: the queue hands each item from the thread that pushes it to the thread that pops it
// (or to the thread that drops the queue), never to two threads at once, and never lends a
// `&T` to anyone: so it may be shared and sent whenever `T` may be sent. (`Send` follows from
// the fields on its own; `Sync` does not, because of the `UnsafeCell`.)
unsafe impl<T: Send> Sync for MpmcQueue<T> {}

impl<T> MpmcQueue<T> {
    /// An empty queue that holds at most `capacity` items. Panics if `capacity` is 0.
    pub fn new(capacity: usize) -> Self {
        Self::starting_at_lap(capacity, |_| 0)
    }

    /// An empty queue like `new`, whose positions start two laps before they wrap to 0.
    pub fn near_wrap(capacity: usize) -> Self {
        Self::starting_at_lap(capacity, |one_lap| 0_usize.wrapping_sub(2 * one_lap))
    }

    fn starting_at_lap(capacity: usize, first_lap: impl FnOnce(usize) -> usize) -> Self {
        assert!(capacity > 0, "MpmcQueue::new: the capacity must not be 0");
        let one_lap = (capacity + 1)
            .checked_next_power_of_two()
            .expect("MpmcQueue::new: capacity too large");
        let start = first_lap(one_lap);
        let slots = (0..capacity)
            .map(|index| Slot {
                stamp: AtomicUsize::new(start + index),
                value: UnsafeCell::new(MaybeUninit::uninit()),
            })
            .collect();
        MpmcQueue {
            head: CachePadded::new(AtomicUsize::new(start)),
            tail: CachePadded::new(AtomicUsize::new(start)),
            slots,
            one_lap,
        }
    }

    /// The position after `position`: the next index, or index 0 of the next lap.
    fn next_position(&self, position: usize) -> usize {
        let index = position & (self.one_lap - 1);
        if index + 1 < self.slots.len() {
            // Stays below one_lap: no carry into the lap.
            position + 1
        } else {
            let lap = position & !(self.one_lap - 1);
            lap.wrapping_add(self.one_lap)
        }
    }

    /// Adds `value` at the back; `Err(value)` if the queue is full. Never blocks.
    pub fn push(&self, value: T) -> Result<(), T> {
        let mut tail = self.tail.load(Ordering::Relaxed);
        loop {
            let slot = &self.slots[tail & (self.one_lap - 1)];
            // Acquire: pairs with the Release store of the pop that freed this slot, so our
            // write below comes after its read of the old item.
            let stamp = slot.stamp.load(Ordering::Acquire);
            if stamp == tail {
                // The slot is free in this lap: claim it by moving the tail on.
                let next = self.next_position(tail);
                match self.tail.compare_exchange_weak(
                    tail,
                    next,
                    Ordering::SeqCst,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        // SAFETY: the exchange made this thread the only one to own the slot
                        // in this lap (the tail has moved past it; no other push can claim it
                        // until a pop frees it again, and no pop reads it until the stamp
                        // below says it is full). The Acquire load above ordered this write
                        // after the previous item's read.
                        slot.value.with_mut(|cell| unsafe { (*cell).write(value) });
                        // Release: the item is written before anyone sees the slot as full.
                        slot.stamp.store(tail.wrapping_add(1), Ordering::Release);
                        return Ok(());
                    }
                    Err(now) => {
                        tail = now;
                        hint::spin_loop();
                    }
                }
            } else if stamp.wrapping_add(self.one_lap) == tail.wrapping_add(1) {
                // The slot still holds the item pushed one lap ago. Full, unless a pop has
                // already claimed that item and not yet marked the slot free.
                fence(Ordering::SeqCst);
                let head = self.head.load(Ordering::Relaxed);
                if head.wrapping_add(self.one_lap) == tail {
                    return Err(value);
                }
                hint::spin_loop();
                tail = self.tail.load(Ordering::Relaxed);
            } else {
                // Another push claimed this slot and has not published it yet, or our tail
                // is out of date: look again.
                hint::spin_loop();
                tail = self.tail.load(Ordering::Relaxed);
            }
        }
    }

    /// Takes the item at the front; `None` if the queue is empty. Never blocks.
    pub fn pop(&self) -> Option<T> {
        let mut head = self.head.load(Ordering::Relaxed);
        loop {
            let slot = &self.slots[head & (self.one_lap - 1)];
            // Acquire: pairs with the Release store of the push that filled this slot.
            let stamp = slot.stamp.load(Ordering::Acquire);
            if stamp == head.wrapping_add(1) {
                // The slot holds this lap's item: claim it by moving the head on.
                let next = self.next_position(head);
                match self.head.compare_exchange_weak(
                    head,
                    next,
                    Ordering::SeqCst,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        // SAFETY: the stamp said the slot holds an initialised item (written
                        // before the Release store we acquired), and the exchange made this
                        // thread the only one to take it: no other pop can claim it, and no
                        // push writes it until the stamp below says it is free.
                        let value = slot
                            .value
                            .with(|cell| unsafe { (*cell).assume_init_read() });
                        // Release: the item is read out before a push may write the slot.
                        slot.stamp
                            .store(head.wrapping_add(self.one_lap), Ordering::Release);
                        return Some(value);
                    }
                    Err(now) => {
                        head = now;
                        hint::spin_loop();
                    }
                }
            } else if stamp == head {
                // The slot is free in this lap: empty, unless a push has claimed it and not
                // yet written it.
                fence(Ordering::SeqCst);
                let tail = self.tail.load(Ordering::Relaxed);
                if tail == head {
                    return None;
                }
                hint::spin_loop();
                head = self.head.load(Ordering::Relaxed);
            } else {
                // Another pop took this slot's item and has not freed it yet, or our head is
                // out of date: look again.
                hint::spin_loop();
                head = self.head.load(Ordering::Relaxed);
            }
        }
    }

    /// How many items the queue holds (a snapshot of one moment).
    pub fn len(&self) -> usize {
        loop {
            // Read the tail, the head, and the tail again: if the tail did not move, the two
            // are from one moment (SeqCst: the three loads and every exchange in one order).
            let tail = self.tail.load(Ordering::SeqCst);
            let head = self.head.load(Ordering::SeqCst);
            if self.tail.load(Ordering::SeqCst) == tail {
                let head_index = head & (self.one_lap - 1);
                let tail_index = tail & (self.one_lap - 1);
                return if head_index < tail_index {
                    tail_index - head_index
                } else if head_index > tail_index {
                    self.slots.len() - head_index + tail_index
                } else if tail == head {
                    0
                } else {
                    self.slots.len()
                };
            }
        }
    }

    /// Whether the queue holds no item (a snapshot).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the queue holds `capacity` items (a snapshot).
    pub fn is_full(&self) -> bool {
        self.len() == self.slots.len()
    }

    /// The most items the queue holds.
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }
}

impl<T> Drop for MpmcQueue<T> {
    fn drop(&mut self) {
        // `&mut self`: no other thread can touch the queue any more.
        let head = self.head.load(Ordering::Relaxed);
        let first = head & (self.one_lap - 1);
        for i in 0..self.len() {
            let index = if first + i < self.slots.len() {
                first + i
            } else {
                first + i - self.slots.len()
            };
            // SAFETY: the `len()` slots from the head on hold initialised items that nobody
            // popped, and `&mut self` means no thread can reach them any more: each is
            // dropped here once.
            self.slots[index]
                .value
                .with_mut(|cell| unsafe { (*cell).assume_init_drop() });
        }
    }
}
