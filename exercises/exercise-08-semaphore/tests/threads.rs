//! Exercise 08 graded suite, on real threads. Book: `book/src/part-3/mutexes-and-semaphores.md`.
//!
//! Every promise of the stub's docs, and the tests that check it here and under loom, are
//! listed in `tests/contracts/exercise-08.toml`. Test names start with the part they grade:
//! `counting_`, `sleeping_`, `timeout_`, `bounded_`.
//!
//! Nothing here measures speed. "Sleeps, never spins" is checked by counting the calls the
//! waiting thread made to the wait primitive (`sync_shim::testing::wait_calls`): one or two
//! while it sleeps, thousands if it spins. Times are lower bounds (a timed wait must not
//! give up early) and generous deadlines (a wait must end).

use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use sync_shim::testing;

sync_shim::library_under_std!(semaphore);

use semaphore::{BoundedSemaphore, OverRelease, Semaphore};

const CHAPTER: &str = "book/src/part-3/mutexes-and-semaphores.md";

/// How long the main thread lets a thread run before it judges that it is asleep.
const SETTLE: Duration = Duration::from_millis(100);

/// The message of a caught panic, or `None` if `body` returned.
fn panic_of(body: impl FnOnce()) -> Option<String> {
    panic::catch_unwind(AssertUnwindSafe(body))
        .err()
        .map(|payload| deadline::panic_text(payload.as_ref()))
}

/// Fails the test as "not yet implemented" when a caught panic was a `todo!()`, so that the
/// course tool shows the stub as not written rather than wrong.
fn not_a_todo(message: &str) {
    assert!(
        !message.starts_with("not yet implemented"),
        "not yet implemented: {message}"
    );
}

/// A thread that calls `acquire` on `sem` and then reports: whether it returned, and how
/// many waits it made.
struct Acquirer {
    done: Arc<AtomicBool>,
    handle: thread::JoinHandle<u64>,
}

fn acquirer(sem: &Arc<Semaphore>, spurious: bool) -> Acquirer {
    let done = Arc::new(AtomicBool::new(false));
    let (sem, flag) = (Arc::clone(sem), Arc::clone(&done));
    let handle = thread::spawn(move || {
        let _spurious = spurious.then(testing::spurious_wakeups);
        sem.acquire();
        flag.store(true, Ordering::SeqCst);
        testing::wait_calls()
    });
    Acquirer { done, handle }
}

// ---------------------------------------------------------------------------------------
// Counting: permits, try_acquire, release, the limits of the count, no owner

#[test]
fn counting_new_semaphore_hands_out_its_permits_and_takes_them_back() {
    deadline::within_secs(5, "try_acquire() and release() on one thread", || {
        let sem = Semaphore::new(2);
        assert_eq!(
            sem.available(),
            2,
            "Semaphore::new(2).available() is not 2 ({CHAPTER}#counting-semaphores)"
        );
        let taken = [sem.try_acquire(), sem.try_acquire(), sem.try_acquire()];
        assert_eq!(
            taken,
            [true, true, false],
            "three try_acquire() on a semaphore of 2 permits: the first two must take one \
             each, the third must fail ({CHAPTER}#permits-in-an-atomic)"
        );
        assert_eq!(
            sem.available(),
            0,
            "after taking both permits available() is not 0; a failed try_acquire() must \
             change nothing ({CHAPTER}#permits-in-an-atomic)"
        );
        sem.release();
        assert_eq!(
            sem.available(),
            1,
            "release() on an empty semaphore must make one permit available \
             ({CHAPTER}#counting-semaphores)"
        );
        assert!(
            sem.try_acquire(),
            "try_acquire() failed right after a release() ({CHAPTER}#counting-semaphores)"
        );
        sem.release_n(3);
        assert_eq!(
            sem.available(),
            3,
            "release_n(3) on an empty semaphore must make 3 permits available \
             ({CHAPTER}#counting-semaphores)"
        );
        sem.release_n(0);
        assert_eq!(
            sem.available(),
            3,
            "release_n(0) changed the count ({CHAPTER}#counting-semaphores)"
        );
    });
}

