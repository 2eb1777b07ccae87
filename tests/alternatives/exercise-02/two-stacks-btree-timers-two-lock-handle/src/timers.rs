// Alternative: the timers in a BTreeMap keyed by (deadline, number added), so the first entry is the earliest deadline and equal deadlines keep the order they were added.
use std::collections::BTreeMap;
use std::task::Waker;
use std::time::Instant;

#[derive(Default)]
pub struct Timers {
    by_deadline: BTreeMap<(Instant, u64), Waker>,
    count: u64,
}

impl Timers {
    pub fn new() -> Self {
        Timers::default()
    }

    pub fn add(&mut self, deadline: Instant, waker: Waker) {
        self.count += 1;
        self.by_deadline.insert((deadline, self.count), waker);
    }

    pub fn next_deadline(&self) -> Option<Instant> {
        self.by_deadline
            .keys()
            .next()
            .map(|&(deadline, _)| deadline)
    }

    pub fn pop_due(&mut self, now: Instant) -> Option<Waker> {
        let entry = self.by_deadline.first_entry()?;
        if entry.key().0 <= now {
            Some(entry.remove())
        } else {
            None
        }
    }
}
