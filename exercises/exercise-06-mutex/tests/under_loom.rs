//! Exercise 06 graded suite, model-checked by loom: the same `src/mutex.rs`, compiled with
//! `crate::sync` bound to loom, in every interleaving of its threads within the bound. Loom's
//! `atomic_wait` keeps a registry of sleepers, so a waiter that nobody wakes is found as a
//! deadlock. Book: `book/src/part-3/blocking.md`.
//!
//! Every promise of the stub's docs, and the tests that check it here and on real threads,
//! are listed in `tests/contracts/exercise-06.toml`.

sync_shim::include_under_loom!(mutex);

use loom_harness::{Explain, Model};
use mutex::Mutex;
use sync::{Arc, thread};

const CHAPTER: &str = "book/src/part-3/blocking.md";

/// What each kind of loom failure most likely means in a blocking mutex.
const EXPLAIN: Explain = Explain {
    book: "book/src/part-3/blocking.md#three-states, and \
           book/src/part-2/memory-ordering.md#acquire-and-release",
    race: "the race shows up in Deref/DerefMut, where the value is touched, but the bug is in \
           lock(), try_lock() or the guard's Drop: find their lines in the steps below. Two \
           threads got in at once if some way in does not take the lock with ONE atomic step \
           that saw it free (a waiter that walks in after wait() returns, without taking the \
           lock itself, is the usual one: wait() can return while another thread holds it). \
           Otherwise the hand-off is not ordered: every step that takes the lock (the fast \
           path's exchange AND the slow path's swap) must be Acquire, the unlock Release.",
    spins_forever: "a thread loops forever without sleeping: does the waiter call wait() \
           with the value the state holds while it should sleep (\"held with waiters\")? A \
           wait() on a value the state no longer holds returns at once, every time. A \
           waiter looks at the lock a few times at most, then sleeps \
           (book/src/part-3/blocking.md#the-futex-idea, and #measuring for a short spin \
           before sleeping).",
    deadlock: "a thread sleeps in wait() and nobody wakes it: a lost wake-up. Either the \
           unlock did not see that someone may be asleep (it frees the lock with a store, or \
           a load and then a store, instead of one swap that reads what it replaced; or it \
           never calls wake_one, or wakes before it frees the lock, so that the woken waiter \
           still finds it held and goes back to sleep), or a woken waiter took the lock as \
           \"held\" instead of \"held with waiters\", so its own unlock forgot the threads \
           still asleep.",
    assertion: "an update made under the lock was lost, or a guard saw a value from before \
           the previous holder's writes: two threads were inside at once, or a way of taking \
           the lock does not synchronise with the previous unlock.",
};

#[test]
fn loom_two_threads_add_under_the_lock_and_both_updates_count() {
    Model::new("two threads each add 1 to the value under lock(), and the value ends at 2")
        .explain(&EXPLAIN)
        .check(|| {
            let mutex = Arc::new(Mutex::new(0));
            let other = Arc::clone(&mutex);
            let adder = thread::spawn(move || *other.lock() += 1);
            *mutex.lock() += 1;
            adder.join().unwrap();
            let total = *mutex.lock();
            assert_eq!(
                total, 2,
                "an update made under the lock was lost: the value is {total}, not 2 \
                 ({CHAPTER}#three-states)"
            );
        });
}

#[test]
fn loom_a_sleeping_waiter_is_woken_by_the_unlock_and_sees_the_holders_write() {
    Model::new(
        "while the main thread holds the lock and writes 1, another thread calls lock() and \
         adds 1; the main thread unlocks; the waiter gets in and the value ends at 2",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let mutex = Arc::new(Mutex::new(0));
        let mut guard = mutex.lock();
        let other = Arc::clone(&mutex);
        let waiter = thread::spawn(move || {
            let mut guard = other.lock();
            *guard += 1;
            *guard
        });
        *guard = 1;
        drop(guard);
        // Let go of this thread's Arc before waiting: if the waiter is never woken, loom
        // reports a deadlock here, and dropping a loom Arc while that panic unwinds would
        // abort the test without a word.
        drop(mutex);
        let total = waiter.join().unwrap();
        assert_eq!(
            total, 2,
            "the holder wrote 1 and a waiter added 1 after it, yet the waiter saw {total} \
             ({CHAPTER}#three-states)"
        );
    });
}

