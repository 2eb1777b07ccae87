// Alternative: an executor whose tasks are Rc'd cells cloned out of the map to be polled, panics caught by a CatchUnwind combinator inside each task, id 0 kept for block_on's future, and a hand-written Sleep future that registers its timer once; every due timer is fired each turn.
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use crate::join::{JoinError, JoinHandle, join_pair};
use crate::ready_queue::{ReadyQueue, TaskId};
use crate::sync::{Arc, thread};
use crate::timers::Timers;
use crate::waker::task_waker;

const ROOT: TaskId = 0;

struct TaskCell {
    future: RefCell<Pin<Box<dyn Future<Output = ()>>>>,
    waker: Waker,
}

struct Core {
    tasks: RefCell<HashMap<TaskId, Rc<TaskCell>>>,
    ready: Arc<ReadyQueue>,
    timers: RefCell<Timers>,
    last_id: Cell<TaskId>,
}

thread_local! {
    static ACTIVE: RefCell<Option<Rc<Core>>> = const { RefCell::new(None) };
}

struct Deactivate;

impl Drop for Deactivate {
    fn drop(&mut self) {
        ACTIVE.with(|active| active.replace(None));
    }
}

fn active_core() -> Option<Rc<Core>> {
    ACTIVE.with(|active| active.borrow().as_ref().map(Rc::clone))
}

struct CatchUnwind<F>(Pin<Box<F>>);

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.0.as_mut();
        match catch_unwind(AssertUnwindSafe(move || inner.poll(cx))) {
            Ok(poll) => poll.map(Ok),
            Err(payload) => Poll::Ready(Err(JoinError::panicked(payload))),
        }
    }
}

impl Core {
    fn spawn<F: Future + 'static>(&self, future: F) -> JoinHandle<F::Output> {
        let (handle, completer) = join_pair();
        let id = self.last_id.get() + 1;
        self.last_id.set(id);
        let wrapped = CatchUnwind(Box::pin(future));
        let cell = Rc::new(TaskCell {
            future: RefCell::new(Box::pin(async move {
                completer.complete(wrapped.await);
            })),
            waker: task_waker(id, &self.ready),
        });
        self.tasks.borrow_mut().insert(id, cell);
        self.ready.wake(id);
        handle
    }

    fn fire_due_timers(&self) {
        let now = Instant::now();
        let mut due = Vec::new();
        {
            let mut timers = self.timers.borrow_mut();
            while let Some(waker) = timers.pop_due(now) {
                due.push(waker);
            }
        }
        due.into_iter().for_each(Waker::wake);
    }

    fn run_task(&self, id: TaskId) {
        let cell = self.tasks.borrow().get(&id).cloned();
        let Some(cell) = cell else { return };
        let mut cx = Context::from_waker(&cell.waker);
        let done = cell.future.borrow_mut().as_mut().poll(&mut cx).is_ready();
        if done {
            self.tasks.borrow_mut().remove(&id);
        }
    }
}

pub struct Executor {
    core: Rc<Core>,
}

impl Default for Executor {
    fn default() -> Self {
        Self::new()
    }
}

impl Executor {
    pub fn new() -> Self {
        Executor {
            core: Rc::new(Core {
                tasks: RefCell::new(HashMap::new()),
                ready: Arc::new(ReadyQueue::new()),
                timers: RefCell::new(Timers::new()),
                last_id: Cell::new(ROOT),
            }),
        }
    }

    pub fn spawn<F: Future + 'static>(&self, future: F) -> JoinHandle<F::Output> {
        self.core.spawn(future)
    }

    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        if active_core().is_some() {
            panic!("block_on inside block_on on one thread: it would block the outer executor");
        }
        ACTIVE.with(|active| active.replace(Some(Rc::clone(&self.core))));
        let _deactivate = Deactivate;
        let core = &self.core;
        let mut future = std::pin::pin!(future);
        let root_waker = task_waker(ROOT, &core.ready);
        core.ready.wake(ROOT);
        loop {
            core.fire_due_timers();
            match core.ready.pop() {
                Some(ROOT) => {
                    if let Poll::Ready(output) =
                        future.as_mut().poll(&mut Context::from_waker(&root_waker))
                    {
                        return output;
                    }
                }
                Some(id) => core.run_task(id),
                None => {
                    let next = core.timers.borrow().next_deadline();
                    core.ready.wait_until(next);
                }
            }
        }
    }
}

pub fn spawn<F: Future + 'static>(future: F) -> JoinHandle<F::Output> {
    active_core()
        .expect("spawn outside block_on: no executor runs on this thread")
        .spawn(future)
}

struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if std::mem::replace(&mut self.0, true) {
            Poll::Ready(())
        } else {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

pub async fn yield_now() {
    YieldOnce(false).await
}

struct Sleep {
    duration: Duration,
    deadline: Option<Instant>,
    registered: bool,
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let now = Instant::now();
        let duration = self.duration;
        let deadline = *self.deadline.get_or_insert(now + duration);
        if now >= deadline {
            return Poll::Ready(());
        }
        let core =
            active_core().expect("sleep polled outside block_on: no executor runs on this thread");
        if !self.registered {
            self.registered = true;
            core.timers.borrow_mut().add(deadline, cx.waker().clone());
        }
        Poll::Pending
    }
}

pub async fn sleep(duration: Duration) {
    Sleep {
        duration,
        deadline: None,
        registered: false,
    }
    .await
}

pub fn spawn_blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> JoinHandle<T> {
    let (handle, completer) = join_pair();
    let _detached = thread::spawn(move || {
        let outcome = catch_unwind(AssertUnwindSafe(f));
        completer.complete(outcome.map_err(JoinError::panicked));
    });
    handle
}
