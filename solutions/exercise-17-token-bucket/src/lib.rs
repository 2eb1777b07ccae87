//! # Exercise 17 · Token bucket (reference solution)
//!
//! A rate limiter: a bucket of tokens refilled by a thread of its own on an injectable
//! clock, non-blocking, blocking and timed acquires of `n` tokens, and a stop that wakes
//! every waiter and joins the refill thread. One mutex and one condition variable from
//! `crate::sync`. Book: Part 5, "A token bucket" (`book/src/part-5/token-bucket.md`).

use sync_shim::std_sync as sync;

/// The bucket, its refill thread and its error.
mod bucket;
/// Time for the bucket: the `Clock` trait, the real clock and a manual one for tests
/// (provided).
mod clock;

pub use bucket::{AcquireError, TokenBucket};
pub use clock::{Clock, ManualClock, SystemClock};
