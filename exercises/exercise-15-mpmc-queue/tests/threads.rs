//! Exercise 15 graded suite, on real threads. Book: `book/src/part-5/lock-free-queues.md`.
//!
//! Every promise of the stub's docs, and the tests that check it here and under loom, are
//! listed in `tests/contracts/exercise-15.toml`. The one-thread tests compare the queue with a
//! `VecDeque` step by step; the `race_` tests run 1 to 4 producers beside 1 to 4 consumers and
//! check what came out. No test looks at how fast the queue is: the bench
//! (`cargo run --release -p exercise-15 --example bench`) does that.

// The tests ask `len() == 0` on purpose: `len` and `is_empty` are both under test.
#![allow(clippy::len_zero)]

use std::cell::Cell;
use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

sync_shim::library_under_std!(queue);

use queue::MpmcQueue;

const CHAPTER: &str = "book/src/part-5/lock-free-queues.md";

/// `deadline::within_secs` for this exercise: the same deadline (scaled by
/// `COURSE_DEADLINE_SCALE`), but a hang is explained in a lock-free queue's terms (there is no
/// lock to release and no sleeper to wake here: a thread that does not finish is spinning).
fn within_secs<R, F>(secs: u64, waiting: &str, body: F) -> R
where
    R: Send + 'static,
    F: FnOnce() -> R + Send + 'static,
{
    let limit = scaled(secs);
    let finished = run_body(waiting, body);
    match finished.recv_timeout(limit) {
        Ok(Ok(value)) => value,
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(_) => panic!(
            "{}",
            endless_spin(&format!(
                "{waiting} did not finish within {:.1} s",
                limit.as_secs_f64()
            ))
        ),
    }
}

/// Runs `body` on a thread of its own; the receiver gets its result or its panic.
fn run_body<R, F>(waiting: &str, body: F) -> mpsc::Receiver<std::thread::Result<R>>
where
    R: Send + 'static,
    F: FnOnce() -> R + Send + 'static,
{
    let (done, finished) = mpsc::channel();
    thread::Builder::new()
        .name(format!("under deadline: {waiting}"))
        .spawn(move || {
            // The receiver is gone only if the deadline already fired; nothing to report then.
            let _ = done.send(std::panic::catch_unwind(AssertUnwindSafe(body)));
        })
        .expect("could not start a thread for the test body");
    finished
}

/// The deadline, scaled by `COURSE_DEADLINE_SCALE`.
fn scaled(secs: u64) -> Duration {
    let scale = std::env::var(deadline::SCALE_VAR)
        .ok()
        .and_then(|text| text.parse::<f64>().ok())
        .filter(|factor| factor.is_finite() && *factor >= 1.0)
        .unwrap_or(1.0);
    Duration::from_secs(secs).mul_f64(scale)
}

/// What a hang means in a lock-free queue, after `what` says what did not end.
fn endless_spin(what: &str) -> String {
    format!(
        "possible endless spin: {what}.\n\
         The queue takes no lock and never sleeps, so a push or pop is spinning for ever. The \
         usual causes: a full or empty test that never becomes true (full when the head is one \
         lap behind the tail, empty when the head equals the tail: compare positions a lap \
         apart, not the capacity), a stamp that no push or pop will ever store (is the stamp a \
         pop leaves the one the next lap's push expects?), or a retry that never reloads the \
         head or tail ({CHAPTER}#sequence-numbers).\n\
         (On a very slow machine, set {}=4 to give every deadline four times as long.)",
        deadline::SCALE_VAR
    )
}

