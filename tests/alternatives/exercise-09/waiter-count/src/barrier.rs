// Alternative: the waiters loop on Condvar::wait themselves (no wait_while), and the round
// number is a bool that flips (a "sense-reversing" barrier); correct because a waiter sleeps
// until the sense differs from the one of its own round, which only its round's last arrival
// changes.
//
// Exercise 09 · Monitor. Book: book/src/part-3/events-barriers-timers.md#a-reusable-barrier
//
// A reusable barrier: a count of arrivals and a round number under the provided mutex, and
// a condition variable (yours) that the last arrival notifies.

use super::condvar::Condvar;
use super::mutex::Mutex;

struct Round {
    // Threads that have arrived in this round.
    arrived: usize,
    // Flipped by the last arrival of each round.
    sense: bool,
}

/// A barrier for a fixed number of threads, like `std::sync::Barrier` (and Python's
/// `threading.Barrier` without its action, timeout and abort).
///
/// Each thread calls [`wait`](Barrier::wait); the first `parties - 1` block, and the last
/// to arrive releases them all. The barrier is then ready for the next round at once: a
/// thread that leaves and calls `wait` again counts toward the next round, never the one it
/// just left. `Barrier` is `Send` and `Sync`: share it with an `Arc`.
pub struct Barrier {
    parties: usize,
    round: Mutex<Round>,
    all_here: Condvar,
}

/// What [`Barrier::wait`] returns: whether this thread was the round's leader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BarrierWaitResult {
    leader: bool,
}

impl BarrierWaitResult {
    /// `true` for exactly one thread of each round: the last to arrive.
    pub fn is_leader(&self) -> bool {
        self.leader
    }
}

impl Barrier {
    /// A barrier that releases its threads when `parties` of them have called `wait`.
    ///
    /// # Panics
    ///
    /// If `parties` is 0: no round could ever be complete.
    pub fn new(parties: usize) -> Self {
        assert!(parties > 0, "a Barrier needs at least one party");
        Barrier {
            parties,
            round: Mutex::new(Round {
                arrived: 0,
                sense: false,
            }),
            all_here: Condvar::new(),
        }
    }

    /// Blocks until `parties` threads (this one included) have called `wait` in this round,
    /// then returns; the last to arrive is the leader.
    pub fn wait(&self) -> BarrierWaitResult {
        let mut round = self.round.lock();
        let mine = round.sense;
        round.arrived += 1;
        if round.arrived == self.parties {
            round.arrived = 0;
            round.sense = !mine;
            drop(round);
            self.all_here.notify_all();
            BarrierWaitResult { leader: true }
        } else {
            while round.sense == mine {
                round = self.all_here.wait(round);
            }
            BarrierWaitResult { leader: false }
        }
    }
}
