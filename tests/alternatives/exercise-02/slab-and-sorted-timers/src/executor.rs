// Style: the tasks live in a slab (a Vec of slots and a free list) instead of a HashMap, and a task id is the slot's index with a generation count above it; a panicking poll is caught by a named CatchPanic future instead of a poll_fn; sleep is a struct that computes its deadline at its first poll. Correct because a slot is freed only when its task has finished and its generation goes up when it is reused, so a late wake-up of a finished task carries an old generation and finds nothing; the rest is the reference's run loop.

use std::cell::RefCell;
use std::future::Future;
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
    slab: RefCell<Slab>,
    timers: RefCell<Timers>,
}

#[derive(Default)]
struct Slab {
    slots: Vec<Slot>,
    free: Vec<usize>,
}

struct Slot {
    generation: u32,
    // None while the task is being polled, and once it has finished.
    task: Option<Task>,
}

struct Task {
    future: Pin<Box<dyn Future<Output = ()>>>,
    waker: Waker,
}

/// The id of `block_on`'s own future: no slot has this index.
const MAIN: TaskId = TaskId::MAX;

fn task_id(index: usize, generation: u32) -> TaskId {
    (u64::from(generation) << 32) | index as u64
}

fn split(id: TaskId) -> (usize, u32) {
    ((id & u64::from(u32::MAX)) as usize, (id >> 32) as u32)
}

thread_local! {
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
                slab: RefCell::default(),
                timers: RefCell::new(Timers::new()),
            }),
        }
    }

    /// Adds a task; it runs (after those already ready) once `block_on` runs.
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
            let now = Instant::now();
            loop {
                let due = shared.timers.borrow_mut().pop_due(now);
                match due {
                    Some(waker) => waker.wake(),
                    None => break,
                }
            }
            match shared.ready.pop() {
                Some(MAIN) => {
                    let mut cx = Context::from_waker(&waker);
                    if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
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

/// A future that turns a panic of `F`'s poll into `Err(JoinError)`.
struct CatchPanic<F> {
    future: Pin<Box<F>>,
}

impl<F: Future> Future for CatchPanic<F> {
    type Output = Result<F::Output, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let future = self.future.as_mut();
        match panic::catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
            Ok(poll) => poll.map(Ok),
            Err(payload) => Poll::Ready(Err(JoinError::panicked(payload))),
        }
    }
}

impl Shared {
    fn spawn<F: Future + 'static>(&self, future: F) -> JoinHandle<F::Output> {
        let (handle, completer) = join_pair();
        let caught = CatchPanic {
            future: Box::pin(future),
        };
        let future = Box::pin(async move { completer.complete(caught.await) });
        let mut slab = self.slab.borrow_mut();
        let index = match slab.free.pop() {
            Some(index) => {
                slab.slots[index].generation += 1;
                index
            }
            None => {
                slab.slots.push(Slot {
                    generation: 0,
                    task: None,
                });
                slab.slots.len() - 1
            }
        };
        let id = task_id(index, slab.slots[index].generation);
        slab.slots[index].task = Some(Task {
            future,
            waker: task_waker(id, &self.ready),
        });
        drop(slab);
        self.ready.wake(id);
        handle
    }

    fn poll_task(&self, id: TaskId) {
        let (index, generation) = split(id);
        let task = {
            let mut slab = self.slab.borrow_mut();
            match slab.slots.get_mut(index) {
                Some(slot) if slot.generation == generation => slot.task.take(),
                _ => None,
            }
        };
        // A stale id (its task finished, the slot maybe reused) or a task being polled.
        let Some(mut task) = task else { return };
        let poll = task
            .future
            .as_mut()
            .poll(&mut Context::from_waker(&task.waker));
        let mut slab = self.slab.borrow_mut();
        if poll.is_pending() {
            slab.slots[index].task = Some(task);
        } else {
            slab.free.push(index);
        }
    }
}

/// Marks this thread as inside `block_on` for as long as it lives, even if a panic unwinds.
struct Inside;

impl Inside {
    fn enter(shared: &Rc<Shared>) -> Inside {
        let already = CURRENT.with_borrow_mut(|current| current.replace(Rc::clone(shared)));
        if let Some(outer) = already {
            CURRENT.set(Some(outer));
            panic!(
                "block_on() was called inside block_on() on the same thread; await the future \
                 instead"
            );
        }
        Inside
    }
}

impl Drop for Inside {
    fn drop(&mut self) {
        CURRENT.set(None);
    }
}

fn current(what: &str) -> Rc<Shared> {
    match CURRENT.with_borrow(Clone::clone) {
        Some(shared) => shared,
        None => panic!("{what} needs an executor: call it inside Executor::block_on"),
    }
}

/// Spawns a task on the executor whose `block_on` runs on this thread.
pub fn spawn<F: Future + 'static>(future: F) -> JoinHandle<F::Output> {
    current("spawn()").spawn(future)
}

/// Lets every task that is ready run once before this one goes on.
pub async fn yield_now() {
    struct YieldNow(bool);

    impl Future for YieldNow {
        type Output = ();

        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            if self.0 {
                return Poll::Ready(());
            }
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }

    YieldNow(false).await;
}

/// Waits until `duration` has passed since the first poll, without keeping the thread busy.
pub fn sleep(duration: Duration) -> impl Future<Output = ()> {
    Sleep {
        duration,
        deadline: None,
    }
}

struct Sleep {
    duration: Duration,
    deadline: Option<Instant>,
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let duration = self.duration;
        let deadline = *self
            .deadline
            .get_or_insert_with(|| Instant::now() + duration);
        if Instant::now() >= deadline {
            return Poll::Ready(());
        }
        let shared = current("sleep()");
        shared.timers.borrow_mut().add(deadline, cx.waker().clone());
        Poll::Pending
    }
}

/// Runs `f` on a thread of its own; the handle resolves to its value or its panic.
pub fn spawn_blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> JoinHandle<T> {
    let (handle, completer) = join_pair();
    thread::spawn(move || {
        let result = panic::catch_unwind(AssertUnwindSafe(f)).map_err(JoinError::panicked);
        completer.complete(result);
    });
    handle
}
