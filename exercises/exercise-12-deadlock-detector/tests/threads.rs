//! Exercise 12 graded suite, on real threads. Book: `book/src/part-4/detecting-deadlock.md`.
//!
//! Every promise of the stub's docs, and the tests that check it here and under loom, are
//! listed in `tests/contracts/exercise-12.toml`. Test names start with their part: `mutex_`
//! (a mutex that works), `order_` (the lock-order graph and its reports), `deadlock_` (the
//! wait-for check). No test looks at how fast the detector is: the bench does
//! (`cargo run --release -p exercise-12 --example bench`).
//!
//! Threads are told apart as the detector tells them apart, by
//! `crate::sync::thread::current_number()`; the call sites in a report are compared with
//! the line of this file that called `lock()` (`line!()` on the same line).

use std::panic::{AssertUnwindSafe, Location, catch_unwind};
use std::sync::mpsc;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use sync_shim::std_sync::thread::current_number;
use sync_shim::testing::wait_calls;

sync_shim::library_under_std!(detector);

use detector::{Deadlock, Detector, Inversion, Mutex, MutexGuard};

const CHAPTER: &str = "book/src/part-4/detecting-deadlock.md";

/// Whether `at` is line `line` of this file.
fn is_here(at: &Location<'_>, line: u32) -> bool {
    at.file() == file!() && at.line() == line
}

fn place(at: &Location<'_>) -> String {
    format!("{}:{}", at.file(), at.line())
}

/// Takes `mutex`, failing the test with `what` if the detector refuses.
#[track_caller]
fn take<'a, T>(mutex: &'a Mutex<T>, what: &str) -> MutexGuard<'a, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(deadlock) => panic!(
            "{what}: lock() of {:?} returned Err(Deadlock) though no thread waited for \
             another:\n{deadlock}\nA Deadlock is only for a ring of threads that wait for one \
             another right now (or a thread that locks what it holds) \
             ({CHAPTER}#turning-a-hang-into-an-error)",
            mutex.name()
        ),
    }
}

/// What most likely killed a test run in a process of its own.
const CRASH: &str = "the search for a path back never ended: it overflowed the stack. A search \
                     that walks into a cycle of the graph (a -> b -> a) that does not lead to \
                     the lock held goes round it for ever unless it remembers the locks it has \
                     been to";

/// Runs `body` in a child process (this test binary again, running only the test `name` of
/// this module), so that a crash there (a stack overflow aborts the whole process) fails
/// this one test with [`CRASH`] as the likely cause, instead of ending every test of the
/// binary without a word. A failure of `body` is passed on with the child's message. For
/// the tests that search the graph after it has a cycle.
fn in_a_process_of_its_own(name: &str, body: fn()) {
    const CHILD: &str = "COURSE_EXERCISE_12_CHILD_TEST";
    let test = format!("threads::{name}");
    if std::env::var(CHILD).as_deref() == Ok(test.as_str()) {
        body();
        return;
    }
    let exe = std::env::current_exe().expect("the path of this test binary");
    let output = deadline::within_secs(
        30,
        "this test, run again in a process of its own",
        move || {
            std::process::Command::new(exe)
                .args([test.as_str(), "--exact", "--nocapture", "--test-threads=1"])
                .env(CHILD, &test)
                .output()
                .expect("could not run this test binary again in a child process")
        },
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.success() {
        assert!(
            stdout.contains("1 passed"),
            "the child process ran no test named threads::{name}: {stdout}"
        );
        return;
    }
    // The child's own messages, without its backtraces.
    let said: Vec<&str> = stderr
        .lines()
        .filter(|line| !line.starts_with("  ") && !line.starts_with("stack backtrace"))
        .take(30)
        .collect();
    let said = said.join("\n");
    match output.status.code() {
        Some(_) => panic!("{said}"),
        None => panic!(
            "{CRASH} ({CHAPTER}#lock-order-graphs).\nThe test ran in a process of its own, \
             which was killed ({}); it said:\n{said}",
            output.status
        ),
    }
}

fn no_reports(detector: &Detector, what: &str, bug: &str) {
    let reports = detector.reports();
    assert!(
        reports.is_empty(),
        "{what}, yet the detector reported {} inversion(s); the first:\n{}\n{bug} \
         ({CHAPTER}#lock-order-graphs)",
        reports.len(),
        reports[0]
    );
}

/// Checks that the report's cycle is a chain that closes: each edge's `taken` is the next
/// edge's `held`, and the last edge's `taken` is the first edge's `held`.
fn assert_closed_chain(report: &Inversion) {
    let cycle = &report.cycle;
    let closed = !cycle.is_empty()
        && (0..cycle.len()).all(|i| cycle[i].taken == cycle[(i + 1) % cycle.len()].held);
    assert!(
        closed,
        "the report's cycle is not a chain of edges that closes (each edge's `taken` must be \
         the next edge's `held`, and the last edge must lead back to the first): {report:#?} \
         ({CHAPTER}#reporting-an-inversion)"
    );
}

// ---------------------------------------------------------------------------------------
// lock: a mutex that works

#[test]
fn mutex_gives_access_to_the_value_and_keeps_changes() {
    deadline::within_secs(5, "lock() of a free detector mutex, twice", || {
        let detector = Detector::new();
        let list = detector.mutex("list", vec![1, 2]);
        assert_eq!(
            list.name(),
            "list",
            "name() must return the name given to Detector::mutex ({CHAPTER}#exercise)"
        );
        take(&list, "the first lock() of a free mutex").push(3);
        let guard = take(&list, "lock() after the first guard was dropped");
        assert_eq!(
            *guard,
            [1, 2, 3],
            "a change made through one guard was not there for the next guard: Deref and \
             DerefMut must reach the value inside the mutex ({CHAPTER}#exercise)"
        );
    });
}

#[test]
fn mutex_lets_one_thread_in_at_a_time() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(
        20,
        "4 threads taking one detector lock 2,000 times each",
        || {
            let detector = Detector::new();
            let counter = Arc::new(detector.mutex("counter", (0_u64, false)));
            let shared = Arc::clone(&counter);
            deadline::workers(4, "4 threads adding 1 under one detector lock", move |_| {
                for _ in 0..2_000 {
                    let mut guard = take(&shared, "a thread adding 1 under the lock");
                    assert!(
                        !guard.1,
                        "a thread got into the lock while another was inside: lock() must \
                     give the lock to one thread at a time, and wait while it is held \
                     ({CHAPTER}#exercise)"
                    );
                    guard.1 = true;
                    let read = guard.0;
                    thread::yield_now();
                    guard.0 = read + 1;
                    guard.1 = false;
                }
            });
            let total = take(&counter, "lock() after every thread finished").0;
            assert_eq!(
                total, 8_000,
                "4 threads added 1 under the lock 2,000 times each, yet the counter is {total}: \
             two threads were inside at once ({CHAPTER}#exercise)"
            );
            no_reports(
                &detector,
                "4 threads each took one lock and nothing else",
                "With one lock there is no order to invert",
            );
        },
    );
}

