//! A lost wake-up under the harness: the model fails with a message that says which thread
//! sleeps and where it fell asleep, never with an abort.

use std::panic::{AssertUnwindSafe, catch_unwind};

use sync_shim::loom_sync::atomic::{AtomicU32, Ordering};
use sync_shim::loom_sync::atomic_wait::wait;
use sync_shim::loom_sync::{Arc, Condvar, Mutex, thread};

#[test]
fn a_sleeper_nobody_wakes_is_named_with_its_line() {
    let failure = catch_unwind(AssertUnwindSafe(|| {
        loom_harness::check("the waiter sees the flag", || {
            let flag = Arc::new(AtomicU32::new(0));
            let waiter = {
                let flag = Arc::clone(&flag);
                thread::spawn(move || {
                    while flag.load(Ordering::Acquire) == 0 {
                        wait(&flag, 0);
                    }
                })
            };
            flag.store(1, Ordering::Release); // and no wake: lost
            waiter.join().unwrap();
        });
    }))
    .expect_err("the model must fail");
    let text = failure
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(text.contains("the waiter sees the flag"), "{text}");
    assert!(
        text.contains("Asleep in atomic_wait::wait, never woken"),
        "{text}"
    );
    assert!(text.contains("tests/lost_wakeup.rs:"), "{text}");
    if std::env::var_os("SHOW").is_some() {
        eprintln!("{text}");
    }
}

/// The shim's `Condvar` sleeps in the same registry as `atomic_wait::wait`, but its caller
/// wrote `Condvar::wait` and `notify_one`: the report speaks of those, at the caller's line,
/// and never of atomics or `atomic_wait`.
#[test]
fn a_condvar_waiter_nobody_notifies_is_named_in_condvar_words() {
    let failure = catch_unwind(AssertUnwindSafe(|| {
        loom_harness::check("the waiter sees the flag", || {
            let shared = Arc::new((Mutex::new(false), Condvar::new()));
            let waiter = {
                let shared = Arc::clone(&shared);
                thread::spawn(move || {
                    let (flag, condvar) = &*shared;
                    let mut set = flag.lock().unwrap();
                    while !*set {
                        set = condvar.wait(set).unwrap();
                    }
                })
            };
            *shared.0.lock().unwrap() = true; // and no notify: lost
            waiter.join().unwrap();
        });
    }))
    .expect_err("the model must fail");
    let text = failure
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(
        text.contains("Asleep in Condvar::wait, never woken") && text.contains("notify_one"),
        "{text}"
    );
    assert!(text.contains("tests/lost_wakeup.rs:"), "{text}");
    assert!(
        !text.contains("atomic_wait") && !text.contains("AtomicU32"),
        "a Condvar's report must not speak of the atomics inside the shim:\n{text}"
    );
    if std::env::var_os("SHOW").is_some() {
        eprintln!("{text}");
    }
}
