//! Exercise 08 graded suite, model-checked by loom: the same `src/semaphore.rs`, compiled
//! with `crate::sync` bound to loom, in every interleaving of its threads within the bound.
//! A sleeper that nobody wakes shows up as a deadlock: every thread of the model is blocked.
//! Book: `book/src/part-3/mutexes-and-semaphores.md`.
//!
//! Every promise of the stub's docs, and the tests that check it here and on real threads,
//! are listed in `tests/contracts/exercise-08.toml`.

sync_shim::include_under_loom!(semaphore);

use std::panic::{self, AssertUnwindSafe};
use std::time::Duration;

use loom_harness::{Explain, Model};
use semaphore::{BoundedSemaphore, Semaphore};
use sync::cell::UnsafeCell;
use sync::thread;

const CHAPTER: &str = "book/src/part-3/mutexes-and-semaphores.md";

/// Puts `value` where every thread of one model execution can reach it, for the rest of the
/// run. Not a loom `Arc`: when loom finds a deadlock it panics in the blocked thread, and a
/// loom `Arc` dropped while that panic unwinds calls back into loom, which has no running
/// thread any more, and the whole test binary aborts without a message. A leaked box is never
/// dropped (a few bytes per execution).
fn shared<T>(value: T) -> &'static T {
    Box::leak(Box::new(value))
}

/// What each kind of loom failure most likely means in a semaphore.
const EXPLAIN: Explain = Explain {
    book: "book/src/part-3/mutexes-and-semaphores.md#permits-in-an-atomic and \
           #sleeping-for-a-permit",
    race: "two threads touched the value guarded by the permits without an order between \
           them: either one permit was handed to two threads (taking a permit must be one \
           read-modify-write that succeeds only on a count above 0), or a release does not \
           publish what its thread wrote before it (Release on the increment, Acquire on the \
           exchange that takes the permit).",
    spins_forever: "a thread loops for ever: does acquire wait on the count's current value \
           (0), or does it spin through wait() on a value the count no longer holds?",
    deadlock: "a thread sleeps for ever though a permit is there, or was released: a lost \
           wake-up. Look for: a release that wakes before it adds the permit; a release that \
           decides nobody sleeps from a stale look at the sleepers (the store-buffering \
           problem: a SeqCst fence between 'add the permit' and 'look for sleepers', and \
           between 'count myself as a sleeper' and 'look at the permits'); release_n waking \
           one sleeper for several permits; a timed waiter that leaves with a wake-up meant \
           for a permit without trying for it. (SeqCst on the loads, stores and \
           read-modify-writes themselves, with no fences, is also correct by the memory \
           model, but loom models SeqCst only for fences (tokio-rs/loom issue 180) and \
           reports that code as this deadlock: use the fences, or read-modify-writes on the \
           sleepers counter.)",
    assertion: "the permits do not add up: a permit was taken twice, taken from a count of \
           0, not taken by an acquire that returned, refused by a try_acquire while it was \
           there, or a bounded semaphore went past its bound (even for a moment); or a \
           release made a wake call when nobody was asleep.",
};

#[test]
fn loom_counting_three_try_acquires_of_one_permit_take_it_once() {
    Model::new(
        "three threads call try_acquire() on a semaphore of one permit: exactly one gets it, \
         and the count ends at 0",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let sem = shared(Semaphore::new(1));
        let triers: Vec<_> = (0..2)
            .map(|_| thread::spawn(move || sem.try_acquire()))
            .collect();
        let mine = sem.try_acquire();
        let mut taken = usize::from(mine);
        for trier in triers {
            taken += usize::from(trier.join().unwrap());
        }
        let left = sem.available();
        assert!(
            taken == 1 && left == 0,
            "three try_acquire() calls on one permit took {taken} permits and left {left}: a \
             permit was handed out twice, or taken from a count of 0 (a fetch_sub on 0 wraps to \
             u32::MAX, and another thread can take one of those before the undo) \
             ({CHAPTER}#permits-in-an-atomic)"
        );
    });
}

#[test]
fn loom_counting_two_try_acquires_of_two_permits_both_succeed() {
    Model::new(
        "two threads call try_acquire() on a semaphore of two permits at the same time: both \
         get one, and the count ends at 0",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let sem = shared(Semaphore::new(2));
        let other = thread::spawn(move || sem.try_acquire());
        let mine = sem.try_acquire();
        let theirs = other.join().unwrap();
        let left = sem.available();
        assert!(
            mine && theirs,
            "two try_acquire() calls on a semaphore of two permits returned {mine} and \
             {theirs} ({left} left): one returned false though a permit was there for it. \
             When the compare_exchange fails because another thread changed the count first, \
             try again with the count it returned; false only when the count is 0 \
             ({CHAPTER}#permits-in-an-atomic)"
        );
        assert_eq!(
            left, 0,
            "two try_acquire() calls on a semaphore of two permits both returned true, yet \
             {left} permits are left (not 0): one decrement overwrote the other (a load and a \
             store in two steps). Take the permit with one compare_exchange from the count \
             you saw ({CHAPTER}#permits-in-an-atomic)"
        );
    });
}