#[test]
fn counting_try_acquire_at_zero_fails_at_once_without_sleeping() {
    deadline::within_secs(
        5,
        "try_acquire() on a semaphore with no permit (it must fail at once, never wait)",
        || {
            let sem = Semaphore::new(0);
            let waits = testing::wait_calls();
            for _ in 0..1000 {
                assert!(
                    !sem.try_acquire(),
                    "try_acquire() on a semaphore with no permit returned true: it took a \
                     permit that was not there ({CHAPTER}#permits-in-an-atomic)"
                );
            }
            assert_eq!(
                testing::wait_calls(),
                waits,
                "try_acquire() called the wait primitive: it must never sleep \
                 ({CHAPTER}#permits-in-an-atomic)"
            );
            assert_eq!(
                sem.available(),
                0,
                "1000 failed try_acquire() calls changed the count of an empty semaphore to \
                 {}: a decrement from 0 wraps around, unless you only decrement a count you saw \
                 above 0 ({CHAPTER}#permits-in-an-atomic)",
                sem.available()
            );
        },
    );
}

#[test]
fn counting_release_at_u32_max_panics_and_leaves_the_count() {
    deadline::within_secs(5, "release() near u32::MAX", || {
        let sem = Semaphore::new(u32::MAX - 1);
        sem.release();
        assert_eq!(
            sem.available(),
            u32::MAX,
            "release() from u32::MAX - 1 must reach u32::MAX ({CHAPTER}#permits-in-an-atomic)"
        );
        let message = panic_of(|| sem.release());
        if let Some(message) = &message {
            not_a_todo(message);
        }
        let count = sem.available();
        assert!(
            message.is_some() && count == u32::MAX,
            "release() on a semaphore that already holds u32::MAX permits must panic and leave \
             the count at u32::MAX; it {} and the count is now {count}. fetch_add wraps to 0 \
             silently: check the limit in the same atomic step as the add \
             ({CHAPTER}#permits-in-an-atomic)",
            if message.is_some() {
                "panicked"
            } else {
                "returned"
            }
        );
        let sem = Semaphore::new(u32::MAX - 1);
        let message = panic_of(|| sem.release_n(2));
        let count = sem.available();
        assert!(
            message.is_some() && count == u32::MAX - 1,
            "release_n(2) from u32::MAX - 1 must panic and leave the count at u32::MAX - 1; \
             the count is now {count} ({CHAPTER}#permits-in-an-atomic)"
        );
        let sem = Semaphore::new(u32::MAX);
        assert!(
            sem.try_acquire() && sem.available() == u32::MAX - 1,
            "try_acquire() on a semaphore of u32::MAX permits must take one and leave \
             u32::MAX - 1 ({CHAPTER}#permits-in-an-atomic)"
        );
    });
}

#[test]
fn counting_any_thread_may_release_a_permit_another_thread_took() {
    deadline::within_secs(
        5,
        "a permit taken on the main thread and released on another",
        || {
            let sem = Arc::new(Semaphore::new(1));
            sem.acquire();
            let other = Arc::clone(&sem);
            thread::spawn(move || other.release()).join().unwrap();
            assert!(
                sem.try_acquire(),
                "a permit released by another thread than the one that took it did not come \
                 back: a semaphore has no owner, any thread may release \
                 ({CHAPTER}#who-may-release)"
            );
            // A thread that never acquired may release too: that is how a semaphore signals.
            let other = Arc::clone(&sem);
            thread::spawn(move || other.release()).join().unwrap();
            assert_eq!(
                sem.available(),
                1,
                "a release() by a thread that never acquired must add a permit \
                 ({CHAPTER}#who-may-release)"
            );
        },
    );
}

#[test]
fn counting_a_thread_that_panics_holding_a_permit_does_not_give_it_back() {
    deadline::within_secs(5, "a thread that takes the one permit and panics", || {
        let sem = Arc::new(Semaphore::new(1));
        let other = Arc::clone(&sem);
        let outcome = thread::spawn(move || {
            other.acquire();
            panic!("this panic is part of the test: the thread dies holding a permit");
        })
        .join();
        if let Err(payload) = &outcome {
            not_a_todo(&deadline::panic_text(payload.as_ref()));
        }
        assert!(outcome.is_err(), "the thread that should panic did not");
        assert!(
            sem.available() == 0 && !sem.try_acquire(),
            "a thread died holding the one permit, yet {} permits are available: a \
                 semaphore has no guard, so nothing gives a permit back but release() \
                 ({CHAPTER}#counting-semaphores)",
            sem.available()
        );
    });
}

