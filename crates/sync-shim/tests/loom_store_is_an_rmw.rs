//! Why the loom side performs `store` as a swap: with loom's own `AtomicBool`, this correct
//! spin lock (swap to take, store to release) spins forever in some interleaving, because
//! loom lets the release store land between the read and the write of the waiter's swap.

use sync_shim::loom_sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use sync_shim::loom_sync::{Arc, hint, thread};

#[test]
fn a_swap_spin_lock_released_by_a_store_completes_under_loom() {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(2);
    builder.check(|| {
        let locked = Arc::new(AtomicBool::new(false));
        let count = Arc::new(AtomicUsize::new(0));
        let add = {
            let (locked, count) = (Arc::clone(&locked), Arc::clone(&count));
            move || {
                while locked.swap(true, Ordering::Acquire) {
                    hint::spin_loop();
                }
                count.fetch_add(1, Ordering::Relaxed);
                locked.store(false, Ordering::Release);
            }
        };
        let other = thread::spawn(add.clone());
        add();
        other.join().unwrap();
        assert_eq!(count.load(Ordering::Relaxed), 2);
    });
}

#[test]
fn store_still_stores() {
    loom::model(|| {
        let flag = AtomicBool::new(false);
        flag.store(true, Ordering::Release);
        assert!(flag.load(Ordering::Acquire));
        assert!(flag.into_inner());
    });
}
