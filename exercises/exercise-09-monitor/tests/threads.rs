//! Exercise 09 graded suite, on real threads. Book: `book/src/part-3/condition-variables.md`
//! and `book/src/part-3/events-barriers-timers.md`.
//!
//! Every promise of the stub's docs, and the tests that check it here and under loom, are
//! listed in `tests/contracts/exercise-09.toml`. Test names start with the part they grade:
//! `condvar_`, `event_`, `barrier_`, `timer_`.
//!
//! Nothing here measures speed. Time appears only as lower bounds (a timeout may not end
//! early, a timer may not fire early) and as deadlines that turn a hang into a message.
//! `sync_shim::testing::spurious_wakeups()` makes every other wait of the calling thread
//! return at once: code that waits under an `if` where a `while` belongs then goes on
//! without its condition, every time.

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use sync_shim::testing;

sync_shim::library_under_std!(monitor);

use monitor::{Barrier, BarrierWaitResult, Condvar, Event, Mutex, Timer};

const CONDVARS: &str = "book/src/part-3/condition-variables.md";
const CHAPTER: &str = "book/src/part-3/events-barriers-timers.md";

/// How long a test lets a thread run to see whether it returns when it must not.
const PATIENCE: Duration = Duration::from_millis(300);

/// Runs `body` on its own thread; `Ok(result)` if it returned within `PATIENCE`, `Err` with
/// the receiver (to collect the result later) if it was still blocked then.
fn returns_within_patience<R: Send + 'static>(
    body: impl FnOnce() -> R + Send + 'static,
) -> Result<R, mpsc::Receiver<R>> {
    let (done, result) = mpsc::channel();
    thread::spawn(move || {
        let _ = done.send(body());
    });
    match result.recv_timeout(PATIENCE) {
        Ok(value) => Ok(value),
        Err(_) => Err(result),
    }
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    deadline::panic_text(payload)
}

// ---------------------------------------------------------------------------------------
// Condvar

#[test]
fn condvar_wait_returns_after_notify_one_with_the_mutex_held_again() {
    deadline::within_secs(10, "Condvar::wait in a waiter, after notify_one", || {
        let shared = Arc::new((Mutex::new((false, 0_usize)), Condvar::new()));
        let theirs = Arc::clone(&shared);
        let waiter = thread::spawn(move || {
            let (mutex, condvar) = &*theirs;
            let mut state = mutex.lock();
            state.1 += 1;
            let waits_before = testing::wait_calls();
            while !state.0 {
                state = condvar.wait(state);
            }
            // Changing the value proves the guard is usable: the mutex is held again.
            state.1 += 10;
            testing::wait_calls() - waits_before
        });
        let (mutex, condvar) = &*shared;
        while mutex.lock().1 == 0 {
            thread::sleep(Duration::from_millis(1));
        }
        // Let the waiter sleep for a while: a waiter that polls would wait many times.
        thread::sleep(Duration::from_millis(100));
        mutex.lock().0 = true;
        condvar.notify_one();
        let waits = waiter.join().expect("the waiter panicked");
        assert_eq!(
            mutex.lock().1,
            11,
            "the waiter's change after wait() returned is missing: wait() must return a \
             guard of the same mutex, locked again ({CONDVARS}#building-a-condition-variable)"
        );
        assert!(
            waits >= 1,
            "the waiter never slept in atomic_wait::wait while it waited for 100 ms: wait() \
             must sleep on the notification counter, not spin \
             ({CONDVARS}#building-a-condition-variable)"
        );
        assert!(
            waits <= 10,
            "the waiter called atomic_wait {waits} times while it waited once for about \
             100 ms: wait() should sleep until notified, not poll with short timeouts \
             ({CONDVARS}#building-a-condition-variable)"
        );
    });
}

#[test]
fn condvar_notify_one_and_notify_all_with_nobody_waiting_are_not_remembered() {
    deadline::within_secs(10, "Condvar::wait_timeout after a notify", || {
        let mutex = Mutex::new(());
        let condvar = Condvar::new();
        condvar.notify_one();
        condvar.notify_all();
        let start = Instant::now();
        let (_guard, timed_out) = condvar.wait_timeout(mutex.lock(), Duration::from_millis(50));
        let waited = start.elapsed();
        assert!(
            timed_out && waited >= Duration::from_millis(50),
            "a wait that began after notify_one() and notify_all() ended after {waited:?} \
             (timed out: {timed_out}): a notification wakes only the threads waiting at the \
             time, it is not kept for later waiters, as a semaphore's permit would be \
             ({CONDVARS}#building-a-condition-variable)"
        );
    });
}

#[test]
fn condvar_notify_all_wakes_every_waiter() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(10, "three waiters after one notify_all()", || {
        let shared = Arc::new((Mutex::new((false, 0_usize)), Condvar::new()));
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let shared = Arc::clone(&shared);
                thread::spawn(move || {
                    let (mutex, condvar) = &*shared;
                    let mut state = mutex.lock();
                    state.1 += 1;
                    while !state.0 {
                        state = condvar.wait(state);
                    }
                })
            })
            .collect();
        let (mutex, condvar) = &*shared;
        // Each waiter counts itself under the mutex right before it waits.
        while mutex.lock().1 < 3 {
            thread::sleep(Duration::from_millis(1));
        }
        thread::sleep(Duration::from_millis(20));
        mutex.lock().0 = true;
        condvar.notify_all();
        for waiter in waiters {
            waiter.join().expect("a waiter panicked");
        }
    });
}