/// Like [`within_secs`] for the stress tests, but what it limits is the time without
/// progress: `body` may take as long as it needs while its threads keep counting finished
/// pushes and pops in `progress`, and fails only after `secs` seconds in which none finished.
/// A correct queue on a machine crowded with other spinning threads is slow, not stuck
/// (a thread preempted between its claim and its publish holds up the others until it runs
/// again); a broken one stops counting.
fn within_progress<R, F>(secs: u64, waiting: &str, progress: &Arc<AtomicUsize>, body: F) -> R
where
    R: Send + 'static,
    F: FnOnce() -> R + Send + 'static,
{
    let limit = scaled(secs);
    let finished = run_body(waiting, body);
    let (mut seen, mut since) = (progress.load(Ordering::SeqCst), Instant::now());
    loop {
        match finished.recv_timeout(Duration::from_millis(100)) {
            Ok(Ok(value)) => return value,
            Ok(Err(panic)) => std::panic::resume_unwind(panic),
            Err(RecvTimeoutError::Disconnected) => unreachable!("the body always sends"),
            Err(RecvTimeoutError::Timeout) => {
                let now = progress.load(Ordering::SeqCst);
                if now != seen {
                    (seen, since) = (now, Instant::now());
                } else if since.elapsed() > limit {
                    panic!(
                        "{}",
                        endless_spin(&format!(
                            "{waiting}: no push or pop finished for {:.1} s (after {seen} had)",
                            limit.as_secs_f64()
                        ))
                    );
                }
            }
        }
    }
}

/// A small deterministic stream of pseudo-random numbers (no crate, same every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
}

/// Runs `steps` pushes and pops (pushes a little more often until the queue has been full,
/// then pops more often, and so on) on `queue` and on a `VecDeque` of the same capacity, and
/// checks after every step that both agree: results, `len`, `is_empty`, `is_full`.
fn compare_with_a_vecdeque(queue: &MpmcQueue<u64>, capacity: usize, steps: usize, what: &str) {
    let mut model = VecDeque::new();
    let mut random = Lcg(capacity as u64 * 7919 + steps as u64);
    let mut filling = true;
    let mut next_item = 0_u64;
    for step in 0..steps {
        let push = if filling {
            !random.next().is_multiple_of(4)
        } else {
            random.next().is_multiple_of(4)
        };
        if push {
            next_item += 1;
            let got = queue.push(next_item);
            if model.len() < capacity {
                model.push_back(next_item);
                assert_eq!(
                    got,
                    Ok(()),
                    "{what}, step {step}: push() on a queue holding {} of {capacity} items \
                     returned Err: a queue that is not full must take the item. Is the full \
                     check off by one, or does a slot's stamp not say \"free\" again after a \
                     pop in this lap? ({CHAPTER}#sequence-numbers)",
                    model.len() - 1
                );
            } else {
                assert_eq!(
                    got,
                    Err(next_item),
                    "{what}, step {step}: push() on a full queue ({capacity} items) must \
                     return Err(item) with the item given back: a push that succeeds here \
                     overwrites an item nobody popped. Is the full check off by one (compare \
                     the slot's stamp with the tail one lap on)? ({CHAPTER}#sequence-numbers)"
                );
                filling = false;
            }
        } else {
            let got = queue.pop();
            let expected = model.pop_front();
            if expected.is_none() {
                filling = true;
            }
            assert_eq!(
                got, expected,
                "{what}, step {step}: pop() returned {got:?} where the queue's oldest item is \
                 {expected:?} (None: the queue is empty). Items must come out first in, first \
                 out, each once, and pop() must return None on an empty queue \
                 ({CHAPTER}#sequence-numbers)"
            );
        }
        assert_eq!(
            queue.len(),
            model.len(),
            "{what}, step {step}: len() must count the items in the queue, also when the tail \
             has gone round the end of the array and sits before the head \
             ({CHAPTER}#sequence-numbers)"
        );
        assert_eq!(
            (queue.is_empty(), queue.is_full()),
            (model.is_empty(), model.len() == capacity),
            "{what}, step {step}: with {} of {capacity} items, is_empty() and is_full() said \
             the wrong thing ({CHAPTER}#exercise)",
            model.len()
        );
    }
}

// ---------------------------------------------------------------------------------------
// Basics, on one thread