#[test]
fn mutex_waiter_sleeps_until_the_holder_releases() {
    deadline::within_secs(10, "a waiter's lock() after the holder released", || {
        let detector = Detector::new();
        let lock = Arc::new(detector.mutex("a", 0));
        let mut guard = take(&lock, "the holder's lock()");
        let (tell, told) = mpsc::channel();
        let waiter = {
            let lock = Arc::clone(&lock);
            thread::spawn(move || {
                let waits = wait_calls();
                let guard = lock.lock().map(|mut guard| {
                    *guard += 1;
                    *guard
                });
                let _ = tell.send(());
                (guard.map_err(|e| e.to_string()), wait_calls() - waits)
            })
        };
        thread::sleep(Duration::from_millis(100));
        assert!(
            told.try_recv().is_err(),
            "a second thread's lock() returned while the first thread held the lock: it must \
             wait until the guard is dropped ({CHAPTER}#exercise)"
        );
        *guard = 1;
        drop(guard);
        let (seen, waits) = waiter.join().expect("the waiter panicked");
        let seen = seen.unwrap_or_else(|e| {
            panic!(
                "a thread waiting for a lock whose holder waits for nothing got Err: {e} \
                 ({CHAPTER}#turning-a-hang-into-an-error)"
            )
        });
        assert_eq!(
            seen, 2,
            "the holder wrote 1 and released; the waiter added 1 and saw {seen}, not 2 \
             ({CHAPTER}#exercise)"
        );
        assert!(
            waits > 0,
            "the waiter got the lock after waiting 100 ms without calling \
             crate::sync::atomic_wait::wait once: it must sleep there (not spin, not sleep \
             on a Condvar, which loom cannot report cleanly when it hangs) \
             ({CHAPTER}#turning-a-hang-into-an-error)"
        );
    });
}

#[test]
fn mutex_panic_while_holding_releases_the_lock_and_forgets_it() {
    deadline::within_secs(
        5,
        "lock() after a thread panicked while holding the lock (the guard's Drop must release \
         the lock while the thread unwinds: book/src/part-4/detecting-deadlock.md#exercise)",
        || {
            let detector = Detector::new();
            let a = Arc::new(detector.mutex("a", 0));
            let b = detector.mutex("b", 0);
            // The legitimate order of this test: b, then a.
            {
                let _b = take(&b, "lock() of b");
                let _a = take(&a, "lock() of a while holding b");
            }
            // A panic while holding a, caught on this same thread.
            let panicked = catch_unwind(AssertUnwindSafe(|| {
                let mut guard = take(&a, "lock() of a before the panic");
                *guard = 7;
                panic!("a panic while holding a");
            }));
            assert!(panicked.is_err());
            // This thread first: a guard whose Drop did nothing while unwinding left the lock
            // held by this very thread, and lock() says so at once (a ring of one).
            let again = a.lock().map(|guard| *guard).map_err(|e| e.to_string());
            assert_eq!(
                again,
                Ok(7),
                "after a panic while holding a (caught on this thread), this thread's next \
                 a.lock() must get in and see 7: the guard's Drop must release the lock and \
                 forget it in the thread's record even while the thread unwinds (no early \
                 return when std::thread::panicking()) ({CHAPTER}#exercise)"
            );
            let other = {
                let a = Arc::clone(&a);
                thread::spawn(move || a.lock().map(|guard| *guard).map_err(|e| e.to_string()))
            };
            let seen = other.join().expect("the other thread panicked");
            assert_eq!(
                seen,
                Ok(7),
                "after a thread panicked while holding the lock, another thread's lock() \
                 must get in (the guard's Drop runs during unwinding) and see the value as \
                 the panicking thread left it ({CHAPTER}#exercise)"
            );
            // If the unwinding guard left `a` in this thread's record of what it holds,
            // taking b now would record a -> b and report an inversion with b -> a.
            {
                let _b = take(&b, "lock() of b after the panic");
                let _a = take(&a, "lock() of a while holding b, after the panic");
            }
            no_reports(
                &detector,
                "a thread took b then a, panicked while holding a alone, then took b then a \
                 again",
                "The guard's Drop during the panic must forget a in the thread's record of the \
                 locks it holds, or the next lock() thinks it still holds a",
            );
        },
    );
}

