// Alternative: a reader thread per worker reads its reply while the workers run, and the
// caller polls every child with try_wait, killing those still running at the deadline.
// Correct because a reader blocks only until its worker writes a reply or its stdout ends,
// which a kill guarantees; every child is reaped before the readers are joined, and a reply
// counts only for a worker that exited with success.

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
    thread::scope(|scope| {
        let mut workers = Vec::new();
        for chunk in split(input, processes) {
            let spawned = command()
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn();
            let mut child = match spawned {
                Ok(child) => child,
                Err(error) => {
                    workers.push(Err(WorkerError::NotStarted(error)));
                    continue;
                }
            };
            let mut from_child = child.stdout.take().expect("piped");
            let reader = scope.spawn(move || protocol::read_reply(&mut from_child));
            let mut to_child = child.stdin.take().expect("piped");
            let _ = protocol::write_job(&mut to_child, chunk);
            drop(to_child);
            workers.push(Ok(Worker {
                child,
                reader,
                end: None,
            }));
        }
        loop {
            let late = started.elapsed() >= deadline;
            let mut running = false;
            for worker in workers.iter_mut().flatten().filter(|w| w.end.is_none()) {
                match worker.child.try_wait() {
                    Ok(Some(status)) => worker.end = Some(Some(status)),
                    _ if late => {
                        let _ = worker.child.kill();
                        let _ = worker.child.wait();
                        worker.end = Some(None);
                    }
                    _ => running = true,
                }
            }
            if !running {
                break;
            }
            thread::sleep(POLL);
        }
        workers
            .into_iter()
            .map(|worker| {
                let worker = worker?;
                let pid = worker.child.id();
                let reply = worker.reader.join().expect("a reader does not panic");
                match worker.end.flatten() {
                    None => Err(WorkerError::TimedOut { pid, deadline }),
                    Some(status) if !status.success() => Err(WorkerError::Died { pid, status }),
                    Some(_) => reply.map_err(|error| WorkerError::BadReply { pid, error }),
                }
            })
            .collect()
    })
}

/// A started worker, the thread reading its reply, and how it ended: `None` while it
/// runs, `Some(None)` when it was killed at the deadline, `Some(Some(status))` when it exited.
struct Worker<'scope> {
    child: Child,
    reader: thread::ScopedJoinHandle<'scope, io::Result<u64>>,
    end: Option<Option<ExitStatus>>,
}