#[test]
fn basic_items_come_out_in_the_order_they_went_in() {
    within_secs(5, "push and pop on one thread", || {
        let queue = MpmcQueue::new(3);
        assert_eq!(
            queue.capacity(),
            3,
            "capacity() must return what new() was given ({CHAPTER}#exercise)"
        );
        assert!(
            queue.is_empty() && !queue.is_full() && queue.len() == 0,
            "a new queue must be empty: len() 0, is_empty() true, is_full() false \
             ({CHAPTER}#exercise)"
        );
        for item in [10, 20, 30] {
            assert_eq!(
                queue.push(item),
                Ok(()),
                "push() with room must return Ok ({CHAPTER}#the-mpmc-array-queue)"
            );
        }
        assert!(
            queue.len() == 3 && queue.is_full() && !queue.is_empty(),
            "after three pushes into a queue of capacity 3, len() must be 3 and is_full() true \
             ({CHAPTER}#exercise)"
        );
        assert_eq!(
            queue.push(40),
            Err(40),
            "push() on a full queue must give the item back as Err(item) \
             ({CHAPTER}#the-mpmc-array-queue)"
        );
        let out: Vec<_> = (0..4).map(|_| queue.pop()).collect();
        assert_eq!(
            out,
            [Some(10), Some(20), Some(30), None],
            "pop() must return the items in the order they were pushed, then None on the \
             empty queue ({CHAPTER}#the-mpmc-array-queue)"
        );
        assert!(
            queue.is_empty() && queue.len() == 0,
            "after taking every item, the queue must be empty ({CHAPTER}#exercise)"
        );
    });
}

#[test]
fn basic_a_capacity_of_zero_panics() {
    let outcome = within_secs(5, "MpmcQueue::new(0)", || {
        std::panic::catch_unwind(|| MpmcQueue::<u8>::new(0)).map(|_| ())
    });
    let Err(payload) = outcome else {
        panic!(
            "MpmcQueue::new(0) must panic: a queue with no slot could never take an item \
             ({CHAPTER}#exercise)"
        );
    };
    // A todo!() is not the panic asked for: pass it on for the course tool to report.
    if deadline::panic_text(payload.as_ref()).contains("not yet implemented") {
        std::panic::resume_unwind(payload);
    }
}

#[test]
fn basic_zero_capacity_also_panics_in_near_wrap() {
    let outcome = within_secs(5, "MpmcQueue::near_wrap(0)", || {
        std::panic::catch_unwind(|| MpmcQueue::<u8>::near_wrap(0)).map(|_| ())
    });
    let Err(payload) = outcome else {
        panic!(
            "MpmcQueue::near_wrap(0) must panic, as new(0) does: a queue with no slot could \
             never take an item, and would fail later at the first push. Check the capacity \
             where both constructors pass, not in new() alone ({CHAPTER}#exercise)"
        );
    };
    // A todo!() is not the panic asked for: pass it on for the course tool to report.
    if deadline::panic_text(payload.as_ref()).contains("not yet implemented") {
        std::panic::resume_unwind(payload);
    }
}

#[test]
fn basic_every_capacity_fills_exactly_and_empties_lap_after_lap() {
    within_secs(10, "filling and emptying queues of capacity 1 to 9", || {
        for capacity in 1..=9 {
            let queue = MpmcQueue::new(capacity);
            for lap in 0..4 {
                for i in 0..capacity {
                    assert_eq!(
                        queue.push(i),
                        Ok(()),
                        "capacity {capacity}, lap {lap}: push number {} into an empty queue \
                         returned Err. Each slot must be free again one lap after its pop: is \
                         the stamp a pop leaves the one the next lap's push expects? Capacities \
                         that are powers of two catch a lap that is not above the last index \
                         ({CHAPTER}#sequence-numbers)",
                        i + 1
                    );
                }
                assert_eq!(
                    queue.push(usize::MAX),
                    Err(usize::MAX),
                    "capacity {capacity}, lap {lap}: the queue holds {capacity} items and must \
                     refuse one more ({CHAPTER}#sequence-numbers)"
                );
                for i in 0..capacity {
                    assert_eq!(
                        queue.pop(),
                        Some(i),
                        "capacity {capacity}, lap {lap}: items must come out in order \
                         ({CHAPTER}#sequence-numbers)"
                    );
                }
                assert_eq!(
                    queue.pop(),
                    None,
                    "capacity {capacity}, lap {lap}: the queue is empty again and pop() must \
                     return None ({CHAPTER}#sequence-numbers)"
                );
            }
        }
    });
}

#[test]
fn basic_pushes_and_pops_match_a_vecdeque() {
    within_secs(10, "pushes and pops on one thread", || {
        for capacity in 1..=6 {
            let queue = MpmcQueue::new(capacity);
            compare_with_a_vecdeque(&queue, capacity, 400, &format!("capacity {capacity}"));
        }
    });
}

