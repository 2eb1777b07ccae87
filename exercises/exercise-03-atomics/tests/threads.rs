//! Exercise 03 graded suite, on real threads. Book: `book/src/part-2/atomics.md`.
//!
//! The stress tests here catch a race only when two threads happen to meet inside the same
//! few instructions, which on a busy machine may take many runs; `tests/under_loom.rs` tries
//! every interleaving of two threads and finds the same races every time.

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;

sync_shim::library_under_std!(counter, slots, once_cell);

use counter::Counter;
use once_cell::OnceCell;
use slots::{HighWater, Slots};

const CHAPTER: &str = "book/src/part-2/atomics.md";
const LOST_UPDATE: &str = "book/src/part-2/lost-update.md";

// How many calls each thread of a stress test makes. On a loaded machine a short loop runs
// start to end inside one time slice and meets no other thread, so these are large enough to
// span many slices, and still take well under a second.
const INCREMENTS: u64 = 500_000;
const ADDS: u64 = 10_000;
const RECORDS: u64 = 250_000;
const TAKES: usize = 200_000;

/// Runs `threads` copies of `work` (each given its index) at once, and passes on the first
/// panic among them, so that an assertion inside a thread fails the test with its message.
fn on_threads<F>(threads: usize, work: F)
where
    F: Fn(usize) + Sync,
{
    let start = Barrier::new(threads);
    thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|index| {
                let (start, work) = (&start, &work);
                scope.spawn(move || {
                    start.wait();
                    work(index);
                })
            })
            .collect();
        for worker in workers {
            if let Err(panic) = worker.join() {
                panic::resume_unwind(panic);
            }
        }
    });
}

// ---------------------------------------------------------------------------------------
// Counter

#[test]
fn counter_starts_at_zero_and_increment_returns_the_value_before() {
    let counter = Counter::new();
    assert_eq!(
        counter.get(),
        0,
        "a new counter must start at 0 ({CHAPTER}#one-indivisible-step)"
    );
    assert_eq!(
        (counter.increment(), counter.increment()),
        (0, 1),
        "increment() must return the value before the increment \
         ({CHAPTER}#one-indivisible-step)"
    );
    assert_eq!(
        counter.get(),
        2,
        "two increments must leave the counter at 2 ({CHAPTER}#one-indivisible-step)"
    );
}

#[test]
fn add_returns_the_value_before_and_adds_n() {
    let counter = Counter::new();
    assert_eq!(
        counter.add(5),
        0,
        "add(5) on a new counter must return 0, the value before \
         ({CHAPTER}#one-indivisible-step)"
    );
    assert_eq!(
        counter.add(3),
        5,
        "add(3) after add(5) must return 5, the value before \
         ({CHAPTER}#one-indivisible-step)"
    );
    assert_eq!(
        counter.get(),
        8,
        "add(5) then add(3) must leave the counter at 8 ({CHAPTER}#one-indivisible-step)"
    );
}

#[test]
fn four_racing_threads_lose_no_increment() {
    let _heavy = deadline::one_at_a_time();
    let total = deadline::within_secs(20, "4 threads calling increment() in a loop", || {
        let counter = Counter::new();
        on_threads(4, |_| {
            for _ in 0..INCREMENTS {
                counter.increment();
            }
        });
        counter.get()
    });
    assert_eq!(
        total,
        4 * INCREMENTS,
        "updates were lost: 4 threads each called increment() {INCREMENTS} times. A load, an \
         add and a store are three steps, and another thread's update falls between them \
         ({LOST_UPDATE}#an-interleaving-step-by-step, {CHAPTER}#one-indivisible-step)"
    );
}