#[test]
fn mutex_types_are_send_and_sync_and_the_guard_stays_on_its_thread() {
    use std::cell::Cell;
    use std::rc::Rc;
    deadline::within_secs(5, "two threads sharing a lock around a Cell", || {
        // A `Cell` may move between threads but not be shared: the lock makes that safe.
        let detector = Detector::new();
        let cell = detector.mutex("cell", Cell::new(0));
        thread::scope(|s| {
            s.spawn(|| take(&cell, "the spawned thread's lock()").set(1));
            take(&cell, "the main thread's lock()").set(2);
        });
        let value = take(&cell, "lock() after both threads").get();
        assert!(
            value == 1 || value == 2,
            "each thread set the Cell to its own number under the lock, yet it holds {value} \
             ({CHAPTER}#exercise)"
        );
    });
    assert!(
        auto_traits::is_send!(Detector) && auto_traits::is_sync!(Detector),
        "Detector must be Send and Sync: threads share it to make locks and read reports \
         ({CHAPTER}#exercise)"
    );
    assert!(
        auto_traits::is_send!(Mutex<Cell<i32>>) && auto_traits::is_sync!(Mutex<Cell<i32>>),
        "Mutex<T> must be Send and Sync when T is Send: it hands the value to one thread at a \
         time ({CHAPTER}#exercise)"
    );
    assert!(
        !auto_traits::is_sync!(Mutex<Rc<i32>>),
        "Mutex<Rc<_>> must not be Sync: two threads could each get an Rc clone of the same \
         count ({CHAPTER}#exercise)"
    );
    assert!(
        !auto_traits::is_send!(MutexGuard<'static, i32>),
        "MutexGuard must not be Send: the detector's record of which locks a thread holds is \
         per thread, so a guard dropped on another thread would clear the wrong record \
         ({CHAPTER}#exercise)"
    );
    assert!(
        !auto_traits::is_sync!(MutexGuard<'static, Cell<i32>>),
        "MutexGuard<Cell<_>> must not be Sync: a shared guard hands out &T \
         ({CHAPTER}#exercise)"
    );
}

// ---------------------------------------------------------------------------------------
// order: the lock-order graph

/// Runs `body` on a new thread and returns what it returned, with the thread's number.
fn on_a_thread<R: Send + 'static>(body: impl FnOnce() -> R + Send + 'static) -> (R, u64) {
    thread::spawn(move || (body(), current_number()))
        .join()
        .expect("a thread of the test panicked")
}

#[test]
fn order_inversion_across_two_threads_is_reported_though_nothing_hung() {
    deadline::within_secs(
        5,
        "two threads taking a, b then b, a, one after the other",
        || {
            let detector = Detector::new();
            let a = Arc::new(detector.mutex("a", ()));
            let b = Arc::new(detector.mutex("b", ()));
            let ((first_a, first_b), first) = {
                let (a, b) = (Arc::clone(&a), Arc::clone(&b));
                on_a_thread(move || {
                    let (_a, at_a) = (take(&a, "thread 1's lock() of a"), line!());
                    let (_b, at_b) = (take(&b, "thread 1's lock() of b"), line!());
                    (at_a, at_b)
                })
            };
            no_reports(
                &detector,
                "one thread took a then b, and nothing else happened",
                "One order is no inversion",
            );
            let ((second_b, second_a), second) = {
                let (a, b) = (Arc::clone(&a), Arc::clone(&b));
                on_a_thread(move || {
                    let (_b, at_b) = (take(&b, "thread 2's lock() of b"), line!());
                    let (_a, at_a) = (take(&a, "thread 2's lock() of a"), line!());
                    (at_b, at_a)
                })
            };
            let reports = detector.reports();
            assert_eq!(
                reports.len(),
                1,
                "thread 1 took a then b and released them; later thread 2 took b then a. No \
             thread waited, but the orders are inverted: exactly one report is due, and {} \
             came: {reports:#?}. For each lock this thread holds, lock() must add an edge \
             held -> taken and look for a path back from taken to held \
             ({CHAPTER}#lock-order-graphs)",
                reports.len()
            );
            let report = &reports[0];
            assert_eq!(
                report.cycle.len(),
                2,
                "two locks taken in two orders make a cycle of two edges, b -> a (the new one) \
             then a -> b, not {report:#?} ({CHAPTER}#reporting-an-inversion)"
            );
            let (new, old) = (&report.cycle[0], &report.cycle[1]);
            assert!(
                (
                    new.held.as_str(),
                    new.taken.as_str(),
                    old.held.as_str(),
                    old.taken.as_str()
                ) == ("b", "a", "a", "b"),
                "the cycle must start with the edge just added (held \"b\", taken \"a\") and go \
             on with the one recorded before (held \"a\", taken \"b\"), not {report:#?}: are \
             the edges recorded held -> taken? ({CHAPTER}#reporting-an-inversion)"
            );
            assert!(
                new.thread == second && old.thread == first,
                "the report must name the thread of each edge (as current_number() names it): \
             the new edge was thread {second}'s, the old one thread {first}'s, but the \
             report says {} and {}. Each edge keeps the thread that drew it when it was first \
             recorded (the edges of the path back are older, often another thread's, not the \
             thread that closes the cycle); and the record of held locks is keyed by the \
             thread ({CHAPTER}#reporting-an-inversion)",
                new.thread,
                old.thread
            );
            let held_hint = "An edge's held_at is where the held lock was taken (kept with it in \
                             the thread's record of held locks), not the line of the lock() that \
                             adds the edge";
            let taken_hint = "lock() must be #[track_caller] and record \
                              std::panic::Location::caller(), the line of the caller, for each \
                              acquisition";
            let sites = [
                (new.held_at, second_b, "thread 2 took b", held_hint),
                (new.taken_at, second_a, "thread 2 took a", taken_hint),
                (old.held_at, first_a, "thread 1 took a", held_hint),
                (old.taken_at, first_b, "thread 1 took b", taken_hint),
            ];
            let text = report.to_string();
            let mentions = |needle: String| text.contains(&needle);
            assert!(
                mentions(format!("{}:{second_a}", file!()))
                    && mentions(format!("{}:{first_b}", file!()))
                    && mentions(format!("thread {second}"))
                    && mentions(format!("thread {first}")),
                "the report's Display (provided, in src/report.rs) must show every edge's lines \
             and threads; it printed:\n{text}\nHas src/report.rs been edited? \
             ({CHAPTER}#reporting-an-inversion)"
            );
            for (at, line, what, hint) in sites {
                assert!(
                    is_here(at, line),
                    "{what} at {}:{line}, but the report says {}. {hint} \
                     ({CHAPTER}#reporting-an-inversion)",
                    file!(),
                    place(at)
                );
            }
        },
    );
}

#[test]
fn order_consistent_order_is_never_reported() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(20, "two threads taking a then b, 500 times each", || {
        let detector = Detector::new();
        let a = Arc::new(detector.mutex("a", 0));
        let b = Arc::new(detector.mutex("b", 0));
        deadline::workers(2, "two threads taking a then b", move |_| {
            for _ in 0..500 {
                let mut a = take(&a, "lock() of a");
                let mut b = take(&b, "lock() of b while holding a");
                *a += 1;
                *b += 1;
            }
        });
        no_reports(
            &detector,
            "two threads both took a then b, 500 times each",
            "The same order again is the same edge, not a cycle: only a path back from the \
             lock taken to the lock held closes one",
        );
    });
}

