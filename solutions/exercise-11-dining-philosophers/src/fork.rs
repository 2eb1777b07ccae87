// Exercise 11 · Dining philosophers. Book: book/src/part-4/philosophers-and-transfers.md
//
// Provided, nothing to fill in (do not edit): the forks on the table, and the bookkeeping
// the tests read. Philosopher `p` of `n` sits between fork `p` (its left) and fork
// `(p + 1) % n` (its right), so philosopher `n - 1`'s right fork is fork 0.
//
// A fork is a small blocking lock (taking it sleeps through `crate::sync::atomic_wait`,
// never spins) that also remembers who holds it, and guards a little data of its own (how
// often it has been eaten with), which `eat` writes: under loom, two philosophers using one
// fork at once would be a data race that the model reports. That is what lets the tests see what your
// philosophers do without reading your code:
// - a philosopher may only reach for its own two forks, and never for one it already holds
//   (that would wait for itself for ever): both panic at once, with a message;
// - `eat` panics unless the philosopher holds both of its forks at that moment;
// - every time a philosopher takes its second fork, the forks note which one it already held
//   (its left or its right), which tells a global order from "left first";
// - a deadlock is a clean failure: under loom the model reports "deadlock: this thread goes
//   to sleep in atomic_wait::wait at <the line of your code that called take>", and on real
//   threads the test's deadline prints `Forks::waiting()`: who holds which fork and who
//   waits for which.

use crate::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use crate::sync::atomic_wait;
use crate::sync::cell::UnsafeCell;

/// The low bit of a fork's word: someone may be asleep waiting for it.
const SLEEPERS: u32 = 1;

/// The forks of a table of `n` philosophers, numbered `0..n`. Provided.
pub struct Forks {
    // One word per fork: 0 when it lies on the table, otherwise (holder + 1) << 1, with the
    // SLEEPERS bit set when someone may be asleep waiting for it.
    words: Vec<AtomicU32>,
    // Per fork: how many meals it has served, touched only by its holder.
    used: Vec<UnsafeCell<u64>>,
    // Per philosopher: the fork it is asleep waiting for, plus one (0: none).
    waits_for: Vec<AtomicUsize>,
    meals: Vec<AtomicUsize>,
    left_first: Vec<AtomicUsize>,
    right_first: Vec<AtomicUsize>,
}

// SAFETY: the only non-Sync part is `used`, and each of its cells is touched only by the
// holder of its fork (see `eat`), one thread at a time, ordered by the fork's Acquire/Release.
unsafe impl Sync for Forks {}

impl Forks {
    /// The `n` forks of a table of `n` philosophers, all on the table.
    ///
    /// # Panics
    /// If `n < 2`: one philosopher would need its one fork twice.
    pub fn new(n: usize) -> Self {
        assert!(
            n >= 2,
            "a table needs at least 2 seats (it was asked for {n}): philosopher 0 eats with \
             forks 0 and 1"
        );
        let counters = || (0..n).map(|_| AtomicUsize::new(0)).collect::<Vec<_>>();
        Forks {
            words: (0..n).map(|_| AtomicU32::new(0)).collect(),
            used: (0..n).map(|_| UnsafeCell::new(0)).collect(),
            waits_for: counters(),
            meals: counters(),
            left_first: counters(),
            right_first: counters(),
        }
    }

    /// How many philosophers (and forks) the table has.
    pub fn seats(&self) -> usize {
        self.words.len()
    }

    /// Philosopher `p`'s left fork: fork `p`.
    ///
    /// # Panics
    /// If there is no philosopher `p` at this table.
    pub fn left(&self, p: usize) -> usize {
        self.check_seat(p);
        p
    }

    /// Philosopher `p`'s right fork: fork `(p + 1) % n`.
    ///
    /// # Panics
    /// If there is no philosopher `p` at this table.
    pub fn right(&self, p: usize) -> usize {
        self.check_seat(p);
        (p + 1) % self.seats()
    }

