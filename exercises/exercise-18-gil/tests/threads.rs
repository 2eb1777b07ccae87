//! Exercise 18 graded suite, on real threads. Book: `book/src/part-6/switching.md`.
//!
//! The interpreter's threads are numbered (`ThreadId` is a small integer); here each test
//! thread plays one interpreter thread and passes its number to every call.
//!
//! Most scenarios are made deterministic by a switch interval of an hour: no wait ever runs
//! out, and the test asks for the drop itself with `request_drop()`. The tests that need
//! waits to run out use intervals of milliseconds and bounds of seconds. Everything that
//! waits on the GIL runs under a deadline, so a hang fails with "possible deadlock".
//!
//! What each test checks, promise by promise: `tests/contracts/exercise-18.toml` (the
//! stub's docs, each promise with its tests here and in the other suite); the known-broken
//! GILs each test must catch: `tests/mutants/exercise-18.toml`.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

sync_shim::library_under_std!(gil);

use gil::{Event, EventKind, Gil};

const CHAPTER: &str = "book/src/part-6/switching.md";

/// An interval no wait in a test ever reaches: only `request_drop()` asks for a switch.
const NEVER: Duration = Duration::from_secs(3600);

/// How long a test waits for something another thread should do within milliseconds.
const STALL_LIMIT: Duration = Duration::from_secs(5);

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Whether the log has `kind` from `thread`.
fn logged(events: &[Event], thread: usize, kind: EventKind) -> bool {
    events.iter().any(|e| e.thread == thread && e.kind == kind)
}

/// Waits until the event log has `kind` from `thread`; `what` says what that thread does.
fn wait_for_event(gil: &Gil, thread: usize, kind: EventKind, what: &str) {
    let start = Instant::now();
    while !logged(&gil.events(), thread, kind) {
        assert!(
            start.elapsed() < STALL_LIMIT,
            "{what}, but after {} s the event log still had no {kind:?} event from thread \
             {thread}. Does that method log {kind:?}, with the thread's number? \
             ({CHAPTER}#the-event-log)",
            STALL_LIMIT.as_secs()
        );
        thread::sleep(ms(1));
    }
}

/// The log as `thread kind` lines, for failure messages: the first 40 events, and how many
/// there were in all if there were more.
fn show(events: &[Event]) -> String {
    const SHOWN: usize = 40;
    let lines: Vec<String> = events
        .iter()
        .take(SHOWN)
        .map(|e| {
            format!(
                "    {:>9.3} ms  thread {}  {:?}",
                e.at.as_secs_f64() * 1e3,
                e.thread,
                e.kind
            )
        })
        .collect();
    let mut text = lines.join("\n");
    if events.len() > SHOWN {
        text.push_str(&format!("\n    ... ({} events in all)", events.len()));
    }
    text
}

/// Starts one thread per number in `ids`; each runs `body` with the GIL and its number.
fn spawn_threads<F>(
    gil: &Arc<Gil>,
    ids: impl IntoIterator<Item = usize>,
    body: F,
) -> Vec<JoinHandle<()>>
where
    F: Fn(&Gil, usize) + Send + Sync + 'static,
{
    let body = Arc::new(body);
    ids.into_iter()
        .map(|me| {
            let (gil, body) = (Arc::clone(gil), Arc::clone(&body));
            thread::spawn(move || body(&gil, me))
        })
        .collect()
}

/// Joins every thread; a panic in one of them fails the test with that thread's own message.
fn join_all(workers: Vec<JoinHandle<()>>) {
    for worker in workers {
        if let Err(panic) = worker.join() {
            std::panic::resume_unwind(panic);
        }
    }
}

/// Calls `check(me)` between short bursts of computing, as the interpreter's loop does,
/// until `until`.
fn spin_checking(gil: &Gil, me: usize, until: Instant) {
    while Instant::now() < until {
        for _ in 0..100 {
            std::hint::spin_loop();
        }
        gil.check(me);
    }
}

#[test]
fn the_settings_can_be_read_and_changed() {
    deadline::within_secs(5, "the getters and setters of a new GIL", || {
        let gil = Gil::new(ms(5));
        assert_eq!(
            gil.switch_interval(),
            ms(5),
            "switch_interval() must return the interval given to Gil::new \
             ({CHAPTER}#the-switch-interval)"
        );
        gil.set_switch_interval(Duration::from_micros(500));
        assert_eq!(
            gil.switch_interval(),
            Duration::from_micros(500),
            "switch_interval() must return what set_switch_interval() set \
             ({CHAPTER}#the-switch-interval)"
        );
        assert!(
            gil.forced_switching(),
            "a new GIL must have forced switching on, as CPython's has \
             ({CHAPTER}#forced-switching)"
        );
        gil.set_forced_switching(false);
        assert!(
            !gil.forced_switching(),
            "set_forced_switching(false) must turn it off ({CHAPTER}#forced-switching)"
        );
        gil.set_forced_switching(true);
        assert!(
            gil.forced_switching(),
            "set_forced_switching(true) must turn it back on"
        );
        assert!(
            !gil.drop_requested() && gil.switches() == 0 && gil.drop_requests() == 0,
            "a new GIL has no drop request and has counted no switches and no requests \
             ({CHAPTER}#drop-requests)"
        );
        assert!(
            gil.events().is_empty(),
            "a new GIL's event log must be empty ({CHAPTER}#the-event-log)"
        );
    });
}