#[test]
fn loom_two_sleeping_waiters_are_both_woken() {
    Model::new(
        "while the main thread holds the lock, two threads call lock() (and may both fall \
         asleep) and each add 1; the main thread unlocks; both get in, one after the other",
    )
    .explain(&EXPLAIN)
    .preemptions(1)
    .check(|| {
        let mutex = Arc::new(Mutex::new(0));
        let guard = mutex.lock();
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let mutex = Arc::clone(&mutex);
                thread::spawn(move || {
                    let mut guard = mutex.lock();
                    *guard += 1;
                    *guard
                })
            })
            .collect();
        // Give the waiters a turn before unlocking, so that both can fall asleep without
        // spending the model's one preemption.
        thread::yield_now();
        drop(guard);
        // Let go of this thread's Arc before waiting (see the model above).
        drop(mutex);
        let mut seen: Vec<i32> = waiters.into_iter().map(|w| w.join().unwrap()).collect();
        seen.sort_unstable();
        assert_eq!(
            seen,
            [1, 2],
            "two waiters each added 1 under the lock and saw {seen:?} after their own \
             addition, not 1 and 2 ({CHAPTER}#two-sleepers)"
        );
    });
}

#[test]
fn loom_a_waiter_woken_for_no_reason_waits_again() {
    // Every other wait() returns at once, as a spurious wake-up does: a waiter that takes
    // the return of wait() for "the lock is mine" walks in beside the holder.
    let _spurious = sync_shim::testing::spurious_wakeups();
    Model::new(
        "with spurious wake-ups on, while the main thread holds the lock and adds 1, another \
         thread calls lock() and adds 1; the two are never inside together",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let mutex = Arc::new(Mutex::new(0));
        let mut guard = mutex.lock();
        let other = Arc::clone(&mutex);
        let waiter = thread::spawn(move || {
            let mut guard = other.lock();
            *guard += 1;
            *guard
        });
        thread::yield_now();
        *guard += 1;
        drop(guard);
        drop(mutex);
        let total = waiter.join().unwrap();
        assert_eq!(
            total, 2,
            "the holder added 1, then a waiter added 1 and saw {total}, not 2: it was inside \
             beside the holder. wait() may return although nobody woke the thread: look at \
             the state again and take the lock with an atomic step before going in \
             ({CHAPTER}#three-states)"
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
        let mutex = Arc::new(Mutex::new(Vec::new()));
        let other = Arc::clone(&mutex);
        let trier = thread::spawn(move || {
            if let Some(mut guard) = other.try_lock() {
                guard.push("try_lock");
            }
        });
        mutex.lock().push("lock");
        trier.join().unwrap();
        let seen = mutex.lock();
        assert!(
            seen.contains(&"lock"),
            "the write made under lock() is missing: {:?} ({CHAPTER}#three-states)",
            *seen
        );
    });
}

#[test]
fn loom_try_lock_of_a_free_lock_succeeds_even_when_a_weak_exchange_fails_spuriously() {
    // With spurious wake-ups on, the shim's compare_exchange_weak also fails every other call
    // of each model thread (the first included) without changing the state, as a weak
    // exchange may on ARM or RISC-V. loom and x86 never fail it, so one weak attempt that
    // gives up would pass every other test.
    let _spurious = sync_shim::testing::spurious_wakeups();
    Model::new(
        "with spurious failures of compare_exchange_weak on, try_lock() of a free mutex, \
         which nobody else holds or wants, returns a guard",
    )
    .explain(&Explain {
        assertion: "try_lock() returned None for a lock that nobody held: its one \
                    compare_exchange_weak failed spuriously (this model makes every other \
                    one fail, as ARM may), and nothing tried again.",
        ..EXPLAIN
    })
    .check(|| {
        let mutex = Mutex::new(0);
        let got_in = mutex.try_lock().is_some();
        assert!(
            got_in,
            "try_lock() of a free mutex returned None: it must take a free lock. A \
             compare_exchange_weak may fail although the state holds the value expected (it \
             does on ARM, and this test makes it do so), so one weak attempt can give up on \
             a free lock: use compare_exchange, or retry the weak one while the state it \
             returns is still free ({CHAPTER}#three-states)"
        );
    });
}

#[test]
fn source_reaches_atomics_through_crate_sync() {
    if let Err(problems) = loom_harness::check_sources(env!("CARGO_MANIFEST_DIR")) {
        panic!("{problems}");
    }
}

#[test]
fn source_builds_the_mutex_on_atomic_wait_not_on_another_lock() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/mutex.rs");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    // Whole paths only: your own `Mutex` (and any name of yours) is fine.
    let locks = [
        "sync::Mutex",
        "sync::MutexGuard",
        "sync::RwLock",
        "sync::Condvar",
        "parking_lot",
    ];
    let problems: Vec<String> = loom_harness::forbidden_paths(&text, &locks)
        .into_iter()
        .map(|(line, lock)| {
            let shown = text.lines().nth(line - 1).unwrap_or_default().trim();
            format!("src/mutex.rs:{line}: `{lock}`: {shown}")
        })
        .collect();
    assert!(
        problems.is_empty(),
        "your mutex is built on another lock:\n{}\nThe exercise is to build the lock itself, \
         from an atomic and crate::sync::atomic_wait (wait, wake_one) \
         ({CHAPTER}#the-futex-idea)",
        problems.join("\n")
    );
}
