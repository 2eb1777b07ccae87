//! Exercise 11 graded suite, model-checked by loom: the same `src/*.rs`, compiled with
//! `crate::sync` bound to loom, in every interleaving of their threads within the bound.
//! Book: `book/src/part-4/philosophers-and-transfers.md`.
//!
//! The forks and the accounts' mutex (both provided) sleep through `crate::sync::atomic_wait`,
//! so a deadlock shows here as the model's "deadlock: this thread goes to sleep in
//! atomic_wait::wait at <your line>", for the first thread that went to sleep last. Two
//! philosophers are enough to close a cycle: each holds one fork and waits for the other's.
//!
//! Every promise of the stub's docs, and the tests that check it here and on real threads,
//! are listed in `tests/contracts/exercise-11.toml`.

sync_shim::include_under_loom!(mutex, fork, table, account);

use account::{Account, TransferError, total, transfer};
use loom_harness::{Explain, Model};
use sync::thread;
// The models share their state through std's Arc, not loom's: when loom finds a deadlock,
// the stuck thread unwinds, and a loom Arc dropped while unwinding makes loom abort without
// a message. A model's threads are all joined, so nothing leaks.
use std::sync::Arc;
use table::Table;

const CHAPTER: &str = "book/src/part-4/philosophers-and-transfers.md";

const EXPLAIN_TABLE: Explain = Explain {
    book: "book/src/part-4/philosophers-and-transfers.md#lock-ordering, #a-waiter and \
           #try-lock-and-back-off",
    race: "",
    spins_forever: "a philosopher kept trying for ever: a try-lock loop that keeps its first \
           fork while it retries the second never lets its neighbour eat (hold and wait). \
           Put the first fork down before you try again.",
    deadlock: "the line named above is the wait that never returned. If it is a take(), \
           each philosopher holds one fork and waits for the other's: a cycle of waits. In \
           dine(), take the two forks in one global order (the lower number first, say), so \
           that the last philosopher does not close the circle; in dine_left_first(), the \
           waiter must seat at most n - 1 philosophers at once (here: one of the two). If it \
           is the waiter's own wait (nobody holds a fork), a philosopher waits for a chair \
           nobody gives back: stand up after every meal, count the chair back with one \
           atomic step, and wake a sleeper whenever a chair frees.",
    assertion: "",
};

const EXPLAIN_TRANSFER: Explain = Explain {
    book: "book/src/part-4/philosophers-and-transfers.md#transfers",
    race: "",
    spins_forever: "",
    deadlock: "a thread waits for an account's lock that will never be free: two transfers \
           (or a transfer and total()) took the same two accounts in opposite orders and \
           each waits for the other's, or one thread locked the same account twice. Lock by \
           id, the lower id first, whatever the order of the arguments; refuse a transfer \
           from an account to itself before locking anything.",
    assertion: "the money was not where it should be: checked before the locks were taken \
           (check-then-act), moved in two critical sections instead of one, or counted \
           account by account instead of under all the locks at once.",
};

/// Runs `work` on two model threads and joins both; the payload of a panic, as text.
fn both<A, B>(a: A, b: B) -> (Result<(), String>, Result<(), String>)
where
    A: FnOnce() + 'static,
    B: FnOnce() + 'static,
{
    let first = thread::spawn(a);
    let second = thread::spawn(b);
    let text = |r: std::thread::Result<()>| r.map_err(|p| deadline::panic_text(p.as_ref()));
    let first = text(first.join());
    let second = text(second.join());
    (first, second)
}

fn no_panic(who: &str, outcome: &Result<(), String>, section: &str) {
    if let Err(message) = outcome {
        panic!("{who} panicked: {message} ({CHAPTER}#{section})");
    }
}

// ---------------------------------------------------------------------------------------
// dine: a global order of the forks

fn two_philosophers(left_first: bool) {
    let table = Arc::new(Table::new(2));
    let (t0, t1) = (Arc::clone(&table), Arc::clone(&table));
    let dine = move |table: &Table, p: usize| {
        if left_first {
            table.dine_left_first(p, 1);
        } else {
            table.dine(p, 1);
        }
    };
    let (zero, one) = both(move || dine(&t0, 0), move || dine(&t1, 1));
    let section = if left_first {
        "a-waiter"
    } else {
        "lock-ordering"
    };
    no_panic("philosopher 0", &zero, section);
    no_panic("philosopher 1", &one, section);
    let forks = table.forks();
    for p in 0..2 {
        assert_eq!(
            forks.meals(p),
            1,
            "philosopher {p} ate {} meals when asked for 1 ({CHAPTER}#the-table)",
            forks.meals(p)
        );
    }
}

#[test]
fn loom_ordered_two_philosophers_never_deadlock() {
    Model::new(
        "two philosophers at a table of two, each calling dine(p, 1) on its own thread, both \
         eat their meal (no interleaving ends with each holding one fork)",
    )
    .explain(&EXPLAIN_TABLE)
    .check(|| two_philosophers(false));
}

