//! The Part 1 lab on stand-ins for exercises 01 and 02: small implementations of the two
//! APIs the lab calls, with the same algorithms the exercises ask for (exercise 01's `work`
//! and job framing; scoped threads over contiguous chunks; one child process per chunk fed
//! over a pipe, polled every 2 ms and killed at a deadline; a single-threaded executor with
//! a FIFO run queue, wakers that push onto it from any thread, and a park when idle). They
//! let the lab be run and tested without the exercises:
//!
//! ```text
//! cargo run --release -p switch-lab --bin switch-lab-standins -- --help
//! ```
//!
//! The lab the reader runs is an example of exercise 01 instead, on the reader's own code.

switch_lab::lab_main!(
    threads: standin_threads,
    green: standin_green,
    code: "the lab's stand-ins (crates/switch-lab/src/bin/standins.rs)"
);

/// Exercise 01's API: the same job in threads and in child processes. `work` and the job's
/// framing are those exercise 01 provides; the runners do what its solution does.
mod standin_threads {
    use std::fmt;
    use std::io::{self, Read, Write};
    use std::process::{Child, Command, ExitCode, Stdio};
    use std::thread;
    use std::time::{Duration, Instant};

    /// Why a chunk has no result.
    #[derive(Debug)]
    pub struct Failed(pub String);

    impl fmt::Display for Failed {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(&self.0)
        }
    }

    /// The job: 200 rounds of SplitMix64's finaliser on each number, added up (wrapping).
    pub fn work(chunk: &[u64]) -> u64 {
        chunk.iter().fold(0, |total, &n| {
            let mut x = n;
            for _ in 0..200 {
                x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
                x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
                x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
                x ^= x >> 31;
            }
            total.wrapping_add(x)
        })
    }

    /// `input` in `n` contiguous chunks whose lengths differ by at most one.
    pub fn split(input: &[u64], n: usize) -> Vec<&[u64]> {
        let n = n.max(1).min(input.len().max(1));
        let (size, extra) = (input.len() / n, input.len() % n);
        let mut chunks = Vec::with_capacity(n);
        let mut at = 0;
        for i in 0..n {
            let end = at + size + usize::from(i < extra);
            chunks.push(&input[at..end]);
            at = end;
        }
        chunks
    }

    pub fn run_in_threads<R: Send>(
        input: &[u64],
        threads: usize,
        job: impl Fn(&[u64]) -> R + Sync,
    ) -> Vec<Result<R, Failed>> {
        let job = &job;
        thread::scope(|s| {
            let handles: Vec<_> = split(input, threads)
                .into_iter()
                .map(|chunk| s.spawn(move || job(chunk)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().map_err(|_| Failed("the thread panicked".into())))
                .collect()
        })
    }

    /// One worker per chunk, each sent its chunk ("job ", a 4-byte count, 8-byte big-endian
    /// numbers) and its stdin closed; then a poll loop over `try_wait` every 2 ms, a kill at
    /// the deadline, and the reply ("rep ", 8 bytes) read from each exited worker.
    pub fn run_in_processes(
        command: impl Fn() -> Command,
        input: &[u64],
        processes: usize,
        deadline: Duration,
    ) -> Vec<Result<u64, Failed>> {
        let started = Instant::now();
        let mut results: Vec<Option<Result<u64, Failed>>> = Vec::new();
        let mut running: Vec<(usize, Child)> = Vec::new();
        for (index, chunk) in split(input, processes).into_iter().enumerate() {
            match start(&mut command(), chunk) {
                Ok(child) => {
                    results.push(None);
                    running.push((index, child));
                }
                Err(error) => results.push(Some(Err(Failed(format!("not started: {error}"))))),
            }
        }
        while !running.is_empty() {
            let late = started.elapsed() >= deadline;
            running.retain_mut(|(index, child)| match child.try_wait() {
                Ok(Some(status)) => {
                    results[*index] = Some(reply(child, status.success()));
                    false
                }
                _ if late => {
                    let _ = child.kill();
                    let _ = child.wait();
                    results[*index] = Some(Err(Failed("killed at the deadline".into())));
                    false
                }
                _ => true,
            });
            if !running.is_empty() {
                thread::sleep(Duration::from_millis(2));
            }
        }
        results.into_iter().map(|r| r.expect("a result")).collect()
    }

    fn start(command: &mut Command, chunk: &[u64]) -> io::Result<Child> {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let mut bytes = Vec::with_capacity(8 + 8 * chunk.len());
        bytes.extend_from_slice(b"job ");
        bytes.extend_from_slice(&(chunk.len() as u32).to_be_bytes());
        for n in chunk {
            bytes.extend_from_slice(&n.to_be_bytes());
        }
        let mut to_child = child.stdin.take().expect("piped");
        let _ = to_child.write_all(&bytes);
        Ok(child)
    }

    fn reply(child: &mut Child, success: bool) -> Result<u64, Failed> {
        let mut bytes = Vec::new();
        let mut stdout = child.stdout.take().expect("piped");
        stdout
            .read_to_end(&mut bytes)
            .map_err(|e| Failed(e.to_string()))?;
        match (success, bytes.strip_prefix(b"rep ")) {
            (true, Some(value)) if value.len() == 8 => {
                Ok(u64::from_be_bytes(value.try_into().expect("8 bytes")))
            }
            _ => Err(Failed(format!("worker died or replied {bytes:?}"))),
        }
    }

    pub mod worker_process {
        use super::*;

        pub fn worker_main() -> ExitCode {
            let mut input = Vec::new();
            if io::stdin().lock().read_to_end(&mut input).is_err() {
                return ExitCode::FAILURE;
            }
            let Some(body) = input.strip_prefix(b"job ") else {
                eprintln!("worker: not a job");
                return ExitCode::FAILURE;
            };
            let numbers: Vec<u64> = body
                .get(4..)
                .unwrap_or_default()
                .chunks_exact(8)
                .map(|word| u64::from_be_bytes(word.try_into().expect("8 bytes")))
                .collect();
            let mut out = io::stdout().lock();
            let mut reply = b"rep ".to_vec();
            reply.extend_from_slice(&work(&numbers).to_be_bytes());
            match out.write_all(&reply).and_then(|()| out.flush()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(_) => ExitCode::FAILURE,
            }
        }
    }
}

