//! Exercise 04 graded suite, model-checked by loom: the same `src/spin_lock.rs`, compiled
//! with `crate::sync` bound to loom, in every interleaving of two threads within the bound.
//! Book: `book/src/part-2/memory-ordering.md` and `book/src/part-2/spin-locks.md`.

sync_shim::include_under_loom!(spin_lock);

use spin_lock::SpinLock;
use sync::{Arc, thread};

#[test]
fn loom_two_threads_add_under_the_lock_and_both_updates_count() {
    loom_harness::check(
        "two threads each add 1 to the value under lock(), and the value ends at 2",
        || {
            let lock = Arc::new(SpinLock::new(0));
            let other = Arc::clone(&lock);
            let adder = thread::spawn(move || *other.lock() += 1);
            *lock.lock() += 1;
            adder.join().unwrap();
            assert_eq!(*lock.lock(), 2, "an update made under the lock was lost");
        },
    );
}

#[test]
fn loom_try_lock_never_lets_a_second_thread_in() {
    loom_harness::check(
        "one thread writes under lock() while another writes under try_lock(); the writes never overlap",
        || {
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
                "the write made under lock() is missing"
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
