//! Exercise 05 graded suite, model-checked by loom: the same `src/ticket_lock.rs`, compiled
//! with `crate::sync` bound to loom, in every interleaving of its threads within the bound.
//! Book: `book/src/part-2/memory-ordering.md` and `book/src/part-2/ticket-locks.md`.
//!
//! Every promise of the stub's docs, and the tests that check it here and on real threads,
//! are listed in `tests/contracts/exercise-05.toml`.

sync_shim::include_under_loom!(ticket_lock);

use loom_harness::{Explain, Model};
use sync::{Arc, thread};
use ticket_lock::TicketLock;

const CHAPTER: &str = "book/src/part-2/ticket-locks.md";
const ORDERING: &str = "book/src/part-2/memory-ordering.md";

/// What each kind of loom failure most likely means in a ticket lock.
const EXPLAIN: Explain = Explain {
    book: "book/src/part-2/ticket-locks.md#taking-a-ticket, and \
           book/src/part-2/memory-ordering.md#acquire-and-release",
    race: "the race shows up in Deref/DerefMut, where the value is touched, but the bug is in \
           how tickets are drawn, waited for or served: find the lines of lock(), try_lock() \
           and the guard's Drop in the steps below. Two threads were inside at once if they \
           held the same ticket (drawing it must be ONE fetch_add; in the steps below, a load \
           followed by a store where the ticket is drawn is two steps), if \
           now_serving was moved by a thread that did not hold the lock (only the holder's \
           Drop may move it, by exactly one), if try_lock() checked that the lock was free \
           and drew a ticket in a second step, or if the wait loop lets a thread in before \
           its number comes up (compare for equality: with `<` a ticket that wrapped to 0 \
           walks straight in). Otherwise the hand-off is not ordered: the load that finally \
           sees your number (in lock() and in try_lock()) must be Acquire, and the store that \
           serves the next number Release.",
    spins_forever: "a thread waits for ever for its number: the number being served belongs \
           to nobody who will unlock it. A ticket was skipped (two threads drew the same \
           number and both unlocked), a failed try_lock() drew a ticket and left it behind or \
           handed it back after others had drawn theirs, or a guard's Drop does not serve the \
           next number. The steps below end in the waiting loop; the ticket went missing \
           earlier, in a draw, a try_lock() or a Drop (LOOM_LOG=trace shows every step).",
    deadlock: "every thread waits: a ticket that nobody will ever use is being served (a \
           failed try_lock() left one behind, or the guard's Drop does not serve the next \
           number).",
    assertion: "the model's own check failed; its message below says what was seen. A lock \
           that is not first come, first served lets whichever waiter runs first in; \
           queued() can be wrong while others lock if it reads next_ticket before \
           now_serving, or without Acquire; an update is lost when two threads were inside \
           at once or the hand-off is not Acquire/Release.",
};

#[test]
fn loom_two_threads_add_under_the_lock_and_both_updates_count() {
    Model::new("two threads each add 1 to the value under lock(), and the value ends at 2")
        .explain(&EXPLAIN)
        .check(|| {
            let lock = Arc::new(TicketLock::new(0));
            let other = Arc::clone(&lock);
            let adder = thread::spawn(move || *other.lock() += 1);
            *lock.lock() += 1;
            adder.join().unwrap();
            let total = *lock.lock();
            assert_eq!(
                total, 2,
                "an update made under the lock was lost: the value is {total}, not 2 \
                 ({ORDERING}#acquire-and-release)"
            );
        });
}

#[test]
fn loom_try_lock_and_lock_never_overlap_and_leave_the_lock_free() {
    Model::new(
        "one thread writes under lock() while another writes under try_lock(); the writes \
         never overlap, and afterwards the lock is free",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let lock = Arc::new(TicketLock::new(Vec::new()));
        let other = Arc::clone(&lock);
        let trier = thread::spawn(move || {
            if let Some(mut guard) = other.try_lock() {
                guard.push("try_lock");
            }
        });
        lock.lock().push("lock");
        trier.join().unwrap();
        let guard = lock.try_lock();
        assert!(
            guard.is_some(),
            "both threads were done, yet try_lock() failed: a failed try_lock() left a \
             ticket behind that nobody will use ({CHAPTER}#try-lock)"
        );
        assert!(
            guard.is_some_and(|seen| seen.contains(&"lock")),
            "the write made under lock() is missing ({ORDERING}#acquire-and-release)"
        );
    });
}