#[test]
fn counting_semaphores_are_send_and_sync() {
    let bound = format!("({CHAPTER}#exercise)");
    assert!(
        auto_traits::is_send!(Semaphore) && auto_traits::is_sync!(Semaphore),
        "Semaphore must be Send and Sync: threads share it (through an Arc or a reference) \
         {bound}"
    );
    assert!(
        auto_traits::is_send!(BoundedSemaphore) && auto_traits::is_sync!(BoundedSemaphore),
        "BoundedSemaphore must be Send and Sync {bound}"
    );
    assert!(
        auto_traits::is_send!(OverRelease) && auto_traits::is_sync!(OverRelease),
        "OverRelease must be Send and Sync, as errors usually are {bound}"
    );
    deadline::within_secs(5, "Semaphore::new", || {
        let _ = Semaphore::new(1);
        let _ = BoundedSemaphore::new(1);
    });
}

// ---------------------------------------------------------------------------------------
// Sleeping: acquire waits without spinning, releases wake, no lost and no spurious permits

#[test]
fn sleeping_acquire_at_zero_sleeps_until_a_release_wakes_it() {
    deadline::within_secs(
        10,
        "acquire() on an empty semaphore, then a release() from the main thread (is the \
         sleeper woken?)",
        || {
            let sem = Arc::new(Semaphore::new(0));
            let waiter = acquirer(&sem, false);
            thread::sleep(SETTLE);
            assert!(
                !waiter.done.load(Ordering::SeqCst),
                "acquire() returned on a semaphore with no permit: it must wait for a \
                 release ({CHAPTER}#sleeping-for-a-permit)"
            );
            sem.release();
            let waits = waiter.handle.join().unwrap();
            assert!(
                waits >= 1,
                "acquire() waited for a release without calling the wait primitive: it must \
                 sleep (crate::sync::atomic_wait::wait), not spin ({CHAPTER}#sleeping-for-a-permit)"
            );
            assert!(
                waits <= 20,
                "acquire() called the wait primitive {waits} times while it waited for one \
                 release: it spins through wait() instead of sleeping in it. Does it wait on \
                 the value the count really holds? ({CHAPTER}#sleeping-for-a-permit)"
            );
            assert_eq!(
                sem.available(),
                0,
                "the sleeper took the one released permit, yet available() is {} \
                 ({CHAPTER}#sleeping-for-a-permit)",
                sem.available()
            );
        },
    );
}

#[test]
fn sleeping_release_with_nobody_asleep_makes_no_wake_call() {
    deadline::within_secs(10, "acquire and release with nobody waiting", || {
        let sem = Arc::new(Semaphore::new(1));
        let wakes = testing::wake_calls();
        sem.acquire();
        sem.release();
        assert!(sem.try_acquire(), "try_acquire() failed on a free permit");
        sem.release();
        sem.release_n(0);
        sem.release_n(2);
        assert!(sem.acquire_timeout(Duration::from_millis(1)));
        sem.release();
        let made = testing::wake_calls() - wakes;
        assert_eq!(
            made, 0,
            "acquire, release, try_acquire, release_n and acquire_timeout with no other thread \
             around made {made} wake calls: a release while nobody sleeps must not call \
             wake_one/wake_all (each is a system call). Keep track of who may be asleep \
             ({CHAPTER}#sleeping-for-a-permit)"
        );

        // A sleeper that has been woken, and one that timed out, are no longer asleep.
        let empty = Arc::new(Semaphore::new(0));
        let waiter = acquirer(&empty, false);
        thread::sleep(SETTLE);
        empty.release();
        waiter.handle.join().unwrap();
        assert!(!empty.acquire_timeout(Duration::from_millis(20)));
        let wakes = testing::wake_calls();
        empty.release();
        empty.release_n(2);
        let made = testing::wake_calls() - wakes;
        assert_eq!(
            made, 0,
            "after a sleeper was woken and left, and after an acquire_timeout() that timed out, \
             releases with nobody asleep made {made} wake calls: a thread that stops waiting \
             (with or without a permit) must stop counting as asleep \
             ({CHAPTER}#sleeping-for-a-permit)"
        );
    });
}

