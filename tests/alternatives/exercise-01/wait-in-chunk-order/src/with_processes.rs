// Alternative: the workers are waited for one after the other, in chunk order, each in a
// try_wait loop against one deadline taken when the last worker was started. Correct because
// every worker is started (and sent its job) before any is waited for, so they all run at
// once; a worker waited for late has had the whole deadline to finish, and one still running
// when its turn comes after the deadline is killed and reaped at once; results are pushed in
// chunk order.

use std::fmt;
use std::io;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::job::split;
use crate::protocol;

/// How long to sleep between two rounds of `try_wait` over the workers, if you poll.
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

/// Runs [`work`](crate::job::work) on each chunk of `split(input, processes)`, each in a
/// worker process of its own, all at the same time; one result per chunk, in input order.
pub fn run_in_processes(
    command: impl Fn() -> Command,
    input: &[u64],
    processes: usize,
    deadline: Duration,
) -> Vec<Result<u64, WorkerError>> {
    let chunks = split(input, processes);
    let mut started: Vec<Result<Child, WorkerError>> = Vec::new();
    for chunk in &chunks {
        started.push(launch(&mut command(), chunk));
    }
    let begun = Instant::now();
    let mut results = Vec::new();
    for slot in started {
        let mut child = match slot {
            Ok(child) => child,
            Err(error) => {
                results.push(Err(error));
                continue;
            }
        };
        let result = loop {
            match child.try_wait() {
                Ok(Some(status)) => break finish(&mut child, status),
                Ok(None) if begun.elapsed() >= deadline => {
                    let pid = child.id();
                    let _ = child.kill();
                    let _ = child.wait();
                    break Err(WorkerError::TimedOut { pid, deadline });
                }
                Ok(None) => thread::sleep(POLL),
                Err(error) => {
                    let pid = child.id();
                    let _ = child.kill();
                    let _ = child.wait();
                    break Err(WorkerError::BadReply { pid, error });
                }
            }
        };
        results.push(result);
    }
    results
}

/// Starts a worker, sends it `chunk` as a job and closes its stdin.
fn launch(command: &mut Command, chunk: &[u64]) -> Result<Child, WorkerError> {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(WorkerError::NotStarted)?;
    if let Some(mut to_child) = child.stdin.take() {
        // A failed write: the worker is already gone; its status will tell.
        let _ = protocol::write_job(&mut to_child, chunk);
    }
    Ok(child)
}

/// The result of a worker that exited with `status`.
fn finish(child: &mut Child, status: ExitStatus) -> Result<u64, WorkerError> {
    let pid = child.id();
    if !status.success() {
        return Err(WorkerError::Died { pid, status });
    }
    match child.stdout.take() {
        Some(mut from_child) => protocol::read_reply(&mut from_child)
            .map_err(|error| WorkerError::BadReply { pid, error }),
        None => Err(WorkerError::BadReply {
            pid,
            error: io::ErrorKind::BrokenPipe.into(),
        }),
    }
}
