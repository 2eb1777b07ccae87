// Alternative: a FIFO of idle workers, a count of lost workers, an atomic job cursor.
// Workers rotate (VecDeque, oldest idle first); the pool counts the workers it lost and
// could not replace instead of those alive (alive = size - lost); run_all's threads draw job
// indexes from an AtomicUsize and write each result into its own slot of a Mutex<Vec>. The
// waiting loop, the wake-ups and the reaping keep the reference's guarantees.
// Book: book/src/part-6/escaping.md
//
// A pool of worker processes, each with its own interpreter and so its own GIL: the way
// Python's multiprocessing and concurrent.futures.ProcessPoolExecutor get parallelism. A
// job goes down a worker's stdin, the reply comes back up its stdout (see protocol.rs).

use std::fmt;
use std::collections::VecDeque;
use std::io::{self, BufReader};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use crate::protocol::{self, Job, Reply};

/// How long a worker may take to exit after its stdin is closed before it is killed.
pub const GRACE: Duration = Duration::from_secs(1);

/// Why a job got no reply.
#[derive(Debug)]
pub enum PoolError {
    /// The worker running the job exited (or closed its stdout) before it replied. The pool
    /// has reaped it, and started another worker in its place.
    WorkerDied {
        /// The dead worker's process id.
        pid: u32,
        /// How it ended (`None` if even waiting for it failed).
        status: Option<ExitStatus>,
    },
    /// Every worker died and none could be started again: nothing left to run the job.
    NoWorkers,
}

impl fmt::Display for PoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PoolError::WorkerDied {
                pid,
                status: Some(status),
            } => write!(f, "worker {pid} died before it replied ({status})"),
            PoolError::WorkerDied { pid, status: None } => {
                write!(f, "worker {pid} died before it replied")
            }
            PoolError::NoWorkers => {
                write!(f, "no worker left in the pool, and none could be started")
            }
        }
    }
}

impl std::error::Error for PoolError {}

/// One worker process and our ends of its two pipes.
struct Worker {
    child: Child,
    /// The write end of the worker's stdin: jobs go here. Dropping it closes the pipe, and
    /// the worker reads end-of-file.
    to_child: ChildStdin,
    /// The read end of the worker's stdout: replies come from here.
    from_child: BufReader<ChildStdout>,
}

