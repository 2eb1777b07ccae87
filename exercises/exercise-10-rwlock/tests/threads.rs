//! Exercise 10 graded suite, on real threads. Book: `book/src/part-3/rwlocks.md`.
//!
//! Every promise of the stub's docs, and the tests that check it here and under loom, are
//! listed in `tests/contracts/exercise-10.toml`. Test names start with the part they grade:
//! `access_`, `try_`, `wake_`, `preference_`, `limit_`.
//!
//! Nothing here depends on timing for its verdict: a writer is known to wait when
//! `try_read()` starts failing while a read guard is held (only a waiting writer can make it
//! fail then), and every wait runs under a deadline.

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

sync_shim::library_under_std!(rwlock);

use rwlock::{MAX_READERS, ReadGuard, RwLock, WriteGuard};

const CHAPTER: &str = "book/src/part-3/rwlocks.md";

/// The text of a caught panic.
fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    deadline::panic_text(payload)
}

// ---------------------------------------------------------------------------------------
// Access: readers share, a writer is alone, guards give the value and leave on drop

#[test]
fn access_read_and_write_guards_reach_the_value_and_keep_changes() {
    deadline::within_secs(5, "write(), then read(), on one thread", || {
        let mut lock = RwLock::new(vec![1, 2]);
        lock.write().push(3);
        assert_eq!(
            *lock.read(),
            [1, 2, 3],
            "a change made through a write guard was not there for the next read guard; \
             Deref and DerefMut must reach the value inside the lock ({CHAPTER}#the-guards)"
        );
        {
            let guard = lock.write();
            assert_eq!(
                *guard,
                [1, 2, 3],
                "a write guard's Deref must show the value too ({CHAPTER}#the-guards)"
            );
        }
        lock.get_mut().push(4);
        assert_eq!(
            *lock.read(),
            [1, 2, 3, 4],
            "a change made through get_mut() was not there for the next read guard \
             ({CHAPTER}#the-guards)"
        );
        assert_eq!(
            lock.into_inner(),
            [1, 2, 3, 4],
            "into_inner() must return the value inside the lock"
        );
    });
}

#[test]
fn access_readers_share_the_lock() {
    deadline::within_secs(
        5,
        "read() on a second thread while the first thread holds a read guard (readers must \
         not wait for readers)",
        || {
            let lock = Arc::new(RwLock::new(7));
            let first = lock.read();
            let second = lock.try_read();
            assert!(
                second.is_some(),
                "try_read() failed while only a reader held the lock: readers share it \
                 ({CHAPTER}#readers-and-writers)"
            );
            let other = Arc::clone(&lock);
            let seen = thread::spawn(move || *other.read()).join().unwrap();
            assert_eq!(
                (*first, seen),
                (7, 7),
                "two readers at once must both see the value ({CHAPTER}#readers-and-writers)"
            );
            drop(second);
            drop(first);
        },
    );
}

#[test]
fn access_a_writer_excludes_readers_and_writers() {
    deadline::within_secs(
        5,
        "try_read() and try_write() while a guard is alive (they must give up at once)",
        || {
            let lock = RwLock::new(0);
            let writer = lock.write();
            assert!(
                lock.try_read().is_none(),
                "try_read() got in while a write guard was alive: a reader would see the value \
                 in the middle of a change ({CHAPTER}#readers-and-writers)"
            );
            assert!(
                lock.try_write().is_none(),
                "try_write() got in while another write guard was alive: two writers at once \
                 ({CHAPTER}#readers-and-writers)"
            );
            drop(writer);
            let reader = lock.read();
            assert!(
                lock.try_write().is_none(),
                "try_write() got in while a read guard was alive: the writer would change the \
                 value under the reader. A writer may enter only when no reader is inside \
                 ({CHAPTER}#the-state-word)"
            );
            drop(reader);
            assert!(
                lock.try_write().is_some(),
                "try_write() failed on a lock whose guards were all dropped \
                 ({CHAPTER}#the-state-word)"
            );
        },
    );
}

