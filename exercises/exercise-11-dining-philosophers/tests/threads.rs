//! Exercise 11 graded suite, on real threads. Book:
//! `book/src/part-4/philosophers-and-transfers.md`.
//!
//! Every promise of the stub's docs, and the tests that check it here and under loom, are
//! listed in `tests/contracts/exercise-11.toml`. Test names start with the part they grade:
//! `ordered_` (Table::dine), `left_first_` (Table::dine_left_first), `transfer_` (transfer
//! and total).
//!
//! Nothing here measures speed. A run that does not finish within its deadline fails with
//! "possible deadlock: ..." and, for the philosophers, who held which fork and who waited
//! for which at that moment. A deadlock on real threads depends on the scheduler, so these
//! runs may miss one; the loom models (`tests/under_loom.rs`) are the ones that always find
//! it.

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::Duration;

sync_shim::library_under_std!(philosophers);

use philosophers::{Account, Table, TransferError, total, transfer};

const CHAPTER: &str = "book/src/part-4/philosophers-and-transfers.md";

/// How long a run of the philosophers may take before it counts as a deadlock.
const PATIENCE: Duration = Duration::from_secs(20);

fn is_todo(message: &str) -> bool {
    message.starts_with("not yet implemented") || message.starts_with("not implemented")
}

/// Runs `body`, which must panic with a message containing `expected`. A `todo!()` panic is
/// passed on unchanged, so an unwritten function reads as "not yet implemented".
fn expect_panic(what: &str, expected: &str, section: &str, body: impl FnOnce()) {
    // The panic hook stays as it is: a todo!() panic is printed where it happened, as the
    // course tool expects, and then passed on.
    let outcome = panic::catch_unwind(AssertUnwindSafe(body));
    match outcome {
        Ok(()) => panic!("{what} returned instead of panicking ({CHAPTER}#{section})"),
        Err(payload) => {
            let message = deadline::panic_text(payload.as_ref());
            if is_todo(&message) {
                panic::resume_unwind(payload);
            }
            assert!(
                message.contains(expected),
                "{what} panicked, but not as expected: {message} ({CHAPTER}#{section})"
            );
        }
    }
}

/// Philosophers `0..n` each eat `meals[p]` meals at one table, each on its own thread, with
/// `dine` or `dine_left_first`. Returns the table once all have finished; if they have not
/// within `PATIENCE`, fails with who held which fork and who waited for which.
fn run_table(n: usize, meals: &[usize], left_first: bool) -> Arc<Table> {
    let table = Arc::new(Table::new(n));
    let method = if left_first {
        "dine_left_first"
    } else {
        "dine"
    };
    let (done, finished) = mpsc::channel();
    for (p, &meals) in meals.iter().enumerate() {
        let table = Arc::clone(&table);
        let done = done.clone();
        thread::Builder::new()
            .name(format!("philosopher {p}"))
            .spawn(move || {
                let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
                    if left_first {
                        table.dine_left_first(p, meals);
                    } else {
                        table.dine(p, meals);
                    }
                }));
                let _ = done.send((p, outcome.map_err(|e| deadline::panic_text(e.as_ref()))));
            })
            .expect("could not start a philosopher's thread");
    }
    drop(done);
    let mut left = meals.len();
    while left > 0 {
        match finished.recv_timeout(PATIENCE) {
            Ok((_, Ok(()))) => left -= 1,
            Ok((p, Err(message))) => {
                if is_todo(&message) {
                    panic!("{message}");
                }
                panic!(
                    "philosopher {p} panicked in {method}({p}, ..): {message} \
                     ({CHAPTER}#the-table)"
                );
            }
            Err(_) => panic!(
                "possible deadlock: {n} philosophers at one table, philosopher p calling \
                 {method}(p, {}), did not all finish within {:.0} s. At that moment:\n{}\n\
                 A philosopher that holds one fork and waits for another, all the way round \
                 the table, is a cycle of waits: see {CHAPTER}#{}",
                if meals.iter().all(|&m| m == meals[0]) {
                    meals[0].to_string()
                } else {
                    format!("{meals:?}[p]")
                },
                PATIENCE.as_secs_f64(),
                table.forks().waiting(),
                if left_first {
                    "a-waiter"
                } else {
                    "lock-ordering"
                }
            ),
        }
    }
    table
}

