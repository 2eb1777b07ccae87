//! Exercise 03 graded suite, model-checked by loom: the same `src/` modules, compiled with
//! `crate::sync` bound to loom, in every interleaving of two threads within the bound.
//! Book: `book/src/part-2/atomics.md` and `book/src/part-2/memory-ordering.md`.
//!
//! What each test checks, promise by promise, is listed in `tests/contracts/exercise-03.toml`
//! (kept with the known-broken variants in `tests/mutants/exercise-03.toml`). Test names start
//! with the part they grade: `loom_counter_`, `loom_high_water_`, `loom_slots_`, `loom_once_`.

sync_shim::include_under_loom!(counter, slots, once_cell);

use counter::Counter;
use once_cell::OnceCell;
use slots::{HighWater, Slots};
use std::panic::{self, AssertUnwindSafe};
use sync::atomic::{AtomicUsize, Ordering};
use sync::{Arc, thread};

const CHAPTER: &str = "book/src/part-2/atomics.md";
const ORDERING: &str = "book/src/part-2/memory-ordering.md";
const LOST_UPDATE: &str = "book/src/part-2/lost-update.md";

/// What a loom failure most likely means in this exercise.
const EXPLAIN: loom_harness::Explain = loom_harness::Explain {
    book: "book/src/part-2/atomics.md#compare-and-swap-loops (the counter, the mark and the \
           slots), book/src/part-2/memory-ordering.md#acquire-and-release (the once cell)",
    race: "the once cell's value was touched by two threads at once. Two writes: two threads \
           both ran their initialiser, because taking the cell was not one compare_exchange \
           from empty to running (book/src/part-2/atomics.md#a-once-cell). A read and a \
           write: get() read the value before, or without being ordered after, its write; \
           get() must load the state with Acquire and read the value only when it says ready, \
           and the initialiser must write the value before a Release store of 'ready' \
           (book/src/part-2/memory-ordering.md#acquire-and-release).",
    spins_forever: "a loop that never ends: a compare_exchange_weak loop that retries with the \
           value it loaded first instead of the one the failure hands back, or a once-cell \
           waiter that waits for 'ready' when the initialiser panicked and put the state back \
           to 'empty' (book/src/part-2/atomics.md#a-once-cell).",
    deadlock: "",
    assertion: "a check and an act done as two steps (a load, then a store or fetch_add), so \
           another thread's update fell between them; or a value that is wrong for a moment \
           (raised and then undone, lowered and then restored) and read by the other thread \
           in that moment (book/src/part-2/atomics.md#check-then-act-fixed).",
};

/// Runs `body`, and returns whether it panicked (its panic caught, as the caller of a
/// documented panic would).
fn panics(body: impl FnOnce()) -> bool {
    panic::catch_unwind(AssertUnwindSafe(body)).is_err()
}

#[test]
fn loom_counter_two_increments_are_not_lost() {
    loom_harness::Model::new("two threads each call increment() once, and the counter ends at 2")
        .explain(&EXPLAIN)
        .check(|| {
            let counter = Arc::new(Counter::new());
            let other = Arc::clone(&counter);
            let incrementer = thread::spawn(move || other.increment());
            let mine = counter.increment();
            let theirs = incrementer.join().unwrap();
            assert_eq!(
                counter.get(),
                2,
                "an increment was lost ({LOST_UPDATE}#an-interleaving-step-by-step, \
                 {CHAPTER}#one-indivisible-step)"
            );
            assert_ne!(
                mine, theirs,
                "both increments returned the same value before ({CHAPTER}#one-indivisible-step)"
            );
        });
}

#[test]
fn loom_high_water_keeps_the_larger_of_two_racing_records() {
    loom_harness::Model::new(
        "one thread records 2 while another records 1, and the mark ends at 2",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let mark = Arc::new(HighWater::new());
        let other = Arc::clone(&mark);
        let recorder = thread::spawn(move || other.record(1));
        mark.record(2);
        recorder.join().unwrap();
        assert_eq!(
            mark.get(),
            2,
            "the smaller value overwrote the larger one ({CHAPTER}#compare-and-swap-loops)"
        );
    });
}