#[test]
fn condvar_wait_while_keeps_waiting_through_spurious_wake_ups() {
    deadline::within_secs(10, "Condvar::wait_while until the flag is set", || {
        let shared = Arc::new((Mutex::new((false, 0_usize)), Condvar::new()));
        let theirs = Arc::clone(&shared);
        let waiter = thread::spawn(move || {
            let (mutex, condvar) = &*theirs;
            let _spurious = testing::spurious_wakeups();
            let mut state = mutex.lock();
            state.1 += 1;
            let state = condvar.wait_while(state, |state| !state.0);
            state.0
        });
        let (mutex, condvar) = &*shared;
        while mutex.lock().1 == 0 {
            thread::sleep(Duration::from_millis(1));
        }
        thread::sleep(Duration::from_millis(50));
        mutex.lock().0 = true;
        condvar.notify_one();
        let saw = waiter.join().expect("the waiter panicked");
        assert!(
            saw,
            "wait_while() returned while its condition still held (the flag was still false): \
             a wait may end with no notification at all, a spurious wake-up, so check the \
             condition again after every wait, in a `while`, not an `if` \
             ({CONDVARS}#why-the-wait-is-in-a-loop)"
        );
    });
}

#[test]
fn condvar_wait_while_returns_at_once_when_the_condition_is_already_false() {
    deadline::within_secs(5, "Condvar::wait_while with a false condition", || {
        let mutex = Mutex::new(7);
        let condvar = Condvar::new();
        let mut calls = 0;
        let guard = condvar.wait_while(mutex.lock(), |value| {
            calls += 1;
            *value != 7
        });
        assert_eq!(*guard, 7);
        assert_eq!(
            calls, 1,
            "wait_while() must ask the condition once and return at once when it is already \
             false ({CONDVARS}#why-the-wait-is-in-a-loop)"
        );
    });
}

#[test]
fn condvar_wait_timeout_times_out_when_nobody_notifies() {
    deadline::within_secs(10, "Condvar::wait_timeout(50 ms) with no notify", || {
        let mutex = Mutex::new(1);
        let condvar = Condvar::new();
        let start = Instant::now();
        let (mut guard, timed_out) = condvar.wait_timeout(mutex.lock(), Duration::from_millis(50));
        let waited = start.elapsed();
        *guard += 1;
        assert!(
            timed_out,
            "wait_timeout(50 ms) with nobody notifying returned `false` after {waited:?}: it \
             must say `true` when the whole timeout has passed \
             ({CONDVARS}#building-a-condition-variable)"
        );
        assert!(
            waited >= Duration::from_millis(50),
            "wait_timeout(50 ms) said it timed out after only {waited:?} \
             ({CONDVARS}#building-a-condition-variable)"
        );
        drop(guard);
        assert_eq!(*mutex.lock(), 2);
    });
}

#[test]
fn condvar_wait_timeout_reports_no_timeout_when_notified() {
    deadline::within_secs(
        10,
        "Condvar::wait_timeout(20 s) woken by notify_one",
        || {
            let shared = Arc::new((Mutex::new(false), Condvar::new()));
            let theirs = Arc::clone(&shared);
            let waiter = thread::spawn(move || {
                let (mutex, condvar) = &*theirs;
                let mut asleep = mutex.lock();
                *asleep = true;
                let (_guard, timed_out) = condvar.wait_timeout(asleep, Duration::from_secs(20));
                timed_out
            });
            let (mutex, condvar) = &*shared;
            while !*mutex.lock() {
                thread::sleep(Duration::from_millis(1));
            }
            condvar.notify_one();
            let timed_out = waiter.join().expect("the waiter panicked");
            assert!(
                !timed_out,
                "wait_timeout(20 s) woken by notify_one() at once said it timed out: `true` \
             means the whole timeout passed ({CONDVARS}#building-a-condition-variable)"
            );
        },
    );
}

#[test]
fn condvar_wait_timeout_while_gives_up_after_the_whole_timeout_despite_spurious_wake_ups() {
    deadline::within_secs(
        10,
        "Condvar::wait_timeout_while(100 ms) with no notify",
        || {
            let _spurious = testing::spurious_wakeups();
            let mutex = Mutex::new(false);
            let condvar = Condvar::new();
            let start = Instant::now();
            let (guard, timed_out) =
                condvar.wait_timeout_while(mutex.lock(), Duration::from_millis(100), |set| !*set);
            let waited = start.elapsed();
            assert!(!*guard);
            assert!(
                waited >= Duration::from_millis(100),
                "wait_timeout_while(100 ms) returned after {waited:?}, with its condition still \
             true: after a spurious wake-up, check the condition and the clock again and wait \
             for the time that is left ({CONDVARS}#why-the-wait-is-in-a-loop)"
            );
            assert!(
                timed_out,
                "wait_timeout_while() gave up because the time ran out, with the condition still \
             true, but said `false` ({CONDVARS}#building-a-condition-variable)"
            );
        },
    );
}

