//! Exercise 10 graded suite, model-checked by loom: the same `src/rwlock.rs`, compiled with
//! `crate::sync` bound to loom, in every interleaving of its threads within the bound. A
//! sleeper that nobody wakes shows as loom's "deadlock". Book: `book/src/part-3/rwlocks.md`.
//!
//! Every promise of the stub's docs, and the tests that check it here and on real threads,
//! are listed in `tests/contracts/exercise-10.toml`.

sync_shim::include_under_loom!(rwlock);

use loom_harness::{Explain, Model};
use rwlock::RwLock;
use sync::{Arc, thread};

const CHAPTER: &str = "book/src/part-3/rwlocks.md";

/// What each kind of loom failure most likely means in a readers-writer lock.
const EXPLAIN: Explain = Explain {
    book: "book/src/part-3/rwlocks.md#the-state-word, \
           book/src/part-3/rwlocks.md#sleeping-and-waking, and \
           book/src/part-2/memory-ordering.md#acquire-and-release",
    race: "the race shows up in Deref/DerefMut, where the value is touched, but the bug is in \
           how a guard is taken or dropped. A reader and a writer got in together if entering \
           is not ONE read-modify-write on the state that checks and changes it at once (a \
           load, a check, then a separate fetch_add or store lets a writer slip in between), \
           or if a thread that woke up walks in without looking at the state again. Otherwise \
           the hand-off is not ordered: entering (as a reader or a writer) must be Acquire, \
           leaving (a reader's decrement, a writer's unlock) must be Release, so that a writer \
           sees what the last writer wrote and a reader's reads are over before the next \
           writer writes.",
    spins_forever: "a thread loops without ever sleeping: wait on the state word with \
           atomic_wait::wait when you cannot get in, instead of looping on it.",
    deadlock: "a thread sleeps and nobody wakes it (a lost wake-up), or a lock is never \
           released. Does the last reader out wake a waiting writer? Does a writer's unlock \
           wake ALL the waiting readers (wake_one lets one in; the other sleeps for ever)? \
           When readers and writers sleep on the same word, does the last reader out wake \
           them all too (wake_one may wake a reader, which sleeps again, and the writer never \
           hears of it)? Does a reader that added itself and backs out wake the writer, as the \
           last reader out would? Does a writer that enters keep the readers' waiting mark, \
           so that its unlock wakes them? Is \
           every wake made after the state change it announces (woken first, a waiter looks, \
           finds the lock still taken and sleeps again)? Does a waiter put up its waiting mark \
           before it sleeps, so that the unlock knows to wake it? Is a writer-waiting mark \
           cleared once no writer waits any more, or does it keep readers out for ever?",
    assertion: "a reader saw a value from before a write that had finished, or an update was \
           lost, or the lock was left taken after every guard was dropped (a reader count \
           incremented with a load and a store loses one of two readers arriving together).",
};

#[test]
fn loom_access_two_writers_add_and_both_updates_count() {
    Model::new("two threads each add 1 to the value under write(), and the value ends at 2")
        .explain(&EXPLAIN)
        .check(|| {
            let lock = Arc::new(RwLock::new(0));
            let other = Arc::clone(&lock);
            let adder = thread::spawn(move || *other.write() += 1);
            *lock.write() += 1;
            adder.join().unwrap();
            let total = *lock.read();
            assert_eq!(
                total, 2,
                "an update made under write() was lost: the value is {total}, not 2 \
                 ({CHAPTER}#the-state-word)"
            );
        });
}

#[test]
fn loom_access_a_reader_and_a_writer_never_overlap() {
    Model::new(
        "one thread reads the value under read() while another adds 1 under write(); the \
         reader sees 0 or 1, and never touches the value while the writer does",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let lock = Arc::new(RwLock::new(0));
        let other = Arc::clone(&lock);
        let writer = thread::spawn(move || *other.write() += 1);
        let seen = *lock.read();
        writer.join().unwrap();
        let total = *lock.read();
        assert!(
            seen <= 1 && total == 1,
            "the reader saw {seen} and the value ended at {total}, after one writer added 1 \
             ({CHAPTER}#the-state-word)"
        );
    });
}

#[test]
fn loom_access_two_readers_at_once_leave_the_lock_free() {
    Model::new(
        "two threads take and drop a read guard at the same time; afterwards try_write() \
         gets in",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let lock = Arc::new(RwLock::new(5));
        let other = Arc::clone(&lock);
        let reader = thread::spawn(move || *other.read());
        let mine = *lock.read();
        let theirs = reader.join().unwrap();
        let free = lock.try_write().is_some();
        assert!(
            free && mine == 5 && theirs == 5,
            "after two readers entered at the same time and both left, try_write() {} (and the \
             readers saw {mine} and {theirs}, not 5): the reader count is off. Adding a reader \
             must be one read-modify-write (compare_exchange or fetch_add), not a load and a \
             store: two readers that load the same count both store count + 1, and one of them \
             is lost ({CHAPTER}#the-state-word)",
            if free { "got in" } else { "failed" }
        );
    });
}