#[test]
fn loom_left_first_two_philosophers_never_deadlock() {
    Model::new(
        "two philosophers at a table of two, each calling dine_left_first(p, 1) on its own \
         thread, both eat their meal (no interleaving ends with each holding its left fork)",
    )
    .explain(&EXPLAIN_TABLE)
    .check(|| two_philosophers(true));
}

#[test]
fn loom_left_first_a_second_meal_finds_the_table_as_it_was() {
    Model::new(
        "at a table of two, philosopher 0 eats one meal with dine_left_first while \
         philosopher 1 eats two; everyone finishes (what the first meal took, a chair or \
         a fork, is given back)",
    )
    .explain(&EXPLAIN_TABLE)
    .preemptions(1)
    .check(|| {
        let table = Arc::new(Table::new(2));
        let (t0, t1) = (Arc::clone(&table), Arc::clone(&table));
        let (zero, one) = both(
            move || t0.dine_left_first(0, 1),
            move || t1.dine_left_first(1, 2),
        );
        no_panic("philosopher 0", &zero, "a-waiter");
        no_panic("philosopher 1", &one, "a-waiter");
        assert_eq!(
            (table.forks().meals(0), table.forks().meals(1)),
            (1, 2),
            "the philosophers ate (philosopher 0, philosopher 1) meals when asked for (1, 2) \
             ({CHAPTER}#the-table)"
        );
    });
}

// ---------------------------------------------------------------------------------------
// Transfers

#[test]
fn loom_transfer_opposite_directions_never_deadlock_and_conserve_money() {
    Model::new(
        "two threads transfer 1 between the same two accounts at once, one from alice to \
         bob, the other from bob to alice; both finish and the balances are back where they \
         started",
    )
    .explain(&EXPLAIN_TRANSFER)
    .check(|| {
        let alice = Arc::new(Account::new(1, 1));
        let bob = Arc::new(Account::new(2, 1));
        let (a1, b1, a2, b2) = (
            Arc::clone(&alice),
            Arc::clone(&bob),
            Arc::clone(&alice),
            Arc::clone(&bob),
        );
        let (there, back) = (
            Arc::new(std::sync::Mutex::new(None)),
            Arc::new(std::sync::Mutex::new(None)),
        );
        let (there2, back2) = (Arc::clone(&there), Arc::clone(&back));
        let (one, two) = both(
            move || *there2.lock().unwrap() = Some(transfer(&a1, &b1, 1)),
            move || *back2.lock().unwrap() = Some(transfer(&b2, &a2, 1)),
        );
        no_panic("the transfer from alice to bob", &one, "transfers");
        no_panic("the transfer from bob to alice", &two, "transfers");
        let results = (*there.lock().unwrap(), *back.lock().unwrap());
        assert_eq!(
            results,
            (Some(Ok(())), Some(Ok(()))),
            "both transfers had the money (1 each) and should have succeeded \
             ({CHAPTER}#transfers)"
        );
        assert_eq!(
            (alice.balance(), bob.balance()),
            (1, 1),
            "after 1 went each way, (alice, bob) should be back to (1, 1) \
             ({CHAPTER}#transfers)"
        );
    });
}

#[test]
fn loom_transfer_two_withdrawals_never_overdraw() {
    Model::new(
        "alice holds 1; two threads each transfer 1 out of alice at once (to bob, to carol): \
         exactly one succeeds, the other gets InsufficientFunds, and no money appears or \
         vanishes",
    )
    .explain(&EXPLAIN_TRANSFER)
    .check(|| {
        let alice = Arc::new(Account::new(1, 1));
        let bob = Arc::new(Account::new(2, 0));
        let carol = Arc::new(Account::new(3, 0));
        let results = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (a1, b1, r1) = (Arc::clone(&alice), Arc::clone(&bob), Arc::clone(&results));
        let (a2, c2, r2) = (Arc::clone(&alice), Arc::clone(&carol), Arc::clone(&results));
        let (one, two) = both(
            move || {
                let result = transfer(&a1, &b1, 1);
                r1.lock().unwrap().push(result);
            },
            move || {
                let result = transfer(&a2, &c2, 1);
                r2.lock().unwrap().push(result);
            },
        );
        no_panic("the transfer from alice to bob", &one, "transfers");
        no_panic("the transfer from alice to carol", &two, "transfers");
        let results = results.lock().unwrap().clone();
        let ok = results.iter().filter(|r| r.is_ok()).count();
        assert!(
            ok == 1 && results.contains(&Err(TransferError::InsufficientFunds)),
            "alice held 1 and two transfers of 1 ran at once: one must succeed and the \
             other get InsufficientFunds, but they returned {results:?}. Check the balance \
             under the locks, not before taking them ({CHAPTER}#transfers)"
        );
        let sum = alice.balance() + bob.balance() + carol.balance();
        assert_eq!(
            sum, 1,
            "the three accounts hold {sum} in all instead of 1 ({CHAPTER}#transfers)"
        );
    });
}