fn check_meals(table: &Table, meals: &[usize], method: &str) {
    for (p, &wanted) in meals.iter().enumerate() {
        let eaten = table.forks().meals(p);
        assert_eq!(
            eaten, wanted,
            "philosopher {p} ate {eaten} meals in {method}({p}, {wanted}): one meal per round, \
             every round ({CHAPTER}#the-table)"
        );
    }
}

fn check_forks_down(table: &Table, method: &str) {
    for fork in 0..table.forks().seats() {
        if let Some(p) = table.forks().holder(fork) {
            panic!(
                "after {method} returned, philosopher {p} still holds fork {fork}: put both \
                 forks down (drop their guards) after every meal ({CHAPTER}#the-table)"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// dine: a global order of the forks

#[test]
fn ordered_one_philosopher_alone_eats_every_meal_and_puts_both_forks_down() {
    deadline::within_secs(10, "dine(0, 10) with nobody else at the table", || {
        let table = Table::new(5);
        table.dine(0, 10);
        check_meals(&table, &[10, 0, 0, 0, 0], "dine");
        check_forks_down(&table, "dine");
        table.dine(0, 0);
        check_meals(&table, &[10], "dine");
    });
}

#[test]
fn ordered_every_philosopher_takes_its_forks_in_the_order_of_their_numbers() {
    deadline::within_secs(10, "dine(p, 3) for each p in turn, alone", || {
        let n = 5;
        let table = Table::new(n);
        for p in 0..n {
            table.dine(p, 3);
        }
        let forks = table.forks();
        // For each philosopher: did it take the lower-numbered fork first every time, or
        // the higher-numbered one every time?
        let mut seen = Vec::new();
        for p in 0..n {
            let (left, right) = (forks.left(p), forks.right(p));
            let taken = (forks.took_left_first(p), forks.took_right_first(p));
            let first = match taken {
                (3, 0) => left,
                (0, 3) => right,
                _ => panic!(
                    "in 3 meals alone, philosopher {p} took its right fork while holding its \
                     left {} times, and its left while holding its right {} times: it should \
                     take the same fork first every meal ({CHAPTER}#lock-ordering)",
                    taken.0, taken.1
                ),
            };
            let lower_first = first == left.min(right);
            seen.push(format!(
                "philosopher {p} took fork {first} first ({})",
                if lower_first {
                    "the lower number"
                } else {
                    "the higher number"
                }
            ));
            if p > 0 && lower_first != seen[0].ends_with("(the lower number)") {
                panic!(
                    "the philosophers do not follow one order of the forks:\n{}\nWith one \
                     global order, every philosopher takes the lower-numbered of its forks \
                     first (or every one the higher); left-then-right is no global order, \
                     since the last philosopher's right fork is fork 0 \
                     ({CHAPTER}#lock-ordering)",
                    seen.join("\n")
                );
            }
        }
    });
}

#[test]
fn ordered_five_philosophers_eat_300_meals_each_without_deadlock() {
    let _heavy = deadline::one_at_a_time();
    let meals = [300; 5];
    let table = run_table(5, &meals, false);
    check_meals(&table, &meals, "dine");
    check_forks_down(&table, "dine");
    assert!(
        auto_traits::is_send!(Table) && auto_traits::is_sync!(Table),
        "Table must be Send and Sync: the philosophers' threads share it ({CHAPTER}#the-table)"
    );
}

#[test]
fn ordered_two_philosophers_eat_2000_meals_each_without_deadlock() {
    let _heavy = deadline::one_at_a_time();
    let meals = [2000; 2];
    let table = run_table(2, &meals, false);
    check_meals(&table, &meals, "dine");
}

#[test]
fn ordered_table_of_fewer_than_two_seats_panics() {
    expect_panic("Table::new(1)", "at least 2 seats", "the-table", || {
        let _ = Table::new(1);
    });
}

#[test]
fn ordered_dine_for_a_philosopher_who_is_not_at_the_table_panics() {
    expect_panic(
        "dine(5, 1) at a table of 3",
        "there is no philosopher 5",
        "the-table",
        || Table::new(3).dine(5, 1),
    );
}

// ---------------------------------------------------------------------------------------
// dine_left_first: no global order, a second strategy

#[test]
fn left_first_one_philosopher_alone_eats_every_meal_and_puts_both_forks_down() {
    deadline::within_secs(
        10,
        "dine_left_first(0, 10) with nobody else at the table",
        || {
            let table = Table::new(5);
            table.dine_left_first(0, 10);
            check_meals(&table, &[10, 0, 0, 0, 0], "dine_left_first");
            check_forks_down(&table, "dine_left_first");
        },
    );
}

#[test]
fn left_first_every_philosopher_takes_its_left_fork_first() {
    deadline::within_secs(
        10,
        "dine_left_first(p, 3) for each p in turn, alone",
        || {
            let n = 5;
            let table = Table::new(n);
            for p in 0..n {
                table.dine_left_first(p, 3);
            }
            let forks = table.forks();
            for p in 0..n {
                let (left, right) = (forks.took_left_first(p), forks.took_right_first(p));
                assert!(
                    left >= 3 && right == 0,
                    "in 3 meals alone, philosopher {p} took its right fork while holding its left \
                 {left} times, and its left while holding its right {right} times: in \
                 dine_left_first everyone takes the left fork first, and no global order \
                 keeps them safe; the waiter or the back-off does \
                 ({CHAPTER}#a-waiter, #try-lock-and-back-off)"
                );
            }
        },
    );
}

#[test]
fn left_first_five_philosophers_eat_300_meals_each_without_deadlock() {
    let _heavy = deadline::one_at_a_time();
    let meals = [300; 5];
    let table = run_table(5, &meals, true);
    check_meals(&table, &meals, "dine_left_first");
    check_forks_down(&table, "dine_left_first");
}

#[test]
fn left_first_two_philosophers_eat_2000_meals_each_without_deadlock() {
    let _heavy = deadline::one_at_a_time();
    let meals = [2000; 2];
    let table = run_table(2, &meals, true);
    check_meals(&table, &meals, "dine_left_first");
}

#[test]
fn left_first_nobody_starves_beside_hungry_neighbours() {
    // Philosopher 0 wants few meals, its neighbours many: it must still get all of its own
    // while they keep eating, within the run.
    let _heavy = deadline::one_at_a_time();
    let meals = [50, 2000, 50, 2000];
    let table = run_table(4, &meals, true);
    check_meals(&table, &meals, "dine_left_first");
}

// ---------------------------------------------------------------------------------------
// Transfers

#[test]
fn transfer_moves_the_amount_between_two_accounts() {
    deadline::within_secs(5, "transfer between two accounts, one thread", || {
        let alice = Account::new(1, 100);
        let bob = Account::new(2, 5);
        assert_eq!(
            transfer(&alice, &bob, 30),
            Ok(()),
            "transfer(alice: 100, bob: 5, 30) was refused ({CHAPTER}#transfers)"
        );
        assert_eq!(
            (alice.balance(), bob.balance()),
            (70, 35),
            "after moving 30 from alice (100) to bob (5), (alice, bob) should be (70, 35) \
             ({CHAPTER}#transfers)"
        );
        // From the higher id to the lower, the whole balance, and nothing at all.
        assert_eq!(
            transfer(&bob, &alice, 35),
            Ok(()),
            "moving bob's whole balance (35) to alice was refused: a balance equal to the \
             amount is enough ({CHAPTER}#transfers)"
        );
        assert_eq!(
            transfer(&bob, &alice, 0),
            Ok(()),
            "a transfer of 0 is a transfer like any other ({CHAPTER}#transfers)"
        );
        assert_eq!(
            (alice.balance(), bob.balance()),
            (105, 0),
            "after moving 35 back from bob to alice, (alice, bob) should be (105, 0) \
             ({CHAPTER}#transfers)"
        );
        assert_eq!(
            (alice.id(), bob.id()),
            (1, 2),
            "the accounts' ids changed: Account::id is provided, leave it as it was \
             ({CHAPTER}#transfers)"
        );
    });
}

#[test]
fn transfer_refuses_an_overdraft_and_changes_neither_balance() {
    deadline::within_secs(5, "a transfer of more than the balance", || {
        let alice = Account::new(7, 10);
        let bob = Account::new(3, 0);
        let result = transfer(&alice, &bob, 11);
        assert_eq!(
            result,
            Err(TransferError::InsufficientFunds),
            "transfer(alice: 10, bob, 11) returned {result:?} ({CHAPTER}#transfers)"
        );
        assert_eq!(
            (alice.balance(), bob.balance()),
            (10, 0),
            "a refused transfer changed the balances ({CHAPTER}#transfers)"
        );
        let text = TransferError::InsufficientFunds.to_string();
        assert!(
            text.contains("not enough money"),
            "TransferError's Display (provided) says {text:?}: leave it as it was \
             ({CHAPTER}#transfers)"
        );
    });
}

#[test]
fn transfer_refuses_to_overflow_the_receiver_and_changes_neither_balance() {
    deadline::within_secs(5, "a transfer that would overflow the receiver", || {
        let alice = Account::new(1, 10);
        let bob = Account::new(2, u64::MAX - 5);
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| transfer(&alice, &bob, 6)));
        let result = match outcome {
            Ok(result) => result,
            Err(payload) => {
                let message = deadline::panic_text(payload.as_ref());
                if is_todo(&message) {
                    panic::resume_unwind(payload);
                }
                panic!(
                    "transfer(alice: 10, bob: u64::MAX - 5, 6) panicked ({message}): check \
                     the receiver's room (checked_add) before you change either balance \
                     ({CHAPTER}#transfers)"
                );
            }
        };
        assert_eq!(
            result,
            Err(TransferError::WouldOverflow),
            "transfer(alice: 10, bob: u64::MAX - 5, 6) returned {result:?} \
             ({CHAPTER}#transfers)"
        );
        assert_eq!(
            (alice.balance(), bob.balance()),
            (10, u64::MAX - 5),
            "a refused transfer changed the balances: check everything before moving \
             anything ({CHAPTER}#transfers)"
        );
    });
}

#[test]
fn transfer_to_the_same_account_is_refused_without_blocking() {
    deadline::within_secs(5, "transfer(&alice, &alice, 1)", || {
        let alice = Account::new(1, 10);
        let result = transfer(&alice, &alice, 1);
        assert_eq!(
            result,
            Err(TransferError::SameAccount),
            "a transfer from alice to alice returned {result:?} ({CHAPTER}#transfers)"
        );
        // Whatever the amount: 0 is a transfer like any other, refused between one account.
        let result = transfer(&alice, &alice, 0);
        assert_eq!(
            result,
            Err(TransferError::SameAccount),
            "a transfer of 0 from alice to alice returned {result:?}: check the ids before \
             anything else, the amount included ({CHAPTER}#transfers)"
        );
        // Two accounts with the same id are the same account.
        let twin = Account::new(1, 10);
        let result = transfer(&alice, &twin, 1);
        assert_eq!(
            result,
            Err(TransferError::SameAccount),
            "a transfer between two accounts of the same id returned {result:?}: ids name \
             the accounts ({CHAPTER}#transfers)"
        );
        assert_eq!(
            (alice.balance(), twin.balance()),
            (10, 10),
            "a refused transfer changed the balances ({CHAPTER}#transfers)"
        );
    });
}

#[test]
fn transfer_both_directions_at_once_conserve_money() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(
        20,
        "4 threads each making 5,000 transfers between alice and bob, two each way (two \
         transfers that lock the same two accounts in opposite orders wait for each other \
         for ever: lock the lower id first, whatever the order of the arguments; \
         book/src/part-4/philosophers-and-transfers.md#transfers)",
        || {
            let accounts = Arc::new([Account::new(1, 1000), Account::new(2, 1000)]);
            let moved = deadline::workers(4, "4 threads making transfers between alice and bob", {
                let accounts = Arc::clone(&accounts);
                move |i| {
                    let (from, to) = if i % 2 == 0 { (0, 1) } else { (1, 0) };
                    let mut done = 0_u64;
                    for round in 0..5000_u64 {
                        let amount = round % 7 + 1;
                        match transfer(&accounts[from], &accounts[to], amount) {
                            Ok(()) => done += 1,
                            Err(TransferError::InsufficientFunds) => {}
                            Err(other) => panic!(
                                "a transfer between alice and bob returned {other:?} \
                                     ({CHAPTER}#transfers)"
                            ),
                        }
                    }
                    done
                }
            });
            let sum = accounts[0].balance() + accounts[1].balance();
            assert_eq!(
                sum,
                2000,
                "after {} transfers both ways, alice and bob hold {sum} instead of 2000: \
                 money appeared or vanished ({CHAPTER}#transfers)",
                moved.iter().sum::<u64>()
            );
        },
    );
    assert!(
        auto_traits::is_send!(Account) && auto_traits::is_sync!(Account),
        "Account must be Send and Sync: transfers on several threads share it \
         ({CHAPTER}#transfers)"
    );
}

#[test]
fn transfer_total_sums_every_account_and_counts_a_repeated_one_once() {
    deadline::within_secs(5, "total() of three accounts, one listed twice", || {
        let (a, b, c) = (
            Account::new(3, 1),
            Account::new(1, 20),
            Account::new(2, 300),
        );
        assert_eq!(
            total(&[&a, &b, &c]),
            321,
            "total of 1, 20 and 300 ({CHAPTER}#transfers)"
        );
        let twice = total(&[&a, &c, &a]);
        assert_eq!(
            twice, 301,
            "total(&[&a, &c, &a]) gave {twice}: an account listed twice counts once (and is \
             locked once: locking it twice would wait for itself) ({CHAPTER}#transfers)"
        );
        assert_eq!(
            total(&[]),
            0,
            "the total of no account is 0 ({CHAPTER}#transfers)"
        );
    });
}

#[test]
fn transfer_total_sees_the_same_sum_while_transfers_run() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(
        20,
        "2 threads making transfers among three accounts while total() is asked again and \
         again (a transfer and total() that lock the same accounts in opposite orders wait \
         for each other for ever: both lock by id, the lower first; \
         book/src/part-4/philosophers-and-transfers.md#transfers)",
        || {
            let accounts = Arc::new([
                Account::new(1, 500),
                Account::new(2, 500),
                Account::new(3, 500),
            ]);
            let stop = Arc::new(AtomicBool::new(false));
            let movers: Vec<_> = (0..2)
                .map(|i| {
                    let accounts = Arc::clone(&accounts);
                    thread::spawn(move || {
                        for round in 0..5000_usize {
                            let from = (round + i) % 3;
                            let to = (from + 1 + i) % 3;
                            let _ = transfer(&accounts[from], &accounts[to], 3);
                        }
                    })
                })
                .collect();
            let mut wrong = Vec::new();
            let mut asked = 0;
            while !movers.iter().all(|m| m.is_finished()) && !stop.load(Ordering::Relaxed) {
                let [a, b, c] = &*accounts;
                let seen = total(&[c, a, b]);
                asked += 1;
                if seen != 1500 {
                    wrong.push(seen);
                }
            }
            stop.store(true, Ordering::Relaxed);
            for mover in movers {
                if let Err(payload) = mover.join() {
                    panic::resume_unwind(payload);
                }
            }
            assert!(
                wrong.is_empty(),
                "total() was asked {asked} times while transfers ran and saw {} sums other \
                 than 1500 (the first: {:?}): either a transfer is seen half done (it let go \
                 of a lock between the debit and the credit) or total() does not hold every \
                 lock at once ({CHAPTER}#transfers)",
                wrong.len(),
                wrong.first()
            );
        },
    );
}

