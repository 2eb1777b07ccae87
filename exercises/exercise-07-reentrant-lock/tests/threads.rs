//! Exercise 07 graded suite, on real threads. Book: `book/src/part-3/reentrant-locks.md`.
//!
//! Every promise of the stub's docs, and the tests that check it here and under loom, are
//! listed in `tests/contracts/exercise-07.toml`. Test names start with the part they grade:
//! `rlock_` (the Python-style lock, with acquire and release) and `guard_` (the lock around
//! a value, with guards).
//!
//! Nothing here measures speed. "Another thread is kept out" is checked with `try_acquire`
//! from that thread, which answers at once; "a waiter sleeps" with the CPU time the waiting
//! thread used, which is near zero when it sleeps and the whole wait when it spins.

use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use sync_shim::testing;

sync_shim::library_under_std!(reentrant_lock);

use reentrant_lock::{LockError, RLock, ReentrantGuard, ReentrantLock};

const CHAPTER: &str = "book/src/part-3/reentrant-locks.md";

// ---------------------------------------------------------------------------------------
// Helpers

/// Runs `body` on another thread and returns what it returned; a panic there fails the
/// test with its message.
fn on_another_scoped_thread<R: Send>(body: impl FnOnce() -> R + Send) -> R {
    thread::scope(|s| match s.spawn(body).join() {
        Ok(value) => value,
        Err(payload) => panic::resume_unwind(payload),
    })
}

/// Catches a panic of `body`; `Err` holds its message.
fn catch<R>(body: impl FnOnce() -> R) -> Result<R, String> {
    panic::catch_unwind(AssertUnwindSafe(body))
        .map_err(|payload| deadline::panic_text(payload.as_ref()))
}

/// Fails with a message that points at the stub when `message` is a `todo!()`.
fn not_a_todo(message: &str) {
    assert!(
        !message.starts_with("not yet implemented"),
        "not yet implemented: {message}"
    );
}

/// CPU time this thread has used so far, where the OS tells (Linux); `None` elsewhere.
fn thread_cpu_time() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// Whether an error message says that a release was refused because the thread does not
/// hold the lock: "release" with "hold", "held", "own" or "acquire" (Python's own words,
/// "cannot release un-acquired lock", pass).
fn says_not_held(message: &str) -> bool {
    let message = message.to_lowercase();
    message.contains("release")
        && ["hold", "held", "own", "acquire"]
            .iter()
            .any(|word| message.contains(word))
}

/// Checks `result` is `Err(NotHeld)`. (The wording of its message is checked once, in
/// `rlock_release_of_a_free_lock_is_an_error_with_a_clear_message`.)
fn expect_not_held(result: Result<(), LockError>, what: &str) {
    assert_eq!(
        result,
        Err(LockError::NotHeld),
        "{what}: release() must refuse, with Err(LockError::NotHeld), when the calling thread \
         does not hold the lock. Compare the owner with thread::current_number() before \
         touching anything ({CHAPTER}#only-the-owner-releases)"
    );
}

/// A lock and a number it protects that is not atomic: lost updates show two threads inside.
struct Guarded {
    lock: RLock,
    value: std::cell::UnsafeCell<u64>,
}

// SAFETY: `value` is only touched by a thread that holds `lock` (when the lock is right).
unsafe impl Sync for Guarded {}

/// A plain lock, as Python's `Lock`: it has no owner, so a holder that acquires it again
/// waits for itself. The course's own, on std's Mutex and Condvar.
struct PlainLock {
    locked: Mutex<bool>,
    freed: Condvar,
}

impl PlainLock {
    fn new() -> Self {
        Self {
            locked: Mutex::new(false),
            freed: Condvar::new(),
        }
    }

    fn acquire(&self) {
        let mut locked = self.locked.lock().unwrap();
        while *locked {
            locked = self.freed.wait(locked).unwrap();
        }
        *locked = true;
    }
}

// ---------------------------------------------------------------------------------------
// RLock: acquire, try_acquire, release

#[test]
fn rlock_reacquired_by_its_holder_returns_where_a_plain_lock_never_does() {
    // First the contrast: a plain lock taken twice by one thread. The thread waits for
    // itself for ever; it is left blocked (it ends with the test binary).
    let (returned, seen) = mpsc::channel();
    thread::spawn(move || {
        let plain = PlainLock::new();
        plain.acquire();
        plain.acquire();
        let _ = returned.send(());
    });
    let plain_returned = seen.recv_timeout(Duration::from_millis(300)).is_ok();
    assert!(
        !plain_returned,
        "the course's plain lock let its holder acquire it again: a bug in this test"
    );
    // Now the reentrant lock: the same two calls return at once.
    deadline::within_secs(
        5,
        "acquire() by the thread that already holds the RLock (it must not wait for itself)",
        || {
            let lock = RLock::new();
            lock.acquire().expect(
                "acquire() of a new, free lock failed (book: book/src/part-3/reentrant-locks.md#owner-and-count)",
            );
            let again = lock.acquire();
            assert_eq!(
                again,
                Ok(()),
                "the holder's second acquire() returned {again:?}: the owner may acquire \
                 again, and the count goes up ({CHAPTER}#owner-and-count)"
            );
        },
    );
}

