//! Exercise 03 graded suite, model-checked by loom: the same `src/` modules, compiled with
//! `crate::sync` bound to loom, in every interleaving of two threads within the bound.
//! Book: `book/src/part-2/atomics.md` and `book/src/part-2/memory-ordering.md`.

sync_shim::include_under_loom!(counter, slots, once_cell);

use counter::Counter;
use once_cell::OnceCell;
use slots::{HighWater, Slots};
use sync::atomic::{AtomicUsize, Ordering};
use sync::{Arc, thread};

const CHAPTER: &str = "book/src/part-2/atomics.md";
const ORDERING: &str = "book/src/part-2/memory-ordering.md";
const LOST_UPDATE: &str = "book/src/part-2/lost-update.md";

#[test]
fn loom_two_increments_are_not_lost() {
    loom_harness::check(
        "two threads each call increment() once, and the counter ends at 2",
        || {
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
        },
    );
}

#[test]
fn loom_high_water_keeps_the_larger_of_two_racing_records() {
    loom_harness::check(
        "one thread records 2 while another records 1, and the mark ends at 2",
        || {
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
        },
    );
}

#[test]
fn loom_two_try_take_on_one_slot_exactly_one_succeeds() {
    loom_harness::check(
        "two threads call try_take() on 1 slot, and exactly one gets it",
        || {
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
        },
    );
}

#[test]
fn loom_two_try_take_on_two_slots_both_succeed() {
    loom_harness::check(
        "two threads call try_take() on 2 slots, and both get one",
        || {
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
        },
    );
}

#[test]
fn loom_racing_get_or_init_run_the_initialiser_once_and_agree() {
    loom_harness::check(
        "two threads call get_or_init() on one cell: one initialiser runs, both get its value",
        || {
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
        },
    );
}

#[test]
fn loom_the_value_written_by_the_initialiser_is_visible_to_the_other_thread() {
    loom_harness::check(
        "one thread initialises the cell; another that sees it ready reads the whole value",
        || {
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
        },
    );
}

#[test]
fn source_reaches_atomics_through_crate_sync() {
    if let Err(problems) = loom_harness::check_sources(env!("CARGO_MANIFEST_DIR")) {
        panic!("{problems}");
    }
}
