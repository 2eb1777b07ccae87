//! Exercise 13 graded suite, model-checked by loom: the same `src/queue.rs`, compiled with
//! `crate::sync` bound to loom, in every interleaving of its threads within the bound.
//! Book: `book/src/part-5/thread-safe-queues.md`.
//!
//! A thread that sleeps for ever on a condition variable shows as loom's "deadlock": that
//! is how a forgotten notify, or a notify_one where every waiter must wake, is found. Timed
//! waits never time out in a model, so `get_timeout`/`put_timeout` are checked here only as
//! waits that a put, a get or a close must end; their time limits are checked on real
//! threads. With `sync_shim::testing::spurious_wakeups()` on, every other wait of each
//! model thread returns at once, so a wait under an `if` fails every time.
//!
//! Every promise of the stub's docs, and the tests that check it here and on real threads,
//! are listed in `tests/contracts/exercise-13.toml`.

sync_shim::include_under_loom!(queue);

use std::time::Duration;

use loom_harness::{Explain, Model};
use queue::{BlockingQueue, GetError, PutError};
use sync::thread;
// The models share the queue through std's Arc, not loom's: when loom finds a deadlock (a
// lost wake-up), the stuck thread unwinds, and a loom Arc dropped while unwinding makes loom
// abort without a message. A model's threads are all joined, so nothing leaks.
use std::sync::Arc;

const CHAPTER: &str = "book/src/part-5/thread-safe-queues.md";

/// Long enough never to run out in a real run; in a model a timed wait never times out.
const HOUR: Duration = Duration::from_secs(3600);

const EXPLAIN: Explain = Explain {
    book: "book/src/part-5/thread-safe-queues.md#two-conditions and #closing-a-queue",
    race: "two threads touched the queue's state at once: every field must be inside the \
           crate::sync::Mutex and reached only through its guard.",
    spins_forever: "a thread looped for ever: a wait loop that does not sleep on a condition \
           variable, or whose condition never changes.",
    deadlock: "a thread sleeps for ever on a condition variable and nobody is left to wake \
           it: a lost wake-up. Every put must notify the getters' condition (not_empty), \
           every get the putters' (not_full), the last task_done every joiner \
           (all_tasks_done, notify_all), and close() must wake every waiter of both sides \
           (notify_all on both conditions, after setting the flag under the mutex).",
    assertion: "a thread went on without its condition: after a spurious wake-up (a wait \
           under an `if` where a `while` belongs), a put that added its item to a full or \
           closed queue, or a get that gave up while items were left.",
};

#[test]
fn loom_blocking_a_blocked_get_receives_the_next_put() {
    Model::new(
        "a thread calls get() on an empty queue; the main thread puts 7; the getter gets 7",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let queue = Arc::new(BlockingQueue::new(1));
        let theirs = Arc::clone(&queue);
        let getter = thread::spawn(move || theirs.get());
        queue.put(7).unwrap();
        let got = getter.join().unwrap();
        assert_eq!(got, Ok(7), "the blocked get() must return the item put after it began ({CHAPTER}#blocking-put-and-get)");
    });
}

#[test]
fn loom_blocking_a_put_blocked_on_a_full_queue_goes_in_after_a_get() {
    Model::new(
        "a queue of capacity 1 holds 1; a thread calls put(2); the main thread gets twice \
         and sees 1 then 2",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let queue = Arc::new(BlockingQueue::new(1));
        queue.put(1).unwrap();
        let theirs = Arc::clone(&queue);
        let putter = thread::spawn(move || theirs.put(2));
        let first = queue.get();
        let second = queue.get();
        let put = putter.join().unwrap();
        assert_eq!((first, second, put), (Ok(1), Ok(2), Ok(())), "the blocked put() must go in once a get() made room, after the older item ({CHAPTER}#blocking-put-and-get)");
    });
}

#[test]
fn loom_blocking_spurious_wake_ups_do_not_let_a_get_go_on_without_an_item() {
    Model::new(
        "with spurious wake-ups on, a thread calls get() on an empty queue; the main thread \
         puts 7; the getter gets 7",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let _spurious = sync_shim::testing::spurious_wakeups();
        let queue = Arc::new(BlockingQueue::new(1));
        let theirs = Arc::clone(&queue);
        let getter = thread::spawn(move || (theirs.get(), theirs.get_timeout(HOUR)));
        queue.put(7).unwrap();
        queue.put(8).unwrap();
        let got = getter.join().unwrap();
        assert_eq!(got, (Ok(7), Ok(8)), "get() or get_timeout() returned without an item after a wake-up that brought none: wait in a `while` loop that looks at the queue again after every wake-up ({CHAPTER}#two-conditions)");
    });
}

#[test]
fn loom_blocking_spurious_wake_ups_do_not_let_a_put_overfill_the_queue() {
    Model::new(
        "with spurious wake-ups on, a queue of capacity 1 holds 1; a thread calls put(2) \
         and then put_timeout(3); after each put it returns from, the queue holds at most 1 \
         item; the main thread gets 1, 2 and 3",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let _spurious = sync_shim::testing::spurious_wakeups();
        let queue = Arc::new(BlockingQueue::new(1));
        queue.put(1).unwrap();
        let theirs = Arc::clone(&queue);
        let putter = thread::spawn(move || {
            let first = theirs.put(2);
            let after_first = theirs.len();
            let second = theirs.put_timeout(3, HOUR);
            let after_second = theirs.len();
            (first, second, after_first.max(after_second))
        });
        let got: Vec<_> = (0..3).map(|_| queue.get()).collect();
        let (first, second, most) = putter.join().unwrap();
        assert!(most <= 1, "a put() returned while the queue held {most} items, with capacity 1: after a wake-up, look again whether there is room (a `while`, not an `if`) ({CHAPTER}#two-conditions)");
        assert_eq!((first, second), (Ok(()), Ok(())), "both puts must succeed ({CHAPTER}#blocking-put-and-get)");
        assert_eq!(got, [Ok(1), Ok(2), Ok(3)], "the items must come out in order ({CHAPTER}#fifo-lifo-priority)");
    });
}