#[test]
fn rlock_owner_must_release_as_many_times_as_it_acquired() {
    deadline::within_secs(5, "acquire() three times by one thread", || {
        // Default is new(): a free lock.
        let lock = RLock::default();
        for _ in 0..3 {
            lock.acquire().expect(
                "acquire() by the owner failed: the owner may acquire again, and the count goes up \
                 (book: book/src/part-3/reentrant-locks.md#owner-and-count)",
            );
        }
        for time in 1..=3 {
            let released = lock.release();
            assert_eq!(
                released,
                Ok(()),
                "release number {time} of a lock acquired 3 times returned {released:?}: \
                 each acquire() is matched by one release() ({CHAPTER}#owner-and-count)"
            );
        }
        expect_not_held(
            lock.release(),
            "a fourth release() of a lock acquired 3 times (it is free now)",
        );
    });
}

#[test]
fn rlock_another_thread_is_kept_out_until_the_count_reaches_zero() {
    deadline::within_secs(5, "try_acquire() from another thread", || {
        let lock = RLock::new();
        lock.acquire().unwrap();
        lock.acquire().unwrap();
        let got_in = on_another_scoped_thread(|| lock.try_acquire());
        assert_eq!(
            got_in,
            Ok(false),
            "while the lock was held twice, another thread's try_acquire() returned \
             {got_in:?}: only the owner may get in ({CHAPTER}#owner-and-count)"
        );
        lock.release().unwrap();
        let got_in = on_another_scoped_thread(|| lock.try_acquire());
        assert_eq!(
            got_in,
            Ok(false),
            "after one release of a lock acquired twice, another thread's try_acquire() \
             returned {got_in:?}: the lock is still held once, and only the last release \
             frees it ({CHAPTER}#owner-and-count)"
        );
        lock.release().unwrap();
        let got_in = on_another_scoped_thread(|| {
            let got_in = lock.try_acquire();
            if got_in == Ok(true) {
                let _ = lock.release();
            }
            got_in
        });
        assert_eq!(
            got_in,
            Ok(true),
            "after as many releases as acquires, another thread's try_acquire() returned \
             {got_in:?}: the lock must be free ({CHAPTER}#owner-and-count)"
        );
    });
}

#[test]
fn rlock_a_waiting_thread_gets_in_once_the_owner_releases_for_the_last_time() {
    let what = "acquire() twice by the owner, then acquire() in a second thread until the \
                owner released for the last time (is a sleeping waiter woken?)";
    let (early, got, released) = deadline::within_secs(10, what, || {
        let lock = Arc::new(RLock::new());
        lock.acquire().unwrap();
        lock.acquire().unwrap();
        let inside = Arc::new(AtomicBool::new(false));
        let waiter = {
            let (lock, inside) = (Arc::clone(&lock), Arc::clone(&inside));
            thread::spawn(move || {
                let got = lock.acquire();
                inside.store(true, Ordering::SeqCst);
                let released = lock.release();
                (got, released)
            })
        };
        thread::sleep(Duration::from_millis(50));
        lock.release().unwrap();
        thread::sleep(Duration::from_millis(50));
        let early = inside.load(Ordering::SeqCst);
        lock.release().unwrap();
        let (got, released) = waiter.join().expect("the waiting thread panicked");
        (early, got, released)
    });
    assert!(
        !early,
        "a second thread got in while the owner still held the lock once: only the last \
         release frees it ({CHAPTER}#owner-and-count)"
    );
    assert_eq!(
        (got, released),
        (Ok(()), Ok(())),
        "the waiting thread's acquire() and release() must both succeed once the owner has \
         released for the last time ({CHAPTER}#owner-and-count)"
    );
}

