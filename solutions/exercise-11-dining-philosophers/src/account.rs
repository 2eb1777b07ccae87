// Exercise 11 · Dining philosophers (reference solution). Book:
// book/src/part-4/philosophers-and-transfers.md#transfers
//
// Every function that holds two or more accounts' locks at once takes them in increasing
// order of the accounts' ids: a global order, so two transfers (or a transfer and a total)
// never wait for each other in a cycle. A transfer checks and moves the money under both
// locks, in one critical section, so nobody sees it half done.

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

/// Moves `amount` from `from` to `to`, as one step: no other transfer or [`total`] sees the
/// money in neither account (or in both).
///
/// Takes both accounts' locks in increasing order of id, whatever the order of the
/// arguments, so transfers in opposite directions never deadlock. Blocks while another
/// thread holds either account.
///
/// # Errors
/// [`TransferError::SameAccount`] if `from` and `to` have the same id (returned without
/// locking anything: locking one account twice would wait for itself);
/// [`TransferError::InsufficientFunds`] if `from` holds less than `amount`;
/// [`TransferError::WouldOverflow`] if `to`'s balance would pass `u64::MAX`. In every error
/// case both balances stay as they were.
pub fn transfer(from: &Account, to: &Account, amount: u64) -> Result<(), TransferError> {
    if from.id == to.id {
        return Err(TransferError::SameAccount);
    }
    // The global order: the lower id first, whatever the order of the arguments.
    let from_first = from.id < to.id;
    let (first, second) = if from_first { (from, to) } else { (to, from) };
    let mut first_balance = first.balance.lock();
    let mut second_balance = second.balance.lock();
    let (from_balance, to_balance) = if from_first {
        (&mut *first_balance, &mut *second_balance)
    } else {
        (&mut *second_balance, &mut *first_balance)
    };
    // Checked and changed under both locks: nobody sees the money half moved, and no other
    // withdrawal can slip in between the check and the debit.
    if *from_balance < amount {
        return Err(TransferError::InsufficientFunds);
    }
    let Some(credited) = to_balance.checked_add(amount) else {
        return Err(TransferError::WouldOverflow);
    };
    *from_balance -= amount;
    *to_balance = credited;
    Ok(())
}

/// The sum of the balances of `accounts` at one moment: it holds every account's lock at
/// once (taken in increasing order of id, as [`transfer`] does), so no transfer between them
/// is seen half done. An account listed twice is counted once.
pub fn total(accounts: &[&Account]) -> u64 {
    let mut sorted: Vec<&Account> = accounts.to_vec();
    sorted.sort_by_key(|account| account.id);
    sorted.dedup_by_key(|account| account.id);
    let guards: Vec<_> = sorted
        .iter()
        .map(|account| account.balance.lock())
        .collect();
    guards.iter().map(|balance| **balance).sum()
}
