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
        // Two gets make room for both puts; the third item is taken only after the putter
        // is joined, so a put_timeout() that gave up shows as its own result, not as a
        // get() that waits for ever.
        let mut got: Vec<_> = (0..2).map(|_| queue.get()).collect();
        let (first, second, most) = putter.join().unwrap();
        assert!(most <= 1, "a put() returned while the queue held {most} items, with capacity 1: after a wake-up, look again whether there is room (a `while`, not an `if`) ({CHAPTER}#two-conditions)");
        assert_eq!(first, Ok(()), "put(2) must succeed once a get() made room ({CHAPTER}#blocking-put-and-get)");
        assert_eq!(second, Ok(()), "put_timeout(3, 1 hour) gave up after a wake-up that brought no room (a spurious one): in a model a timed wait never times out, so it must loop, waiting again until its deadline, and go in once a get() makes room ({CHAPTER}#timeouts)");
        got.push(queue.get());
        assert_eq!(got, [Ok(1), Ok(2), Ok(3)], "the items must come out in order ({CHAPTER}#fifo-lifo-priority)");
    });
}

/// A form of get other than `get()`: each must wake a putter blocked on a full queue.
#[derive(Debug, Clone, Copy)]
enum Take {
    TryGet,
    GetTimeout,
}

/// A form of put other than `put()`: each must wake a getter blocked on an empty queue.
#[derive(Debug, Clone, Copy)]
enum Give {
    TryPut,
    PutTimeout,
}

#[test]
fn loom_blocking_every_kind_of_get_wakes_a_blocked_putter() {
    for take in [Take::TryGet, Take::GetTimeout] {
        let call = match take {
            Take::TryGet => "try_get()",
            Take::GetTimeout => "get_timeout(1 hour)",
        };
        let property = format!(
            "a queue of capacity 1 holds 1; a thread calls put(2); the main thread takes 1 \
             with {call}, then gets 2 with get()"
        );
        Model::new(&property).explain(&EXPLAIN).check(move || {
            let queue = Arc::new(BlockingQueue::new(1));
            queue.put(1).unwrap();
            let theirs = Arc::clone(&queue);
            let putter = thread::spawn(move || theirs.put(2));
            // The item is there for certain, so the take never waits and never fails.
            let first = match take {
                Take::TryGet => queue.try_get(),
                Take::GetTimeout => queue.get_timeout(HOUR),
            };
            let second = queue.get();
            let put = putter.join().unwrap();
            assert_eq!((first, second, put), (Ok(1), Ok(2), Ok(())), "{call} took the item, then the blocked put(2) must go in and get() return it ({CHAPTER}#blocking-put-and-get)");
        });
    }
}

#[test]
fn loom_blocking_every_kind_of_put_wakes_a_blocked_getter() {
    for give in [Give::TryPut, Give::PutTimeout] {
        let call = match give {
            Give::TryPut => "try_put(7)",
            Give::PutTimeout => "put_timeout(7, 1 hour)",
        };
        let property = format!(
            "a thread calls get() on an empty queue of capacity 1; the main thread adds 7 \
             with {call}; the getter gets 7"
        );
        Model::new(&property).explain(&EXPLAIN).check(move || {
            let queue = Arc::new(BlockingQueue::new(1));
            let theirs = Arc::clone(&queue);
            let getter = thread::spawn(move || theirs.get());
            // There is room for certain, so the put never waits and never fails.
            let put = match give {
                Give::TryPut => queue.try_put(7),
                Give::PutTimeout => queue.put_timeout(7, HOUR),
            };
            let got = getter.join().unwrap();
            assert_eq!((put, got), (Ok(()), Ok(7)), "{call} added an item, and the blocked get() must return it ({CHAPTER}#blocking-put-and-get)");
        });
    }
}

#[test]
fn loom_blocking_two_blocked_getters_each_get_one_of_two_puts() {
    // Capacity 2: the second put finds an item already there (a put that notifies only when
    // the queue was empty leaves a getter asleep beside an item). Capacity 1: the second put
    // waits for room, and the get that makes it must wake that putter, not the other getter.
    for capacity in [2, 1] {
        let property = format!(
            "two threads call get() on an empty queue of capacity {capacity}; the main thread \
             puts 1 then 2; each getter gets one of them"
        );
        Model::new(&property)
            .explain(&EXPLAIN)
            .check(move || {
                let queue = Arc::new(BlockingQueue::new(capacity));
                let getters: Vec<_> = (0..2)
                    .map(|_| {
                        let theirs = Arc::clone(&queue);
                        thread::spawn(move || theirs.get())
                    })
                    .collect();
                let puts = (queue.put(1), queue.put(2));
                // Ok(item) as Some(item), an error as None: sorted, whichever getter got which.
                let mut got: Vec<_> = getters.into_iter().map(|g| g.join().unwrap().ok()).collect();
                got.sort_unstable();
                assert_eq!(puts, (Ok(()), Ok(())), "both puts on an open queue must succeed ({CHAPTER}#blocking-put-and-get)");
                assert_eq!(got, [Some(1), Some(2)], "two blocked getters and two puts: each getter must get one item. Every put must wake a getter, whatever the queue held before it ({CHAPTER}#two-conditions)");
            });
    }
}