#[test]
fn rlock_release_by_another_thread_is_refused_and_changes_nothing() {
    deadline::within_secs(5, "release() and try_acquire() from another thread", || {
        let lock = RLock::new();
        lock.acquire().unwrap();
        lock.acquire().unwrap();
        let (released, got_in) = on_another_scoped_thread(|| (lock.release(), lock.try_acquire()));
        expect_not_held(
            released,
            "another thread called release() on a lock this thread holds",
        );
        assert_eq!(
            got_in,
            Ok(false),
            "after its refused release(), the other thread's try_acquire() returned {got_in:?}: \
             a refused release must change nothing, and the lock is still held twice \
             ({CHAPTER}#only-the-owner-releases)"
        );
        for time in 1..=2 {
            assert_eq!(
                lock.release(),
                Ok(()),
                "the owner's release number {time} failed after another thread's refused \
                 release(): the refused call must leave the owner and the count alone \
                 ({CHAPTER}#only-the-owner-releases)"
            );
        }
        expect_not_held(
            lock.release(),
            "a third release() of a lock acquired twice: the other thread's refused release \
             must not have counted",
        );
    });
}

#[test]
fn rlock_release_of_a_free_lock_is_an_error_with_a_clear_message() {
    deadline::within_secs(5, "release() of a new lock, then acquire()", || {
        let lock = RLock::new();
        expect_not_held(lock.release(), "release() of a new, free lock");
        let message = LockError::NotHeld.to_string();
        assert!(
            says_not_held(&message),
            "LockError::NotHeld displays as {message:?}: say what went wrong, that the thread \
             tried to release a lock it does not hold (Python says \"cannot release \
             un-acquired lock\") ({CHAPTER}#only-the-owner-releases)"
        );
        assert_eq!(
            lock.acquire(),
            Ok(()),
            "acquire() failed after a refused release() of the free lock: the refused call \
             must change nothing ({CHAPTER}#only-the-owner-releases)"
        );
        assert_eq!(lock.release(), Ok(()));
    });
}

#[test]
fn rlock_acquire_past_max_depth_is_an_error_and_changes_nothing() {
    deadline::within_secs(5, "acquire() and release() of a lock of depth 3", || {
        let lock = RLock::with_max_depth(3);
        for time in 1..=3 {
            assert_eq!(
                lock.acquire(),
                Ok(()),
                "acquire() number {time} of RLock::with_max_depth(3) failed: the owner may \
                 hold it 3 times ({CHAPTER}#the-count-has-a-limit)"
            );
        }
        let too_deep = lock.acquire();
        assert_eq!(
            too_deep,
            Err(LockError::TooDeep { max_depth: 3 }),
            "a fourth acquire() of RLock::with_max_depth(3) by its owner returned \
             {too_deep:?}: check the count before adding to it ({CHAPTER}#the-count-has-a-limit)"
        );
        let tried = lock.try_acquire();
        assert_eq!(
            tried,
            Err(LockError::TooDeep { max_depth: 3 }),
            "try_acquire() by the owner of RLock::with_max_depth(3), held 3 times, returned \
             {tried:?} ({CHAPTER}#the-count-has-a-limit)"
        );
        let message = LockError::TooDeep { max_depth: 3 }.to_string();
        assert!(
            message.contains('3'),
            "LockError::TooDeep {{ max_depth: 3 }} displays as {message:?}: say that the \
             thread already holds the lock the most times allowed, and how many (3) \
             ({CHAPTER}#the-count-has-a-limit)"
        );
        for time in 1..=3 {
            assert_eq!(
                lock.release(),
                Ok(()),
                "release number {time} failed after the refused acquires \
                 ({CHAPTER}#the-count-has-a-limit)"
            );
        }
        let got_in = on_another_scoped_thread(|| {
            let got_in = lock.try_acquire();
            if got_in == Ok(true) {
                let _ = lock.release();
            }
            got_in
        });
        assert_eq!(
            got_in,
            Ok(true),
            "after 3 acquires, 2 refused ones and 3 releases, another thread could not take \
             the lock ({got_in:?}): a refused acquire must leave the count as it was \
             ({CHAPTER}#the-count-has-a-limit)"
        );
    });
}

#[test]
fn rlock_new_lets_the_owner_nest_deeply() {
    deadline::within_secs(5, "100,000 nested acquires of RLock::new()", || {
        let lock = RLock::new();
        for _ in 0..100_000 {
            lock.acquire()
                .expect("RLock::new() must allow u32::MAX nested holds");
        }
        for _ in 0..100_000 {
            lock.release()
                .expect("each nested acquire is matched by one release");
        }
        expect_not_held(lock.release(), "one release more than the acquires");
    });
}

#[test]
fn rlock_with_max_depth_of_zero_panics() {
    let outcome = catch(|| RLock::with_max_depth(0));
    let message = outcome.err().expect(
        "RLock::with_max_depth(0) returned a lock that nobody could ever acquire: it must panic \
         (book: book/src/part-3/reentrant-locks.md#the-count-has-a-limit)",
    );
    not_a_todo(&message);
}

