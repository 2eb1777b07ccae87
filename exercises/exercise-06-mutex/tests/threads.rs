//! Exercise 06 graded suite, on real threads. Book: `book/src/part-3/blocking.md`.
//!
//! Every promise of the stub's docs, and the tests that check it here and under loom, are
//! listed in `tests/contracts/exercise-06.toml`. No test looks at how fast the mutex is: the
//! bench (`cargo run --release -p exercise-06 --example bench`) does that. Whether a waiter
//! sleeps is seen from the kernel's side instead: its thread's state in
//! `/proc/self/task/<id>/stat` (S, asleep) and the CPU time it used (Linux only; elsewhere
//! those checks are skipped and the rest still runs).

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use sync_shim::testing::{wait_calls, wake_calls};

sync_shim::library_under_std!(mutex);

use mutex::{Mutex, MutexGuard};

const CHAPTER: &str = "book/src/part-3/blocking.md";

/// CPU time this thread has used so far, where the OS tells (Linux); `None` elsewhere.
fn thread_cpu_time() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// The kernel's id of the calling thread (Linux: `/proc/thread-self` links to
/// `<pid>/task/<tid>`); `None` elsewhere.
fn kernel_thread_id() -> Option<u32> {
    let link = std::fs::read_link("/proc/thread-self").ok()?;
    link.file_name()?.to_str()?.parse().ok()
}

/// Whether thread `tid` of this process is asleep in the kernel (state `S`), if the OS tells.
fn is_asleep(tid: u32) -> Option<bool> {
    let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).ok()?;
    // The state is the first field after the command name, which is in parentheses.
    let (_, after_name) = stat.rsplit_once(')')?;
    Some(after_name.trim_start().starts_with('S'))
}

/// Waits until thread `tid` has been seen asleep three times in a row, 10 ms apart (a
/// thread that spins is never asleep). `Some(true)` once it is; `Some(false)` if it never
/// was within `limit`; `None` when the OS does not tell, after a pause of 200 ms instead.
fn until_asleep(tid: Option<u32>, limit: Duration) -> Option<bool> {
    let Some(tid) = tid.filter(|&tid| is_asleep(tid).is_some()) else {
        thread::sleep(Duration::from_millis(200));
        return None;
    };
    let start = Instant::now();
    let mut in_a_row = 0;
    while start.elapsed() < limit {
        if is_asleep(tid) == Some(true) {
            in_a_row += 1;
            if in_a_row == 3 {
                return Some(true);
            }
        } else {
            in_a_row = 0;
        }
        thread::sleep(Duration::from_millis(10));
    }
    Some(false)
}

/// What a waiter saw: its waits, and the CPU and wall time its lock() took.
struct Waited {
    waits: u64,
    cpu: Option<Duration>,
    wall: Duration,
}

/// Starts a thread that calls `mutex.lock()`, adds 1 under it, and reports; returns the
/// handle and the waiter's kernel thread id (sent before it calls lock()).
fn start_waiter(mutex: &Arc<Mutex<u64>>) -> (thread::JoinHandle<Waited>, Option<u32>) {
    let mutex = Arc::clone(mutex);
    let (tell, told) = mpsc::channel();
    let handle = thread::spawn(move || {
        let _ = tell.send(kernel_thread_id());
        let waits = wait_calls();
        let cpu = thread_cpu_time();
        let start = Instant::now();
        let mut guard = mutex.lock();
        let wall = start.elapsed();
        let cpu = cpu
            .zip(thread_cpu_time())
            .map(|(before, after)| after - before);
        *guard += 1;
        drop(guard);
        Waited {
            waits: wait_calls() - waits,
            cpu,
            wall,
        }
    });
    let tid = told.recv().unwrap_or(None);
    (handle, tid)
}

/// Fails with the usual message when a waiter never fell asleep.
fn assert_fell_asleep(asleep: Option<bool>, who: &str) {
    assert!(
        asleep != Some(false),
        "{who} called lock() while the lock was held and was still running on the CPU 5 s \
         later, never asleep: it spins instead of sleeping. After a short spin (if any), it \
         must call wait(&state, value) with the value that means \"held, with waiters\", so \
         that the kernel puts it to sleep ({CHAPTER}#the-futex-idea)"
    );
}

