//! Exercise 07 graded suite, model-checked by loom: the same `src/reentrant_lock.rs`,
//! compiled with `crate::sync` bound to loom, in every interleaving of its threads within the
//! bound. Book: `book/src/part-3/reentrant-locks.md`.
//!
//! Every promise of the stub's docs, and the tests that check it here and on real threads,
//! are listed in `tests/contracts/exercise-07.toml`. In a model, a thread that sleeps for
//! ever in `atomic_wait::wait` (a wake-up that never comes) is reported as a deadlock.

sync_shim::include_under_loom!(reentrant_lock);

use loom_harness::{Explain, Model};
use reentrant_lock::{LockError, RLock, ReentrantLock};
// std's Arc, not loom's, and no spawned thread below holds a guard while it may wait. When
// loom itself reports a deadlock in a spawned thread, that thread's stack is unwound, and a
// destructor that calls into loom there (a loom Arc's, or a guard's release) aborts the
// whole test binary without a message. (The shim now reports a lost wake-up before loom
// does; these models were written before it did, and keep clear of the trap anyway.)
use std::sync::Arc;
use sync::atomic::{AtomicUsize, Ordering};
use sync::cell::UnsafeCell;
use sync::thread;

const CHAPTER: &str = "book/src/part-3/reentrant-locks.md";

/// What each kind of loom failure most likely means in a reentrant lock.
const EXPLAIN: Explain = Explain {
    book: "book/src/part-3/reentrant-locks.md#owner-and-count and \
           #waiting-without-spinning",
    race: "two threads touched the protected value, or the count, without a happens-before \
           edge. Either both were inside at once: the owner check let a thread in that does \
           not own the lock (an owner that is never cleared, or that is set before the lock \
           word is taken), or a thread woke from atomic_wait::wait and went in without \
           taking the word itself (an `if` where a loop is needed). Or the hand-off is not \
           ordered: the operation that takes the word must be Acquire, the one that frees it \
           Release. A release by a thread that does not own the lock must not touch the \
           count at all.",
    spins_forever: "a thread loops for ever: a wait loop that cannot see the word change. \
           A waiter sleeps in atomic_wait::wait on the value it read, and wakes when the \
           word changes (book/src/part-3/blocking.md#the-futex-idea).",
    deadlock: "every thread is stuck. Either a thread sleeps in atomic_wait::wait and nobody \
           wakes it (the release that frees the word must wake a sleeper whenever one may be \
           asleep; with two waiters, the one that takes the word must leave it marked as \
           contended, or the second is never woken; a refused try_acquire() must not write the word \
           either: a swap that turns \"held, someone may be asleep\" into \"held\" erases the \
           mark, and the release then wakes nobody), or the owner waits for itself: its \
           acquire() did not see its own number in the owner (the owner was set before the \
           word was taken and overwritten by a waiter, or cleared after the word was freed \
           and so erased the next owner's number).",
    assertion: "a result was wrong: a release by a thread that does not own the lock was \
           accepted, a refused call changed the count, or an update made under the lock was \
           lost.",
};

/// A number in a loom cell, which the lock protects; loom checks every access to it.
struct Value(UnsafeCell<u32>);

impl Value {
    fn new() -> Self {
        Value(UnsafeCell::new(0))
    }

    /// Adds 1; call it only while holding the lock that protects this value.
    fn add(&self) {
        // SAFETY: the caller holds the lock; loom reports any access that is not ordered.
        self.0.with_mut(|value| unsafe { *value += 1 });
    }

    fn get(&self) -> u32 {
        // SAFETY: as in `add`.
        self.0.with(|value| unsafe { *value })
    }
}

/// An RLock and the value it protects.
struct Guarded {
    lock: RLock,
    value: Value,
}

// SAFETY: `value` is only touched while `lock` is held (which the models check).
unsafe impl Sync for Guarded {}

impl Guarded {
    fn new() -> Arc<Self> {
        Arc::new(Guarded {
            lock: RLock::new(),
            value: Value::new(),
        })
    }
}

/// Lets the main thread go on only once `count` threads have said they are about to call
/// acquire(), so that the models look at waiters that really wait (the main thread yields
/// meanwhile, which loom requires of a loop that waits for another thread).
fn until_calling(calling: &AtomicUsize, count: usize) {
    while calling.load(Ordering::SeqCst) < count {
        thread::yield_now();
    }
}

