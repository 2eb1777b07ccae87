// Exercise 19 · Escape the GIL. Book: book/src/part-6/escaping.md
//
// A pool of worker processes, each with its own interpreter and so its own GIL: the way
// Python's multiprocessing and concurrent.futures.ProcessPoolExecutor get parallelism. A
// job goes down a worker's stdin, the reply comes back up its stdout (see protocol.rs).
//
// Fill in each `todo!()`. The fields below are a suggestion that the hints follow; change
// them if you like, as long as the public items keep their signatures. What you need:
//     command.stdin(Stdio::piped()).stdout(Stdio::piped()).spawn()   -> io::Result<Child>
//     child.stdin.take(), child.stdout.take(), child.id()
//     child.try_wait() -> io::Result<Option<ExitStatus>>, child.kill(), child.wait()
//     protocol::write_job(&mut to_child, job), protocol::read_reply(&mut from_child)
//     std::thread::scope(|scope| { scope.spawn(|| ...); ... })

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
    fn spawn(command: Command) -> io::Result<Worker> {
        todo!(
            "pipe stdin and stdout, spawn, and take both pipe ends out of the Child \
             (book: escaping.md#processes)"
        )
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `job` and waits for the reply; `None` if the worker is gone (a write to a
    /// closed pipe, or end-of-file or garbage where the reply should be).
    fn call(&mut self, job: &Job) -> Option<Reply> {
        todo!(
            "write the job, read the reply; an error or Ok(None) from either means the \
             worker is gone (book: escaping.md#crash-isolation)"
        )
    }

    /// Closes the worker's stdin, waits up to [`GRACE`] for it to exit, kills it if it has
    /// not, and reaps it: no zombie is left behind.
    fn shut_down(self) -> io::Result<ExitStatus> {
        todo!(
            "drop to_child (the worker reads end-of-file), poll try_wait until GRACE has \
             passed, then kill and wait: a child nobody waits for stays a zombie \
             (book: escaping.md#processes)"
        )
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
    /// How many workers the pool keeps.
    size: usize,
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
        todo!(
            "build the Pool with no workers yet, then spawn `size` of them into it; if a \
             spawn fails, returning the error drops the pool, which shuts down those \
             already started (book: escaping.md#processes)"
        )
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
        todo!(
            "check a worker out, call it without holding the lock, check it back in; if it \
             died, shut it down for its status and check in a fresh worker \
             (book: escaping.md#crash-isolation)"
        )
    }

    /// Runs every job, as many at once as there are workers, and returns the results in
    /// the order of `jobs`.
    pub fn run_all(&self, jobs: &[Job]) -> Vec<Result<Reply, PoolError>> {
        todo!(
            "in a thread::scope, one thread per worker, each taking the next job (a Mutex \
             around jobs.iter().enumerate()) and calling run; put each result at its job's \
             index (book: escaping.md#processes)"
        )
    }

    /// Takes an idle worker, waiting until one comes back if all are busy; `NoWorkers` if
    /// none is left at all.
    fn check_out(&self) -> Result<Worker, PoolError> {
        todo!(
            "lock; loop: pop an idle worker, or give up when none is alive, or wait on \
             worker_back (book: escaping.md#processes)"
        )
    }

    /// Puts `worker` back among the idle ones (`new` = 1 if it was not counted yet) and
    /// wakes one thread waiting in `check_out`.
    fn check_in(&self, worker: Worker, new: usize) {
        todo!("push it, count it, notify (book: escaping.md#processes)")
    }

    fn lock(&self) -> MutexGuard<'_, Workers> {
        // A panic elsewhere cannot leave the list half-changed: keep going.
        self.workers.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for Pool {
    /// Closes every worker's stdin, gives it [`GRACE`] to exit, kills it if it has not,
    /// and reaps it. No worker is running a job: `run` borrows the pool.
    fn drop(&mut self) {
        todo!(
            "shut down every idle worker (self.workers.get_mut() needs no locking here) \
             (book: escaping.md#processes)"
        )
    }
}
