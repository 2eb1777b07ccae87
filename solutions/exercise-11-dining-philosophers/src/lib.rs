//! # Exercise 11 · Dining philosophers (reference solution)
//!
//! The dining philosophers made deadlock-free twice: by a global order of the forks, and by
//! a waiter that seats at most n - 1 of them while everyone takes the left fork first. Then
//! bank transfers between two locked accounts, locked in the order of the accounts' ids.
//! Book: Part 4, "Philosophers and bank transfers"
//! (`book/src/part-4/philosophers-and-transfers.md`).

use sync_shim::std_sync as sync;

/// Accounts, transfers between them, and the total of several at one moment.
mod account;
/// The forks and the bookkeeping the tests read (provided).
mod fork;
/// The blocking mutex that guards each account's balance (provided).
#[allow(dead_code)] // into_inner is there for completeness
mod mutex;
/// The table: philosophers dining by a global fork order, or left fork first with a waiter.
mod table;

pub use account::{Account, TransferError, total, transfer};
pub use fork::{ForkGuard, Forks};
pub use mutex::{Mutex, MutexGuard};
pub use table::Table;