#[test]
fn rlock_try_acquire_never_waits_and_lets_the_owner_in() {
    let lock = Arc::new(RLock::new());
    let (held, hold) = mpsc::channel();
    let (done, finish) = mpsc::channel::<()>();
    let holder = {
        let lock = Arc::clone(&lock);
        thread::spawn(move || {
            lock.acquire().unwrap();
            held.send(()).unwrap();
            let _ = finish.recv();
            lock.release().unwrap();
        })
    };
    hold.recv_timeout(Duration::from_secs(10)).expect(
        "possible deadlock: acquire() of a free lock in a second thread did not return within \
         10 s, or that thread panicked (book: book/src/part-3/reentrant-locks.md#owner-and-count)",
    );
    let tried = deadline::within_secs(
        5,
        "try_acquire() while another thread holds the lock (it must give up at once)",
        {
            let lock = Arc::clone(&lock);
            move || lock.try_acquire()
        },
    );
    assert_eq!(
        tried,
        Ok(false),
        "try_acquire() while another thread holds the lock returned {tried:?} \
         ({CHAPTER}#owner-and-count)"
    );
    done.send(()).unwrap();
    deadline::within_secs(5, "release() in the holding thread", move || {
        holder.join().expect("the holding thread panicked")
    });
    deadline::within_secs(5, "try_acquire() by the owner", move || {
        assert_eq!(
            lock.try_acquire(),
            Ok(true),
            "try_acquire() of a free lock failed ({CHAPTER}#owner-and-count)"
        );
        let again = lock.try_acquire();
        assert_eq!(
            again,
            Ok(true),
            "the owner's try_acquire() returned {again:?}: the owner gets in again at once, \
             as with acquire() ({CHAPTER}#owner-and-count)"
        );
        lock.release().unwrap();
        lock.release().unwrap();
        expect_not_held(lock.release(), "a third release after two try_acquires");
    });
}

#[test]
fn rlock_uncontended_acquire_and_release_make_no_wake_call() {
    deadline::within_secs(5, "acquire() and release() with no other thread", || {
        let lock = RLock::new();
        let before = testing::wake_calls();
        for _ in 0..3 {
            lock.acquire().unwrap();
            lock.acquire().unwrap();
            assert_eq!(lock.try_acquire(), Ok(true));
            for _ in 0..3 {
                lock.release().unwrap();
            }
        }
        let wakes = testing::wake_calls() - before;
        assert!(
            wakes == 0,
            "acquire() and release() with no other thread around made {wakes} wake calls, \
             each a system call: remember in the lock word whether anyone may be asleep, and \
             wake only then ({CHAPTER}#waiting-without-spinning)"
        );
    });
}

#[test]
fn rlock_after_a_contended_hand_off_uncontended_use_makes_no_wake_call() {
    let _heavy = deadline::one_at_a_time();
    let what = "a hand-off to a thread that slept in acquire(), then acquire() and release() \
                with no other thread";
    let (waited, wakes) = deadline::within_secs(20, what, || {
        let lock = Arc::new(RLock::new());
        // Until the waiter really slept in acquire(): a waiter that came after the release
        // took the free lock at once and proves nothing. It sleeps on the first round but on
        // a machine too busy to run it within the pause.
        let mut waited = false;
        for pause in [50, 100, 200, 400, 800, 1600] {
            lock.acquire().unwrap();
            let waiter = {
                let lock = Arc::clone(&lock);
                thread::spawn(move || {
                    let waits = testing::wait_calls();
                    lock.acquire().unwrap();
                    let waits = testing::wait_calls() - waits;
                    lock.release().unwrap();
                    waits
                })
            };
            thread::sleep(Duration::from_millis(pause));
            lock.release().unwrap();
            waited = waiter.join().expect("the waiting thread panicked") > 0;
            if waited {
                break;
            }
        }
        // The waiter has come, slept, got in, released and gone: nobody may be asleep now.
        let before = testing::wake_calls();
        for _ in 0..3 {
            lock.acquire().unwrap();
            lock.release().unwrap();
        }
        (waited, testing::wake_calls() - before)
    });
    if !waited {
        // rlock_a_waiting_thread_sleeps_instead_of_spinning says what is wrong.
        return;
    }
    assert!(
        wakes == 0,
        "a thread slept in acquire(), got the lock and released it; after that, 3 acquire() \
         and release() with no other thread around made {wakes} wake calls, each a system \
         call. Whatever records that someone may be asleep must be cleared once the sleepers \
         are gone: a waiter that gets in takes itself off any count of waiters \
         ({CHAPTER}#waiting-without-spinning)"
    );
}