#[test]
fn order_retaking_after_release_is_not_an_inversion() {
    deadline::within_secs(5, "one thread taking a, then b then a", || {
        let detector = Detector::new();
        let a = detector.mutex("a", ());
        let b = detector.mutex("b", ());
        drop(take(&a, "lock() of a"));
        let _b = take(&b, "lock() of b after a was released");
        let _a = take(&a, "lock() of a while holding b");
        no_reports(
            &detector,
            "a thread took a and released it, then took b then a: a was not held when b was \
             taken",
            "The guard's Drop must take the lock out of the thread's record of held locks",
        );
    });
}

#[test]
fn order_long_chain_taken_in_order_is_not_reported() {
    deadline::within_secs(5, "a chain of six locks taken in order", || {
        let detector = Detector::new();
        let locks: Vec<_> = (0..6)
            .map(|i| detector.mutex(format!("lock {i}"), i))
            .collect();
        for round in 0..3 {
            let guards: Vec<_> = locks
                .iter()
                .skip(round % 2)
                .step_by(1 + round % 2)
                .map(|lock| take(lock, "a lock of the chain, in order"))
                .collect();
            drop(guards);
        }
        no_reports(
            &detector,
            "locks 0 to 5 were taken nested, always in increasing order (all, then 1, 3, 5, \
             then all again)",
            "A chain taken in one order has paths only forwards",
        );
        // Pairs this time: 0 then 1, 1 then 2, then 0 then 2. The new edge 0 -> 2 has a path
        // forwards (0 -> 1 -> 2) but none back from 2 to 0.
        let detector = Detector::new();
        let locks: Vec<_> = (0..3)
            .map(|i| detector.mutex(format!("lock {i}"), i))
            .collect();
        for (first, second) in [(0, 1), (1, 2), (0, 2)] {
            let _first = take(&locks[first], "the first lock of a pair");
            let _second = take(&locks[second], "the second lock of a pair, in order");
        }
        no_reports(
            &detector,
            "a thread took lock 0 then 1, then 1 then 2, then 0 then 2 (always the lower \
             first)",
            "A path from the held lock forwards to the one taken (0 -> 1 -> 2) is no cycle: the \
             search must look for a path from the lock taken (2) back to the held one (0)",
        );
    });
}

#[test]
fn order_cycle_through_three_locks_is_found() {
    deadline::within_secs(5, "three pairs taken one after the other", || {
        let detector = Detector::new();
        let a = detector.mutex("a", ());
        let b = detector.mutex("b", ());
        let c = detector.mutex("c", ());
        for (first, second) in [(&a, &b), (&b, &c)] {
            let _first = take(first, "the first lock of a pair");
            let _second = take(second, "the second lock of a pair");
        }
        no_reports(&detector, "a then b, then b then c", "No cycle yet");
        let _c = take(&c, "lock() of c");
        let (_a, line) = (take(&a, "lock() of a while holding c"), line!());
        let reports = detector.reports();
        assert_eq!(
            reports.len(),
            1,
            "a then b, b then c, then c then a closes the cycle a -> b -> c -> a; one report \
             was due and {} came. The search must follow paths of any length, not only a \
             direct edge from a to c ({CHAPTER}#lock-order-graphs)",
            reports.len()
        );
        let report = &reports[0];
        assert_closed_chain(report);
        let names: Vec<&str> = report.cycle.iter().map(|e| e.held.as_str()).collect();
        assert_eq!(
            names,
            ["c", "a", "b"],
            "the cycle must start with the new edge c -> a, then the recorded path a -> b -> \
             c: {report:#?} ({CHAPTER}#reporting-an-inversion)"
        );
        assert!(
            is_here(report.cycle[0].taken_at, line),
            "a was taken at line {line} of {}, but the report says {} (#[track_caller]) \
             ({CHAPTER}#reporting-an-inversion)",
            file!(),
            place(report.cycle[0].taken_at)
        );
    });
}

