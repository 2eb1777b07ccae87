//! # Exercise 11 · Dining philosophers
//!
//! Make the dining philosophers deadlock-free twice, then move money between two locked
//! accounts without deadlock. Read first: Part 4, "Philosophers and bank transfers"
//! (`book/src/part-4/philosophers-and-transfers.md`).
//!
//! Your code goes in two files, in this order:
//! 1. `src/table.rs`: `Table::dine`, where every philosopher takes its two forks in one
//!    global order; then `Table::dine_left_first`, where everyone takes the left fork
//!    first and a second strategy of your choice (a waiter, or try-lock and back-off) keeps
//!    them out of deadlock;
//! 2. `src/account.rs`: `transfer` between two accounts, each behind its own lock, and
//!    `total`, the sum of several accounts at one moment.
//!
//! `src/fork.rs` (the forks, and the bookkeeping the tests read) and `src/mutex.rs` (the lock
//! around each balance) are provided: both sleep through `crate::sync::atomic_wait`, so a
//! deadlock in your code is a clean test failure that names the line, not a hang.
//!
//! Check it with `cargo test -p exercise-11`: the suite runs your code on real threads
//! (`tests/threads.rs`) and under the loom model checker (`tests/under_loom.rs`), which tries
//! every interleaving of two philosophers (or two transfers) and finds a deadlock if one can
//! happen. Test names start with their part (`ordered_`, `left_first_`, `transfer_`), so
//! `cargo test -p exercise-11 ordered_` runs one part. Stuck? `cargo run -- hint 11`.

// Reach every atomic and thread function through `crate::sync`, never `std::sync`
// directly: the loom tests compile your modules again with `crate::sync` bound to loom.
#[allow(unused_imports)] // until your code uses it
use sync_shim::std_sync as sync;

/// Accounts, transfers between them, and the total of several at one moment.
#[allow(unused_variables, dead_code)] // for the stubs: delete this line when you are done
mod account;
/// The forks and the bookkeeping the tests read (provided).
mod fork;
/// The blocking mutex that guards each account's balance (provided).
#[allow(dead_code)] // into_inner is there for completeness
mod mutex;
/// The table: philosophers dining by a global fork order, or left fork first.
#[allow(unused_variables, dead_code)] // for the stubs: delete this line when you are done
mod table;

pub use account::{Account, TransferError, total, transfer};
pub use fork::{ForkGuard, Forks};
pub use mutex::{Mutex, MutexGuard};
pub use table::Table;