#[test]
fn loom_a_failed_try_lock_never_lets_a_waiter_in_early_nor_stops_the_line() {
    Model::new(
        "while the main thread holds the lock and writes under it, thread W calls lock() and \
         thread T calls try_lock(); nobody is inside with the main thread, W gets in after \
         it, and afterwards the lock is free",
    )
    .explain(&EXPLAIN)
    .preemptions(1)
    .check(|| {
        let lock = Arc::new(TicketLock::new(Vec::new()));
        let mut guard = lock.lock();
        let w = Arc::clone(&lock);
        let w = thread::spawn(move || w.lock().push("W"));
        let t = Arc::clone(&lock);
        let t = thread::spawn(move || {
            if let Some(mut guard) = t.try_lock() {
                guard.push("T");
            }
        });
        guard.push("main");
        drop(guard);
        w.join().unwrap();
        t.join().unwrap();
        let guard = lock.try_lock();
        assert!(
            guard.is_some(),
            "every thread was done, yet try_lock() failed: a failed try_lock() left a ticket \
             behind, or gave its ticket back after another thread had drawn the next one \
             ({CHAPTER}#try-lock)"
        );
        assert!(
            guard.is_some_and(|seen| seen.first() == Some(&"main") && seen.contains(&"W")),
            "the writes made under the lock are not all there, or not in order: the main \
             thread held the lock first ({CHAPTER}#try-lock)"
        );
    });
}

#[test]
fn loom_a_waiter_that_took_its_ticket_first_gets_the_lock_first() {
    Model::new(
        "while the main thread holds the lock, thread A takes a ticket; the main thread \
         unlocks and calls lock() again, and A gets the lock before the main thread's second \
         turn",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let lock = Arc::new(TicketLock::new(Vec::new()));
        let guard = lock.lock();
        let a = Arc::clone(&lock);
        let a = thread::spawn(move || a.lock().push("A"));
        while lock.queued() != 2 {
            thread::yield_now();
        }
        drop(guard);
        lock.lock().push("main");
        a.join().unwrap();
        let order = lock.lock().clone();
        assert_eq!(
            order,
            ["A", "main"],
            "A took its ticket before the main thread asked again, so A must get the lock \
             first, but the order was {order:?} ({CHAPTER}#first-come-first-served)"
        );
    });
}

#[test]
fn loom_a_waiter_whose_ticket_wrapped_to_zero_waits_for_its_turn() {
    Model::new(
        "with the first ticket at usize::MAX, the main thread holds the lock (ticket \
         usize::MAX) while another thread draws ticket 0 and adds 1; the main thread adds 1; \
         the two never overlap and the value ends at 2",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let lock = Arc::new(TicketLock::with_first_ticket(0, usize::MAX));
        let mut guard = lock.lock();
        let other = Arc::clone(&lock);
        let adder = thread::spawn(move || *other.lock() += 1);
        *guard += 1;
        drop(guard);
        adder.join().unwrap();
        let total = *lock.lock();
        assert_eq!(
            total, 2,
            "an update made under the lock was lost across the wrap from usize::MAX to 0: \
             the value is {total}, not 2 ({CHAPTER}#wrapping-around)"
        );
    });
}

#[test]
fn loom_queued_read_while_another_thread_locks_never_goes_below_zero() {
    Model::new(
        "while another thread takes and releases the lock twice (tickets usize::MAX and 0), \
         queued() read by the main thread is at most 2, the tickets drawn in all",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let lock = Arc::new(TicketLock::with_first_ticket((), usize::MAX));
        let other = Arc::clone(&lock);
        let locker = thread::spawn(move || {
            drop(other.lock());
            drop(other.lock());
        });
        let queued = lock.queued();
        locker.join().unwrap();
        assert!(
            queued <= 2,
            "queued() returned {queued} while another thread drew two tickets in all: the \
             subtraction went below zero and wrapped. A snapshot may be out of date, but it \
             must never count tickets served that it did not see drawn: read now_serving \
             first, with Acquire, then next_ticket ({CHAPTER}#taking-a-ticket)"
        );
    });
}

#[test]
fn source_reaches_atomics_through_crate_sync() {
    if let Err(problems) = loom_harness::check_sources(env!("CARGO_MANIFEST_DIR")) {
        panic!("{problems}");
    }
}
