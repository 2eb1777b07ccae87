//! Exercise 04 graded suite, model-checked by loom: the same `src/spin_lock.rs`, compiled
//! with `crate::sync` bound to loom, in every interleaving of its threads within the bound.
//! Book: `book/src/part-2/memory-ordering.md` and `book/src/part-2/spin-locks.md`.
//!
//! Every promise of the stub's docs, and the tests that check it here and on real threads,
//! are listed in `tests/contracts/exercise-04.toml`.

sync_shim::include_under_loom!(spin_lock);

use loom_harness::{Explain, Model};
use spin_lock::SpinLock;
use sync::{Arc, thread};

const CHAPTER: &str = "book/src/part-2/spin-locks.md";

/// What each kind of loom failure most likely means in a spin lock.
const EXPLAIN: Explain = Explain {
    book: "book/src/part-2/spin-locks.md#the-flag-and-the-swap, and \
           book/src/part-2/memory-ordering.md#acquire-and-release",
    race: "the race shows up in Deref/DerefMut, where the value is touched, but the bug is in \
           lock(), try_lock() or the guard's Drop: find their lines in the steps below. Two \
           threads got in at once if taking the lock is not ONE read-modify-write that reads \
           `false` (a load followed by a store lets both in), or if a waiter walks in after \
           seeing the flag come free without swapping it to `true` itself (an `if` where a \
           loop is needed). Otherwise the hand-off is not ordered: the operation that takes \
           the lock (the swap or compare_exchange that reads `false`) must be Acquire, and \
           the store of `false` in Drop must be Release.",
    spins_forever: "a thread spins on the flag forever: the lock is never unlocked (does the \
           guard's Drop store `false`?), or a failed try_lock() changed the flag on its way \
           out, or the spin loop waits for the wrong value. The steps below end in the \
           spinning loop; the unlock that never came belongs to another line.",
    deadlock: "every thread is stuck: a lock that is never unlocked (the guard's Drop), or a \
           try_lock() that waits instead of giving up at once.",
    assertion: "an update made under the lock was lost, or a guard saw a value from before \
           the previous holder's writes: two threads were inside at once, or lock() does not \
           synchronise with the previous unlock (Acquire on the read-modify-write that takes \
           the lock, Release on the store in Drop).",
};

#[test]
fn loom_two_threads_add_under_the_lock_and_both_updates_count() {
    Model::new("two threads each add 1 to the value under lock(), and the value ends at 2")
        .explain(&EXPLAIN)
        .check(|| {
            let lock = Arc::new(SpinLock::new(0));
            let other = Arc::clone(&lock);
            let adder = thread::spawn(move || *other.lock() += 1);
            *lock.lock() += 1;
            adder.join().unwrap();
            let total = *lock.lock();
            assert_eq!(
                total, 2,
                "an update made under the lock was lost: the value is {total}, not 2 \
                 ({CHAPTER}#the-flag-and-the-swap)"
            );
        });
}

#[test]
fn loom_try_lock_never_lets_a_second_thread_in() {
    Model::new(
        "one thread writes under lock() while another writes under try_lock(); the writes \
         never overlap",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let lock = Arc::new(SpinLock::new(Vec::new()));
        let other = Arc::clone(&lock);
        let trier = thread::spawn(move || {
            if let Some(mut guard) = other.try_lock() {
                guard.push("try_lock");
            }
        });
        lock.lock().push("lock");
        trier.join().unwrap();
        let seen = lock.lock();
        assert!(
            seen.contains(&"lock"),
            "the write made under lock() is missing: {:?} ({CHAPTER}#the-guard)",
            *seen
        );
    });
}

#[test]
fn loom_a_waiter_that_saw_the_lock_come_free_still_takes_it() {
    Model::new(
        "while the main thread holds the lock, another thread calls lock(); the main thread \
         unlocks and at once locks again; the two are never inside together",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let lock = Arc::new(SpinLock::new(0));
        let guard = lock.lock();
        let other = Arc::clone(&lock);
        let waiter = thread::spawn(move || *other.lock() += 1);
        drop(guard);
        *lock.lock() += 1;
        waiter.join().unwrap();
        let total = *lock.lock();
        assert_eq!(
            total, 2,
            "an update made under the lock was lost: the value is {total}, not 2 \
             ({CHAPTER}#the-flag-and-the-swap)"
        );
    });
}

#[test]
fn loom_two_waiters_behind_the_holder_get_in_one_at_a_time() {
    Model::new(
        "while the main thread holds the lock, two threads call lock() and each add 1; the \
         main thread unlocks; both updates count",
    )
    .explain(&EXPLAIN)
    .preemptions(1)
    .check(|| {
        let lock = Arc::new(SpinLock::new(0));
        let guard = lock.lock();
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let lock = Arc::clone(&lock);
                thread::spawn(move || *lock.lock() += 1)
            })
            .collect();
        drop(guard);
        for waiter in waiters {
            waiter.join().unwrap();
        }
        let total = *lock.lock();
        assert_eq!(
            total, 2,
            "two waiters each added 1 under the lock, yet the value is {total} \
             ({CHAPTER}#the-flag-and-the-swap)"
        );
    });
}

#[test]
fn source_reaches_atomics_through_crate_sync() {
    if let Err(problems) = loom_harness::check_sources(env!("CARGO_MANIFEST_DIR")) {
        panic!("{problems}");
    }
}
