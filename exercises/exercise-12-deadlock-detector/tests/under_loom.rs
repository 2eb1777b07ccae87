//! Exercise 12 graded suite, model-checked by loom: the same `src/detector.rs` (and the
//! provided `src/report.rs`), compiled with `crate::sync` bound to loom, in every
//! interleaving of two threads within the bound. A thread that sleeps for ever in
//! `crate::sync::atomic_wait::wait` is reported by the shim as a "deadlock: ..." failure with
//! the line where it fell asleep: that is how a wait-for check that misses a ring shows up
//! here. Book: `book/src/part-4/detecting-deadlock.md`.
//!
//! Every promise of the stub's docs, and the tests that check it here and on real threads,
//! are listed in `tests/contracts/exercise-12.toml`.

sync_shim::include_under_loom!(report, detector);

use detector::Detector;
use loom_harness::{Explain, Model};
use sync::{Arc, thread};

const CHAPTER: &str = "book/src/part-4/detecting-deadlock.md";

/// What each kind of loom failure most likely means in a deadlock detector.
const EXPLAIN: Explain = Explain {
    book: "book/src/part-4/detecting-deadlock.md#turning-a-hang-into-an-error",
    race: "two threads touched the value at once: lock() must give the lock to one thread \
           at a time (decide and record the holder under the detector's state mutex), and a \
           guard's Drop must clear the holder under that same mutex.",
    spins_forever: "a thread loops without sleeping: does a waiter call \
           atomic_wait::wait with the value the lock's counter held when it decided to \
           sleep (read under the state mutex)?",
    deadlock: "every thread is asleep in atomic_wait::wait: either a ring of waiting threads \
           was not turned into Err(Deadlock) (the wait-for check must follow waiting threads \
           from the holder, step after step, until it comes back to this thread or stops; \
           every sleeper must be noted as waiting, each time it goes back to sleep, and a \
           waiter that wakes takes back its own note only), or a release did not wake the \
           thread waiting for that lock (bump the counter it sleeps on under the state mutex, \
           then wake).",
    assertion: "the detector reported the wrong thing: see the model's message.",
};

/// Two threads: the main one takes `first.0` then `first.1`, the other `second.0` then
/// `second.1` (locks by index into [a, b]); each keeps what its second lock() returned.
/// Returns (main's result, the other's result, reports) after both are done.
fn pair(first: (usize, usize), second: (usize, usize)) -> (bool, bool, usize) {
    let detector = Detector::new();
    let locks = Arc::new([detector.mutex("a", 0), detector.mutex("b", 0)]);
    let theirs = Arc::clone(&locks);
    let other = thread::spawn(move || {
        let Ok(mut outer) = theirs[second.0].lock() else {
            return false;
        };
        *outer += 1;
        let ok = theirs[second.1].lock().map(|mut g| *g += 1).is_ok();
        drop(outer);
        ok
    });
    let mine = match locks[first.0].lock() {
        Ok(outer) => {
            let ok = locks[first.1].lock().is_ok();
            drop(outer);
            ok
        }
        Err(_) => false,
    };
    let theirs = other.join().unwrap();
    let reports = detector.reports().len();
    (mine, theirs, reports)
}

#[test]
fn loom_mutex_two_threads_add_under_the_lock_and_both_updates_count() {
    Model::new("two threads each add 1 to the value under one detector lock; it ends at 2")
        .explain(&EXPLAIN)
        .check(|| {
            let detector = Detector::new();
            let lock = Arc::new(detector.mutex("a", 0));
            let other = Arc::clone(&lock);
            let adder = thread::spawn(move || other.lock().map(|mut g| *g += 1).is_ok());
            let mine = lock.lock().map(|mut g| *g += 1).is_ok();
            let theirs = adder.join().unwrap();
            let total = lock.lock().map(|g| *g).unwrap_or(-1);
            assert!(
                mine && theirs && total == 2,
                "two threads each added 1 under the lock: lock() results {mine} and {theirs} \
                 (true is Ok), value {total}, not 2 ({CHAPTER}#exercise)"
            );
        });
}

#[test]
fn loom_order_consistent_order_is_never_reported() {
    Model::new("two threads both take a then b: no report, no error, in every interleaving")
        .explain(&EXPLAIN)
        .check(|| {
            let (mine, theirs, reports) = pair((0, 1), (0, 1));
            assert!(
                mine && theirs && reports == 0,
                "two threads both took a then b: every lock() must be Ok and nothing \
                 reported, but the second lock()s gave {mine} and {theirs} (true is Ok) and \
                 {reports} report(s) came ({CHAPTER}#lock-order-graphs)"
            );
        });
}

