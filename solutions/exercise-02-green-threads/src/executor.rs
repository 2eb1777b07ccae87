// The executor: the tasks, the run loop of `block_on`, `spawn`, and the futures that talk to
// it (`yield_now`, `sleep`); and `spawn_blocking`, which hands blocking work to a thread.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::{Future, poll_fn};
use std::panic::{self, AssertUnwindSafe};
use std::pin::{Pin, pin};
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use crate::join::{JoinError, JoinHandle, join_pair};
use crate::ready_queue::{ReadyQueue, TaskId};
use crate::sync::{Arc, thread};
use crate::timers::Timers;
use crate::waker::task_waker;

/// Runs tasks (futures) on the one thread that calls [`Executor::block_on`], taking turns at
/// their `.await` points: green threads, M:1. Not `Send`: its tasks never leave that thread.
pub struct Executor {
    shared: Rc<Shared>,
}

struct Shared {
    ready: Arc<ReadyQueue>,
    tasks: RefCell<HashMap<TaskId, Task>>,
    timers: RefCell<Timers>,
    next_id: Cell<TaskId>,
}

struct Task {
    future: Pin<Box<dyn Future<Output = ()>>>,
    waker: Waker,
}

/// The id of `block_on`'s own future; spawned tasks count from 1.
const MAIN: TaskId = 0;

thread_local! {
    // The executor whose `block_on` runs on this thread, for `spawn` and `sleep`.
    static CURRENT: RefCell<Option<Rc<Shared>>> = const { RefCell::new(None) };
}

impl Default for Executor {
    fn default() -> Self {
        Self::new()
    }
}

impl Executor {
    /// An executor with no tasks.
    pub fn new() -> Self {
        Executor {
            shared: Rc::new(Shared {
                ready: Arc::new(ReadyQueue::new()),
                tasks: RefCell::new(HashMap::new()),
                timers: RefCell::new(Timers::new()),
                next_id: Cell::new(MAIN + 1),
            }),
        }
    }

    /// Adds a task; it runs (first after those already ready) once `block_on` runs.
    pub fn spawn<F: Future + 'static>(&self, future: F) -> JoinHandle<F::Output> {
        self.shared.spawn(future)
    }

    /// Runs `future`, and the spawned tasks beside it, until `future` completes.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let _inside = Inside::enter(&self.shared);
        let shared = &*self.shared;
        let mut future = pin!(future);
        let waker = task_waker(MAIN, &shared.ready);
        shared.ready.wake(MAIN);
        loop {
            // Due timers first, so that tasks that keep yielding cannot starve the sleepers.
            shared.wake_due_timers();
            match shared.ready.pop() {
                Some(MAIN) => {
                    if let Poll::Ready(output) =
                        future.as_mut().poll(&mut Context::from_waker(&waker))
                    {
                        return output;
                    }
                }
                Some(id) => shared.poll_task(id),
                None => {
                    let next = shared.timers.borrow().next_deadline();
                    shared.ready.wait_until(next);
                }
            }
        }
    }
}

impl Shared {
    fn spawn<F: Future + 'static>(&self, future: F) -> JoinHandle<F::Output> {
        let (handle, completer) = join_pair();
        let task = async move {
            let mut future = pin!(future);
            // A panic ends this task only: it becomes the handle's error.
            let result = poll_fn(|cx| {
                match panic::catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
                    Ok(Poll::Pending) => Poll::Pending,
                    Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
                    Err(payload) => Poll::Ready(Err(JoinError::panicked(payload))),
                }
            })
            .await;
            completer.complete(result);
        };
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        let task = Task {
            future: Box::pin(task),
            waker: task_waker(id, &self.ready),
        };
        self.tasks.borrow_mut().insert(id, task);
        self.ready.wake(id);
        handle
    }

    fn poll_task(&self, id: TaskId) {
        // Out of the map while it runs, so that it may spawn. A finished task is not put
        // back: a late wake-up then finds nothing, and it is never polled again.
        let Some(mut task) = self.tasks.borrow_mut().remove(&id) else {
            return;
        };
        let poll = task
            .future
            .as_mut()
            .poll(&mut Context::from_waker(&task.waker));
        if poll.is_pending() {
            self.tasks.borrow_mut().insert(id, task);
        }
    }

    fn wake_due_timers(&self) {
        let now = Instant::now();
        // One at a time, so no borrow of the timers is held while a waker runs.
        while let Some(waker) = self.pop_due(now) {
            waker.wake();
        }
    }

    fn pop_due(&self, now: Instant) -> Option<Waker> {
        self.timers.borrow_mut().pop_due(now)
    }
}

/// Marks this thread as inside `block_on` for as long as it lives, even if a panic unwinds.
struct Inside;

impl Inside {
    fn enter(shared: &Rc<Shared>) -> Inside {
        CURRENT.with_borrow_mut(|current| {
            assert!(
                current.is_none(),
                "block_on() was called inside block_on() on the same thread: the inner call \
                 would block the thread that runs every task of the outer one. Await the future \
                 instead (book: part-1/thread-models.md#exercise)"
            );
            *current = Some(Rc::clone(shared));
        });
        Inside
    }
}

impl Drop for Inside {
    fn drop(&mut self) {
        CURRENT.set(None);
    }
}

/// The executor running on this thread; panics with `what` outside `block_on`.
fn current(what: &str) -> Rc<Shared> {
    CURRENT.with_borrow(Clone::clone).unwrap_or_else(|| {
        panic!(
            "{what} was called outside an executor: call it from a task, inside \
             Executor::block_on, or spawn with Executor::spawn \
             (book: part-1/thread-models.md#exercise)"
        )
    })
}

/// Spawns a task on the executor whose `block_on` runs on this thread.
///
/// # Panics
/// Outside `block_on`.
pub fn spawn<F: Future + 'static>(future: F) -> JoinHandle<F::Output> {
    current("spawn()").spawn(future)
}

/// Lets every task that is ready run once before this one goes on.
pub async fn yield_now() {
    let mut yielded = false;
    poll_fn(|cx| {
        if yielded {
            return Poll::Ready(());
        }
        yielded = true;
        // Back of the queue: the tasks that are ready now run first.
        cx.waker().wake_by_ref();
        Poll::Pending
    })
    .await;
}

/// Waits until `duration` has passed since the first poll, without keeping the thread busy.
///
/// # Panics
/// When polled outside `block_on`.
pub async fn sleep(duration: Duration) {
    let deadline = Instant::now() + duration;
    poll_fn(|cx| {
        if Instant::now() >= deadline {
            return Poll::Ready(());
        }
        current("sleep()")
            .timers
            .borrow_mut()
            .add(deadline, cx.waker().clone());
        Poll::Pending
    })
    .await;
}

/// Runs `f` on a thread of its own, so that it may block without stalling the tasks; the
/// handle resolves to its value (or to the panic's error) and wakes its awaiting task.
pub fn spawn_blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> JoinHandle<T> {
    let (handle, completer) = join_pair();
    thread::spawn(move || {
        completer.complete(panic::catch_unwind(AssertUnwindSafe(f)).map_err(JoinError::panicked));
    });
    handle
}
