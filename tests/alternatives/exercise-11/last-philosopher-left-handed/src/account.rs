// Alternative: one helper, lock_in_order, takes any number of accounts' locks in increasing
// order of id (dropping repeats), and both transfer and total go through it, so the global
// order is written once and cannot drift apart between them. transfer finds its two
// balances among the guards by id; the same-account case is refused before locking.

use std::fmt;

use super::mutex::{Mutex, MutexGuard};

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

/// Locks every account of `accounts` (each id once), in increasing order of id.
fn lock_in_order<'a>(accounts: &[&'a Account]) -> Vec<(u64, MutexGuard<'a, u64>)> {
    let mut sorted: Vec<&Account> = accounts.to_vec();
    sorted.sort_unstable_by_key(|account| account.id);
    sorted.dedup_by_key(|account| account.id);
    sorted
        .into_iter()
        .map(|account| (account.id, account.balance.lock()))
        .collect()
}

/// Moves `amount` from `from` to `to`, under both locks taken in order of id.
pub fn transfer(from: &Account, to: &Account, amount: u64) -> Result<(), TransferError> {
    if from.id == to.id {
        return Err(TransferError::SameAccount);
    }
    let mut guards = lock_in_order(&[from, to]);
    let (low, high) = guards.split_at_mut(1);
    let (low, high) = (&mut *low[0].1, &mut *high[0].1);
    let (from_balance, to_balance) = if from.id < to.id {
        (low, high)
    } else {
        (high, low)
    };
    let credited = to_balance
        .checked_add(amount)
        .ok_or(TransferError::WouldOverflow)?;
    let debited = from_balance
        .checked_sub(amount)
        .ok_or(TransferError::InsufficientFunds)?;
    *from_balance = debited;
    *to_balance = credited;
    Ok(())
}

/// The sum of the balances at one moment, every lock held at once.
pub fn total(accounts: &[&Account]) -> u64 {
    lock_in_order(accounts)
        .iter()
        .map(|(_, balance)| **balance)
        .sum()
}