#[test]
fn order_locks_released_out_of_order_are_forgotten_exactly() {
    deadline::within_secs(5, "locks released out of order", || {
        let detector = Detector::new();
        let a = detector.mutex("a", ());
        let b = detector.mutex("b", ());
        let c = detector.mutex("c", ());
        let guard_a = take(&a, "lock() of a");
        let guard_b = take(&b, "lock() of b while holding a");
        drop(guard_a);
        drop(guard_b);
        {
            let _c = take(&c, "lock() of c");
            let _a = take(&a, "lock() of a while holding c");
        }
        no_reports(
            &detector,
            "a thread took a, then b, released a before b, then took c then a (the only \
             edges are a -> b and c -> a)",
            "Locks may be released in any order: the guard's Drop must remove its own lock \
             from the thread's record, wherever it is, not the last one taken",
        );

        // Released out of order again; what is still held must be exactly b.
        let detector = Detector::new();
        let a = detector.mutex("a", ());
        let b = detector.mutex("b", ());
        let c = detector.mutex("c", ());
        let guard_a = take(&a, "lock() of a");
        let guard_b = take(&b, "lock() of b while holding a");
        drop(guard_a);
        let guard_c = take(&c, "lock() of c while holding b only");
        drop(guard_c);
        drop(guard_b);
        {
            let _c = take(&c, "lock() of c");
            let _b = take(&b, "lock() of b while holding c");
        }
        let reports = detector.reports();
        assert_eq!(
            reports.len(),
            1,
            "a thread took a, then b, released a, took c (while holding b: edge b -> c), \
             released everything, then took c then b: that inverts b -> c, yet {} reports \
             came. The guard's Drop must remove its own lock from the thread's record, not \
             the last one taken ({CHAPTER}#lock-order-graphs)",
            reports.len()
        );
    });
}

#[test]
fn order_two_threads_each_holding_one_lock_get_no_report() {
    deadline::within_secs(5, "two threads each holding one lock at a time", || {
        let detector = Detector::new();
        let a = Arc::new(detector.mutex("a", ()));
        let b = Arc::new(detector.mutex("b", ()));
        let step = Arc::new(Barrier::new(2));
        let other = {
            let (a, b, step) = (Arc::clone(&a), Arc::clone(&b), Arc::clone(&step));
            thread::spawn(move || {
                step.wait(); // main holds a
                drop(take(&b, "the other thread's lock() of b"));
                step.wait();
                step.wait(); // main holds b
                drop(take(&a, "the other thread's lock() of a"));
                step.wait();
            })
        };
        let guard = take(&a, "main's lock() of a");
        step.wait();
        step.wait();
        drop(guard);
        let guard = take(&b, "main's lock() of b");
        step.wait();
        step.wait();
        drop(guard);
        other.join().expect("the other thread panicked");
        no_reports(
            &detector,
            "while main held a, another thread took b alone; then while main held b, it took \
             a alone. No thread ever held two locks",
            "The record of held locks must be per thread (keyed by current_number()), not \
             one list for the whole detector",
        );
    });
}

#[test]
fn order_the_same_inversion_is_reported_once() {
    // In a process of its own: a search that recurses round the cycle for ever overflows the
    // stack, which aborts the whole process, and would take every other test down with it.
    in_a_process_of_its_own(
        "order_the_same_inversion_is_reported_once",
        same_inversion_reported_once,
    );
}

fn same_inversion_reported_once() {
    deadline::within_secs(
        5,
        "a then b once, b then a three times, then c then a, d then c (a search for a path \
         that walks round the cycle a -> b -> a must remember where it has been)",
        || {
            let detector = Detector::new();
            let a = detector.mutex("a", ());
            let b = detector.mutex("b", ());
            {
                let _a = take(&a, "lock() of a");
                let _b = take(&b, "lock() of b while holding a");
            }
            for _ in 0..3 {
                let _b = take(&b, "lock() of b");
                let _a = take(&a, "lock() of a while holding b");
            }
            let reports = detector.reports().len();
            assert_eq!(
                reports, 1,
                "the inversion b -> a was made three times and reported {reports} times: report \
             an edge when it is first added, not every time it is seen again \
             ({CHAPTER}#reporting-an-inversion)"
            );
            // The graph now has a cycle (a -> b -> a). Add c -> a, then take d then c: the
            // search for a path from c back to d walks into the cycle, which does not pass
            // through c, and must stop.
            let c = detector.mutex("c", ());
            let d = detector.mutex("d", ());
            for (first, second) in [(&c, &a), (&d, &c)] {
                let _first = take(first, "the first lock of a pair");
                let _second = take(second, "the second lock of a pair");
            }
            let reports = detector.reports().len();
            let (why, section) = if reports == 0 {
                (
                    "the report of a and b is gone: reports() must list every inversion found \
                     so far each time it is called, not hand them out once and forget them",
                    "#reporting-an-inversion",
                )
            } else {
                (
                    "no path leads back from a to c or from c to d, so no new cycle closed",
                    "#lock-order-graphs",
                )
            };
            assert_eq!(
                reports, 1,
                "after the inversion of a and b (reported once), a thread took c then a, and d \
                 then c; there are now {reports} reports, not 1: {why} ({CHAPTER}{section})"
            );
        },
    );
}

