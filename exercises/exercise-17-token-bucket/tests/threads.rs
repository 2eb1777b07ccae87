//! Exercise 17 graded suite, on real threads. Book: `book/src/part-5/token-bucket.md`.
//!
//! Every promise of the stub's docs, and the tests that check it here and under loom, are
//! listed in `tests/contracts/exercise-17.toml`. The buckets here run on a `ManualClock`:
//! its time moves only when a test calls `advance`, and `wait_for_sleeper` waits until the
//! refill thread has caught up with it, so no test sleeps for the bucket's ticks and none
//! looks at how fast anything is. Timeouts are checked here only: in a loom model a timed
//! wait never times out.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

sync_shim::library_under_std!(bucket);

use bucket::{AcquireError, Clock, ManualClock, SystemClock, TokenBucket};

const CHAPTER: &str = "book/src/part-5/token-bucket.md";

/// One tick of the buckets below, on their manual clock: never waited for in real time.
const TICK: Duration = Duration::from_secs(1);

/// How long a test lets a thread run before it says "still blocked": long enough for a
/// thread that should have returned to have done so, on a loaded machine.
const SETTLE: Duration = Duration::from_millis(150);

/// A bucket on a manual clock at time 0.
fn bucket(capacity: u64, per_tick: u64) -> TokenBucket<ManualClock> {
    TokenBucket::new(capacity, per_tick, TICK, ManualClock::new())
}

/// A bucket emptied with try_acquire, so that every token it holds later came from a refill.
fn empty_bucket(capacity: u64, per_tick: u64) -> TokenBucket<ManualClock> {
    let bucket = bucket(capacity, per_tick);
    assert_eq!(
        bucket.try_acquire(capacity),
        Ok(()),
        "a new bucket must be full: try_acquire(capacity) on it must succeed ({CHAPTER}#exercise)"
    );
    bucket
}

/// Moves the bucket's clock `ticks` ticks on, then waits until its refill thread has done
/// what that time calls for and sleeps again.
fn advance(bucket: &TokenBucket<ManualClock>, ticks: u32) {
    bucket.clock().advance(TICK * ticks);
    bucket.clock().wait_for_sleeper();
}

/// Starts `body` on a thread and says whether it finished: `finished` is set after it.
fn start<R: Send + 'static>(
    body: impl FnOnce() -> R + Send + 'static,
) -> (thread::JoinHandle<R>, Arc<AtomicBool>) {
    let finished = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&finished);
    let handle = thread::spawn(move || {
        let result = body();
        flag.store(true, Ordering::SeqCst);
        result
    });
    (handle, finished)
}

/// Joins a thread of the test, passing its panic on.
fn join<R>(handle: thread::JoinHandle<R>) -> R {
    handle
        .join()
        .unwrap_or_else(|payload| std::panic::resume_unwind(payload))
}

/// A manual clock the test keeps a handle on after the bucket is gone.
struct SharedClock(Arc<ManualClock>);

impl Clock for SharedClock {
    fn now(&self) -> Duration {
        self.0.now()
    }
    fn sleep_until(&self, deadline: Duration, stop: &dyn Fn() -> bool) {
        self.0.sleep_until(deadline, stop)
    }
    fn wake(&self) {
        self.0.wake()
    }
}

// ---------------------------------------------------------------------------------------
// Basics: a full bucket, try_acquire, capacity

#[test]
fn basic_a_new_bucket_is_full_and_try_acquire_takes_tokens() {
    deadline::within_secs(
        5,
        "try_acquire() on a new bucket (it must not wait)",
        || {
            let bucket = bucket(5, 1);
            assert_eq!(
                bucket.capacity(),
                5,
                "capacity() must return what new() was given ({CHAPTER}#exercise)"
            );
            assert_eq!(
                bucket.available(),
                5,
                "a new bucket must be full: available() must be its capacity ({CHAPTER}#the-algorithm)"
            );
            assert_eq!(
                bucket.try_acquire(2),
                Ok(()),
                "try_acquire(2) on a full bucket of 5 must succeed ({CHAPTER}#exercise)"
            );
            assert_eq!(
                bucket.available(),
                3,
                "try_acquire(2) must take 2 tokens: 5 - 2 = 3 left ({CHAPTER}#exercise)"
            );
            assert_eq!(
                bucket.try_acquire(4),
                Err(AcquireError::NotEnough),
                "try_acquire(4) with 3 tokens must return Err(NotEnough) at once ({CHAPTER}#exercise)"
            );
            assert_eq!(
                bucket.available(),
                3,
                "a try_acquire() that fails must take nothing: not even the 3 that were there \
             ({CHAPTER}#exercise)"
            );
            assert_eq!(
                bucket.try_acquire(3),
                Ok(()),
                "try_acquire(3) with exactly 3 tokens must succeed ({CHAPTER}#exercise)"
            );
            assert_eq!(
                bucket.try_acquire(1),
                Err(AcquireError::NotEnough),
                "an empty bucket must refuse try_acquire(1) ({CHAPTER}#exercise)"
            );
            assert_eq!(
                bucket.try_acquire(0),
                Ok(()),
                "taking 0 tokens must succeed, even from an empty bucket ({CHAPTER}#exercise)"
            );
        },
    );
}

