//! Exercise 09 graded suite, model-checked by loom: the same `src/*.rs`, compiled with
//! `crate::sync` bound to loom, in every interleaving of their threads within the bound.
//! Book: `book/src/part-3/condition-variables.md` and
//! `book/src/part-3/events-barriers-timers.md`.
//!
//! A thread that sleeps for ever shows as loom's "deadlock": that is how a lost wake-up is
//! found. Timed waits never time out in a model, so timers are checked here with a delay of
//! zero (the race between cancel and the timer) or of an hour (only a cancel can end it);
//! the delay itself is checked on real threads. With `sync_shim::testing::spurious_wakeups()`
//! on, every other wait of each model thread returns at once.
//!
//! Every promise of the stub's docs, and the tests that check it here and on real threads,
//! are listed in `tests/contracts/exercise-09.toml`.

sync_shim::include_under_loom!(mutex, condvar, event, barrier, timer);

use std::time::Duration;

use barrier::Barrier;
use condvar::Condvar;
use event::Event;
use loom_harness::{Explain, Model};
use mutex::Mutex;
use sync::atomic::{AtomicBool, Ordering};
use sync::thread;
// The models share their state through std's Arc, not loom's: when loom finds a deadlock
// (a lost wake-up), the stuck thread unwinds, and a loom Arc dropped while unwinding makes
// loom abort without a message. A model's threads are all joined, so nothing leaks.
use std::sync::Arc;
use timer::Timer;

const CONDVARS: &str = "book/src/part-3/condition-variables.md";
const CHAPTER: &str = "book/src/part-3/events-barriers-timers.md";

const EXPLAIN: Explain = Explain {
    book: "book/src/part-3/condition-variables.md#lost-wake-ups and \
           #why-the-wait-is-in-a-loop; book/src/part-3/events-barriers-timers.md",
    race: "two threads touched the value under the mutex at once: the provided Mutex is \
           correct, so a guard was used after its mutex was unlocked, or a wait returned a \
           guard without locking the mutex again.",
    spins_forever: "a thread looped for ever: a wait loop whose condition never changes, or \
           a wait that does not sleep.",
    deadlock: "a thread sleeps for ever, nobody left to wake it: a lost wake-up. In \
           Condvar::wait, read the notification counter while the mutex is still held, \
           then unlock, then sleep while the counter still holds what you read; every \
           notify must change the counter before it wakes; notify_all must wake every \
           sleeper (wake_all). A barrier that waits for a count instead of the round number \
           also sleeps for ever once a fast thread has started the next round; a timer that \
           a cancel does not notify sleeps out its whole delay, which never ends in a \
           model.",
    assertion: "a thread went on without its condition: after a spurious wake-up (a wait \
           under an `if` where a `while` belongs), or a cancel and a timer that both \
           claimed the win.",
};

// ---------------------------------------------------------------------------------------
// Condvar

#[test]
fn loom_condvar_a_notify_between_the_check_and_the_wait_is_not_lost() {
    Model::new(
        "a waiter checks a flag under the mutex and waits; another thread sets the flag \
         under the mutex and calls notify_one; the waiter always wakes",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let shared = Arc::new((Mutex::new(false), Condvar::new()));
        let theirs = Arc::clone(&shared);
        let notifier = thread::spawn(move || {
            let (mutex, condvar) = &*theirs;
            *mutex.lock() = true;
            condvar.notify_one();
        });
        let (mutex, condvar) = &*shared;
        let mut ready = mutex.lock();
        while !*ready {
            ready = condvar.wait(ready);
        }
        drop(ready);
        notifier.join().unwrap();
    });
}

#[test]
fn loom_condvar_notify_one_with_two_waiters_wakes_one_of_them_each_time() {
    Model::new(
        "two threads each wait for a token under the mutex; the main thread adds one token \
         and calls notify_one, twice; both waiters get a token",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let shared = Arc::new((Mutex::new(0_u32), Condvar::new()));
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let shared = Arc::clone(&shared);
                thread::spawn(move || {
                    let (mutex, condvar) = &*shared;
                    let mut tokens = condvar.wait_while(mutex.lock(), |tokens| *tokens == 0);
                    *tokens -= 1;
                })
            })
            .collect();
        let (mutex, condvar) = &*shared;
        for _ in 0..2 {
            *mutex.lock() += 1;
            condvar.notify_one();
        }
        for waiter in waiters {
            waiter.join().unwrap();
        }
        let left = *mutex.lock();
        assert_eq!(left, 0, "a token was not taken ({CONDVARS}#lost-wake-ups)");
    });
}