#[test]
fn sleeping_spurious_wake_ups_never_let_acquire_return_without_a_permit() {
    deadline::within_secs(
        10,
        "acquire() with spurious wake-ups on, then a release()",
        || {
            let sem = Arc::new(Semaphore::new(0));
            let waiter = acquirer(&sem, true);
            thread::sleep(SETTLE);
            let early = waiter.done.load(Ordering::SeqCst);
            // Looked at before this thread's release: an acquire that took a permit from 0
            // wrapped the count to u32::MAX, and the release would then panic (as documented).
            // An acquire that has returned needs no release to end.
            let before = sem.available();
            let release_panic = if early && before != 0 {
                None
            } else {
                panic_of(|| sem.release())
            };
            waiter.handle.join().unwrap();
            assert!(
                !early,
                "acquire() returned after a spurious wake-up, with no permit there (available() \
                 was then {before}): a wait may return for no reason, so the wait belongs in a \
                 loop that tries for a permit again (`while`, not `if`) \
                 ({CHAPTER}#sleeping-for-a-permit)"
            );
            assert_eq!(
                before, 0,
                "before any release, with acquire() waiting, available() was {before} (not 0): \
                 acquire took a permit from a count of 0 ({CHAPTER}#sleeping-for-a-permit)"
            );
            if let Some(message) = release_panic {
                not_a_todo(&message);
                panic!(
                    "release() of a semaphore at 0 with one thread in acquire() panicked: \
                     {message} ({CHAPTER}#sleeping-for-a-permit)"
                );
            }
            assert_eq!(
                sem.available(),
                0,
                "the one released permit is still there after acquire() returned: it returned \
                 without taking one ({CHAPTER}#sleeping-for-a-permit)"
            );
        },
    );
}

#[test]
fn sleeping_two_sleepers_and_two_releases_both_wake() {
    deadline::within_secs(
        10,
        "two threads asleep in acquire(), then two release() calls (is each sleeper woken?)",
        || {
            let sem = Arc::new(Semaphore::new(0));
            let waiters = [acquirer(&sem, false), acquirer(&sem, false)];
            thread::sleep(SETTLE);
            sem.release();
            sem.release();
            for waiter in waiters {
                waiter.handle.join().unwrap();
            }
            assert_eq!(sem.available(), 0, "two sleepers took two permits");
        },
    );
}

#[test]
fn sleeping_release_n_wakes_as_many_sleepers_as_permits() {
    deadline::within_secs(
        10,
        "three threads asleep in acquire(), then one release_n(3) (does it wake all three?)",
        || {
            let sem = Arc::new(Semaphore::new(0));
            let waiters = [
                acquirer(&sem, false),
                acquirer(&sem, false),
                acquirer(&sem, false),
            ];
            thread::sleep(SETTLE);
            sem.release_n(3);
            for waiter in waiters {
                waiter.handle.join().unwrap();
            }
            assert_eq!(
                sem.available(),
                0,
                "three sleepers took the three permits of release_n(3) \
                 ({CHAPTER}#counting-semaphores)"
            );
        },
    );
}

#[test]
fn sleeping_never_more_holders_than_permits() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(
        20,
        "4 threads taking and returning 2 permits 5,000 times each",
        || {
            let sem = Arc::new(Semaphore::new(2));
            let inside = Arc::new(AtomicUsize::new(0));
            let shared = (Arc::clone(&sem), Arc::clone(&inside));
            deadline::workers(
                4,
                "4 threads taking and returning 2 permits 5,000 times each",
                move |i| {
                    let (sem, inside) = &shared;
                    for round in 0..5_000 {
                        match (i + round) % 3 {
                            0 => sem.acquire(),
                            1 => {
                                while !sem.try_acquire() {
                                    std::hint::spin_loop();
                                }
                            }
                            _ => while !sem.acquire_timeout(Duration::from_millis(1)) {},
                        }
                        let holders = inside.fetch_add(1, Ordering::SeqCst) + 1;
                        assert!(
                            holders <= 2,
                            "{holders} threads held a permit of a semaphore of 2 at the same \
                             time: one permit was handed to two threads. Is taking a permit \
                             one atomic step that only succeeds on the count it saw? \
                             ({CHAPTER}#permits-in-an-atomic)"
                        );
                        inside.fetch_sub(1, Ordering::SeqCst);
                        sem.release();
                    }
                },
            );
            assert_eq!(
                sem.available(),
                2,
                "after every thread returned what it took, the semaphore of 2 holds {} \
                 ({CHAPTER}#permits-in-an-atomic)",
                sem.available()
            );
        },
    );
}