#[test]
fn basic_more_than_capacity_is_an_error_not_a_wait() {
    deadline::within_secs(
        5,
        "acquire(6) on a bucket of capacity 5 (it must fail at once, not wait for ever)",
        || {
            let bucket = bucket(5, 1);
            let results = [
                bucket.try_acquire(6),
                bucket.acquire(6),
                bucket.acquire_timeout(6, TICK * 1000),
            ];
            assert_eq!(
                results,
                [Err(AcquireError::MoreThanCapacity); 3],
                "try_acquire, acquire and acquire_timeout of more tokens than the capacity must \
                 return Err(MoreThanCapacity) at once: the bucket can never hold them \
                 ({CHAPTER}#exercise)"
            );
            assert_eq!(
                bucket.available(),
                5,
                "a refused acquire must take nothing ({CHAPTER}#exercise)"
            );
        },
    );
}

#[test]
fn basic_zero_capacity_rate_or_tick_panics() {
    let cases: [(&str, u64, u64, Duration); 3] = [
        ("a capacity of 0", 0, 1, TICK),
        ("0 tokens per tick", 5, 0, TICK),
        ("a tick of zero", 5, 1, Duration::ZERO),
    ];
    for (what, capacity, per_tick, tick) in cases {
        let outcome = deadline::within_secs(5, "TokenBucket::new with a zero", move || {
            std::panic::catch_unwind(move || {
                TokenBucket::new(capacity, per_tick, tick, ManualClock::new());
            })
        });
        let Err(payload) = outcome else {
            panic!(
                "TokenBucket::new with {what} must panic: such a bucket could never hand out a \
                 token, or would refill without end ({CHAPTER}#exercise)"
            );
        };
        // A todo!() is not the panic asked for: pass it on for the course tool to report.
        if deadline::panic_text(payload.as_ref()).contains("not yet implemented") {
            std::panic::resume_unwind(payload);
        }
    }
}

#[test]
fn basic_the_bucket_is_send_and_sync() {
    assert!(
        auto_traits::is_send!(TokenBucket<ManualClock>)
            && auto_traits::is_sync!(TokenBucket<ManualClock>)
            && auto_traits::is_send!(TokenBucket<SystemClock>)
            && auto_traits::is_sync!(TokenBucket<SystemClock>),
        "TokenBucket must be Send and Sync: threads share it through an Arc ({CHAPTER}#exercise)"
    );
    // Something of the bucket itself, so that this test fails on the stub too.
    deadline::within_secs(5, "try_acquire() from another thread", || {
        let bucket = Arc::new(bucket(2, 1));
        let theirs = Arc::clone(&bucket);
        let got = join(thread::spawn(move || theirs.try_acquire(2)));
        assert_eq!(
            (got, bucket.available()),
            (Ok(()), 0),
            "tokens taken on another thread must be gone for this one ({CHAPTER}#exercise)"
        );
    });
}

#[test]
fn basic_a_thread_that_panics_leaves_the_bucket_usable() {
    deadline::within_secs(
        5,
        "try_acquire() after a thread panicked with tokens",
        || {
            let bucket = Arc::new(bucket(3, 1));
            let theirs = Arc::clone(&bucket);
            let outcome = thread::spawn(move || {
                theirs.try_acquire(1).unwrap();
                panic!("a worker panics after taking a token (on purpose)");
            })
            .join();
            assert!(outcome.is_err(), "the worker was meant to panic");
            assert_eq!(
                (bucket.try_acquire(2), bucket.available()),
                (Ok(()), 0),
                "after a thread panicked outside the bucket, the bucket must go on working: 3 - 1 \
             - 2 = 0 ({CHAPTER}#exercise)"
            );
        },
    );
}

// ---------------------------------------------------------------------------------------
// The refill thread

#[test]
fn refill_adds_tokens_at_each_tick_of_the_clock() {
    deadline::within_secs(
        10,
        "the refill thread, after the clock moved (it must sleep in clock.sleep_until between \
         refills)",
        || {
            let bucket = empty_bucket(10, 3);
            advance(&bucket, 0);
            assert_eq!(
                bucket.available(),
                0,
                "no tick has passed yet, so no token may be added ({CHAPTER}#the-refill-thread)"
            );
            bucket.clock().advance(TICK - Duration::from_nanos(1));
            bucket.clock().wait_for_sleeper();
            assert_eq!(
                bucket.available(),
                0,
                "one nanosecond before the first tick, no token may be added yet: the refill \
                 comes at each whole tick after new() ({CHAPTER}#the-refill-thread)"
            );
            bucket.clock().advance(Duration::from_nanos(1));
            bucket.clock().wait_for_sleeper();
            assert_eq!(
                bucket.available(),
                3,
                "after one tick the bucket must hold per_tick (3) tokens: sleep in \
                 clock.sleep_until until the next tick, then add per_tick \
                 ({CHAPTER}#the-refill-thread)"
            );
            bucket.clock().advance(TICK / 2);
            bucket.clock().wait_for_sleeper();
            assert_eq!(
                bucket.available(),
                3,
                "half a tick later nothing more may be added ({CHAPTER}#the-refill-thread)"
            );
            bucket.clock().advance(TICK / 2);
            bucket.clock().wait_for_sleeper();
            assert_eq!(
                bucket.available(),
                6,
                "after the second whole tick the bucket must hold 6 tokens: ticks are counted \
                 from new() on the clock, not from when the thread last woke \
                 ({CHAPTER}#the-refill-thread)"
            );
        },
    );
}