#[test]
fn rlock_a_waiting_thread_sleeps_instead_of_spinning() {
    let _heavy = deadline::one_at_a_time();
    let what = "acquire() in a second thread while the owner holds the lock for 400 ms, then \
                after it released";
    let (cpu, wall, waits) = deadline::within_secs(10, what, || {
        let lock = Arc::new(RLock::new());
        lock.acquire().unwrap();
        let waiter = {
            let lock = Arc::clone(&lock);
            thread::spawn(move || {
                let before = thread_cpu_time();
                let waits = testing::wait_calls();
                let start = Instant::now();
                lock.acquire().unwrap();
                let wall = start.elapsed();
                let waits = testing::wait_calls() - waits;
                lock.release().unwrap();
                let cpu = before.zip(thread_cpu_time()).map(|(b, a)| a - b);
                (cpu, wall, waits)
            })
        };
        thread::sleep(Duration::from_millis(400));
        lock.release().unwrap();
        waiter.join().expect("the waiting thread panicked")
    });
    assert!(
        waits > 0,
        "the second thread waited {wall:?} for the lock without calling \
         atomic_wait::wait: it must sleep on the lock word, not spin \
         ({CHAPTER}#waiting-without-spinning)"
    );
    if let Some(cpu) = cpu {
        // A sleeping waiter uses well under a millisecond of CPU here; a spinning one uses
        // the whole wait, or (on a machine busy with other work) a good share of it.
        assert!(
            cpu < wall / 10,
            "while it waited {wall:?} for the lock, the second thread was busy on the CPU \
             for {cpu:?}: it spins instead of sleeping in atomic_wait::wait \
             ({CHAPTER}#waiting-without-spinning)"
        );
    }
}

#[test]
fn rlock_a_thread_that_ends_while_holding_it_leaves_it_held() {
    deadline::within_secs(5, "a thread that panics after acquire()", || {
        let lock = Arc::new(RLock::new());
        let holder = Arc::clone(&lock);
        let outcome = thread::spawn(move || {
            holder.acquire().unwrap();
            panic!("this panic is part of the test: the thread ends without releasing");
        })
        .join();
        assert!(outcome.is_err(), "the holding thread did not panic");
        let got_in = lock.try_acquire();
        assert_eq!(
            got_in,
            Ok(false),
            "a thread acquired the lock and ended without releasing it, yet try_acquire() \
             from another thread returned {got_in:?}: with acquire() and release() nothing \
             releases for a thread that ends; that is what the guard API is for \
             ({CHAPTER}#when-a-holder-panics)"
        );
        expect_not_held(
            lock.release(),
            "release() by a thread other than the one that ended while holding",
        );
    });
}

#[test]
fn rlock_only_one_thread_at_a_time_is_inside() {
    let _heavy = deadline::one_at_a_time();
    let rounds = 5_000;
    let shared = Arc::new(Guarded {
        lock: RLock::new(),
        value: std::cell::UnsafeCell::new(0),
    });
    let inside = Arc::new(AtomicUsize::new(0));
    let what = "4 threads acquiring the lock twice (nested) 5,000 times each";
    let (workers_shared, inside) = (Arc::clone(&shared), Arc::clone(&inside));
    deadline::within_secs(10, what, move || {
        let shared = workers_shared;
        deadline::workers(4, what, move |_| {
            for _ in 0..rounds {
                shared.lock.acquire().unwrap();
                shared.lock.acquire().unwrap();
                let others = inside.fetch_add(1, Ordering::SeqCst);
                assert!(
                    others == 0,
                    "two threads were inside the lock at the same time: a thread got in while \
                     another held it ({CHAPTER}#owner-and-count)"
                );
                // SAFETY: this thread holds the lock (the assertion above checks it).
                unsafe { *shared.value.get() += 1 };
                inside.fetch_sub(1, Ordering::SeqCst);
                shared.lock.release().unwrap();
                shared.lock.release().unwrap();
            }
        });
    });
    let total = deadline::within_secs(5, "acquire() after every worker finished", move || {
        shared.lock.acquire().unwrap();
        // SAFETY: every worker has finished, and this thread holds the lock.
        let total = unsafe { *shared.value.get() };
        shared.lock.release().unwrap();
        total
    });
    assert!(
        total == 4 * rounds,
        "updates were lost: 4 threads each added 1 under the lock {rounds} times, so the \
         value should be {}, but it is {total}. Either two threads were inside at once, or \
         the next owner did not see the previous owner's writes: Acquire when the lock word \
         is taken, Release when it is freed ({CHAPTER}#waiting-without-spinning)",
        4 * rounds
    );
}