#[test]
fn loom_sleeping_a_release_publishes_what_the_releaser_wrote() {
    Model::new(
        "a thread writes a value and then releases; the main thread acquires and reads the \
         value: the write happened before the read",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let sem = shared(Semaphore::new(0));
        let data = shared(UnsafeCell::new(0));
        let writer = {
            thread::spawn(move || {
                // SAFETY: the main thread reads only after it took the permit released below.
                data.with_mut(|value| unsafe { *value = 42 });
                sem.release();
            })
        };
        sem.acquire();
        // SAFETY: the writer wrote before it released the permit this thread took.
        let seen = data.with(|value| unsafe { *value });
        writer.join().unwrap();
        assert_eq!(
            seen, 42,
            "the acquirer read {seen} instead of the value written before the release \
             ({CHAPTER}#permits-in-an-atomic)"
        );
    });
}

#[test]
fn loom_sleeping_three_threads_take_turns_with_one_permit() {
    Model::new(
        "three threads each acquire a semaphore of one permit, add 1 to a value, and release; \
         every addition counts, and the permit is back",
    )
    .explain(&EXPLAIN)
    .preemptions(1)
    .check(|| {
        let sem = shared(Semaphore::new(1));
        let data = shared(UnsafeCell::new(0));
        let take_turn = |sem: &Semaphore, data: &UnsafeCell<i32>| {
            sem.acquire();
            // SAFETY: one permit: only its holder touches the value.
            data.with_mut(|value| unsafe { *value += 1 });
            sem.release();
        };
        let workers: Vec<_> = (0..2)
            .map(|_| thread::spawn(move || take_turn(sem, data)))
            .collect();
        take_turn(sem, data);
        for worker in workers {
            worker.join().unwrap();
        }
        // SAFETY: both workers are joined.
        let total = data.with(|value| unsafe { *value });
        let left = sem.available();
        assert!(
            total == 3 && left == 1,
            "three threads each added 1 under the one permit: the value is {total} (not 3) and \
             {left} permits are left (not 1) ({CHAPTER}#sleeping-for-a-permit)"
        );
    });
}

#[test]
fn loom_sleeping_acquire_at_zero_is_woken_by_a_release() {
    Model::new(
        "the main thread calls acquire() on an empty semaphore; another thread releases once",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let sem = shared(Semaphore::new(0));
        let releaser = { thread::spawn(move || sem.release()) };
        // The sleeper is the main thread: when nobody wakes it, loom reports it blocked.
        sem.acquire();
        releaser.join().unwrap();
        let left = sem.available();
        assert_eq!(
            left, 0,
            "acquire() returned, yet the one released permit is still there \
                 ({CHAPTER}#sleeping-for-a-permit)"
        );
    });
}

#[test]
fn loom_sleeping_two_sleepers_and_two_releases_both_wake() {
    Model::new(
        "the main thread and another call acquire() on an empty semaphore; a third thread \
         releases twice; both get a permit",
    )
    .explain(&EXPLAIN)
    .preemptions(1)
    .check(|| {
        let sem = shared(Semaphore::new(0));
        let sleeper = { thread::spawn(move || sem.acquire()) };
        let releaser = {
            thread::spawn(move || {
                sem.release();
                sem.release();
            })
        };
        sem.acquire();
        releaser.join().unwrap();
        sleeper.join().unwrap();
        assert_eq!(sem.available(), 0, "two acquires took two permits");
    });
}

#[test]
fn loom_sleeping_release_n_wakes_two_sleepers() {
    Model::new(
        "the main thread and another call acquire() on an empty semaphore; a third thread \
         calls release_n(2); both get a permit",
    )
    .explain(&EXPLAIN)
    .preemptions(1)
    .check(|| {
        let sem = shared(Semaphore::new(0));
        let sleeper = { thread::spawn(move || sem.acquire()) };
        let releaser = { thread::spawn(move || sem.release_n(2)) };
        sem.acquire();
        releaser.join().unwrap();
        sleeper.join().unwrap();
        assert_eq!(
            sem.available(),
            0,
            "two acquires took the two permits of release_n(2)"
        );
    });
}