#[test]
fn loom_slots_two_try_take_on_one_slot_exactly_one_succeeds() {
    loom_harness::Model::new("two threads call try_take() on 1 slot, and exactly one gets it")
        .explain(&EXPLAIN)
        .check(|| {
            let slots = Arc::new(Slots::new(1));
            let other = Arc::clone(&slots);
            let taker = thread::spawn(move || other.try_take());
            let mine = slots.try_take();
            let theirs = taker.join().unwrap();
            assert!(
                mine != theirs,
                "try_take() returned {mine} and {theirs} for the only slot: exactly one may \
                 get it \
                 ({LOST_UPDATE}#check-then-act, {CHAPTER}#check-then-act-fixed)"
            );
            assert_eq!(
                slots.taken(),
                1,
                "one slot was taken, but taken() says otherwise ({CHAPTER}#check-then-act-fixed)"
            );
        });
}

#[test]
fn loom_slots_two_try_take_on_two_slots_both_succeed() {
    loom_harness::Model::new("two threads call try_take() on 2 slots, and both get one")
        .explain(&EXPLAIN)
        .check(|| {
            let slots = Arc::new(Slots::new(2));
            let other = Arc::clone(&slots);
            let taker = thread::spawn(move || other.try_take());
            let mine = slots.try_take();
            let theirs = taker.join().unwrap();
            assert!(
                mine && theirs,
                "try_take() returned {mine} and {theirs} with 2 slots free: a compare_exchange \
                 that fails because the other thread changed the count must be retried with the \
                 count it hands back ({CHAPTER}#compare-and-swap-loops)"
            );
            assert_eq!(
                slots.taken(),
                2,
                "both slots were taken, but taken() says otherwise ({CHAPTER}#check-then-act-fixed)"
            );
        });
}

#[test]
fn loom_once_racing_get_or_init_run_the_initialiser_once_and_agree() {
    loom_harness::Model::new(
        "two threads call get_or_init() on one cell: one initialiser runs, both get its value",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let cell = Arc::new(OnceCell::new());
        let calls = Arc::new(AtomicUsize::new(0));
        let (other_cell, other_calls) = (Arc::clone(&cell), Arc::clone(&calls));
        let racer = thread::spawn(move || {
            other_cell
                .get_or_init(|| {
                    other_calls.fetch_add(1, Ordering::Relaxed);
                    String::from("theirs")
                })
                .clone()
        });
        let mine = cell
            .get_or_init(|| {
                calls.fetch_add(1, Ordering::Relaxed);
                String::from("mine")
            })
            .clone();
        let theirs = racer.join().unwrap();
        assert_eq!(
            calls.load(Ordering::Relaxed),
            1,
            "both initialisers ran: only the thread that moves the state from empty to \
                 running may run its initialiser ({LOST_UPDATE}#check-then-act, \
                 {CHAPTER}#a-once-cell)"
        );
        assert_eq!(
            mine, theirs,
            "the two callers got different values ({CHAPTER}#a-once-cell)"
        );
    });
}

#[test]
fn loom_once_the_value_written_by_the_initialiser_is_visible_to_the_other_thread() {
    loom_harness::Model::new(
        "one thread initialises the cell; another that sees it ready reads the whole value",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let cell = Arc::new(OnceCell::new());
        let other = Arc::clone(&cell);
        // The reader is the spawned thread: loom runs the main thread up to the join
        // first, so the reader's first run comes after 'ready' is out, the case that
        // matters here; loom then also tries it earlier.
        let reader = thread::spawn(move || other.get().cloned());
        cell.get_or_init(|| String::from("ready"));
        if let Some(value) = reader.join().unwrap() {
            assert_eq!(
                value, "ready",
                "get() returned a value the initialiser did not write \
                     ({ORDERING}#acquire-and-release)"
            );
        }
        assert_eq!(
            cell.get().map(String::as_str),
            Some("ready"),
            "after get_or_init() returned, get() did not return its value \
                 ({CHAPTER}#a-once-cell)"
        );
    });
}