#[test]
fn lock_gives_access_to_the_value_and_keeps_changes() {
    deadline::within_secs(
        5,
        "a second lock() after the first guard was dropped",
        || {
            let mut mutex = Mutex::new(vec![1, 2]);
            mutex.lock().push(3);
            assert_eq!(
                *mutex.lock(),
                [1, 2, 3],
                "a change made through one guard was not there for the next guard; Deref and \
                 DerefMut must reach the value inside the mutex ({CHAPTER}#three-states)"
            );
            mutex.get_mut().push(4);
            assert_eq!(
                *mutex.lock(),
                [1, 2, 3, 4],
                "a change made through get_mut() was not there for the next guard: get_mut() \
             must return the value inside the mutex ({CHAPTER}#exercise)"
            );
            assert_eq!(
                mutex.into_inner(),
                [1, 2, 3, 4],
                "into_inner() must return the value inside the mutex ({CHAPTER}#exercise)"
            );
        },
    );
}

#[test]
fn dropping_the_guard_unlocks() {
    deadline::within_secs(
        5,
        "lock() after the first guard was dropped (the guard's Drop must free the lock)",
        || {
            let mutex = Mutex::new(0);
            drop(mutex.lock());
            *mutex.lock() += 1;
            let seen = *mutex.lock();
            assert!(
                seen == 1,
                "the value changed under the second guard was {seen} for the third, not 1 \
                 ({CHAPTER}#three-states)"
            );
        },
    );
}

#[test]
fn try_lock_fails_while_the_lock_is_held_and_succeeds_after() {
    deadline::within_secs(
        5,
        "try_lock() while a guard is alive (it must give up at once, never wait)",
        || {
            let mutex = Mutex::new(0);
            let guard = mutex.lock();
            let waits = wait_calls();
            assert!(
                mutex.try_lock().is_none(),
                "try_lock() returned a guard while another guard was alive: two holders at \
                 once ({CHAPTER}#three-states)"
            );
            assert!(
                mutex.try_lock().is_none(),
                "the second try_lock() got in while a guard was alive: the first, failed \
                 try_lock() must have freed the lock on its way out. A failed attempt must \
                 not create (and drop) a guard ({CHAPTER}#three-states)"
            );
            assert_eq!(
                wait_calls(),
                waits,
                "try_lock() on a held lock called wait(): it must give up at once, never sleep \
                 ({CHAPTER}#three-states)"
            );
            drop(guard);
            assert!(
                mutex.try_lock().is_some(),
                "try_lock() failed on a free lock: after the guard is dropped the lock must be \
                 free ({CHAPTER}#three-states)"
            );
        },
    );
}

#[test]
fn uncontended_lock_and_unlock_make_no_system_call() {
    deadline::within_secs(5, "1,000 lock() and try_lock() on one thread", || {
        let mutex = Mutex::new(0_u64);
        let (waits, wakes) = (wait_calls(), wake_calls());
        for _ in 0..1_000 {
            *mutex.lock() += 1;
        }
        let after_lock = (wait_calls() - waits, wake_calls() - wakes);
        for _ in 0..1_000 {
            if let Some(mut guard) = mutex.try_lock() {
                *guard += 1;
            }
        }
        let after_try = (wait_calls() - waits, wake_calls() - wakes);
        assert_eq!(
            after_lock.1, 0,
            "one thread alone took and dropped the lock 1,000 times and made {} wake calls: \
             with nobody waiting, unlocking must not call wake_one (a system call each). \
             Take the lock as \"held\" (not \"held with waiters\") when it was free, and wake \
             only when the unlock finds \"held with waiters\" ({CHAPTER}#three-states)",
            after_lock.1
        );
        assert_eq!(
            after_lock.0, 0,
            "one thread alone took the free lock 1,000 times and called wait() {} times: \
             lock() of a free mutex must get in at once, without sleeping \
             ({CHAPTER}#the-futex-idea)",
            after_lock.0
        );
        assert_eq!(
            after_try,
            (0, 0),
            "1,000 try_lock()s and unlocks of a free mutex made (waits, wakes) = {after_try:?}: \
             try_lock() takes the lock as \"held\", so its unlock wakes nobody \
             ({CHAPTER}#three-states)"
        );
        let total = mutex.into_inner();
        assert!(
            total == 2_000,
            "one thread added 1 under lock() 1,000 times and under try_lock() 1,000 times, \
             yet the value is {total}: a change made through a guard was lost \
             ({CHAPTER}#three-states)"
        );
    });
}

