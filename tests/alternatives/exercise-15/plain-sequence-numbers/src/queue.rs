// Vyukov's own form: each slot's sequence number is a plain position (no lap packed in), counted in half-steps (2p: free for the push of position p, 2p + 1: holding its item), the slot's index is position % capacity, and positions wrap at a multiple of the capacity (below 2^62) instead of at 2^64; correct because every comparison is a signed distance in that ring, and distances never exceed 2 × capacity + 1.
//
// Book: book/src/part-5/lock-free-queues.md#sequence-numbers. Vyukov's page stores the
// position itself (free: p, full: p + 1, freed: p + capacity), which needs a capacity of at
// least 2: with one slot, "full after the push of p" and "free for the push of p + 1" are the
// same number. Half-steps keep the two apart for every capacity. Orderings as in the
// reference: the item travels through the slot's sequence (Release store, Acquire load); the
// SeqCst exchanges and fences only keep the full and empty checks from reading a stale head or
// tail.

use std::mem::MaybeUninit;

use crate::sync::atomic::{self, AtomicUsize, Ordering};
use crate::sync::cell::UnsafeCell;
use crate::sync::hint;
use crossbeam_utils::CachePadded;

struct Slot<T> {
    sequence: AtomicUsize,
    value: UnsafeCell<MaybeUninit<T>>,
}

pub struct MpmcQueue<T> {
    head: CachePadded<AtomicUsize>,
    tail: CachePadded<AtomicUsize>,
    slots: Box<[Slot<T>]>,
    /// Positions run from 0 to `ring - 1`, then start again at 0; `ring` is a multiple of the
    /// capacity, so position % capacity runs on smoothly across the wrap.
    ring: usize,
}

// SAFETY: an item is handed from one thread to one other (pusher to popper, or to the thread
// that drops the queue), never shared, so sharing the queue needs only `T: Send`.
unsafe impl<T: Send> Sync for MpmcQueue<T> {}

impl<T> MpmcQueue<T> {
    pub fn new(capacity: usize) -> Self {
        Self::starting(capacity, |_| 0)
    }

    pub fn near_wrap(capacity: usize) -> Self {
        Self::starting(capacity, |ring| ring - 2 * capacity)
    }

    fn starting(capacity: usize, first: impl FnOnce(usize) -> usize) -> Self {
        assert!(capacity > 0, "MpmcQueue::new: the capacity must not be 0");
        // The largest capacity × 2^k below 2^62: far more positions than any distance we compare.
        let ring = capacity << (capacity.leading_zeros().saturating_sub(2));
        assert!(ring > 4 * capacity, "MpmcQueue::new: capacity too large");
        let start = first(ring);
        let slots = (0..capacity)
            .map(|i| Slot {
                sequence: AtomicUsize::new(2 * ((start + i) % ring)),
                value: UnsafeCell::new(MaybeUninit::uninit()),
            })
            .collect();
        MpmcQueue {
            head: CachePadded::new(AtomicUsize::new(start)),
            tail: CachePadded::new(AtomicUsize::new(start)),
            slots,
            ring,
        }
    }

    fn add(&self, position: usize, n: usize) -> usize {
        (position + n) % self.ring
    }

    /// `a - b` in a ring of `ring` numbers, as a signed number (they never drift half a ring
    /// apart).
    fn distance_in(ring: usize, a: usize, b: usize) -> isize {
        let d = (a + ring - b) % ring;
        if d > ring / 2 {
            d as isize - ring as isize
        } else {
            d as isize
        }
    }

    /// A slot's sequence number minus `half_steps`, in the ring of sequence numbers (twice
    /// the positions).
    fn sequence_distance(&self, sequence: usize, half_steps: usize) -> isize {
        Self::distance_in(2 * self.ring, sequence, half_steps)
    }

    pub fn push(&self, value: T) -> Result<(), T> {
        let mut pos = self.tail.load(Ordering::Relaxed);
        loop {
            let slot = &self.slots[pos % self.slots.len()];
            // Acquire: after the Release of the pop that freed the slot.
            let sequence = slot.sequence.load(Ordering::Acquire);
            let dif = self.sequence_distance(sequence, 2 * pos);
            if dif == 0 {
                match self.tail.compare_exchange_weak(
                    pos,
                    self.add(pos, 1),
                    Ordering::SeqCst,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        // SAFETY: the exchange gave this thread the slot for this lap; no pop
                        // reads it before the Release store below.
                        slot.value.with_mut(|cell| unsafe { (*cell).write(value) });
                        slot.sequence.store(2 * pos + 1, Ordering::Release);
                        return Ok(());
                    }
                    Err(now) => pos = now,
                }
            } else if dif < 0 {
                // Last lap's item is still there: full, unless a pop is reading it right now.
                atomic::fence(Ordering::SeqCst);
                let head = self.head.load(Ordering::Relaxed);
                if self.add(head, self.slots.len()) == pos {
                    return Err(value);
                }
                hint::spin_loop();
                pos = self.tail.load(Ordering::Relaxed);
            } else {
                hint::spin_loop();
                pos = self.tail.load(Ordering::Relaxed);
            }
        }
    }

    pub fn pop(&self) -> Option<T> {
        let mut pos = self.head.load(Ordering::Relaxed);
        loop {
            let slot = &self.slots[pos % self.slots.len()];
            // Acquire: after the Release of the push that filled the slot.
            let sequence = slot.sequence.load(Ordering::Acquire);
            let dif = self.sequence_distance(sequence, 2 * pos + 1);
            if dif == 0 {
                match self.head.compare_exchange_weak(
                    pos,
                    self.add(pos, 1),
                    Ordering::SeqCst,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        // SAFETY: the sequence said the slot holds an item, the exchange gave
                        // it to this thread alone; no push writes it before the store below.
                        let value = slot
                            .value
                            .with(|cell| unsafe { (*cell).assume_init_read() });
                        slot.sequence
                            .store(2 * self.add(pos, self.slots.len()), Ordering::Release);
                        return Some(value);
                    }
                    Err(now) => pos = now,
                }
            } else if dif < 0 {
                // Free in this lap: empty, unless a push is writing it right now.
                atomic::fence(Ordering::SeqCst);
                let tail = self.tail.load(Ordering::Relaxed);
                if tail == pos {
                    return None;
                }
                hint::spin_loop();
                pos = self.head.load(Ordering::Relaxed);
            } else {
                hint::spin_loop();
                pos = self.head.load(Ordering::Relaxed);
            }
        }
    }

    pub fn len(&self) -> usize {
        loop {
            let tail = self.tail.load(Ordering::SeqCst);
            let head = self.head.load(Ordering::SeqCst);
            if self.tail.load(Ordering::SeqCst) == tail {
                return Self::distance_in(self.ring, tail, head).clamp(0, self.slots.len() as isize)
                    as usize;
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn is_full(&self) -> bool {
        self.len() == self.slots.len()
    }

    pub fn capacity(&self) -> usize {
        self.slots.len()
    }
}

impl<T> Drop for MpmcQueue<T> {
    fn drop(&mut self) {
        let head = self.head.load(Ordering::Relaxed);
        for i in 0..self.len() {
            let slot = &self.slots[self.add(head, i) % self.slots.len()];
            // SAFETY: the len() slots from the head hold items nobody popped; `&mut self`
            // means no other thread can reach them.
            slot.value
                .with_mut(|cell| unsafe { (*cell).assume_init_drop() });
        }
    }
}