#[test]
fn condvar_wait_timeout_while_returns_when_the_condition_turns_false() {
    deadline::within_secs(
        10,
        "Condvar::wait_timeout_while(20 s) until the flag is set",
        || {
            let shared = Arc::new((Mutex::new((false, false)), Condvar::new()));
            let theirs = Arc::clone(&shared);
            let waiter = thread::spawn(move || {
                let (mutex, condvar) = &*theirs;
                let _spurious = testing::spurious_wakeups();
                let mut state = mutex.lock();
                state.1 = true;
                let (state, timed_out) =
                    condvar.wait_timeout_while(state, Duration::from_secs(20), |state| !state.0);
                (state.0, timed_out)
            });
            let (mutex, condvar) = &*shared;
            while !mutex.lock().1 {
                thread::sleep(Duration::from_millis(1));
            }
            thread::sleep(Duration::from_millis(20));
            mutex.lock().0 = true;
            condvar.notify_all();
            let (saw, timed_out) = waiter.join().expect("the waiter panicked");
            assert!(
                saw && !timed_out,
                "wait_timeout_while(20 s) returned with the flag {saw} and timed out {timed_out}: \
             it must return once the condition is false, saying `false` (no timeout), and \
             never earlier ({CONDVARS}#why-the-wait-is-in-a-loop)"
            );
        },
    );
}

#[test]
fn condvar_wait_timeout_while_with_a_timeout_too_long_for_the_clock_waits_for_notify() {
    deadline::within_secs(10, "Condvar::wait_timeout_while(Duration::MAX)", || {
        let shared = Arc::new((Mutex::new((false, false)), Condvar::new()));
        let theirs = Arc::clone(&shared);
        let waiter = thread::spawn(move || {
            let (mutex, condvar) = &*theirs;
            let mut state = mutex.lock();
            state.1 = true;
            let (state, timed_out) =
                condvar.wait_timeout_while(state, Duration::MAX, |state| !state.0);
            (state.0, timed_out)
        });
        let (mutex, condvar) = &*shared;
        while !mutex.lock().1 {
            thread::sleep(Duration::from_millis(1));
        }
        mutex.lock().0 = true;
        condvar.notify_one();
        match waiter.join() {
            Ok((saw, timed_out)) => assert!(
                saw && !timed_out,
                "wait_timeout_while(Duration::MAX) returned with the flag {saw}, timed out \
                 {timed_out} ({CONDVARS}#building-a-condition-variable)"
            ),
            Err(payload) => panic!(
                "wait_timeout_while(Duration::MAX) panicked: {}. `Instant::now() + timeout` \
                 overflows for a timeout that long: use checked_add, and wait without a \
                 limit when it gives None ({CONDVARS}#building-a-condition-variable)",
                panic_text(payload.as_ref())
            ),
        }
    });
}

#[test]
fn condvar_wait_timeout_cut_short_by_a_spurious_wake_up_does_not_report_a_timeout() {
    deadline::within_secs(
        10,
        "Condvar::wait_timeout(200 ms) with spurious wake-ups",
        || {
            // The first wait of this thread returns at once, with no notify and no timeout.
            let _spurious = testing::spurious_wakeups();
            let mutex = Mutex::new(());
            let condvar = Condvar::new();
            let start = Instant::now();
            let (_guard, timed_out) =
                condvar.wait_timeout(mutex.lock(), Duration::from_millis(200));
            let waited = start.elapsed();
            assert!(
                !timed_out || waited >= Duration::from_millis(200),
                "wait_timeout(200 ms) said `true` (timed out) after only {waited:?}: its sleep \
                 ended early (a spurious wake-up, which this test causes), and `true` means the \
                 whole timeout has passed. A counter that has not moved does not mean the time \
                 is up: ask the clock ({CONDVARS}#building-a-condition-variable)"
            );
        },
    );
}

#[test]
fn condvar_wait_timeout_while_gives_up_on_time_though_notified_again_and_again() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(
        20,
        "Condvar::wait_timeout_while(200 ms) while another thread notifies every 5 ms for up \
         to 8 s (does each wake-up give the wait the whole timeout again?)",
        || {
            let shared = Arc::new((Mutex::new(false), Condvar::new()));
            let stop = Arc::new(AtomicBool::new(false));
            let (theirs, stopped) = (Arc::clone(&shared), Arc::clone(&stop));
            let notifier = thread::spawn(move || {
                let start = Instant::now();
                while !stopped.load(Ordering::SeqCst) && start.elapsed() < Duration::from_secs(8) {
                    theirs.1.notify_all();
                    thread::sleep(Duration::from_millis(5));
                }
            });
            let (mutex, condvar) = &*shared;
            let start = Instant::now();
            let (_guard, timed_out) =
                condvar.wait_timeout_while(mutex.lock(), Duration::from_millis(200), |set| !*set);
            let waited = start.elapsed();
            stop.store(true, Ordering::SeqCst);
            notifier.join().expect("the notifying thread panicked");
            assert!(
                timed_out && waited < Duration::from_secs(5),
                "wait_timeout_while(200 ms), notified every 5 ms with its condition still true, \
                 returned after {waited:?} (timed out: {timed_out}): the timeout is for the \
                 whole call. Compute a deadline once and wait for the time that is left, not \
                 the whole timeout again after every wake-up ({CONDVARS}#why-the-wait-is-in-a-loop)"
            );
        },
    );
}

