//! Exercise 17 graded suite, model-checked by loom: the same `src/clock.rs` and
//! `src/bucket.rs`, compiled with `crate::sync` bound to loom, in every interleaving of
//! their threads within the bound. Book: `book/src/part-5/token-bucket.md`.
//!
//! Each model has the bucket's refill thread and at most one thread of its own beside the
//! main one. A thread that sleeps for ever (on the bucket's condition variable or in the
//! manual clock) shows as loom's "deadlock": that is how a refill or a stop that wakes
//! nobody is found. Timed waits never time out in a model, so `acquire_timeout` is checked
//! here only as a wait that a refill or a stop must end. Every model stops the bucket (which
//! joins the refill thread) before it asserts anything.
//!
//! Every promise of the stub's docs, and the tests that check it here and on real threads,
//! are listed in `tests/contracts/exercise-17.toml`.

sync_shim::include_under_loom!(clock, bucket);

use std::time::Duration;

use bucket::{AcquireError, TokenBucket};
use clock::ManualClock;
use loom_harness::{Explain, Model};
use sync::thread;
// The models share the bucket through std's Arc, not loom's: when loom finds a deadlock (a
// lost wake-up), the stuck thread unwinds, and a loom Arc dropped while unwinding makes loom
// abort without a message. A model's threads are all joined, so nothing leaks.
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

const CHAPTER: &str = "book/src/part-5/token-bucket.md";

const TICK: Duration = Duration::from_secs(1);

const EXPLAIN: Explain = Explain {
    book: "book/src/part-5/token-bucket.md#the-refill-thread and #a-clean-stop",
    race: "two threads touched the bucket's state at once: the tokens and the stop flag must \
           be inside the crate::sync::Mutex and reached only through its guard.",
    spins_forever: "a thread looped for ever: a wait loop that does not sleep (on the \
           condition variable, or in clock.sleep_until), or whose condition never changes.",
    deadlock: "a thread sleeps for ever and nobody is left to wake it: a lost wake-up. A \
           refill that adds tokens must wake every waiter (notify_all on the condition \
           variable, after changing the count under the mutex); stop() must set the flag \
           under the mutex, notify_all the waiters and call clock.wake() so that the refill \
           thread's sleep_until ends, then join that thread.",
    assertion: "a thread went on without its condition: an acquire that took tokens that were \
           not there (after a spurious wake-up: a wait under an `if` where a `while` \
           belongs), tokens counted twice, or an acquire that did not see the stop.",
};

/// The manual clock of the models' buckets, which says when it is dropped: the bucket's
/// shared state (and this clock in it) goes only once the bucket and its refill thread have
/// both let go of it, so after the bucket is dropped, a clock still there means the refill
/// thread still runs.
struct Watched {
    clock: ManualClock,
    gone: Arc<AtomicBool>,
}

impl std::ops::Deref for Watched {
    type Target = ManualClock;
    fn deref(&self) -> &ManualClock {
        &self.clock
    }
}

impl clock::Clock for Watched {
    fn now(&self) -> Duration {
        self.clock.now()
    }
    fn sleep_until(&self, deadline: Duration, stop: &dyn Fn() -> bool) {
        self.clock.sleep_until(deadline, stop)
    }
    fn wake(&self) {
        self.clock.wake()
    }
}

impl Drop for Watched {
    fn drop(&mut self) {
        self.gone.store(true, Ordering::SeqCst);
    }
}

/// A model's bucket. When a model fails (loom found a thread asleep for ever, or an assertion
/// failed), its threads unwind; a bucket dropped then would run stop() (loom objects touched
/// while unwinding, and a join that may never end), which makes loom abort the whole test
/// binary without a message. So it is leaked then, and dropped normally otherwise.
struct Bucket {
    bucket: std::mem::ManuallyDrop<TokenBucket<Watched>>,
    gone: Arc<AtomicBool>,
}

impl std::ops::Deref for Bucket {
    type Target = TokenBucket<Watched>;
    fn deref(&self) -> &TokenBucket<Watched> {
        &self.bucket
    }
}

impl Drop for Bucket {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            // SAFETY: dropped once, here, and never used again.
            unsafe { std::mem::ManuallyDrop::drop(&mut self.bucket) }
        }
    }
}