#[test]
fn a_thread_alone_keeps_the_gil_and_nobody_asks_it_to_drop() {
    deadline::within_secs(
        10,
        "one thread taking, checking and dropping the GIL",
        || {
            let gil = Gil::new(ms(2));
            gil.take(0);
            // More than ten switch intervals of checks: with nobody waiting, nothing may happen.
            let start = Instant::now();
            while start.elapsed() < ms(30) {
                for _ in 0..100 {
                    gil.check(0);
                }
                thread::sleep(Duration::from_micros(200));
            }
            gil.drop_gil(0);
            gil.take(0);
            gil.drop_gil(0);
            let events = gil.events();
            assert_eq!(
                gil.switches(),
                0,
                "only thread 0 ever took the GIL, yet switches() is {}: it counts the times the \
             GIL went to a different thread than the one that held it before (the first \
             take is no switch) ({CHAPTER}#the-switch-interval)",
                gil.switches()
            );
            assert!(
                gil.drop_requests() == 0 && !gil.drop_requested(),
                "nobody waited for the GIL, yet a drop was requested ({} requests counted): only \
             a thread whose wait ran out asks ({CHAPTER}#drop-requests)",
                gil.drop_requests()
            );
            use EventKind::*;
            let kinds: Vec<EventKind> = events.iter().map(|e| e.kind).collect();
            assert_eq!(
                kinds,
                [Wanted, Acquired, Released, Wanted, Acquired, Released],
                "thread 0 took and dropped the GIL twice, with checks in between that had nothing \
             to do. The log was:\n{}\n({CHAPTER}#the-event-log)",
                show(&events)
            );
            assert!(
                events.iter().all(|e| e.thread == 0),
                "every event came from thread 0, so every event must name thread 0:\n{}",
                show(&events)
            );
        },
    );
}

#[test]
fn a_drop_request_with_nobody_waiting_does_not_block_the_holder() {
    deadline::within_secs(
        5,
        "check() after request_drop(), with no other thread waiting for the GIL (with forced \
         switching, drop_gil must not wait for a switch that nobody can make)",
        || {
            let gil = Gil::new(NEVER);
            gil.take(0);
            gil.request_drop();
            assert!(
                gil.drop_requested(),
                "right after request_drop(), drop_requested() must be true \
                 ({CHAPTER}#drop-requests)"
            );
            assert_eq!(
                gil.drop_requests(),
                1,
                "drop_requests() must count the request_drop() call ({CHAPTER}#drop-requests)"
            );
            gil.check(0);
            assert!(
                !gil.drop_requested(),
                "check() dropped the GIL and took it again, so the request has been served: \
                 taking the GIL must clear it ({CHAPTER}#drop-requests)"
            );
            gil.drop_gil(0);
        },
    );
}

#[test]
fn a_waiter_next_to_a_cpu_bound_thread_gets_the_gil() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(
        20,
        "a waiter next to a thread that holds the GIL and calls check() in a loop",
        || {
            let gil = Arc::new(Gil::new(ms(5)));
            let got_it = Arc::new(AtomicBool::new(false));
            gil.take(0);
            let waiter = {
                let (gil, got_it) = (Arc::clone(&gil), Arc::clone(&got_it));
                thread::spawn(move || {
                    gil.take(1);
                    got_it.store(true, Ordering::SeqCst);
                    gil.drop_gil(1);
                })
            };
            // Thread 0 is CPU-bound: it never gives the GIL up by itself, it only checks.
            let limit = Duration::from_secs(3);
            let start = Instant::now();
            while !got_it.load(Ordering::SeqCst) && start.elapsed() < limit {
                gil.check(0);
                std::hint::spin_loop();
            }
            let waited = start.elapsed();
            gil.drop_gil(0);
            waiter.join().expect("the waiting thread panicked");
            assert!(
                waited < limit,
                "a waiter starved: thread 1 waited {:.0} s for the GIL (switch interval 5 ms) \
                 while thread 0 held it and called check() in a loop. A waiter whose wait runs \
                 a whole interval must ask the holder to drop the GIL, and check() must then \
                 drop it ({CHAPTER}#drop-requests)",
                limit.as_secs_f64()
            );
            let events = gil.events();
            assert!(
                logged(&events, 1, EventKind::DropRequested),
                "thread 1 got the GIL from a CPU-bound thread, so its wait must have run out \
                 and it must have asked for the drop; the log shows no DropRequested from \
                 thread 1:\n{}\n({CHAPTER}#the-event-log)",
                show(&events)
            );
            assert!(
                gil.drop_requests() >= 1,
                "drop_requests() must count the requests made by waiters \
                 ({CHAPTER}#drop-requests)"
            );
        },
    );
}

/// Thread 0 holds the GIL, thread 1 waits in take(); thread 0 is asked to drop it, calls
/// check() and drops it. Thread 1, once it has the GIL, runs `then` and drops the GIL too.
/// Returns what `then` returned.
fn hand_off<R>(gil: &Arc<Gil>, then: impl FnOnce(&Gil) -> R + Send + 'static) -> R
where
    R: Send + 'static,
{
    gil.take(0);
    let waiter = {
        let gil = Arc::clone(gil);
        thread::spawn(move || {
            gil.take(1);
            let result = then(&gil);
            gil.drop_gil(1);
            result
        })
    };
    wait_for_event(gil, 1, EventKind::Wanted, "thread 1 called take()");
    gil.request_drop();
    gil.check(0);
    gil.drop_gil(0);
    waiter.join().expect("the waiting thread panicked")
}

#[test]
fn with_forced_switching_the_waiter_gets_the_gil_before_the_dropper_takes_it_back() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(
        10,
        "thread 0 asked to drop the GIL in check(), with thread 1 waiting in take()",
        || {
            let gil = Arc::new(Gil::new(NEVER));
            // Give thread 0 every chance to take the GIL back, were it free.
            hand_off(&gil, |_| thread::sleep(ms(20)));
            let events = gil.events();
            let released = events
                .iter()
                .position(|e| e.thread == 0 && e.kind == EventKind::Released);
            let next = released.and_then(|at| {
                events[at..]
                    .iter()
                    .find(|e| e.kind == EventKind::Acquired)
                    .map(|e| e.thread)
            });
            assert_eq!(
                next,
                Some(1),
                "thread 0 held the GIL, thread 1 waited, and thread 0 was asked to drop it. \
                 After thread 0's Released, the next Acquired must be thread 1's: with forced \
                 switching, the thread that drops on request waits in drop_gil until another \
                 thread has taken the GIL, instead of grabbing it straight back. The log \
                 was:\n{}\n({CHAPTER}#forced-switching)",
                show(&events)
            );
            assert_eq!(
                gil.switches(),
                2,
                "the GIL went from thread 0 to thread 1 and back: switches() must be 2 \
                 ({CHAPTER}#the-switch-interval)"
            );
        },
    );
}

