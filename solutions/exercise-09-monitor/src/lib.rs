//! # Exercise 09 · Monitor (reference solution)
//!
//! A condition variable on `crate::sync::atomic_wait`, used with the provided mutex; then an
//! event, a reusable barrier and a cancellable timer, each a monitor: a mutex, a condition
//! variable and a predicate. Book: Part 3, "Condition variables and monitors"
//! (`book/src/part-3/condition-variables.md`) and "Events, barriers and timers"
//! (`book/src/part-3/events-barriers-timers.md`).

use sync_shim::std_sync as sync;

/// A reusable barrier for a fixed number of threads.
mod barrier;
/// The condition variable: wait, wait with a timeout or a predicate, notify one or all.
mod condvar;
/// An event: a flag that threads wait for, as Python's `threading.Event`.
mod event;
/// The blocking mutex the condition variable works with (provided).
mod mutex;
/// A cancellable timer: a function run on its own thread after a delay.
mod timer;

pub use barrier::{Barrier, BarrierWaitResult};
pub use condvar::Condvar;
pub use event::Event;
pub use mutex::{Mutex, MutexGuard};
pub use timer::Timer;