#[test]
fn condvar_wait_timeout_while_asks_the_condition_again_before_reporting_a_timeout() {
    deadline::within_secs(
        10,
        "Condvar::wait_timeout_while(50 ms) whose condition turns false as the time runs out",
        || {
            let mutex = Mutex::new(());
            let condvar = Condvar::new();
            let start = Instant::now();
            let mut calls = 0;
            // True (keep waiting) until 50 ms have passed: by the time the wait has timed
            // out, the condition is false, as if another thread had changed the value just
            // before the waiter got the mutex back.
            let (_guard, timed_out) =
                condvar.wait_timeout_while(mutex.lock(), Duration::from_millis(50), |_| {
                    calls += 1;
                    start.elapsed() < Duration::from_millis(50)
                });
            assert!(
                !timed_out,
                "wait_timeout_while(50 ms) returned `true` (gave up) after asking its condition \
                 {calls} time(s), though the condition was false by the time its wait timed \
                 out: `true` means the time ran out while the condition still held. After every \
                 wait, ask the condition first, then the clock ({CONDVARS}#why-the-wait-is-in-a-loop)"
            );
        },
    );
}

#[test]
fn condvar_is_send_and_sync() {
    deadline::within_secs(5, "notify_one() from another thread", || {
        let shared = Arc::new((Mutex::new(()), Condvar::default()));
        let theirs = Arc::clone(&shared);
        thread::spawn(move || theirs.1.notify_one()).join().unwrap();
    });
    assert!(
        auto_traits::is_send!(Condvar) && auto_traits::is_sync!(Condvar),
        "Condvar must be Send and Sync: it is shared by the waiters and the notifiers \
         ({CONDVARS}#building-a-condition-variable)"
    );
}

// ---------------------------------------------------------------------------------------
// Event

#[test]
fn event_starts_cleared_and_set_and_clear_change_is_set() {
    deadline::within_secs(5, "Event::set, clear and is_set", || {
        let event = Event::new();
        assert!(
            !event.is_set(),
            "a new Event must be cleared ({CHAPTER}#an-event)"
        );
        event.set();
        assert!(
            event.is_set(),
            "is_set() after set() said false ({CHAPTER}#an-event)"
        );
        event.set();
        assert!(
            event.is_set(),
            "a second set() cleared the event ({CHAPTER}#an-event)"
        );
        event.clear();
        assert!(
            !event.is_set(),
            "is_set() after clear() said true ({CHAPTER}#an-event)"
        );
        event.clear();
        assert!(
            !event.is_set(),
            "clearing a cleared event set it ({CHAPTER}#an-event)"
        );
        assert!(
            !Event::default().is_set(),
            "Event::default() must be cleared, as Event::new() ({CHAPTER}#an-event)"
        );
    });
}

#[test]
fn event_wait_returns_at_once_while_the_event_is_set() {
    deadline::within_secs(5, "Event::wait and wait_timeout on a set event", || {
        let event = Event::new();
        event.set();
        event.wait();
        assert!(
            event.wait_timeout(Duration::from_secs(20)),
            "wait_timeout() on a set event must return `true` at once ({CHAPTER}#an-event)"
        );
        assert!(
            event.is_set(),
            "wait() must not clear the event ({CHAPTER}#an-event)"
        );
    });
}

#[test]
fn event_wait_blocks_until_set() {
    deadline::within_secs(10, "Event::wait in a waiter, after set()", || {
        let event = Arc::new(Event::new());
        let theirs = Arc::clone(&event);
        let early = returns_within_patience(move || theirs.wait());
        let Err(returned) = early else {
            panic!(
                "Event::wait() returned though nobody had called set(): it must block while \
                 the event is cleared ({CHAPTER}#an-event)"
            );
        };
        event.set();
        returned
            .recv()
            .expect("the waiting thread panicked after set()");
    });
}

#[test]
fn event_wait_keeps_waiting_through_spurious_wake_ups() {
    deadline::within_secs(
        10,
        "Event::wait with spurious wake-ups, after set()",
        || {
            let event = Arc::new(Event::new());
            let theirs = Arc::clone(&event);
            let early = returns_within_patience(move || {
                let _spurious = testing::spurious_wakeups();
                theirs.wait();
            });
            let Err(returned) = early else {
                panic!(
                    "Event::wait() returned though nobody had called set(), after a spurious \
                 wake-up: the condition variable may wake a waiter for nothing, so wait \
                 again while the flag is still clear, in a `while` (or wait_while), not an \
                 `if` ({CONDVARS}#why-the-wait-is-in-a-loop, {CHAPTER}#an-event)"
                );
            };
            event.set();
            returned
                .recv()
                .expect("the waiting thread panicked after set()");
        },
    );
}