#[test]
fn loom_timeout_a_timed_get_is_woken_by_a_put() {
    Model::new(
        "a thread calls get_timeout(1 hour) on an empty queue; the main thread puts 5; the \
         getter gets 5",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let queue = Arc::new(BlockingQueue::new(1));
        let theirs = Arc::clone(&queue);
        let getter = thread::spawn(move || theirs.get_timeout(HOUR));
        queue.put(5).unwrap();
        let got = getter.join().unwrap();
        assert_eq!(
            got,
            Ok(5),
            "get_timeout() must return the item put while it waited ({CHAPTER}#timeouts)"
        );
    });
}

#[test]
fn loom_timeout_a_timed_put_is_woken_by_a_get() {
    Model::new(
        "a queue of capacity 1 holds 1; a thread calls put_timeout(2, 1 hour); the main \
         thread gets 1 then 2",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let queue = Arc::new(BlockingQueue::new(1));
        queue.put(1).unwrap();
        let theirs = Arc::clone(&queue);
        let putter = thread::spawn(move || theirs.put_timeout(2, HOUR));
        let got = (queue.get(), queue.get());
        let put = putter.join().unwrap();
        assert_eq!(
            (got, put),
            ((Ok(1), Ok(2)), Ok(())),
            "put_timeout() must go in once a get() made room ({CHAPTER}#timeouts)"
        );
    });
}

#[test]
fn loom_tasks_the_last_task_done_wakes_both_joiners() {
    Model::new(
        "one item is put; two threads call join(); the main thread gets it and calls \
         task_done(); both joiners return",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let queue = Arc::new(BlockingQueue::new(1));
        queue.put(1).unwrap();
        let joiners: Vec<_> = (0..2)
            .map(|_| {
                let theirs = Arc::clone(&queue);
                thread::spawn(move || theirs.join())
            })
            .collect();
        queue.get().unwrap();
        let done = queue.task_done();
        for joiner in joiners {
            joiner.join().unwrap();
        }
        assert_eq!(
            done,
            Ok(()),
            "task_done() after one put must succeed ({CHAPTER}#task-done-and-join)"
        );
    });
}

#[test]
fn loom_close_wakes_two_blocked_getters() {
    Model::new(
        "two threads call get() on an empty queue; the main thread closes it; both getters \
         return Err(Closed)",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let queue: Arc<BlockingQueue<u8>> = Arc::new(BlockingQueue::new(1));
        let getters: Vec<_> = (0..2)
            .map(|_| {
                let theirs = Arc::clone(&queue);
                thread::spawn(move || theirs.get())
            })
            .collect();
        queue.close();
        let got: Vec<_> = getters.into_iter().map(|g| g.join().unwrap()).collect();
        assert_eq!(
            got,
            [Err(GetError::Closed), Err(GetError::Closed)],
            "a get() on a closed, empty queue must return Err(Closed) ({CHAPTER}#closing-a-queue)"
        );
    });
}

#[test]
fn loom_close_wakes_a_blocked_putter_and_gives_its_item_back() {
    Model::new(
        "a queue of capacity 1 holds 1; a thread calls put(2); the main thread closes the \
         queue; the putter gets Err(Closed(2)); the main thread then gets 1, then \
         Err(Closed)",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let queue = Arc::new(BlockingQueue::new(1));
        queue.put(1).unwrap();
        let theirs = Arc::clone(&queue);
        let putter = thread::spawn(move || theirs.put(2));
        queue.close();
        let put = putter.join().unwrap();
        let got = (queue.get(), queue.get());
        assert_eq!(put, Err(PutError::Closed(2)), "a put() blocked on a full queue must return Err(Closed(its item)) when the queue is closed ({CHAPTER}#closing-a-queue)");
        assert_eq!(got, (Ok(1), Err(GetError::Closed)), "after close(), get() must return what was there before, then Err(Closed); nothing may go in after close() ({CHAPTER}#closing-a-queue)");
    });
}

#[test]
fn loom_close_a_getter_and_a_putter_both_wake() {
    Model::new(
        "a queue of capacity 1: one thread gets twice, another puts 1 then 2 then 3; the main \
         thread closes the queue; nobody sleeps for ever and every item put is got",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let queue = Arc::new(BlockingQueue::new(1));
        let theirs = Arc::clone(&queue);
        let getter = thread::spawn(move || (theirs.get(), theirs.get()));
        let theirs = Arc::clone(&queue);
        let putter = thread::spawn(move || [theirs.put(1), theirs.put(2), theirs.put(3)]);
        queue.close();
        let got = getter.join().unwrap();
        let puts = putter.join().unwrap();
        let mut left = Vec::new();
        while let Ok(item) = queue.get() {
            left.push(item);
        }
        let went_in = puts.iter().filter(|put| put.is_ok()).count();
        let came_out = [got.0, got.1].iter().filter(|get| get.is_ok()).count() + left.len();
        assert_eq!(went_in, came_out, "{went_in} puts succeeded but {came_out} items came out: items were lost or made up ({CHAPTER}#closing-a-queue)");
    });
}