// ---------------------------------------------------------------------------------------
// Timeouts

#[test]
fn timeout_returns_false_after_about_that_long_and_takes_no_permit() {
    deadline::within_secs(10, "acquire_timeout(100 ms) on an empty semaphore", || {
        let sem = Semaphore::new(0);
        let start = Instant::now();
        let got = sem.acquire_timeout(Duration::from_millis(100));
        let waited = start.elapsed();
        assert!(
            !got,
            "acquire_timeout() returned true on a semaphore that never had a permit \
                 ({CHAPTER}#timeouts)"
        );
        assert!(
            waited >= Duration::from_millis(100),
            "acquire_timeout(100 ms) gave up after {waited:?}: it must wait the whole \
                 timeout (wait_timeout says nothing about why it returned; look at the clock) \
                 ({CHAPTER}#timeouts)"
        );
        assert_eq!(
            sem.available(),
            0,
            "an acquire_timeout() that timed out changed the count of an empty semaphore \
                 to {}: a timeout must leave the count as it was ({CHAPTER}#timeouts)",
            sem.available()
        );
        sem.release();
        assert_eq!(
            sem.available(),
            1,
            "after a timed-out acquire_timeout(), one release() must leave one permit \
                 ({CHAPTER}#timeouts)"
        );
    });
}

#[test]
fn timeout_takes_an_available_permit_at_once_and_zero_never_sleeps() {
    deadline::within_secs(5, "acquire_timeout() with a permit available", || {
        let sem = Semaphore::new(1);
        let waits = testing::wait_calls();
        assert!(
            sem.acquire_timeout(Duration::from_secs(60)),
            "acquire_timeout() returned false with a permit available ({CHAPTER}#timeouts)"
        );
        assert!(
            !sem.acquire_timeout(Duration::ZERO),
            "acquire_timeout(0) returned true with no permit ({CHAPTER}#timeouts)"
        );
        assert_eq!(
            testing::wait_calls(),
            waits,
            "acquire_timeout() slept though a permit was there, or though its timeout was \
             zero: a timeout of zero is try_acquire() ({CHAPTER}#timeouts)"
        );
        assert_eq!(
            sem.available(),
            0,
            "acquire_timeout() took one permit of one"
        );
    });
}

#[test]
fn timeout_gets_a_permit_released_while_it_waits() {
    deadline::within_secs(
        10,
        "acquire_timeout(60 s) on an empty semaphore, then a release() after 100 ms",
        || {
            let sem = Arc::new(Semaphore::new(0));
            let other = Arc::clone(&sem);
            let waiter = thread::spawn(move || {
                let got = other.acquire_timeout(Duration::from_secs(60));
                (got, testing::wait_calls())
            });
            thread::sleep(SETTLE);
            sem.release();
            let (got, waits) = waiter.join().unwrap();
            assert!(
                got,
                "acquire_timeout(60 s) returned false though a permit was released while it \
                 waited ({CHAPTER}#timeouts)"
            );
            assert!(
                (1..=20).contains(&waits),
                "acquire_timeout() made {waits} calls to the wait primitive while it waited \
                 for one release: it must sleep in wait_timeout, not spin \
                 ({CHAPTER}#timeouts)"
            );
        },
    );
}