#[test]
fn a_waiter_sleeps_instead_of_spinning() {
    let _heavy = deadline::one_at_a_time();
    let waited = deadline::within_secs(
        15,
        "lock() in a second thread, released 200 ms after that thread fell asleep",
        || {
            let mutex = Arc::new(Mutex::new(0));
            let guard = mutex.lock();
            let (waiter, tid) = start_waiter(&mutex);
            let asleep = until_asleep(tid, Duration::from_secs(5));
            assert_fell_asleep(asleep, "a second thread");
            thread::sleep(Duration::from_millis(200));
            drop(guard);
            waiter
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p))
        },
    );
    assert!(
        waited.waits > 0,
        "a thread that called lock() while the lock was held for {:?} got in without ever \
         calling wait(): a waiter must sleep in crate::sync::atomic_wait::wait, not spin or \
         poll ({CHAPTER}#the-futex-idea)",
        waited.wall
    );
    if let Some(cpu) = waited.cpu {
        // A sleeping waiter uses well under a millisecond of CPU here; a spinning one uses
        // most of the wait, or (on a machine busy with other work) a good share of it.
        assert!(
            cpu < waited.wall / 20,
            "a thread waited {:?} in lock() and was busy on the CPU for {cpu:?} of it: it \
             spins instead of sleeping. Spin a bounded number of times at most, then wait() \
             ({CHAPTER}#the-futex-idea)",
            waited.wall
        );
    }
}

#[test]
fn unlock_wakes_a_sleeping_waiter() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(
        15,
        "lock() in a second thread that fell asleep while the first held the lock (is it \
         woken when the guard is dropped?)",
        || {
            let mutex = Arc::new(Mutex::new(0));
            let guard = mutex.lock();
            let (waiter, tid) = start_waiter(&mutex);
            let asleep = until_asleep(tid, Duration::from_secs(5));
            assert_fell_asleep(asleep, "a second thread");
            let wakes = wake_calls();
            drop(guard);
            let woke = wake_calls() - wakes;
            waiter
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            if asleep == Some(true) {
                assert_eq!(
                    woke, 1,
                    "a thread slept in lock() while the guard was dropped, and the unlock made \
                     {woke} wake calls instead of one: the waiter must leave a mark (\"held \
                     with waiters\") before it sleeps, and the unlock that finds the mark must \
                     call wake_one once ({CHAPTER}#three-states)"
                );
            }
            let value = *mutex.lock();
            assert!(
                value == 1,
                "a waiter added 1 under the lock after it was woken, yet the value is {value} \
                 ({CHAPTER}#three-states)"
            );
        },
    );
}

#[test]
fn a_failed_try_lock_does_not_erase_the_mark_of_a_sleeper() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(
        15,
        "lock() in a thread asleep while the lock was held, after another thread's try_lock() \
         failed and the holder unlocked. A try_lock() that fails must leave the state as it \
         found it: one that overwrites \"held with waiters\" with \"held\" (a swap instead of \
         a compare_exchange from free) erases the sleeper's mark, and the unlock then wakes \
         nobody (book/src/part-3/blocking.md#three-states)",
        || {
            let mutex = Arc::new(Mutex::new(0));
            let guard = mutex.lock();
            let (waiter, tid) = start_waiter(&mutex);
            assert_fell_asleep(until_asleep(tid, Duration::from_secs(5)), "a waiter");
            // Another thread tries the lock while the waiter sleeps: it must fail, and leave
            // the mark "held, with waiters" as it found it.
            let trier = {
                let mutex = Arc::clone(&mutex);
                thread::spawn(move || mutex.try_lock().is_some())
            };
            let got_in = trier
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            drop(guard);
            waiter
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            assert!(
                !got_in,
                "try_lock() in another thread returned a guard while the lock was held and a \
                 waiter slept on it: two holders at once ({CHAPTER}#three-states)"
            );
            let value = *mutex.lock();
            assert!(
                value == 1,
                "a waiter added 1 under the lock after it was woken, yet the value is {value} \
                 ({CHAPTER}#three-states)"
            );
        },
    );
}