// ---------------------------------------------------------------------------------------
// Source

/// What the reader's files may not use, and what to use instead.
const FORBIDDEN: &[(&str, &str)] = &[
    (
        "sync::Mutex",
        "the provided forks and Mutex (src/fork.rs, src/mutex.rs), or crate::sync::atomic_wait",
    ),
    (
        "sync::MutexGuard",
        "the provided Mutex (super::mutex::MutexGuard)",
    ),
    ("sync::Condvar", "crate::sync::atomic_wait"),
    ("sync::RwLock", "the provided Mutex"),
    ("sync::Barrier", "crate::sync::atomic_wait"),
    ("parking_lot", "crate::sync::atomic_wait"),
];

#[test]
fn source_blocks_only_through_the_provided_forks_mutex_and_atomic_wait() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let paths: Vec<&str> = FORBIDDEN.iter().map(|(bad, _)| *bad).collect();
    let mut problems = Vec::new();
    for file in ["table.rs", "account.rs"] {
        let text = std::fs::read_to_string(src.join(file)).unwrap_or_default();
        for (line, bad) in loom_harness::forbidden_paths(&text, &paths) {
            let instead = FORBIDDEN
                .iter()
                .find(|(path, _)| *path == bad)
                .map_or("", |(_, instead)| *instead);
            problems.push(format!("src/{file}:{line}: `{bad}`: use {instead}"));
        }
    }
    assert!(
        problems.is_empty(),
        "std's (or loom's) own locks are off limits here: a thread stuck in one hangs the \
         tests (loom aborts without a word) instead of failing them with the line that \
         waited:\n{}\n({CHAPTER}#exercise)",
        problems.join("\n")
    );
}