/// A full bucket on a manual clock at time 0.
fn new_bucket(capacity: u64, per_tick: u64) -> Bucket {
    let gone = Arc::new(AtomicBool::new(false));
    let clock = Watched {
        clock: ManualClock::new(),
        gone: Arc::clone(&gone),
    };
    Bucket {
        bucket: std::mem::ManuallyDrop::new(TokenBucket::new(capacity, per_tick, TICK, clock)),
        gone,
    }
}

/// Stops the model's bucket (every other thread of the model is joined), drops it, and says
/// whether its refill thread had ended by the time stop() returned. If not, it first lets
/// that thread run to its end: a model that ends (or fails) while a thread of loom's still
/// runs makes loom abort without a message.
fn stop_and_drop(bucket: Arc<Bucket>) -> bool {
    let bucket = Arc::try_unwrap(bucket).unwrap_or_else(|_| {
        panic!("the test still shares the bucket with a thread it did not join")
    });
    bucket.stop();
    let gone = Arc::clone(&bucket.gone);
    drop(bucket);
    let ended = gone.load(Ordering::SeqCst);
    while !gone.load(Ordering::SeqCst) {
        thread::yield_now();
    }
    ended
}

/// What a model asserts once its bucket was stopped: that stop() returned only after the
/// refill thread ended.
fn assert_stop_joined(ended: bool) {
    assert!(
        ended,
        "stop() returned while the bucket's refill thread was still running: stop() must join \
         that thread (keep its JoinHandle and call join() on it) before it returns \
         ({CHAPTER}#a-clean-stop)"
    );
}

/// An emptied bucket on a manual clock at time 0.
fn empty_bucket(capacity: u64, per_tick: u64) -> Bucket {
    let bucket = new_bucket(capacity, per_tick);
    let emptied = bucket.try_acquire(capacity);
    assert_eq!(
        emptied,
        Ok(()),
        "a new bucket must be full ({CHAPTER}#exercise)"
    );
    bucket
}

#[test]
fn loom_refill_wakes_a_blocked_acquirer() {
    Model::new(
        "a thread calls acquire(1) on an empty bucket; the main thread moves the clock one \
         tick (the refill thread adds 1 token); the acquirer gets it",
    )
    .explain(&EXPLAIN)
    .preemptions(1)
    .check(|| {
        let bucket = Arc::new(empty_bucket(1, 1));
        let theirs = Arc::clone(&bucket);
        let acquirer = thread::spawn(move || theirs.acquire(1));
        bucket.clock().advance(TICK);
        let got = acquirer.join();
        let ended = stop_and_drop(bucket);
        let got = got.expect("the acquirer panicked");
        assert_stop_joined(ended);
        assert_eq!(
            got,
            Ok(()),
            "acquire(1) must return once a refill added a token ({CHAPTER}#the-refill-thread)"
        );
    });
}

#[test]
fn loom_refill_wakes_a_timed_acquirer() {
    Model::new(
        "a thread calls acquire_timeout(1, 1000 ticks) on an empty bucket; the main thread \
         moves the clock one tick; the acquirer gets the token",
    )
    .explain(&EXPLAIN)
    .preemptions(1)
    .check(|| {
        let bucket = Arc::new(empty_bucket(1, 1));
        let theirs = Arc::clone(&bucket);
        let acquirer = thread::spawn(move || theirs.acquire_timeout(1, TICK * 1000));
        bucket.clock().advance(TICK);
        let got = acquirer.join();
        let ended = stop_and_drop(bucket);
        let got = got.expect("the acquirer panicked");
        assert_stop_joined(ended);
        assert_eq!(got, Ok(()), "acquire_timeout(1, 1000 ticks) must return once a refill added a token ({CHAPTER}#timeouts-on-the-bucket-clock)");
    });
}

#[test]
fn loom_refill_spurious_wake_ups_do_not_let_an_acquire_take_missing_tokens() {
    Model::new(
        "with spurious wake-ups on, a thread calls acquire(2) on an empty bucket of 1 token \
         per tick; the main thread moves the clock one tick, then another; the acquirer \
         gets 2 tokens and the bucket is empty",
    )
    .explain(&EXPLAIN)
    .preemptions(1)
    .check(|| {
        let _spurious = sync_shim::testing::spurious_wakeups();
        let bucket = Arc::new(empty_bucket(2, 1));
        let theirs = Arc::clone(&bucket);
        let acquirer = thread::spawn(move || {
            let got = theirs.acquire(2);
            (got, theirs.available())
        });
        bucket.clock().advance(TICK);
        bucket.clock().advance(TICK);
        let got = acquirer.join();
        let ended = stop_and_drop(bucket);
        assert_stop_joined(ended);
        let (got, left) = got.expect(
            "the acquirer panicked: did it take more tokens than were there (an overflow)? \
             after a wake-up, look again (a `while`, not an `if`)",
        );
        assert_eq!(got, Ok(()), "acquire(2) must succeed once two ticks added 2 tokens ({CHAPTER}#exercise)");
        assert!(left == 0, "acquire(2) returned while the bucket held {left} token(s) after it, with 2 added in all: it went on after a wake-up with too few tokens; wait in a `while` loop ({CHAPTER}#exercise)");
    });
}