#[test]
fn event_wait_timeout_returns_false_after_the_whole_timeout() {
    deadline::within_secs(10, "Event::wait_timeout(100 ms) on a cleared event", || {
        let _spurious = testing::spurious_wakeups();
        let event = Event::new();
        let start = Instant::now();
        let set = event.wait_timeout(Duration::from_millis(100));
        let waited = start.elapsed();
        assert!(
            !set,
            "wait_timeout() on an event nobody set returned `true` ({CHAPTER}#an-event)"
        );
        assert!(
            waited >= Duration::from_millis(100),
            "wait_timeout(100 ms) on an event nobody set returned after {waited:?}: after a \
             spurious wake-up, wait again for the time that is left \
             ({CONDVARS}#why-the-wait-is-in-a-loop)"
        );
    });
}

#[test]
fn event_wait_timeout_returns_true_when_set_meanwhile() {
    deadline::within_secs(10, "Event::wait_timeout(20 s), then set()", || {
        let event = Arc::new(Event::new());
        let theirs = Arc::clone(&event);
        let waiter = thread::spawn(move || theirs.wait_timeout(Duration::from_secs(20)));
        thread::sleep(Duration::from_millis(20));
        event.set();
        let set = waiter.join().expect("the waiter panicked");
        assert!(
            set,
            "wait_timeout(20 s) returned `false` though set() came while it waited \
             ({CHAPTER}#an-event)"
        );
    });
}

#[test]
fn event_set_wakes_every_waiter() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(10, "three Event::wait() after one set()", || {
        let event = Arc::new(Event::new());
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let event = Arc::clone(&event);
                thread::spawn(move || event.wait())
            })
            .collect();
        thread::sleep(Duration::from_millis(50));
        event.set();
        for waiter in waiters {
            waiter.join().expect("a waiter panicked");
        }
    });
}

#[test]
fn event_waiting_counts_the_threads_inside_wait() {
    deadline::within_secs(
        15,
        "the two waiters of an Event (one in wait(), one in wait_timeout(20 s)) to return after \
         set() (does set() wake every waiter?)",
        || {
            let event = Arc::new(Event::new());
            assert_eq!(
                event.waiting(),
                0,
                "a new Event says threads are waiting ({CHAPTER}#an-event)"
            );
            let waiters: Vec<_> = (0..2)
                .map(|i| {
                    let event = Arc::clone(&event);
                    thread::spawn(move || {
                        if i == 0 {
                            event.wait();
                        } else {
                            event.wait_timeout(Duration::from_secs(20));
                        }
                    })
                })
                .collect();
            let start = Instant::now();
            while event.waiting() < 2 {
                let seen = event.waiting();
                assert!(
                    start.elapsed() < Duration::from_secs(5),
                    "waiting() said {seen} for 5 s while one thread was in wait() and one in \
                     wait_timeout(20 s) of an event nobody set: count each thread (under the \
                     mutex) once it has looked at the event, in both kinds of wait \
                     ({CHAPTER}#an-event)"
                );
                thread::sleep(Duration::from_millis(1));
            }
            event.set();
            for waiter in waiters {
                waiter.join().expect("a waiter panicked");
            }
            assert_eq!(
                event.waiting(),
                0,
                "waiting() must drop back to 0 once the waiters have returned \
                 ({CHAPTER}#an-event)"
            );
        },
    );
}

#[test]
fn event_waiting_drops_back_to_zero_after_a_timed_out_or_an_immediate_wait() {
    deadline::within_secs(
        10,
        "Event::wait_timeout(20 ms) of an event nobody sets, then wait() and wait_timeout() \
         of a set event",
        || {
            let event = Event::new();
            let set = event.wait_timeout(Duration::from_millis(20));
            assert!(
                !set,
                "wait_timeout(20 ms) of an event nobody set returned `true` ({CHAPTER}#an-event)"
            );
            assert_eq!(
                event.waiting(),
                0,
                "waiting() still counts a wait_timeout() that timed out and returned: take the \
                 thread off the count on every way out of the wait ({CHAPTER}#an-event)"
            );
            event.set();
            event.wait();
            assert_eq!(
                event.waiting(),
                0,
                "waiting() still counts a wait() that returned at once on a set event: take the \
                 thread off the count on every way out of the wait, or count it only once it \
                 is going to block ({CHAPTER}#an-event)"
            );
            assert!(event.wait_timeout(Duration::from_millis(20)));
            assert_eq!(
                event.waiting(),
                0,
                "waiting() still counts a wait_timeout() that returned at once on a set event: \
                 take the thread off the count on every way out of the wait ({CHAPTER}#an-event)"
            );
        },
    );
}

#[test]
fn event_a_waiter_already_waiting_is_released_by_set_even_if_clear_follows_at_once() {
    deadline::within_secs(10, "Event::wait_timeout after set() then clear()", || {
        let event = Arc::new(Event::new());
        let theirs = Arc::clone(&event);
        let waiter = thread::spawn(move || theirs.wait_timeout(Duration::from_secs(2)));
        while event.waiting() == 0 {
            thread::sleep(Duration::from_millis(1));
        }
        event.set();
        event.clear();
        let released = waiter.join().expect("the waiter panicked");
        assert!(
            released,
            "a thread waiting in Event::wait_timeout(2 s) was not released by set() when \
             clear() followed at once: as in Python, a set() releases every thread waiting \
             at that moment. Waiting while the flag is clear is not enough: by the time the \
             woken thread has the mutex again, clear() may have run. Count the set() calls \
             and stop waiting when the count moves ({CHAPTER}#an-event)"
        );
    });
}