#[test]
fn without_forced_switching_a_drop_request_still_lets_the_waiter_in_eventually() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(
        10,
        "a hand-off on request with forced switching off (drop_gil must not wait then)",
        || {
            let gil = Arc::new(Gil::new(NEVER));
            gil.set_forced_switching(false);
            hand_off(&gil, |_| ());
            let events = gil.events();
            assert!(
                logged(&events, 1, EventKind::Acquired),
                "thread 1 never got the GIL:\n{}",
                show(&events)
            );
        },
    );
}

#[test]
fn after_a_hand_off_the_request_is_cleared_and_the_new_holder_keeps_the_gil() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(
        10,
        "a hand-off on request, then 1,000 checks by the new holder",
        || {
            let gil = Arc::new(Gil::new(NEVER));
            let (still_requested, more) = hand_off(&gil, |gil| {
                let still_requested = gil.drop_requested();
                let switches = gil.switches();
                for _ in 0..1000 {
                    gil.check(1);
                }
                (still_requested, gil.switches() - switches)
            });
            assert!(
                !still_requested,
                "thread 1 had just taken the GIL from thread 0, which was asked to drop it, and \
                 drop_requested() was still true: the request was for the previous holder, so \
                 taking the GIL must clear it ({CHAPTER}#drop-requests)"
            );
            assert_eq!(
                more, 0,
                "nobody asked thread 1 to drop the GIL (the interval is an hour), yet during its \
                 1,000 check() calls the GIL changed hands {more} more times: a request that \
                 is never cleared makes every check drop the GIL ({CHAPTER}#drop-requests)"
            );
        },
    );
}

#[test]
fn only_one_thread_holds_the_gil_at_a_time() {
    let _heavy = deadline::one_at_a_time();
    const THREADS: usize = 4;
    const ROUNDS: usize = 300;
    deadline::within_secs(
        20,
        "4 threads taking the GIL 300 times each, with check() calls and a 100 µs interval",
        || {
            let gil = Arc::new(Gil::new(Duration::from_micros(100)));
            let inside = AtomicUsize::new(0);
            let start = Barrier::new(THREADS);
            let done = Arc::new(AtomicU64::new(0));
            let counted = Arc::clone(&done);
            let enter = |inside: &AtomicUsize, me: usize| {
                let others = inside.fetch_add(1, Ordering::SeqCst);
                assert_eq!(
                    others, 0,
                    "thread {me} returned from take() or check() while another thread held the \
                     GIL: two holders at once ({CHAPTER}#drop-requests)"
                );
            };
            join_all(spawn_threads(&gil, 0..THREADS, move |gil, me| {
                start.wait();
                for _ in 0..ROUNDS {
                    gil.take(me);
                    enter(&inside, me);
                    for _ in 0..3 {
                        for _ in 0..200 {
                            std::hint::spin_loop();
                        }
                        // check() may hand the GIL over: not inside meanwhile.
                        inside.fetch_sub(1, Ordering::SeqCst);
                        gil.check(me);
                        enter(&inside, me);
                    }
                    inside.fetch_sub(1, Ordering::SeqCst);
                    gil.drop_gil(me);
                    counted.fetch_add(1, Ordering::Relaxed);
                }
            }));
            assert_eq!(done.load(Ordering::Relaxed), (THREADS * ROUNDS) as u64);
        },
    );
}

#[test]
fn blocking_calls_run_without_the_gil() {
    let _heavy = deadline::one_at_a_time();
    const THREADS: usize = 20;
    deadline::within_secs(
        10,
        "20 threads that each took the GIL, called blocking_begin() and then wait at a \
         barrier for all the others (a blocking call that only ends once every thread is in \
         it): it cannot end while any thread keeps the GIL through blocking_begin()",
        || {
            let gil = Arc::new(Gil::new(ms(5)));
            let barrier = Barrier::new(THREADS);
            join_all(spawn_threads(&gil, 0..THREADS, move |gil, me| {
                gil.take(me);
                gil.blocking_begin(me);
                barrier.wait();
                gil.blocking_end(me);
                gil.drop_gil(me);
            }));
            let events = gil.events();
            for kind in [EventKind::Blocked, EventKind::Unblocked] {
                let seen = events.iter().filter(|e| e.kind == kind).count();
                assert_eq!(
                    seen, THREADS,
                    "each of the {THREADS} threads made one blocking call, so the log must \
                     have {THREADS} {kind:?} events, not {seen} ({CHAPTER}#the-event-log)"
                );
            }
        },
    );
}

#[test]
fn twenty_sleeps_between_blocking_begin_and_end_overlap() {
    let _heavy = deadline::one_at_a_time();
    const THREADS: usize = 20;
    deadline::within_secs(
        20,
        "20 threads each sleeping 100 ms between blocking_begin() and blocking_end()",
        || {
            let gil = Arc::new(Gil::new(ms(5)));
            let start = Instant::now();
            join_all(spawn_threads(&gil, 0..THREADS, |gil, me| {
                gil.take(me);
                gil.blocking_begin(me);
                thread::sleep(ms(100));
                gil.blocking_end(me);
                gil.drop_gil(me);
            }));
            let took = start.elapsed();
            assert!(
                took < Duration::from_secs(1),
                "20 threads each slept 100 ms between blocking_begin() and blocking_end(), and \
                 it took {:.2} s in all: the sleeps did not overlap (one after the other they \
                 take 2 s). blocking_begin() must release the GIL, so the others run while one \
                 sleeps ({CHAPTER}#blocking-calls)",
                took.as_secs_f64()
            );
        },
    );
}

/// Two threads that only compute (take, then check() in a loop) for `run` each; returns
/// the switches counted meanwhile.
fn two_cpu_bound_threads(gil: &Arc<Gil>, run: Duration) -> u64 {
    let before = gil.switches();
    let start = Barrier::new(2);
    join_all(spawn_threads(gil, 0..2, move |gil, me| {
        start.wait();
        // The run counts from here: the wait in take() is part of it.
        let until = Instant::now() + run;
        gil.take(me);
        spin_checking(gil, me, until);
        gil.drop_gil(me);
    }));
    gil.switches() - before
}

