// Turns instead of stamps (the layout of Erik Rigtorp's MPMCQueue): each slot counts its turns, 2 × lap while it waits for the push of that lap and 2 × lap + 1 while it holds that lap's item; a thread rereads the head or tail after every failed strong compare_exchange rather than keeping the value it returned, and the full and empty checks compare the head and the tail directly. Correct because a turn names a lap and a state, so a slot can be claimed only in the lap its turn names.
//
// Book: book/src/part-5/lock-free-queues.md#sequence-numbers. Positions run from 0 to
// `ring - 1` (a multiple of the capacity below 2^62) and wrap; lap = position / capacity, and
// turns wrap at 2 × (ring / capacity). Orderings: the item travels through the slot's turn
// (Release store, Acquire load); SeqCst on the head and tail keeps the full and empty checks
// from reading one older than the turn that sent them there.

use std::mem::MaybeUninit;

use crate::sync::atomic::{AtomicUsize, Ordering};
use crate::sync::cell::UnsafeCell;
use crate::sync::hint;
use crossbeam_utils::CachePadded;

struct Slot<T> {
    turn: AtomicUsize,
    value: UnsafeCell<MaybeUninit<T>>,
}

pub struct MpmcQueue<T> {
    head: CachePadded<AtomicUsize>,
    tail: CachePadded<AtomicUsize>,
    slots: Box<[Slot<T>]>,
    ring: usize,
}

// SAFETY: an item goes from one thread to one other, never shared: `T: Send` is enough.
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
        let ring = capacity << (capacity.leading_zeros().saturating_sub(2));
        assert!(ring > 4 * capacity, "MpmcQueue::new: capacity too large");
        let start = first(ring);
        // Slot i first serves position start + i (start is a multiple of the capacity): its
        // turn is that position's "waiting for a push".
        let slots = (0..capacity)
            .map(|i| {
                let position = start + i;
                Slot {
                    // push_turn(position), before there is a queue to ask.
                    turn: AtomicUsize::new(2 * (position / capacity)),
                    value: UnsafeCell::new(MaybeUninit::uninit()),
                }
            })
            .collect();
        MpmcQueue {
            head: CachePadded::new(AtomicUsize::new(start)),
            tail: CachePadded::new(AtomicUsize::new(start)),
            slots,
            ring,
        }
    }

    fn laps(&self) -> usize {
        self.ring / self.slots.len()
    }

    /// The turn at which the slot of `position` waits for that position's push.
    fn push_turn(&self, position: usize) -> usize {
        2 * (position / self.slots.len())
    }

    /// The turn at which it holds that position's item.
    fn pop_turn(&self, position: usize) -> usize {
        self.push_turn(position) + 1
    }

    /// The turn after that position's pop: the next lap's push.
    fn next_lap_turn(&self, position: usize) -> usize {
        (self.push_turn(position) + 2) % (2 * self.laps())
    }

    fn next(&self, position: usize) -> usize {
        (position + 1) % self.ring
    }

    pub fn push(&self, value: T) -> Result<(), T> {
        loop {
            let pos = self.tail.load(Ordering::SeqCst);
            let slot = &self.slots[pos % self.slots.len()];
            // Acquire: after the Release of the pop that gave the slot this turn.
            if slot.turn.load(Ordering::Acquire) == self.push_turn(pos) {
                if self
                    .tail
                    .compare_exchange(pos, self.next(pos), Ordering::SeqCst, Ordering::Relaxed)
                    .is_ok()
                {
                    // SAFETY: the turn said the slot waits for this lap's push and the
                    // exchange made it ours alone; no pop reads it before the store below.
                    slot.value.with_mut(|cell| unsafe { (*cell).write(value) });
                    slot.turn.store(self.pop_turn(pos), Ordering::Release);
                    return Ok(());
                }
            } else {
                // Not our turn yet: full if the head is a whole lap behind this tail.
                let head = self.head.load(Ordering::SeqCst);
                if (head + self.slots.len()) % self.ring == pos
                    && self.tail.load(Ordering::SeqCst) == pos
                {
                    return Err(value);
                }
            }
            hint::spin_loop();
        }
    }

    pub fn pop(&self) -> Option<T> {
        loop {
            let pos = self.head.load(Ordering::SeqCst);
            let slot = &self.slots[pos % self.slots.len()];
            // Acquire: after the Release of the push that filled the slot.
            if slot.turn.load(Ordering::Acquire) == self.pop_turn(pos) {
                if self
                    .head
                    .compare_exchange(pos, self.next(pos), Ordering::SeqCst, Ordering::Relaxed)
                    .is_ok()
                {
                    // SAFETY: the turn said the slot holds this lap's item and the exchange
                    // gave it to us alone; no push writes it before the store below.
                    let value = slot
                        .value
                        .with(|cell| unsafe { (*cell).assume_init_read() });
                    slot.turn.store(self.next_lap_turn(pos), Ordering::Release);
                    return Some(value);
                }
            } else {
                // Not filled yet: empty if the tail is still at this head.
                let tail = self.tail.load(Ordering::SeqCst);
                if tail == pos && self.head.load(Ordering::SeqCst) == pos {
                    return None;
                }
            }
            hint::spin_loop();
        }
    }

    pub fn len(&self) -> usize {
        loop {
            let tail = self.tail.load(Ordering::SeqCst);
            let head = self.head.load(Ordering::SeqCst);
            if self.tail.load(Ordering::SeqCst) == tail {
                return ((tail + self.ring - head) % self.ring).min(self.slots.len());
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
            let slot = &self.slots[(head + i) % self.ring % self.slots.len()];
            // SAFETY: the len() slots from the head hold items nobody popped; `&mut self`
            // means no other thread can reach them.
            slot.value
                .with_mut(|cell| unsafe { (*cell).assume_init_drop() });
        }
    }
}
