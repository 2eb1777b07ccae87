// Alternative: one scoped thread per worker, each waiting for its own child in a try_wait
// loop against the shared deadline. Correct because every worker is started (and sent its
// job) before any thread waits, each thread reaps its own child before it returns, killing
// it first if the deadline has passed, and the handles are joined in chunk order.

use std::fmt;
use std::io;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::job::split;
use crate::protocol;

/// How long the parent sleeps between two rounds of `try_wait` over its workers.
pub const POLL: Duration = Duration::from_millis(2);

/// Why a chunk has no result from its worker process.
#[derive(Debug)]
pub enum WorkerError {
    /// The worker could not be started (`Command::spawn` failed): no process, no pid.
    NotStarted(io::Error),
    /// The worker died: it exited with a failure code, or a signal ended it (a crash).
    /// Whatever it wrote before is not trusted.
    Died {
        /// The worker's process id.
        pid: u32,
        /// How it ended: `code()` for an exit, `signal()` (Unix) for a signal.
        status: ExitStatus,
    },
    /// The worker exited with success, but what it left in its stdout is not a reply:
    /// nothing, part of one, or garbage.
    BadReply {
        /// The worker's process id.
        pid: u32,
        /// What reading the reply ran into.
        error: io::Error,
    },
    /// The worker was still running at the deadline: it was killed and reaped.
    TimedOut {
        /// The worker's process id.
        pid: u32,
        /// The deadline it missed.
        deadline: Duration,
    },
}

impl fmt::Display for WorkerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WorkerError::NotStarted(error) => write!(f, "the worker could not start: {error}"),
            WorkerError::Died { pid, status } => write!(f, "worker {pid} died ({status})"),
            WorkerError::BadReply { pid, error } => {
                write!(f, "worker {pid} exited without a valid reply: {error}")
            }
            WorkerError::TimedOut { pid, deadline } => write!(
                f,
                "worker {pid} was still running after {deadline:?}: killed and reaped"
            ),
        }
    }
}

impl std::error::Error for WorkerError {}

/// Runs [`work`](crate::job::work) on each chunk of `split(input, processes)`, each chunk in
/// a worker process of its own started from a fresh `command()`, all at the same time, and
/// returns one result per chunk, in input order.
///
/// Each worker gets its chunk as a job on its stdin (`protocol::write_job`), which is then
/// closed, and answers with a reply on its stdout (`protocol::read_reply`). A result is
/// `Ok` only when the worker replied and then exited with success; otherwise its `Err`
/// says what happened ([`WorkerError`]), and the other chunks are not affected. A worker
/// still running `deadline` after the workers were started is killed. Every worker that
/// was started has been waited for (reaped) when this returns: none is left running, none
/// as a zombie. No input, no workers: an empty `Vec`. `processes` = 0 is taken as 1.
pub fn run_in_processes(
    command: impl Fn() -> Command,
    input: &[u64],
    processes: usize,
    deadline: Duration,
) -> Vec<Result<u64, WorkerError>> {
    let until = Instant::now() + deadline;
    // Started here, on the caller's thread: `command` need not be Sync.
    let children: Vec<Result<Child, WorkerError>> = split(input, processes)
        .into_iter()
        .map(|chunk| start(&mut command(), chunk))
        .collect();
    thread::scope(|scope| {
        let waiters: Vec<_> = children
            .into_iter()
            .map(|child| scope.spawn(move || wait_for(child?, until, deadline)))
            .collect();
        waiters
            .into_iter()
            .map(|waiter| waiter.join().expect("a waiter does not panic"))
            .collect()
    })
}

fn start(command: &mut Command, chunk: &[u64]) -> Result<Child, WorkerError> {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(WorkerError::NotStarted)?;
    // The pipe closes when `to_child` is dropped at the end of this statement; a failed
    // write means the worker died, which its status will say.
    let _ = protocol::write_job(&mut child.stdin.take().expect("piped"), chunk);
    Ok(child)
}

/// Waits for one worker until `until`, then kills it; reaps it either way.
fn wait_for(mut child: Child, until: Instant, deadline: Duration) -> Result<u64, WorkerError> {
    let pid = child.id();
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            if !status.success() {
                return Err(WorkerError::Died { pid, status });
            }
            let mut from_child = child.stdout.take().expect("piped");
            return protocol::read_reply(&mut from_child)
                .map_err(|error| WorkerError::BadReply { pid, error });
        }
        if Instant::now() >= until {
            let _ = child.kill();
            let _ = child.wait();
            return Err(WorkerError::TimedOut { pid, deadline });
        }
        thread::sleep(POLL);
    }
}