#[test]
fn order_each_new_edge_that_closes_a_cycle_is_reported_oldest_first() {
    deadline::within_secs(
        5,
        "one thread taking pairs of locks, then three nested",
        || {
            let detector = Detector::new();
            let [a, b, c, d, e] = ["a", "b", "c", "d", "e"].map(|name| detector.mutex(name, ()));
            for (first, second) in [(&c, &a), (&c, &b)] {
                let _first = take(first, "the first lock of a pair");
                let _second = take(second, "the second lock of a pair");
            }
            {
                let _a = take(&a, "lock() of a");
                let _b = take(&b, "lock() of b while holding a");
                let _c = take(&c, "lock() of c while holding a and b");
            }
            let reports = detector.reports();
            let mut closed: Vec<(&str, &str)> = reports
                .iter()
                .filter_map(|report| report.cycle.first())
                .map(|edge| (edge.held.as_str(), edge.taken.as_str()))
                .collect();
            closed.sort_unstable();
            assert_eq!(
                closed,
                [("a", "c"), ("b", "c")],
                "a thread took c then a, c then b, then a, b and c nested. Taking c while holding \
             a and b adds two new edges, a -> c and b -> c, and each closes a cycle (with \
             c -> a and with c -> b): two reports are due, one starting with each, but the \
             reports start with {closed:?}: {reports:#?}. lock() adds an edge from every lock \
             the thread holds, not only from the last one it took ({CHAPTER}#lock-order-graphs)"
            );
            for (first, second) in [(&d, &e), (&e, &d)] {
                let _first = take(first, "the first lock of a pair");
                let _second = take(second, "the second lock of a pair");
            }
            let reports = detector.reports();
            assert_eq!(
                reports.len(),
                3,
                "after the two reports about a, b and c, the thread took d then e, and e then d: a \
             third, different inversion, yet reports() now lists {}: {reports:#?}. Every new \
             edge that closes a cycle is reported, not only the detector's first inversion; \
             and reports() lists them all each time, it does not hand them out once \
             ({CHAPTER}#reporting-an-inversion)",
                reports.len()
            );
            let newest = reports[2]
                .cycle
                .first()
                .map(|edge| (edge.held.as_str(), edge.taken.as_str()));
            assert_eq!(
                newest,
                Some(("e", "d")),
                "reports() lists the inversions oldest first: the last one found (e then d, \
             closing e -> d -> e) must come last, but the last report is {:#?} \
             ({CHAPTER}#reporting-an-inversion)",
                reports[2]
            );
            assert_eq!(
                detector.reports(),
                reports,
                "reports() called twice in a row gave two different lists: it must return a copy of \
             every inversion found so far, not hand them out and forget them \
             ({CHAPTER}#reporting-an-inversion)"
            );
        },
    );
}

#[test]
fn order_two_mutexes_sharing_a_name_are_two_locks() {
    deadline::within_secs(5, "two mutexes both called x, taken in both orders", || {
        let detector = Detector::new();
        let first = detector.mutex("x", 1);
        let second = detector.mutex("x", 2);
        {
            let one = take(&first, "lock() of the first mutex called x");
            let two = take(
                &second,
                "lock() of the second mutex called x (another lock, of the same name) while \
                 holding the first",
            );
            assert_eq!(
                (*one, *two),
                (1, 2),
                "two mutexes made with the same name are two locks with a value each, yet their \
                 guards gave {} and {} ({CHAPTER}#exercise)",
                *one,
                *two
            );
        }
        no_reports(
            &detector,
            "a thread took one mutex called x, then the other, once",
            "Two mutexes that share a name are two locks, and one order is no inversion",
        );
        {
            let _two = take(&second, "lock() of the second x");
            let _one = take(&first, "lock() of the first x while holding the second");
        }
        let reports = detector.reports();
        assert_eq!(
            reports.len(),
            1,
            "two mutexes both called x were taken in one order, then in the other: an \
             inversion like any other, so one report is due, yet {} came: {reports:#?}. Give \
             each Detector::mutex its own number and key the holders and the graph by it: the \
             name is only for the reports ({CHAPTER}#lock-order-graphs)",
            reports.len()
        );
    });
}

// ---------------------------------------------------------------------------------------
// deadlock: the wait-for check