#[test]
fn refill_counts_the_clocks_ticks_not_its_own_wake_ups() {
    deadline::within_secs(
        10,
        "the refill thread, after the clock jumped three ticks",
        || {
            let bucket = empty_bucket(20, 2);
            advance(&bucket, 3);
            assert_eq!(
                bucket.available(),
                6,
                "the clock moved three ticks at once and the bucket holds {} tokens, not 3 x 2 \
                 = 6: a refill thread that wakes late must add every tick it missed (count \
                 ticks from the clock's time since new(), not one per wake-up) \
                 ({CHAPTER}#the-refill-thread)",
                bucket.available()
            );
        },
    );
}

#[test]
fn refill_never_fills_above_capacity() {
    deadline::within_secs(10, "the refill thread of a full bucket", || {
        let bucket = bucket(4, 3);
        advance(&bucket, 1);
        assert_eq!(
            bucket.available(),
            4,
            "a full bucket of capacity 4 holds {} tokens after a tick: tokens above the \
             capacity must be dropped (min(tokens + added, capacity)) ({CHAPTER}#the-algorithm)",
            bucket.available()
        );
        bucket.try_acquire(3).unwrap();
        advance(&bucket, 50);
        assert_eq!(
            bucket.available(),
            4,
            "after 50 ticks the bucket must hold its capacity (4), no more \
             ({CHAPTER}#the-algorithm)"
        );
    });
}

#[test]
fn refill_on_the_real_clock_comes_in_real_time() {
    deadline::within_secs(
        10,
        "acquire(1) on an empty bucket of the real clock with a tick of 10 ms",
        || {
            let bucket = TokenBucket::new(1, 1, Duration::from_millis(10), SystemClock::new());
            assert_eq!(
                bucket.try_acquire(1),
                Ok(()),
                "a new bucket is full ({CHAPTER}#exercise)"
            );
            for _ in 0..3 {
                assert_eq!(
                    bucket.acquire(1),
                    Ok(()),
                    "acquire(1) must succeed once the real clock has passed a tick \
                     ({CHAPTER}#the-refill-thread)"
                );
            }
        },
    );
}

// ---------------------------------------------------------------------------------------
// Blocking acquire

#[test]
fn blocking_acquire_waits_until_enough_tokens_came() {
    deadline::within_secs(
        10,
        "acquire(2) on an empty bucket, after two refills of 1 token",
        || {
            let bucket = Arc::new(empty_bucket(5, 1));
            let theirs = Arc::clone(&bucket);
            let (acquirer, finished) = start(move || theirs.acquire(2));
            thread::sleep(SETTLE);
            assert!(
                !finished.load(Ordering::SeqCst),
                "acquire(2) on an empty bucket returned before any refill: it must wait \
                 ({CHAPTER}#exercise)"
            );
            advance(&bucket, 1);
            thread::sleep(SETTLE);
            assert!(
                !finished.load(Ordering::SeqCst),
                "acquire(2) returned with only 1 token in the bucket: it must wait until 2 are \
                 there, and take all or none; after a wake-up, look again (a `while`, not an \
                 `if`) ({CHAPTER}#exercise)"
            );
            assert_eq!(
                bucket.available(),
                1,
                "a waiting acquire(2) must not take the 1 token there (all or none) \
                 ({CHAPTER}#exercise)"
            );
            advance(&bucket, 1);
            assert_eq!(
                join(acquirer),
                Ok(()),
                "acquire(2) must succeed once 2 tokens are there ({CHAPTER}#exercise)"
            );
            assert_eq!(
                bucket.available(),
                0,
                "acquire(2) must have taken both tokens ({CHAPTER}#exercise)"
            );
        },
    );
}

#[test]
fn blocking_one_tick_wakes_every_waiter_it_feeds() {
    deadline::within_secs(
        10,
        "two blocked acquire(1)s after one refill of 2 tokens (a refill must wake every \
         waiter: notify_all)",
        || {
            let bucket = Arc::new(empty_bucket(2, 2));
            let acquirers: Vec<_> = (0..2)
                .map(|_| {
                    let theirs = Arc::clone(&bucket);
                    start(move || theirs.acquire(1))
                })
                .collect();
            thread::sleep(SETTLE);
            advance(&bucket, 1);
            let got: Vec<_> = acquirers.into_iter().map(|(a, _)| join(a)).collect();
            assert_eq!(
                got,
                [Ok(()), Ok(())],
                "both acquire(1)s must succeed after one refill of 2 tokens \
                 ({CHAPTER}#the-refill-thread)"
            );
        },
    );
}