#[test]
fn loom_guard_nested_and_plain_locks_of_two_threads_both_count() {
    Model::new(
        "the main thread locks twice (nested) and adds 1 under each guard, another thread \
         locks once and adds 1; the value ends at 3",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let lock = Arc::new(ReentrantLock::new(Value::new()));
        let other = Arc::clone(&lock);
        let adder = thread::spawn(move || other.lock().add());
        {
            let outer = lock.lock();
            let inner = lock.lock();
            inner.add();
            drop(inner);
            outer.add();
        }
        adder.join().unwrap();
        let total = lock.lock().get();
        assert_eq!(
            total, 3,
            "an update made under the lock was lost: the value is {total}, not 3 \
             ({CHAPTER}#owner-and-count)"
        );
    });
}

#[test]
fn loom_rlock_owner_reacquires_while_another_thread_waits() {
    Model::new(
        "the main thread holds the lock; another thread calls acquire(); the main thread \
         acquires again (at once), releases twice; then the other gets in",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let shared = Guarded::new();
        shared.lock.acquire().unwrap();
        let calling = Arc::new(AtomicUsize::new(0));
        let (other, other_calling) = (Arc::clone(&shared), Arc::clone(&calling));
        let waiter = thread::spawn(move || {
            other_calling.fetch_add(1, Ordering::SeqCst);
            let got = other.lock.acquire();
            if got.is_ok() {
                other.value.add();
            }
            (got, other.lock.release())
        });
        until_calling(&calling, 1);
        let again = shared.lock.acquire();
        shared.value.add();
        let first = shared.lock.release();
        let second = shared.lock.release();
        let (got, released) = waiter.join().unwrap();
        assert_eq!(
            (again, first, second),
            (Ok(()), Ok(()), Ok(())),
            "the owner's second acquire() and its two releases must succeed while another \
             thread waits ({CHAPTER}#owner-and-count)"
        );
        assert_eq!(
            (got, released),
            (Ok(()), Ok(())),
            "the waiting thread's acquire() and release() must succeed once the owner is done \
             ({CHAPTER}#owner-and-count)"
        );
    });
}

#[test]
fn loom_rlock_release_by_a_thread_that_does_not_hold_it_is_refused() {
    Model::new(
        "the main thread holds the lock twice; another thread's release() is refused and its \
         try_acquire() fails; the main thread's two releases succeed, a third is refused",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let lock = Arc::new(RLock::new());
        lock.acquire().unwrap();
        lock.acquire().unwrap();
        let other = Arc::clone(&lock);
        let intruder = thread::spawn(move || {
            let released = other.release();
            let got_in = other.try_acquire();
            if got_in == Ok(true) {
                let _ = other.release();
            }
            (released, got_in)
        });
        let first = lock.release();
        let (released, got_in) = intruder.join().unwrap();
        let second = lock.release();
        let third = lock.release();
        assert_eq!(
            released,
            Err(LockError::NotHeld),
            "a release() by a thread that does not hold the lock was not refused \
             ({CHAPTER}#only-the-owner-releases)"
        );
        assert_eq!(
            got_in,
            Ok(false),
            "while the main thread held the lock, the other thread's try_acquire() returned \
             {got_in:?} ({CHAPTER}#only-the-owner-releases)"
        );
        assert_eq!(
            (first, second, third),
            (Ok(()), Ok(()), Err(LockError::NotHeld)),
            "the owner of a lock acquired twice must release it twice, and a third release is \
             refused; a refused release by another thread changes nothing \
             ({CHAPTER}#only-the-owner-releases)"
        );
    });
}