#[test]
fn deadlock_relocking_a_held_lock_is_an_error_not_a_hang() {
    deadline::within_secs(5, "a second lock() of a lock this thread holds", || {
        let detector = Detector::new();
        let a = detector.mutex("a", 5);
        let guard = take(&a, "the first lock() of a");
        let (second, line) = (a.lock().map(|g| *g), line!());
        if let Err(deadlock) = &second {
            let text = deadlock.to_string();
            assert!(
                text.contains(&format!("{}:{line}", file!())),
                "the Deadlock's Display (provided, in src/report.rs) must show where each \
                 thread waits; it printed:\n{text}\nHas src/report.rs been edited? \
                 ({CHAPTER}#turning-a-hang-into-an-error)"
            );
        }
        let Err(Deadlock { cycle }) = second else {
            panic!(
                "a thread that holds a and calls a.lock() again got the lock: two guards at \
                 once ({CHAPTER}#turning-a-hang-into-an-error)"
            )
        };
        let me = current_number();
        assert!(
            cycle.len() == 1
                && cycle[0].thread == me
                && cycle[0].held_by == me
                && cycle[0].lock == "a",
            "a thread waiting for a lock it holds itself is a ring of one: expected one \
             entry, thread {me} waiting for \"a\" held by thread {me}, got {cycle:#?} \
             ({CHAPTER}#turning-a-hang-into-an-error)"
        );
        assert!(
            is_here(cycle[0].at, line),
            "the second lock() was called at line {line} of {}, but the Deadlock says {} \
             (#[track_caller]) ({CHAPTER}#turning-a-hang-into-an-error)",
            file!(),
            place(cycle[0].at)
        );
        assert_eq!(*guard, 5, "the first guard must still hold the value");
        // Holding a then b, a lock() of a again is refused before it records anything: the
        // edge b -> a it would add is no order this thread takes locks in.
        let b = detector.mutex("b", ());
        let guard_b = take(&b, "lock() of b while holding a");
        let again = a.lock().map(|g| *g);
        assert!(
            again.is_err(),
            "a thread that holds a and b called a.lock() again and got {again:?}, not \
             Err(Deadlock) ({CHAPTER}#turning-a-hang-into-an-error)"
        );
        no_reports(
            &detector,
            "a thread took a then b, then called a.lock() again (refused as a deadlock)",
            "A lock() of a lock the thread holds already is Err(Deadlock) at once, before \
             any edge is recorded: check that first",
        );
        drop(guard_b);
        drop(guard);
        drop(take(&a, "lock() after the first guard was dropped"));
    });
}

/// The outcome of one thread of a ring: its number, the result of its second lock() and the
/// line of this file that called it.
type Outcome = (u64, Result<(), Deadlock>, u32);

/// Runs `n` threads; thread i takes lock i, then (once all hold their first lock) lock
/// i + 1 (mod n), and releases both. Returns each thread's number and its second result.
fn ring(n: usize) -> (Detector, Vec<Outcome>) {
    let detector = Detector::new();
    let names = ["a", "b", "c", "d"];
    let locks: Vec<_> = (0..n)
        .map(|i| Arc::new(detector.mutex(names[i], ())))
        .collect();
    let all_hold = Arc::new(Barrier::new(n));
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let first = Arc::clone(&locks[i]);
            let second = Arc::clone(&locks[(i + 1) % n]);
            let all_hold = Arc::clone(&all_hold);
            thread::spawn(move || {
                let _first = take(&first, "a thread's first lock()");
                all_hold.wait();
                // Two lines, so that neighbours in the ring ask from different places.
                let (result, line) = if i % 2 == 0 {
                    (second.lock().map(drop), line!())
                } else {
                    (second.lock().map(drop), line!())
                };
                (current_number(), result, line)
            })
        })
        .collect();
    let outcomes = handles
        .into_iter()
        .map(|h| h.join().expect("a thread of the ring panicked"))
        .collect();
    (detector, outcomes)
}

fn check_ring(n: usize, outcomes: &[Outcome]) {
    let errors: Vec<&Deadlock> = outcomes
        .iter()
        .filter_map(|(_, r, _)| r.as_ref().err())
        .collect();
    assert_eq!(
        errors.len(),
        1,
        "{n} threads each held one lock and then asked for the next one's: a ring. Exactly \
         one of them (the last to ask) must get Err(Deadlock), and the others then get in \
         as it releases; {} got an error: {outcomes:#?} \
         ({CHAPTER}#turning-a-hang-into-an-error)",
        errors.len()
    );
    let cycle = &errors[0].cycle;
    let mut threads: Vec<u64> = cycle.iter().map(|w| w.thread).collect();
    threads.sort_unstable();
    let mut all: Vec<u64> = outcomes.iter().map(|(t, _, _)| *t).collect();
    all.sort_unstable();
    let chained = (0..cycle.len()).all(|i| cycle[i].held_by == cycle[(i + 1) % cycle.len()].thread);
    let errored = outcomes
        .iter()
        .find(|(_, r, _)| r.is_err())
        .map(|(t, _, _)| *t);
    assert!(
        threads == all && chained && Some(cycle[0].thread) == errored,
        "the Deadlock must name the ring: every thread once, starting with the one that got \
         the error, each held_by the next, the last held_by the first. Threads {all:?}, \
         error for {errored:?}, cycle {cycle:#?}. A holder that is itself waiting is not a \
         ring yet: follow the chain until it comes back to this thread (a ring) or reaches a \
         thread that waits for nothing (no ring) ({CHAPTER}#turning-a-hang-into-an-error)"
    );
    for waiting in cycle {
        let line = outcomes
            .iter()
            .find(|(t, _, _)| *t == waiting.thread)
            .map_or(0, |(_, _, line)| *line);
        assert!(
            is_here(waiting.at, line),
            "thread {} asked for {:?} at {}:{line}, but its entry in the Deadlock says {}: \
             each entry names where that thread called lock() (note it with what the thread \
             waits for), not where the thread that got the error did \
             ({CHAPTER}#turning-a-hang-into-an-error)",
            waiting.thread,
            waiting.lock,
            file!(),
            place(waiting.at)
        );
    }
}