#[test]
fn after_contention_an_uncontended_unlock_makes_no_system_call() {
    let _heavy = deadline::one_at_a_time();
    let woke = deadline::within_secs(
        15,
        "lock() in a thread asleep while the lock was held (is it woken when the guard is \
         dropped?), then 1,000 lock() on one thread",
        || {
            let mutex = Arc::new(Mutex::new(0));
            let guard = mutex.lock();
            let (waiter, tid) = start_waiter(&mutex);
            assert_fell_asleep(until_asleep(tid, Duration::from_secs(5)), "a waiter");
            drop(guard);
            waiter
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            // The waiter has come and gone: nobody waits any more.
            let wakes = wake_calls();
            for _ in 0..1_000 {
                *mutex.lock() += 1;
            }
            wake_calls() - wakes
        },
    );
    assert_eq!(
        woke, 0,
        "after a waiter had slept, got in and left, one thread alone took and dropped the \
         lock 1,000 times and made {woke} wake calls: once every waiter has got in, the mark \
         (or count) of waiters must be gone, so that the next uncontended unlock makes no \
         system call. A waiter that takes the lock must take its registration away with it \
         ({CHAPTER}#three-states)"
    );
}

#[test]
fn a_waiter_woken_for_no_reason_does_not_walk_in() {
    let _heavy = deadline::one_at_a_time();
    let walked_in = deadline::within_secs(
        15,
        "lock() in a second thread whose waits may return for no reason (spurious \
         wake-ups), while the first thread holds the lock for 300 ms",
        || {
            let mutex = Arc::new(Mutex::new(0));
            let released = Arc::new(std::sync::atomic::AtomicBool::new(false));
            let guard = mutex.lock();
            let waiter = {
                let (mutex, released) = (Arc::clone(&mutex), Arc::clone(&released));
                thread::spawn(move || {
                    // Every other wait of this thread returns at once, the first included.
                    let _spurious = sync_shim::testing::spurious_wakeups();
                    let guard = mutex.lock();
                    let early = !released.load(Ordering::SeqCst);
                    drop(guard);
                    early
                })
            };
            thread::sleep(Duration::from_millis(300));
            released.store(true, Ordering::SeqCst);
            drop(guard);
            waiter
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p))
        },
    );
    assert!(
        !walked_in,
        "a waiter got in while the holder still held the lock: its wait() returned for no \
         reason (the test turns spurious wake-ups on) and it went in without taking the lock. \
         When wait() returns, look at the state again and take the lock with an atomic step, \
         in a loop ({CHAPTER}#three-states)"
    );
}