#[test]
fn loom_rlock_the_next_owner_reenters_and_the_last_one_acquires_again() {
    Model::new(
        "the main thread acquires, adds and releases, twice; another thread acquires twice \
         (nested), adds and releases twice; the value ends at 3",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let shared = Guarded::new();
        let other = Arc::clone(&shared);
        let nester = thread::spawn(move || {
            let results = [other.lock.acquire(), other.lock.acquire()];
            other.value.add();
            [
                results[0],
                results[1],
                other.lock.release(),
                other.lock.release(),
            ]
        });
        let mut mine = Vec::new();
        for _ in 0..2 {
            mine.push(shared.lock.acquire());
            shared.value.add();
            mine.push(shared.lock.release());
        }
        let theirs = nester.join().unwrap();
        assert!(
            mine.iter().chain(theirs.iter()).all(Result::is_ok),
            "every acquire and release here is by a thread entitled to it, yet the main \
             thread got {mine:?} and the other {theirs:?} ({CHAPTER}#owner-and-count)"
        );
        shared.lock.acquire().unwrap();
        let total = shared.value.get();
        shared.lock.release().unwrap();
        assert_eq!(
            total, 3,
            "an update made under the lock was lost: the value is {total}, not 3 \
             ({CHAPTER}#owner-and-count)"
        );
    });
}

#[test]
fn loom_rlock_try_acquire_after_a_release_sees_the_owners_writes() {
    Model::new(
        "the main thread acquires, adds 1 and releases while another thread tries \
         try_acquire() once and, if it gets in, adds 1; the value counts every add",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let shared = Guarded::new();
        let other = Arc::clone(&shared);
        let trier = thread::spawn(move || {
            let got_in = other.lock.try_acquire();
            if got_in == Ok(true) {
                other.value.add();
                other.lock.release().unwrap();
            }
            got_in
        });
        shared.lock.acquire().unwrap();
        shared.value.add();
        shared.lock.release().unwrap();
        let got_in = trier.join().unwrap();
        shared.lock.acquire().unwrap();
        let total = shared.value.get();
        shared.lock.release().unwrap();
        let expected = if got_in == Ok(true) { 2 } else { 1 };
        assert_eq!(
            total, expected,
            "try_acquire() returned {got_in:?}, and the value is {total}, not {expected}: an \
             update made under the lock was lost ({CHAPTER}#waiting-without-spinning)"
        );
    });
}

#[test]
fn loom_rlock_two_waiters_both_get_in_after_the_holder_releases() {
    Model::new(
        "the main thread holds the lock while two threads call acquire(), add 1 and release; \
         both get in, one at a time",
    )
    .explain(&EXPLAIN)
    .preemptions(1)
    .check(|| {
        let shared = Guarded::new();
        shared.lock.acquire().unwrap();
        let calling = Arc::new(AtomicUsize::new(0));
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let (shared, calling) = (Arc::clone(&shared), Arc::clone(&calling));
                thread::spawn(move || {
                    calling.fetch_add(1, Ordering::SeqCst);
                    shared.lock.acquire().unwrap();
                    shared.value.add();
                    shared.lock.release().unwrap();
                })
            })
            .collect();
        until_calling(&calling, 2);
        shared.lock.release().unwrap();
        for waiter in waiters {
            waiter.join().unwrap();
        }
        shared.lock.acquire().unwrap();
        let total = shared.value.get();
        shared.lock.release().unwrap();
        assert_eq!(
            total, 2,
            "two waiters each added 1 under the lock, yet the value is {total} \
             ({CHAPTER}#waiting-without-spinning)"
        );
    });
}

#[test]
fn loom_rlock_a_refused_try_acquire_beside_a_sleeping_waiter_keeps_its_wake_up() {
    Model::new(
        "the main thread holds the lock while one thread calls acquire() and another calls \
         try_acquire() once (refused); then the main thread releases, and the waiter gets in",
    )
    .explain(&EXPLAIN)
    .preemptions(1)
    .check(|| {
        let shared = Guarded::new();
        shared.lock.acquire().unwrap();
        let calling = Arc::new(AtomicUsize::new(0));
        let waiter = {
            let (shared, calling) = (Arc::clone(&shared), Arc::clone(&calling));
            thread::spawn(move || {
                calling.fetch_add(1, Ordering::SeqCst);
                let got = shared.lock.acquire();
                if got.is_ok() {
                    shared.value.add();
                }
                (got, shared.lock.release())
            })
        };
        let trier = {
            let (shared, calling) = (Arc::clone(&shared), Arc::clone(&calling));
            thread::spawn(move || {
                let tried = shared.lock.try_acquire();
                if tried == Ok(true) {
                    let _ = shared.lock.release();
                }
                calling.fetch_add(1, Ordering::SeqCst);
                tried
            })
        };
        // The waiter is calling acquire() and the trier's try_acquire() has returned.
        until_calling(&calling, 2);
        shared.lock.release().unwrap();
        let tried = trier.join().unwrap();
        let (got, released) = waiter.join().unwrap();
        assert_eq!(
            tried,
            Ok(false),
            "while the main thread held the lock, another thread's try_acquire() returned \
             {tried:?} ({CHAPTER}#owner-and-count)"
        );
        assert_eq!(
            (got, released),
            (Ok(()), Ok(())),
            "the waiting thread's acquire() and release() must succeed once the owner is done \
             ({CHAPTER}#owner-and-count)"
        );
    });
}