#[test]
fn rlock_and_its_error_may_be_shared_between_threads() {
    deadline::within_secs(5, "acquire() and release() from two threads", || {
        let lock = RLock::new();
        thread::scope(|s| {
            s.spawn(|| {
                lock.acquire().unwrap();
                lock.release().unwrap();
            });
            lock.acquire().unwrap();
            lock.release().unwrap();
        });
    });
    assert!(
        auto_traits::is_send!(RLock) && auto_traits::is_sync!(RLock),
        "RLock must be Send and Sync: threads share it to exclude each other. If a field is \
         not Sync (a cell for the count), say why sharing is safe in an \
         `unsafe impl Sync for RLock` ({CHAPTER}#owner-and-count)"
    );
    assert!(
        auto_traits::is_send!(LockError) && auto_traits::is_sync!(LockError),
        "LockError must be Send and Sync, like any error type: keep it plain data \
         ({CHAPTER}#only-the-owner-releases)"
    );
}

// ---------------------------------------------------------------------------------------
// ReentrantLock: lock, try_lock and the guard

#[test]
fn guard_lock_gives_shared_access_and_the_holder_may_lock_again() {
    deadline::within_secs(5, "lock() twice from one thread", || {
        let lock = ReentrantLock::new(RefCell::new(vec![1]));
        let outer = lock.lock();
        outer.borrow_mut().push(2);
        let inner = lock.lock();
        assert!(
            std::ptr::eq(&*outer, &*inner),
            "two guards of one lock point at different values: both must deref to the value \
             inside the lock ({CHAPTER}#guards-and-shared-references)"
        );
        inner.borrow_mut().push(3);
        drop(inner);
        assert_eq!(
            *outer.borrow(),
            [1, 2, 3],
            "a change made through the inner guard was not there for the outer one: both guards \
             must deref to the one value inside the lock ({CHAPTER}#guards-and-shared-references)"
        );
        drop(outer);
        assert_eq!(
            lock.into_inner().into_inner(),
            [1, 2, 3],
            "into_inner() must return the value inside the lock, with the changes made through \
             guards ({CHAPTER}#guards-and-shared-references)"
        );
    });
}

/// Drops `guard` and returns the message if its drop panicked (a refused release that the
/// guard unwraps). Tests drop guards through it, and assert only once no guard is left: a
/// guard whose drop panics while a failed assertion unwinds aborts the whole test binary.
fn drop_guard<T>(guard: ReentrantGuard<'_, T>) -> Result<(), String> {
    catch(|| drop(guard))
}

/// Fails if a guard's drop panicked.
fn expect_drops_released(drops: &[Result<(), String>], when: &str) {
    if let Some(Err(problem)) = drops.iter().find(|dropped| dropped.is_err()) {
        panic!(
            "dropping a guard panicked ({problem}) {when}: each guard must release its own \
             hold, and its release cannot be refused, since the guard never left the thread \
             that holds the lock ({CHAPTER}#the-guard-stays-on-its-thread)"
        );
    }
}

#[test]
fn guard_dropping_every_guard_frees_the_lock_for_other_threads() {
    let what = "try_lock() from another thread";
    let (kept_out_of_two, inner_drop, kept_out_of_one, again, outer_drop, got_in, value) =
        deadline::within_secs(5, what, || {
            let lock = ReentrantLock::new(Cell::new(0));
            // Whether another thread's try_lock() gets a guard (it then adds 1).
            let free = |lock: &ReentrantLock<Cell<i32>>| {
                on_another_scoped_thread(|| lock.try_lock().map(|guard| guard.set(guard.get() + 1)))
                    .is_some()
            };
            let outer = lock.lock();
            let inner = lock.lock();
            let kept_out_of_two = !free(&lock);
            let inner_drop = drop_guard(inner);
            let kept_out_of_one = !free(&lock);
            let again = catch(|| lock.try_lock().is_some());
            let outer_drop = drop_guard(outer);
            let got_in = free(&lock);
            let value = lock.into_inner().get();
            (
                kept_out_of_two,
                inner_drop,
                kept_out_of_one,
                again,
                outer_drop,
                got_in,
                value,
            )
        });
    assert!(
        kept_out_of_two,
        "another thread's try_lock() got a guard while this thread held two \
         ({CHAPTER}#owner-and-count)"
    );
    assert!(
        kept_out_of_one,
        "another thread's try_lock() got a guard while this thread still held one: \
         dropping a guard releases one hold, not the lock ({CHAPTER}#owner-and-count)"
    );
    assert!(
        again == Ok(true),
        "the holder's own try_lock() returned {again:?} instead of a guard: the owner gets in \
         again at once ({CHAPTER}#owner-and-count)"
    );
    expect_drops_released(
        &[inner_drop, outer_drop],
        "while the thread held two guards",
    );
    assert!(
        got_in,
        "another thread's try_lock() returned None after every guard was dropped: the \
         last one must free the lock ({CHAPTER}#owner-and-count)"
    );
    assert_eq!(value, 1);
}

