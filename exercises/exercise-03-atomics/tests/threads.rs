//! Exercise 03 graded suite, on real threads. Book: `book/src/part-2/atomics.md` (the counter,
//! the high-water mark and the slots) and `book/src/part-2/memory-ordering.md` (the once cell).
//!
//! What each test checks, promise by promise, is listed in `tests/contracts/exercise-03.toml`
//! (kept with the known-broken variants in `tests/mutants/exercise-03.toml`). Test names start
//! with the part they grade: `counter_`, `high_water_`, `slots_`, `once_`.
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
const ORDERING: &str = "book/src/part-2/memory-ordering.md";
const LOST_UPDATE: &str = "book/src/part-2/lost-update.md";

// How many calls each thread of a stress test makes. On a loaded machine a short loop runs
// start to end inside one time slice and meets no other thread, so these are large enough to
// span many slices, and still take well under a second.
const INCREMENTS: u64 = 500_000;
const ADDS: u64 = 10_000;
const RECORDS: u64 = 250_000;
const TAKES: usize = 200_000;

/// Runs `threads` copies of `work` (each given its index) at once, all released together,
/// and returns their results in order. If any panics, the test fails with one message: the
/// first panic's, which thread, and `what` the threads were doing.
fn on_threads<R, F>(threads: usize, what: &str, work: F) -> Vec<R>
where
    R: Send + 'static,
    F: Fn(usize) -> R + Send + Sync + 'static,
{
    let start = Barrier::new(threads);
    deadline::workers(threads, what, move |index| {
        start.wait();
        work(index)
    })
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
    assert_eq!(
        Counter::default().get(),
        0,
        "Counter::default() must be the same as Counter::new(), at 0 \
         ({CHAPTER}#one-indivisible-step)"
    );
}