#[test]
fn blocking_stress_tokens_are_counted_once() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(
        20,
        "two threads taking 50 tokens each while the clock moves 100 ticks of 1 token (if \
         this hangs, tokens were lost, or a refill woke nobody)",
        || {
            let bucket = Arc::new(empty_bucket(100, 1));
            let takers: Vec<_> = (0..2)
                .map(|i| {
                    let theirs = Arc::clone(&bucket);
                    start(move || {
                        for _ in 0..50 {
                            if i == 0 {
                                theirs.acquire(1)?;
                            } else {
                                theirs.acquire_timeout(1, TICK * 1000)?;
                            }
                        }
                        Ok::<(), AcquireError>(())
                    })
                })
                .collect();
            for _ in 0..100 {
                advance(&bucket, 1);
            }
            let got: Vec<_> = takers.into_iter().map(|(t, _)| join(t)).collect();
            assert_eq!(
                got,
                [Ok(()), Ok(())],
                "every acquire must succeed ({CHAPTER}#exercise)"
            );
            assert_eq!(
                bucket.available(),
                0,
                "100 ticks added 100 tokens and the two threads took 100, yet {} are left: \
                 tokens were created, by a refill and an acquire changing the count at once \
                 (read and write it in one go, under the mutex) ({CHAPTER}#the-refill-thread)",
                bucket.available()
            );
        },
    );
}

// ---------------------------------------------------------------------------------------
// acquire_timeout, on the bucket's clock

#[test]
fn timeout_gives_up_at_the_deadline_on_the_bucket_clock_and_takes_nothing() {
    deadline::within_secs(
        10,
        "acquire_timeout(3, 2 ticks) on an empty bucket of 1 token per tick, while the clock \
         moves 2 ticks (the deadline is on the bucket's clock, not the real one; if this \
         hangs, the deadline was recomputed after a wake-up, or compared with `>`: \
         deadline = clock.now() + timeout, computed once when the call begins, and give up \
         when clock.now() >= deadline, book/src/part-5/token-bucket.md#timeouts-on-the-bucket-clock)",
        || {
            let bucket = Arc::new(empty_bucket(5, 1));
            let theirs = Arc::clone(&bucket);
            let (acquirer, finished) = start(move || theirs.acquire_timeout(3, TICK * 2));
            thread::sleep(SETTLE);
            advance(&bucket, 1);
            thread::sleep(SETTLE);
            assert!(
                !finished.load(Ordering::SeqCst),
                "acquire_timeout(3, 2 ticks) returned after 1 tick, before its deadline \
                 ({CHAPTER}#timeouts-on-the-bucket-clock)"
            );
            advance(&bucket, 1);
            assert_eq!(
                join(acquirer),
                Err(AcquireError::TimedOut),
                "acquire_timeout(3, 2 ticks) must return Err(TimedOut) once the clock passed \
                 its deadline with 2 tokens: deadline = clock.now() + timeout, computed once, \
                 looked at after every wake-up ({CHAPTER}#timeouts-on-the-bucket-clock)"
            );
            assert_eq!(
                bucket.available(),
                2,
                "a timed-out acquire must take nothing: the 2 tokens must still be there \
                 ({CHAPTER}#timeouts-on-the-bucket-clock)"
            );
        },
    );
}

#[test]
fn timeout_succeeds_when_the_tokens_come_in_time() {
    deadline::within_secs(
        10,
        "acquire_timeout(2, 5 ticks) while the clock moves 2 ticks of 1 token",
        || {
            let bucket = Arc::new(empty_bucket(5, 1));
            let theirs = Arc::clone(&bucket);
            let (acquirer, _) = start(move || theirs.acquire_timeout(2, TICK * 5));
            advance(&bucket, 1);
            advance(&bucket, 1);
            assert_eq!(
                join(acquirer),
                Ok(()),
                "acquire_timeout(2, 5 ticks) must succeed when 2 tokens come after 2 ticks \
                 ({CHAPTER}#timeouts-on-the-bucket-clock)"
            );
            assert_eq!(
                bucket.available(),
                0,
                "it must take its 2 tokens ({CHAPTER}#exercise)"
            );
        },
    );
}

#[test]
fn timeout_of_zero_never_waits() {
    deadline::within_secs(5, "acquire_timeout(1, 0) on an empty bucket", || {
        let bucket = empty_bucket(3, 1);
        assert_eq!(
            bucket.acquire_timeout(1, Duration::ZERO),
            Err(AcquireError::TimedOut),
            "acquire_timeout(1, 0) on an empty bucket must return Err(TimedOut) at once \
             ({CHAPTER}#timeouts-on-the-bucket-clock)"
        );
        advance(&bucket, 1);
        assert_eq!(
            bucket.acquire_timeout(1, Duration::ZERO),
            Ok(()),
            "acquire_timeout(1, 0) with a token there must take it: look at the tokens before \
             the clock ({CHAPTER}#timeouts-on-the-bucket-clock)"
        );
    });
}

// ---------------------------------------------------------------------------------------
// stop and drop

