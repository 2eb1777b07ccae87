// Alternative: the global order written as "the last philosopher is left-handed" (Dijkstra's
// asymmetric solution): everyone takes the left fork first except philosopher n - 1, whose
// right fork is fork 0, the lowest number. That is exactly "lower number first", said per
// seat. The waiter counts free chairs with fetch_update (checked_sub refuses to go below
// zero) instead of a hand-written compare_exchange loop.

use crate::sync::atomic::{AtomicU32, Ordering};
use crate::sync::atomic_wait;

use super::fork::Forks;

/// A round table of `n` philosophers with `n` forks, one between each two neighbours.
pub struct Table {
    forks: Forks,
    free_chairs: AtomicU32,
}

impl Table {
    /// A table of `n` philosophers and `n` forks, all forks on the table.
    pub fn new(n: usize) -> Self {
        let forks = Forks::new(n);
        Table {
            free_chairs: AtomicU32::new((n - 1) as u32),
            forks,
        }
    }

    /// The forks (provided).
    pub fn forks(&self) -> &Forks {
        &self.forks
    }

    /// Left first, except the last philosopher, who is left-handed: right first.
    pub fn dine(&self, p: usize, meals: usize) {
        let (left, right) = (self.forks.left(p), self.forks.right(p));
        let last = p == self.forks.seats() - 1;
        for _ in 0..meals {
            let (_a, _b) = if last {
                let right = self.forks.take(p, right);
                (right, self.forks.take(p, left))
            } else {
                let left = self.forks.take(p, left);
                (left, self.forks.take(p, right))
            };
            self.forks.eat(p);
        }
    }

    /// Left, then right, seated by a waiter that has n - 1 chairs.
    pub fn dine_left_first(&self, p: usize, meals: usize) {
        let (left, right) = (self.forks.left(p), self.forks.right(p));
        for _ in 0..meals {
            // Relaxed: the chairs only count; the forks' own Acquire/Release order the meals.
            while self
                .free_chairs
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |free| {
                    free.checked_sub(1)
                })
                .is_err()
            {
                atomic_wait::wait(&self.free_chairs, 0);
            }
            let left_fork = self.forks.take(p, left);
            let right_fork = self.forks.take(p, right);
            self.forks.eat(p);
            drop(right_fork);
            drop(left_fork);
            self.free_chairs.fetch_add(1, Ordering::Relaxed);
            atomic_wait::wake_one(&self.free_chairs);
        }
    }
}