#[test]
fn a_newcomers_spin_does_not_erase_the_mark_of_a_sleeping_waiter() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(
        15,
        &format!(
            "lock() in a thread asleep while the lock was held, after a newcomer called \
             lock() and the holder unlocked in the middle of the newcomer's spin (if it \
             spins). A spin may only look at the state, or take a FREE lock with \
             compare_exchange: one that swaps in \"held\" turns \"held with waiters\" into \
             \"held\", so the unlock wakes nobody, the newcomer takes the lock as \"held\", \
             and the sleeper sleeps for ever ({CHAPTER}#measuring)"
        ),
        || {
            let mutex = Arc::new(Mutex::new(0));
            let guard = mutex.lock();
            let (sleeper, tid) = start_waiter(&mutex);
            assert_fell_asleep(until_asleep(tid, Duration::from_secs(5)), "a waiter");
            // A newcomer calls lock() while the waiter sleeps. If it spins, its first
            // spin_loop() blocks (the test's hook) until the holder has unlocked: the unlock
            // lands inside the spin, where real timing puts it only once in a long while.
            let (unlocked, wait_for_unlock) = mpsc::channel::<()>();
            let (tell, told) = mpsc::channel();
            let newcomer = {
                let mutex = Arc::clone(&mutex);
                thread::spawn(move || {
                    let _ = tell.send(kernel_thread_id());
                    let _hook = sync_shim::testing::on_spin_loop(move || {
                        // Returns once the holder has dropped the sender, at once after.
                        let _ = wait_for_unlock.recv();
                    });
                    *mutex.lock() += 1;
                })
            };
            let newcomer_tid = told.recv().unwrap_or(None);
            // Asleep in wait(), or held in its first spin by the hook: asleep either way.
            assert_fell_asleep(
                until_asleep(newcomer_tid, Duration::from_secs(5)),
                "a newcomer",
            );
            drop(guard);
            drop(unlocked);
            newcomer
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            sleeper
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            let value = *mutex.lock();
            assert!(
                value == 2,
                "a sleeper and a newcomer each added 1 under the lock, yet the value is \
                 {value} ({CHAPTER}#three-states)"
            );
        },
    );
}

#[test]
fn every_sleeping_waiter_gets_in_in_turn() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(
        15,
        "three threads asleep in lock(), after the holder dropped its guard (each unlock \
         must wake the next sleeper)",
        || {
            let mutex = Arc::new(Mutex::new(0));
            let guard = mutex.lock();
            let mut waiters = Vec::new();
            for _ in 0..3 {
                let (waiter, tid) = start_waiter(&mutex);
                assert_fell_asleep(until_asleep(tid, Duration::from_secs(5)), "a waiter");
                waiters.push(waiter);
            }
            drop(guard);
            for waiter in waiters {
                waiter
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p));
            }
            let value = *mutex.lock();
            assert!(
                value == 3,
                "three sleeping waiters each added 1 under the lock, yet the value is {value} \
                 ({CHAPTER}#two-sleepers)"
            );
        },
    );
}

#[test]
fn a_panic_while_holding_the_lock_unlocks_it_and_wakes_a_sleeper() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(
        15,
        "lock() in a thread asleep while the holder panicked (the guard dropped while \
         unwinding must free the lock and wake it)",
        || {
            let mutex = Arc::new(Mutex::new(0));
            let (go, wait_for_go) = mpsc::channel::<()>();
            let (held, wait_for_held) = mpsc::channel::<()>();
            let holder = {
                let mutex = Arc::clone(&mutex);
                thread::spawn(move || {
                    let mut guard = mutex.lock();
                    *guard = 10;
                    let _ = held.send(());
                    let _ = wait_for_go.recv();
                    panic!("this panic is part of the test: the guard is dropped while unwinding");
                })
            };
            wait_for_held.recv().expect("the holder took the lock");
            let (waiter, tid) = start_waiter(&mutex);
            assert_fell_asleep(until_asleep(tid, Duration::from_secs(5)), "a waiter");
            let _ = go.send(());
            assert!(
                holder.join().is_err(),
                "the thread that panicked while holding the guard did not panic"
            );
            waiter
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            let value = *mutex.lock();
            assert_eq!(
                value, 11,
                "the holder set the value to 10 and panicked, then a waiter added 1: the value \
                 is {value}, not 11. The mutex does not poison: the next holder sees the value \
                 as the panicking thread left it ({CHAPTER}#panics)"
            );
        },
    );
}