#[test]
fn stop_wakes_every_blocked_acquirer_with_stopped() {
    deadline::within_secs(
        10,
        "stop() with two threads blocked in acquire() and one in acquire_timeout() (stop must \
         wake every waiter: notify_all)",
        || {
            let bucket = Arc::new(empty_bucket(3, 1));
            let waiters: Vec<_> = (0..3)
                .map(|i| {
                    let theirs = Arc::clone(&bucket);
                    start(move || {
                        if i < 2 {
                            theirs.acquire(3)
                        } else {
                            theirs.acquire_timeout(3, TICK * 1000)
                        }
                    })
                })
                .collect();
            thread::sleep(SETTLE);
            bucket.stop();
            let got: Vec<_> = waiters.into_iter().map(|(w, _)| join(w)).collect();
            assert_eq!(
                got,
                [Err(AcquireError::Stopped); 3],
                "every acquire blocked when stop() is called must return Err(Stopped) \
                 ({CHAPTER}#a-clean-stop)"
            );
        },
    );
}

#[test]
fn stop_then_every_acquire_fails() {
    deadline::within_secs(5, "acquires on a stopped bucket", || {
        let bucket = bucket(3, 1);
        bucket.stop();
        let got = [
            bucket.try_acquire(1),
            bucket.acquire(1),
            bucket.acquire_timeout(1, TICK),
        ];
        assert_eq!(
            got,
            [Err(AcquireError::Stopped); 3],
            "after stop(), every acquire must return Err(Stopped), even with tokens left in \
             the bucket ({CHAPTER}#a-clean-stop)"
        );
        assert_eq!(
            bucket.acquire(4),
            Err(AcquireError::MoreThanCapacity),
            "more than the capacity is Err(MoreThanCapacity) first, stopped or not \
             ({CHAPTER}#exercise)"
        );
        bucket.stop();
    });
}

#[test]
fn stop_returns_only_after_the_refiller_ended() {
    deadline::within_secs(
        10,
        "stop() while the refill thread is held in the clock, then released",
        || {
            let bucket = Arc::new(bucket(3, 1));
            bucket.clock().wait_for_sleeper();
            assert_eq!(
                bucket.clock().sleepers(),
                1,
                "a bucket must have one thread, its refill thread, asleep in the clock \
                 ({CHAPTER}#the-refill-thread)"
            );
            bucket.clock().hold(true);
            let released = Arc::new(AtomicBool::new(false));
            let (release, flag) = (Arc::clone(&bucket), Arc::clone(&released));
            let releaser = thread::spawn(move || {
                thread::sleep(SETTLE);
                flag.store(true, Ordering::SeqCst);
                release.clock().hold(false);
            });
            bucket.stop();
            let in_time = released.load(Ordering::SeqCst);
            join(releaser);
            assert!(
                in_time,
                "stop() returned while the refill thread was still inside clock.sleep_until: \
                 stop must join the refill thread (keep its JoinHandle) \
                 ({CHAPTER}#a-clean-stop)"
            );
            assert_eq!(
                bucket.clock().sleepers(),
                0,
                "after stop(), the refill thread must be gone from the clock \
                 ({CHAPTER}#a-clean-stop)"
            );
        },
    );
}

/// The real clock, counting the calls of `sleep_until`, so that a test can wait until the
/// refill thread has gone to sleep in it, and the calls of `wake` and of the `stop` closure,
/// so that it can see the sleep is a sleep (a sleeper that spins calls `stop` in a loop).
#[derive(Default)]
struct WatchedClock {
    inner: SystemClock,
    sleeps: Arc<AtomicUsize>,
    wakes: Arc<AtomicUsize>,
    stop_calls: Arc<AtomicUsize>,
}

impl Clock for WatchedClock {
    fn now(&self) -> Duration {
        self.inner.now()
    }
    fn sleep_until(&self, deadline: Duration, stop: &dyn Fn() -> bool) {
        self.sleeps.fetch_add(1, Ordering::SeqCst);
        let counted = || {
            self.stop_calls.fetch_add(1, Ordering::SeqCst);
            stop()
        };
        self.inner.sleep_until(deadline, &counted)
    }
    fn wake(&self) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
        self.inner.wake()
    }
}

#[test]
fn stop_wakes_the_sleeping_refiller() {
    deadline::within_secs(
        10,
        "stop() of a bucket on the real clock with a tick of one hour, its refill thread asleep \
         (the refill thread must be woken with clock.wake(), not left to sleep until its tick)",
        || {
            let clock = WatchedClock::default();
            let (sleeps, wakes, stop_calls) = (
                Arc::clone(&clock.sleeps),
                Arc::clone(&clock.wakes),
                Arc::clone(&clock.stop_calls),
            );
            let bucket = TokenBucket::new(3, 1, Duration::from_secs(3600), clock);
            assert_eq!(
                bucket.try_acquire(1),
                Ok(()),
                "a new bucket is full ({CHAPTER}#exercise)"
            );
            while sleeps.load(Ordering::SeqCst) == 0 {
                thread::sleep(Duration::from_millis(1));
            }
            // Long enough for the refill thread to be asleep inside sleep_until.
            thread::sleep(SETTLE);
            let calls = sleeps.load(Ordering::SeqCst);
            // `stop` first: every call of it that a wake-up caused came after that wake().
            let (stops, woken) = (
                stop_calls.load(Ordering::SeqCst),
                wakes.load(Ordering::SeqCst),
            );
            bucket.stop();
            assert_eq!(
                calls, 1,
                "with a tick of an hour, the refill thread called clock.sleep_until {calls} \
                 times in {SETTLE:?}: it must sleep until the next tick, once, not return at \
                 once and loop ({CHAPTER}#the-refill-thread)"
            );
            assert!(
                stops <= 1 + woken,
                "the clock's sleep_until called your stop closure {stops} times in {SETTLE:?} \
                 with {woken} wake() calls: it is promised once at the start and once after \
                 each wake(), so the sleep spins instead of sleeping. src/clock.rs is provided: \
                 is it as shipped? ({CHAPTER}#the-refill-thread)"
            );
        },
    );
}