#[test]
fn loom_order_inversion_behind_a_gate_is_reported() {
    Model::new(
        "two threads take g, a, b and g, b, a: the gate g keeps them from deadlocking, but \
         the inversion of a and b is reported once, in every interleaving",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let detector = Detector::new();
        let locks = Arc::new([
            detector.mutex("g", ()),
            detector.mutex("a", ()),
            detector.mutex("b", ()),
        ]);
        let theirs = Arc::clone(&locks);
        let run = |locks: &[detector::Mutex<()>; 3], order: [usize; 3]| -> bool {
            let Ok(_gate) = locks[order[0]].lock() else {
                return false;
            };
            let Ok(_first) = locks[order[1]].lock() else {
                return false;
            };
            locks[order[2]].lock().is_ok()
        };
        let other = thread::spawn(move || run(&theirs, [0, 2, 1]));
        let mine = run(&locks, [0, 1, 2]);
        let theirs = other.join().unwrap();
        let reports = detector.reports().len();
        assert!(
            mine && theirs && reports == 1,
            "behind the gate g, one thread took a then b and the other b then a: every \
             lock() must be Ok (no ring of waiting threads can form) and the inversion \
             reported exactly once, but the last lock()s gave {mine} and {theirs} (true is \
             Ok) and {reports} report(s) came ({CHAPTER}#lock-order-graphs)"
        );
    });
}

#[test]
fn loom_deadlock_abba_gives_one_thread_an_error_never_a_hang() {
    Model::new(
        "one thread takes a then b, the other b then a: where they would deadlock, one of \
         them gets Err(Deadlock) and lets go; the inversion is reported once in every \
         interleaving",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let (mine, theirs, reports) = pair((0, 1), (1, 0));
        assert!(
            mine || theirs,
            "both threads got Err(Deadlock): only the thread that closes the ring (the last \
             to ask) may get it; the other must get in once that one lets go \
             ({CHAPTER}#turning-a-hang-into-an-error)"
        );
        assert!(
            reports == 1,
            "one thread took a then b, the other b then a: exactly one inversion report is \
             due in every interleaving, and {reports} came. If none came, the check for a \
             path back and the recording of the edge are not one step under the state \
             mutex: both threads checked before either recorded ({CHAPTER}#lock-order-graphs)"
        );
    });
}

#[test]
fn loom_deadlock_a_waiter_that_got_in_is_no_longer_waiting() {
    Model::new(
        "main holds a; the other thread takes a (waiting for main), releases it, then takes \
         b; main releases a, takes it again and asks for b: it must wait, never get \
         Err(Deadlock)",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let detector = Detector::new();
        let locks = Arc::new([detector.mutex("a", ()), detector.mutex("b", ())]);
        let theirs = Arc::clone(&locks);
        let guard = locks[0].lock();
        let other = thread::spawn(move || {
            let first = theirs[0].lock().map(drop).is_ok();
            let second = theirs[1]
                .lock()
                .map(|guard| {
                    // Hold b while main asks for it.
                    thread::yield_now();
                    drop(guard);
                })
                .is_ok();
            first && second
        });
        // Give the other thread its turns (to wait for a, then to take b) without spending
        // the model's preemptions.
        thread::yield_now();
        drop(guard);
        thread::yield_now();
        let mine = match locks[0].lock() {
            Ok(_a) => locks[1].lock().is_ok(),
            Err(_) => false,
        };
        let theirs = other.join().unwrap();
        assert!(
            mine && theirs,
            "no thread ever waited for a lock while the other waited for one of its own, yet \
             a lock() gave Err(Deadlock) (main: {mine}, other: {theirs}; true is Ok). A \
             thread that stops waiting (it got the lock) must be taken out of the record of \
             waiting threads ({CHAPTER}#wait-for-graphs)"
        );
    });
}