/// Exercise 02's API: an M:1 executor.
mod standin_green {
    use std::cell::RefCell;
    use std::collections::VecDeque;
    use std::fmt;
    use std::future::Future;
    use std::panic::{AssertUnwindSafe, catch_unwind};
    use std::pin::Pin;
    use std::rc::Rc;
    use std::sync::{Arc, Mutex, PoisonError};
    use std::task::{Context, Poll, Wake, Waker};
    use std::thread::{self, Thread};

    /// The id of `block_on`'s own future in the ready queue.
    const MAIN: usize = usize::MAX;

    type Task = Pin<Box<dyn Future<Output = ()>>>;

    /// Ready task ids, pushed by wakers from any thread.
    struct Ready {
        queue: Mutex<VecDeque<usize>>,
        thread: Thread,
    }

    struct TaskWaker {
        id: usize,
        ready: Arc<Ready>,
    }

    impl Wake for TaskWaker {
        fn wake(self: Arc<Self>) {
            self.wake_by_ref();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.ready
                .queue
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push_back(self.id);
            self.ready.thread.unpark();
        }
    }

    struct Inner {
        tasks: RefCell<Vec<Option<Task>>>,
        ready: Arc<Ready>,
    }

    thread_local! {
        static CURRENT: RefCell<Option<Rc<Inner>>> = const { RefCell::new(None) };
    }

    pub struct Executor {
        inner: Rc<Inner>,
    }

    impl Executor {
        #[allow(clippy::new_without_default)]
        pub fn new() -> Executor {
            Executor {
                inner: Rc::new(Inner {
                    tasks: RefCell::new(Vec::new()),
                    ready: Arc::new(Ready {
                        queue: Mutex::new(VecDeque::new()),
                        thread: thread::current(),
                    }),
                }),
            }
        }

        pub fn block_on<F: Future>(&self, future: F) -> F::Output {
            CURRENT.with(|c| *c.borrow_mut() = Some(self.inner.clone()));
            let mut future = std::pin::pin!(future);
            let waker = self.waker(MAIN);
            self.inner.ready.queue.lock().unwrap().push_back(MAIN);
            let output = loop {
                let next = self.inner.ready.queue.lock().unwrap().pop_front();
                let Some(id) = next else {
                    thread::park();
                    continue;
                };
                if id == MAIN {
                    if let Poll::Ready(output) =
                        future.as_mut().poll(&mut Context::from_waker(&waker))
                    {
                        break output;
                    }
                    continue;
                }
                let task = self.inner.tasks.borrow_mut()[id].take();
                if let Some(mut task) = task {
                    let waker = self.waker(id);
                    if task
                        .as_mut()
                        .poll(&mut Context::from_waker(&waker))
                        .is_pending()
                    {
                        self.inner.tasks.borrow_mut()[id] = Some(task);
                    }
                }
            };
            CURRENT.with(|c| *c.borrow_mut() = None);
            output
        }

        fn waker(&self, id: usize) -> Waker {
            Waker::from(Arc::new(TaskWaker {
                id,
                ready: self.inner.ready.clone(),
            }))
        }
    }

    #[derive(Debug)]
    pub struct JoinError(String);

    impl fmt::Display for JoinError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "the task panicked: {}", self.0)
        }
    }

    struct Slot<T> {
        result: Option<Result<T, JoinError>>,
        waiter: Option<Waker>,
    }

    pub struct JoinHandle<T>(Rc<RefCell<Slot<T>>>);

    impl<T> Future for JoinHandle<T> {
        type Output = Result<T, JoinError>;
        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
            let mut slot = self.0.borrow_mut();
            match slot.result.take() {
                Some(result) => Poll::Ready(result),
                None => {
                    slot.waiter = Some(cx.waker().clone());
                    Poll::Pending
                }
            }
        }
    }

    pub fn spawn<F: Future + 'static>(future: F) -> JoinHandle<F::Output> {
        let inner = CURRENT
            .with(|c| c.borrow().clone())
            .expect("spawn called outside block_on");
        let slot = Rc::new(RefCell::new(Slot {
            result: None,
            waiter: None,
        }));
        let mut future = Box::pin(future);
        let filled = slot.clone();
        let task: Task = Box::pin(std::future::poll_fn(move |cx| {
            let outcome = match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
                Ok(Poll::Pending) => return Poll::Pending,
                Ok(Poll::Ready(value)) => Ok(value),
                Err(_) => Err(JoinError("a panic".into())),
            };
            let mut slot = filled.borrow_mut();
            slot.result = Some(outcome);
            if let Some(waiter) = slot.waiter.take() {
                waiter.wake();
            }
            Poll::Ready(())
        }));
        let id = {
            let mut tasks = inner.tasks.borrow_mut();
            tasks.push(Some(task));
            tasks.len() - 1
        };
        inner.ready.queue.lock().unwrap().push_back(id);
        JoinHandle(slot)
    }

    pub async fn yield_now() {
        let mut yielded = false;
        std::future::poll_fn(|cx| {
            if yielded {
                Poll::Ready(())
            } else {
                yielded = true;
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        })
        .await
    }
}