#[test]
fn stop_happens_on_drop_and_twice_is_harmless() {
    deadline::within_secs(
        10,
        "dropping a bucket (Drop must stop it and join its refill thread)",
        || {
            let clock = Arc::new(ManualClock::new());
            let bucket = TokenBucket::new(3, 1, TICK, SharedClock(Arc::clone(&clock)));
            clock.wait_for_sleeper();
            bucket.stop();
            bucket.stop();
            drop(bucket);
            let clock = Arc::new(ManualClock::new());
            let bucket = TokenBucket::new(3, 1, TICK, SharedClock(Arc::clone(&clock)));
            clock.wait_for_sleeper();
            drop(bucket);
            assert_eq!(
                (Arc::strong_count(&clock), clock.sleepers()),
                (1, 0),
                "after a bucket is dropped, its refill thread must have ended (it still holds \
                 the clock, or sleeps in it): Drop must stop the bucket and join the thread \
                 ({CHAPTER}#a-clean-stop)"
            );
        },
    );
}

#[test]
fn stop_of_one_bucket_leaves_another_on_the_same_clock_running() {
    deadline::within_secs(
        10,
        "two buckets on one manual clock, one of them stopped (the other's refill thread must \
         sleep on)",
        || {
            let clock = Arc::new(ManualClock::new());
            let first = TokenBucket::new(2, 1, TICK, SharedClock(Arc::clone(&clock)));
            let second = TokenBucket::new(2, 1, TICK, SharedClock(Arc::clone(&clock)));
            while clock.sleepers() < 2 {
                thread::sleep(Duration::from_millis(1));
            }
            first.stop();
            assert_eq!(
                clock.sleepers(),
                1,
                "stopping one bucket woke the clock; the other bucket's refill thread must go \
                 back to sleep: end the refill thread only when its own bucket is stopped \
                 ({CHAPTER}#a-clean-stop)"
            );
            second.try_acquire(2).unwrap();
            clock.advance(TICK);
            clock.wait_for_sleeper();
            assert_eq!(
                second.available(),
                1,
                "the bucket that was not stopped must go on refilling ({CHAPTER}#a-clean-stop)"
            );
        },
    );
}

#[test]
fn stop_from_another_thread_leaves_no_waiter_behind() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(
        20,
        "stop() racing acquirers, 50 times (every acquirer must return)",
        || {
            for _ in 0..50 {
                let bucket = Arc::new(empty_bucket(2, 1));
                let theirs = Arc::clone(&bucket);
                let results = deadline::workers(3, "acquirers racing stop()", move |i| {
                    if i == 0 {
                        thread::yield_now();
                        theirs.stop();
                        Ok(())
                    } else {
                        theirs.acquire(2)
                    }
                });
                assert_eq!(
                    results[1..],
                    [Err(AcquireError::Stopped); 2],
                    "an acquire racing stop() on an empty bucket must return Err(Stopped) \
                     ({CHAPTER}#a-clean-stop)"
                );
            }
        },
    );
}

// ---------------------------------------------------------------------------------------
// The source

/// What `src/bucket.rs` must not use, and why.
const FORBIDDEN: &[(&str, &str)] = &[
    (
        "thread::sleep",
        "self.clock().sleep_until (the clock's sleep can be cut short by stop; a real sleep \
         cannot, and the tests' manual clock would not move it)",
    ),
    (
        "Instant",
        "the bucket's clock (clock.now()): the tests move a manual clock, not real time",
    ),
    ("spin_loop", "a wait on a Condvar (the waiters must sleep)"),
    (
        "yield_now",
        "a wait on a Condvar (yielding in a loop is spinning)",
    ),
];

#[test]
fn source_sleeps_on_the_clock_and_the_condition_variable_only() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/bucket.rs");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let paths: Vec<&str> = FORBIDDEN.iter().map(|(bad, _)| *bad).collect();
    let problems: Vec<String> = loom_harness::forbidden_paths(&text, &paths)
        .into_iter()
        .map(|(line, bad)| {
            let instead = FORBIDDEN
                .iter()
                .find(|(path, _)| *path == bad)
                .map_or("", |(_, instead)| *instead);
            format!("src/bucket.rs:{line}: `{bad}`: use {instead}")
        })
        .collect();
    assert!(
        problems.is_empty(),
        "the bucket takes its time from its clock and waits on a condition variable:\n{}\n\
         ({CHAPTER}#injectable-time)",
        problems.join("\n")
    );
}

// ---------------------------------------------------------------------------------------
// From the audit of exercise 17: bugs the suite above did not catch

