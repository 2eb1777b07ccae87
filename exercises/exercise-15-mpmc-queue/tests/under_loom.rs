//! Exercise 15 graded suite, model-checked by loom: the same `src/queue.rs`, compiled with
//! `crate::sync` bound to loom, in every interleaving of its threads within the bound.
//! Book: `book/src/part-5/lock-free-queues.md`.
//!
//! loom follows every access to a `crate::sync::cell::UnsafeCell`: a slot read while its
//! producer may still be writing it, or written by two producers, or written while its last
//! consumer may still be reading it, is reported as a data race, even when the value happens to
//! come out right. That is how it finds a stamp published with `Relaxed` where `Release` is
//! needed, or a compare_exchange replaced by a load and a store. Each model has at most two
//! threads beside the main one; together they play two producers and two consumers.
//!
//! Every promise of the stub's docs, and the tests that check it here and on real threads,
//! are listed in `tests/contracts/exercise-15.toml`.

sync_shim::include_under_loom!(queue);

use loom_harness::{Explain, Model};
use queue::MpmcQueue;
use sync::thread;
// The models share the queue through std's Arc (loom's Arc dropped while a failing model
// unwinds makes loom abort without a message), each queue `Held` (below). Every thread is
// joined, so nothing leaks when the model passes.
use std::sync::Arc;

const CHAPTER: &str = "book/src/part-5/lock-free-queues.md";

const EXPLAIN: Explain = Explain {
    book: "book/src/part-5/lock-free-queues.md#the-mpmc-array-queue and #sequence-numbers",
    race: "two threads touched one slot's cell without an order between them: a consumer read \
           a slot before its producer's Release store of the stamp (a stamp stored before the \
           write, or stored Relaxed, or a pop that trusts the tail instead of the stamp), two \
           threads took one slot (a load and a store where a compare_exchange belongs, or a \
           push or pop that touched the slot's cell before winning the compare-and-swap on the \
           tail or head), or a producer wrote a slot whose last item was still being read \
           (the pop's stamp store must come after the read, with Release; the push's stamp \
           load must be Acquire).",
    spins_forever: "a thread spun for ever: a push or pop that waits for a stamp no thread \
           will ever store (is the stamp a pop leaves the one the next lap's push expects?), \
           a retry that never reloads the head or tail, or a push that decides \
           \"full\" with a head it read once before its loop (the head must be read again \
           each time the slot looks full, or a pop that never comes is waited for).",
    deadlock: "",
    assertion: "an item was lost, came out twice, or a push or pop gave up while it should \
           have gone on: Err from a queue that a finished pop had made room in, or None from \
           a queue holding an item whose push had returned.",
};

/// Keeps a queue alive while a failure unwinds. When loom finds a race it panics, and the
/// queue's own Drop, run during that unwinding, touches its slots' cells again: loom panics a
/// second time inside a destructor, which aborts the whole test binary with no message at all
/// ("thread caused non-unwinding panic. aborting."). Leaking the queue keeps loom's own
/// explanation and the failing model's name. Dropped normally when no panic is under way.
struct Held<T>(std::mem::ManuallyDrop<T>);

impl<T> std::ops::Deref for Held<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> Drop for Held<T> {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            // SAFETY: dropped once, here, and never used again.
            unsafe { std::mem::ManuallyDrop::drop(&mut self.0) }
        }
    }
}

/// A queue shared by the model's threads, `Held` so that a failing model does not drop it.
fn shared(queue: MpmcQueue<u32>) -> Arc<Held<MpmcQueue<u32>>> {
    Arc::new(Held(std::mem::ManuallyDrop::new(queue)))
}

/// Pops until an item comes out (letting the other threads run in between).
fn pop_until_some(queue: &MpmcQueue<u32>) -> u32 {
    loop {
        if let Some(item) = queue.pop() {
            return item;
        }
        thread::yield_now();
    }
}

/// Pushes, retrying while the queue is full (letting the other threads run in between).
fn push_until_ok(queue: &MpmcQueue<u32>, mut item: u32) {
    while let Err(back) = queue.push(item) {
        item = back;
        thread::yield_now();
    }
}

#[test]
fn loom_race_two_producers_claim_different_slots() {
    Model::new(
        "two threads push 1 and 2 at once into an empty queue of capacity 2; after both are \
         joined, the main thread pops both items, each once, then None",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let queue = shared(MpmcQueue::new(2));
        let producers: Vec<_> = [1, 2]
            .into_iter()
            .map(|item| {
                let queue = Arc::clone(&queue);
                thread::spawn(move || queue.push(item))
            })
            .collect();
        let pushed: Vec<_> = producers.into_iter().map(|p| p.join().unwrap()).collect();
        let mut got = vec![queue.pop(), queue.pop(), queue.pop()];
        got[..2].sort();
        assert_eq!(pushed, [Ok(()), Ok(())], "both pushes into a queue with room must succeed ({CHAPTER}#the-mpmc-array-queue)");
        assert_eq!(got, [Some(1), Some(2), None], "two producers pushed 1 and 2, but the queue gave back {got:?}: each push must claim its own slot with one compare_exchange on the tail ({CHAPTER}#the-mpmc-array-queue)");
    });
}