#[test]
fn a_shorter_switch_interval_switches_more_often() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(
        30,
        "two CPU-bound threads for 300 ms at a 10 ms interval, then 300 ms at 1 ms",
        || {
            // Counts over wall time: on a machine loaded by other work both phases get
            // less CPU, so a round whose counts say nothing is run again (three at most).
            let (mut long, mut short) = (0, 0);
            for _round in 0..3 {
                let gil = Arc::new(Gil::new(ms(10)));
                long = two_cpu_bound_threads(&gil, ms(300));
                gil.set_switch_interval(ms(1));
                short = two_cpu_bound_threads(&gil, ms(300));
                if long >= 2 && short > long {
                    break;
                }
            }
            assert!(
                long >= 2,
                "two CPU-bound threads ran 300 ms at a 10 ms switch interval and the GIL \
                 changed hands only {long} times (about 30 expected): a waiter must ask for \
                 the drop after one interval ({CHAPTER}#the-switch-interval)"
            );
            assert!(
                short > long,
                "the GIL changed hands {long} times in 300 ms at a 10 ms interval, and {short} \
                 times at 1 ms (about ten times as many expected): each wait must last the \
                 interval set when it begins ({CHAPTER}#the-switch-interval)"
            );
        },
    );
}

#[test]
fn a_waiter_asks_only_after_a_whole_interval_under_the_same_holder() {
    let _heavy = deadline::one_at_a_time();
    const INTERVAL: Duration = Duration::from_millis(100);
    deadline::within_secs(
        20,
        "two CPU-bound threads that start waiting while a third holds the GIL",
        || {
            let gil = Arc::new(Gil::new(INTERVAL));
            gil.take(0);
            let workers = spawn_threads(&gil, 1..=2, |gil, me| {
                gil.take(me);
                spin_checking(gil, me, Instant::now() + INTERVAL * 3 / 2);
                gil.drop_gil(me);
            });
            wait_for_event(&gil, 1, EventKind::Wanted, "thread 1 called take()");
            wait_for_event(&gil, 2, EventKind::Wanted, "thread 2 called take()");
            // Both waits began; hand over before they run out. The one that does not get the
            // GIL now must give the new holder a whole interval before it asks.
            thread::sleep(INTERVAL * 4 / 5);
            gil.drop_gil(0);
            join_all(workers);
            let events = gil.events();
            for (at, request) in events.iter().enumerate() {
                if request.kind != EventKind::DropRequested {
                    continue;
                }
                let Some(acquired) = events[..at]
                    .iter()
                    .rev()
                    .find(|e| e.kind == EventKind::Acquired)
                else {
                    continue;
                };
                let gap = request.at.saturating_sub(acquired.at);
                assert!(
                    gap >= INTERVAL * 9 / 10,
                    "thread {} asked thread {} to drop the GIL {:.0} ms after thread {} took \
                     it, with a switch interval of {:.0} ms. A wait that began under another \
                     holder must not end in a request: remember who held the GIL (or how many \
                     switches there were) when the wait began, and ask only if that has not \
                     changed. The log was:\n{}\n({CHAPTER}#drop-requests)",
                    request.thread,
                    acquired.thread,
                    gap.as_secs_f64() * 1e3,
                    acquired.thread,
                    INTERVAL.as_secs_f64() * 1e3,
                    show(&events)
                );
            }
        },
    );
}

#[test]
fn the_event_log_tells_a_consistent_story() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(
        20,
        "3 threads taking the GIL, checking, and making blocking calls",
        || {
            let gil = Arc::new(Gil::new(ms(1)));
            join_all(spawn_threads(&gil, 0..3, |gil, me| {
                for _ in 0..5 {
                    gil.take(me);
                    spin_checking(gil, me, Instant::now() + ms(2));
                    gil.blocking_begin(me);
                    thread::sleep(ms(1));
                    gil.blocking_end(me);
                    spin_checking(gil, me, Instant::now() + ms(1));
                    gil.drop_gil(me);
                }
            }));
            let events = gil.events();
            if let Err(problem) = consistent(&events) {
                panic!(
                    "{problem}\nThe log was:\n{}\n({CHAPTER}#the-event-log)",
                    show(&events)
                );
            }
            let requests = events
                .iter()
                .filter(|e| e.kind == EventKind::DropRequested)
                .count() as u64;
            assert_eq!(
                requests,
                gil.drop_requests(),
                "the log has {requests} DropRequested events but drop_requests() says {}: \
                 every request a waiter makes is logged and counted ({CHAPTER}#the-event-log)",
                gil.drop_requests()
            );
        },
    );
}

/// Follows every thread through the log: `Wanted`, any `DropRequested`, `Acquired`, then
/// `Released`, and `Blocked` ... `Unblocked` after a `Released`; one holder at a time; times
/// that never go backwards.
fn consistent(events: &[Event]) -> Result<(), String> {
    #[derive(Clone, Copy, PartialEq, Debug)]
    enum Phase {
        Outside,
        Wanting,
        Holding,
        Blocked,
    }
    use EventKind::*;
    let mut phases = std::collections::HashMap::new();
    let mut holder = None;
    let mut last = Duration::ZERO;
    for (index, event) in events.iter().enumerate() {
        let n = index + 1;
        if event.at < last {
            return Err(format!(
                "event {n} ({:?} of thread {}) is earlier than the event before it: `at` must \
                 never go backwards along the log",
                event.kind, event.thread
            ));
        }
        last = event.at;
        let phase = phases.entry(event.thread).or_insert(Phase::Outside);
        let next = match (*phase, event.kind) {
            (Phase::Outside, Wanted) => Phase::Wanting,
            (Phase::Wanting, DropRequested) => Phase::Wanting,
            (Phase::Wanting, Acquired) => {
                if let Some(other) = holder {
                    return Err(format!(
                        "event {n}: thread {} Acquired the GIL while thread {other} held it \
                         (no Released from it in between)",
                        event.thread
                    ));
                }
                holder = Some(event.thread);
                Phase::Holding
            }
            (Phase::Holding, Released) => {
                holder = None;
                Phase::Outside
            }
            (Phase::Outside, Blocked) => Phase::Blocked,
            (Phase::Blocked, Unblocked) => Phase::Outside,
            (phase, kind) => {
                let expected = match phase {
                    Phase::Outside => {
                        "Wanted (take) or Blocked (right after the Released of blocking_begin)"
                    }
                    Phase::Wanting => "Acquired or DropRequested",
                    Phase::Holding => "Released",
                    Phase::Blocked => "Unblocked",
                };
                return Err(format!(
                    "event {n}: thread {} logged {kind:?} where {expected} was expected \
                     (its phase: {phase:?}). Each thread's events go Wanted, any \
                     DropRequested, Acquired, Released; blocking_begin logs Released then \
                     Blocked, blocking_end logs Unblocked then Wanted, and take goes on from \
                     there",
                    event.thread
                ));
            }
        };
        *phase = next;
    }
    Ok(())
}

