//! Exercise 05 graded suite, model-checked by loom: the same `src/ticket_lock.rs`, compiled
//! with `crate::sync` bound to loom, in every interleaving of its threads within the bound.
//! Book: `book/src/part-2/memory-ordering.md` and `book/src/part-2/ticket-locks.md`.

sync_shim::include_under_loom!(ticket_lock);

use sync::{Arc, thread};
use ticket_lock::TicketLock;

const CHAPTER: &str = "book/src/part-2/ticket-locks.md";
const ORDERING: &str = "book/src/part-2/memory-ordering.md";

#[test]
fn loom_two_threads_add_under_the_lock_and_both_updates_count() {
    loom_harness::check(
        "two threads each add 1 to the value under lock(), and the value ends at 2",
        || {
            let lock = Arc::new(TicketLock::new(0));
            let other = Arc::clone(&lock);
            let adder = thread::spawn(move || *other.lock() += 1);
            *lock.lock() += 1;
            adder.join().unwrap();
            assert_eq!(
                *lock.lock(),
                2,
                "an update made under the lock was lost ({ORDERING}#acquire-and-release)"
            );
        },
    );
}

#[test]
fn loom_try_lock_and_lock_never_overlap_and_leave_the_lock_free() {
    loom_harness::check(
        "one thread writes under lock() while another writes under try_lock(); the writes \
         never overlap, and afterwards the lock is free",
        || {
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
        },
    );
}

#[test]
fn loom_a_waiter_that_took_its_ticket_first_gets_the_lock_first() {
    loom_harness::check(
        "while the main thread holds the lock, thread A takes a ticket; the main thread \
         unlocks and calls lock() again, and A gets the lock before the main thread's second turn",
        || {
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
            assert_eq!(
                *lock.lock(),
                ["A", "main"],
                "A took its ticket before the main thread asked again, so A must get the lock \
                 first ({CHAPTER}#first-come-first-served)"
            );
        },
    );
}

#[test]
fn source_reaches_atomics_through_crate_sync() {
    if let Err(problems) = loom_harness::check_sources(env!("CARGO_MANIFEST_DIR")) {
        panic!("{problems}");
    }
}