#[test]
fn guard_a_panic_while_holding_releases_every_hold() {
    // First without a panic: two guards, dropped one by one. A guard whose drop panics, or
    // that frees the lock too early, would otherwise panic again while the holder below
    // unwinds, which aborts the whole test binary without a message.
    let what = "lock() twice, then dropping the guards one by one";
    let (drops, kept_out, got_in) = deadline::within_secs(5, what, || {
        let lock = ReentrantLock::new(Cell::new(0));
        let outer = lock.lock();
        let inner = lock.lock();
        let mut drops = vec![drop_guard(inner)];
        let kept_out = on_another_scoped_thread(|| lock.try_lock().is_none());
        drops.push(drop_guard(outer));
        let got_in = on_another_scoped_thread(|| lock.try_lock().is_some());
        (drops, kept_out, got_in)
    });
    assert!(
        kept_out,
        "after this thread locked twice and dropped one guard, another thread's try_lock() \
         got a guard: dropping a guard releases one hold, not the lock (checked before a \
         thread panics while holding two guards) ({CHAPTER}#owner-and-count)"
    );
    expect_drops_released(
        &drops,
        "(checked before a thread panics while holding two guards)",
    );
    assert!(
        got_in,
        "after this thread locked twice and dropped both guards, another thread's try_lock() \
         returned None: the last guard must free the lock ({CHAPTER}#owner-and-count)"
    );
    deadline::within_secs(
        5,
        "lock() after a thread panicked while holding two guards",
        || {
            let lock = Arc::new(ReentrantLock::new(Cell::new(0)));
            let holder = Arc::clone(&lock);
            let outcome = thread::spawn(move || {
                let _outer = holder.lock();
                let _inner = holder.lock();
                panic!("this panic is part of the test: both guards are dropped while unwinding");
            })
            .join();
            assert!(
                outcome.is_err(),
                "the thread that panicked while holding the guards did not panic"
            );
            let guard = lock.lock();
            guard.set(guard.get() + 1);
        },
    );
}

#[test]
fn guard_lock_past_max_depth_panics_and_keeps_the_holds() {
    // Nothing below panics while this thread holds a guard, and every guard is dropped inside
    // `catch`: a guard whose drop panics (an `unwrap` on a refused release) would otherwise
    // panic again while the test's own panic unwinds, which aborts the whole test binary.
    let what = "lock() of a lock of depth 2, three times";
    let (third, held_after_refusal, tried, drops, free) = deadline::within_secs(5, what, || {
        let lock = ReentrantLock::with_max_depth(Cell::new(0), 2);
        let outer = lock.lock();
        let inner = lock.lock();
        let third = catch(|| drop(lock.lock()));
        // Is the lock still held twice? Drop one guard: the other must still keep out
        // another thread.
        let mut drops = vec![drop_guard(inner)];
        let held_after_refusal = on_another_scoped_thread(|| lock.try_lock().is_none());
        let mut tried = None;
        if held_after_refusal {
            let inner = lock.lock();
            tried = Some(catch(|| lock.try_lock().is_some()));
            drops.push(drop_guard(inner));
        }
        drops.push(drop_guard(outer));
        let free = on_another_scoped_thread(|| lock.try_lock().is_some());
        (third, held_after_refusal, tried, drops, free)
    });
    let message = third.expect_err(
        "a third lock() of ReentrantLock::with_max_depth(_, 2) returned a guard: it must \
         panic (book: book/src/part-3/reentrant-locks.md#the-count-has-a-limit)",
    );
    not_a_todo(&message);
    assert!(
        message.contains('2'),
        "the panic of a lock() past the maximum says {message:?}: give the error's \
         message, which says how many holds are allowed ({CHAPTER}#the-count-has-a-limit)"
    );
    assert!(
        held_after_refusal,
        "a refused lock() released a hold: the thread held two guards, a third lock() \
         panicked, and after dropping one of the two guards another thread got in while the \
         other guard was still alive. Build the guard only after acquire() succeeded: a guard \
         built first is dropped by the panic, and its drop releases a hold the thread had \
         ({CHAPTER}#the-count-has-a-limit)"
    );
    let tried = tried.expect("checked above");
    assert!(
        tried.is_err(),
        "try_lock() by the holder of ReentrantLock::with_max_depth(_, 2), held twice, \
         returned a result ({tried:?}): it must panic as lock() does \
         ({CHAPTER}#the-count-has-a-limit)"
    );
    expect_drops_released(&drops, "after a refused lock() and try_lock()");
    assert!(
        free,
        "after two guards and two refused locks, dropping both guards did not free the \
         lock: a refused lock must leave the count as it was ({CHAPTER}#the-count-has-a-limit)"
    );
}