/// Runs `body` on a thread of its own and waits up to [`STALL_LIMIT`] for it. `Err` if it is
/// still running then (the thread is left behind, blocked, and dies with the test process).
fn finishes_in_time<R: Send + 'static>(body: impl FnOnce() -> R + Send + 'static) -> Option<R> {
    let (done, finished) = std::sync::mpsc::channel();
    thread::spawn(move || {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(body));
        let _ = done.send(outcome);
    });
    match finished.recv_timeout(STALL_LIMIT) {
        Ok(Ok(value)) => Some(value),
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(_) => None,
    }
}

/// Waits until `ready(log)` holds for the event log, or fails with `stuck(log)` after
/// [`STALL_LIMIT`].
fn wait_for_log(gil: &Gil, ready: impl Fn(&[Event]) -> bool, stuck: impl Fn(&[Event]) -> String) {
    let start = Instant::now();
    loop {
        let events = gil.events();
        if ready(&events) {
            return;
        }
        if start.elapsed() > STALL_LIMIT {
            panic!("{}", stuck(&events));
        }
        thread::sleep(Duration::from_micros(50));
    }
}

/// The threads that, at the end of `events`, have logged `Wanted` and not yet `Acquired`.
fn waiting_in(events: &[Event]) -> Vec<usize> {
    let mut waiting = Vec::new();
    for e in events {
        match e.kind {
            EventKind::Wanted => waiting.push(e.thread),
            EventKind::Acquired => waiting.retain(|&t| t != e.thread),
            _ => {}
        }
    }
    waiting.sort_unstable();
    waiting
}

/// Who holds the GIL at the end of `events`, according to the log.
fn holder_in(events: &[Event]) -> Option<usize> {
    let mut holder = None;
    for e in events {
        match e.kind {
            EventKind::Acquired => holder = Some(e.thread),
            EventKind::Released if holder == Some(e.thread) => holder = None,
            _ => {}
        }
    }
    holder
}

#[test]
fn request_drop_counts_every_call_and_logs_nothing() {
    deadline::within_secs(5, "request_drop() three times, then check()", || {
        let gil = Gil::new(NEVER);
        gil.take(0);
        for _ in 0..3 {
            gil.request_drop();
        }
        assert_eq!(
            gil.drop_requests(),
            3,
            "request_drop() was called three times while the first request was still pending, \
             so drop_requests() must be 3: it counts every request made, not only those that \
             found the flag clear ({CHAPTER}#drop-requests)"
        );
        assert!(
            !logged(&gil.events(), 0, EventKind::DropRequested),
            "request_drop() must log nothing (no waiting thread made the request); the log \
             was:\n{}\n({CHAPTER}#the-event-log)",
            show(&gil.events())
        );
        gil.check(0);
        gil.drop_gil(0);
        assert_eq!(
            gil.drop_requests(),
            3,
            "serving a request must not change drop_requests(): it counts requests made \
             ({CHAPTER}#drop-requests)"
        );
    });
}

#[test]
fn a_waiter_keeps_waiting_while_the_holder_ignores_its_requests() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(
        10,
        "a waiter (1 ms interval) next to a holder that never calls check() for 60 ms",
        || {
            let gil = Arc::new(Gil::new(ms(1)));
            gil.take(0);
            let let_go = Arc::new(AtomicBool::new(false));
            let waiter = {
                let (gil, let_go) = (Arc::clone(&gil), Arc::clone(&let_go));
                thread::spawn(move || {
                    gil.take(1);
                    let early = !let_go.load(Ordering::SeqCst);
                    gil.drop_gil(1);
                    early
                })
            };
            // Dozens of intervals run out while thread 0 keeps the GIL and never checks.
            thread::sleep(ms(60));
            let_go.store(true, Ordering::SeqCst);
            gil.drop_gil(0);
            let early = waiter.join().expect("the waiting thread panicked");
            assert!(
                !early,
                "thread 1 returned from take() while thread 0 still held the GIL (thread 0 \
                 never called check() or drop_gil() in those 60 ms). A wait that runs out only \
                 asks for the drop; take() must go round again, and take the GIL only once it \
                 is free: a loop while the GIL is held, not an `if` ({CHAPTER}#drop-requests)"
            );
            let events = gil.events();
            assert!(
                logged(&events, 1, EventKind::DropRequested) && gil.drop_requests() >= 1,
                "thread 1's waits of 1 ms ran out for 60 ms under the same holder, so it must \
                 have asked for the drop (a DropRequested in the log, counted by \
                 drop_requests()). The log was:\n{}\n({CHAPTER}#drop-requests)",
                show(&events)
            );
        },
    );
}

