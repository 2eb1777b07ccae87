//! The modelled `Mutex` and `Condvar` of `loom_sync`: what Part 5's queues and pools rely on.
//! A forgotten notify must fail with the shim's "deadlock" message (never loom's silent
//! abort), spurious wake-ups must reach condition variables, and a correct wait loop must
//! pass in every interleaving.

use std::panic::{AssertUnwindSafe, catch_unwind};
use sync_shim::loom_sync::{Arc, Condvar, Mutex, thread};
use sync_shim::testing;

/// A flag behind a mutex, a condition variable, and a thread that sets the flag.
/// `notify`: the setter notifies; `recheck`: the waiter waits in a `while`, not an `if`.
fn flag_model(notify: bool, recheck: bool) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(2);
    builder.check(move || {
        let shared = Arc::new((Mutex::new(false), Condvar::new()));
        let setter = {
            let shared = Arc::clone(&shared);
            thread::spawn(move || {
                let (flag, condvar) = &*shared;
                *flag.lock().unwrap() = true;
                if notify {
                    condvar.notify_one();
                }
            })
        };
        let (flag, condvar) = &*shared;
        let mut set = flag.lock().unwrap();
        if recheck {
            while !*set {
                set = condvar.wait(set).unwrap();
            }
        } else if !*set {
            set = condvar.wait(set).unwrap();
        }
        let seen = *set;
        drop(set);
        // Join before asserting: a model that panics while a spawned thread has not
        // finished makes loom abort without a message.
        setter.join().unwrap();
        assert!(seen, "woke without the flag");
    });
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
fn a_notify_after_the_change_is_never_lost() {
    flag_model(true, true);
}

#[test]
fn a_forgotten_notify_is_found_as_a_deadlock() {
    let text = failure_of(|| flag_model(false, true));
    assert!(text.starts_with("deadlock: "), "{text}");
    // In the words of the caller, who wrote Condvar::wait and never an atomic_wait call.
    assert!(
        text.contains("asleep (in Condvar::wait)") && !text.contains("atomic_wait"),
        "{text}"
    );
}

/// The sleeper is a spawned thread: in loom's own condition variable this aborted the test
/// binary without a message.
#[test]
fn a_spawned_waiter_never_notified_fails_with_a_message_not_an_abort() {
    let text = failure_of(|| {
        let mut builder = loom::model::Builder::new();
        builder.preemption_bound = Some(2);
        builder.check(|| {
            let shared = Arc::new((Mutex::new(false), Condvar::new()));
            let waiter = {
                let shared = Arc::clone(&shared);
                thread::spawn(move || {
                    let (flag, condvar) = &*shared;
                    let _set = condvar.wait_while(flag.lock().unwrap(), |set| !*set);
                })
            };
            *shared.0.lock().unwrap() = true; // and no notify
            waiter.join().unwrap();
        })
    });
    assert!(text.starts_with("deadlock: "), "{text}");
    assert!(
        text.contains("asleep (in Condvar::wait)") && !text.contains("atomic_wait"),
        "{text}"
    );
}

#[test]
fn an_if_instead_of_a_while_fails_under_spurious_wakeups() {
    // Without spurious wake-ups a single wait happens to be enough here...
    flag_model(true, false);
    // ...with them, the first wait returns at once, before the flag is set.
    let _spurious = testing::spurious_wakeups();
    let result = catch_unwind(AssertUnwindSafe(|| flag_model(true, false)));
    assert!(result.is_err(), "the `if` version must fail");
    flag_model(true, true);
}

#[test]
fn notify_all_wakes_both_waiters_and_wait_returns_the_same_mutex_locked() {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(2);
    builder.check(|| {
        let shared = Arc::new((Mutex::new((false, 0_u32)), Condvar::new()));
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let shared = Arc::clone(&shared);
                thread::spawn(move || {
                    let (state, condvar) = &*shared;
                    let mut state = condvar
                        .wait_while(state.lock().unwrap(), |(go, _)| !*go)
                        .unwrap();
                    // Still locked: nobody else counts in between.
                    let before = state.1;
                    state.1 = before + 1;
                })
            })
            .collect();
        {
            let (state, condvar) = &*shared;
            state.lock().unwrap().0 = true;
            condvar.notify_all();
        }
        for waiter in waiters {
            waiter.join().unwrap();
        }
        assert_eq!(shared.0.lock().unwrap().1, 2);
    });
}

#[test]
fn try_lock_and_an_already_true_condition_work_as_on_std() {
    loom::model(|| {
        let mutex = Mutex::new(1);
        let condvar = Condvar::new();
        let guard = mutex.try_lock().expect("a free mutex");
        assert!(mutex.try_lock().is_err(), "a held mutex");
        drop(guard);
        // A condition that already holds: no wait at all, so no deadlock with nobody to
        // notify, and the guard comes back locked.
        let (guard, result) = condvar
            .wait_timeout_while(
                mutex.lock().unwrap(),
                std::time::Duration::from_secs(1),
                |v| *v == 0,
            )
            .unwrap();
        assert!(!result.timed_out());
        assert_eq!(*guard, 1);
        assert!(
            mutex.try_lock().is_err(),
            "still held by the returned guard"
        );
    });
}