#[test]
fn loom_try_read_and_try_write_never_overlap_a_holder() {
    Model::new(
        "one thread adds 1 under try_write() while another reads under try_read(), each only \
         if it gets in at once; they never overlap, and the value counts the write if it \
         happened",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let lock = Arc::new(RwLock::new(0));
        let other = Arc::clone(&lock);
        let writer = thread::spawn(move || {
            if let Some(mut guard) = other.try_write() {
                *guard += 1;
                true
            } else {
                false
            }
        });
        let seen = lock.try_read().map(|guard| *guard);
        let wrote = writer.join().unwrap();
        let total = *lock.read();
        assert!(
            seen.is_none_or(|v| v <= 1) && total == u32::from(wrote),
            "try_read() saw {seen:?}; try_write() {} and the value ended at {total} \
             ({CHAPTER}#the-state-word)",
            if wrote { "got in" } else { "failed" }
        );
    });
}

#[test]
fn loom_try_read_on_two_threads_at_once_gets_in_on_both() {
    Model::new(
        "two threads call try_read() at once on a lock that no writer holds or waits for; \
         both get in",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let lock = Arc::new(RwLock::new(0));
        let other = Arc::clone(&lock);
        let reader = thread::spawn(move || other.try_read().map(|guard| *guard));
        let mine = lock.try_read().map(|guard| *guard);
        let theirs = reader.join().unwrap();
        assert!(
            mine == Some(0) && theirs == Some(0),
            "two threads called try_read() at once with no writer anywhere, and they got \
             {mine:?} and {theirs:?}, not Some(0) twice: another reader entering or leaving at \
             the same moment is no reason to fail. When the compare_exchange fails because \
             only the reader count moved, try again with the value it returned \
             ({CHAPTER}#who-goes-first)"
        );
    });
}

// The waking models let a spawned thread release the lock and the main thread wait for it,
// so that a waiter nobody wakes is reported with loom's trace (a spawned thread that is the
// last to fall asleep makes loom abort without one). A guard taken on the main thread moves
// to the thread that drops it, which needs a lock that lives for the whole execution: each
// model leaks one small lock per execution.

/// A lock that lives as long as the model's threads.
fn leaked(value: u32) -> &'static RwLock<u32> {
    Box::leak(Box::new(RwLock::new(value)))
}

#[test]
fn loom_wake_the_last_reader_out_wakes_a_waiting_writer() {
    Model::new(
        "the main thread takes a read guard and hands it to another thread, which reads and \
         drops it, while the main thread calls write() and adds 1; the writer gets in once \
         the reader left, and a read afterwards sees 1",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let lock = leaked(0);
        let reading = lock.read();
        let reader = thread::spawn(move || {
            let seen = *reading;
            drop(reading);
            seen
        });
        *lock.write() += 1;
        let seen = reader.join().unwrap();
        let total = *lock.read();
        assert!(
            seen == 0 && total == 1,
            "the reader saw {seen} under its guard and the value ended at {total}, not 1 \
             ({CHAPTER}#sleeping-and-waking)"
        );
    });
}

#[test]
fn loom_wake_a_writers_unlock_wakes_both_waiting_readers() {
    Model::new(
        "the main thread takes the write guard and hands it to another thread, which writes \
         1 and drops it, while a third thread and the main thread call read(); both readers \
         get in and see 1",
    )
    .explain(&EXPLAIN)
    .preemptions(1)
    .check(|| {
        let lock = leaked(0);
        let mut writing = lock.write();
        let writer = thread::spawn(move || {
            *writing = 1;
            drop(writing);
        });
        let reader = thread::spawn(move || *lock.read());
        let mine = *lock.read();
        writer.join().unwrap();
        let theirs = reader.join().unwrap();
        assert_eq!(
            (mine, theirs),
            (1, 1),
            "two readers that waited for the writer saw {mine} and {theirs}, not the 1 it \
             wrote ({CHAPTER}#sleeping-and-waking)"
        );
    });
}

#[test]
fn loom_wake_a_writers_unlock_wakes_the_next_writer() {
    Model::new(
        "the main thread takes the write guard and hands it to another thread, which adds 1 \
         and drops it, while the main thread calls write() and adds 1; the value ends at 2",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let lock = leaked(0);
        let mut writing = lock.write();
        let writer = thread::spawn(move || {
            *writing += 1;
            drop(writing);
        });
        *lock.write() += 1;
        writer.join().unwrap();
        let total = *lock.read();
        assert_eq!(
            total, 2,
            "two writers added 1 each, yet the value is {total} ({CHAPTER}#sleeping-and-waking)"
        );
    });
}