#[test]
fn after_hundreds_of_waits_the_counts_still_add_up() {
    let _heavy = deadline::one_at_a_time();
    const THREADS: usize = 3;
    const ROUNDS: usize = 60;
    deadline::within_secs(
        20,
        "3 threads taking the GIL 60 times each and holding it 1 ms without checks (200 µs \
         interval), then one thread alone asked to drop it",
        || {
            let gil = Arc::new(Gil::new(Duration::from_micros(200)));
            let start = Arc::new(Barrier::new(THREADS));
            let shared = Arc::clone(&gil);
            deadline::workers(
                THREADS,
                "3 threads taking the GIL 60 times each, holding it 1 ms without checks",
                move |me| {
                    start.wait();
                    for _ in 0..ROUNDS {
                        shared.take(me);
                        // Holding without checks: the others' waits run out again and again.
                        let until = Instant::now() + ms(1);
                        while Instant::now() < until {
                            std::hint::spin_loop();
                        }
                        shared.check(me);
                        shared.drop_gil(me);
                    }
                },
            );
            let events = gil.events();
            if let Err(problem) = consistent(&events) {
                panic!(
                    "{problem}\nThe log was:\n{}\n({CHAPTER}#the-event-log)",
                    show(&events)
                );
            }
            let mut from_log = 0;
            let mut last = None;
            for e in events.iter().filter(|e| e.kind == EventKind::Acquired) {
                if last.is_some_and(|t| t != e.thread) {
                    from_log += 1;
                }
                last = Some(e.thread);
            }
            assert_eq!(
                gil.switches(),
                from_log,
                "after {} takes by 3 threads, switches() is {} but the log shows the GIL going \
                 to a different thread {from_log} times: count a switch exactly when the new \
                 holder differs from the previous one ({CHAPTER}#the-switch-interval)",
                THREADS * ROUNDS,
                gil.switches()
            );
            let requests = events
                .iter()
                .filter(|e| e.kind == EventKind::DropRequested)
                .count() as u64;
            assert_eq!(
                gil.drop_requests(),
                requests,
                "the log has {requests} DropRequested events but drop_requests() is {}: each \
                 request a waiter makes is logged once and counted once ({CHAPTER}#drop-requests)",
                gil.drop_requests()
            );
            assert!(
                requests > 0,
                "waiters with a 200 µs interval waited 1 ms at a time, yet none asked for a drop \
                 ({CHAPTER}#drop-requests)"
            );
            // Now thread 0 is alone. If the count of waiters drifted (a waiter counted at each
            // of its waits, or not uncounted when it got the GIL), drop_gil thinks somebody
            // still waits and waits for ever for a switch.
            let alone = Arc::clone(&gil);
            let finished = finishes_in_time(move || {
                alone.take(0);
                alone.request_drop();
                alone.check(0);
                alone.drop_gil(0);
            });
            assert!(
                finished.is_some(),
                "after {} hand-offs between 3 threads, thread 0 was alone, was asked to drop \
                 the GIL and called check(): it did not come back within {} s. Nobody waits any \
                 more, so drop_gil must not wait for a switch: the count of waiting threads has \
                 drifted. Count a waiter once when it starts waiting in take() and uncount it \
                 once when it gets the GIL, not at every timed wait ({CHAPTER}#forced-switching)",
                gil.switches(),
                STALL_LIMIT.as_secs()
            );
        },
    );
}

#[test]
fn a_waiter_asks_again_once_the_gil_has_a_new_holder() {
    let _heavy = deadline::one_at_a_time();
    const INTERVAL: Duration = Duration::from_millis(20);
    deadline::within_secs(
        20,
        "two waiters that both asked thread 0 to drop the GIL, then one of them holds it and \
         computes until the other has had it too",
        || {
            let gil = Arc::new(Gil::new(INTERVAL));
            let had = Arc::new([AtomicBool::new(false), AtomicBool::new(false)]);
            let gave_up = Arc::new(AtomicBool::new(false));
            gil.take(0);
            let workers = {
                let (had, gave_up) = (Arc::clone(&had), Arc::clone(&gave_up));
                spawn_threads(&gil, 1..=2, move |gil, me| {
                    gil.take(me);
                    had[me - 1].store(true, Ordering::SeqCst);
                    let other = &had[2 - me];
                    // CPU-bound until the other waiter has had the GIL: only a request from
                    // it makes this thread let go.
                    let start = Instant::now();
                    while !other.load(Ordering::SeqCst) {
                        if start.elapsed() > STALL_LIMIT {
                            gave_up.store(true, Ordering::SeqCst);
                            break;
                        }
                        for _ in 0..100 {
                            std::hint::spin_loop();
                        }
                        gil.check(me);
                    }
                    gil.drop_gil(me);
                })
            };
            wait_for_log(
                &gil,
                |events| {
                    logged(events, 1, EventKind::DropRequested)
                        && logged(events, 2, EventKind::DropRequested)
                },
                |events| {
                    format!(
                        "threads 1 and 2 waited {} s for the GIL that thread 0 held, with a \
                         switch interval of 20 ms, and did not both ask for the drop (a \
                         DropRequested from each). The log was:\n{}\n({CHAPTER}#drop-requests)",
                        STALL_LIMIT.as_secs(),
                        show(events)
                    )
                },
            );
            // Both asked thread 0. It drops the GIL; one of them gets it, and the other must
            // now ask the new holder, after a whole interval under it.
            gil.drop_gil(0);
            join_all(workers);
            let events = gil.events();
            assert!(
                !gave_up.load(Ordering::SeqCst),
                "threads 1 and 2 both asked thread 0 to drop the GIL. Thread 0 dropped it and \
                 one of them took it (which served the request) and then computed, calling \
                 check(), until the other had had the GIL. The other never got it in {} s: it \
                 never asked the new holder. A request belongs to the holder it was made to; \
                 once the GIL has a new holder, a waiter that still waits must ask again after a \
                 whole interval under that holder (compare with the switch count or holder at \
                 the start of each wait, not of the whole take). The log was:\n{}\n\
                 ({CHAPTER}#drop-requests)",
                STALL_LIMIT.as_secs(),
                show(&events)
            );
        },
    );
}

