//! A lost wake-up under the harness: the model fails with a message that says which thread
//! sleeps and where it fell asleep, never with an abort.

use std::panic::{AssertUnwindSafe, catch_unwind};

use sync_shim::loom_sync::atomic::{AtomicU32, Ordering};
use sync_shim::loom_sync::atomic_wait::wait;
use sync_shim::loom_sync::{Arc, thread};

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