#[test]
fn timeout_of_duration_max_waits_without_panicking() {
    deadline::within_secs(
        10,
        "acquire_timeout(Duration::MAX), then a release() after 100 ms",
        || {
            let sem = Arc::new(Semaphore::new(1));
            let message = panic_of(|| assert!(sem.acquire_timeout(Duration::MAX)));
            if let Some(message) = &message {
                not_a_todo(message);
            }
            assert!(
                message.is_none(),
                "acquire_timeout(Duration::MAX) panicked: {message:?}. `Instant::now() + \
                 timeout` overflows for a timeout that long; Instant::checked_add says so \
                 without panicking, and then there is no deadline ({CHAPTER}#timeouts)"
            );
            let other = Arc::clone(&sem);
            let waiter =
                thread::spawn(move || panic_of(|| assert!(other.acquire_timeout(Duration::MAX))));
            thread::sleep(SETTLE);
            sem.release();
            let message = waiter.join().unwrap();
            assert!(
                message.is_none(),
                "acquire_timeout(Duration::MAX) on an empty semaphore must wait for a release \
                 and take it; it panicked: {message:?} ({CHAPTER}#timeouts)"
            );
        },
    );
}

#[test]
fn timeout_spurious_wake_ups_do_not_end_the_wait_early() {
    deadline::within_secs(
        10,
        "acquire_timeout(200 ms) with spurious wake-ups on",
        || {
            let sem = Semaphore::new(0);
            let _spurious = testing::spurious_wakeups();
            let start = Instant::now();
            let got = sem.acquire_timeout(Duration::from_millis(200));
            let waited = start.elapsed();
            assert!(
                !got && waited >= Duration::from_millis(200),
                "acquire_timeout(200 ms) on an empty semaphore returned {got} after {waited:?} \
                 when its first wait returned spuriously: a timed wait that returns is not a \
                 timeout, and not a permit either. Loop: try for a permit, look at the clock, \
                 wait for the time that is left ({CHAPTER}#timeouts)"
            );
            assert_eq!(sem.available(), 0, "a timed-out acquire changed the count");
        },
    );
}

#[test]
fn timeout_a_permit_released_as_a_timed_waiter_gives_up_is_not_lost() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(
        20,
        "200 rounds of: one thread in acquire(), one in acquire_timeout(~1 ms), and a \
         release() at about the moment the timeout ends",
        || {
            for round in 0..200_u64 {
                let sem = Arc::new(Semaphore::new(0));
                let sleeper = {
                    let sem = Arc::clone(&sem);
                    thread::spawn(move || sem.acquire())
                };
                let timed = {
                    let sem = Arc::clone(&sem);
                    thread::spawn(move || sem.acquire_timeout(Duration::from_micros(1000)))
                };
                thread::sleep(Duration::from_micros(900 + (round % 5) * 50));
                sem.release();
                if timed.join().unwrap() {
                    sem.release();
                }
                // If the release's wake went to the timed waiter as it gave up, and it left
                // without the permit and without passing the wake on, this join never ends.
                sleeper.join().unwrap();
                assert_eq!(sem.available(), 0, "the permits were not all taken");
            }
        },
    );
}

// ---------------------------------------------------------------------------------------
// Bounded semaphores

#[test]
fn bounded_release_beyond_the_bound_is_an_error_and_changes_nothing() {
    deadline::within_secs(5, "BoundedSemaphore::release on one thread", || {
        let sem = BoundedSemaphore::new(2);
        assert_eq!(sem.bound(), 2, "BoundedSemaphore::new(2).bound() is not 2");
        let wakes = testing::wake_calls();
        let result = sem.release();
        assert_eq!(
            result,
            Err(OverRelease { bound: 2 }),
            "release() on a bounded semaphore that holds all 2 of its permits must fail with \
             OverRelease {{ bound: 2 }} ({CHAPTER}#bounded-semaphores)"
        );
        assert_eq!(
            sem.available(),
            2,
            "a release() that failed changed the count to {}: over-release must leave it as \
             it was (check the bound and add in one atomic step, not add and then undo) \
             ({CHAPTER}#bounded-semaphores)",
            sem.available()
        );
        let message = result.unwrap_err().to_string();
        assert!(
            message.contains("released too many times"),
            "the error's message does not say that the semaphore was released too many times: \
             {message:?} ({CHAPTER}#bounded-semaphores)"
        );
        assert!(
            sem.try_acquire(),
            "try_acquire() failed on a bounded semaphore of 2"
        );
        assert_eq!(
            sem.release(),
            Ok(()),
            "release() after one acquire must succeed ({CHAPTER}#bounded-semaphores)"
        );
        assert_eq!(sem.available(), 2, "acquire then release must give 2 back");
        assert_eq!(
            testing::wake_calls(),
            wakes,
            "releases of a bounded semaphore with nobody asleep made wake calls \
             ({CHAPTER}#sleeping-for-a-permit)"
        );
        let empty = BoundedSemaphore::new(0);
        assert_eq!(
            empty.release(),
            Err(OverRelease { bound: 0 }),
            "BoundedSemaphore::new(0).release() must fail: its bound is 0 \
             ({CHAPTER}#bounded-semaphores)"
        );
        assert_eq!(empty.available(), 0, "a failed release changed the count");
    });
}