#[test]
fn event_is_send_and_sync() {
    deadline::within_secs(5, "Event::set() from another thread", || {
        let event = Arc::new(Event::new());
        let theirs = Arc::clone(&event);
        thread::spawn(move || theirs.set()).join().unwrap();
        assert!(
            event.is_set(),
            "set() in another thread did not set the event ({CHAPTER}#an-event)"
        );
    });
    assert!(
        auto_traits::is_send!(Event) && auto_traits::is_sync!(Event),
        "Event must be Send and Sync: threads share it through an Arc ({CHAPTER}#an-event)"
    );
}

// ---------------------------------------------------------------------------------------
// Barrier

#[test]
fn barrier_releases_nobody_until_the_last_party_arrives() {
    deadline::within_secs(10, "Barrier::wait with three parties", || {
        let barrier = Arc::new(Barrier::new(3));
        let left = Arc::new(AtomicUsize::new(0));
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let (barrier, left) = (Arc::clone(&barrier), Arc::clone(&left));
                thread::spawn(move || {
                    let result = barrier.wait();
                    left.fetch_add(1, Ordering::SeqCst);
                    result
                })
            })
            .collect();
        thread::sleep(PATIENCE);
        let gone = left.load(Ordering::SeqCst);
        assert!(
            gone == 0,
            "{gone} of two threads left Barrier::wait() of a barrier of 3 before the third \
             arrived ({CHAPTER}#a-reusable-barrier)"
        );
        let mine = barrier.wait();
        let theirs: Vec<BarrierWaitResult> = waiters
            .into_iter()
            .map(|w| w.join().expect("a waiter panicked"))
            .collect();
        assert!(
            mine.is_leader() && theirs.iter().all(|r| !r.is_leader()),
            "the last thread to arrive must be the leader, and only it: the last got {}, the \
             others {:?} ({CHAPTER}#a-reusable-barrier)",
            mine.is_leader(),
            theirs
                .iter()
                .map(BarrierWaitResult::is_leader)
                .collect::<Vec<_>>()
        );
    });
}

#[test]
fn barrier_wait_keeps_waiting_through_spurious_wake_ups() {
    deadline::within_secs(10, "Barrier::wait with spurious wake-ups", || {
        let barrier = Arc::new(Barrier::new(2));
        let theirs = Arc::clone(&barrier);
        let early = returns_within_patience(move || {
            let _spurious = testing::spurious_wakeups();
            theirs.wait();
        });
        let Err(returned) = early else {
            panic!(
                "Barrier::wait() returned before the second party arrived, after a spurious \
                 wake-up: wait again while this round is not over, in a `while` (or \
                 wait_while), not an `if` ({CONDVARS}#why-the-wait-is-in-a-loop, \
                 {CHAPTER}#a-reusable-barrier)"
            );
        };
        barrier.wait();
        returned.recv().expect("the waiting thread panicked");
    });
}

#[test]
fn barrier_of_one_party_never_blocks_and_always_leads() {
    deadline::within_secs(5, "Barrier::wait with one party", || {
        let barrier = Barrier::new(1);
        for round in 0..3 {
            assert!(
                barrier.wait().is_leader(),
                "round {round}: the only party of a barrier of 1 is the last to arrive, so \
                 it leads ({CHAPTER}#a-reusable-barrier)"
            );
        }
    });
}

#[test]
fn barrier_new_panics_with_zero_parties() {
    deadline::within_secs(5, "Barrier::wait with one party", || {
        Barrier::new(1).wait();
    });
    let outcome = panic::catch_unwind(|| Barrier::new(0));
    assert!(
        outcome.is_err(),
        "Barrier::new(0) must panic: no round of a barrier of 0 could ever be complete \
         ({CHAPTER}#a-reusable-barrier)"
    );
}

#[test]
fn barrier_is_reusable_with_one_leader_per_round_and_no_thread_a_round_ahead() {
    let _heavy = deadline::one_at_a_time();
    const THREADS: usize = 3;
    const ROUNDS: usize = 300;
    deadline::within_secs(20, "3 threads passing one barrier 300 times", || {
        let barrier = Arc::new(Barrier::new(THREADS));
        let arrivals: Arc<Vec<AtomicUsize>> =
            Arc::new((0..THREADS).map(|_| AtomicUsize::new(0)).collect());
        let leaders: Arc<Vec<AtomicUsize>> =
            Arc::new((0..ROUNDS).map(|_| AtomicUsize::new(0)).collect());
        let shared = (barrier, Arc::clone(&arrivals), Arc::clone(&leaders));
        deadline::workers(
            THREADS,
            "3 threads passing one barrier 300 times",
            move |me| {
                let (barrier, arrivals, _) = &shared;
                for round in 0..ROUNDS {
                    arrivals[me].fetch_add(1, Ordering::SeqCst);
                    let result = barrier.wait();
                    for (other, count) in arrivals.iter().enumerate() {
                        let seen = count.load(Ordering::SeqCst);
                        assert!(
                            seen > round,
                            "thread {me} left round {round} of the barrier before thread {other} \
                         had arrived in it (it had arrived {seen} times): a thread got \
                         through a round that was not complete ({CHAPTER}#a-reusable-barrier)"
                        );
                    }
                    if result.is_leader() {
                        shared.2[round].fetch_add(1, Ordering::SeqCst);
                    }
                }
            },
        );
        for (round, count) in leaders.iter().enumerate() {
            let count = count.load(Ordering::SeqCst);
            assert!(
                count == 1,
                "round {round} of the barrier had {count} leaders: exactly one thread of \
                 each round, the last to arrive, must be told it leads \
                 ({CHAPTER}#a-reusable-barrier)"
            );
        }
    });
}