#[test]
fn loom_condvar_notify_all_wakes_both_waiters() {
    Model::new(
        "two threads wait for a flag under the mutex; the main thread sets it and calls \
         notify_all once; both waiters wake",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let shared = Arc::new((Mutex::new(false), Condvar::new()));
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let shared = Arc::clone(&shared);
                thread::spawn(move || {
                    let (mutex, condvar) = &*shared;
                    let _ready = condvar.wait_while(mutex.lock(), |ready| !*ready);
                })
            })
            .collect();
        let (mutex, condvar) = &*shared;
        *mutex.lock() = true;
        condvar.notify_all();
        for waiter in waiters {
            waiter.join().unwrap();
        }
    });
}

#[test]
fn loom_condvar_wait_while_keeps_waiting_through_spurious_wake_ups() {
    let _spurious = sync_shim::testing::spurious_wakeups();
    Model::new(
        "with spurious wake-ups, a thread in wait_while(flag is false) returns only after \
         the flag was set",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let shared = Arc::new((Mutex::new(false), Condvar::new()));
        let theirs = Arc::clone(&shared);
        let waiter = thread::spawn(move || {
            let (mutex, condvar) = &*theirs;
            let ready = condvar.wait_while(mutex.lock(), |ready| !*ready);
            *ready
        });
        let (mutex, condvar) = &*shared;
        *mutex.lock() = true;
        condvar.notify_one();
        let saw = waiter.join().unwrap();
        assert!(
            saw,
            "wait_while() returned while the flag was still false: after a spurious \
             wake-up, check again, in a `while` ({CONDVARS}#why-the-wait-is-in-a-loop)"
        );
    });
}

// ---------------------------------------------------------------------------------------
// Event

#[test]
fn loom_event_set_wakes_both_waiters() {
    Model::new("two threads call Event::wait; the main thread calls set(); both return")
        .explain(&EXPLAIN)
        .check(|| {
            let event = Arc::new(Event::new());
            let waiters: Vec<_> = (0..2)
                .map(|_| {
                    let event = Arc::clone(&event);
                    thread::spawn(move || event.wait())
                })
                .collect();
            event.set();
            for waiter in waiters {
                waiter.join().unwrap();
            }
        });
}

#[test]
fn loom_event_wait_keeps_waiting_through_spurious_wake_ups() {
    let _spurious = sync_shim::testing::spurious_wakeups();
    Model::new(
        "with spurious wake-ups, Event::wait returns only after set() (the main thread marks \
         a flag just before it calls set)",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let event = Arc::new(Event::new());
        let setting = Arc::new(AtomicBool::new(false));
        let (theirs, seen) = (Arc::clone(&event), Arc::clone(&setting));
        let waiter = thread::spawn(move || {
            theirs.wait();
            seen.load(Ordering::SeqCst)
        });
        setting.store(true, Ordering::SeqCst);
        event.set();
        let after_set = waiter.join().unwrap();
        assert!(
            after_set,
            "Event::wait() returned before set() was called: after a spurious wake-up, wait \
             again while the event is clear ({CONDVARS}#why-the-wait-is-in-a-loop, \
             {CHAPTER}#an-event)"
        );
    });
}

#[test]
fn loom_event_wait_timeout_returns_true_once_set() {
    Model::new(
        "a thread calls Event::wait_timeout(one hour); the main thread calls set(); the \
         waiter returns `true`",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let event = Arc::new(Event::new());
        let theirs = Arc::clone(&event);
        let waiter = thread::spawn(move || theirs.wait_timeout(Duration::from_secs(3600)));
        event.set();
        let set = waiter.join().unwrap();
        assert!(
            set,
            "wait_timeout() returned `false` after set() ({CHAPTER}#an-event)"
        );
    });
}

#[test]
fn loom_event_a_waiter_already_waiting_is_released_by_set_even_if_clear_follows() {
    Model::new(
        "a thread waits in Event::wait_timeout(one hour); once waiting() counts it, the main \
         thread calls set() and at once clear(); the waiter returns `true`",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let event = Arc::new(Event::new());
        let theirs = Arc::clone(&event);
        let waiter = thread::spawn(move || theirs.wait_timeout(Duration::from_secs(3600)));
        while event.waiting() == 0 {
            thread::yield_now();
        }
        event.set();
        event.clear();
        let released = waiter.join().unwrap();
        assert!(
            released,
            "a waiter released by set() returned `false` because clear() came before it \
             looked: return whether a set() came since the wait began, not only the flag \
             ({CHAPTER}#an-event)"
        );
    });
}

// ---------------------------------------------------------------------------------------
// Barrier

#[test]
fn loom_barrier_two_rounds_with_one_leader_each_and_no_thread_left_behind() {
    Model::new(
        "two threads pass a barrier of 2 twice; each round has one leader, and a thread that \
         leaves a round first and arrives for the next does not keep the other in the old one",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let barrier = Arc::new(Barrier::new(2));
        let theirs = Arc::clone(&barrier);
        let other = thread::spawn(move || {
            let first = theirs.wait().is_leader();
            let second = theirs.wait().is_leader();
            (first, second)
        });
        let first = barrier.wait().is_leader();
        let second = barrier.wait().is_leader();
        let (their_first, their_second) = other.join().unwrap();
        assert!(
            first != their_first && second != their_second,
            "each round of a barrier has exactly one leader, but round 1 had leaders \
             {first}/{their_first} and round 2 {second}/{their_second} \
             ({CHAPTER}#a-reusable-barrier)"
        );
    });
}

