// Provided, nothing to fill in: the waker of a task.
//
// A `Waker` is what a future keeps to say "poll me again". Ours holds the task's id and the
// ready queue: waking it, on any thread, calls `ReadyQueue::wake(id)`, which you write. std
// builds the `Waker` from an `Arc` of anything that implements `std::task::Wake`, so there
// is no unsafe vtable here; it needs std's `Arc`, which is why this module (like the
// executor) is compiled with `crate::sync` bound to std only, never under loom.

use std::task::{Wake, Waker};

use crate::ready_queue::{ReadyQueue, TaskId};
use crate::sync::Arc;

struct TaskWaker {
    id: TaskId,
    ready: Arc<ReadyQueue>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.ready.wake(self.id);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.ready.wake(self.id);
    }
}

/// The waker of task `id`: `waker.wake()`, from any thread, puts `id` in `ready`.
///
/// It is `Send` and `Sync` (every `Waker` is), so a future may hand it to another thread.
pub fn task_waker(id: TaskId, ready: &Arc<ReadyQueue>) -> Waker {
    Waker::from(Arc::new(TaskWaker {
        id,
        ready: Arc::clone(ready),
    }))
}