#[test]
fn racing_adds_each_return_a_different_value_before() {
    let _heavy = deadline::one_at_a_time();
    let mut befores = deadline::within_secs(20, "4 threads calling add(3) in a loop", || {
        let counter = Counter::new();
        let befores: Vec<Vec<u64>> = thread::scope(|scope| {
            let workers: Vec<_> = (0..4)
                .map(|_| scope.spawn(|| (0..ADDS).map(|_| counter.add(3)).collect()))
                .collect();
            workers
                .into_iter()
                .map(|worker| worker.join().unwrap())
                .collect()
        });
        befores.concat()
    });
    befores.sort_unstable();
    let expected: Vec<u64> = (0..4 * ADDS).map(|step| step * 3).collect();
    assert!(
        befores == expected,
        "racing add(3) calls returned the same 'value before' twice, or skipped one: each add \
         must read and update the count in one step, so the values before are 0, 3, 6, ... \
         ({CHAPTER}#one-indivisible-step)"
    );
}

// ---------------------------------------------------------------------------------------
// HighWater

#[test]
fn high_water_keeps_the_largest_value_recorded() {
    let mark = HighWater::new();
    assert_eq!(
        mark.get(),
        0,
        "a new HighWater must start at 0 ({CHAPTER}#compare-and-swap-loops)"
    );
    for value in [3, 9, 4, 9, 1] {
        mark.record(value);
    }
    assert_eq!(
        mark.get(),
        9,
        "after recording 3, 9, 4, 9, 1 the mark must be 9: record() may only raise it \
         ({CHAPTER}#compare-and-swap-loops)"
    );
}

#[test]
fn high_water_never_goes_down_under_racing_threads() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(20, "4 threads calling record() in a loop", || {
        let mark = HighWater::new();
        on_threads(4, |index| {
            // A mark only grows, so whatever this thread has seen or recorded is a floor
            // for every later get().
            let mut floor = 0;
            for step in 0..RECORDS {
                let seen = mark.get();
                assert!(
                    seen >= floor,
                    "the mark went down: this thread had seen or recorded {floor}, then get() \
                     returned {seen}. A record() compared with an old mark, another thread \
                     raised the mark, and the first stored its smaller value over it anyway; \
                     only a compare_exchange that fails when the mark moved prevents that \
                     ({CHAPTER}#compare-and-swap-loops)"
                );
                let value = step * 4 + index as u64;
                mark.record(value);
                floor = seen.max(value);
            }
        });
        assert_eq!(
            mark.get(),
            4 * RECORDS - 1,
            "the mark must end at the largest value recorded by any thread \
             ({CHAPTER}#compare-and-swap-loops)"
        );
    });
}

// ---------------------------------------------------------------------------------------
// Slots

#[test]
fn try_take_succeeds_up_to_capacity_then_fails() {
    let slots = Slots::new(3);
    assert_eq!(
        slots.taken(),
        0,
        "new slots must start with none taken ({CHAPTER}#check-then-act-fixed)"
    );
    for taken in 1..=3 {
        assert!(
            slots.try_take(),
            "try_take() failed with only {} of 3 slots taken ({CHAPTER}#check-then-act-fixed)",
            taken - 1
        );
        assert_eq!(
            slots.taken(),
            taken,
            "taken() must count the slots taken so far ({CHAPTER}#check-then-act-fixed)"
        );
    }
    assert!(
        !slots.try_take(),
        "try_take() succeeded with all 3 slots taken: it must return false when full \
         ({CHAPTER}#check-then-act-fixed)"
    );
    assert_eq!(
        slots.taken(),
        3,
        "a failed try_take() must not change the count ({CHAPTER}#check-then-act-fixed)"
    );
    assert!(
        !Slots::new(0).try_take(),
        "try_take() on zero slots must return false ({CHAPTER}#check-then-act-fixed)"
    );
}

#[test]
fn give_back_frees_a_slot() {
    let slots = Slots::new(1);
    assert!(
        slots.try_take(),
        "try_take() failed on a free slot ({CHAPTER}#check-then-act-fixed)"
    );
    slots.give_back();
    assert_eq!(
        slots.taken(),
        0,
        "give_back() must lower the count by one ({CHAPTER}#check-then-act-fixed)"
    );
    assert!(
        slots.try_take(),
        "try_take() failed after the only slot was given back ({CHAPTER}#check-then-act-fixed)"
    );
}