#[test]
fn loom_transfer_total_never_sees_a_transfer_half_done() {
    Model::new(
        "one thread transfers 1 from alice to bob while the main thread asks for \
         total(&[&alice, &bob]); the total is always 2",
    )
    .explain(&EXPLAIN_TRANSFER)
    .check(|| {
        let alice = Arc::new(Account::new(1, 1));
        let bob = Arc::new(Account::new(2, 1));
        let (a1, b1) = (Arc::clone(&alice), Arc::clone(&bob));
        let mover = thread::spawn(move || {
            let _ = transfer(&a1, &b1, 1);
        });
        let seen = total(&[&alice, &bob]);
        let moved = mover.join().map_err(|p| deadline::panic_text(p.as_ref()));
        no_panic("the transfer", &moved, "transfers");
        assert_eq!(
            seen, 2,
            "total() saw {seen} while 1 moved from alice to bob (2 in all): either the \
             transfer let go of one lock between the debit and the credit, or total() read \
             the balances one by one instead of holding every lock at once \
             ({CHAPTER}#transfers)"
        );
    });
}

#[test]
fn loom_transfer_and_total_in_opposite_argument_orders_never_deadlock() {
    Model::new(
        "one thread transfers 1 from alice to bob while the main thread asks for \
         total(&[&bob, &alice]) (the other order); both finish",
    )
    .explain(&EXPLAIN_TRANSFER)
    .check(|| {
        let alice = Arc::new(Account::new(1, 1));
        let bob = Arc::new(Account::new(2, 1));
        let (a1, b1) = (Arc::clone(&alice), Arc::clone(&bob));
        let mover = thread::spawn(move || {
            let _ = transfer(&a1, &b1, 1);
        });
        let seen = total(&[&bob, &alice]);
        let moved = mover.join().map_err(|p| deadline::panic_text(p.as_ref()));
        no_panic("the transfer", &moved, "transfers");
        assert_eq!(
            seen, 2,
            "total() saw {seen} instead of 2 ({CHAPTER}#transfers)"
        );
    });
}

#[test]
fn loom_transfer_and_total_agree_when_addresses_and_ids_disagree() {
    Model::new(
        "two accounts side by side in one array, the first (lower address) with the higher \
         id 2 and the larger balance 5, the second with id 1 and balance 0; one thread \
         transfers 1 from the first to the second while the main thread asks for their \
         total; both finish and the total is 5",
    )
    .explain(&EXPLAIN_TRANSFER)
    .check(|| {
        // Here the argument order, the order of the addresses and the order of the balances
        // all say "id 2 first": only the ids give total() and transfer() the same order.
        let accounts = Arc::new([Account::new(2, 5), Account::new(1, 0)]);
        let moving = Arc::clone(&accounts);
        let mover = thread::spawn(move || {
            let _ = transfer(&moving[0], &moving[1], 1);
        });
        let seen = total(&[&accounts[0], &accounts[1]]);
        let moved = mover.join().map_err(|p| deadline::panic_text(p.as_ref()));
        no_panic("the transfer", &moved, "transfers");
        assert_eq!(
            seen, 5,
            "total() saw {seen} instead of 5 while 1 moved between the two accounts \
             ({CHAPTER}#transfers)"
        );
        assert_eq!(
            (accounts[0].balance(), accounts[1].balance()),
            (4, 1),
            "after a transfer of 1 from the account of id 2 (balance 5) to the account of \
             id 1 (balance 0), (id 2, id 1) should hold (4, 1) ({CHAPTER}#transfers)"
        );
    });
}

#[test]
fn loom_transfer_to_the_same_account_is_refused() {
    Model::new(
        "transfer(&alice, &alice, 1) and transfer(&alice, &alice, 0) return \
         Err(SameAccount), lock nothing, and leave the balance alone (locking alice twice \
         would wait for itself)",
    )
    .explain(&EXPLAIN_TRANSFER)
    .check(|| {
        let alice = Account::new(1, 5);
        for amount in [1, 0] {
            // The shim's trace (which loom-harness keeps) records every atomic operation, the
            // provided mutex's included: a refusal that locks nothing records nothing.
            sync_shim::trace::clear();
            let result = transfer(&alice, &alice, amount);
            let steps = sync_shim::trace::steps();
            assert_eq!(
                result,
                Err(TransferError::SameAccount),
                "a transfer of {amount} from alice to alice returned {result:?}: the same \
                 account is refused whatever the amount, 0 included ({CHAPTER}#transfers)"
            );
            if let Some(step) = steps.first() {
                panic!(
                    "transfer(&alice, &alice, {amount}) refused, but it first took a lock \
                     ({} at {}:{}): the docs promise SameAccount without locking anything. \
                     Locked first, the refusal waits whenever another thread holds alice. \
                     Compare the ids before you lock ({CHAPTER}#transfers)",
                    step.operation,
                    step.at
                        .file()
                        .rsplit(['/', '\\'])
                        .next()
                        .unwrap_or_default(),
                    step.at.line()
                );
            }
        }
        sync_shim::trace::clear();
        assert_eq!(
            alice.balance(),
            5,
            "alice's balance changed ({CHAPTER}#transfers)"
        );
        assert!(
            !sync_shim::trace::steps().is_empty(),
            "the shim's trace recorded nothing while balance() locked alice: this check needs \
             the trace that loom-harness turns on (a fault of the test, not of your code)"
        );
    });
}