#[test]
fn counter_add_returns_the_value_before_and_adds_n() {
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
fn counter_four_racing_threads_lose_no_increment() {
    let _heavy = deadline::one_at_a_time();
    let total = deadline::within_secs(20, "4 threads calling increment() in a loop", || {
        let counter = Arc::new(Counter::new());
        let shared = Arc::clone(&counter);
        on_threads(4, "4 threads calling increment() in a loop", move |_| {
            for _ in 0..INCREMENTS {
                shared.increment();
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
fn counter_racing_adds_each_return_a_different_value_before() {
    let _heavy = deadline::one_at_a_time();
    let mut befores = deadline::within_secs(20, "4 threads calling add(3) in a loop", || {
        let counter = Arc::new(Counter::new());
        let befores: Vec<Vec<u64>> =
            on_threads(4, "4 threads calling add(3) in a loop", move |_| {
                (0..ADDS).map(|_| counter.add(3)).collect()
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

#[test]
fn counter_add_wraps_around_at_u64_max() {
    let counter = Counter::new();
    assert_eq!(
        counter.add(u64::MAX),
        0,
        "add(u64::MAX) on a new counter must return 0, the value before \
         ({CHAPTER}#one-indivisible-step)"
    );
    assert_eq!(
        counter.get(),
        u64::MAX,
        "after add(u64::MAX) the counter must be u64::MAX ({CHAPTER}#one-indivisible-step)"
    );
    let before = panic::catch_unwind(AssertUnwindSafe(|| counter.add(2)));
    assert!(
        before.is_ok(),
        "add(2) at u64::MAX panicked: add() is documented to wrap around at u64::MAX, as \
         fetch_add does; `current + n` panics on overflow in a debug build, \
         `current.wrapping_add(n)` wraps ({CHAPTER}#one-indivisible-step)"
    );
    assert_eq!(
        (before.unwrap(), counter.get()),
        (u64::MAX, 1),
        "add(2) at u64::MAX must return u64::MAX and leave 1: it wraps around, it does not \
         stop at the maximum ({CHAPTER}#one-indivisible-step)"
    );
    assert_eq!(
        (counter.add(u64::MAX), counter.increment(), counter.get()),
        (1, 0, 1),
        "from 1, add(u64::MAX) must return 1 and wrap to 0, then increment() return 0 \
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
    assert_eq!(
        HighWater::default().get(),
        0,
        "HighWater::default() must be the same as HighWater::new(), at 0 \
         ({CHAPTER}#compare-and-swap-loops)"
    );
    mark.record(u64::MAX);
    mark.record(5);
    assert_eq!(
        mark.get(),
        u64::MAX,
        "after recording u64::MAX and then 5 the mark must be u64::MAX \
         ({CHAPTER}#compare-and-swap-loops)"
    );
}

#[test]
fn high_water_never_goes_down_under_racing_threads() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(20, "4 threads calling record() in a loop", || {
        let mark = Arc::new(HighWater::new());
        let shared = Arc::clone(&mark);
        on_threads(
            4,
            "4 threads calling get() and record() in a loop",
            move |index| {
                let mark = &shared;
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
            },
        );
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
fn slots_try_take_succeeds_up_to_capacity_then_fails() {
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
fn slots_give_back_frees_a_slot() {
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
fn slots_give_back_with_nothing_taken_panics_and_changes_nothing() {
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
fn slots_racing_threads_never_hold_more_than_capacity() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(20, "4 threads taking and giving back 2 slots", || {
        let slots = Arc::new(Slots::new(2));
        let held = Arc::new(AtomicUsize::new(0));
        let shared = Arc::clone(&slots);
        on_threads(4, "4 threads taking and giving back 2 slots", move |_| {
            let slots = &shared;
            for _ in 0..TAKES {
                if !slots.try_take() {
                    let taken = slots.taken();
                    assert!(
                        taken <= 2,
                        "taken() returned {taken} with a capacity of 2, just after a \
                         try_take() failed: the count may never pass the capacity, not even \
                         for a moment (a try_take() that adds one first and takes it back when \
                         full, or a give_back() that wraps below zero, shows it to others) \
                         ({CHAPTER}#check-then-act-fixed)"
                    );
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
fn slots_racing_threads_take_exactly_capacity() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(20, "4 threads racing for 5 slots, 500 times", || {
        for _ in 0..500 {
            let slots = Arc::new(Slots::new(5));
            let won: usize =
                on_threads(4, "4 threads calling try_take() 3 times each", move |_| {
                    (0..3).filter(|_| slots.try_take()).count()
                })
                .into_iter()
                .sum();
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
fn once_get_is_none_before_and_some_after_get_or_init() {
    deadline::within_secs(5, "get_or_init() on a cell used by one thread", || {
        let cell = OnceCell::new();
        assert!(
            cell.get().is_none(),
            "get() on a new cell must return None ({CHAPTER}#a-once-cell)"
        );
        assert!(
            OnceCell::<u8>::default().get().is_none(),
            "OnceCell::default() must be the same as OnceCell::new(), empty \
             ({CHAPTER}#a-once-cell)"
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
fn once_works_with_a_value_that_is_not_copy() {
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
fn once_eight_racing_threads_run_the_initialiser_once_and_share_its_value() {
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
fn once_the_value_is_dropped_once_with_the_cell() {
    deadline::within_secs(10, "4 threads calling get_or_init() on one cell", || {
        let drops = Arc::new(AtomicUsize::new(0));
        {
            let cell = Arc::new(OnceCell::new());
            let _never_filled = OnceCell::<CountsDrops>::new();
            let (shared, drops_in_threads) = (Arc::clone(&cell), Arc::clone(&drops));
            on_threads(
                4,
                "4 threads calling get_or_init() on one cell",
                move |_| {
                    shared.get_or_init(|| CountsDrops(Arc::clone(&drops_in_threads)));
                },
            );
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
fn once_a_panicking_initialiser_leaves_the_cell_empty_for_the_next_caller() {
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

#[test]
fn once_get_inside_the_initialiser_returns_none_without_waiting() {
    deadline::within_secs(
        5,
        "get() called by the initialiser itself, while the cell is being initialised",
        || {
            let cell = OnceCell::new();
            let value = cell.get_or_init(|| {
                assert!(
                    cell.get().is_none(),
                    "get() returned a value while the initialiser was still running: until \
                     the state says ready, get() must return None \
                     ({ORDERING}#acquire-and-release, {CHAPTER}#a-once-cell)"
                );
                5
            });
            assert_eq!(
                *value, 5,
                "get_or_init() must return the value f made ({CHAPTER}#a-once-cell)"
            );
        },
    );
}

#[test]
fn once_a_waiter_runs_its_own_initialiser_after_the_first_panics() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(
        10,
        "get_or_init() in a thread that was waiting while another thread's initialiser \
         panicked",
        || {
            let cell = Arc::new(OnceCell::new());
            // 1: the failing initialiser is running; 2: the waiter is about to call.
            let stage = Arc::new(AtomicUsize::new(0));
            let (failing_cell, failing_stage) = (Arc::clone(&cell), Arc::clone(&stage));
            let failing = thread::spawn(move || {
                panic::catch_unwind(AssertUnwindSafe(|| {
                    failing_cell.get_or_init(|| -> u32 {
                        failing_stage.store(1, Ordering::SeqCst);
                        while failing_stage.load(Ordering::SeqCst) != 2 {
                            thread::yield_now();
                        }
                        // Give the waiter time to start waiting: without this the test still
                        // passes on a correct cell, it only catches fewer wrong ones.
                        thread::sleep(std::time::Duration::from_millis(20));
                        panic!("this panic is part of the test: the initialiser fails")
                    });
                }))
            });
            while stage.load(Ordering::SeqCst) != 1 && !failing.is_finished() {
                thread::yield_now();
            }
            if stage.load(Ordering::SeqCst) != 1 {
                // get_or_init() finished without running the initialiser: pass on its own
                // panic (a todo!(), say), or say what went wrong.
                if let Err(payload) = failing.join().unwrap() {
                    panic::resume_unwind(payload);
                }
                panic!(
                    "get_or_init() on an empty cell returned without running the initialiser \
                     ({CHAPTER}#a-once-cell)"
                );
            }
            stage.store(2, Ordering::SeqCst);
            let value = *cell.get_or_init(|| 7);
            assert!(
                failing.join().unwrap().is_err(),
                "the initialiser's panic must reach its caller ({CHAPTER}#a-once-cell)"
            );
            assert_eq!(
                value, 7,
                "a thread that waited while another's initialiser panicked got {value}: once \
                 the state is back to empty, the waiter must run its own initialiser \
                 ({CHAPTER}#a-once-cell)"
            );
        },
    );
}

#[test]
fn once_is_send_and_sync_only_when_its_value_allows_it() {
    let cell = OnceCell::new();
    cell.get_or_init(|| 1_u8);
    let seen = thread::scope(|scope| scope.spawn(|| cell.get().copied()).join().unwrap());
    assert_eq!(
        seen,
        Some(1),
        "another thread must see the value through get() ({CHAPTER}#a-once-cell)"
    );
    assert!(
        auto_traits::is_send!(OnceCell<u8>) && auto_traits::is_sync!(OnceCell<u8>),
        "OnceCell<u8> must be Send and Sync, so threads can share it ({CHAPTER}#a-once-cell)"
    );
    assert!(
        !auto_traits::is_sync!(OnceCell<std::cell::Cell<u8>>),
        "OnceCell<Cell<u8>> is Sync: then two threads could each get a &Cell<u8> from one \
         cell and write it at once. Sharing the cell shares &T, so `Sync for OnceCell<T>` \
         needs `T: Sync` ({ORDERING}#acquire-and-release, {CHAPTER}#a-once-cell)"
    );
    assert!(
        !auto_traits::is_sync!(OnceCell<std::sync::MutexGuard<'static, u8>>),
        "OnceCell<MutexGuard<u8>> is Sync: a value made by one thread's initialiser could then \
         be dropped on another thread, with the cell, and a MutexGuard must be dropped where \
         it was made. `Sync for OnceCell<T>` needs `T: Send` as well as `T: Sync` \
         ({CHAPTER}#a-once-cell)"
    );
    assert!(
        !auto_traits::is_send!(OnceCell<std::rc::Rc<u8>>),
        "OnceCell<Rc<u8>> is Send: moving the cell moves its Rc to another thread, whose \
         count is not atomic. Leave Send to the compiler (no `unsafe impl Send`): it derives \
         it exactly when T: Send ({CHAPTER}#a-once-cell)"
    );
}