/// Joins a thread of the test; a panic in it (the library's) becomes a test failure that
/// says what was being done.
fn join_or_explain<R>(handle: thread::JoinHandle<R>, what: &str) -> R {
    handle.join().unwrap_or_else(|payload| {
        panic!(
            "{what} panicked: {}",
            deadline::panic_text(payload.as_ref())
        )
    })
}

// audit v04: next deadline = now + tick (the schedule drifts after a late wake-up).
#[test]
fn refill_a_late_wake_up_keeps_the_tick_schedule() {
    deadline::within_secs(
        10,
        "the refill thread after the clock jumped one and a half ticks, then half a tick",
        || {
            let bucket = empty_bucket(10, 1);
            bucket.clock().wait_for_sleeper();
            bucket.clock().advance(TICK * 3 / 2);
            bucket.clock().wait_for_sleeper();
            assert_eq!(
                bucket.available(),
                1,
                "after 1.5 ticks the bucket must hold 1 token ({CHAPTER}#the-refill-thread)"
            );
            bucket.clock().advance(TICK / 2);
            bucket.clock().wait_for_sleeper();
            assert_eq!(
                bucket.available(),
                2,
                "the refill thread woke half a tick late and the second tick (2 ticks after \
                 new()) brought nothing: sleep until start + tick x (ticks done + 1), not until \
                 now + tick, or every late wake-up pushes all later ticks back \
                 ({CHAPTER}#the-refill-thread)"
            );
        },
    );
}

// audit v22: ticks counted from the clock's time 0 instead of from new().
#[test]
fn refill_ticks_are_counted_from_new_on_a_clock_that_already_ran() {
    deadline::within_secs(
        10,
        "a bucket made on a manual clock at half a tick, then the clock moved",
        || {
            let clock = ManualClock::new();
            clock.advance(TICK / 2);
            let bucket = TokenBucket::new(4, 1, TICK, clock);
            assert_eq!(
                bucket.try_acquire(4),
                Ok(()),
                "a new bucket is full ({CHAPTER}#exercise)"
            );
            bucket.clock().wait_for_sleeper();
            bucket.clock().advance(TICK / 2);
            bucket.clock().wait_for_sleeper();
            assert_eq!(
                bucket.available(),
                0,
                "half a tick after new() a token came: ticks are counted from the clock's time \
                 when the bucket was made (start = clock.now() in new()), not from the clock's \
                 time 0 ({CHAPTER}#the-refill-thread)"
            );
            bucket.clock().advance(TICK / 2);
            bucket.clock().wait_for_sleeper();
            assert_eq!(
                bucket.available(),
                1,
                "one tick after new() the bucket must hold 1 token ({CHAPTER}#the-refill-thread)"
            );
        },
    );
}

// audit v21 (f64 division: 0.3 s / 0.1 s = 2.999..) and v24 (whole milliseconds: a tick
// under 1 ms divides by zero).
#[test]
fn refill_counts_ticks_exactly_for_any_tick_length() {
    for tick in [Duration::from_millis(100), Duration::from_micros(250)] {
        deadline::within_secs(
            10,
            "the refill thread with a short tick after the clock moved 3 then 3 more ticks (if \
             this hangs, the refill thread died or loops without sleeping: ticks counted in \
             floating point or in whole milliseconds?)",
            move || {
                let bucket = TokenBucket::new(100, 1, tick, ManualClock::new());
                assert_eq!(
                    bucket.try_acquire(100),
                    Ok(()),
                    "a new bucket is full ({CHAPTER}#exercise)"
                );
                for (moved, expected) in [(3, 3), (3, 6), (1, 7)] {
                    bucket.clock().advance(tick * moved);
                    bucket.clock().wait_for_sleeper();
                    assert_eq!(
                        bucket.available(),
                        expected,
                        "with a tick of {tick:?}, after {expected} ticks the bucket must hold \
                         {expected} tokens: count whole ticks exactly, in integer nanoseconds \
                         (elapsed.as_nanos() / tick.as_nanos()), not in f64 or milliseconds \
                         ({CHAPTER}#the-refill-thread)"
                    );
                }
            },
        );
    }
}

// audit v06: tokens + added overflows (u64) and kills the refill thread.
#[test]
fn refill_of_huge_amounts_saturates_at_the_capacity() {
    deadline::within_secs(
        10,
        "the refill thread of a bucket of u64::MAX tokens and u64::MAX per tick (if this hangs, \
         the refill thread panicked on an overflow)",
        || {
            let bucket = TokenBucket::new(u64::MAX, u64::MAX, TICK, ManualClock::new());
            assert_eq!(
                bucket.try_acquire(1),
                Ok(()),
                "try_acquire(1) on a full bucket must succeed ({CHAPTER}#exercise)"
            );
            advance(&bucket, 2);
            assert_eq!(
                bucket.available(),
                u64::MAX,
                "tokens above the capacity are dropped, even when the sum does not fit in a \
                 u64: use saturating_add / saturating_mul before the min \
                 ({CHAPTER}#the-algorithm)"
            );
        },
    );
}

