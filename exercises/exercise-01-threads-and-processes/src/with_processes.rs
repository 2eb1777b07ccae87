// Exercise 01 · Threads and processes. Book: book/src/part-1/work-in-processes.md
//
// The job in child processes: one worker process per chunk, all started before any is
// waited for. A child cannot borrow your slice, so its chunk goes down its stdin as bytes
// (protocol.rs serialises it) and its answer comes back up its stdout. A worker may crash,
// reply garbage or run away: each of those is an Err for its own chunk, the others go on,
// and every worker you started has been reaped when you return (no zombie).
//
// Fill in each `todo!()`. The helpers below are a suggestion that the hints follow; change
// them if you like, as long as the public items keep their signatures. What you need:
//     command.stdin(Stdio::piped()).stdout(Stdio::piped()).spawn()   -> io::Result<Child>
//     child.stdin.take(), child.stdout.take(), child.id()
//     child.try_wait() -> io::Result<Option<ExitStatus>>   (reaps the child if it exited)
//     child.kill(), child.wait(), status.success()
//     protocol::write_job(&mut to_child, chunk), protocol::read_reply(&mut from_child)
//     Instant::now(), instant.elapsed(), thread::sleep(POLL)

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
    todo!(
        "start every worker first (start), keeping each one's chunk index; then, until none \
         is left running, look at each (poll) and sleep POLL between rounds; put each result \
         at its chunk's index (book: part-1/work-in-processes.md#killing)"
    )
}

/// Starts a worker with its stdin and stdout piped to us, sends it `chunk` as a job and
/// closes its stdin.
fn start(command: &mut Command, chunk: &[u64]) -> Result<Child, WorkerError> {
    todo!(
        "pipe stdin and stdout, spawn, write the job into the stdin you took out of the \
         Child, then drop it: the worker reads end-of-file and knows no job follows. A write \
         that fails means the worker already died; its exit status will say how \
         (book: part-1/work-in-processes.md#sending-data)"
    )
}

/// One look at a worker: its result if it has exited, or if it is `late` (then killed and
/// reaped); `None` while it may still run.
fn poll(child: &mut Child, late: bool, deadline: Duration) -> Option<Result<u64, WorkerError>> {
    todo!(
        "try_wait never blocks: an exit status means done (outcome), nothing yet means \
         still running, unless it is late (stop) (book: part-1/work-in-processes.md#killing)"
    )
}

/// The result of a worker that exited with `status`: its reply, if it exited with success.
fn outcome(child: &mut Child, status: ExitStatus) -> Result<u64, WorkerError> {
    todo!(
        "a worker that did not exit with success died, whatever it wrote (a signal leaves no \
         exit code at all); otherwise read its reply from its stdout \
         (book: part-1/work-in-processes.md#isolation)"
    )
}

/// Kills a worker that missed the deadline and reaps it.
fn stop(child: &mut Child, deadline: Duration) -> Result<u64, WorkerError> {
    todo!(
        "kill sends SIGKILL; the dead child stays in the process table as a zombie until \
         someone waits for it (book: part-1/work-in-processes.md#killing)"
    )
}