#[test]
fn bounded_acquire_and_try_acquire_work_as_the_semaphore() {
    deadline::within_secs(
        10,
        "acquire() on a bounded semaphore, woken by a release() from another thread",
        || {
            let sem = Arc::new(BoundedSemaphore::new(1));
            assert!(
                sem.try_acquire(),
                "try_acquire() failed on a bounded semaphore of 1"
            );
            assert!(
                !sem.try_acquire(),
                "try_acquire() took a second permit of a bounded semaphore of 1"
            );
            assert!(
                !sem.acquire_timeout(Duration::from_millis(20)),
                "acquire_timeout() took a permit of a bounded semaphore that had none"
            );
            let done = Arc::new(AtomicBool::new(false));
            let (other, flag) = (Arc::clone(&sem), Arc::clone(&done));
            let waiter = thread::spawn(move || {
                other.acquire();
                flag.store(true, Ordering::SeqCst);
            });
            thread::sleep(SETTLE);
            assert!(
                !done.load(Ordering::SeqCst),
                "acquire() on a bounded semaphore with no permit returned without waiting"
            );
            // Released by a thread that did not acquire it: no owner.
            let releaser = Arc::clone(&sem);
            let result = thread::spawn(move || releaser.release()).join().unwrap();
            assert_eq!(
                result,
                Ok(()),
                "a release() from another thread than the holder failed: a bounded semaphore \
                 has no owner either ({CHAPTER}#who-may-release)"
            );
            waiter.join().unwrap();
            assert_eq!(sem.available(), 0, "the woken thread took the permit");
            assert_eq!(
                sem.release(),
                Ok(()),
                "release() after an acquire must succeed"
            );
            assert!(
                sem.acquire_timeout(Duration::from_secs(5)),
                "acquire_timeout() on a bounded semaphore with a permit available returned \
                 false ({CHAPTER}#timeouts)"
            );
        },
    );
}

#[test]
fn bounded_concurrent_releases_never_pass_the_bound() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(
        20,
        "4 threads releasing a bounded semaphore of 2 while others acquire",
        || {
            let sem = Arc::new(BoundedSemaphore::new(2));
            let oks = Arc::new(AtomicU32::new(0));
            let takes = Arc::new(AtomicU32::new(0));
            let shared = (Arc::clone(&sem), Arc::clone(&oks), Arc::clone(&takes));
            deadline::workers(4, "4 threads releasing and taking permits", move |i| {
                let (sem, oks, takes) = &shared;
                for _ in 0..5_000 {
                    if i % 2 == 0 {
                        if sem.release().is_ok() {
                            oks.fetch_add(1, Ordering::SeqCst);
                        }
                    } else if sem.try_acquire() {
                        takes.fetch_add(1, Ordering::SeqCst);
                    }
                    let seen = sem.available();
                    assert!(
                        seen <= 2,
                        "a bounded semaphore of 2 held {seen} permits: two releases both \
                         passed the bound check. Check and add in one atomic step \
                         ({CHAPTER}#bounded-semaphores)"
                    );
                }
            });
            let (oks, takes) = (
                i64::from(oks.load(Ordering::SeqCst)),
                i64::from(takes.load(Ordering::SeqCst)),
            );
            assert_eq!(
                2 + oks - takes,
                i64::from(sem.available()),
                "2 permits, {oks} successful releases and {takes} takes should leave {}, yet \
                 available() is {} ({CHAPTER}#bounded-semaphores)",
                2 + oks - takes,
                sem.available()
            );
        },
    );
}