#[test]
fn give_back_with_nothing_taken_panics_and_changes_nothing() {
    let slots = Slots::new(2);
    assert!(
        slots.try_take(),
        "try_take() failed on a free slot ({CHAPTER}#check-then-act-fixed)"
    );
    slots.give_back();
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| slots.give_back()));
    assert!(
        outcome.is_err(),
        "give_back() with no slot taken returned normally: it must panic, or the count \
         wraps around below zero ({CHAPTER}#check-then-act-fixed)"
    );
    assert_eq!(
        slots.taken(),
        0,
        "a give_back() that panicked still changed the count: check for zero and lower the \
         count as one step ({CHAPTER}#check-then-act-fixed)"
    );
    assert!(
        slots.try_take() && slots.try_take(),
        "after the panicking give_back(), both slots must still be free \
         ({CHAPTER}#check-then-act-fixed)"
    );
    assert!(
        !slots.try_take(),
        "a third slot appeared after the panicking give_back() \
         ({CHAPTER}#check-then-act-fixed)"
    );
}

#[test]
fn racing_threads_never_hold_more_slots_than_capacity() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(20, "4 threads taking and giving back 2 slots", || {
        let slots = Slots::new(2);
        let held = AtomicUsize::new(0);
        on_threads(4, |_| {
            for _ in 0..TAKES {
                if !slots.try_take() {
                    continue;
                }
                let holders = held.fetch_add(1, Ordering::SeqCst) + 1;
                let taken = slots.taken();
                assert!(
                    holders <= 2 && taken <= 2,
                    "{holders} threads held a slot at once (taken() said {taken}) with a \
                     capacity of 2: try_take() checked and then took in two steps, and two \
                     threads passed the check for the last slot \
                     ({LOST_UPDATE}#check-then-act, {CHAPTER}#check-then-act-fixed)"
                );
                held.fetch_sub(1, Ordering::SeqCst);
                slots.give_back();
            }
        });
        assert_eq!(
            slots.taken(),
            0,
            "every slot was given back, but taken() is not 0 ({CHAPTER}#check-then-act-fixed)"
        );
    });
}