#[test]
fn access_a_panic_while_holding_either_guard_releases_it() {
    deadline::within_secs(
        5,
        "write() after a thread panicked holding a read guard, and read() after one panicked \
         holding a write guard",
        || {
            let lock = Arc::new(RwLock::new(0));
            let holder = Arc::clone(&lock);
            let outcome = thread::spawn(move || {
                let _guard = holder.read();
                panic!("this panic is part of the test: the read guard is dropped while unwinding");
            })
            .join();
            assert!(outcome.is_err(), "the reader thread did not panic");
            *lock.write() += 1;

            let holder = Arc::clone(&lock);
            let outcome = thread::spawn(move || {
                let mut guard = holder.write();
                *guard += 1;
                panic!(
                    "this panic is part of the test: the write guard is dropped while unwinding"
                );
            })
            .join();
            assert!(outcome.is_err(), "the writer thread did not panic");
            let seen = *lock.read();
            assert_eq!(
                seen, 2,
                "after a writer panicked holding its guard, the value is {seen}, not 2: the \
                 change made before the panic is kept (there is no poisoning), and the guard's \
                 Drop unlocks ({CHAPTER}#the-guards)"
            );
        },
    );
}

#[test]
fn access_uncontended_locking_makes_no_system_call() {
    deadline::within_secs(5, "read, write and try_ on a lock nobody else uses", || {
        let lock = RwLock::new(0);
        let (waits, wakes) = (
            sync_shim::testing::wait_calls(),
            sync_shim::testing::wake_calls(),
        );
        drop(lock.read());
        {
            let (_a, _b) = (lock.read(), lock.read());
        }
        *lock.write() += 1;
        drop(lock.try_read());
        drop(lock.try_write());
        let made = (
            sync_shim::testing::wait_calls() - waits,
            sync_shim::testing::wake_calls() - wakes,
        );
        assert_eq!(
            made,
            (0, 0),
            "taking and leaving a lock that nobody else used made {} wait and {} wake calls: \
             each is a system call. Wake only when the state says someone sleeps, and sleep \
             only when you cannot get in ({CHAPTER}#sleeping-and-waking)",
            made.0,
            made.1
        );
    });
}