#[test]
fn with_three_threads_every_requested_drop_goes_to_a_waiter() {
    let _heavy = deadline::one_at_a_time();
    const THREADS: usize = 3;
    const ROUNDS: usize = 40;
    deadline::within_secs(
        30,
        "3 CPU-bound threads (switch interval an hour) asked 40 times to drop the GIL",
        || {
            let gil = Arc::new(Gil::new(NEVER));
            let stop = Arc::new(AtomicBool::new(false));
            let workers = {
                let stop = Arc::clone(&stop);
                spawn_threads(&gil, 0..THREADS, move |gil, me| {
                    gil.take(me);
                    while !stop.load(Ordering::SeqCst) {
                        for _ in 0..50 {
                            std::hint::spin_loop();
                        }
                        gil.check(me);
                    }
                    gil.drop_gil(me);
                })
            };
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                for round in 1..=ROUNDS {
                    // Wait until one thread holds the GIL and the two others wait in take().
                    wait_for_log(
                        &gil,
                        |events| holder_in(events).is_some() && waiting_in(events).len() == 2,
                        |events| {
                            let holder = holder_in(events);
                            format!(
                                "round {round}: after the previous hand-off, one thread must \
                                 hold the GIL and the two others wait for it (each back in \
                                 take()), but after {} s the log shows holder {holder:?} and \
                                 waiting {:?}. With an interval of an hour only a wake-up can \
                                 get a waiter going: does each release signal the waiters' \
                                 condition variable, and does taking the GIL wake the thread \
                                 waiting in drop_gil for the switch? The log ends:\n{}\n\
                                 ({CHAPTER}#forced-switching)",
                                STALL_LIMIT.as_secs(),
                                waiting_in(events),
                                show(&events[events.len().saturating_sub(30)..])
                            )
                        },
                    );
                    let before = gil.events();
                    let holder = holder_in(&before).expect("checked just above");
                    gil.request_drop();
                    wait_for_log(
                        &gil,
                        |events| {
                            events[before.len()..]
                                .iter()
                                .any(|e| e.kind == EventKind::Acquired)
                        },
                        |events| {
                            let released = events[before.len()..]
                                .iter()
                                .any(|e| e.thread == holder && e.kind == EventKind::Released);
                            let why = if released {
                                "it dropped the GIL, yet no waiting thread took it: the \
                                 release must wake a waiter (the interval is an hour, so no \
                                 timed wait runs out to save it)"
                            } else {
                                "it never dropped it: check() must drop the GIL when a drop \
                                 is requested"
                            };
                            format!(
                                "round {round}: thread {holder} held the GIL, called check() in \
                                 a loop, and was asked to drop it while two threads waited; \
                                 {why}. The log ends:\n{}\n({CHAPTER}#forced-switching)",
                                show(&events[before.len().saturating_sub(10)..])
                            )
                        },
                    );
                    let events = gil.events();
                    let next = events[before.len()..]
                        .iter()
                        .find(|e| e.kind == EventKind::Acquired)
                        .expect("waited for above");
                    assert_ne!(
                        next.thread,
                        holder,
                        "round {round}: thread {holder} was asked to drop the GIL while two \
                         threads waited, and took it straight back before either of them had \
                         it. With forced switching on, drop_gil after a request must wait until \
                         another thread has taken the GIL (whoever asked: a waiter, or \
                         request_drop()), as long as somebody waits. The log ends:\n{}\n\
                         ({CHAPTER}#forced-switching)",
                        show(&events[before.len().saturating_sub(10)..])
                    );
                }
            }));
            stop.store(true, Ordering::SeqCst);
            if let Err(panic) = result {
                std::panic::resume_unwind(panic);
            }
            join_all(workers);
        },
    );
}

#[test]
fn a_release_wakes_a_waiter_at_once() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(
        15,
        "a waiter (switch interval an hour) after drop_gil(), then after blocking_begin()",
        || {
            let gil = Arc::new(Gil::new(NEVER));
            // A new waiter for each release, so that its Wanted is its own.
            for (me, how, blocking) in [(1, "drop_gil()", false), (2, "blocking_begin()", true)] {
                gil.take(0);
                let waiter = {
                    let gil = Arc::clone(&gil);
                    thread::spawn(move || {
                        gil.take(me);
                        gil.drop_gil(me);
                    })
                };
                wait_for_event(&gil, me, EventKind::Wanted, "the waiter called take()");
                let before = gil.events().len();
                if blocking {
                    gil.blocking_begin(0);
                } else {
                    gil.drop_gil(0);
                }
                wait_for_log(
                    &gil,
                    |events| {
                        events[before..]
                            .iter()
                            .any(|e| e.thread == me && e.kind == EventKind::Acquired)
                    },
                    |events| {
                        format!(
                            "thread {me} waited in take() (switch interval an hour) and thread \
                             0 released the GIL with {how}; {} s later thread {me} still had \
                             not got it. Releasing the GIL, in {how} too, must signal the \
                             condition variable the waiters wait on: a timed wait that runs \
                             out hides a lost wake-up only when the interval is short. The log \
                             was:\n{}\n({CHAPTER}#forced-switching)",
                            STALL_LIMIT.as_secs(),
                            show(events)
                        )
                    },
                );
                waiter.join().expect("the waiting thread panicked");
                if blocking {
                    gil.blocking_end(0);
                    gil.drop_gil(0);
                }
            }
        },
    );
}

#[test]
fn a_thread_that_starts_waiting_does_not_clear_the_request() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(
        10,
        "thread 0 asked to drop the GIL while thread 1 starts waiting, then check()",
        || {
            let gil = Arc::new(Gil::new(NEVER));
            gil.take(0);
            gil.request_drop();
            let waiter = {
                let gil = Arc::clone(&gil);
                thread::spawn(move || {
                    gil.take(1);
                    gil.drop_gil(1);
                })
            };
            wait_for_event(&gil, 1, EventKind::Wanted, "thread 1 called take()");
            let still = gil.drop_requested();
            gil.check(0);
            gil.drop_gil(0);
            waiter.join().expect("the waiting thread panicked");
            assert!(
                still,
                "thread 0 held the GIL and was asked to drop it; then thread 1 called take() \
                 and began to wait, and drop_requested() became false before thread 0 had \
                 dropped the GIL. Only a thread that *takes* the GIL serves the request: clear \
                 it when the GIL is taken, not when a thread starts to want it \
                 ({CHAPTER}#drop-requests)"
            );
        },
    );
}

