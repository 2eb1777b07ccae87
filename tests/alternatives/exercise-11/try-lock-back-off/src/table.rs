// Alternative: dine_left_first by try-lock and a randomised back-off, with no waiter. Each
// philosopher takes its left fork (waiting for it), then only *tries* the right; if that
// fails it puts the left down, so it never holds one fork while waiting for another (hold
// and wait is broken), and sleeps a random while before trying again, so two neighbours do
// not retry in lock-step for ever (livelock). dine is the reference's global order.

use std::time::Duration;

use crate::sync::thread;

use super::fork::Forks;

/// A round table of `n` philosophers with `n` forks, one between each two neighbours.
pub struct Table {
    forks: Forks,
}

impl Table {
    /// A table of `n` philosophers and `n` forks, all forks on the table.
    pub fn new(n: usize) -> Self {
        Table {
            forks: Forks::new(n),
        }
    }

    /// The forks (provided).
    pub fn forks(&self) -> &Forks {
        &self.forks
    }

    /// The lower-numbered fork first, for everyone.
    pub fn dine(&self, p: usize, meals: usize) {
        let (left, right) = (self.forks.left(p), self.forks.right(p));
        let (first, second) = (left.min(right), left.max(right));
        for _ in 0..meals {
            let _first = self.forks.take(p, first);
            let _second = self.forks.take(p, second);
            self.forks.eat(p);
        }
    }

    /// Left fork, then try the right; on failure put the left down and back off a random
    /// while (up to twice as long after each failure, capped).
    pub fn dine_left_first(&self, p: usize, meals: usize) {
        let (left, right) = (self.forks.left(p), self.forks.right(p));
        // xorshift64, seeded by the seat and the thread: no two philosophers share a seed.
        let mut seed = (p as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ thread::current_number().wrapping_mul(0xD1B5_4A32_D192_ED03)
            | 1;
        let mut random = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..meals {
            let mut limit = 8_u64;
            loop {
                let held_left = self.forks.take(p, left);
                if let Some(_right) = self.forks.try_take(p, right) {
                    self.forks.eat(p);
                    break;
                }
                drop(held_left);
                thread::sleep(Duration::from_micros(random() % limit));
                limit = (limit * 2).min(1024);
            }
        }
    }
}