#[test]
fn loom_deadlock_a_refused_thread_is_not_left_waiting() {
    Model::new(
        "each thread takes its own lock, then the other's; the one refused drops its lock and \
         takes c; the other, holding a and b, asks for c: it waits for c, never gets \
         Err(Deadlock)",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let detector = Detector::new();
        let locks = Arc::new([
            detector.mutex("a", ()),
            detector.mutex("b", ()),
            detector.mutex("c", ()),
        ]);
        // (refused, whether the lock() of c was Ok)
        let run = |locks: &[detector::Mutex<()>; 3], mine: usize| -> (bool, bool) {
            let Ok(first) = locks[mine].lock() else {
                return (false, false);
            };
            match locks[1 - mine].lock() {
                Ok(second) => {
                    let c = locks[2].lock().map(drop).is_ok();
                    drop(second);
                    drop(first);
                    (false, c)
                }
                Err(_) => {
                    drop(first);
                    let c = locks[2]
                        .lock()
                        .map(|guard| {
                            // Hold c while the other thread may ask for it.
                            thread::yield_now();
                            drop(guard);
                        })
                        .is_ok();
                    (true, c)
                }
            }
        };
        let theirs = Arc::clone(&locks);
        let other = thread::spawn(move || run(&theirs, 1));
        let mine = run(&locks, 0);
        let theirs = other.join().unwrap();
        assert!(
            mine.1 && theirs.1 && !(mine.0 && theirs.0),
            "the lock()s of c gave {} (main) and {} (other), true is Ok; refused: main {}, \
             other {}. The refused thread waits for nothing once lock() has returned \
             Err(Deadlock): if it is still noted as waiting for the other's lock, the other, \
             asking for c, sees a ring that is not there. Note that a thread waits only once \
             the check has found no ring, or take the note back on the Err path \
             ({CHAPTER}#turning-a-hang-into-an-error)",
            mine.1,
            theirs.1,
            mine.0,
            theirs.0
        );
    });
}

#[test]
fn loom_deadlock_a_woken_waiter_that_sleeps_again_is_still_waiting() {
    Model::new(
        "main holds x; the other thread takes y and waits for x; main releases x, takes it \
         again and asks for y: one of them gets Err(Deadlock), never both, never a hang",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let detector = Detector::new();
        let locks = Arc::new([detector.mutex("x", ()), detector.mutex("y", ())]);
        let theirs = Arc::clone(&locks);
        let held = locks[0].lock();
        let other = thread::spawn(move || {
            let Ok(y) = theirs[1].lock() else {
                return false;
            };
            let ok = theirs[0].lock().map(drop).is_ok();
            drop(y);
            ok
        });
        thread::yield_now();
        drop(held);
        let mine = match locks[0].lock() {
            Ok(x) => {
                let ok = locks[1].lock().map(drop).is_ok();
                drop(x);
                ok
            }
            Err(_) => false,
        };
        let theirs = other.join().unwrap();
        assert!(
            mine || theirs,
            "both threads got Err(Deadlock) (main: {mine}, other: {theirs}; true is Ok): only \
             the thread that closes the ring may ({CHAPTER}#turning-a-hang-into-an-error)"
        );
    });
}

#[test]
fn loom_deadlock_a_second_waiter_stays_in_the_wait_for_record() {
    Model::new(
        "main holds x; one thread takes y and waits for x, another waits for x too (every \
         other wait returns at once, as spurious wake-ups do); main asks for y: the ring of \
         main and the first thread is found, never a hang",
    )
    .explain(&EXPLAIN)
    .preemptions(1)
    .check(|| {
        let _spurious = sync_shim::testing::spurious_wakeups();
        let detector = Detector::new();
        let locks = Arc::new([detector.mutex("x", ()), detector.mutex("y", ())]);
        let held = locks[0].lock();
        let first = {
            let locks = Arc::clone(&locks);
            thread::spawn(move || {
                let Ok(y) = locks[1].lock() else {
                    return false;
                };
                let ok = locks[0].lock().map(drop).is_ok();
                drop(y);
                ok
            })
        };
        let second = {
            let locks = Arc::clone(&locks);
            thread::spawn(move || locks[0].lock().map(drop).is_ok())
        };
        thread::yield_now();
        let mine = locks[1].lock().map(drop).is_ok();
        drop(held);
        let (first, second) = (first.join().unwrap(), second.join().unwrap());
        assert!(
            second && (mine || first),
            "main: {mine}, the thread holding y: {first}, the other waiter: {second} (true is \
             Ok): only the thread that closes the ring may get Err(Deadlock) \
             ({CHAPTER}#turning-a-hang-into-an-error)"
        );
    });
}

#[test]
fn source_reaches_atomics_through_crate_sync() {
    if let Err(problems) = loom_harness::check_sources(env!("CARGO_MANIFEST_DIR")) {
        panic!("{problems}");
    }
}
