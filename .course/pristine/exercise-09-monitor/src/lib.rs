//! # Exercise 09 · Monitor
//!
//! Build a condition variable on the wait/wake primitive, then three monitors on it: an
//! event, a reusable barrier and a cancellable timer, as Python's `threading` offers them.
//! Read first: Part 3, "Condition variables and monitors"
//! (`book/src/part-3/condition-variables.md`), then "Events, barriers and timers"
//! (`book/src/part-3/events-barriers-timers.md`).
//!
//! Your code goes in four files, in this order:
//! 1. `src/condvar.rs`: the condition variable (wait, wait with a timeout or a predicate,
//!    notify one or all), on `crate::sync::atomic_wait` and the provided mutex;
//! 2. `src/event.rs`: an event (set, clear, is_set, wait, wait with a timeout);
//! 3. `src/barrier.rs`: a barrier that can be used round after round;
//! 4. `src/timer.rs`: a timer that runs a function on its own thread after a delay, unless
//!    cancelled first.
//!
//! `src/mutex.rs` is provided: the blocking mutex the condition variable works with.
//!
//! Check it with `cargo test -p exercise-09`: the suite runs your code on real threads
//! (`tests/threads.rs`) and under the loom model checker (`tests/under_loom.rs`), which
//! finds lost wake-ups as deadlocks. Both inject spurious wake-ups on purpose: an `if` where
//! a `while` belongs fails every time. Test names start with their part (`condvar_`,
//! `event_`, `barrier_`, `timer_`), so `cargo test -p exercise-09 condvar_` runs one part.
//! Stuck? `cargo run -- hint 09`.

// Reach every atomic, cell, Arc and thread function through `crate::sync`, never
// `std::sync` directly: the loom tests compile your modules again with `crate::sync` bound
// to loom.
#[allow(unused_imports)] // until your code uses it
use sync_shim::std_sync as sync;

/// A reusable barrier for a fixed number of threads.
#[allow(unused_variables, dead_code)] // for the stubs: delete this line when you are done
mod barrier;
/// The condition variable: wait, wait with a timeout or a predicate, notify one or all.
#[allow(unused_variables, dead_code)] // for the stubs: delete this line when you are done
mod condvar;
/// An event: a flag that threads wait for, as Python's `threading.Event`.
#[allow(unused_variables, dead_code)] // for the stubs: delete this line when you are done
mod event;
/// The blocking mutex the condition variable works with (provided).
#[allow(dead_code)] // until your condition variable uses it
mod mutex;
/// A cancellable timer: a function run on its own thread after a delay.
#[allow(unused_variables, dead_code)] // for the stubs: delete this line when you are done
mod timer;

pub use barrier::{Barrier, BarrierWaitResult};
pub use condvar::Condvar;
pub use event::Event;
pub use mutex::{Mutex, MutexGuard};
pub use timer::Timer;
