// Style: the executor says, under the queue's lock, that it is waiting, and wake() notifies the condition variable only then (no wasted notify while the executor runs), and a task already in line is found by scanning the queue instead of a set. Correct because the flag is set, and the queue checked, under the same lock that wake() queues under and reads the flag under: a wake either queues before the executor's check (which then sees the task) or after the flag is set (and then notifies); the wait is a loop, so a spurious or stale notify only costs one more check.

use std::collections::VecDeque;
use std::time::Instant;

use crate::sync::{Condvar, Mutex};

/// Names a task. The executor never reuses one, so a late wake-up of a finished task cannot
/// reach another task.
pub type TaskId = u64;

/// The tasks that are ready to run, first woken first; shared by the executor and every waker.
#[derive(Debug, Default)]
pub struct ReadyQueue {
    state: Mutex<State>,
    woken: Condvar,
}

#[derive(Debug, Default)]
struct State {
    order: VecDeque<TaskId>,
    // The executor is inside wait_until, waiting (or about to, under this lock).
    waiting: bool,
}

impl ReadyQueue {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    /// Marks task `id` ready, from any thread, and wakes the executor if it waits.
    pub fn wake(&self, id: TaskId) {
        let mut state = self.state.lock().unwrap();
        // A linear scan: the queue holds the tasks that are ready, rarely many.
        if !state.order.contains(&id) {
            state.order.push_back(id);
        }
        let waiting = state.waiting;
        drop(state);
        if waiting {
            self.woken.notify_one();
        }
    }

    /// The task woken earliest that has not been taken yet (the executor's thread).
    pub fn pop(&self) -> Option<TaskId> {
        self.state.lock().unwrap().order.pop_front()
    }

    /// Blocks until a task is ready or `deadline` (if any) has passed (the executor's thread).
    pub fn wait_until(&self, deadline: Option<Instant>) {
        let mut state = self.state.lock().unwrap();
        while state.order.is_empty() {
            let timeout = match deadline {
                None => None,
                Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
                    Some(left) if !left.is_zero() => Some(left),
                    _ => break,
                },
            };
            state.waiting = true;
            state = match timeout {
                None => self.woken.wait(state).unwrap(),
                Some(left) => self.woken.wait_timeout(state, left).unwrap().0,
            };
            state.waiting = false;
        }
    }
}