#[test]
fn loom_rlock_a_waiter_woken_spuriously_waits_again() {
    // Every other wait of each model thread returns at once, as a spurious wake-up would.
    let _spurious = sync_shim::testing::spurious_wakeups();
    Model::new(
        "with spurious wake-ups, a thread waiting in acquire() gets in only after the holder \
         releases",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let shared = Guarded::new();
        shared.lock.acquire().unwrap();
        let other = Arc::clone(&shared);
        let waiter = thread::spawn(move || {
            other.lock.acquire().unwrap();
            other.value.add();
            other.lock.release().unwrap();
        });
        shared.value.add();
        shared.lock.release().unwrap();
        waiter.join().unwrap();
        shared.lock.acquire().unwrap();
        let total = shared.value.get();
        shared.lock.release().unwrap();
        assert_eq!(
            total, 2,
            "an update made under the lock was lost: the value is {total}, not 2 \
             ({CHAPTER}#waiting-without-spinning)"
        );
    });
}

#[test]
fn loom_rlock_try_acquire_of_a_free_lock_succeeds_even_when_a_weak_exchange_fails_spuriously() {
    // With spurious wake-ups on, the shim's compare_exchange_weak also fails every other call
    // of each model thread (the first included) without changing the word, as a weak
    // exchange may on ARM or RISC-V. loom and x86 never fail it, so one weak attempt that
    // gives up would pass every other test.
    let _spurious = sync_shim::testing::spurious_wakeups();
    Model::new(
        "with spurious failures of compare_exchange_weak on, try_acquire() of a free lock, \
         which nobody else holds or wants, returns Ok(true)",
    )
    .explain(&Explain {
        assertion: "try_acquire() returned Ok(false) for a lock that nobody held: its one \
                    compare_exchange_weak failed spuriously (this model makes every other \
                    one fail, as ARM may), and nothing tried again.",
        ..EXPLAIN
    })
    .check(|| {
        let lock = RLock::new();
        let got_in = lock.try_acquire();
        if got_in == Ok(true) {
            lock.release().unwrap();
        }
        assert_eq!(
            got_in,
            Ok(true),
            "try_acquire() of a free lock returned {got_in:?}: it must take a free lock. A \
             compare_exchange_weak may fail although the word holds the value expected (it \
             does on ARM, and this test makes it do so), so one weak attempt can give up on \
             a free lock: use compare_exchange, or retry the weak one while the word it \
             returns is still free ({CHAPTER}#waiting-without-spinning)"
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
fn source_builds_on_atomic_wait_not_on_a_mutex_or_spinning() {
    // Whole paths only: a name of your own (`parked`, a helper `sleep`) is fine.
    const FORBIDDEN: &[&str] = &[
        "sync::Mutex",
        "sync::MutexGuard",
        "sync::Condvar",
        "hint::spin_loop",
        "atomic::spin_loop_hint",
        "yield_now",
        "thread::park",
        "thread::park_timeout",
        "parking_lot",
    ];
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut problems = Vec::new();
    for entry in std::fs::read_dir(&src).expect("cannot read src/") {
        let path = entry.expect("cannot read src/").path();
        if path.extension().is_none_or(|ext| ext != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("cannot read a source file");
        for (line, word) in loom_harness::forbidden_paths(&text, FORBIDDEN) {
            problems.push(format!(
                "src/{}:{line}: `{word}`",
                path.file_name().unwrap_or_default().to_string_lossy(),
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "this exercise builds its lock on crate::sync::atomic_wait alone: a waiting thread \
         sleeps in atomic_wait::wait on the lock word, and no Mutex, Condvar, spinning or \
         parking is used (book: {CHAPTER}#waiting-without-spinning). Found:\n{}",
        problems.join("\n")
    );
}