#[test]
fn deadlock_abba_gives_one_thread_an_error_instead_of_a_hang() {
    deadline::within_secs(
        10,
        "two threads each holding one lock and asking for the other's (the wait-for check \
         must turn this into an Err in one of them)",
        || {
            let (detector, outcomes) = ring(2);
            check_ring(2, &outcomes);
            assert_eq!(
                detector.reports().len(),
                1,
                "the two threads took a, b and b, a: one inversion report is due as well. \
                 lock() records its edges when it is called, before it waits or is refused: \
                 the thread refused with Err(Deadlock) still asked for the lock while holding \
                 its own, and that edge closes the cycle with the other thread's \
                 ({CHAPTER}#lock-order-graphs)"
            );
        },
    );
}

#[test]
fn deadlock_ring_of_three_threads_is_found() {
    deadline::within_secs(
        10,
        "three threads each holding one lock and asking for the next one's (a ring of \
         three: the wait-for check must follow waiting threads further than one step)",
        || {
            let (_, outcomes) = ring(3);
            check_ring(3, &outcomes);
        },
    );
}

#[test]
fn deadlock_a_waiter_that_got_in_is_no_longer_waiting() {
    deadline::within_secs(20, "a lock() that must wait, and then get in", || {
        // Until the other thread has really slept in lock(a) once (almost always the first
        // try: it has 50 ms to fall asleep).
        for _ in 0..20 {
            let detector = Detector::new();
            let a = Arc::new(detector.mutex("a", ()));
            let b = Arc::new(detector.mutex("b", ()));
            let guard_a = take(&a, "main's lock() of a");
            let (holds_b, held) = mpsc::channel();
            let other = {
                let (a, b) = (Arc::clone(&a), Arc::clone(&b));
                thread::spawn(move || {
                    let waits = wait_calls();
                    drop(take(
                        &a,
                        "the other thread's lock() of a, which waits for main",
                    ));
                    let slept = wait_calls() > waits;
                    let guard_b = take(&b, "the other thread's lock() of b");
                    let _ = holds_b.send(());
                    thread::sleep(Duration::from_millis(100));
                    drop(guard_b);
                    slept
                })
            };
            thread::sleep(Duration::from_millis(50));
            drop(guard_a);
            held.recv().expect("the other thread stopped");
            // The other thread holds b and waits for nothing any more.
            let guard_a = take(&a, "main's lock() of a again");
            let second = b.lock().map(drop);
            drop(guard_a);
            let slept = other.join().expect("the other thread panicked");
            if !slept {
                continue;
            }
            assert!(
                second.is_ok(),
                "the other thread waited for a, got it and released it, then took b. Main \
                 then took a and asked for b: it must wait until b is released, yet it got \
                 {second:?}. A thread that stops waiting (it got the lock) must be taken out \
                 of the record of waiting threads ({CHAPTER}#wait-for-graphs)"
            );
            return;
        }
        panic!("the other thread never slept in lock(): the test could not check anything");
    });
}

#[test]
fn deadlock_a_refused_thread_holds_and_waits_for_nothing_more() {
    in_a_process_of_its_own(
        "deadlock_a_refused_thread_holds_and_waits_for_nothing_more",
        refused_thread_holds_and_waits_for_nothing_more,
    );
}

fn refused_thread_holds_and_waits_for_nothing_more() {
    deadline::within_secs(
        10,
        "a ring of two threads, then the refused one taking c alone (a lock() refused with \
         Err(Deadlock) must leave nothing behind: book/src/part-4/detecting-deadlock.md\
         #turning-a-hang-into-an-error)",
        || {
            let detector = Detector::new();
            let locks = [
                Arc::new(detector.mutex("a", ())),
                Arc::new(detector.mutex("b", ())),
            ];
            let c = Arc::new(detector.mutex("c", ()));
            let all_hold = Arc::new(Barrier::new(2));
            let handles: Vec<_> = (0..2)
                .map(|i| {
                    let first = Arc::clone(&locks[i]);
                    let second = Arc::clone(&locks[1 - i]);
                    let (c, all_hold) = (Arc::clone(&c), Arc::clone(&all_hold));
                    thread::spawn(move || {
                        let first = take(&first, "a thread's first lock()");
                        all_hold.wait();
                        let refused = second.lock().map(drop).is_err();
                        drop(first);
                        if refused {
                            drop(take(
                                &c,
                                "the refused thread's lock() of c, holding nothing",
                            ));
                        }
                        refused
                    })
                })
                .collect();
            let refused = handles
                .into_iter()
                .map(|h| h.join().expect("a thread of the ring panicked"))
                .filter(|&refused| refused)
                .count();
            assert_eq!(
                refused, 1,
                "two threads each held one lock and asked for the other's: exactly one of them \
                 must get Err(Deadlock), not {refused} ({CHAPTER}#turning-a-hang-into-an-error)"
            );
            for lock in &locks {
                let _c = take(&c, "main's lock() of c");
                let _lock = take(lock, "main's lock() of a or b while holding c");
            }
            let reports = detector.reports();
            let (why, section) = if reports.is_empty() {
                (
                    "lock() records its edges when it is called, even when it is then refused: \
                     the refused thread asked for the other's lock while holding its own",
                    "#lock-order-graphs",
                )
            } else {
                (
                    "a refused lock() takes nothing: the lock it asked for must not stay in the \
                     thread's record of held locks, or its next lock() draws edges from it",
                    "#turning-a-hang-into-an-error",
                )
            };
            assert_eq!(
                reports.len(),
                1,
                "two threads took a, b and b, a; the one refused with Err(Deadlock) let go of \
                 its lock and took c alone; then main took c then a, and c then b. Only the \
                 inversion of a and b is due, yet {} reports came: {reports:#?}. {why} \
                 ({CHAPTER}{section})",
                reports.len()
            );
        },
    );
}