#[test]
fn basic_the_queue_is_send_and_sync_when_items_are_send() {
    within_secs(5, "a push on one thread and a pop on another", || {
        let queue = Arc::new(MpmcQueue::new(1));
        let theirs = Arc::clone(&queue);
        // If this line does not compile ("`Cell<i32>` cannot be shared between threads
        // safely"), the test is not broken: your `unsafe impl Sync` asks for `T: Sync`, but a
        // queue of Cells is safe to share, since each item is reached by one thread at a time:
        // `unsafe impl<T: Send> Sync` is the bound (book/src/part-5/lock-free-queues.md#exercise).
        thread::spawn(move || theirs.push(Cell::new(3)).map_err(|_| ()).unwrap())
            .join()
            .unwrap();
        assert_eq!(
            queue.pop().map(Cell::into_inner),
            Some(3),
            "an item pushed on one thread must come out on another ({CHAPTER}#exercise)"
        );
    });
    assert!(
        auto_traits::is_send!(MpmcQueue<Cell<u8>>) && auto_traits::is_sync!(MpmcQueue<Cell<u8>>),
        "MpmcQueue<T> must be Send and Sync whenever T is Send, even if T is not Sync (a \
         Cell): an item is only ever reached by one thread at a time. The UnsafeCell makes the \
         queue not Sync on its own: add `unsafe impl<T: Send> Sync for MpmcQueue<T> {{}}` with \
         a SAFETY comment ({CHAPTER}#exercise)"
    );
    assert!(
        !auto_traits::is_send!(MpmcQueue<Rc<u8>>) && !auto_traits::is_sync!(MpmcQueue<Rc<u8>>),
        "MpmcQueue<Rc<_>> must be neither Send nor Sync: handing an Rc to another thread would \
         let two threads change its count at once. Bound your `unsafe impl`s on `T: Send` \
         ({CHAPTER}#exercise)"
    );
}

// ---------------------------------------------------------------------------------------
// Positions that wrap around

#[test]
fn wrap_positions_that_wrap_around_lose_no_item() {
    within_secs(
        10,
        "pushes and pops across the wrap of the positions",
        || {
            for capacity in 1..=6 {
                let queue = MpmcQueue::near_wrap(capacity);
                compare_with_a_vecdeque(
                    &queue,
                    capacity,
                    40 * capacity + 40,
                    &format!("near_wrap({capacity}), where the positions pass usize::MAX"),
                );
            }
        },
    );
}

#[test]
fn wrap_near_wrap_is_an_empty_queue_of_that_capacity() {
    within_secs(5, "MpmcQueue::near_wrap(3)", || {
        let queue = MpmcQueue::near_wrap(3);
        assert!(
            queue.capacity() == 3 && queue.is_empty() && queue.len() == 0 && queue.pop().is_none(),
            "near_wrap(3) must make an empty queue of capacity 3, as new(3) does \
             ({CHAPTER}#aba)"
        );
        for round in 0..8 {
            for i in 0..3 {
                assert_eq!(
                    queue.push(round * 3 + i),
                    Ok(()),
                    "near_wrap(3), round {round}: push() into a queue with room returned Err \
                     after the positions wrapped: use wrapping arithmetic, and keep the lap a \
                     multiple of a power of two so that it wraps to lap 0, index 0 \
                     ({CHAPTER}#aba)"
                );
            }
            assert_eq!(
                queue.push(99),
                Err(99),
                "near_wrap(3), round {round}: the full queue must refuse a fourth item \
                 ({CHAPTER}#aba)"
            );
            for i in 0..3 {
                assert_eq!(
                    queue.pop(),
                    Some(round * 3 + i),
                    "near_wrap(3), round {round}: items must come out in order across the \
                     wrap ({CHAPTER}#aba)"
                );
            }
        }
    });
}

// ---------------------------------------------------------------------------------------
// Dropping items exactly once

/// Counts how many times each numbered item was dropped.
#[derive(Debug)]
struct DropLog(Vec<AtomicUsize>);

impl DropLog {
    fn new(items: usize) -> Arc<Self> {
        Arc::new(DropLog((0..items).map(|_| AtomicUsize::new(0)).collect()))
    }

    fn counts(&self) -> Vec<usize> {
        self.0.iter().map(|c| c.load(Ordering::SeqCst)).collect()
    }
}

/// An item that notes its own drop in a [`DropLog`].
#[derive(Debug)]
struct Counted {
    id: usize,
    log: Arc<DropLog>,
}

