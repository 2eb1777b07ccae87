//! Exercise 04 graded suite, on real threads. Book: `book/src/part-2/spin-locks.md`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

sync_shim::library_under_std!(spin_lock);

use spin_lock::{SpinGuard, SpinLock};

const CHAPTER: &str = "book/src/part-2/spin-locks.md";

#[test]
fn lock_gives_access_to_the_value_and_keeps_changes() {
    deadline::within_secs(
        5,
        "a second lock() after the first guard was dropped",
        || {
            let lock = SpinLock::new(vec![1, 2]);
            lock.lock().push(3);
            assert_eq!(
                *lock.lock(),
                [1, 2, 3],
                "a change made through one guard was not there for the next guard; \
             Deref and DerefMut must reach the value inside the lock ({CHAPTER}#the-guard)"
            );
            assert_eq!(
                lock.into_inner(),
                [1, 2, 3],
                "into_inner() must return the value inside the lock"
            );
        },
    );
}

#[test]
fn dropping_the_guard_unlocks() {
    deadline::within_secs(5, "lock() after the first guard was dropped", || {
        let lock = SpinLock::new(0);
        drop(lock.lock());
        *lock.lock() += 1;
        assert_eq!(*lock.lock(), 1);
    });
}

#[test]
fn try_lock_fails_while_the_lock_is_held_and_succeeds_after() {
    deadline::within_secs(5, "try_lock() while a guard is alive", || {
        let lock = SpinLock::new(0);
        let guard = lock.lock();
        assert!(
            lock.try_lock().is_none(),
            "try_lock() returned a guard while another guard was alive: two holders at once \
             ({CHAPTER}#the-flag-and-the-swap)"
        );
        assert!(
            lock.try_lock().is_none(),
            "the second try_lock() got in while a guard was alive: the first, failed \
             try_lock() must have unlocked the lock on its way out. A failed attempt must not \
             create (and drop) a guard ({CHAPTER}#the-guard)"
        );
        drop(guard);
        assert!(
            lock.try_lock().is_some(),
            "try_lock() failed on a free lock: after the guard is dropped the lock must be \
             free ({CHAPTER}#the-guard)"
        );
    });
}

#[test]
fn a_panic_while_holding_the_lock_still_unlocks_it() {
    deadline::within_secs(
        5,
        "lock() after a thread panicked while holding the lock",
        || {
            let lock = Arc::new(SpinLock::new(0));
            let holder = Arc::clone(&lock);
            let outcome = thread::spawn(move || {
                let _guard = holder.lock();
                panic!("this panic is part of the test: the guard is dropped while unwinding");
            })
            .join();
            assert!(outcome.is_err());
            *lock.lock() += 1;
        },
    );
}

/// Several threads take the lock many times; each checks that it is alone inside, and the
/// total of their unsynchronised increments must come out exact.
fn hammer(threads: usize, rounds: usize, take: fn(&SpinLock<u64>) -> SpinGuard<'_, u64>) {
    let lock = Arc::new(SpinLock::new(0_u64));
    let inside = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let (lock, inside) = (Arc::clone(&lock), Arc::clone(&inside));
            thread::spawn(move || {
                for _ in 0..rounds {
                    let mut guard = take(&lock);
                    let others = inside.fetch_add(1, Ordering::SeqCst);
                    assert_eq!(
                        others, 0,
                        "two threads were inside the critical section at the same time: the \
                         lock let a second thread in before the first unlocked \
                         ({CHAPTER}#the-flag-and-the-swap)"
                    );
                    *guard += 1;
                    inside.fetch_sub(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    for worker in workers {
        if let Err(panic) = worker.join() {
            std::panic::resume_unwind(panic);
        }
    }
    let total = *lock.lock();
    assert_eq!(
        total,
        (threads * rounds) as u64,
        "updates were lost: {threads} threads each added 1 under the lock {rounds} times \
         ({CHAPTER}#the-flag-and-the-swap)"
    );
}

#[test]
fn only_one_thread_at_a_time_is_inside_lock() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(20, "4 threads taking lock() 20,000 times each", || {
        hammer(4, 20_000, SpinLock::lock);
    });
}

#[test]
fn only_one_thread_at_a_time_gets_in_with_try_lock() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(
        20,
        "4 threads retrying try_lock() 20,000 times each",
        || {
            hammer(4, 20_000, |lock| {
                loop {
                    if let Some(guard) = lock.try_lock() {
                        return guard;
                    }
                    std::hint::spin_loop();
                }
            });
        },
    );
}
