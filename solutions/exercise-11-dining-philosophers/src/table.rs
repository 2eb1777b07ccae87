// Exercise 11 · Dining philosophers (reference solution). Book:
// book/src/part-4/philosophers-and-transfers.md
//
// `dine`: every philosopher takes its lower-numbered fork first (a global order of the
// forks), so no cycle of waits can form. `dine_left_first`: everyone takes the left fork
// first, which alone could deadlock; a waiter lets at most n - 1 philosophers sit at once, so
// at least one of the seated can always take both forks.

use crate::sync::atomic::{AtomicU32, Ordering};
use crate::sync::atomic_wait;

use super::fork::Forks;

/// A round table of `n` philosophers with `n` forks, one between each two neighbours.
///
/// `Table` is `Send` and `Sync`: each philosopher dines on its own thread, all sharing one
/// table (through an `Arc`, or `std::thread::scope`).
pub struct Table {
    forks: Forks,
    // The waiter's free chairs for `dine_left_first`: n - 1 at the start.
    chairs: AtomicU32,
}

impl Table {
    /// A table of `n` philosophers and `n` forks, all forks on the table.
    ///
    /// # Panics
    /// If `n < 2`.
    pub fn new(n: usize) -> Self {
        let forks = Forks::new(n);
        let chairs = u32::try_from(n - 1).expect("fewer than 2^32 philosophers");
        Table {
            forks,
            chairs: AtomicU32::new(chairs),
        }
    }

    /// The forks: who holds which, and what each philosopher did (provided).
    pub fn forks(&self) -> &Forks {
        &self.forks
    }

    /// Philosopher `p` eats `meals` meals, one after the other: for each, it takes both its
    /// forks, eats (`self.forks().eat(p)`) and puts both down.
    ///
    /// Deadlock-free by a global order: every philosopher takes the lower-numbered of its two
    /// forks first.
    pub fn dine(&self, p: usize, meals: usize) {
        let (left, right) = (self.forks.left(p), self.forks.right(p));
        let (first, second) = (left.min(right), left.max(right));
        for _ in 0..meals {
            let _first = self.forks.take(p, first);
            let _second = self.forks.take(p, second);
            self.forks.eat(p);
        }
    }

    /// As [`dine`](Table::dine), but every philosopher takes its left fork first, and then
    /// its right. A waiter seats at most n - 1 philosophers at once.
    pub fn dine_left_first(&self, p: usize, meals: usize) {
        let (left, right) = (self.forks.left(p), self.forks.right(p));
        for _ in 0..meals {
            self.sit_down();
            {
                let _left = self.forks.take(p, left);
                let _right = self.forks.take(p, right);
                self.forks.eat(p);
            }
            self.stand_up();
        }
    }

    /// Waits for a free chair and takes it.
    fn sit_down(&self) {
        let mut free = self.chairs.load(Ordering::Relaxed);
        loop {
            if free == 0 {
                atomic_wait::wait(&self.chairs, 0);
                free = self.chairs.load(Ordering::Relaxed);
                continue;
            }
            // Relaxed: the chairs only count; the forks order the meals.
            match self
                .chairs
                .compare_exchange(free, free - 1, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return,
                Err(now) => free = now,
            }
        }
    }

    /// Gives the chair back, waking one philosopher waiting for it.
    fn stand_up(&self) {
        // Relaxed: as in `sit_down`.
        if self.chairs.fetch_add(1, Ordering::Relaxed) == 0 {
            atomic_wait::wake_one(&self.chairs);
        }
    }
}
