//! The test hooks that make rare behaviour happen on demand: spurious failures of a weak
//! exchange in a loom model, and a hook in place of the spin hint on real threads.

mod weak_exchange_under_loom {
    use sync_shim::loom_sync::atomic::{AtomicPtr, AtomicU32, Ordering};
    use sync_shim::loom_sync::thread;
    use sync_shim::testing;

    fn model(body: impl Fn() + Sync + Send + 'static) {
        let mut builder = loom::model::Builder::new();
        builder.preemption_bound = Some(2);
        builder.check(body);
    }

    #[test]
    fn with_spurious_wakeups_on_every_other_weak_exchange_fails_and_changes_nothing() {
        let _spurious = testing::spurious_wakeups();
        model(|| {
            let a = AtomicU32::new(5);
            let weak = |new| a.compare_exchange_weak(5, new, Ordering::AcqRel, Ordering::Acquire);
            assert_eq!(
                weak(6),
                Err(5),
                "the first call fails, with the value it loaded"
            );
            assert_eq!(
                a.load(Ordering::Relaxed),
                5,
                "a spurious failure changes nothing"
            );
            assert_eq!(weak(6), Ok(5), "the second is a real exchange");
            a.store(5, Ordering::Relaxed);
            assert_eq!(weak(7), Err(5), "the third fails again");
            assert_eq!(weak(7), Ok(5));
            // A failure for a real reason still returns the value found.
            assert_eq!(weak(8), Err(7));
            // The strong exchange never fails spuriously.
            assert_eq!(
                a.compare_exchange(7, 9, Ordering::AcqRel, Ordering::Acquire),
                Ok(7)
            );
            // A loop that retries the weak exchange gets through.
            let mut seen = a.load(Ordering::Relaxed);
            while let Err(now) =
                a.compare_exchange_weak(seen, seen + 1, Ordering::AcqRel, Ordering::Relaxed)
            {
                seen = now;
            }
            assert_eq!(a.load(Ordering::Relaxed), 10);

            let mut one = 1_u8;
            let ptr = AtomicPtr::new(std::ptr::null_mut());
            let null = std::ptr::null_mut();
            assert_eq!(
                ptr.compare_exchange_weak(null, &mut one, Ordering::AcqRel, Ordering::Acquire),
                Err(null),
                "AtomicPtr alternates with the integers: this is the thread's odd call"
            );
        });
    }

    #[test]
    fn each_model_thread_alternates_on_its_own_from_a_failure() {
        let _spurious = testing::spurious_wakeups();
        model(|| {
            let first = thread::spawn(|| {
                let a = AtomicU32::new(0);
                a.compare_exchange_weak(0, 1, Ordering::AcqRel, Ordering::Acquire)
            });
            let a = AtomicU32::new(0);
            let mine = a.compare_exchange_weak(0, 1, Ordering::AcqRel, Ordering::Acquire);
            let theirs = first.join().unwrap();
            assert_eq!((mine, theirs), (Err(0), Err(0)));
        });
    }

    #[test]
    fn without_spurious_wakeups_a_weak_exchange_fails_only_for_a_real_reason() {
        model(|| {
            let a = AtomicU32::new(0);
            for n in 0..4 {
                assert_eq!(
                    a.compare_exchange_weak(n, n + 1, Ordering::AcqRel, Ordering::Acquire),
                    Ok(n)
                );
            }
            assert_eq!(
                a.compare_exchange_weak(0, 1, Ordering::AcqRel, Ordering::Acquire),
                Err(4)
            );
        });
    }
}

mod spin_hook_on_std {
    use std::cell::Cell;
    use std::rc::Rc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Barrier};
    use sync_shim::std_sync::hint::spin_loop;
    use sync_shim::testing;

    #[test]
    fn the_hook_runs_in_place_of_each_spin_until_the_guard_drops() {
        let calls = Rc::new(Cell::new(0));
        let hook = {
            let calls = Rc::clone(&calls);
            testing::on_spin_loop(move || calls.set(calls.get() + 1))
        };
        spin_loop();
        spin_loop();
        assert_eq!(calls.get(), 2);
        drop(hook);
        spin_loop();
        assert_eq!(calls.get(), 2, "the plain hint is back");
        assert_eq!(
            Rc::strong_count(&calls),
            1,
            "the hook was dropped with its guard"
        );
    }

    #[test]
    fn the_hook_is_this_threads_only() {
        let calls = Arc::new(AtomicUsize::new(0));
        let _hook = {
            let calls = Arc::clone(&calls);
            testing::on_spin_loop(move || {
                calls.fetch_add(1, Ordering::Relaxed);
            })
        };
        let both = Arc::new(Barrier::new(2));
        let other = {
            let both = Arc::clone(&both);
            std::thread::spawn(move || {
                spin_loop();
                both.wait();
            })
        };
        both.wait();
        other.join().unwrap();
        assert_eq!(calls.load(Ordering::Relaxed), 0);
        spin_loop();
        assert_eq!(calls.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn a_spin_inside_the_hook_is_the_plain_hint() {
        let calls = Rc::new(Cell::new(0));
        let _hook = {
            let calls = Rc::clone(&calls);
            testing::on_spin_loop(move || {
                calls.set(calls.get() + 1);
                spin_loop();
            })
        };
        spin_loop();
        assert_eq!(calls.get(), 1);
    }
}