#[test]
fn loom_barrier_of_three_the_last_arrival_releases_both_waiters() {
    Model::new("two threads wait at a barrier of 3; the main thread arrives last; all leave")
        .explain(&EXPLAIN)
        .check(|| {
            let barrier = Arc::new(Barrier::new(3));
            let waiters: Vec<_> = (0..2)
                .map(|_| {
                    let barrier = Arc::clone(&barrier);
                    thread::spawn(move || {
                        barrier.wait();
                    })
                })
                .collect();
            barrier.wait();
            for waiter in waiters {
                waiter.join().unwrap();
            }
        });
}

#[test]
fn loom_barrier_wait_keeps_waiting_through_spurious_wake_ups() {
    let _spurious = sync_shim::testing::spurious_wakeups();
    Model::new(
        "with spurious wake-ups, a thread at a barrier of 2 leaves only after the main thread \
         arrives (it marks a flag just before)",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let barrier = Arc::new(Barrier::new(2));
        let arriving = Arc::new(AtomicBool::new(false));
        let (theirs, seen) = (Arc::clone(&barrier), Arc::clone(&arriving));
        let waiter = thread::spawn(move || {
            theirs.wait();
            seen.load(Ordering::SeqCst)
        });
        arriving.store(true, Ordering::SeqCst);
        barrier.wait();
        let after = waiter.join().unwrap();
        assert!(
            after,
            "a thread left Barrier::wait() before the second party arrived: after a \
             spurious wake-up, wait again while the round is not over \
             ({CONDVARS}#why-the-wait-is-in-a-loop, {CHAPTER}#a-reusable-barrier)"
        );
    });
}

// ---------------------------------------------------------------------------------------
// Timer

#[test]
fn loom_timer_cancel_races_a_due_timer_and_exactly_one_wins() {
    Model::new(
        "a timer of zero delay races cancel(): either cancel returns true and the function \
         never runs, or it returns false and the function runs",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let ran = Arc::new(AtomicBool::new(false));
        let theirs = Arc::clone(&ran);
        let timer = Timer::start(Duration::ZERO, move || theirs.store(true, Ordering::SeqCst));
        let cancelled = timer.cancel();
        let joined = timer.join();
        let ran = ran.load(Ordering::SeqCst);
        assert!(
            cancelled != ran && joined == ran,
            "cancel() returned {cancelled}, the function ran: {ran}, join() said {joined}: \
             exactly one of cancel and the timer may win. Decide under the mutex, in one \
             step, whether the timer fires, and let cancel read that decision \
             ({CHAPTER}#cancel-races-the-timer)"
        );
    });
}

#[test]
fn loom_timer_cancel_wakes_the_waiting_timer_thread() {
    Model::new(
        "cancel() of a timer of one hour returns true, and join() returns at once: the \
         cancel woke the timer's thread",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let timer = Timer::start(Duration::from_secs(3600), || {});
        let cancelled = timer.cancel();
        let ran = timer.join();
        assert!(
            cancelled && !ran,
            "a timer of one hour, cancelled at once: cancel said {cancelled}, join said \
             {ran} ({CHAPTER}#a-cancellable-timer)"
        );
    });
}

#[test]
fn loom_timer_does_not_fire_early_after_a_spurious_wake_up() {
    let _spurious = sync_shim::testing::spurious_wakeups();
    Model::new("with spurious wake-ups, a timer of one hour never fires before cancel() stops it")
        .explain(&EXPLAIN)
        .check(|| {
            let ran = Arc::new(AtomicBool::new(false));
            let theirs = Arc::clone(&ran);
            let timer = Timer::start(Duration::from_secs(3600), move || {
                theirs.store(true, Ordering::SeqCst);
            });
            let cancelled = timer.cancel();
            timer.join();
            let ran = ran.load(Ordering::SeqCst);
            assert!(
                cancelled && !ran,
                "a timer of one hour ran its function (cancel said {cancelled}): its thread woke \
             spuriously and fired. Wait again while the delay has not passed and nobody \
             cancelled, in a `while` (or wait_timeout_while) \
             ({CONDVARS}#why-the-wait-is-in-a-loop, {CHAPTER}#a-cancellable-timer)"
            );
        });
}

#[test]
fn source_reaches_atomics_through_crate_sync() {
    if let Err(problems) = loom_harness::check_sources(env!("CARGO_MANIFEST_DIR")) {
        panic!("{problems}");
    }
}