#[test]
fn loom_counter_racing_adds_of_different_sizes_return_distinct_values_before() {
    loom_harness::Model::new(
        "one thread calls add(2) while another calls add(3): one returns 0, the other the first one's n, \
         and the counter ends at 5",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let counter = Arc::new(Counter::new());
        let other = Arc::clone(&counter);
        let adder = thread::spawn(move || other.add(2));
        let mine = counter.add(3);
        let theirs = adder.join().unwrap();
        assert!(
            (mine, theirs) == (0, 3) || (mine, theirs) == (2, 0),
            "add(3) returned {mine} and a racing add(2) returned {theirs}: one must see 0 and \
             the other the first one's result, because each add reads and updates the count \
             in one step ({CHAPTER}#one-indivisible-step)"
        );
        assert_eq!(
            counter.get(),
            5,
            "add(3) and add(2) raced and the counter is not 5 \
             ({LOST_UPDATE}#an-interleaving-step-by-step, {CHAPTER}#one-indivisible-step)"
        );
    });
}

#[test]
fn loom_high_water_get_never_reads_below_a_value_already_recorded() {
    loom_harness::Model::new(
        "the mark is 5; while one thread records 3, another reads get() and never sees less \
         than 5",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let mark = Arc::new(HighWater::new());
        mark.record(5);
        let other = Arc::clone(&mark);
        let recorder = thread::spawn(move || other.record(3));
        let seen = mark.get();
        recorder.join().unwrap();
        assert!(
            seen >= 5,
            "get() returned {seen} while another thread recorded 3 over a mark of 5: the mark \
             may never go down, not even for a moment. Installing a value first and putting \
             the larger one back afterwards lets a reader see the smaller value in between; \
             compare first, and install only a larger value, with compare_exchange_weak \
             ({CHAPTER}#compare-and-swap-loops)"
        );
        assert_eq!(
            mark.get(),
            5,
            "recording 3 over a mark of 5 changed the mark ({CHAPTER}#compare-and-swap-loops)"
        );
    });
}

#[test]
fn loom_slots_taken_never_exceeds_capacity_while_a_take_fails() {
    loom_harness::Model::new(
        "the only slot is taken; while another thread's try_take() fails, taken() never reads \
         more than 1",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let slots = Arc::new(Slots::new(1));
        assert!(
            slots.try_take(),
            "try_take() failed on a free slot ({CHAPTER}#check-then-act-fixed)"
        );
        let other = Arc::clone(&slots);
        let taker = thread::spawn(move || other.try_take());
        let seen = slots.taken();
        let theirs = taker.join().unwrap();
        assert!(
            seen <= 1,
            "taken() returned {seen} with a capacity of 1, while another thread's try_take() \
             was failing: the count may never pass the capacity, not even for a moment. \
             Adding one first and taking it back when the count was full lets readers (and \
             other takers) see a count that is too high; check first, then raise the count \
             with a compare_exchange_weak loop ({CHAPTER}#check-then-act-fixed)"
        );
        assert!(
            !theirs,
            "try_take() succeeded while the only slot was taken ({CHAPTER}#check-then-act-fixed)"
        );
        assert_eq!(
            slots.taken(),
            1,
            "a failed try_take() changed the count ({CHAPTER}#check-then-act-fixed)"
        );
    });
}

#[test]
fn loom_slots_a_free_slot_can_be_taken_while_a_give_back_with_none_taken_panics() {
    loom_harness::Model::new(
        "1 free slot; one thread calls give_back() with nothing taken while another calls \
         try_take(), which must succeed",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let slots = Arc::new(Slots::new(1));
        let other = Arc::clone(&slots);
        let giver = thread::spawn(move || panics(|| other.give_back()));
        let took = slots.try_take();
        let give_back_panicked = giver.join().unwrap();
        assert!(
            took,
            "try_take() on the one free slot failed while another thread's give_back() (with \
             nothing taken) was under way: give_back() may not change the count when it is \
             zero, not even for a moment. Lowering it first and undoing that afterwards makes \
             the count wrap around to usize::MAX in between; check for zero and lower the \
             count as one step, in a compare_exchange_weak loop \
             ({CHAPTER}#check-then-act-fixed)"
        );
        // Either order is fine: give_back() before the take panics and changes nothing; after
        // it, it gives the slot back.
        let expected = if give_back_panicked { 1 } else { 0 };
        assert_eq!(
            slots.taken(),
            expected,
            "after a try_take() and a give_back() that {} , taken() is {} instead of \
             {expected} ({CHAPTER}#check-then-act-fixed)",
            if give_back_panicked {
                "panicked (nothing was taken yet)"
            } else {
                "returned"
            },
            slots.taken()
        );
    });
}

