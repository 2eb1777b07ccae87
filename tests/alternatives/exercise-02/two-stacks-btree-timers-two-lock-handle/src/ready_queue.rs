// Alternative: the ready queue as two stacks (wakers push to an inbox, pop() drains an outbox refilled by reversing the inbox: still first in, first out), checked and waited on under one Mutex with notify_all, so no wake-up is lost.
use std::collections::HashSet;
use std::time::Instant;

use crate::sync::{Condvar, Mutex};

pub type TaskId = u64;

#[derive(Debug, Default)]
struct Stacks {
    inbox: Vec<TaskId>,
    outbox: Vec<TaskId>,
    queued: HashSet<TaskId>,
}

impl Stacks {
    fn is_empty(&self) -> bool {
        self.inbox.is_empty() && self.outbox.is_empty()
    }
}

#[derive(Debug, Default)]
pub struct ReadyQueue {
    stacks: Mutex<Stacks>,
    changed: Condvar,
}

impl ReadyQueue {
    pub fn new() -> Self {
        ReadyQueue::default()
    }

    pub fn wake(&self, id: TaskId) {
        let mut stacks = self.stacks.lock().unwrap();
        if !stacks.queued.contains(&id) {
            stacks.queued.insert(id);
            stacks.inbox.push(id);
        }
        self.changed.notify_all();
    }

    pub fn pop(&self) -> Option<TaskId> {
        let mut stacks = self.stacks.lock().unwrap();
        if stacks.outbox.is_empty() {
            let mut inbox = std::mem::take(&mut stacks.inbox);
            inbox.reverse();
            stacks.outbox = inbox;
        }
        let id = stacks.outbox.pop()?;
        stacks.queued.remove(&id);
        Some(id)
    }

    pub fn wait_until(&self, deadline: Option<Instant>) {
        let mut stacks = self.stacks.lock().unwrap();
        loop {
            if !stacks.is_empty() {
                return;
            }
            stacks = if let Some(deadline) = deadline {
                let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                    return;
                };
                if left.is_zero() {
                    return;
                }
                self.changed.wait_timeout(stacks, left).unwrap().0
            } else {
                self.changed.wait(stacks).unwrap()
            };
        }
    }
}