#[test]
fn guard_only_one_thread_at_a_time_is_inside() {
    let _heavy = deadline::one_at_a_time();
    let rounds = 5_000;
    let lock = Arc::new(ReentrantLock::new(Cell::new(0_u64)));
    let inside = Arc::new(AtomicUsize::new(0));
    let what = "4 threads locking twice (nested) 5,000 times each";
    let (workers_lock, inside) = (Arc::clone(&lock), Arc::clone(&inside));
    deadline::within_secs(10, what, move || {
        let lock = workers_lock;
        deadline::workers(4, what, move |_| {
            for _ in 0..rounds {
                // Nothing panics while this thread holds a guard, and the guards are dropped
                // inside `catch`: a guard whose drop panics (an `unwrap` on a refused
                // release) while a failed assertion unwinds would abort the whole test
                // binary, and no test of it would report anything.
                let outer = lock.lock();
                let inner = match catch(|| lock.lock()) {
                    Ok(inner) => inner,
                    Err(problem) => {
                        let dropped = drop_guard(outer);
                        panic!(
                            "lock() by the holder of one guard panicked ({problem}); dropping \
                             its guard then gave {dropped:?} ({CHAPTER}#owner-and-count)"
                        );
                    }
                };
                let others = inside.fetch_add(1, Ordering::SeqCst);
                inner.set(inner.get() + 1);
                inside.fetch_sub(1, Ordering::SeqCst);
                let drops = [drop_guard(inner), drop_guard(outer)];
                assert!(
                    others == 0,
                    "two threads held guards at the same time ({CHAPTER}#owner-and-count)"
                );
                expect_drops_released(&drops, "in a thread that held two guards, nested");
            }
        });
    });
    let total = deadline::within_secs(5, "lock() after every worker finished", move || {
        lock.lock().get()
    });
    assert!(
        total == 4 * rounds,
        "updates were lost: 4 threads each added 1 under the lock {rounds} times, so the \
         value should be {}, but it is {total} ({CHAPTER}#owner-and-count)",
        4 * rounds
    );
}

#[test]
fn guard_types_are_send_and_sync_where_they_should_be() {
    deadline::within_secs(5, "two threads setting a Cell under the lock", || {
        // A `Cell` may move between threads but not be shared: the lock makes that safe.
        let lock = ReentrantLock::new(Cell::new(0));
        thread::scope(|s| {
            s.spawn(|| lock.lock().set(1));
            lock.lock().set(2);
        });
        let value = lock.into_inner().get();
        assert!(
            value == 1 || value == 2,
            "each thread set the Cell to its own number under the lock, yet it holds {value} \
             ({CHAPTER}#guards-and-shared-references)"
        );
    });
    let bound = format!("({CHAPTER}#the-guard-stays-on-its-thread)");
    assert!(
        auto_traits::is_sync!(ReentrantLock<Cell<i32>>)
            && auto_traits::is_send!(ReentrantLock<Cell<i32>>),
        "ReentrantLock<Cell<i32>> must be Send and Sync: one thread at a time reaches the \
         value, so `T: Send` is enough. Keep `unsafe impl<T: Send> Sync for \
         ReentrantLock<T>` {bound}"
    );
    assert!(
        !auto_traits::is_sync!(ReentrantLock<Rc<i32>>),
        "ReentrantLock<Rc<i32>> is Sync: two threads could then each clone the same Rc under \
         the lock and drop the clones later, racing on its count {bound}"
    );
    assert!(
        !auto_traits::is_send!(ReentrantGuard<'static, i32>),
        "ReentrantGuard is Send: a guard could then be dropped on another thread, whose \
         release the lock refuses (it does not own the lock), leaving the lock held for ever; \
         or, worse, a count of one thread released by another. Add a field that is not Send, \
         such as PhantomData<*const ()> {bound}"
    );
    assert!(
        auto_traits::is_sync!(ReentrantGuard<'static, i32>),
        "ReentrantGuard<i32> is not Sync, though a shared guard only hands out `&i32`: give \
         Sync back with `unsafe impl<T: Sync> Sync for ReentrantGuard<'_, T>` {bound}"
    );
    assert!(
        auto_traits::is_sync!(ReentrantGuard<'static, std::sync::MutexGuard<'static, i32>>),
        "ReentrantGuard<MutexGuard<i32>> is not Sync, though MutexGuard<i32> is Sync (only \
         not Send) and a shared guard hands out only `&T`: the bound for sharing a guard is \
         `T: Sync` alone, `unsafe impl<T: Sync> Sync for ReentrantGuard<'_, T>` {bound}"
    );
    assert!(
        !auto_traits::is_sync!(ReentrantGuard<'static, Cell<i32>>),
        "ReentrantGuard<Cell<i32>> is Sync: two threads sharing `&guard` could then call \
         `set` on the same Cell at once, a data race in safe code. A guard may be shared \
         only when T: Sync {bound}"
    );
}