#[test]
fn access_the_lock_is_shared_only_when_the_value_may_be_shared_and_sent() {
    deadline::within_secs(5, "two threads reading one lock at once", || {
        let lock = RwLock::new(String::from("shared"));
        thread::scope(|s| {
            s.spawn(|| assert_eq!(*lock.read(), "shared"));
            assert_eq!(*lock.read(), "shared");
        });
    });
    let bound = format!("({CHAPTER}#the-guards)");
    assert!(
        auto_traits::is_sync!(RwLock<i32>) && auto_traits::is_send!(RwLock<i32>),
        "RwLock<i32> must be Send and Sync {bound}"
    );
    assert!(
        !auto_traits::is_sync!(RwLock<Cell<i32>>),
        "RwLock<Cell<i32>> is Sync: two readers on two threads would then hold `&Cell` at once \
         and could both call `set`, a data race in safe code. Readers share `&T`, so the lock \
         is Sync only when T: Sync as well as Send: \
         `unsafe impl<T: Send + Sync> Sync for RwLock<T>` {bound}"
    );
    assert!(
        !auto_traits::is_sync!(RwLock<std::sync::MutexGuard<'static, i32>>),
        "RwLock<MutexGuard<i32>> is Sync, though a MutexGuard may not move to another thread: \
         a writer on another thread could take it out with mem::replace. The lock is Sync only \
         when T: Send as well as Sync {bound}"
    );
    assert!(
        !auto_traits::is_send!(RwLock<Rc<i32>>),
        "RwLock<Rc<i32>> is Send: the Rc would move to another thread while clones stay here \
         {bound}"
    );
    assert!(
        auto_traits::is_sync!(ReadGuard<'static, i32>)
            && auto_traits::is_sync!(WriteGuard<'static, i32>),
        "the guards of an RwLock<i32> must be Sync: sharing one only hands out `&i32` {bound}"
    );
    assert!(
        !auto_traits::is_sync!(ReadGuard<'static, Cell<i32>>)
            && !auto_traits::is_sync!(WriteGuard<'static, Cell<i32>>),
        "a guard of a Cell is Sync: two threads sharing `&guard` could call `set` on the same \
         Cell at once {bound}"
    );
    assert!(
        !auto_traits::is_send!(WriteGuard<'static, Rc<i32>>)
            && !auto_traits::is_send!(ReadGuard<'static, Rc<i32>>),
        "a guard of an Rc is Send: another thread could clone the Rc through it while this one \
         keeps clones, and both would change its count at once {bound}"
    );
    assert!(
        !auto_traits::is_send!(ReadGuard<'static, Cell<i32>>),
        "a read guard of a Cell is Send: this thread could keep one read guard and send another \
         to a second thread, and both could call `set` on the same Cell at once. A read guard \
         hands out `&T` on whatever thread holds it, so it may move only when T: Sync (as \
         `&'a RwLock<T>` in its field already says; no `unsafe impl Send` is needed) {bound}"
    );
}

/// Readers and writers on several threads; each checks the others inside as it enters.
#[test]
fn access_readers_and_writers_on_four_threads_never_overlap() {
    let _heavy = deadline::one_at_a_time();
    const ROUNDS: usize = 5_000;
    deadline::within_secs(
        20,
        &format!(
            "4 threads, each reading and writing 5,000 times (a waiter never woken? Does every \
             unlock that finds a waiting mark wake all the sleepers, does a writer that enters \
             keep the readers' mark, and does a reader that backs out wake like the last \
             reader out? {CHAPTER}#sleeping-and-waking)"
        ),
        || {
            let lock = Arc::new(RwLock::new(0_u64));
            // Low 16 bits: readers inside; bit 16 and up: writers inside.
            let inside = Arc::new(AtomicUsize::new(0));
            let shared = (Arc::clone(&lock), Arc::clone(&inside));
            deadline::workers(
                4,
                "4 threads reading and writing 5,000 times each",
                move |i| {
                    let (lock, inside) = &shared;
                    for round in 0..ROUNDS {
                        if (round + i) % 4 == 0 {
                            let mut guard = lock.write();
                            let others = inside.fetch_add(1 << 16, Ordering::SeqCst);
                            assert!(
                                others == 0,
                                "a writer entered while {} reader(s) and {} writer(s) were inside: \
                             a writer must be alone ({CHAPTER}#the-state-word)",
                                others & 0xFFFF,
                                others >> 16
                            );
                            *guard += 1;
                            inside.fetch_sub(1 << 16, Ordering::SeqCst);
                        } else {
                            let guard = lock.read();
                            let others = inside.fetch_add(1, Ordering::SeqCst);
                            assert!(
                                others >> 16 == 0,
                                "a reader entered while a writer was inside \
                             ({CHAPTER}#the-state-word)"
                            );
                            let _ = *guard;
                            inside.fetch_sub(1, Ordering::SeqCst);
                        }
                    }
                },
            );
            let total = *lock.read();
            // Each thread writes every fourth round: ROUNDS writes in all.
            let expected = ROUNDS as u64;
            assert!(
                total == expected,
                "updates were lost: the writers added 1 each {expected} times in all, but the \
                 value is {total}. Either two writers were inside at once, or a writer did not \
                 see the previous one's write: Acquire when entering, Release when leaving \
                 ({CHAPTER}#the-state-word)"
            );
        },
    );
}

// ---------------------------------------------------------------------------------------
// try_read and try_write

#[test]
fn try_read_and_try_write_give_up_at_once_and_leave_the_lock_as_it_was() {
    deadline::within_secs(
        5,
        "try_read() and try_write() on a held lock (they must return None at once, never wait)",
        || {
            let lock = RwLock::new(0);
            let writer = lock.write();
            for _ in 0..3 {
                assert!(
                    lock.try_read().is_none() && lock.try_write().is_none(),
                    "try_read() or try_write() got in beside a write guard \
                     ({CHAPTER}#the-state-word)"
                );
            }
            drop(writer);
            assert!(
                lock.try_write().is_some(),
                "try_write() failed after the write guard was dropped: did a failed try_read() \
                 or try_write() leave a mark in the state (a reader counted, a bit set)? A \
                 failed attempt must change nothing ({CHAPTER}#the-state-word)"
            );
            let reader = lock.read();
            for _ in 0..3 {
                assert!(
                    lock.try_write().is_none(),
                    "try_write() got in beside a read guard ({CHAPTER}#the-state-word)"
                );
            }
            let second = lock.try_read();
            assert!(
                second.is_some(),
                "try_read() failed while only a reader held the lock, after failed try_write() \
                 calls: a failed try_write() must not leave a writer-waiting mark that keeps \
                 readers out ({CHAPTER}#the-state-word)"
            );
            drop((reader, second));
            assert!(
                lock.try_write().is_some(),
                "try_write() failed after every read guard was dropped ({CHAPTER}#the-state-word)"
            );
        },
    );
}

// ---------------------------------------------------------------------------------------
// Waking

#[test]
fn wake_the_last_reader_out_lets_a_waiting_writer_in() {
    deadline::within_secs(
        10,
        &format!(
            "write() on a second thread, after the main thread dropped its two read guards \
             (does the last reader out wake the writer? {CHAPTER}#sleeping-and-waking)"
        ),
        || {
            let lock = Arc::new(RwLock::new(0));
            let readers_gone = Arc::new(AtomicBool::new(false));
            let (first, second) = (lock.read(), lock.read());
            let writer = {
                let (lock, readers_gone) = (Arc::clone(&lock), Arc::clone(&readers_gone));
                thread::spawn(move || {
                    let mut guard = lock.write();
                    *guard += 1;
                    readers_gone.load(Ordering::SeqCst)
                })
            };
            thread::sleep(Duration::from_millis(20));
            drop(first);
            readers_gone.store(true, Ordering::SeqCst);
            drop(second);
            let after_readers = writer.join().unwrap();
            assert!(
                after_readers,
                "the writer got in while a read guard was still alive ({CHAPTER}#the-state-word)"
            );
            assert_eq!(*lock.read(), 1);
        },
    );
}

#[test]
fn wake_a_writers_unlock_lets_every_waiting_reader_in_together() {
    deadline::within_secs(
        10,
        &format!(
            "two read() calls on two threads, after the writer's guard was dropped; each then \
             waits, holding its guard, for the other to get in too (were both readers woken? \
             The writer's unlock must wake_all: {CHAPTER}#sleeping-and-waking)"
        ),
        || {
            let lock = Arc::new(RwLock::new(0));
            let mut writer = lock.write();
            let both_in = Arc::new(Barrier::new(2));
            let readers: Vec<_> = (0..2)
                .map(|_| {
                    let (lock, both_in) = (Arc::clone(&lock), Arc::clone(&both_in));
                    thread::spawn(move || {
                        let guard = lock.read();
                        both_in.wait();
                        *guard
                    })
                })
                .collect();
            thread::sleep(Duration::from_millis(20));
            *writer = 1;
            drop(writer);
            for reader in readers {
                let seen = reader.join().unwrap();
                assert_eq!(
                    seen, 1,
                    "a reader that waited for the writer saw {seen}, not the value it wrote \
                     ({CHAPTER}#sleeping-and-waking)"
                );
            }
        },
    );
}

#[test]
fn wake_a_writers_unlock_lets_the_next_writer_in() {
    deadline::within_secs(
        10,
        &format!(
            "write() on a second thread, after the first writer's guard was dropped (does the \
             writer's unlock wake a waiting writer? {CHAPTER}#sleeping-and-waking)"
        ),
        || {
            let lock = Arc::new(RwLock::new(0));
            let mut first = lock.write();
            let second = {
                let lock = Arc::clone(&lock);
                thread::spawn(move || *lock.write() += 1)
            };
            thread::sleep(Duration::from_millis(20));
            *first += 1;
            drop(first);
            second.join().unwrap();
            let total = *lock.read();
            assert_eq!(
                total, 2,
                "two writers added 1 each, yet the value is {total} ({CHAPTER}#sleeping-and-waking)"
            );
        },
    );
}

#[test]
fn wake_waiters_sleep_instead_of_spinning() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(
        10,
        &format!(
            "two read() calls and a write() on other threads while the main thread holds the \
             write guard for 200 ms (a waiter never woken? When the next writer gets in, the \
             readers asleep must still be woken, by this unlock or by the next writer's: \
             {CHAPTER}#sleeping-and-waking)"
        ),
        || {
            let lock = Arc::new(RwLock::new(0));
            let writing = lock.write();
            let started = Arc::new(Barrier::new(4));
            let waiters: Vec<_> = (0..3)
                .map(|i| {
                    let (lock, started) = (Arc::clone(&lock), Arc::clone(&started));
                    thread::spawn(move || {
                        started.wait();
                        let before = sync_shim::testing::wait_calls();
                        if i < 2 {
                            drop(lock.read());
                        } else {
                            *lock.write() += 1;
                        }
                        sync_shim::testing::wait_calls() - before
                    })
                })
                .collect();
            started.wait();
            thread::sleep(Duration::from_millis(200));
            drop(writing);
            for (i, waiter) in waiters.into_iter().enumerate() {
                let waits = waiter.join().unwrap();
                let who = if i < 2 { "a reader" } else { "a writer" };
                assert!(
                    waits <= 20,
                    "{who} called atomic_wait::wait {waits} times while it waited about \
                     200 ms for the lock: each wait returned at once, so it was spinning. \
                     Wait on the value the state holds now, waiting bit included, so that the \
                     wait sleeps until an unlock changes it ({CHAPTER}#sleeping-and-waking)"
                );
            }
        },
    );
}

// ---------------------------------------------------------------------------------------
// Writers first

/// A lock that lets a reader in whenever no writer is inside: reader preference, the first
/// solution of Courtois, Heymans and Parnas. It is here to show what the tests below forbid.
#[derive(Default)]
struct ReaderPreferring {
    /// (readers inside, writer inside)
    state: Mutex<(u32, bool)>,
    changed: Condvar,
}

impl ReaderPreferring {
    fn try_read(&self) -> bool {
        let mut state = self.state.lock().unwrap();
        if state.1 {
            return false;
        }
        state.0 += 1;
        true
    }

    fn read_unlock(&self) {
        let mut state = self.state.lock().unwrap();
        state.0 -= 1;
        self.changed.notify_all();
    }

    fn write(&self) {
        let mut state = self.state.lock().unwrap();
        while state.0 > 0 || state.1 {
            state = self.changed.wait(state).unwrap();
        }
        state.1 = true;
    }

    fn write_unlock(&self) {
        self.state.lock().unwrap().1 = false;
        self.changed.notify_all();
    }
}

/// Readers take turns on the main thread: a new read guard before the old one is dropped,
/// so the number of readers never falls to 0. Returns the guard held at the end, once
/// `try_read` failed; fails the test if it never does within `limit`.
fn readers_take_turns_until_try_read_fails<'a>(
    lock: &'a RwLock<u32>,
    mut held: ReadGuard<'a, u32>,
    limit: Duration,
) -> ReadGuard<'a, u32> {
    let start = Instant::now();
    let mut turns = 0_u64;
    while let Some(next) = lock.try_read() {
        drop(held);
        held = next;
        turns += 1;
        assert!(
            start.elapsed() < limit,
            "readers taking turns (each takes a new read guard before dropping the old one, so \
             some reader is always inside) got in {turns} times with try_read() in {limit:?} \
             while a writer waited in write(): your lock prefers readers, like the \
             ReaderPreferring lock in tests/threads.rs, and the writer starves. Once a writer \
             waits, try_read() must fail and read() must wait, so the readers inside drain out \
             and the writer gets its turn ({CHAPTER}#who-goes-first)"
        );
        thread::sleep(Duration::from_micros(200));
    }
    held
}

#[test]
fn preference_a_waiting_writer_keeps_new_readers_out_where_reader_preference_starves_it() {
    deadline::within_secs(
        30,
        &format!(
            "readers taking turns while a writer waits, then the writer (once the readers \
             stop; does the last reader out wake it? {CHAPTER}#who-goes-first)"
        ),
        || {
            // First the reader-preferring lock, to show the starvation: for 100 turns the
            // readers get in, and the writer, though it asked first, never does.
            let demo = Arc::new(ReaderPreferring::default());
            assert!(demo.try_read());
            let writer_in = Arc::new(AtomicBool::new(false));
            let demo_writer = {
                let (demo, writer_in) = (Arc::clone(&demo), Arc::clone(&writer_in));
                thread::spawn(move || {
                    demo.write();
                    writer_in.store(true, Ordering::SeqCst);
                    demo.write_unlock();
                })
            };
            for _ in 0..100 {
                assert!(
                    demo.try_read(),
                    "the demonstration lock must let readers in"
                );
                demo.read_unlock();
                thread::sleep(Duration::from_micros(200));
            }
            assert!(
                !writer_in.load(Ordering::SeqCst),
                "the demonstration lock let its writer in while a reader was inside"
            );
            demo.read_unlock();
            demo_writer.join().unwrap();

            // Then yours: the same readers, and try_read() must start failing once the writer
            // waits; the writer gets in as soon as the last reader leaves.
            let lock = Arc::new(RwLock::new(0_u32));
            let held = lock.read();
            let writer = {
                let lock = Arc::clone(&lock);
                thread::spawn(move || *lock.write() = 1)
            };
            let held = readers_take_turns_until_try_read_fails(&lock, held, Duration::from_secs(5));
            assert_eq!(
                *held, 0,
                "the writer changed the value while a read guard was alive \
                 ({CHAPTER}#the-state-word)"
            );
            drop(held);
            writer.join().unwrap();
            assert_eq!(*lock.read(), 1);
        },
    );
}

#[test]
fn preference_a_reader_that_comes_after_a_waiting_writer_goes_after_it() {
    deadline::within_secs(
        30,
        &format!(
            "read() on a third thread while a writer waits, then both once the last reader left \
             (a waiter never woken? The last reader out must wake the writer even if the reader \
             fell asleep first, and the writer's unlock must wake the reader: \
             {CHAPTER}#sleeping-and-waking)"
        ),
        || {
            let lock = Arc::new(RwLock::new(0_u32));
            let held = lock.read();
            let writer = {
                let lock = Arc::clone(&lock);
                thread::spawn(move || *lock.write() = 1)
            };
            let held = readers_take_turns_until_try_read_fails(&lock, held, Duration::from_secs(5));
            // The writer waits now. A reader that comes after it must wait for it too.
            let late_reader = {
                let lock = Arc::clone(&lock);
                thread::spawn(move || *lock.read())
            };
            thread::sleep(Duration::from_millis(20));
            drop(held);
            writer.join().unwrap();
            let seen = late_reader.join().unwrap();
            assert_eq!(
                seen, 1,
                "a reader that called read() while a writer was waiting got in first (it saw \
                 {seen}, the value from before the write): while a writer waits, read() must \
                 wait too, also after the last reader left, until the writer has had its turn \
                 ({CHAPTER}#who-goes-first)"
            );
        },
    );
}

// ---------------------------------------------------------------------------------------
// The limit on readers

#[test]
fn limit_at_max_readers_read_panics_and_a_new_reader_is_refused() {
    deadline::within_secs(
        20,
        &format!(
            "MAX_READERS read guards through try_read(), then one more (read() at the limit \
             must panic, not wait: {CHAPTER}#too-many-readers)"
        ),
        || {
            let lock = RwLock::new(0);
            let mut guards = Vec::with_capacity(MAX_READERS as usize);
            for n in 0..MAX_READERS {
                match lock.try_read() {
                    Some(guard) => guards.push(guard),
                    None => panic!(
                        "try_read() failed with {n} read guards alive; up to MAX_READERS \
                         ({MAX_READERS}) must get in ({CHAPTER}#too-many-readers)"
                    ),
                }
            }
            assert!(
                lock.try_read().is_none(),
                "try_read() succeeded with MAX_READERS ({MAX_READERS}) read guards alive: past \
                 the limit it must return None, or the count overflows into the rest of the \
                 state ({CHAPTER}#too-many-readers)"
            );
            let outcome = panic::catch_unwind(AssertUnwindSafe(|| drop(lock.read())));
            match outcome {
                Ok(()) => panic!(
                    "read() returned a guard with MAX_READERS ({MAX_READERS}) read guards \
                     alive: it must panic, with a message that says there are too many readers \
                     ({CHAPTER}#too-many-readers)"
                ),
                Err(payload) => {
                    let text = panic_text(payload.as_ref());
                    assert!(
                        !text.starts_with("not yet implemented"),
                        "not yet implemented: {text}"
                    );
                }
            }
            assert!(
                lock.try_write().is_none(),
                "try_write() got in with MAX_READERS read guards alive: the reader count \
                 overflowed ({CHAPTER}#too-many-readers)"
            );
            drop(guards);
            assert!(
                lock.try_write().is_some(),
                "after the read() that panicked at the limit and every guard was dropped, \
                 try_write() failed: the read() that panicked must leave the count as it was \
                 ({CHAPTER}#too-many-readers)"
            );
        },
    );
}

#[test]
fn source_builds_the_lock_from_an_atomic_and_the_wait_alone() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/rwlock.rs");
    let text = std::fs::read_to_string(path).expect("src/rwlock.rs is there");
    // Whole paths only: your own `RwLock`, a helper `sleep` or a field `parked` are fine.
    let forbidden = [
        ("sync::Mutex", "a mutex"),
        ("sync::MutexGuard", "a mutex"),
        ("sync::Condvar", "a condition variable"),
        ("sync::RwLock", "another readers-writer lock"),
        ("hint::spin_loop", "spinning"),
        ("atomic::spin_loop_hint", "spinning"),
        ("yield_now", "spinning with yields"),
        ("thread::sleep", "sleeping for a while"),
        ("thread::park", "parking"),
        ("thread::park_timeout", "parking"),
        ("parking_lot", "parking_lot"),
    ];
    let paths: Vec<&str> = forbidden.iter().map(|(path, _)| *path).collect();
    let problems: Vec<String> = loom_harness::forbidden_paths(&text, &paths)
        .into_iter()
        .map(|(line, word)| {
            let what = forbidden
                .iter()
                .find(|(path, _)| *path == word)
                .map_or("", |(_, what)| *what);
            format!(
                "src/rwlock.rs:{line}: `{word}` ({what}): build the lock from an atomic and \
                 crate::sync::atomic_wait alone ({CHAPTER}#sleeping-and-waking)"
            )
        })
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