#[test]
fn barrier_is_send_and_sync() {
    deadline::within_secs(
        5,
        "Barrier::wait() of a barrier of 1 in another thread",
        || {
            let barrier = Arc::new(Barrier::new(1));
            let theirs = Arc::clone(&barrier);
            thread::spawn(move || theirs.wait()).join().unwrap();
        },
    );
    assert!(
        auto_traits::is_send!(Barrier) && auto_traits::is_sync!(Barrier),
        "Barrier must be Send and Sync: threads share it through an Arc \
         ({CHAPTER}#a-reusable-barrier)"
    );
}

// ---------------------------------------------------------------------------------------
// Timer

#[test]
fn timer_runs_the_function_after_the_delay() {
    deadline::within_secs(10, "Timer::join of a timer of 100 ms", || {
        let start = Instant::now();
        let (sent, fired) = mpsc::channel();
        let timer = Timer::start(Duration::from_millis(100), move || {
            sent.send(Instant::now()).unwrap();
        });
        let ran = timer.join();
        let at = fired.try_recv().ok();
        assert!(
            ran && at.is_some(),
            "Timer::join() returned {ran}, and the function ran: {}: with no cancel, the \
             function must run, and join must say so ({CHAPTER}#a-cancellable-timer)",
            at.is_some()
        );
        let after = at.unwrap().duration_since(start);
        assert!(
            after >= Duration::from_millis(100),
            "a timer of 100 ms ran its function after {after:?}: never before the delay \
             ({CHAPTER}#a-cancellable-timer)"
        );
    });
}

#[test]
fn timer_cancel_in_time_stops_it_and_ends_its_thread_at_once() {
    deadline::within_secs(
        10,
        "Timer::join after cancel() of a timer of one hour (cancel must wake the timer's thread)",
        || {
            let ran = Arc::new(AtomicBool::new(false));
            let theirs = Arc::clone(&ran);
            let timer = Timer::start(Duration::from_secs(3600), move || {
                theirs.store(true, Ordering::SeqCst);
            });
            thread::sleep(Duration::from_millis(20));
            assert!(
                timer.cancel(),
                "cancel() of a timer with an hour to go returned `false`: it came in time, \
                 so the function will never run ({CHAPTER}#a-cancellable-timer)"
            );
            assert!(
                timer.cancel(),
                "a second cancel() returned `false`, but the function still will never run \
                 ({CHAPTER}#a-cancellable-timer)"
            );
            let joined = timer.join();
            assert!(
                !joined && !ran.load(Ordering::SeqCst),
                "a cancelled timer ran its function (join said {joined}) \
                 ({CHAPTER}#a-cancellable-timer)"
            );
        },
    );
}

#[test]
fn timer_cancel_too_late_returns_false_and_does_not_wait_for_the_function() {
    deadline::within_secs(
        10,
        "cancel() while the timer's function runs (it must not wait for it)",
        || {
            let (started, running) = mpsc::channel();
            let (release, released) = mpsc::channel::<()>();
            let timer = Timer::start(Duration::ZERO, move || {
                started.send(()).unwrap();
                let _ = released.recv();
            });
            running.recv().expect("the timer's function never started");
            let cancelled = timer.cancel();
            release.send(()).unwrap();
            assert!(
                !cancelled,
                "cancel() returned `true` while the function was already running: it came \
                 too late, and must say so with `false` ({CHAPTER}#cancel-races-the-timer)"
            );
            assert!(
                timer.join(),
                "join() must return `true`: the function ran ({CHAPTER}#a-cancellable-timer)"
            );
        },
    );
}

#[test]
fn timer_a_panic_in_the_function_reaches_join() {
    deadline::within_secs(10, "Timer::join of a timer whose function panics", || {
        let timer = Timer::start(Duration::ZERO, || {
            panic!("this panic is part of the test");
        });
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| timer.join()));
        match outcome {
            Err(payload) => assert!(
                panic_text(payload.as_ref()).contains("part of the test"),
                "join() panicked, but not with the function's panic: {} \
                 ({CHAPTER}#a-cancellable-timer)",
                panic_text(payload.as_ref())
            ),
            Ok(ran) => panic!(
                "the timer's function panicked, but join() returned {ran}: pass the panic on \
                 to join's caller ({CHAPTER}#a-cancellable-timer)"
            ),
        }
    });
}

