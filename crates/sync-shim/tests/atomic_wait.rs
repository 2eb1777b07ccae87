//! The wait/wake primitive of both sides: what the exercises of Part 3 rely on.

use std::time::{Duration, Instant};

mod on_std {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};
    use sync_shim::std_sync::atomic_wait::{wait, wait_timeout, wake_all, wake_one};
    use sync_shim::testing;

    #[test]
    fn wait_returns_at_once_when_the_value_differs() {
        let a = AtomicU32::new(1);
        wait(&a, 0);
        wait_timeout(&a, 0, Duration::from_secs(60));
        assert_eq!(testing::wait_calls(), 2);
    }

    #[test]
    fn wake_one_ends_a_wait_and_is_counted() {
        let a = Arc::new(AtomicU32::new(0));
        let sleeper = {
            let a = Arc::clone(&a);
            std::thread::spawn(move || {
                while a.load(Ordering::Acquire) == 0 {
                    wait(&a, 0);
                }
            })
        };
        std::thread::sleep(Duration::from_millis(20));
        a.store(1, Ordering::Release);
        wake_one(&*a);
        sleeper.join().unwrap();
        assert_eq!(testing::wake_calls(), 1);
        wake_all(&*a);
        assert_eq!(testing::wake_calls(), 2);
    }

    #[test]
    fn a_timed_wait_nobody_ends_returns_after_its_timeout() {
        let a = AtomicU32::new(0);
        let start = Instant::now();
        wait_timeout(&a, 0, Duration::from_millis(30));
        let waited = start.elapsed();
        assert!(
            waited >= Duration::from_millis(25),
            "returned after {waited:?}"
        );
    }

    #[test]
    fn spurious_wakeups_alternate_and_stop_with_the_guard() {
        let a = AtomicU32::new(0);
        let guard = testing::spurious_wakeups();
        wait(&a, 0); // returns at once
        let start = Instant::now();
        wait_timeout(&a, 0, Duration::from_millis(30)); // sleeps
        assert!(start.elapsed() >= Duration::from_millis(25));
        wait(&a, 0); // at once again
        drop(guard);
        let start = Instant::now();
        wait_timeout(&a, 0, Duration::from_millis(30));
        assert!(start.elapsed() >= Duration::from_millis(25));
    }
}

mod on_loom {
    use std::panic::{AssertUnwindSafe, catch_unwind};
    use sync_shim::loom_sync::atomic::{AtomicU32, Ordering};
    use sync_shim::loom_sync::atomic_wait::{wait, wake_one};
    use sync_shim::loom_sync::{Arc, thread};
    use sync_shim::testing;

    /// A flag set then woken: with the wait in a loop on the value, no order loses it.
    fn flag_model(wake: bool, check_in_loop: bool) {
        let mut builder = loom::model::Builder::new();
        builder.preemption_bound = Some(2);
        builder.check(move || {
            let flag = Arc::new(AtomicU32::new(0));
            let setter = {
                let flag = Arc::clone(&flag);
                thread::spawn(move || {
                    flag.store(1, Ordering::Release);
                    if wake {
                        wake_one(&*flag);
                    }
                })
            };
            let seen = if check_in_loop {
                while flag.load(Ordering::Acquire) == 0 {
                    wait(&flag, 0);
                }
                1
            } else {
                wait(&flag, 0);
                flag.load(Ordering::Acquire)
            };
            // Assert only after every spawned thread is joined: a model that panics while
            // a spawned thread has not started makes loom abort without a message.
            setter.join().unwrap();
            assert_eq!(seen, 1, "woke without the flag");
        });
    }

    #[test]
    fn a_wake_after_the_store_is_never_lost() {
        flag_model(true, true);
    }

    fn failure_of(model: impl FnOnce()) -> String {
        let message = catch_unwind(AssertUnwindSafe(model)).expect_err("the model must fail");
        message
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| message.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default()
    }

    #[test]
    fn a_missing_wake_is_found_as_a_deadlock() {
        let text = failure_of(|| flag_model(false, true));
        // The sleeper is the main thread: found when the setter ends without waking it.
        assert!(text.starts_with("deadlock: this thread ends"), "{text}");
    }

    /// The sleeper is a spawned thread: loom's own deadlock report would abort the test here
    /// without a message, which is why the shim finds the deadlock first.
    #[test]
    fn a_spawned_sleeper_never_woken_fails_with_a_message_not_an_abort() {
        let text = failure_of(|| {
            let mut builder = loom::model::Builder::new();
            builder.preemption_bound = Some(2);
            builder.check(|| {
                let flag = Arc::new(AtomicU32::new(0));
                let sleeper = {
                    let flag = Arc::clone(&flag);
                    thread::spawn(move || {
                        while flag.load(Ordering::Acquire) == 0 {
                            wait(&flag, 0);
                        }
                    })
                };
                flag.store(1, Ordering::Release);
                sleeper.join().unwrap();
            })
        });
        assert!(text.starts_with("deadlock: this thread joins"), "{text}");
    }

    #[test]
    fn an_if_instead_of_a_while_fails_under_spurious_wakeups() {
        // Without spurious wake-ups, a single wait happens to be enough here...
        flag_model(true, false);
        // ...with them, the first wait returns at once and the flag is not set yet.
        let _spurious = testing::spurious_wakeups();
        let result = catch_unwind(AssertUnwindSafe(|| flag_model(true, false)));
        assert!(result.is_err(), "the `if` version must fail");
        flag_model(true, true);
    }
}

mod thread_numbers {
    #[test]
    fn threads_get_distinct_nonzero_numbers_on_both_sides() {
        use sync_shim::std_sync::thread::current_number;
        let here = current_number();
        assert_ne!(here, 0);
        assert_eq!(here, current_number());
        let there = std::thread::spawn(current_number).join().unwrap();
        assert_ne!(here, there);

        loom::model(|| {
            use sync_shim::loom_sync::thread;
            let main = thread::current_number();
            let other = thread::spawn(thread::current_number).join().unwrap();
            assert!(main != 0 && other != 0 && main != other, "{main} {other}");
        });
    }
}
