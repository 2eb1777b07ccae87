// Exercise 11 · Dining philosophers. Book: book/src/part-4/philosophers-and-transfers.md
//
// Part 1 and 2 of 3. Fill in each `todo!()`. The forks are provided (src/fork.rs):
//     self.forks.left(p), self.forks.right(p)     // philosopher p's two fork numbers
//     let guard = self.forks.take(p, fork);        // sleeps while a neighbour holds it
//     self.forks.try_take(p, fork)                 // Some(guard), or None at once
//     self.forks.eat(p);                           // panics unless p holds both its forks
//     drop(guard);                                 // puts the fork back on the table
// Taking a fork the philosopher already holds panics: it would wait for itself for ever.
//
// For the second strategy you may need more than the forks: add fields to `Table`. Anything
// that waits goes through `crate::sync::atomic_wait` (wait(&a, v), wake_one(&a),
// wake_all(&a)) or the provided forks, never std's (or loom's) Mutex: a thread stuck there
// would hang the tests instead of failing them. `crate::sync::thread::sleep` and
// `yield_now` are allowed (a back-off needs them); for its randomness, a few lines of
// xorshift seeded with `p` and `crate::sync::thread::current_number()` are enough.

use super::fork::Forks;

/// A round table of `n` philosophers with `n` forks, one between each two neighbours:
/// philosopher `p` eats with fork `p` (its left) and fork `(p + 1) % n` (its right).
///
/// `Table` is `Send` and `Sync`: each philosopher dines on its own thread, all sharing one
/// table (through an `Arc`, or `std::thread::scope`). Use one strategy per table: do not mix
/// `dine` and `dine_left_first` philosophers at the same table.
pub struct Table {
    forks: Forks,
    // Add the fields your second strategy needs.
}

impl Table {
    /// A table of `n` philosophers and `n` forks, all forks on the table (`Forks::new(n)`).
    ///
    /// # Panics
    /// If `n < 2` (as `Forks::new` does).
    pub fn new(n: usize) -> Self {
        todo!(
            "build the forks, and whatever your second strategy needs (book: philosophers-and-transfers.md#the-table)"
        )
    }

    /// The forks: who holds which, and what each philosopher did. Provided: the tests read
    /// it.
    pub fn forks(&self) -> &Forks {
        &self.forks
    }

    /// Philosopher `p` eats `meals` meals, one after the other: for each, it takes both its
    /// forks, eats (`self.forks().eat(p)`) and puts both down before the next.
    ///
    /// Deadlock-free by lock ordering: every philosopher takes its two forks in the order of
    /// their numbers, by one rule for everyone (the lower number first; the higher first for
    /// everyone would do too), so philosophers dining on `n` threads at once always all
    /// finish. Blocks while a neighbour holds a fork it needs;
    /// never spins. Panics if there is no philosopher `p` (the forks check it).
    pub fn dine(&self, p: usize, meals: usize) {
        todo!(
            "take the two forks in an order every philosopher agrees on, eat, put them down (book: philosophers-and-transfers.md#lock-ordering)"
        )
    }

    /// As [`dine`](Table::dine), but every philosopher takes its left fork before its right
    /// one, with no global order of the forks. Alone, that can deadlock (everyone holding a
    /// left fork, waiting for a right one); make it deadlock-free with a second strategy of
    /// your choice from the chapter: a waiter that lets at most `n - 1` philosophers reach
    /// for forks at once, or try-lock and a randomised back-off (take the left, *try* the
    /// right, and if that fails put the left down and wait a random while before trying
    /// again).
    ///
    /// Every philosopher still gets all its meals: philosophers dining on `n` threads at
    /// once always all finish, none waits for ever while its neighbours eat.
    pub fn dine_left_first(&self, p: usize, meals: usize) {
        todo!(
            "left fork, then right, with a waiter or a try-lock and back-off so that the cycle cannot close (book: philosophers-and-transfers.md#a-waiter)"
        )
    }
}