impl PartialEq for Counted {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.log.0[self.id].fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn drop_items_left_in_the_queue_are_dropped_once_with_it() {
    within_secs(5, "dropping queues that still hold items", || {
        for (capacity, pushes, pops) in [(4, 3, 0), (4, 4, 1), (3, 7, 5), (5, 12, 9), (1, 3, 2)] {
            let log = DropLog::new(pushes);
            let queue = MpmcQueue::near_wrap(capacity);
            let mut popped = Vec::new();
            for id in 0..pushes {
                // Pop first when full, so that the items left straddle the end of the array.
                if queue.is_full() && popped.len() < pops {
                    popped.push(queue.pop());
                }
                if let Err(item) = queue.push(Counted {
                    id,
                    log: Arc::clone(&log),
                }) {
                    drop(item);
                }
            }
            while popped.len() < pops {
                popped.push(queue.pop());
            }
            drop(popped);
            let before = log.counts();
            drop(queue);
            let after = log.counts();
            assert!(
                after.iter().all(|&n| n == 1),
                "capacity {capacity}, {pushes} pushes, {pops} pops: after dropping the queue, \
                 every item must have been dropped exactly once, but the counts per item are \
                 {after:?} (before the queue's drop: {before:?}). 0: an item left in the queue \
                 was leaked (drop the len() items from the head on); 2: dropped twice (a slot \
                 that was popped, or given back by a failed push, was dropped again) \
                 ({CHAPTER}#exercise)"
            );
        }
    });
}

#[test]
fn drop_a_failed_push_gives_the_item_back_undropped() {
    within_secs(5, "push() on a full queue of counted items", || {
        let log = DropLog::new(2);
        let queue = MpmcQueue::new(1);
        assert!(
            queue
                .push(Counted {
                    id: 0,
                    log: Arc::clone(&log)
                })
                .is_ok()
        );
        let refused = queue.push(Counted {
            id: 1,
            log: Arc::clone(&log),
        });
        assert_eq!(
            log.counts(),
            [0, 0],
            "push() on a full queue dropped an item: it must give the item back, whole \
             ({CHAPTER}#the-mpmc-array-queue)"
        );
        let item = refused.expect_err("push() on a full queue must return Err(item)");
        assert_eq!(
            item.id, 1,
            "the item given back must be the one pushed ({CHAPTER}#exercise)"
        );
        let popped = queue.pop().expect("the queue holds one item");
        assert_eq!(
            popped.id, 0,
            "pop() must return the item pushed ({CHAPTER}#exercise)"
        );
        drop((item, popped, queue));
        assert_eq!(
            log.counts(),
            [1, 1],
            "each item must be dropped once, by whoever holds it; the queue must not drop a \
             slot it has already handed out ({CHAPTER}#exercise)"
        );
    });
}

// ---------------------------------------------------------------------------------------
// Many producers and consumers on real threads

/// Runs `producers` threads that push `per_producer` numbered items each (retrying while
/// the queue is full) beside `consumers` threads that pop until every item is out; returns
/// what each consumer received, in order, as (producer, sequence number).
fn pass_items(
    capacity: usize,
    producers: usize,
    consumers: usize,
    per_producer: usize,
) -> Vec<Vec<(usize, usize)>> {
    let queue = Arc::new(MpmcQueue::near_wrap(capacity));
    let taken = Arc::new(AtomicUsize::new(0));
    // Every finished push and pop: what the deadline watches.
    let progress = Arc::new(AtomicUsize::new(0));
    let moved = Arc::clone(&progress);
    let total = producers * per_producer;
    let what = format!(
        "{producers} producers pushing {per_producer} items each beside {consumers} consumers, \
         capacity {capacity}"
    );
    within_progress(10, &what.clone(), &progress, move || {
        deadline::workers(producers + consumers, &what, move |i| {
            let mut received = Vec::new();
            if i < producers {
                for n in 0..per_producer {
                    let mut item = (i, n);
                    while let Err(back) = queue.push(item) {
                        item = back;
                        std::hint::spin_loop();
                        thread::yield_now();
                    }
                    moved.fetch_add(1, Ordering::SeqCst);
                }
            } else {
                while taken.load(Ordering::SeqCst) < total {
                    match queue.pop() {
                        Some(item) => {
                            taken.fetch_add(1, Ordering::SeqCst);
                            moved.fetch_add(1, Ordering::SeqCst);
                            received.push(item);
                        }
                        None => thread::yield_now(),
                    }
                }
                assert!(
                    queue.len() <= queue.capacity(),
                    "len() returned more than the capacity ({CHAPTER}#sequence-numbers)"
                );
            }
            received
        })
    })
}

fn check_every_item_once_in_order(
    received: &[Vec<(usize, usize)>],
    producers: usize,
    per_producer: usize,
    what: &str,
) {
    let mut seen = vec![vec![0_u8; per_producer]; producers];
    for (consumer, items) in received.iter().enumerate() {
        let mut last = vec![None; producers];
        for &(producer, n) in items {
            seen[producer][n] += 1;
            if let Some(before) = last[producer] {
                assert!(
                    n > before,
                    "{what}: a consumer received item {n} of producer {producer} after its item \
                     {before}: items of one producer must come out in the order it pushed them \
                     (consumer {consumer}) ({CHAPTER}#the-mpmc-array-queue)"
                );
            }
            last[producer] = Some(n);
        }
    }
    for (producer, counts) in seen.iter().enumerate() {
        if let Some(n) = counts.iter().position(|&c| c != 1) {
            panic!(
                "{what}: item {n} of producer {producer} came out {} times: every item must \
                 come out of exactly one pop. Twice: two consumers read one slot (claim it with \
                 compare_exchange on the head, not a load and a store); never: two producers \
                 wrote one slot (the same, on the tail), or a pop freed a slot it had not \
                 read ({CHAPTER}#the-mpmc-array-queue)",
                counts[n]
            );
        }
    }
}

#[test]
fn race_producers_and_consumers_pass_every_item_once_in_order() {
    let _heavy = deadline::one_at_a_time();
    for (producers, consumers) in [(1, 1), (2, 2), (1, 4), (4, 1), (3, 2), (4, 4)] {
        for capacity in [1, 4] {
            let per_producer = 20_000 / producers;
            let what =
                format!("{producers} producers and {consumers} consumers, capacity {capacity}");
            let received = pass_items(capacity, producers, consumers, per_producer);
            check_every_item_once_in_order(&received, producers, per_producer, &what);
        }
    }
}

#[test]
fn race_every_item_is_dropped_exactly_once_under_contention() {
    let _heavy = deadline::one_at_a_time();
    let (producers, consumers, per_producer) = (2, 2, 5_000);
    let total = producers * per_producer;
    let log = DropLog::new(total);
    let queue = Arc::new(MpmcQueue::new(8));
    let what = "2 producers pushing counted items beside 2 consumers that stop early";
    {
        let queue = Arc::clone(&queue);
        let log = Arc::clone(&log);
        // Every finished push or pop, Ok or not: what the deadline watches.
        let progress = Arc::new(AtomicUsize::new(0));
        let moved = Arc::clone(&progress);
        within_progress(10, what, &progress, move || {
            deadline::workers(producers + consumers, what, move |i| {
                if i < producers {
                    for n in 0..per_producer {
                        let mut item = Counted {
                            id: i * per_producer + n,
                            log: Arc::clone(&log),
                        };
                        // Give up on an item after a few tries: it is dropped here, not lost.
                        for _ in 0..50 {
                            let pushed = queue.push(item);
                            moved.fetch_add(1, Ordering::SeqCst);
                            match pushed {
                                Ok(()) => break,
                                Err(back) => {
                                    item = back;
                                    thread::yield_now();
                                }
                            }
                        }
                    }
                } else {
                    for _ in 0..per_producer / 2 {
                        drop(queue.pop());
                        moved.fetch_add(1, Ordering::SeqCst);
                    }
                }
            })
        });
    }
    let queue = Arc::try_unwrap(queue).unwrap_or_else(|_| panic!("every worker has finished"));
    drop(queue);
    let counts = log.counts();
    if let Some(id) = counts.iter().position(|&c| c != 1) {
        panic!(
            "{what}: item {id} was dropped {} times, after the queue itself was dropped: every \
             item must be dropped exactly once (by its consumer, by the producer that got it \
             back, or by the queue's drop) ({CHAPTER}#exercise)",
            counts[id]
        );
    }
}
