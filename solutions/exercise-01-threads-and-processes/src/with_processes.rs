// Exercise 01 · Threads and processes. Book: book/src/part-1/work-in-processes.md
//
// The job in child processes: one worker process per chunk, all started before any is
// waited for. Each gets its chunk serialised down its stdin (protocol.rs), which is then
// closed; its reply comes back up its stdout. A worker may crash, reply garbage or run
// away: each of those is an Err for its own chunk, the others go on, and every worker is
// reaped before the call returns, so no zombie is left.
//
// The waiting is a poll loop over `try_wait`, because a blocking `wait` or read on one
// child could not keep the deadline for another. Replies are read only once a worker has
// exited: a reply is a dozen bytes, far less than a pipe holds, so a worker never blocks
// writing it, and reading the pipe of an exited process never blocks.

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
    let started = Instant::now();
    let mut results: Vec<Option<Result<u64, WorkerError>>> = Vec::new();
    // The workers still running, with the index of their chunk.
    let mut running: Vec<(usize, Child)> = Vec::new();
    for (index, chunk) in split(input, processes).into_iter().enumerate() {
        match start(&mut command(), chunk) {
            Ok(child) => {
                results.push(None);
                running.push((index, child));
            }
            Err(error) => results.push(Some(Err(error))),
        }
    }
    while !running.is_empty() {
        let late = started.elapsed() >= deadline;
        running.retain_mut(|(index, child)| match poll(child, late, deadline) {
            Some(result) => {
                results[*index] = Some(result);
                false
            }
            None => true,
        });
        if !running.is_empty() {
            thread::sleep(POLL);
        }
    }
    results
        .into_iter()
        .map(|result| result.expect("every worker has a result once none is running"))
        .collect()
}

/// Starts a worker with its stdin and stdout piped to us, sends it `chunk` as a job and
/// closes its stdin.
fn start(command: &mut Command, chunk: &[u64]) -> Result<Child, WorkerError> {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(WorkerError::NotStarted)?;
    let mut to_child = child.stdin.take().expect("stdin is piped");
    // A failed write (a broken pipe) means the worker died before it read its job: not an
    // error of ours. Its exit status will say how it ended, as for any other worker.
    let _ = protocol::write_job(&mut to_child, chunk);
    // Closing the pipe is the worker's end-of-input: without it, the worker would wait
    // for a second job, and we for its exit.
    drop(to_child);
    Ok(child)
}

/// One look at a worker: its result if it has exited (reaped by `try_wait`), or if it is
/// `late` (then killed and reaped); `None` while it may still run.
fn poll(child: &mut Child, late: bool, deadline: Duration) -> Option<Result<u64, WorkerError>> {
    match child.try_wait() {
        Ok(Some(status)) => Some(outcome(child, status)),
        // An error of try_wait (it has none in practice) counts as "still running": the
        // deadline ends it either way.
        _ if late => Some(stop(child, deadline)),
        _ => None,
    }
}

/// The result of a worker that exited with `status`: its reply, if it exited with success.
fn outcome(child: &mut Child, status: ExitStatus) -> Result<u64, WorkerError> {
    let pid = child.id();
    // `success()`, not "the code is 0": a worker killed by a signal has no code at all.
    if !status.success() {
        return Err(WorkerError::Died { pid, status });
    }
    let mut from_child = child.stdout.take().expect("stdout is piped");
    protocol::read_reply(&mut from_child).map_err(|error| WorkerError::BadReply { pid, error })
}

/// Kills a worker that missed the deadline and reaps it: `kill` alone would leave a zombie.
fn stop(child: &mut Child, deadline: Duration) -> Result<u64, WorkerError> {
    // Either may fail only if the child is already gone, which is what we want anyway.
    let _ = child.kill();
    let _ = child.wait();
    Err(WorkerError::TimedOut {
        pid: child.id(),
        deadline,
    })
}
