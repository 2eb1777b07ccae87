// The hand-off between wakers, which run on any thread, and the executor, which runs on one:
// the tasks that are ready to be polled, in the order they were woken, and the place where
// the executor waits when there are none.

use std::collections::{HashSet, VecDeque};
use std::time::Instant;

use crate::sync::{Condvar, Mutex};

/// Names a task. The executor never reuses one, so a late wake-up of a finished task cannot
/// reach another task.
pub type TaskId = u64;

/// The tasks that are ready to run, first woken first; shared by the executor and every waker.
#[derive(Debug, Default)]
pub struct ReadyQueue {
    state: Mutex<Ready>,
    // Notified after every wake; only the executor waits on it, in `wait_until`.
    woken: Condvar,
}

#[derive(Debug, Default)]
struct Ready {
    order: VecDeque<TaskId>,
    // The ids in `order`: a task woken again before it runs keeps its one place.
    queued: HashSet<TaskId>,
}

impl ReadyQueue {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    /// Marks task `id` ready, from any thread, and wakes the executor if it waits.
    pub fn wake(&self, id: TaskId) {
        let mut ready = self.state.lock().unwrap();
        if ready.queued.insert(id) {
            ready.order.push_back(id);
        }
        drop(ready);
        // After the push, which was made under the lock: an executor that checked the queue
        // before it was either waiting already (and is woken now) or will see the id, since
        // it checks and starts waiting under that same lock.
        self.woken.notify_one();
    }

    /// The task woken earliest that has not been taken yet (the executor's thread).
    pub fn pop(&self) -> Option<TaskId> {
        let mut ready = self.state.lock().unwrap();
        let id = ready.order.pop_front()?;
        ready.queued.remove(&id);
        Some(id)
    }

    /// Blocks until a task is ready or `deadline` (if any) has passed (the executor's thread).
    pub fn wait_until(&self, deadline: Option<Instant>) {
        let mut ready = self.state.lock().unwrap();
        // Checked under the lock that `wake` pushes under, and `wait` releases it only once
        // this thread is waiting: no wake-up can slip in between the check and the wait.
        while ready.order.is_empty() {
            ready = match deadline {
                None => self.woken.wait(ready).unwrap(),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return;
                    }
                    self.woken.wait_timeout(ready, deadline - now).unwrap().0
                }
            };
        }
    }
}