// audit v31 (lazy refill): the refill thread wakes the waiters only when it added tokens
// itself, so a caller that brought the count up to date first leaves them asleep.
#[test]
fn blocking_a_tick_wakes_the_waiters_even_when_a_caller_looked_first() {
    deadline::within_secs(
        10,
        "acquire(1) blocked while the clock moved a tick and another thread called available() \
         before the refill thread ran (the tick must still wake the waiter)",
        || {
            let bucket = Arc::new(empty_bucket(2, 1));
            bucket.clock().wait_for_sleeper();
            let theirs = Arc::clone(&bucket);
            let (acquirer, _) = start(move || theirs.acquire(1));
            thread::sleep(SETTLE);
            bucket.clock().hold(true);
            bucket.clock().advance(TICK);
            let _ = bucket.available();
            bucket.clock().hold(false);
            assert_eq!(
                join(acquirer),
                Ok(()),
                "a tick came and the waiter must get its token: the refill thread must \
                 notify_all at each tick, even when someone else already counted the new tokens \
                 ({CHAPTER}#the-refill-thread)"
            );
        },
    );
}

// audit v33: after a wake-up, the clock is looked at before the tokens.
#[test]
fn timeout_tokens_that_come_exactly_at_the_deadline_are_taken() {
    deadline::within_secs(
        10,
        "acquire_timeout(2, 2 ticks) on an empty bucket of 1 token per tick, while the clock \
         moves 2 ticks",
        || {
            let bucket = Arc::new(empty_bucket(5, 1));
            let theirs = Arc::clone(&bucket);
            let (acquirer, _) = start(move || theirs.acquire_timeout(2, TICK * 2));
            thread::sleep(SETTLE);
            advance(&bucket, 1);
            thread::sleep(SETTLE);
            advance(&bucket, 1);
            assert_eq!(
                join(acquirer),
                Ok(()),
                "the second token came exactly at the deadline: after a wake-up, look at the \
                 tokens first and at the clock second ({CHAPTER}#timeouts-on-the-bucket-clock)"
            );
            assert_eq!(
                bucket.available(),
                0,
                "acquire_timeout(2, ..) must take its 2 tokens ({CHAPTER}#exercise)"
            );
        },
    );
}

// audit v20: the clock is looked at before the stop flag.
#[test]
fn timeout_on_a_stopped_bucket_is_stopped_not_timed_out() {
    deadline::within_secs(
        5,
        "acquire_timeout(1, 0) on a stopped, empty bucket",
        || {
            let bucket = empty_bucket(3, 1);
            bucket.stop();
            assert_eq!(
                bucket.acquire_timeout(1, Duration::ZERO),
                Err(AcquireError::Stopped),
                "a stopped bucket answers Err(Stopped) to every acquire, even one whose time is up: \
             a timeout of zero is try_acquire, which says Stopped before NotEnough \
             ({CHAPTER}#a-clean-stop)"
            );
        },
    );
}

// audit v23: deadline = now + timeout overflows for Duration::MAX.
#[test]
fn timeout_of_duration_max_waits_like_acquire() {
    deadline::within_secs(
        10,
        "acquire_timeout(1, Duration::MAX) on an empty bucket",
        || {
            let bucket = Arc::new(empty_bucket(1, 1));
            // The clock must read more than 0, so that now + Duration::MAX does not fit.
            advance(&bucket, 1);
            assert_eq!(
                bucket.try_acquire(1),
                Ok(()),
                "one tick must refill one token ({CHAPTER}#the-refill-thread)"
            );
            let theirs = Arc::clone(&bucket);
            let (acquirer, _) = start(move || theirs.acquire_timeout(1, Duration::MAX));
            thread::sleep(SETTLE);
            advance(&bucket, 1);
            assert_eq!(
                join_or_explain(
                    acquirer,
                    "acquire_timeout(1, Duration::MAX) (clock.now() + timeout overflows: use \
                 checked_add, and no deadline when it is None)"
                ),
                Ok(()),
                "acquire_timeout with a timeout too long to add to the clock's time must wait like \
             acquire ({CHAPTER}#timeouts-on-the-bucket-clock)"
            );
        },
    );
}

// audit v19: the second of two concurrent stops returns before the refill thread ended.
#[test]
fn stop_from_two_threads_both_return_after_the_refiller_ended() {
    deadline::within_secs(
        10,
        "two threads calling stop() while the refill thread is held in the clock",
        || {
            let bucket = Arc::new(bucket(3, 1));
            bucket.clock().wait_for_sleeper();
            bucket.clock().hold(true);
            let released = Arc::new(AtomicBool::new(false));
            let stoppers: Vec<_> = (0..2)
                .map(|_| {
                    let (theirs, flag) = (Arc::clone(&bucket), Arc::clone(&released));
                    thread::spawn(move || {
                        theirs.stop();
                        flag.load(Ordering::SeqCst)
                    })
                })
                .collect();
            thread::sleep(SETTLE);
            released.store(true, Ordering::SeqCst);
            bucket.clock().hold(false);
            let in_time: Vec<bool> = stoppers.into_iter().map(join).collect();
            assert_eq!(
                in_time,
                [true, true],
                "a stop() returned while the refill thread was still inside clock.sleep_until: \
                 every stop returns only once that thread has ended, whichever call joins it \
                 (hold the handle's mutex until the join is over) ({CHAPTER}#a-clean-stop)"
            );
        },
    );
}