    /// Philosopher `p` takes fork `fork`, sleeping while a neighbour holds it. The fork goes
    /// back on the table when the guard is dropped.
    ///
    /// # Panics
    /// If `fork` is not one of `p`'s two forks, or `p` already holds it (waiting for a fork
    /// you hold yourself never ends).
    #[track_caller]
    pub fn take(&self, p: usize, fork: usize) -> ForkGuard<'_> {
        self.check_reach(p, fork);
        let word = &self.words[fork];
        let mine = holder_word(p);
        // Acquire: the previous holder's writes (its meal) happen before this one's.
        let mut seen = match word.compare_exchange(0, mine, Ordering::Acquire, Ordering::Relaxed) {
            Ok(_) => return self.taken(p, fork),
            Err(seen) => seen,
        };
        // Relaxed: only read back by `waiting()`, to describe a deadlock.
        self.waits_for[p].store(fork + 1, Ordering::Relaxed);
        loop {
            if seen == 0 {
                // Free: take it, keeping the sleepers bit, since another sleeper may exist.
                match word.compare_exchange(
                    0,
                    mine | SLEEPERS,
                    Ordering::Acquire,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => break,
                    Err(now) => seen = now,
                }
            } else if seen & SLEEPERS == 0 {
                // Held, and its holder would not wake anyone: mark it first.
                match word.compare_exchange(
                    seen,
                    seen | SLEEPERS,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => seen |= SLEEPERS,
                    Err(now) => seen = now,
                }
            } else {
                atomic_wait::wait(word, seen);
                seen = word.load(Ordering::Relaxed);
            }
        }
        self.waits_for[p].store(0, Ordering::Relaxed);
        self.taken(p, fork)
    }

    /// Philosopher `p` takes fork `fork` if it lies on the table right now; `None` (at once,
    /// without waiting) if a neighbour holds it.
    ///
    /// # Panics
    /// As [`take`](Forks::take).
    #[track_caller]
    pub fn try_take(&self, p: usize, fork: usize) -> Option<ForkGuard<'_>> {
        self.check_reach(p, fork);
        // Acquire: as in `take`.
        self.words[fork]
            .compare_exchange(0, holder_word(p), Ordering::Acquire, Ordering::Relaxed)
            .ok()
            .map(|_| self.taken(p, fork))
    }

    /// Philosopher `p` eats one meal, which counts in [`meals`](Forks::meals).
    ///
    /// # Panics
    /// Unless `p` holds both its left and its right fork right now.
    #[track_caller]
    pub fn eat(&self, p: usize) {
        let (left, right) = (self.left(p), self.right(p));
        let held = |fork: usize| self.holder(fork) == Some(p);
        assert!(
            held(left) && held(right),
            "philosopher {p} ate without holding both its forks: fork {left} (left) {}, fork \
             {right} (right) {}. Take both, eat, and only then put them down \
             (book: philosophers-and-transfers.md#the-table)",
            describe(self.holder(left), p),
            describe(self.holder(right), p),
        );
        for fork in [left, right] {
            // SAFETY: `p` holds this fork (checked above), and a fork has one holder at a
            // time, so no other thread touches its cell until `p` puts it down; the
            // previous holder's writes are visible through the Release of its put-down and
            // the Acquire of this philosopher's take.
            self.used[fork].with_mut(|used| unsafe { *used += 1 });
        }
        // Relaxed: a count read after the philosophers' threads are joined.
        self.meals[p].fetch_add(1, Ordering::Relaxed);
        // A meal takes a moment: the neighbours get hungry meanwhile, so on real threads
        // the forks are contended as at a real table (and a bad order shows sooner).
        crate::sync::thread::yield_now();
    }

    /// Who holds fork `fork` right now, or `None` if it lies on the table.
    pub fn holder(&self, fork: usize) -> Option<usize> {
        let word = self.words[fork].load(Ordering::Relaxed) >> 1;
        (word != 0).then(|| word as usize - 1)
    }

    /// How many meals philosopher `p` has eaten.
    pub fn meals(&self, p: usize) -> usize {
        self.meals[p].load(Ordering::Relaxed)
    }

    /// How many times philosopher `p` took its right fork while already holding its left.
    pub fn took_left_first(&self, p: usize) -> usize {
        self.left_first[p].load(Ordering::Relaxed)
    }

    /// How many times philosopher `p` took its left fork while already holding its right.
    pub fn took_right_first(&self, p: usize) -> usize {
        self.right_first[p].load(Ordering::Relaxed)
    }

    /// Who holds which fork and who is asleep waiting for which, one line each: what a
    /// deadlock looks like from outside. For messages.
    pub fn waiting(&self) -> String {
        let mut lines = Vec::new();
        for p in 0..self.seats() {
            let holds: Vec<String> = [self.left(p), self.right(p)]
                .into_iter()
                .filter(|&fork| self.holder(fork) == Some(p))
                .map(|fork| format!("fork {fork}"))
                .collect();
            let holds = if holds.is_empty() {
                "no fork".to_owned()
            } else {
                holds.join(" and ")
            };
            let waits = match self.waits_for[p].load(Ordering::Relaxed) {
                0 => String::new(),
                fork => {
                    let fork = fork - 1;
                    match self.holder(fork) {
                        Some(q) => format!(", waits for fork {fork} (held by philosopher {q})"),
                        None => format!(", waits for fork {fork}"),
                    }
                }
            };
            lines.push(format!("philosopher {p} holds {holds}{waits}"));
        }
        lines.join("\n")
    }

    fn check_seat(&self, p: usize) {
        assert!(
            p < self.seats(),
            "there is no philosopher {p} at a table of {} (they are numbered from 0)",
            self.seats()
        );
    }

    #[track_caller]
    fn check_reach(&self, p: usize, fork: usize) {
        let (left, right) = (self.left(p), self.right(p));
        assert!(
            fork == left || fork == right,
            "philosopher {p} reached for fork {fork}, which is not beside it: its forks are \
             {left} (left) and {right} (right) (book: philosophers-and-transfers.md#the-table)"
        );
        assert!(
            self.holder(fork) != Some(p),
            "philosopher {p} reached for fork {fork}, which it already holds: it would wait \
             for itself for ever. Was a fork not put down (its guard not dropped) after the \
             last meal? (book: philosophers-and-transfers.md#the-table)"
        );
    }

    fn taken(&self, p: usize, fork: usize) -> ForkGuard<'_> {
        let (left, right) = (self.left(p), self.right(p));
        let other = if fork == left { right } else { left };
        if self.holder(other) == Some(p) {
            let count = if other == left {
                &self.left_first[p]
            } else {
                &self.right_first[p]
            };
            // Relaxed: only this philosopher's thread writes it; read after a join.
            count.fetch_add(1, Ordering::Relaxed);
        }
        ForkGuard { forks: self, fork }
    }
}

fn holder_word(p: usize) -> u32 {
    u32::try_from(p + 1).expect("fewer than 2^31 philosophers") << 1
}

fn describe(holder: Option<usize>, p: usize) -> String {
    match holder {
        Some(q) if q == p => "held".to_owned(),
        Some(q) => format!("held by philosopher {q}"),
        None => "on the table".to_owned(),
    }
}

/// A fork in a philosopher's hand: dropping it puts the fork back on the table and wakes a
/// neighbour waiting for it. Provided.
pub struct ForkGuard<'a> {
    forks: &'a Forks,
    fork: usize,
}

impl ForkGuard<'_> {
    /// Which fork this is.
    pub fn fork(&self) -> usize {
        self.fork
    }
}

impl Drop for ForkGuard<'_> {
    fn drop(&mut self) {
        let word = &self.forks.words[self.fork];
        // Release: this holder's meal happens before the next holder's take (Acquire).
        if word.swap(0, Ordering::Release) & SLEEPERS != 0 {
            atomic_wait::wake_one(word);
        }
    }
}