#[test]
fn loom_blocking_two_blocked_putters_each_go_in_after_two_gets() {
    Model::new(
        "a queue of capacity 2 holds 1 and 2; two threads put 3 and 4; the main thread gets \
         four items, and both puts succeed",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let queue = Arc::new(BlockingQueue::new(2));
        queue.put(1).unwrap();
        queue.put(2).unwrap();
        let putters: Vec<_> = (3..=4)
            .map(|item| {
                let theirs = Arc::clone(&queue);
                thread::spawn(move || theirs.put(item))
            })
            .collect();
        let mut got: Vec<_> = (0..4).map(|_| queue.get().ok()).collect();
        let puts: Vec<_> = putters.into_iter().map(|p| p.join().unwrap()).collect();
        got.sort_unstable();
        assert_eq!(puts, [Ok(()), Ok(())], "both blocked puts must go in once gets made room ({CHAPTER}#blocking-put-and-get)");
        assert_eq!(got, [Some(1), Some(2), Some(3), Some(4)], "two blocked putters and four gets: every get must wake a putter, whatever the queue held before it ({CHAPTER}#two-conditions)");
    });
}

#[test]
fn loom_blocking_two_try_puts_race_for_the_last_place() {
    Model::new(
        "two threads call try_put() on an empty queue of capacity 1: exactly one succeeds, \
         the other gets Err(Full), and the queue holds one item",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let queue = Arc::new(BlockingQueue::new(1));
        let racers: Vec<_> = (1..=2)
            .map(|item| {
                let theirs = Arc::clone(&queue);
                thread::spawn(move || theirs.try_put(item))
            })
            .collect();
        let outcomes: Vec<_> = racers.into_iter().map(|r| r.join().unwrap()).collect();
        let held = queue.len();
        let full = outcomes
            .iter()
            .filter(|outcome| matches!(outcome, Err(PutError::Full(_))))
            .count();
        assert_eq!((full, held), (1, 1), "two try_put()s raced for the one place: {outcomes:?}, and the queue holds {held} items. The look for room and the push must happen under one lock, without unlocking between them ({CHAPTER}#two-conditions)");
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
fn loom_tasks_spurious_wake_ups_do_not_let_join_return_early() {
    Model::new(
        "with spurious wake-ups on, one item is put; a thread calls join(); the main thread \
         gets the item, raises a flag and calls task_done(); join() returns only after the \
         flag is raised",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let _spurious = sync_shim::testing::spurious_wakeups();
        let queue = Arc::new(BlockingQueue::new(1));
        queue.put(1).unwrap();
        let raised = Arc::new(sync::atomic::AtomicBool::new(false));
        let (theirs, their_flag) = (Arc::clone(&queue), Arc::clone(&raised));
        let joiner = thread::spawn(move || {
            theirs.join();
            their_flag.load(sync::atomic::Ordering::SeqCst)
        });
        queue.get().unwrap();
        raised.store(true, sync::atomic::Ordering::SeqCst);
        let done = queue.task_done();
        let saw_flag = joiner.join().unwrap();
        assert_eq!(done, Ok(()), "task_done() after one put must succeed ({CHAPTER}#task-done-and-join)");
        assert!(saw_flag, "join() returned before the last task_done(), after a wake-up that did not bring the count to 0 (a spurious one): wait in a `while` loop that looks at the count again after every wake-up, not under an `if` ({CHAPTER}#task-done-and-join)");
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

#[test]
fn loom_close_wakes_a_blocked_timed_get() {
    Model::new(
        "a thread calls get_timeout(1 hour) on an empty queue; the main thread closes it; \
         the getter returns Err(Closed)",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let queue: Arc<BlockingQueue<u8>> = Arc::new(BlockingQueue::new(1));
        let theirs = Arc::clone(&queue);
        let getter = thread::spawn(move || theirs.get_timeout(HOUR));
        queue.close();
        let got = getter.join().unwrap();
        assert_eq!(got, Err(GetError::Closed), "a get_timeout() blocked on an empty queue must return Err(Closed) when the queue is closed, not wait on to its deadline: look at the closed flag after every wake-up ({CHAPTER}#closing-a-queue)");
    });
}

#[test]
fn loom_close_wakes_a_blocked_timed_put_and_gives_its_item_back() {
    Model::new(
        "a queue of capacity 1 holds 1; a thread calls put_timeout(2, 1 hour); the main \
         thread closes the queue; the putter returns Err(Closed(2))",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let queue = Arc::new(BlockingQueue::new(1));
        queue.put(1).unwrap();
        let theirs = Arc::clone(&queue);
        let putter = thread::spawn(move || theirs.put_timeout(2, HOUR));
        queue.close();
        let put = putter.join().unwrap();
        let got = (queue.get(), queue.get());
        assert_eq!(put, Err(PutError::Closed(2)), "a put_timeout() blocked on a full queue must return Err(Closed(its item)) when the queue is closed, not wait on to its deadline: look at the closed flag after every wake-up ({CHAPTER}#closing-a-queue)");
        assert_eq!(got, (Ok(1), Err(GetError::Closed)), "after close(), get() must return what was there before, then Err(Closed) ({CHAPTER}#closing-a-queue)");
    });
}