#[test]
fn a_request_to_the_new_holder_survives_the_previous_holder_returning() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(
        10,
        "a hand-off on request, then a request made to the new holder while the previous \
         holder comes back to wait",
        || {
            let gil = Arc::new(Gil::new(NEVER));
            gil.take(0);
            let new_holder = {
                let gil = Arc::clone(&gil);
                thread::spawn(move || {
                    gil.take(1);
                    // Someone now asks the new holder to drop the GIL.
                    gil.request_drop();
                    // Thread 0, back from its drop_gil, waits in take() again.
                    let start = Instant::now();
                    while gil
                        .events()
                        .iter()
                        .filter(|e| e.thread == 0 && e.kind == EventKind::Wanted)
                        .count()
                        < 2
                    {
                        assert!(
                            start.elapsed() < STALL_LIMIT,
                            "thread 0 dropped the GIL on request and thread 1 took it, but \
                             thread 0 never came back to take() (no second Wanted): does \
                             drop_gil return once another thread has taken the GIL? \
                             ({CHAPTER}#forced-switching)"
                        );
                        thread::sleep(ms(1));
                    }
                    let still = gil.drop_requested();
                    gil.check(1);
                    gil.drop_gil(1);
                    still
                })
            };
            wait_for_event(&gil, 1, EventKind::Wanted, "thread 1 called take()");
            gil.request_drop();
            gil.check(0);
            gil.drop_gil(0);
            let still = new_holder.join().expect("thread 1 panicked");
            assert!(
                still,
                "thread 0 dropped the GIL on request and thread 1 took it; thread 1 was then \
                 asked to drop it too, and when thread 0 came back from drop_gil, that new \
                 request was gone (drop_requested() false) although nobody had taken the GIL \
                 since. The request belongs to the holder it was made to; only the thread \
                 that takes the GIL next clears it, never the previous holder on its way back \
                 ({CHAPTER}#drop-requests)"
            );
        },
    );
}

#[test]
fn a_switch_interval_of_zero_still_hands_the_gil_over() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(
        20,
        "two CPU-bound threads for 100 ms at a switch interval of zero",
        || {
            let gil = Arc::new(Gil::new(Duration::ZERO));
            let switches = two_cpu_bound_threads(&gil, ms(100));
            assert!(
                switches >= 2,
                "two CPU-bound threads ran 100 ms with a switch interval of zero and the GIL \
                 changed hands {switches} times: a zero interval waits as short as it can, \
                 then asks ({CHAPTER}#the-switch-interval)"
            );
        },
    );
}

#[test]
fn the_event_log_keeps_the_first_max_events() {
    use gil::MAX_EVENTS;
    deadline::within_secs(
        30,
        "one thread taking and dropping the GIL a third of a million times",
        || {
            let gil = Gil::new(NEVER);
            // Each cycle logs Wanted, Acquired, Released.
            let cycles = MAX_EVENTS / 3 + 2;
            for _ in 0..cycles {
                gil.take(0);
                gil.drop_gil(0);
            }
            gil.take(0);
            gil.request_drop();
            gil.check(0);
            gil.drop_gil(0);
            let events = gil.events();
            assert_eq!(
                events.len(),
                MAX_EVENTS,
                "{} events happened; the log must keep the first MAX_EVENTS ({MAX_EVENTS}) of \
                 them, no more and no fewer ({CHAPTER}#the-event-log)",
                3 * cycles + 6
            );
            assert_eq!(
                gil.drop_requests(),
                1,
                "with the log full, the counters must keep counting ({CHAPTER}#the-event-log)"
            );
        },
    );
}

#[test]
fn python_threads_run_on_the_gil_through_the_interpreter() {
    let _heavy = deadline::one_at_a_time();
    const PROGRAM: &str = "\
def count(n):
    i = 0
    while i < n:
        i = i + 1
    return i


def nap(n):
    sleep_ms(n)
    return n
";
    deadline::within_secs(
        30,
        "two CPU-bound Python threads and one that sleeps, on the toy interpreter",
        || {
            let program = toy_python::compile(PROGRAM).expect("the test's program compiles");
            let gil = Arc::new(Gil::new(ms(1)));
            let interpreter = toy_python::Interpreter::new(&program, gil.clone())
                .expect("the module's top level runs");
            let n = toy_python::Value::Int(300_000);
            let threads = [
                interpreter.spawn("count", vec![n]),
                interpreter.spawn("count", vec![n]),
                interpreter.spawn("nap", vec![toy_python::Value::Int(5)]),
            ];
            for thread in threads {
                let result = thread
                    .join()
                    .expect("an interpreter thread panicked")
                    .expect("the Python function raised");
                assert!(result == n || result == toy_python::Value::Int(5));
            }
            let events = gil.events();
            if let Err(problem) = consistent(&events) {
                panic!(
                    "{problem}\nThe log of the interpreter's threads was:\n{}\n\
                     ({CHAPTER}#the-event-log)",
                    show(&events)
                );
            }
            let count = |kind| events.iter().filter(|e| e.kind == kind).count();
            assert!(
                count(EventKind::Blocked) == 1 && count(EventKind::Unblocked) == 1,
                "the interpreter's sleep_ms calls blocking_begin and blocking_end once: the \
                 log must have one Blocked and one Unblocked:\n{}\n({CHAPTER}#blocking-calls)",
                show(&events)
            );
            // The counting threads: those that never blocked (the sleeper takes the GIL twice
            // by itself, in take and in blocking_end).
            let most = (0..5)
                .filter(|&t| !logged(&events, t, EventKind::Blocked))
                .map(|t| {
                    events
                        .iter()
                        .filter(|e| e.thread == t && e.kind == EventKind::Acquired)
                        .count()
                })
                .max()
                .unwrap_or(0);
            assert!(
                most >= 2,
                "two Python threads each counted to 300,000 with a switch interval of 1 ms, and \
                 neither ever dropped the GIL in the middle: the interpreter calls check() at \
                 every loop back-edge, and a waiter whose interval ran out must make it drop \
                 the GIL. The log was:\n{}\n({CHAPTER}#drop-requests)",
                show(&events)
            );
        },
    );
}
