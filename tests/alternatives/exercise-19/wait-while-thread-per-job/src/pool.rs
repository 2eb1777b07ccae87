// Alternative: Condvar::wait_while, notify_all, a thread per job, a dead idle worker replaced.
// check_out waits with wait_while (the condition is re-checked after every wake-up), every
// check-in wakes all waiters, run_all starts one scoped thread per job (run() itself bounds
// the jobs at once to the workers), and a worker found dead before its job is sent is
// replaced without failing the job. Book: book/src/part-6/escaping.md
//
// A pool of worker processes, each with its own interpreter and so its own GIL: the way
// Python's multiprocessing and concurrent.futures.ProcessPoolExecutor get parallelism. A
// job goes down a worker's stdin, the reply comes back up its stdout (see protocol.rs).

use std::fmt;
use std::io::{self, BufReader};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
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
        // Closing our end of its stdin is what tells the worker to exit.
        drop(to_child);
        drop(from_child);
        let started = Instant::now();
        loop {
            if let Some(status) = child.try_wait()? {
                return Ok(status);
            }
            if started.elapsed() >= GRACE {
                let _ = child.kill();
                return child.wait();
            }
            thread::sleep(Duration::from_millis(2));
        }
    }
}

/// The pool's workers: those waiting for a job, and how many there are in all.
struct Workers {
    idle: Vec<Worker>,
    alive: usize,
}

/// A fixed number of worker processes that run [`Job`]s, several at once.
pub struct Pool {
    /// Makes the command that starts one worker: at the start, and again when one dies.
    command: Box<dyn Fn() -> Command + Send + Sync>,
    workers: Mutex<Workers>,
    /// Signalled whenever a worker comes back to `idle` (or `alive` drops).
    worker_back: Condvar,
}

impl Pool {
    /// Starts `size` workers (at least 1), each from a fresh `command()`.
    pub fn new(
        size: usize,
        command: impl Fn() -> Command + Send + Sync + 'static,
    ) -> io::Result<Pool> {
        let pool = Pool {
            command: Box::new(command),
            workers: Mutex::new(Workers {
                idle: Vec::new(),
                alive: 0,
            }),
            worker_back: Condvar::new(),
        };
        for _ in 0..size.max(1) {
            let worker = Worker::spawn((pool.command)())?;
            pool.check_in(worker, 1);
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
        // A worker that died while idle is replaced before it is given the job.
        while let Ok(Some(_)) = worker.child.try_wait() {
            self.bury(worker);
            worker = self.check_out()?;
        }
        match worker.call(job) {
            Some(reply) => {
                self.check_in(worker, 0);
                Ok(reply)
            }
            None => {
                let pid = worker.pid();
                let status = self.bury(worker);
                Err(PoolError::WorkerDied { pid, status })
            }
        }
    }

    /// Reaps a dead worker and starts another in its place; if none starts, the pool
    /// counts one worker less and every waiter looks again.
    fn bury(&self, worker: Worker) -> Option<ExitStatus> {
        let status = worker.shut_down().ok();
        if let Ok(fresh) = Worker::spawn((self.command)()) {
            self.check_in(fresh, 0);
        } else {
            self.lock().alive -= 1;
            self.worker_back.notify_all();
        }
        status
    }

    /// Runs every job, as many at once as there are workers, and returns the results in
    /// the order of `jobs`.
    pub fn run_all(&self, jobs: &[Job]) -> Vec<Result<Reply, PoolError>> {
        // One thread per job: run() itself makes the extra ones wait for a worker.
        thread::scope(|scope| {
            let threads: Vec<_> = jobs
                .iter()
                .map(|job| scope.spawn(move || self.run(job)))
                .collect();
            threads
                .into_iter()
                .map(|thread| {
                    thread
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect()
        })
    }

    /// Takes an idle worker, waiting until one comes back if all are busy; `NoWorkers` if
    /// none is left at all.
    fn check_out(&self) -> Result<Worker, PoolError> {
        let mut workers = self
            .worker_back
            .wait_while(self.lock(), |w| w.idle.is_empty() && w.alive > 0)
            .unwrap_or_else(PoisonError::into_inner);
        workers.idle.pop().ok_or(PoolError::NoWorkers)
    }

    /// Puts `worker` back among the idle ones (`new` = 1 if it was not counted yet) and
    /// wakes the threads waiting in `check_out`.
    fn check_in(&self, worker: Worker, new: usize) {
        let mut workers = self.lock();
        workers.alive += new;
        workers.idle.push(worker);
        drop(workers);
        self.worker_back.notify_all();
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
        for worker in workers.idle.drain(..) {
            let _ = worker.shut_down();
        }
    }
}