#[test]
fn loom_slots_two_threads_giving_back_the_last_slot_one_panics() {
    loom_harness::Model::new(
        "one slot is taken and two threads both call give_back(): one returns, the other \
         panics, and the count ends at 0",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let slots = Arc::new(Slots::new(2));
        assert!(
            slots.try_take(),
            "try_take() failed on a free slot ({CHAPTER}#check-then-act-fixed)"
        );
        let other = Arc::clone(&slots);
        let giver = thread::spawn(move || panics(|| other.give_back()));
        let mine = panics(|| slots.give_back());
        let theirs = giver.join().unwrap();
        assert!(
            mine != theirs,
            "one slot was taken and two threads gave it back: {}. Exactly one give_back() \
             may succeed and the other must panic; checking that the count is above zero \
             and then lowering it are two steps unless one compare_exchange does both \
             ({LOST_UPDATE}#check-then-act, {CHAPTER}#check-then-act-fixed)",
            if mine {
                "both panicked"
            } else {
                "both returned"
            }
        );
        assert_eq!(
            slots.taken(),
            0,
            "after the last slot was given back (and a second give_back() panicked), taken() \
             is not 0 ({CHAPTER}#check-then-act-fixed)"
        );
    });
}

#[test]
fn loom_once_a_waiter_runs_its_own_initialiser_after_the_first_panics() {
    loom_harness::Model::new(
        "one thread's initialiser panics while another calls get_or_init(): the other gets \
         its own value, neither hangs",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let cell = Arc::new(OnceCell::new());
        let other = Arc::clone(&cell);
        let failing = thread::spawn(move || {
            panics(|| {
                other.get_or_init(|| -> u32 {
                    panic!("this panic is part of the test: the initialiser fails")
                });
            })
        });
        let mine = *cell.get_or_init(|| 7);
        let _ = failing.join().unwrap();
        assert_eq!(
            mine, 7,
            "get_or_init(|| 7) returned {mine} while another thread's initialiser panicked \
             ({CHAPTER}#a-once-cell)"
        );
        assert_eq!(
            cell.get(),
            Some(&7),
            "after get_or_init(|| 7) returned, get() did not return 7 ({CHAPTER}#a-once-cell)"
        );
    });
}

#[test]
fn loom_once_two_waiters_after_a_panicking_initialiser_run_one_initialiser() {
    loom_harness::Model::new(
        "two threads call get_or_init() while a third one's initialiser runs and then \
         panics: exactly one of the two runs its initialiser, and both get its value",
    )
    .explain(&EXPLAIN)
    .preemptions(1)
    .check(|| {
        let cell = Arc::new(OnceCell::new());
        let calls = Arc::new(AtomicUsize::new(0));
        let mut waiters = Vec::new();
        // The failing initialiser starts the two waiters itself, so that they find the cell
        // being initialised, and then panics.
        let failed = panics(|| {
            cell.get_or_init(|| -> u32 {
                for value in [1, 2] {
                    let (cell, calls) = (Arc::clone(&cell), Arc::clone(&calls));
                    waiters.push(thread::spawn(move || {
                        *cell.get_or_init(|| {
                            calls.fetch_add(1, Ordering::Relaxed);
                            value
                        })
                    }));
                }
                panic!("this panic is part of the test: the initialiser fails")
            });
        });
        assert!(
            failed,
            "the initialiser's panic must reach its caller ({CHAPTER}#a-once-cell)"
        );
        let values: Vec<u32> = waiters
            .into_iter()
            .map(|waiter| waiter.join().unwrap())
            .collect();
        let calls = calls.load(Ordering::Relaxed);
        assert_eq!(
            calls, 1,
            "two threads waited while an initialiser ran and panicked, and then {calls} of \
             their initialisers ran: exactly one may. Once the cell is empty again, taking it \
             must again be one compare_exchange from empty to running, never a load and then \
             a store ({LOST_UPDATE}#check-then-act, {CHAPTER}#a-once-cell)"
        );
        assert_eq!(
            values[0], values[1],
            "two threads got different values from one cell ({CHAPTER}#a-once-cell)"
        );
    });
}

#[test]
fn source_reaches_atomics_through_crate_sync() {
    if let Err(problems) = loom_harness::check_sources(env!("CARGO_MANIFEST_DIR")) {
        panic!("{problems}");
    }
}
