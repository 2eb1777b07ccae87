//! Exercise 14 graded suite, on real threads. Book: `book/src/part-5/lock-free-queues.md`.
//!
//! Every promise of the stub's docs, and the tests that check it here and under loom, are
//! listed in `tests/contracts/exercise-14.toml`. No test looks at how fast the ring is: the
//! bench (`cargo run --release -p exercise-14 --example bench`) does that. `push` and `pop`
//! never wait, so only the tests whose threads retry until an item gets through run under a
//! deadline that calls a hang a possible deadlock.
//!
//! The drop tests count with items that own no heap memory, so a double drop or a slot
//! that was never written fails a named test. If the test binary still dies with SIGSEGV or
//! SIGABRT and no test named, a slot outside the consumer's counter up to the producer's was
//! read or dropped (a counter that starts or walks from the wrong place): rerun with
//! `cargo test -p exercise-14 -- --test-threads=1` to see which test was running.

// Dropping a side is what the drop tests do; whether a side implements Drop itself (or
// only holds something that does) is the learner's design.
#![allow(clippy::drop_non_drop)]

use std::cell::Cell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

sync_shim::library_under_std!(ring);

use ring::{Consumer, Producer};

const CHAPTER: &str = "book/src/part-5/lock-free-queues.md";

/// Whether a concrete type is `Clone`, as `auto_traits::is_send!` answers for `Send`: an
/// inherent method (taken when its bound holds) shadows the trait's `false`.
macro_rules! is_clone {
    ($type:ty) => {{
        struct Probe<T: ?Sized>(std::marker::PhantomData<T>);
        trait NotClone {
            fn is_clone(&self) -> bool {
                false
            }
        }
        impl<T: ?Sized> NotClone for Probe<T> {}
        impl<T: Clone> Probe<T> {
            #[allow(dead_code)]
            fn is_clone(&self) -> bool {
                true
            }
        }
        Probe::<$type>(std::marker::PhantomData).is_clone()
    }};
}

/// An item that counts its drops, and knows its number. It owns no heap memory and no
/// pointer, only the index of its drop counter in [`DROPS`]: a ring that drops an item twice
/// (or one already moved out) makes the count too high, and one that hands out or drops a
/// slot that was never written finds no counter there, and the test fails with a message
/// that names it. An `Arc` inside the item would be freed twice instead, or read from
/// garbage, and the allocator or the kernel would kill the whole test binary without
/// naming the test.
#[derive(Debug)]
struct Counted {
    number: u64,
    drops: Drops,
}

impl Drop for Counted {
    fn drop(&mut self) {
        match DROPS.get(self.drops.0) {
            Some(count) if self.drops.0 < NEXT_DROPS.load(Ordering::SeqCst) => {
                count.fetch_add(1, Ordering::SeqCst);
            }
            _ => panic!(
                "an item that was never pushed was dropped or popped (its bytes are garbage): \
                 the ring read a slot outside the consumer's counter up to the producer's, one \
                 that was never written. Does each counter start at `start`, and does Drop \
                 walk from the consumer's counter to the producer's? \
                 ({CHAPTER}#the-spsc-ring)"
            ),
        }
    }
}

/// Drop counters for [`Counted`] items, handed out one per [`drop_counter`] call.
static DROPS: [AtomicUsize; 256] = [const { AtomicUsize::new(0) }; 256];
static NEXT_DROPS: AtomicUsize = AtomicUsize::new(0);

/// Which counter of [`DROPS`] a [`Counted`] item counts its drops in.
#[derive(Clone, Copy, Debug)]
struct Drops(usize);

impl Drops {
    fn load(self, order: Ordering) -> usize {
        DROPS[self.0].load(order)
    }
}

fn counted(number: u64, drops: Drops) -> Counted {
    Counted { number, drops }
}

/// A new drop counter for `Counted` items, at 0.
fn drop_counter() -> Drops {
    let index = NEXT_DROPS.fetch_add(1, Ordering::SeqCst);
    assert!(index < DROPS.len(), "the tests need more drop counters");
    Drops(index)
}

/// Set when a thread of a two-thread test ends, normally or by a panic, so that the other
/// stops retrying at once instead of waiting out the deadline for an item (or room) that
/// will never come.
#[derive(Clone, Default)]
struct Stopped(Arc<AtomicBool>);