impl Worker {
    /// Starts `command` with its stdin and stdout piped to us.
    fn spawn(mut command: Command) -> io::Result<Worker> {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let (Some(to_child), Some(from_child)) = (child.stdin.take(), child.stdout.take()) else {
            unreachable!("both pipes were asked for");
        };
        Ok(Worker {
            child,
            to_child,
            from_child: BufReader::new(from_child),
        })
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `job` and waits for the reply; `None` if the worker is gone (a write to a
    /// closed pipe, or end-of-file or garbage where the reply should be).
    fn call(&mut self, job: &Job) -> Option<Reply> {
        protocol::write_job(&mut self.to_child, job).ok()?;
        protocol::read_reply(&mut self.from_child).ok().flatten()
    }

    /// Closes the worker's stdin, waits up to [`GRACE`] for it to exit, kills it if it has
    /// not, and reaps it: no zombie is left behind.
    fn shut_down(self) -> io::Result<ExitStatus> {
        let Worker {
            mut child,
            to_child,
            from_child,
        } = self;
        drop(to_child);
        drop(from_child);
        let give_up = Instant::now() + GRACE;
        while Instant::now() < give_up {
            if let Some(status) = child.try_wait()? {
                return Ok(status);
            }
            thread::sleep(Duration::from_millis(5));
        }
        // Killing a process that exited meanwhile is harmless: it is ours until reaped.
        let _ = child.kill();
        child.wait()
    }
}

/// The pool's workers: those waiting for a job, oldest first, and how many were lost.
struct Workers {
    idle: VecDeque<Worker>,
    /// Workers that died and could not be replaced.
    lost: usize,
}

/// A fixed number of worker processes that run [`Job`]s, several at once.
pub struct Pool {
    /// Makes the command that starts one worker: at the start, and again when one dies.
    command: Box<dyn Fn() -> Command + Send + Sync>,
    /// How many workers the pool keeps.
    size: usize,
    workers: Mutex<Workers>,
    /// Signalled whenever a worker comes back to `idle` (or one is lost).
    worker_back: Condvar,
}

impl Pool {
    /// Starts `size` workers (at least 1), each from a fresh `command()`.
    pub fn new(
        size: usize,
        command: impl Fn() -> Command + Send + Sync + 'static,
    ) -> io::Result<Pool> {
        assert!(size >= 1, "a pool needs at least one worker");
        let pool = Pool {
            command: Box::new(command),
            size,
            workers: Mutex::new(Workers {
                idle: VecDeque::with_capacity(size),
                lost: 0,
            }),
            worker_back: Condvar::new(),
        };
        for _ in 0..size {
            // On an error, dropping `pool` shuts down the workers started so far.
            let worker = Worker::spawn((pool.command)())?;
            pool.check_in(worker);
        }
        Ok(pool)
    }

    /// The process ids of the workers that are not running a job: all of them, between
    /// calls.
    pub fn pids(&self) -> Vec<u32> {
        self.lock().idle.iter().map(Worker::pid).collect()
    }

    /// Runs `job` on an idle worker (waiting for one if all are busy) and returns its reply.
    /// If the worker dies instead of replying, reaps it, starts a new one in its place and
    /// returns [`PoolError::WorkerDied`].
    pub fn run(&self, job: &Job) -> Result<Reply, PoolError> {
        let mut worker = self.check_out()?;
        let Some(reply) = worker.call(job) else {
            let pid = worker.pid();
            let status = worker.shut_down().ok();
            match Worker::spawn((self.command)()) {
                Ok(fresh) => self.check_in(fresh),
                Err(_) => {
                    self.lock().lost += 1;
                    self.worker_back.notify_all();
                }
            }
            return Err(PoolError::WorkerDied { pid, status });
        };
        self.check_in(worker);
        Ok(reply)
    }

    /// Runs every job, as many at once as there are workers, and returns the results in
    /// the order of `jobs`.
    pub fn run_all(&self, jobs: &[Job]) -> Vec<Result<Reply, PoolError>> {
        // Relaxed: the cursor only hands out distinct indexes; the results travel through
        // the Mutex and the joins of the scope.
        let cursor = AtomicUsize::new(0);
        let slots: Mutex<Vec<Option<Result<Reply, PoolError>>>> =
            Mutex::new(jobs.iter().map(|_| None).collect());
        thread::scope(|scope| {
            for _ in 0..self.size.min(jobs.len()) {
                scope.spawn(|| {
                    loop {
                        let index = cursor.fetch_add(1, Ordering::Relaxed);
                        let Some(job) = jobs.get(index) else { break };
                        let result = self.run(job);
                        slots.lock().unwrap_or_else(PoisonError::into_inner)[index] = Some(result);
                    }
                });
            }
        });
        slots
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
            .into_iter()
            .map(|slot| slot.expect("every index below the length was drawn"))
            .collect()
    }

    /// Takes the oldest idle worker, waiting until one comes back if all are busy;
    /// `NoWorkers` if none is left at all.
    fn check_out(&self) -> Result<Worker, PoolError> {
        let mut workers = self.lock();
        loop {
            if let Some(worker) = workers.idle.pop_front() {
                return Ok(worker);
            }
            if workers.lost == self.size {
                return Err(PoolError::NoWorkers);
            }
            workers = self
                .worker_back
                .wait(workers)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Puts `worker` back at the end of the idle ones and wakes one waiter.
    fn check_in(&self, worker: Worker) {
        self.lock().idle.push_back(worker);
        self.worker_back.notify_one();
    }

    fn lock(&self) -> MutexGuard<'_, Workers> {
        self.workers.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for Pool {
    /// Closes every worker's stdin, gives it [`GRACE`] to exit, kills it if it has not,
    /// and reaps it. No worker is running a job: `run` borrows the pool.
    fn drop(&mut self) {
        let workers = self
            .workers
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        while let Some(worker) = workers.idle.pop_front() {
            let _ = worker.shut_down();
        }
    }
}