#[test]
fn loom_race_a_pop_reads_an_item_only_once_it_is_written() {
    Model::new(
        "a thread pushes 7 into an empty queue of capacity 2 while the main thread pops until \
         it gets an item; it gets 7",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let queue = shared(MpmcQueue::new(2));
        let theirs = Arc::clone(&queue);
        let producer = thread::spawn(move || theirs.push(7));
        let got = pop_until_some(&queue);
        let pushed = producer.join().unwrap();
        assert_eq!(
            (pushed, got),
            (Ok(()), 7),
            "the consumer must get the item whole ({CHAPTER}#sequence-numbers)"
        );
    });
}

#[test]
fn loom_race_two_consumers_take_different_items() {
    Model::new(
        "a queue of capacity 2 holds 1 and 2; two threads pop at once; each gets one item, \
         and they are different",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let queue = shared(MpmcQueue::new(2));
        queue.push(1).unwrap();
        queue.push(2).unwrap();
        let consumers: Vec<_> = (0..2)
            .map(|_| {
                let queue = Arc::clone(&queue);
                thread::spawn(move || queue.pop())
            })
            .collect();
        let mut got: Vec<_> = consumers.into_iter().map(|c| c.join().unwrap()).collect();
        got.sort();
        let left = queue.pop();
        assert_eq!((got.clone(), left), (vec![Some(1), Some(2)], None), "two consumers popped {got:?} from a queue holding 1 and 2: each pop must claim its own slot with one compare_exchange on the head ({CHAPTER}#the-mpmc-array-queue)");
    });
}

#[test]
fn loom_race_a_slot_is_written_again_only_after_its_item_is_read() {
    Model::new(
        "a queue of capacity 1, two laps before its positions wrap, holds 1; a thread pops \
         while the main thread pushes 2, retrying while full, then pushes 3 the same way; the \
         thread gets 1 and then 2, and the main thread finally pops 3",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let queue = shared(MpmcQueue::near_wrap(1));
        queue.push(1).unwrap();
        let theirs = Arc::clone(&queue);
        let consumer = thread::spawn(move || (pop_until_some(&theirs), pop_until_some(&theirs)));
        push_until_ok(&queue, 2);
        push_until_ok(&queue, 3);
        let got = consumer.join().unwrap();
        let last = queue.pop();
        assert_eq!((got, last), ((1, 2), Some(3)), "a slot reused lap after lap (and across the wrap of the positions) must hand over each item once, in order ({CHAPTER}#sequence-numbers)");
    });
}

#[test]
fn loom_race_a_finished_push_is_found_by_a_later_pop() {
    Model::new(
        "two threads push 1 and 2 into an empty queue of capacity 2; the main thread joins \
         the second one and pops: the queue holds at least that item, so pop returns Some; \
         after joining the first, it pops the other",
    )
    .explain(&EXPLAIN)
    .preemptions(2)
    .check(|| {
        let queue = shared(MpmcQueue::new(2));
        let first = {
            let queue = Arc::clone(&queue);
            thread::spawn(move || queue.push(1))
        };
        let second = {
            let queue = Arc::clone(&queue);
            thread::spawn(move || queue.push(2))
        };
        let second_pushed = second.join().unwrap();
        let one = queue.pop();
        let first_pushed = first.join().unwrap();
        let other = queue.pop();
        assert_eq!((first_pushed, second_pushed), (Ok(()), Ok(())), "both pushes must succeed ({CHAPTER}#the-mpmc-array-queue)");
        assert!(one.is_some(), "pop() returned None although a push had returned and nobody had popped its item: when the slot at the head is claimed by a push that has not finished writing, pop must wait for it (spin), not report the queue empty. Report empty only when the tail equals the head ({CHAPTER}#sequence-numbers)");
        let mut both = vec![one, other];
        both.sort();
        assert_eq!(both, [Some(1), Some(2)], "each item must come out once ({CHAPTER}#the-mpmc-array-queue)");
    });
}

#[test]
fn loom_race_a_finished_pop_always_makes_room() {
    Model::new(
        "a queue of capacity 2 holds 1 and 2; two threads pop; the main thread joins the \
         second one and pushes 3: a pop has returned, so there is room and push returns Ok",
    )
    .explain(&EXPLAIN)
    .preemptions(2)
    .check(|| {
        let queue = shared(MpmcQueue::new(2));
        queue.push(1).unwrap();
        queue.push(2).unwrap();
        let first = {
            let queue = Arc::clone(&queue);
            thread::spawn(move || queue.pop())
        };
        let second = {
            let queue = Arc::clone(&queue);
            thread::spawn(move || queue.pop())
        };
        let second_got = second.join().unwrap();
        let pushed = queue.push(3);
        let first_got = first.join().unwrap();
        let mut got = vec![first_got, second_got];
        got.sort();
        assert!(pushed.is_ok(), "push() returned Err(item) although a pop had returned and made room: when the slot at the tail still holds an item that a pop has claimed but not finished reading, push must wait for it (spin), not report the queue full. Report full only when the head is one lap behind the tail ({CHAPTER}#sequence-numbers)");
        assert_eq!(got, [Some(1), Some(2)], "the two consumers must get 1 and 2, once each ({CHAPTER}#the-mpmc-array-queue)");
        assert_eq!(queue.pop(), Some(3), "3 must come out last ({CHAPTER}#the-mpmc-array-queue)");
    });
}

