//! Exercise 04 graded suite, on real threads. Book: `book/src/part-2/spin-locks.md`.
//!
//! Every promise of the stub's docs, and the tests that check it here and under loom, are
//! listed in `tests/contracts/exercise-04.toml`.

use std::cell::Cell;
use std::rc::Rc;
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
    deadline::within_secs(
        5,
        "lock() after the first guard was dropped (the guard's Drop must store `false`)",
        || {
            let lock = SpinLock::new(0);
            drop(lock.lock());
            *lock.lock() += 1;
            let seen = *lock.lock();
            assert!(
                seen == 1,
                "the value changed under the second guard was {seen} for the third, not 1 \
                 ({CHAPTER}#the-guard)"
            );
        },
    );
}

#[test]
fn try_lock_fails_while_the_lock_is_held_and_succeeds_after() {
    deadline::within_secs(
        5,
        "try_lock() while a guard is alive (it must give up at once, never wait)",
        || {
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
        },
    );
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
            assert!(
                outcome.is_err(),
                "the thread that panicked while holding the guard did not panic"
            );
            *lock.lock() += 1;
        },
    );
}

#[test]
fn the_lock_may_be_shared_between_threads_only_when_the_value_may_move_between_them() {
    deadline::within_secs(5, "two threads setting a Cell under the lock", || {
        // A `Cell` may move between threads but not be shared: the lock makes that safe.
        let lock = SpinLock::new(Cell::new(0));
        thread::scope(|s| {
            s.spawn(|| lock.lock().set(1));
            lock.lock().set(2);
        });
        let value = lock.into_inner().get();
        assert!(
            value == 1 || value == 2,
            "each thread set the Cell to its own number under the lock, yet it holds {value}"
        );
    });
    let bound = format!("({CHAPTER}#the-guard)");
    assert!(
        auto_traits::is_sync!(SpinLock<Cell<i32>>) && auto_traits::is_send!(SpinLock<Cell<i32>>),
        "SpinLock<Cell<i32>> must be Send and Sync: the lock hands the value to one thread at \
         a time, so `T: Send` is enough. Keep `unsafe impl<T: Send> Sync for SpinLock<T>`, and \
         fields that are Send when T is {bound}"
    );
    assert!(
        !auto_traits::is_sync!(SpinLock<Rc<i32>>),
        "SpinLock<Rc<i32>> is Sync: two threads could then each clone the same Rc under the \
         lock and drop the clones later, outside it, racing on the count. The Sync impl needs \
         the bound: `unsafe impl<T: Send> Sync for SpinLock<T>` {bound}"
    );
    assert!(
        auto_traits::is_sync!(SpinGuard<'static, i32>),
        "SpinGuard<i32> is not Sync, though a shared guard only hands out `&i32` {bound}"
    );
    assert!(
        !auto_traits::is_sync!(SpinGuard<'static, Cell<i32>>),
        "SpinGuard<Cell<i32>> is Sync: two threads sharing `&guard` could then call `set` on \
         the same Cell at once, a data race in safe code. Keep \
         `unsafe impl<T: Sync> Sync for SpinGuard<'_, T>`, which replaces the derived impl \
         {bound}"
    );
    assert!(
        !auto_traits::is_send!(SpinGuard<'static, Rc<i32>>),
        "SpinGuard<Rc<i32>> is Send: a thread could send the guard away and keep a clone of \
         the Rc, and both threads would then change its count at once. A guard may cross \
         threads only when T: Send {bound}"
    );
}

/// Several threads take the lock many times; each checks that it is alone inside, and the
/// total of their unsynchronised increments must come out exact.
fn hammer(
    threads: usize,
    rounds: usize,
    what: &str,
    take: fn(&SpinLock<u64>) -> SpinGuard<'_, u64>,
) {
    let lock = Arc::new(SpinLock::new(0_u64));
    let inside = Arc::new(AtomicUsize::new(0));
    let shared = (Arc::clone(&lock), Arc::clone(&inside));
    deadline::workers(threads, what, move |_| {
        let (lock, inside) = &shared;
        for _ in 0..rounds {
            let mut guard = take(lock);
            let others = inside.fetch_add(1, Ordering::SeqCst);
            assert!(
                others == 0,
                "two threads were inside the critical section at the same time: the lock let \
                 a second thread in before the first unlocked. Is taking the lock one atomic \
                 step (swap or compare_exchange) that is retried until it reads `false`? \
                 ({CHAPTER}#the-flag-and-the-swap)"
            );
            *guard += 1;
            inside.fetch_sub(1, Ordering::SeqCst);
        }
    });
    let total = *lock.lock();
    let expected = (threads * rounds) as u64;
    assert!(
        total == expected,
        "updates were lost: {threads} threads each added 1 under the lock {rounds} times, \
         so the value should be {expected}, but it is {total}. Either two threads were inside \
         at once, or the next holder did not see the previous holder's write: an Acquire \
         lock and a Release unlock ({CHAPTER}#the-flag-and-the-swap)"
    );
}

#[test]
fn only_one_thread_at_a_time_is_inside_lock() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(20, "4 threads taking lock() 20,000 times each", || {
        hammer(
            4,
            20_000,
            "4 threads taking lock() 20,000 times each",
            SpinLock::lock,
        );
    });
}

#[test]
fn only_one_thread_at_a_time_gets_in_with_try_lock() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(
        20,
        "4 threads retrying try_lock() 20,000 times each",
        || {
            hammer(
                4,
                20_000,
                "4 threads retrying try_lock() 20,000 times each",
                |lock| {
                    loop {
                        if let Some(guard) = lock.try_lock() {
                            return guard;
                        }
                        std::hint::spin_loop();
                    }
                },
            );
        },
    );
}