#[test]
fn loom_sleeping_no_wake_call_once_the_sleeper_has_left() {
    // The wake calls are counted on real threads only; here the shim's trace of the current
    // execution (which loom-harness keeps) shows whether the last release called wake_one or
    // wake_all. The main thread is the acquirer, so the path where its try right after it
    // counted itself as a sleeper succeeds takes a single preemption.
    Model::new(
        "the main thread calls acquire() on an empty semaphore while another thread releases; \
         once both are done, nobody is asleep, and one more release makes no wake call",
    )
    .explain(&EXPLAIN)
    .preemptions(1)
    .check(|| {
        let sem = shared(Semaphore::new(0));
        let releaser = thread::spawn(move || sem.release());
        sem.acquire();
        releaser.join().unwrap();
        sync_shim::trace::clear();
        sem.release();
        let steps = sync_shim::trace::steps();
        let wake = steps
            .iter()
            .find(|step| step.operation.starts_with("atomic_wait::wake"));
        assert!(
            !steps.is_empty(),
            "the shim's trace recorded nothing during a release: this check needs the trace \
             that loom-harness turns on (a fault of the test, not of your code)"
        );
        if let Some(wake) = wake {
            panic!(
                "acquire() returned and the releasing thread has ended, so nobody is asleep, \
                 yet the next release called {} ({}:{}). Either the acquire still counts \
                 itself as a sleeper: some way out of the slow path (for instance, a try that \
                 succeeds right after counting yourself, and returns at once) does not take \
                 the thread off the sleepers count, and every way out must; or the release \
                 wakes without looking whether anybody may be asleep \
                 ({CHAPTER}#sleeping-for-a-permit)",
                wake.operation,
                wake.at
                    .file()
                    .rsplit(['/', '\\'])
                    .next()
                    .unwrap_or_default(),
                wake.at.line()
            );
        }
    });
}

#[test]
fn loom_sleeping_spurious_wake_ups_never_hand_out_a_missing_permit() {
    // On for every thread of the model: each one's first wait returns at once.
    let _spurious = sync_shim::testing::spurious_wakeups();
    Model::new(
        "with spurious wake-ups on, the main thread calls acquire() on an empty semaphore and \
         another thread releases once: acquire returns only with the permit",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let sem = shared(Semaphore::new(0));
        let releaser = thread::spawn(move || {
            // A release at u32::MAX panics, as documented. Caught here, so that an acquire
            // that took a permit from a count of 0 (wrapping it) is reported as that.
            panic::catch_unwind(AssertUnwindSafe(|| sem.release())).is_ok()
        });
        sem.acquire();
        let released = releaser.join().unwrap();
        let left = sem.available();
        assert!(
            released,
            "acquire() returned after a spurious wake-up without a permit there: it took one \
             from a count of 0, which wrapped to u32::MAX ({left} now), so the release that \
             followed panicked. A wake-up is no permit: the wait belongs in a loop that tries \
             for a permit again (`while`, not `if`) ({CHAPTER}#sleeping-for-a-permit)"
        );
        assert_eq!(
            left, 0,
            "acquire() returned and the released permit is still there: it returned after a \
             spurious wake-up without taking a permit. The wait belongs in a loop that tries \
             again (`while`, not `if`) ({CHAPTER}#sleeping-for-a-permit)"
        );
    });
}

#[test]
fn loom_timeout_a_wake_that_reaches_a_timed_waiter_is_not_lost() {
    // The timeout is long enough never to run out here: a model has no clock, and real time
    // would make the model non-deterministic (loom could not replay its executions). What
    // it checks is the wake-up itself: a release may wake the timed waiter or the other one,
    // and either way nobody is left asleep beside a free permit. (Whether a timed waiter
    // woken just after its deadline still tries for the permit depends on the clock, and is
    // checked on real threads.)
    Model::new(
        "one thread in acquire_timeout(60 s), the main thread in acquire(); a third thread \
         releases once; whoever gets the permit releases it again; nobody sleeps for ever",
    )
    .explain(&EXPLAIN)
    .preemptions(1)
    .check(|| {
        let sem = shared(Semaphore::new(0));
        let timed = thread::spawn(move || {
            let got = sem.acquire_timeout(Duration::from_secs(60));
            if got {
                sem.release();
            }
            got
        });
        let releaser = thread::spawn(move || sem.release());
        sem.acquire();
        sem.release();
        let got = timed.join().unwrap();
        releaser.join().unwrap();
        assert!(
            got && sem.available() == 1,
            "acquire_timeout(60 s) returned {got} in a model, where no time passes, and {} \
             permits are left (not 1) ({CHAPTER}#timeouts)",
            sem.available()
        );
    });
}