#[test]
fn racing_threads_take_exactly_capacity_slots() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(20, "4 threads racing for 5 slots, 500 times", || {
        for _ in 0..500 {
            let slots = Slots::new(5);
            let won = AtomicUsize::new(0);
            on_threads(4, |_| {
                for _ in 0..3 {
                    if slots.try_take() {
                        won.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
            let won = won.into_inner();
            assert_eq!(
                won, 5,
                "4 threads made 12 attempts on 5 slots and {won} succeeded: exactly 5 must \
                 ({LOST_UPDATE}#check-then-act, {CHAPTER}#check-then-act-fixed)"
            );
        }
    });
}

// ---------------------------------------------------------------------------------------
// OnceCell

#[test]
fn get_is_none_before_and_some_after_get_or_init() {
    deadline::within_secs(5, "get_or_init() on a cell used by one thread", || {
        let cell = OnceCell::new();
        assert!(
            cell.get().is_none(),
            "get() on a new cell must return None ({CHAPTER}#a-once-cell)"
        );
        assert_eq!(
            *cell.get_or_init(|| 7),
            7,
            "get_or_init() must return the value f made ({CHAPTER}#a-once-cell)"
        );
        assert_eq!(
            cell.get(),
            Some(&7),
            "after get_or_init(), get() must return the value ({CHAPTER}#a-once-cell)"
        );
        assert_eq!(
            *cell.get_or_init(|| panic!("the initialiser ran on a full cell")),
            7,
            "a second get_or_init() must return the first value and not run its f \
             ({CHAPTER}#a-once-cell)"
        );
    });
}

#[test]
fn works_with_a_value_that_is_not_copy() {
    deadline::within_secs(
        5,
        "get_or_init() on a cell of String used by one thread",
        || {
            let cell = OnceCell::new();
            let first: &String = cell.get_or_init(|| String::from("made once"));
            assert_eq!(
                first, "made once",
                "get_or_init() must return the value f made ({CHAPTER}#a-once-cell)"
            );
            let again = cell.get_or_init(|| String::from("made twice"));
            assert!(
                std::ptr::eq(first, again),
                "two get_or_init() calls returned references to different Strings: the \
                 value must stay in the cell ({CHAPTER}#a-once-cell)"
            );
        },
    );
}

#[test]
fn eight_racing_threads_run_the_initialiser_once_and_share_its_value() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(
        20,
        "8 threads calling get_or_init() on the same cells",
        || {
            for round in 0..200 {
                let cell = OnceCell::new();
                let calls = AtomicUsize::new(0);
                let start = Barrier::new(8);
                let addresses: Vec<usize> = thread::scope(|scope| {
                    let workers: Vec<_> = (0..8)
                        .map(|index| {
                            let (cell, calls, start) = (&cell, &calls, &start);
                            scope.spawn(move || {
                                start.wait();
                                let value: &String = cell.get_or_init(|| {
                                    calls.fetch_add(1, Ordering::SeqCst);
                                    format!("made by thread {index}")
                                });
                                assert!(
                                    value.starts_with("made by thread"),
                                    "get_or_init() returned {value:?}, which no initialiser made \
                                     ({CHAPTER}#a-once-cell)"
                                );
                                value as *const String as usize
                            })
                        })
                        .collect();
                    workers
                        .into_iter()
                        .map(|worker| worker.join().unwrap())
                        .collect()
                });
                let calls = calls.into_inner();
                assert_eq!(
                    calls, 1,
                    "in round {round}, 8 threads raced on one cell and {calls} initialisers \
                     ran: exactly one may. Checking for 'empty' and then marking 'running' \
                     are two steps unless one compare_exchange does both \
                     ({LOST_UPDATE}#check-then-act, {CHAPTER}#a-once-cell)"
                );
                assert!(
                    addresses.iter().all(|&address| address == addresses[0]),
                    "in round {round}, racing get_or_init() calls returned references to \
                     different values: all must return the one in the cell \
                     ({CHAPTER}#a-once-cell)"
                );
            }
        },
    );
}

/// Counts its drops in a shared counter.
struct CountsDrops(Arc<AtomicUsize>);

impl Drop for CountsDrops {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn the_value_is_dropped_once_with_the_cell() {
    deadline::within_secs(10, "4 threads calling get_or_init() on one cell", || {
        let drops = Arc::new(AtomicUsize::new(0));
        {
            let cell = OnceCell::new();
            let _never_filled = OnceCell::<CountsDrops>::new();
            on_threads(4, |_| {
                cell.get_or_init(|| CountsDrops(Arc::clone(&drops)));
            });
            assert_eq!(
                drops.load(Ordering::SeqCst),
                0,
                "the value was dropped while the cell still holds it ({CHAPTER}#a-once-cell)"
            );
        } // Both cells are dropped here.
        let dropped = drops.load(Ordering::SeqCst);
        assert_eq!(
            dropped, 1,
            "dropping the cell dropped its value {dropped} times: exactly once, as any \
             container does, and an empty cell drops nothing ({CHAPTER}#a-once-cell)"
        );
    });
}

#[test]
fn a_panicking_initialiser_leaves_the_cell_empty_for_the_next_caller() {
    deadline::within_secs(5, "get_or_init() after an initialiser panicked", || {
        let cell = OnceCell::new();
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
            cell.get_or_init(|| panic!("this panic is part of the test: the initialiser fails"))
        }));
        assert!(
            outcome.is_err(),
            "the initialiser's panic must reach the caller of get_or_init() \
             ({CHAPTER}#a-once-cell)"
        );
        assert!(
            cell.get().is_none(),
            "a panicking initialiser made no value, but get() found one \
             ({CHAPTER}#a-once-cell)"
        );
        assert_eq!(
            *cell.get_or_init(|| 7),
            7,
            "after the first initialiser panicked, the next get_or_init() must run its own \
             ({CHAPTER}#a-once-cell)"
        );
    });
}