/// Several threads take the lock many times; each checks that it is alone inside, and the
/// total of their increments must come out exact.
fn hammer(threads: usize, rounds: usize, what: &str, take: fn(&Mutex<u64>) -> MutexGuard<'_, u64>) {
    let mutex = Arc::new(Mutex::new(0_u64));
    let inside = Arc::new(AtomicUsize::new(0));
    let shared = (Arc::clone(&mutex), Arc::clone(&inside));
    deadline::workers(threads, what, move |_| {
        let (mutex, inside) = &shared;
        for _ in 0..rounds {
            let mut guard = take(mutex);
            let others = inside.fetch_add(1, Ordering::SeqCst);
            assert!(
                others == 0,
                "two threads were inside the critical section at the same time: the lock let \
                 a second thread in before the first unlocked. Does every way in (the fast \
                 path, and the retry after a wake-up) take the lock with one atomic step that \
                 saw it free? ({CHAPTER}#three-states)"
            );
            *guard += 1;
            inside.fetch_sub(1, Ordering::SeqCst);
        }
    });
    let total = *mutex.lock();
    let expected = (threads * rounds) as u64;
    assert!(
        total == expected,
        "updates were lost: {threads} threads each added 1 under the lock {rounds} times, so \
         the value should be {expected}, but it is {total}. Either two threads were inside at \
         once, or the next holder did not see the previous holder's write: Acquire on every \
         step that takes the lock, Release on the unlock ({CHAPTER}#three-states)"
    );
}

#[test]
fn only_one_thread_at_a_time_is_inside_lock() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(20, "4 threads taking lock() 20,000 times each", || {
        hammer(
            4,
            20_000,
            "4 threads taking lock() 20,000 times each",
            Mutex::lock,
        );
    });
}

#[test]
fn only_one_thread_at_a_time_gets_in_with_try_lock() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(
        20,
        "4 threads retrying try_lock() 20,000 times each",
        || {
            hammer(
                4,
                20_000,
                "4 threads retrying try_lock() 20,000 times each",
                |mutex| {
                    loop {
                        if let Some(guard) = mutex.try_lock() {
                            return guard;
                        }
                        thread::yield_now();
                    }
                },
            );
        },
    );
}

#[test]
fn the_mutex_may_be_shared_between_threads_only_when_the_value_may_move_between_them() {
    deadline::within_secs(5, "two threads setting a Cell under the lock", || {
        // A `Cell` may move between threads but not be shared: the lock makes that safe.
        let mutex = Mutex::new(Cell::new(0));
        thread::scope(|s| {
            s.spawn(|| mutex.lock().set(1));
            mutex.lock().set(2);
        });
        let value = mutex.into_inner().get();
        assert!(
            value == 1 || value == 2,
            "each thread set the Cell to its own number under the lock, yet it holds {value}"
        );
    });
    let bound = "(book/src/part-2/spin-locks.md#the-guard)";
    assert!(
        auto_traits::is_sync!(Mutex<Cell<i32>>) && auto_traits::is_send!(Mutex<Cell<i32>>),
        "Mutex<Cell<i32>> must be Send and Sync: the lock hands the value to one thread at a \
         time, so `T: Send` is enough. Keep `unsafe impl<T: Send> Sync for Mutex<T>`, and \
         fields that are Send when T is {bound}"
    );
    assert!(
        !auto_traits::is_sync!(Mutex<Rc<i32>>),
        "Mutex<Rc<i32>> is Sync: two threads could then each clone the same Rc under the lock \
         and drop the clones later, outside it, racing on the count. The Sync impl needs the \
         bound: `unsafe impl<T: Send> Sync for Mutex<T>` {bound}"
    );
    assert!(
        auto_traits::is_sync!(MutexGuard<'static, i32>),
        "MutexGuard<i32> is not Sync, though a shared guard only hands out `&i32` {bound}"
    );
    assert!(
        !auto_traits::is_sync!(MutexGuard<'static, Cell<i32>>),
        "MutexGuard<Cell<i32>> is Sync: two threads sharing `&guard` could then call `set` on \
         the same Cell at once, a data race in safe code. Keep \
         `unsafe impl<T: Sync> Sync for MutexGuard<'_, T>` {bound}"
    );
    assert!(
        !auto_traits::is_send!(MutexGuard<'static, Rc<i32>>),
        "MutexGuard<Rc<i32>> is Send: a thread could send the guard away and keep a clone of \
         the Rc, and both threads would then change its count at once {bound}"
    );
}