#[test]
fn loom_bounded_two_racing_releases_pass_the_bound_once() {
    Model::new(
        "a bounded semaphore of 2 is one permit short; two threads release at once: exactly \
         one succeeds, and the count ends at 2",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let sem = shared(BoundedSemaphore::new(2));
        assert!(sem.try_acquire());
        let releasers: Vec<_> = (0..2)
            .map(|_| thread::spawn(move || sem.release().is_ok()))
            .collect();
        let oks: usize = releasers
            .into_iter()
            .map(|releaser| usize::from(releaser.join().unwrap()))
            .sum();
        let left = sem.available();
        assert!(
            oks == 1 && left == 2,
            "two releases of a bounded semaphore of 2 that was one permit short: {oks} \
             succeeded and it holds {left} permits, where 1 success and 2 permits were due. \
             {} ({CHAPTER}#bounded-semaphores)",
            racing_releases_went_wrong(oks, left)
        );
    });
}

/// What two racing releases of a bounded semaphore of 2, one permit short, did wrong: `oks`
/// succeeded, and `left` permits are there.
fn racing_releases_went_wrong(oks: usize, left: u32) -> &'static str {
    match (oks, left) {
        (2, 2) => {
            "Both succeeded, yet only one permit arrived: a lost update. Each release read \
             the count and stored it plus one in a second step, and the second store \
             overwrote the first. Check and add in one read-modify-write (fetch_update, or a \
             compare_exchange loop)."
        }
        (2, _) => {
            "Both passed the bound check before either added, and both added: the count went \
             past the bound. Check and add in one atomic step (fetch_update, or a \
             compare_exchange loop)."
        }
        (0, _) => {
            "Both were refused, though one permit was missing: the bound check saw a count \
             that was not there (a refused release that changed the count for a moment, or a \
             check against the wrong limit)."
        }
        _ => {
            "One succeeded, as it should, but the count does not add up: a release that \
             succeeded must add exactly one, and a refused one must change nothing."
        }
    }
}

#[test]
fn loom_bounded_a_refused_release_never_lends_a_permit() {
    // The releaser is the main thread, so the interleaving that takes the permit it lends
    // needs one preemption: between its add and its undo.
    Model::new(
        "a bounded semaphore of 1 holds its permit; the main thread releases while another \
         thread calls try_acquire() twice: a refused release never lends a permit, and the \
         permits add up",
    )
    .explain(&EXPLAIN)
    .preemptions(1)
    .check(|| {
        let sem = shared(BoundedSemaphore::new(1));
        let taker =
            thread::spawn(move || u32::from(sem.try_acquire()) + u32::from(sem.try_acquire()));
        let oks = u32::from(sem.release().is_ok());
        let takes = taker.join().unwrap();
        let left = sem.available();
        assert!(
            takes <= 1 + oks,
            "a bounded semaphore of 1 held its permit; while one release ran ({oks} succeeded), \
             two try_acquire() calls took {takes} permits, and {left} are left: the release \
             was refused, yet it lent a permit for a moment (it added, found the bound \
             passed, and took the permit back; in between another thread took it). Check the \
             bound and add in one atomic step, so that a refused release never changes the \
             count ({CHAPTER}#bounded-semaphores)"
        );
        assert_eq!(
            i64::from(left),
            1 + i64::from(oks) - i64::from(takes),
            "a bounded semaphore of 1, {oks} successful releases and {takes} takes should leave \
             {}, yet available() is {left} ({CHAPTER}#bounded-semaphores)",
            1 + i64::from(oks) - i64::from(takes)
        );
    });
}

#[test]
fn loom_bounded_a_release_wakes_a_sleeper() {
    Model::new(
        "the main thread took the one permit of a bounded semaphore and calls acquire() again; \
         another thread releases",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let sem = shared(BoundedSemaphore::new(1));
        sem.acquire();
        let releaser = { thread::spawn(move || sem.release()) };
        sem.acquire();
        let result = releaser.join().unwrap();
        assert!(
            result.is_ok() && sem.available() == 0,
            "the release was {result:?} and {} permits are left after the main thread took the \
             one released ({CHAPTER}#bounded-semaphores)",
            sem.available()
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
fn source_builds_the_semaphore_without_mutex_or_condvar() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/semaphore.rs");
    let text = std::fs::read_to_string(path).expect("src/semaphore.rs is readable");
    // Whole paths only: a name of your own is fine.
    let locks = [
        "sync::Mutex",
        "sync::MutexGuard",
        "sync::Condvar",
        "sync::RwLock",
        "parking_lot",
    ];
    let used: Vec<String> = loom_harness::forbidden_paths(&text, &locks)
        .into_iter()
        .map(|(line, name)| format!("src/semaphore.rs:{line}: {name}"))
        .collect();
    assert!(
        used.is_empty(),
        "the semaphore must be built on atomics and crate::sync::atomic_wait, not on a lock or \
         condition variable (the point is to build one):\n{}\n({CHAPTER}#exercise)",
        used.join("\n")
    );
}