#[test]
fn timer_dropped_without_join_still_fires() {
    deadline::within_secs(10, "the function of a dropped timer of 20 ms", || {
        let (sent, fired) = mpsc::channel();
        {
            // Dropped at the end of this block, without join: the timer must go on.
            let _timer = Timer::start(Duration::from_millis(20), move || {
                sent.send(()).unwrap();
            });
        }
        fired.recv().expect(
            "a timer dropped without join() never ran its function: dropping the Timer must \
             leave its thread running",
        );
    });
}

#[test]
fn timer_with_a_delay_too_long_for_the_clock_can_still_be_cancelled() {
    deadline::within_secs(
        10,
        "Timer::join after cancel() of a Duration::MAX timer",
        || {
            let timer = Timer::start(Duration::MAX, || {});
            thread::sleep(Duration::from_millis(20));
            let cancelled = timer.cancel();
            let outcome = panic::catch_unwind(AssertUnwindSafe(|| timer.join()));
            match outcome {
                Ok(ran) => assert!(
                    cancelled && !ran,
                    "a timer of Duration::MAX, cancelled, said cancel {cancelled}, ran {ran} \
                 ({CHAPTER}#a-cancellable-timer)"
                ),
                Err(payload) => panic!(
                    "the thread of a timer of Duration::MAX panicked: {}. `Instant::now() + delay` \
                 overflows for a delay that long ({CONDVARS}#building-a-condition-variable)",
                    panic_text(payload.as_ref())
                ),
            }
        },
    );
}

#[test]
fn timer_is_send_and_sync() {
    deadline::within_secs(
        10,
        "Timer::join() in another thread of a timer of 20 ms (does the timer fire?)",
        || {
            let (sent, fired) = mpsc::channel();
            let timer = Timer::start(Duration::from_millis(20), move || {
                sent.send(()).unwrap();
            });
            let ran = thread::spawn(move || timer.join()).join().unwrap();
            assert!(
                ran && fired.try_recv().is_ok(),
                "join() of a timer of 20 ms, moved to another thread, said {ran} \
                 ({CHAPTER}#a-cancellable-timer)"
            );
        },
    );
    deadline::within_secs(5, "Timer::cancel() through a shared reference", || {
        let timer = Timer::start(Duration::from_secs(3600), || {});
        // Only cancel() here, through `&Timer` on another thread: whether the cancel wakes
        // the timer's thread is for timer_cancel_in_time_stops_it_and_ends_its_thread_at_once.
        let cancelled = thread::scope(|s| s.spawn(|| timer.cancel()).join().unwrap());
        assert!(
            cancelled,
            "cancel() of a timer with an hour to go, from another thread, said `false` \
             ({CHAPTER}#a-cancellable-timer)"
        );
    });
    assert!(
        auto_traits::is_send!(Timer) && auto_traits::is_sync!(Timer),
        "Timer must be Send and Sync, so one thread can start it and another cancel it \
         ({CHAPTER}#a-cancellable-timer)"
    );
}

// ---------------------------------------------------------------------------------------
// The source

/// What the primitives of this exercise must not be built on, matched as whole paths
/// (`thread::sleep`, not a helper of your own called `sleep`).
const FORBIDDEN: &[(&str, &str)] = &[
    (
        "sync::Mutex",
        "the provided crate's own Mutex (super::mutex::Mutex)",
    ),
    (
        "sync::MutexGuard",
        "the provided crate's own Mutex (super::mutex::MutexGuard)",
    ),
    (
        "sync::Condvar",
        "your own Condvar (super::condvar::Condvar)",
    ),
    ("sync::RwLock", "the provided crate's own Mutex"),
    ("sync::Barrier", "your own Condvar and the provided Mutex"),
    ("parking_lot", "crate::sync::atomic_wait"),
    (
        "hint::spin_loop",
        "crate::sync::atomic_wait: a waiter sleeps, it does not spin",
    ),
    (
        "atomic::spin_loop_hint",
        "crate::sync::atomic_wait: a waiter sleeps, it does not spin",
    ),
    (
        "yield_now",
        "crate::sync::atomic_wait: a waiter sleeps, it does not spin",
    ),
    (
        "thread::sleep",
        "crate::sync::atomic_wait::wait_timeout: a waiter is woken, it does not poll",
    ),
    ("thread::park", "crate::sync::atomic_wait"),
    (
        "thread::park_timeout",
        "crate::sync::atomic_wait::wait_timeout",
    ),
];

#[test]
fn source_builds_on_atomic_wait_and_the_provided_mutex_only() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let paths: Vec<&str> = FORBIDDEN.iter().map(|(bad, _)| *bad).collect();
    let mut problems = Vec::new();
    for file in ["condvar.rs", "event.rs", "barrier.rs", "timer.rs"] {
        let text = std::fs::read_to_string(src.join(file)).unwrap_or_default();
        for (line, bad) in loom_harness::forbidden_paths(&text, &paths) {
            let instead = FORBIDDEN
                .iter()
                .find(|(path, _)| *path == bad)
                .map_or("", |(_, instead)| *instead);
            problems.push(format!("src/{file}:{line}: `{bad}`: build on {instead}"));
        }
    }
    assert!(
        problems.is_empty(),
        "this exercise builds its primitives itself, so std's (or loom's) Mutex and Condvar, \
         spinning and sleeping are out:\n{}\n({CONDVARS}#building-a-condition-variable)",
        problems.join("\n")
    );
}
