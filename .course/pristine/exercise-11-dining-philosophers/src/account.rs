// Exercise 11 · Dining philosophers. Book: book/src/part-4/philosophers-and-transfers.md#transfers
//
// Part 3 of 3. Fill in each `todo!()`. Each account's balance is behind its own lock (the
// provided `Mutex` of src/mutex.rs): `let mut balance = account.balance.lock();` gives a
// guard you read and write through (`*balance`), and dropping it unlocks. Locking an
// account this thread already holds waits for itself for ever.
//
// A transfer holds two locks at once. Another transfer may be taking the same two in the
// other direction at the same moment.

use std::fmt;

use super::mutex::Mutex;

/// A bank account: a stable id and a balance behind a lock.
///
/// Ids must be unique: accounts are told apart, and locked in order, by their id.
/// `Account` is `Send` and `Sync`.
pub struct Account {
    id: u64,
    balance: Mutex<u64>,
}

impl Account {
    /// An account with this id and opening balance. Provided.
    pub fn new(id: u64, balance: u64) -> Self {
        Account {
            id,
            balance: Mutex::new(balance),
        }
    }

    /// The account's id. Provided.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The balance now (it locks the account for a moment). Provided.
    pub fn balance(&self) -> u64 {
        *self.balance.lock()
    }
}

/// Why a transfer was refused. Provided. A refused transfer changes neither balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferError {
    /// `from` and `to` are the same account (the same id).
    SameAccount,
    /// `from` holds less than the amount.
    InsufficientFunds,
    /// `to`'s balance would go past `u64::MAX`.
    WouldOverflow,
}

impl fmt::Display for TransferError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransferError::SameAccount => "a transfer from an account to itself",
            TransferError::InsufficientFunds => "not enough money in the account",
            TransferError::WouldOverflow => "the receiving balance would overflow",
        })
    }
}

impl std::error::Error for TransferError {}

/// Moves `amount` from `from` to `to`, as one step: no other transfer or [`total`] ever sees
/// the money in neither account (or in both).
///
/// Takes both accounts' locks in increasing order of id, whatever the order of the
/// arguments, so transfers in opposite directions never deadlock. Blocks while another
/// thread holds either account. An amount of 0 is a transfer like any other (`Ok`).
///
/// # Errors
/// [`TransferError::SameAccount`] if `from` and `to` have the same id (returned without
/// locking anything: locking one account twice would wait for itself);
/// [`TransferError::InsufficientFunds`] if `from` holds less than `amount`;
/// [`TransferError::WouldOverflow`] if `to`'s balance would pass `u64::MAX`. In every error
/// case both balances stay as they were.
pub fn transfer(from: &Account, to: &Account, amount: u64) -> Result<(), TransferError> {
    todo!(
        "lock both accounts in the order of their ids, then check and move the money under both locks (book: philosophers-and-transfers.md#transfers)"
    )
}

/// The sum of the balances of `accounts` at one moment: it holds every account's lock at
/// once (taken in increasing order of id, as [`transfer`] does), so no transfer between them
/// is ever seen half done. An account listed twice is counted once. The sum must fit in a
/// `u64`.
pub fn total(accounts: &[&Account]) -> u64 {
    todo!(
        "the same global order for any number of locks: sort by id, lock them all, then add (book: philosophers-and-transfers.md#transfers)"
    )
}