#[test]
fn loom_race_two_threads_that_push_then_pop_get_one_item_each() {
    Model::new(
        "two threads each push an item into a queue of capacity 1 (retrying while full) and \
         then pop one (retrying while empty); they get 1 and 2 between them, once each",
    )
    .explain(&EXPLAIN)
    .preemptions(1)
    .check(|| {
        let queue = shared(MpmcQueue::new(1));
        let workers: Vec<_> = [1, 2]
            .into_iter()
            .map(|item| {
                let queue = Arc::clone(&queue);
                thread::spawn(move || {
                    push_until_ok(&queue, item);
                    pop_until_some(&queue)
                })
            })
            .collect();
        let mut got: Vec<_> = workers.into_iter().map(|w| w.join().unwrap()).collect();
        got.sort();
        assert_eq!(got, [1, 2], "two threads that each pushed one item and popped one got {got:?} ({CHAPTER}#the-mpmc-array-queue)");
    });
}

#[test]
fn loom_race_len_is_a_snapshot_of_one_moment() {
    // Both the worker and the reader are spawned threads: with len() on the model's main
    // thread, loom explores only a few interleavings of it and misses the stale pairs.
    Model::new(
        "a thread pushes and pops twice on a queue of capacity 2, so it never holds more than \
         1 item, while another thread calls len() once: len() is at most 1",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let queue = shared(MpmcQueue::new(2));
        let worker = {
            let queue = Arc::clone(&queue);
            thread::spawn(move || {
                (0..2)
                    .map(|item| (queue.push(item), queue.pop()))
                    .collect::<Vec<_>>()
            })
        };
        let reader = {
            let queue = Arc::clone(&queue);
            thread::spawn(move || queue.len())
        };
        let len = reader.join().unwrap();
        let worked = worker.join().unwrap();
        assert_eq!(worked, [(Ok(()), Some(0)), (Ok(()), Some(1))], "a thread alone on the queue pushed and popped, and got {worked:?} ({CHAPTER}#the-mpmc-array-queue)");
        assert!(len <= 1, "len() returned {len} while the queue never held more than 1 item: it paired a head and a tail from two different moments (a tail read before the head moved on past it). Read the tail, the head, and the tail again, and start over until the tail did not move ({CHAPTER}#sequence-numbers)");
    });
}

#[test]
fn loom_race_a_push_on_a_queue_full_again_returns() {
    Model::new(
        "a queue of capacity 1 holds 0; a thread pops it and pushes 2 while another pushes 1: \
         that push returns (Ok, or Err when the queue is full again) without waiting for a pop",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let queue = shared(MpmcQueue::new(1));
        queue.push(0).unwrap();
        let other = {
            let queue = Arc::clone(&queue);
            thread::spawn(move || (queue.pop(), queue.push(2)))
        };
        let mine = {
            let queue = Arc::clone(&queue);
            thread::spawn(move || queue.push(1))
        };
        let mine = mine.join().unwrap();
        let (popped, theirs) = other.join().unwrap();
        let left = queue.pop();
        assert_eq!(popped, Some(0), "the only pop must get the only item ({CHAPTER}#the-mpmc-array-queue)");
        let expected = match (mine, theirs) {
            (Ok(()), Err(2)) => Some(1),
            (Err(1), Ok(())) => Some(2),
            _ => None,
        };
        assert!(expected.is_some() && left == expected, "one slot, two pushes after one pop: exactly one push must succeed, the other get its item back, and the winner's item be left; got push(1) = {mine:?}, push(2) = {theirs:?}, then pop() = {left:?} ({CHAPTER}#the-mpmc-array-queue)");
    });
}

#[test]
fn source_reaches_atomics_through_crate_sync() {
    if let Err(problems) = loom_harness::check_sources(env!("CARGO_MANIFEST_DIR")) {
        panic!("{problems}");
    }
}

#[test]
fn source_builds_the_queue_without_a_lock() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/queue.rs");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    let locks = [
        "sync::Mutex",
        "sync::RwLock",
        "sync::Condvar",
        "parking_lot",
        "crossbeam_queue",
    ];
    if let Some(found) = locks.iter().find(|lock| text.contains(*lock)) {
        panic!(
            "src/queue.rs uses `{found}`: this exercise builds the queue from atomics and \
             per-slot stamps, with no lock and no ready-made queue ({CHAPTER}#the-mpmc-array-queue)"
        );
    }
}