#[test]
fn loom_refill_two_acquirers_count_the_tokens_once() {
    Model::new(
        "a bucket of capacity 2 holds 1 token; a thread calls acquire(1) while the main \
         thread moves the clock one tick (1 more token), waits for the refill and calls \
         acquire(1); both succeed and no third token is there",
    )
    .explain(&EXPLAIN)
    .preemptions(1)
    .check(|| {
        let bucket = Arc::new(new_bucket(2, 1));
        let one_taken = bucket.try_acquire(1);
        let theirs = Arc::clone(&bucket);
        let acquirer = thread::spawn(move || theirs.acquire(1));
        bucket.clock().advance(TICK);
        bucket.clock().wait_for_sleeper();
        let mine = bucket.acquire(1);
        let got = acquirer.join();
        let third = bucket.try_acquire(1);
        let ended = stop_and_drop(bucket);
        let got = got.expect("the acquirer panicked");
        assert_stop_joined(ended);
        assert_eq!((one_taken, mine, got), (Ok(()), Ok(()), Ok(())), "with 1 token left and 1 refilled, both acquire(1)s must succeed ({CHAPTER}#the-refill-thread)");
        assert_eq!(third, Err(AcquireError::NotEnough), "1 token left and 1 refilled, yet 3 were handed out: a refill and an acquire changed the count at once, and one change was lost; read and write the count under the mutex, in one go ({CHAPTER}#the-refill-thread)");
    });
}

#[test]
fn loom_stop_wakes_a_blocked_acquirer() {
    Model::new(
        "a thread calls acquire(1) on an empty bucket; the main thread calls stop(); the \
         acquirer returns Err(Stopped) and stop() returns",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let bucket = Arc::new(empty_bucket(1, 1));
        let theirs = Arc::clone(&bucket);
        let acquirer = thread::spawn(move || theirs.acquire(1));
        bucket.stop();
        let got = acquirer.join();
        let ended = stop_and_drop(bucket);
        let got = got.expect("the acquirer panicked");
        assert_stop_joined(ended);
        assert_eq!(got, Err(AcquireError::Stopped), "an acquire blocked on an empty bucket must return Err(Stopped) when the bucket is stopped ({CHAPTER}#a-clean-stop)");
    });
}

#[test]
fn loom_stop_wakes_the_sleeping_refiller() {
    Model::new(
        "a bucket is made and stopped at once: stop() wakes the refill thread from its sleep \
         in the clock and joins it",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let bucket = Arc::new(new_bucket(1, 1));
        bucket.stop();
        let after = bucket.try_acquire(1);
        assert_stop_joined(stop_and_drop(bucket));
        assert_eq!(
            after,
            Err(AcquireError::Stopped),
            "a stopped bucket must refuse every acquire ({CHAPTER}#a-clean-stop)"
        );
    });
}

#[test]
fn loom_stop_while_the_clock_moves_ends_the_refiller() {
    Model::new(
        "a thread moves the clock one tick while the main thread calls stop(): the refill \
         thread ends and stop() returns",
    )
    .explain(&EXPLAIN)
    .check(|| {
        let bucket = Arc::new(empty_bucket(1, 1));
        let theirs = Arc::clone(&bucket);
        let mover = thread::spawn(move || theirs.clock().advance(TICK));
        bucket.stop();
        let moved = mover.join();
        let after = bucket.try_acquire(1);
        let ended = stop_and_drop(bucket);
        moved.expect("the thread that moved the clock panicked");
        assert_stop_joined(ended);
        assert_eq!(
            after,
            Err(AcquireError::Stopped),
            "a stopped bucket must refuse every acquire ({CHAPTER}#a-clean-stop)"
        );
    });
}
