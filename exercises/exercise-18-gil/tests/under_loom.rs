//! Exercise 18 graded suite, model-checked by loom: the same `src/gil.rs`, compiled with
//! `crate::sync` bound to loom, in every interleaving of its threads within the bound.
//! Book: `book/src/part-6/switching.md`.
//!
//! Loom's `Condvar::wait_timeout` never times out (a model has no clock), so in these models
//! no wait runs out by itself: the main thread asks for the drop with `request_drop()`, as
//! a waiter whose interval ran out would. A waiter that nobody wakes then waits for ever,
//! and loom reports the deadlock: exactly the lost wake-ups these models look for.
//!
//! What each test checks, promise by promise: `tests/contracts/exercise-18.toml` (the
//! stub's docs, each promise with its tests here and in the other suite); the known-broken
//! GILs each test must catch: `tests/mutants/exercise-18.toml`.

sync_shim::include_under_loom!(gil);

use std::time::Duration;

use gil::{Event, EventKind, Gil};
use sync::cell::UnsafeCell;
use sync::{Arc, thread};

const CHAPTER: &str = "book/src/part-6/switching.md";

/// What each kind of loom failure most likely means in this exercise.
const EXPLAIN: loom_harness::Explain = loom_harness::Explain {
    book: "book/src/part-6/switching.md#forced-switching (and #drop-requests)",
    race: "the shared value was touched by two threads at once: take() let a second thread \
           in while the GIL was held (an `if` where a loop is needed, or `locked` read and \
           set in two separate critical sections)",
    spins_forever: "a thread waits for ever for something that never comes. In these models \
                    a waiter polls the log until the dropper is back in take(): if it never \
                    comes back, taking the GIL did not wake the thread waiting in drop_gil \
                    for the switch (a notify_one on a condition variable that waiters of \
                    take() share may wake one of them instead). Or drop_gil waits for the \
                    switch by spinning instead of on a condition variable",
    deadlock: "a wake-up was lost. Loom's timed waits never run out, so a waiter moves only \
               when it is signalled: every release must signal the condition variable the \
               waiters of take() wait on (blocking_begin too), and taking the GIL must wake \
               the thread that waits in drop_gil for the switch. With one condition variable \
               for both, notify_one may wake the wrong kind of waiter: use notify_all, or two \
               condition variables. And drop_gil must not wait for a switch when nobody waits",
    assertion: "the log shows an order the GIL must never allow: read the assertion's words \
                and the log it prints (two holders at once; the dropper taking the GIL back \
                before the waiter; a request that outlives the take that served it)",
};

/// Keeps a model's loom objects alive while a failure unwinds. When loom finds a deadlock it
/// panics, and dropping a loom `Arc` or `Mutex` during that unwinding makes loom panic again,
/// which aborts the whole test binary with no message at all; leaking them keeps loom's own
/// explanation.
struct Held<T>(std::mem::ManuallyDrop<T>);

impl<T> Held<T> {
    fn new(value: T) -> Self {
        Held(std::mem::ManuallyDrop::new(value))
    }
}

impl<T> std::ops::Deref for Held<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> Drop for Held<T> {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            // SAFETY: dropped once, here, and never used again.
            unsafe { std::mem::ManuallyDrop::drop(&mut self.0) }
        }
    }
}

/// Runs one model of this suite, with the explanations above.
fn model(property: &str, body: impl Fn() + Sync + Send + 'static) {
    loom_harness::Model::new(property)
        .explain(&EXPLAIN)
        .check(body);
}

