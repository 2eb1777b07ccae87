//! # Exercise 17 · Token bucket
//!
//! Build a rate limiter: a bucket of at most `capacity` tokens, refilled by a thread of its
//! own with `per_tick` tokens every `tick`, from which threads take `n` tokens before doing
//! what is limited: at once or not at all (`try_acquire`), blocking until there are enough
//! (`acquire`), or blocking at most a while (`acquire_timeout`). `stop` wakes every waiter
//! and ends the refill thread cleanly. Time comes from a `Clock`, so the tests run the
//! bucket on a manual clock and never sleep for its ticks.
//! Read first: Part 5, "Stopping threads" (`book/src/part-5/stopping-threads.md`) and
//! "A token bucket" (`book/src/part-5/token-bucket.md`).
//!
//! Your code goes in `src/bucket.rs`, on `crate::sync::Mutex`, `crate::sync::Condvar` and
//! `crate::sync::thread`. `src/clock.rs` is provided: the `Clock` trait, the real
//! `SystemClock` and the tests' `ManualClock`.
//!
//! Check it with `cargo test -p exercise-17`: the suite runs it on real threads
//! (`tests/threads.rs`) and under the loom model checker (`tests/under_loom.rs`), which
//! finds a waiter that nobody wakes as a deadlock and makes waits return early on purpose,
//! so that an `if` where a `while` belongs fails every time. Test names start with their
//! part (`basic_`, `refill_`, `blocking_`, `timeout_`, `stop_`), so
//! `cargo test -p exercise-17 refill_` runs one part. Stuck? `cargo run -- hint 17`.

// Reach the mutex, the condition variable and threads through `crate::sync`, never
// `std::sync` directly: the loom tests compile your module again with `crate::sync` bound
// to loom.
#[allow(unused_imports)] // until your code uses it
use sync_shim::std_sync as sync;

/// The bucket, its refill thread and its error.
#[allow(unused_variables, dead_code, unused_imports)]
// for the stubs: delete this line when you are done
mod bucket;
/// Time for the bucket: the `Clock` trait, the real clock and a manual one for tests
/// (provided).
mod clock;

pub use bucket::{AcquireError, TokenBucket};
pub use clock::{Clock, ManualClock, SystemClock};