impl Stopped {
    fn is_set(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// A guard that sets the flag when its thread ends (or unwinds).
    fn on_exit(&self) -> SetOnExit {
        SetOnExit(self.clone())
    }
}

struct SetOnExit(Stopped);

impl Drop for SetOnExit {
    fn drop(&mut self) {
        (self.0).0.store(true, Ordering::SeqCst);
    }
}

/// How long one side of a two-thread test may retry in a row, the other side still running,
/// before the test calls the ring stuck. A correct ring makes progress every few
/// microseconds; this only waits out a thread the scheduler held back. Progress, not total
/// time: a broken ring fails in seconds however long the whole test may take on a loaded
/// machine (COURSE_DEADLINE_SCALE stretches it as it does every deadline).
fn patience() -> Duration {
    let scale = std::env::var(deadline::SCALE_VAR)
        .ok()
        .and_then(|text| text.parse::<f64>().ok())
        .filter(|scale| scale.is_finite() && *scale > 0.0)
        .unwrap_or(1.0);
    Duration::from_secs(10).mul_f64(scale)
}

/// Panics when a retry loop started at `since` has run out of [`patience`].
fn give_up_after(since: Instant, stuck: impl FnOnce() -> String) {
    if since.elapsed() > patience() {
        panic!("{}", stuck());
    }
}

fn full_too_long() -> String {
    format!(
        "push() has found the ring full for {} s in a row while the consumer thread was still \
         popping: pop() takes nothing out, or push() never sees the slots pop() frees (when \
         its copy of the consumer's counter says full, push() must load the counter again) \
         ({CHAPTER}#the-spsc-ring)",
        patience().as_secs()
    )
}

fn empty_too_long() -> String {
    format!(
        "pop() has returned None for {} s in a row while the producer thread was still \
         pushing: push() puts nothing where pop() can see it, or pop() never sees the \
         producer's counter move (when its copy says empty, pop() must load the counter \
         again) ({CHAPTER}#the-spsc-ring)",
        patience().as_secs()
    )
}

/// Pushes `item`, retrying (with a yield) while the ring is full; `false` if the other
/// thread has ended meanwhile.
fn push_until_in<T>(producer: &mut Producer<T>, mut item: T, other: &Stopped) -> bool {
    let since = Instant::now();
    loop {
        match producer.push(item) {
            Ok(()) => return true,
            Err(back) => {
                if other.is_set() {
                    return false;
                }
                give_up_after(since, full_too_long);
                item = back;
                thread::yield_now();
            }
        }
    }
}

/// Pops, retrying (with a yield) while the ring is empty; `None` if the other thread has
/// ended and the ring is still empty after that.
fn pop_until_out<T>(consumer: &mut Consumer<T>, other: &Stopped) -> Option<T> {
    let since = Instant::now();
    loop {
        if let Some(item) = consumer.pop() {
            return Some(item);
        }
        if other.is_set() {
            // One more look: the producer may have pushed just before it ended.
            return consumer.pop();
        }
        give_up_after(since, empty_too_long);
        thread::yield_now();
    }
}

// ---------------------------------------------------------------------------------------
// Basics: order, capacity, full and empty, the two sides' traits

#[test]
fn basic_items_come_out_in_the_order_they_went_in() {
    let (mut producer, mut consumer) = ring::ring(3);
    assert_eq!(
        (producer.capacity(), consumer.capacity()),
        (3, 3),
        "capacity() on both sides must return what ring() was given ({CHAPTER}#exercise)"
    );
    assert_eq!(
        (producer.len(), consumer.len()),
        (0, 0),
        "a new ring must be empty on both sides: len() 0 ({CHAPTER}#exercise)"
    );
    assert!(
        producer.is_empty() && consumer.is_empty(),
        "a new ring must be empty on both sides: is_empty() true ({CHAPTER}#exercise)"
    );
    for (count, item) in [10, 20, 30].into_iter().enumerate() {
        assert_eq!(
            producer.push(item),
            Ok(()),
            "push() into a ring with room must return Ok ({CHAPTER}#the-spsc-ring)"
        );
        assert_eq!(
            (producer.len(), consumer.len()),
            (count + 1, count + 1),
            "after {} push(es), len() must be {} on both sides ({CHAPTER}#exercise)",
            count + 1,
            count + 1
        );
    }
    assert!(
        !producer.is_empty() && !consumer.is_empty(),
        "a ring holding items must not say is_empty() ({CHAPTER}#exercise)"
    );
    let out: Vec<_> = (0..3).map(|_| consumer.pop()).collect();
    assert_eq!(
        out,
        [Some(10), Some(20), Some(30)],
        "pop() must return the items in the order they were pushed: the consumer takes at \
         its counter, the producer writes at its own, both moving forward by one \
         ({CHAPTER}#the-spsc-ring)"
    );
    assert_eq!(
        (producer.len(), consumer.len(), consumer.pop()),
        (0, 0, None),
        "after every item was popped, the ring must be empty and pop() return None \
         ({CHAPTER}#the-spsc-ring)"
    );
}

#[test]
fn basic_a_full_ring_gives_the_item_back() {
    for capacity in [1, 2, 3, 4, 5, 7, 8] {
        let (mut producer, mut consumer) = ring::ring(capacity);
        for i in 0..capacity {
            assert_eq!(
                producer.push(i.to_string()),
                Ok(()),
                "ring({capacity}): push() number {} of {capacity} must succeed: the ring \
                 holds exactly `capacity` items. Is it full one item too early? \
                 ({CHAPTER}#the-spsc-ring)",
                i + 1
            );
        }
        assert_eq!(
            producer.push("one too many".to_owned()),
            Err("one too many".to_owned()),
            "ring({capacity}) holding {capacity} items: push() must return Err(item) with \
             the same item: the ring is full when it holds `capacity` items, not one more \
             (an off-by-one in the full test lets the producer overwrite the oldest item) \
             ({CHAPTER}#the-spsc-ring)"
        );
        assert_eq!(
            (producer.len(), consumer.len()),
            (capacity, capacity),
            "ring({capacity}): a refused push() must not change len() ({CHAPTER}#exercise)"
        );
        assert_eq!(
            consumer.pop(),
            Some("0".to_owned()),
            "ring({capacity}): after a refused push(), pop() must return the oldest item, \
             untouched ({CHAPTER}#the-spsc-ring)"
        );
        assert_eq!(
            producer.push("again".to_owned()),
            Ok(()),
            "ring({capacity}): once pop() made room, push() must succeed: the producer must \
             read the consumer's counter again when its copy says full \
             ({CHAPTER}#the-spsc-ring)"
        );
        let mut rest = Vec::new();
        while let Some(item) = consumer.pop() {
            rest.push(item);
        }
        let mut expected: Vec<String> = (1..capacity).map(|i| i.to_string()).collect();
        expected.push("again".to_owned());
        assert_eq!(
            rest, expected,
            "ring({capacity}): the items must come out in order, the one pushed after the \
             refusal last ({CHAPTER}#the-spsc-ring)"
        );
    }
}

#[test]
fn basic_an_empty_ring_pops_none() {
    let (mut producer, mut consumer) = ring::ring::<u8>(2);
    assert_eq!(
        consumer.pop(),
        None,
        "pop() on a new ring must return None at once ({CHAPTER}#the-spsc-ring)"
    );
    for round in 0..5u8 {
        producer.push(round).unwrap();
        assert_eq!(
            consumer.pop(),
            Some(round),
            "pop() must return the item just pushed ({CHAPTER}#the-spsc-ring)"
        );
        assert_eq!(
            consumer.pop(),
            None,
            "pop() on a ring whose items were all taken must return None: the ring is empty \
             when the two counters are equal (round {round}) ({CHAPTER}#the-spsc-ring)"
        );
    }
}

#[test]
fn basic_a_capacity_of_zero_panics() {
    // A ring of 1 is fine (and a todo!() shows here as "not yet implemented").
    drop(ring::ring::<u8>(1));
    let result = std::panic::catch_unwind(|| ring::ring::<u8>(0));
    assert!(
        result.is_err(),
        "ring(0) must panic: a ring with room for no item could never pass one on \
         ({CHAPTER}#exercise)"
    );
    let result = std::panic::catch_unwind(|| ring::ring_starting_at::<u8>(0, 7));
    assert!(
        result.is_err(),
        "ring_starting_at(0, start) must panic, as ring(0) ({CHAPTER}#exercise)"
    );
}

#[test]
fn basic_each_side_is_send_but_neither_clone_nor_sync() {
    deadline::within_secs(10, "a push on one thread and a pop on another", || {
        let (mut producer, mut consumer) = ring::ring(1);
        let never = Stopped::default(); // each side waits for the other, as long as it takes
        let theirs = never.clone();
        let pusher = thread::spawn(move || {
            push_until_in(&mut producer, Cell::new(3), &theirs);
            producer
        });
        let popper =
            thread::spawn(move || pop_until_out(&mut consumer, &never).map(Cell::into_inner));
        let _producer = pusher.join().unwrap();
        assert_eq!(
            popper.join().unwrap(),
            Some(3),
            "an item pushed on one thread must come out on another ({CHAPTER}#the-spsc-ring)"
        );
    });
    assert!(
        auto_traits::is_send!(Producer<Cell<u8>>) && auto_traits::is_send!(Consumer<Cell<u8>>),
        "Producer<T> and Consumer<T> must be Send whenever T is Send, even if T is not Sync \
         (a Cell): each side moves to its own thread, and an item is reached by one side at \
         a time. `unsafe impl<T: Send> Send/Sync` on the shared part, with the reason in a \
         SAFETY comment ({CHAPTER}#the-spsc-ring)"
    );
    assert!(
        !auto_traits::is_send!(Producer<Rc<u8>>) && !auto_traits::is_send!(Consumer<Rc<u8>>),
        "Producer<Rc<_>> and Consumer<Rc<_>> must not be Send: an Rc pushed on one thread \
         and popped on another would have its count changed by two threads at once. Bound \
         your `unsafe impl Send/Sync` by `T: Send` ({CHAPTER}#the-spsc-ring)"
    );
    assert!(
        !is_clone!(Producer<u8>) && !is_clone!(Consumer<u8>),
        "Producer and Consumer must not be Clone: a second producer (or consumer) would \
         write (or read) the same slot as the first, and push/pop have no compare-and-swap \
         to stop it. That there is only one of each is the whole point of the SPSC ring \
         ({CHAPTER}#the-spsc-ring)"
    );
    assert!(
        !auto_traits::is_sync!(Producer<u8>) && !auto_traits::is_sync!(Consumer<u8>),
        "Producer and Consumer must not be Sync: a side is used by one thread at a time \
         (keep a marker such as PhantomData<Cell<()>> in each) ({CHAPTER}#the-spsc-ring)"
    );
}

// ---------------------------------------------------------------------------------------
// Wrap-around: counters that pass usize::MAX

/// Runs a fixed mix of pushes and pops on a ring whose counters start at `start`, and
/// compares every result, and both len()s, with a VecDeque of the same capacity.
fn against_a_model(capacity: usize, start: usize) {
    let (mut producer, mut consumer) = ring::ring_starting_at(capacity, start);
    let mut model = VecDeque::new();
    let mut next = 0u32;
    // A pattern of bursts: fill to full and beyond, drain to empty and beyond, and
    // half-and-half, long enough to go round the buffer several times.
    let pattern: Vec<(usize, usize)> = vec![
        (capacity + 1, 1),
        (1, capacity + 1),
        (capacity, capacity / 2),
        (capacity / 2 + 1, capacity + 2),
        (2, 1),
        (capacity + 3, capacity + 3),
        (1, 1),
        (capacity, 1),
        (3, capacity + 1),
    ];
    for round in 0..4 {
        for &(pushes, pops) in &pattern {
            for _ in 0..pushes {
                let expected = if model.len() < capacity {
                    model.push_back(next);
                    Ok(())
                } else {
                    Err(next)
                };
                let got = producer.push(next);
                assert_eq!(
                    got,
                    expected,
                    "ring_starting_at({capacity}, usize::MAX - {}): push({next}) with {} \
                     items in the ring (round {round}) returned {got:?}: near usize::MAX \
                     the counters wrap to 0; count with wrapping_add/wrapping_sub, and map \
                     a counter to a slot so that it lands on the next slot after the wrap \
                     too (a power-of-two length with `& mask`, or counters kept below a \
                     bound) ({CHAPTER}#the-spsc-ring)",
                    usize::MAX - start,
                    model.len()
                );
                next += 1;
            }
            for _ in 0..pops {
                let expected = model.pop_front();
                let got = consumer.pop();
                assert_eq!(
                    got,
                    expected,
                    "ring_starting_at({capacity}, usize::MAX - {}): pop() returned {got:?} \
                     where {expected:?} was due (round {round}): items must come out in \
                     order across the counters' wrap from usize::MAX to 0 \
                     ({CHAPTER}#the-spsc-ring)",
                    usize::MAX - start
                );
            }
            assert_eq!(
                (producer.len(), consumer.len()),
                (model.len(), model.len()),
                "ring_starting_at({capacity}, usize::MAX - {}): len() on both sides must be \
                 the number of items in the ring, also across the wrap (use wrapping_sub) \
                 ({CHAPTER}#exercise)",
                usize::MAX - start
            );
        }
    }
}

#[test]
fn wrap_counters_that_pass_usize_max_keep_order_and_capacity() {
    for capacity in [1, 2, 3, 4, 5, 6, 8] {
        for before_the_limit in [0, 1, 2, capacity, 2 * capacity + 1] {
            against_a_model(capacity, usize::MAX - before_the_limit);
        }
    }
}

#[test]
fn wrap_a_ring_started_anywhere_behaves_as_a_new_one() {
    for capacity in [1, 3, 4] {
        for start in [0, 1, 12_345, usize::MAX / 2, usize::MAX / 3 * 2 + 1] {
            let (mut producer, mut consumer) = ring::ring_starting_at(capacity, start);
            assert_eq!(
                (producer.len(), consumer.len(), consumer.pop()),
                (0, 0, None),
                "ring_starting_at({capacity}, {start}) must start empty ({CHAPTER}#exercise)"
            );
            for i in 0..capacity {
                producer.push(i).unwrap_or_else(|_| {
                    panic!(
                        "ring_starting_at({capacity}, {start}): push() {} of {capacity} was \
                         refused ({CHAPTER}#the-spsc-ring)",
                        i + 1
                    )
                });
            }
            assert_eq!(
                producer.push(99),
                Err(99),
                "ring_starting_at({capacity}, {start}) holding {capacity} items must be full \
                 ({CHAPTER}#the-spsc-ring)"
            );
            let out: Vec<_> = std::iter::from_fn(|| consumer.pop()).collect();
            assert_eq!(
                out,
                (0..capacity).collect::<Vec<_>>(),
                "ring_starting_at({capacity}, {start}): the items must come out in order \
                 ({CHAPTER}#the-spsc-ring)"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Drops: every item exactly once

#[test]
fn drop_items_left_in_the_ring_are_dropped_once_when_both_sides_are_gone() {
    for consumer_goes_first in [false, true] {
        let drops = drop_counter();
        let (mut producer, mut consumer) = ring::ring(4);
        for number in 0..3 {
            producer.push(counted(number, drops)).unwrap();
        }
        let first = consumer.pop().expect("an item was pushed");
        assert_eq!(
            drops.load(Ordering::SeqCst),
            0,
            "pop() must move the item out to the caller, not drop it \
             ({CHAPTER}#the-spsc-ring)"
        );
        drop(first);
        assert_eq!(
            drops.load(Ordering::SeqCst),
            1,
            "a popped item is dropped by its caller, once ({CHAPTER}#the-spsc-ring)"
        );
        let (first_side, second_side) = if consumer_goes_first {
            drop(consumer);
            producer.push(counted(3, drops)).unwrap();
            (drops.load(Ordering::SeqCst), {
                drop(producer);
                drops.load(Ordering::SeqCst)
            })
        } else {
            drop(producer);
            let next = consumer.pop().map(|item| item.number);
            assert_eq!(
                next,
                Some(1),
                "after the producer is dropped, the consumer must still pop what it pushed \
                 ({CHAPTER}#the-spsc-ring)"
            );
            let after_pop = drops.load(Ordering::SeqCst);
            drop(consumer);
            (after_pop, drops.load(Ordering::SeqCst))
        };
        let (left, total) = if consumer_goes_first { (3, 4) } else { (2, 3) };
        let dropped_first = if consumer_goes_first { 1 } else { 2 };
        let who = if consumer_goes_first {
            "consumer"
        } else {
            "producer"
        };
        assert_eq!(
            first_side, dropped_first,
            "dropping the {who} while the other side lives must not drop the items left in \
             the ring: the other side may still need them ({CHAPTER}#the-spsc-ring)"
        );
        assert_eq!(
            second_side,
            total,
            "when both sides are gone, each of the {} items left in the ring must be dropped \
             exactly once: dropped {} time(s) in all, {total} expected. Drop the slots \
             between the two counters, no more (an uninitialised slot) and no fewer (a \
             leak) ({CHAPTER}#the-spsc-ring)",
            left - 1,
            second_side
        );
    }
}

#[test]
fn drop_an_item_refused_by_a_full_ring_is_given_back_undropped() {
    let drops = drop_counter();
    let (mut producer, consumer) = ring::ring(1);
    producer.push(counted(1, drops)).unwrap();
    let back = producer
        .push(counted(2, drops))
        .expect_err("a full ring must refuse the item");
    assert_eq!(
        (back.number, drops.load(Ordering::SeqCst)),
        (2, 0),
        "push() on a full ring must give the very item back, not drop it \
         ({CHAPTER}#the-spsc-ring)"
    );
    drop(back);
    drop(producer);
    drop(consumer);
    assert_eq!(
        drops.load(Ordering::SeqCst),
        2,
        "the refused item (dropped by the caller) and the one left in the ring (dropped with \
         the ring) must each be dropped once ({CHAPTER}#the-spsc-ring)"
    );
}

#[test]
fn drop_items_left_across_the_counter_limit_are_dropped_once() {
    for capacity in [2, 3, 4, 5] {
        // One item passed through leaves the consumer's counter at usize::MAX, so the items
        // left straddle the wrap; three leave both counters past it.
        for passed in [1, 3] {
            for left in 0..=capacity {
                let drops = drop_counter();
                let (mut producer, mut consumer) = ring::ring_starting_at(capacity, usize::MAX - 1);
                for number in 0..passed {
                    producer.push(counted(number, drops)).unwrap();
                    drop(consumer.pop());
                }
                for number in 0..left {
                    producer.push(counted(number as u64, drops)).unwrap();
                }
                drop(producer);
                drop(consumer);
                assert_eq!(
                    drops.load(Ordering::SeqCst),
                    passed as usize + left,
                    "ring_starting_at({capacity}, usize::MAX - 1), {passed} item(s) passed \
                     through, {left} left: every item must be dropped exactly once when both \
                     sides are gone, also when the items left straddle the counters' wrap. \
                     Walk the counters from the consumer's to the producer's with \
                     wrapping_add, comparing with != (not <) ({CHAPTER}#the-spsc-ring)"
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Hand-off between two threads: stress

/// A producer thread and a consumer thread pass `items` numbers through a ring of
/// `capacity`; the consumer checks that they come out 0, 1, 2, ... with none lost or doubled.
fn stress_in_order(capacity: usize, items: u64) {
    let _heavy = deadline::one_at_a_time();
    let (producer, consumer) = ring::ring(capacity);
    let producer = Mutex::new(Some(producer));
    let consumer = Mutex::new(Some(consumer));
    let sides = Arc::new((producer, consumer));
    let what = format!(
        "one thread pushing {items} numbers into a ring of capacity {capacity}, one popping them"
    );
    let stopped = Stopped::default();
    deadline::within_secs(60, &what.clone(), move || {
        deadline::workers(2, &what, move |index| {
            let _flag = stopped.on_exit();
            if index == 0 {
                let mut producer = sides.0.lock().unwrap().take().unwrap();
                for number in 0..items {
                    if !push_until_in(&mut producer, number, &stopped) {
                        return;
                    }
                }
            } else {
                let mut consumer = sides.1.lock().unwrap().take().unwrap();
                for expected in 0..items {
                    let Some(got) = pop_until_out(&mut consumer, &stopped) else {
                        panic!(
                            "ring({capacity}) between two threads: the producer thread ended \
                             (after {items} pushes, or by a panic reported first), but pop() \
                             returns None while item {expected} was due: pushed items were \
                             lost. Does push() write the slot and move the producer's counter \
                             on, and does pop() load that counter again when its copy says \
                             empty? ({CHAPTER}#the-spsc-ring)"
                        );
                    };
                    assert_eq!(
                        got, expected,
                        "ring({capacity}) between two threads: pop() returned {got} where \
                         {expected} was due: an item was lost, doubled or read before it was \
                         written. Publish a slot with a Release store of the producer's \
                         counter after writing it, and read that counter with Acquire before \
                         reading the slot; free a slot the same way the other way round \
                         ({CHAPTER}#the-spsc-ring)"
                    );
                }
                assert_eq!(
                    consumer.pop(),
                    None,
                    "ring({capacity}): after every item was popped, pop() must return None \
                     ({CHAPTER}#the-spsc-ring)"
                );
            }
        });
    });
}

#[test]
fn handoff_stress_two_million_numbers_in_order_through_a_ring_of_64() {
    stress_in_order(64, 2_000_000);
}

#[test]
fn handoff_stress_numbers_in_order_through_rings_of_1_and_3() {
    stress_in_order(1, 100_000);
    stress_in_order(3, 200_000);
}

#[test]
fn handoff_stress_every_item_is_dropped_exactly_once() {
    let _heavy = deadline::one_at_a_time();
    const ITEMS: u64 = 200_000;
    let drops = drop_counter();
    let taken = Arc::new(AtomicUsize::new(0));
    let (producer, consumer) = ring::ring(16);
    let sides = Arc::new((Mutex::new(Some(producer)), Mutex::new(Some(consumer))));
    let (theirs, counter, popped) = (Arc::clone(&sides), drops, Arc::clone(&taken));
    let what = format!(
        "one thread pushing {ITEMS} counted items into a ring of 16, one popping until it has \
         seen half of them, then dropping its side"
    );
    let stopped = Stopped::default();
    deadline::within_secs(60, &what.clone(), move || {
        deadline::workers(2, &what, move |index| {
            let _flag = stopped.on_exit();
            if index == 0 {
                let mut producer = theirs.0.lock().unwrap().take().unwrap();
                for number in 0..ITEMS {
                    // Once the consumer is gone, the ring fills up: stop there.
                    let mut item = counted(number, counter);
                    let since = Instant::now();
                    loop {
                        match producer.push(item) {
                            Ok(()) => break,
                            Err(back)
                                if popped.load(Ordering::SeqCst) == usize::MAX
                                    || stopped.is_set() =>
                            {
                                drop(back);
                                return;
                            }
                            Err(back) => {
                                give_up_after(since, full_too_long);
                                item = back;
                                thread::yield_now();
                            }
                        }
                    }
                }
            } else {
                let mut consumer = theirs.1.lock().unwrap().take().unwrap();
                for expected in 0..ITEMS / 2 {
                    let Some(got) = pop_until_out(&mut consumer, &stopped) else {
                        panic!(
                            "the producer thread ended, but pop() returns None while item \
                             {expected} was due: pushed items were lost \
                             ({CHAPTER}#the-spsc-ring)"
                        );
                    };
                    assert_eq!(
                        got.number, expected,
                        "pop() returned item {} where {expected} was due: lost, doubled or \
                         read too early ({CHAPTER}#the-spsc-ring)",
                        got.number
                    );
                }
                drop(consumer);
                popped.store(usize::MAX, Ordering::SeqCst);
            }
        });
    });
    let made = sides.0.lock().unwrap().is_none() && sides.1.lock().unwrap().is_none();
    assert!(made, "both sides were handed to their threads");
    // Every item made was either popped (and dropped by the consumer), refused (dropped by
    // the producer) or left in the ring (dropped with it, when both sides were gone).
    let dropped = drops.load(Ordering::SeqCst);
    let made_items = ITEMS / 2 + 16 + 1;
    assert_eq!(
        dropped as u64, made_items,
        "{made_items} counted items were made (half of {ITEMS} popped, 16 left in the full \
         ring, one refused), and {dropped} drops were counted: an item was dropped twice or \
         never. The items left in the ring must be dropped, once, when both sides are gone \
         ({CHAPTER}#the-spsc-ring)"
    );
}

// ---------------------------------------------------------------------------------------
// The source: no lock, no waiting or spinning, and each counter padded

/// What the ring must not use, and what to use instead.
const FORBIDDEN: &[(&str, &str)] = &[
    (
        "Mutex",
        "two atomic counters, each written by one side (the ring takes no lock)",
    ),
    (
        "RwLock",
        "two atomic counters, each written by one side (the ring takes no lock)",
    ),
    (
        "Condvar",
        "nothing: push and pop never wait, they return Err(item) or None",
    ),
    (
        "atomic_wait",
        "nothing: push and pop never wait, they return Err(item) or None",
    ),
    (
        "spin_loop",
        "nothing: push and pop never spin, not even a few turns; they answer Err(item) or \
         None at once and the caller decides whether to retry",
    ),
    (
        "yield_now",
        "nothing: push and pop never wait, they return Err(item) or None at once",
    ),
    (
        "sleep",
        "nothing: push and pop never wait, they return Err(item) or None at once",
    ),
    (
        "park",
        "nothing: push and pop never wait, they return Err(item) or None at once",
    ),
    (
        "ArrayQueue",
        "a buffer of slots of your own (crossbeam's queue is what you measure against)",
    ),
    ("mpsc", "a buffer of slots of your own"),
];

/// The types written inside each `CachePadded<...>` of `code`.
fn padded_types(code: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("CachePadded<") {
        let after = &rest[at + "CachePadded<".len()..];
        let mut depth = 1;
        let mut end = after.len();
        for (i, c) in after.char_indices() {
            match c {
                '<' => depth += 1,
                '>' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i;
                        break;
                    }
                }
                _ => {}
            }
        }
        found.push(after[..end].trim().to_owned());
        rest = &after[end..];
    }
    found
}

/// How many atomics the padded type `ty` holds: those written in it (a tuple or an array
/// of two counts two), or, for a struct of the file's own, its atomic fields.
fn atomics_in(code: &str, ty: &str) -> usize {
    let arrays: usize = ty
        .split(';')
        .skip(1)
        .filter_map(|n| n.trim_end_matches(']').trim().parse::<usize>().ok())
        .sum();
    let direct = ty.matches("Atomic").count();
    if direct > 0 {
        return direct.max(arrays);
    }
    let name = ty
        .split('<')
        .next()
        .unwrap_or_default()
        .rsplit("::")
        .next()
        .unwrap_or_default()
        .trim();
    if name.is_empty() {
        return 0;
    }
    let mut rest = code;
    while let Some(at) = rest.find("struct ") {
        let after = &rest[at + "struct ".len()..];
        let declared: String = after
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if declared == name {
            let body_end = after.find('}').unwrap_or(after.len());
            let body = &after[..body_end];
            return body.matches("Atomic").count();
        }
        rest = after;
    }
    0
}

#[test]
fn source_takes_no_lock_never_spins_and_pads_each_counter() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ring.rs");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let paths: Vec<&str> = FORBIDDEN.iter().map(|(bad, _)| *bad).collect();
    let mut problems: Vec<String> = loom_harness::forbidden_paths(&text, &paths)
        .into_iter()
        .map(|(line, bad)| {
            let instead = FORBIDDEN
                .iter()
                .find(|(path, _)| *path == bad)
                .map_or("", |(_, instead)| *instead);
            format!("src/ring.rs:{line}: `{bad}`: use {instead}")
        })
        .collect();
    let code: String = text
        .lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n");
    let padded = padded_types(&code);
    if padded.is_empty() {
        problems.push(
            "src/ring.rs: no `CachePadded<...>` in the code: keep each side's counter in a \
             crossbeam_utils::CachePadded, so that the producer's writes of its counter do \
             not keep taking the consumer's counter's cache line away (false sharing)"
                .to_owned(),
        );
    }
    for ty in padded {
        let atomics = atomics_in(&code, &ty);
        if atomics > 1 {
            problems.push(format!(
                "src/ring.rs: `CachePadded<{ty}>` holds {atomics} atomics: padding them \
                 together keeps both counters on one cache line, the false sharing the \
                 padding is there to prevent. Give each counter its own CachePadded \
                 (head: CachePadded<AtomicUsize>, tail: CachePadded<AtomicUsize>)"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "the ring is a buffer of slots and two atomic counters, each on a cache line of its \
         own; no lock, no waiting, no spinning:\n{}\n({CHAPTER}#cache-padding)",
        problems.join("\n")
    );
}