/// Follows the log: every `Acquired` comes while nobody holds the GIL, every `Released`
/// from the holder. `Err` says what went wrong, in words.
fn one_holder_at_a_time(events: &[Event]) -> Result<(), String> {
    let mut holder = None;
    for (n, e) in events.iter().enumerate() {
        match (e.kind, holder) {
            (EventKind::Acquired, None) => holder = Some(e.thread),
            (EventKind::Acquired, Some(other)) => {
                return Err(format!(
                    "event {}: thread {} Acquired the GIL while thread {other} held it (its \
                     Released not logged yet): log every change in the same critical section \
                     as the change itself, under the one mutex",
                    n + 1,
                    e.thread
                ));
            }
            (EventKind::Released, Some(h)) if h == e.thread => holder = None,
            (EventKind::Released, _) => {
                return Err(format!(
                    "event {}: thread {} logged Released without holding the GIL by the log",
                    n + 1,
                    e.thread
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Fails the model when the log breaks [`one_holder_at_a_time`].
fn assert_one_holder(events: &[Event]) {
    if let Err(problem) = one_holder_at_a_time(events) {
        panic!("{problem} (log: {events:?}) ({CHAPTER}#the-event-log)");
    }
}

/// Loom never lets this run out; any value would do.
const INTERVAL: Duration = Duration::from_millis(5);

/// Waits (yielding to the other threads) until `thread` has logged `kind`.
fn wait_for_event(gil: &Gil, thread: usize, kind: EventKind) {
    while !gil
        .events()
        .iter()
        .any(|e| e.thread == thread && e.kind == kind)
    {
        thread::yield_now();
    }
}

/// Thread 0 takes the GIL; thread 1 is started, waits in take(), then runs `then` and drops
/// the GIL. Returns once thread 1 has logged its `Wanted`.
fn holder_and_waiter<R: 'static>(
    then: impl FnOnce(&Gil) -> R + 'static,
) -> (Held<Arc<Gil>>, thread::JoinHandle<R>) {
    let gil = Held::new(Arc::new(Gil::new(INTERVAL)));
    gil.take(0);
    let other = Arc::clone(&gil);
    let waiter = thread::spawn(move || {
        other.take(1);
        let result = then(&other);
        other.drop_gil(1);
        result
    });
    wait_for_event(&gil, 1, EventKind::Wanted);
    (gil, waiter)
}

fn kinds_of(events: &[Event], thread: usize) -> Vec<EventKind> {
    events
        .iter()
        .filter(|e| e.thread == thread)
        .map(|e| e.kind)
        .collect()
}

#[test]
fn loom_a_drop_request_hands_the_gil_to_the_waiter_first() {
    model(
        "thread 0 holds the GIL and thread 1 waits in take(); thread 0 is asked to drop it \
         and calls check(); thread 1 is woken, gets the GIL before thread 0 has it again, \
         and finds the request cleared",
        || {
            let (gil, waiter) = holder_and_waiter(|gil| gil.drop_requested());
            gil.request_drop();
            gil.check(0);
            gil.drop_gil(0);
            let requested = waiter.join().unwrap();
            assert!(
                !requested,
                "thread 1 took the GIL from thread 0, which was asked to drop it, and \
                 drop_requested() was still true: taking the GIL must clear the request \
                 ({CHAPTER}#drop-requests)"
            );
            let events = gil.events();
            assert_one_holder(&events);
            let released = events
                .iter()
                .position(|e| e.thread == 0 && e.kind == EventKind::Released)
                .expect("thread 0 dropped the GIL, so its Released must be in the log");
            let next = events[released..]
                .iter()
                .find(|e| e.kind == EventKind::Acquired)
                .map(|e| e.thread);
            assert_eq!(
                next,
                Some(1),
                "after thread 0 dropped the GIL on request, thread 0 took it again before the \
                 waiting thread 1 did: with forced switching, drop_gil waits until another \
                 thread has taken the GIL (log: {events:?}) ({CHAPTER}#forced-switching)"
            );
        },
    );
}

/// A value both threads change while they hold the GIL; loom checks that the changes are
/// ordered (one holder at a time, and each sees the previous holder's writes).
struct Shared(UnsafeCell<u32>);

// SAFETY: the models touch the value only while holding the GIL, which is what they check.
unsafe impl Sync for Shared {}

impl Shared {
    fn add_one(&self) {
        // SAFETY: called only while holding the GIL: no other access at the same time, if
        // the GIL works (loom reports it if not).
        self.0.with_mut(|value| unsafe { *value += 1 });
    }

    fn get(&self) -> u32 {
        // SAFETY: as in `add_one`.
        self.0.with(|value| unsafe { *value })
    }
}

#[test]
fn loom_two_threads_never_hold_the_gil_at_once() {
    model(
        "two threads each take the GIL, add 1 to a shared value, call check() and drop it; \
         the additions never overlap and both count",
        || {
            let gil = Held::new(Arc::new(Gil::new(INTERVAL)));
            let shared = Held::new(Arc::new(Shared(UnsafeCell::new(0))));
            let (other_gil, other_shared) = (Arc::clone(&gil), Arc::clone(&shared));
            let other = thread::spawn(move || {
                other_gil.take(1);
                other_shared.add_one();
                other_gil.check(1);
                other_gil.drop_gil(1);
            });
            gil.take(0);
            shared.add_one();
            gil.check(0);
            gil.drop_gil(0);
            other.join().unwrap();
            gil.take(0);
            assert_one_holder(&gil.events());
            assert_eq!(
                shared.get(),
                2,
                "an update made while holding the GIL was lost ({CHAPTER}#drop-requests)"
            );
            gil.drop_gil(0);
        },
    );
}

#[test]
fn loom_blocking_begin_lets_a_waiting_thread_run() {
    model(
        "thread 0 holds the GIL and thread 1 waits for it; thread 0 enters a blocking call \
         that lasts until thread 1 has had the GIL; thread 0 then takes the GIL back",
        || {
            let (gil, waiter) = holder_and_waiter(|_| ());
            gil.blocking_begin(0);
            // The blocking call: it ends when thread 1 is done.
            waiter.join().unwrap();
            gil.blocking_end(0);
            gil.drop_gil(0);
            let events = gil.events();
            assert_one_holder(&events);
            assert_eq!(
                kinds_of(&events, 0),
                [
                    EventKind::Wanted,
                    EventKind::Acquired,
                    EventKind::Released,
                    EventKind::Blocked,
                    EventKind::Unblocked,
                    EventKind::Wanted,
                    EventKind::Acquired,
                    EventKind::Released,
                ],
                "thread 0's events: take, blocking_begin (Released, Blocked), blocking_end \
                 (Unblocked, Wanted, Acquired), drop_gil (log: {events:?}) \
                 ({CHAPTER}#the-event-log)"
            );
        },
    );
}

#[test]
fn loom_a_drop_request_with_nobody_waiting_does_not_block_the_holder() {
    model(
        "the only thread holds the GIL, is asked to drop it, and calls check(): it goes on \
         without waiting for a switch that nobody can make",
        || {
            let gil = Held::new(Gil::new(INTERVAL));
            gil.take(0);
            gil.request_drop();
            gil.check(0);
            assert!(
                !gil.drop_requested(),
                "check() dropped the GIL and took it again, so the request has been served \
                 ({CHAPTER}#drop-requests)"
            );
            gil.drop_gil(0);
        },
    );
}

#[test]
fn loom_two_waiters_both_get_the_gil_after_a_drop_request() {
    loom_harness::Model::new(
        "thread 0 holds the GIL while threads 1 and 2 wait in take(); thread 0 is asked to \
         drop it and calls check(): one waiter gets it before thread 0 has it again, and in \
         the end all three have had it, one at a time",
    )
    .explain(&EXPLAIN)
    .preemptions(1)
    .check(|| {
        let gil = Held::new(Arc::new(Gil::new(INTERVAL)));
        gil.take(0);
        let waiters: Vec<_> = [1, 2]
            .into_iter()
            .map(|me| {
                let gil = Arc::clone(&gil);
                thread::spawn(move || {
                    gil.take(me);
                    gil.drop_gil(me);
                })
            })
            .collect();
        wait_for_event(&gil, 1, EventKind::Wanted);
        wait_for_event(&gil, 2, EventKind::Wanted);
        gil.request_drop();
        gil.check(0);
        gil.drop_gil(0);
        for waiter in waiters {
            waiter.join().unwrap();
        }
        let events = gil.events();
        assert_one_holder(&events);
        let acquired: Vec<usize> = events
            .iter()
            .filter(|e| e.kind == EventKind::Acquired)
            .map(|e| e.thread)
            .collect();
        assert!(
            acquired.len() == 4 && acquired[1] != 0,
            "thread 0 took the GIL, was asked to drop it while threads 1 and 2 waited, and \
             took it again in check(); each waiter took it once. The GIL must have been \
             acquired 4 times, the second time by a waiter (forced switching), but the order \
             was {acquired:?} (log: {events:?}) ({CHAPTER}#forced-switching)"
        );
    });
}

#[test]
fn loom_a_request_to_the_new_holder_is_not_lost() {
    model(
        "thread 0 is asked to drop the GIL and hands it to thread 1; thread 1, now holding it, \
         is asked to drop it in turn: that request stays until a thread takes the GIL, \
         whenever thread 0 comes back from its drop_gil",
        || {
            let (gil, new_holder) = holder_and_waiter(|gil| {
                gil.request_drop();
                let still = gil.drop_requested();
                gil.check(1);
                still
            });
            gil.request_drop();
            gil.check(0);
            gil.drop_gil(0);
            let still = new_holder.join().unwrap();
            assert!(
                still,
                "thread 1 took the GIL from thread 0 and was then asked to drop it, and the \
                 request was gone before anybody took the GIL again: thread 0, coming back \
                 from its forced-switch wait, cleared it. Only the thread that takes the GIL \
                 clears the request (the request belongs to the holder it was made to) \
                 ({CHAPTER}#drop-requests)"
            );
        },
    );
}

#[test]
fn loom_the_new_holder_can_wait_for_the_dropper_to_come_back() {
    loom_harness::Model::new(
        "thread 0 holds the GIL while threads 1 and 2 wait; thread 0 is asked to drop it and \
         calls check(); whichever waiter gets the GIL keeps it until thread 0 is back from \
         drop_gil and waiting in take(): taking the GIL must wake the dropper, not another \
         waiter",
    )
    .explain(&EXPLAIN)
    .preemptions(1)
    .check(|| {
        let gil = Held::new(Arc::new(Gil::new(INTERVAL)));
        gil.take(0);
        let waiters: Vec<_> = [1, 2]
            .into_iter()
            .map(|me| {
                let gil = Arc::clone(&gil);
                thread::spawn(move || {
                    gil.take(me);
                    // Thread 0 is back from drop_gil once it has logged its second Wanted.
                    while kinds_of(&gil.events(), 0)
                        .iter()
                        .filter(|&&kind| kind == EventKind::Wanted)
                        .count()
                        < 2
                    {
                        thread::yield_now();
                    }
                    gil.drop_gil(me);
                })
            })
            .collect();
        wait_for_event(&gil, 1, EventKind::Wanted);
        wait_for_event(&gil, 2, EventKind::Wanted);
        gil.request_drop();
        gil.check(0);
        gil.drop_gil(0);
        for waiter in waiters {
            waiter.join().unwrap();
        }
        assert_one_holder(&gil.events());
    });
}

#[test]
fn source_reaches_atomics_through_crate_sync() {
    if let Err(problems) = loom_harness::check_sources(env!("CARGO_MANIFEST_DIR")) {
        panic!("{problems}");
    }
}