#[test]
fn loom_wake_two_writers_waiting_behind_a_reader_both_get_in() {
    Model::new(
        "the main thread takes a read guard and hands it to another thread, which drops it, \
         while a third thread and the main thread call write() and add 1 each; both writers \
         get in, one after the other",
    )
    .explain(&EXPLAIN)
    .preemptions(1)
    .check(|| {
        let lock = leaked(0);
        let reading = lock.read();
        let reader = thread::spawn(move || drop(reading));
        let writer = thread::spawn(move || *lock.write() += 1);
        *lock.write() += 1;
        reader.join().unwrap();
        writer.join().unwrap();
        let total = *lock.read();
        assert_eq!(
            total, 2,
            "two writers that waited behind a reader added 1 each, yet the value is {total} \
             ({CHAPTER}#sleeping-and-waking)"
        );
    });
}

#[test]
fn loom_wake_a_reader_and_a_writer_waiting_behind_a_reader_both_get_in() {
    Model::new(
        "the main thread takes a read guard and hands it to another thread, which drops it, \
         while a third thread calls read() and the main thread calls write() and adds 1; the \
         reader may come before or after the writer waits, and both get in",
    )
    .explain(&EXPLAIN)
    .preemptions(1)
    .check(|| {
        let lock = leaked(0);
        let reading = lock.read();
        let holder = thread::spawn(move || drop(reading));
        let reader = thread::spawn(move || *lock.read());
        *lock.write() += 1;
        holder.join().unwrap();
        let seen = reader.join().unwrap();
        let total = *lock.read();
        assert!(
            seen <= 1 && total == 1,
            "a reader that came while a writer waited behind a reader saw {seen}, and the value \
             ended at {total}, not 1 ({CHAPTER}#sleeping-and-waking)"
        );
    });
}

#[test]
fn loom_wake_a_reader_and_a_writer_waiting_behind_a_writer_both_get_in() {
    Model::new(
        "the main thread takes the write guard and hands it to another thread, which writes \
         1 and drops it, while a third thread calls write() and adds 1 and the main thread \
         calls read(); both get in, and the value ends at 2",
    )
    .explain(&EXPLAIN)
    .preemptions(1)
    .check(|| {
        let lock = leaked(0);
        let mut writing = lock.write();
        let holder = thread::spawn(move || {
            *writing = 1;
            drop(writing);
        });
        let writer = thread::spawn(move || *lock.write() += 1);
        let seen = *lock.read();
        holder.join().unwrap();
        writer.join().unwrap();
        let total = *lock.read();
        assert!(
            (seen == 1 || seen == 2) && total == 2,
            "a reader that waited behind a writer, beside a second writer, saw {seen}, and the \
             value ended at {total}, not 2 ({CHAPTER}#sleeping-and-waking)"
        );
    });
}

#[test]
fn loom_wake_spurious_wake_ups_never_let_a_reader_in_beside_the_writer() {
    // Every other wait returns at once, for every thread of the model.
    let _spurious = sync_shim::testing::spurious_wakeups();
    Model::new(
        "with spurious wake-ups: the main thread takes the write guard and hands it to another \
         thread, which writes 1 and unlocks, while the main thread calls read(); it sees 1",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let lock = leaked(0);
        let mut writing = lock.write();
        let writer = thread::spawn(move || {
            *writing = 1;
            drop(writing);
        });
        let seen = *lock.read();
        writer.join().unwrap();
        assert_eq!(
            seen, 1,
            "a reader that waited for the writer saw {seen}: a wait may return for no reason \
             (a spurious wake-up), so after every wait look at the state again, in a loop, \
             before going in ({CHAPTER}#sleeping-and-waking)"
        );
    });
}

#[test]
fn loom_wake_spurious_wake_ups_never_let_a_writer_in_beside_a_reader() {
    let _spurious = sync_shim::testing::spurious_wakeups();
    Model::new(
        "with spurious wake-ups: the main thread takes a read guard and hands it to another \
         thread, which reads and drops it, while the main thread calls write() and adds 1; \
         the reader saw 0 and the value ends at 1",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let lock = leaked(0);
        let reading = lock.read();
        let reader = thread::spawn(move || {
            let seen = *reading;
            drop(reading);
            seen
        });
        *lock.write() += 1;
        let seen = reader.join().unwrap();
        let total = *lock.read();
        assert!(
            seen == 0 && total == 1,
            "the reader saw {seen} under its guard and the value ended at {total}: a wait may \
             return for no reason, so after every wait look at the state again, in a loop \
             ({CHAPTER}#sleeping-and-waking)"
        );
    });
}

#[test]
fn source_reaches_atomics_through_crate_sync() {
    if let Err(problems) = loom_harness::check_sources(env!("CARGO_MANIFEST_DIR")) {
        panic!("{problems}");
    }
}
