// Exercise 01 · Threads and processes. Book: book/src/part-1/work-in-processes.md
//
// Provided, nothing to fill in: the `main` of a worker process. It reads jobs from its
// stdin until the stream ends, runs `work` on each and writes the replies to its stdout
// (see protocol.rs), then exits with success. So the parent must close the worker's stdin
// once it has sent the job: until then the worker waits for the next one.
//
// The binary in src/bin/ is nothing but a call to `worker_main`. Any other program can be a
// worker too: a lab that runs itself again with a flag, for instance,
//
//     fn main() -> ExitCode {
//         if std::env::args().nth(1).as_deref() == Some("--worker") {
//             return worker_process::worker_main();
//         }
//         let command = worker_process::this_program_as_worker("--worker")?;
//         let results = run_in_processes(command, &input, 4, Duration::from_secs(10));
//         ...
//     }
//
// (a worker must print nothing else to stdout: stdout carries its replies).
//
// How a worker misbehaves (or waits for the others) on purpose, for the graded tests: the
// environment variable `EXERCISE_01_WORKER` holds rules, separated by commas, each `WHAT`
// (for every job) or `WHAT@N` (only for a job that contains the number N); the first rule
// that applies says what the worker does once it has read a job, and with none it replies
// as it should. `abort@5,pid` aborts on the chunk that holds 5 and replies its pid for the
// others. WHAT is one of (see `Behaviour`):
//
//     reply             replies as it should (the default)
//     abort             dies of SIGABRT (std::process::abort), a crash
//     exit:N            exits with code N without replying
//     silent            exits with success without replying (its stdout just ends)
//     garbage           writes bytes that are not a reply, then exits with success
//     hang              never replies, never exits (sleeps for HANG)
//     sleep:MS          sleeps MS milliseconds, then replies as usual
//     pid               replies its process id instead of the result of `work`
//     meet:N            waits until N workers have noted their pid (below), then replies
//                       as usual; after MEET_TIMEOUT it gives up and exits with code 1. N
//                       workers that all `meet:N` only reply if they run at the same time
//     reply-then-abort  replies, then dies of SIGABRT
//     reply-then-hang   replies, then never exits
//
// And if `EXERCISE_01_PID_DIR` names a directory, the worker first creates an empty file
// there named after its process id: how a test learns the pid of every worker it started.

use std::io::{self, Write};
use std::process::{Command, ExitCode};
use std::thread;
use std::time::{Duration, Instant};

use crate::{job, protocol};

/// How long a worker told to `hang` sleeps: far longer than any test waits.
pub const HANG: Duration = Duration::from_secs(60);

/// How long a worker told to `meet:N` waits for the others (times `COURSE_DEADLINE_SCALE`).
pub const MEET_TIMEOUT: Duration = Duration::from_secs(3);

/// What a worker does after reading a job, from `EXERCISE_01_WORKER` (by default `Reply`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// `reply`: replies with `work(chunk)`, a worker that works.
    Reply,
    /// `abort`
    Abort,
    /// `exit:N`
    Exit(i32),
    /// `silent`
    Silent,
    /// `garbage`
    Garbage,
    /// `hang`
    Hang,
    /// `sleep:MS`
    Sleep(u64),
    /// `pid`
    Pid,
    /// `meet:N`
    Meet(usize),
    /// `reply-then-abort`
    ReplyThenAbort,
    /// `reply-then-hang`
    ReplyThenHang,
}

impl Behaviour {
    /// Reads one `WHAT` of `EXERCISE_01_WORKER`; `None` if it is none of them.
    pub fn parse(text: &str) -> Option<Behaviour> {
        Some(match text {
            "reply" => Behaviour::Reply,
            "abort" => Behaviour::Abort,
            "silent" => Behaviour::Silent,
            "garbage" => Behaviour::Garbage,
            "hang" => Behaviour::Hang,
            "pid" => Behaviour::Pid,
            "reply-then-abort" => Behaviour::ReplyThenAbort,
            "reply-then-hang" => Behaviour::ReplyThenHang,
            _ => {
                if let Some(code) = text.strip_prefix("exit:") {
                    Behaviour::Exit(code.parse().ok()?)
                } else if let Some(n) = text.strip_prefix("meet:") {
                    Behaviour::Meet(n.parse().ok()?)
                } else {
                    Behaviour::Sleep(text.strip_prefix("sleep:")?.parse().ok()?)
                }
            }
        })
    }
}

/// The whole life of a worker process: serve jobs from stdin until it ends, then exit with
/// success; failure (with a line on stderr) when a pipe failed or a job was not a job.
pub fn worker_main() -> ExitCode {
    let pid = std::process::id();
    let wanted = std::env::var("EXERCISE_01_WORKER").unwrap_or_default();
    let Some(rules) = parse_rules(&wanted) else {
        eprintln!("worker {pid}: EXERCISE_01_WORKER={wanted:?} holds an unknown rule");
        return ExitCode::FAILURE;
    };
    if let Some(dir) = std::env::var_os("EXERCISE_01_PID_DIR")
        && let Err(error) = std::fs::write(std::path::Path::new(&dir).join(pid.to_string()), b"")
    {
        eprintln!("worker {pid}: cannot note my pid in {dir:?}: {error}");
    }
    match serve(&rules) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("worker {pid}: {error}");
            ExitCode::FAILURE
        }
    }
}

/// One rule of `EXERCISE_01_WORKER`: what to do, and for which jobs (`None`: all).
type Rule = (Behaviour, Option<u64>);

fn parse_rules(text: &str) -> Option<Vec<Rule>> {
    text.split(',')
        .filter(|rule| !rule.trim().is_empty())
        .map(|rule| match rule.trim().split_once('@') {
            Some((what, n)) => Some((Behaviour::parse(what)?, Some(n.parse().ok()?))),
            None => Some((Behaviour::parse(rule.trim())?, None)),
        })
        .collect()
}

fn serve(rules: &[Rule]) -> io::Result<()> {
    let mut input = io::stdin().lock();
    let mut output = io::stdout().lock();
    while let Some(chunk) = protocol::read_job(&mut input)? {
        let misbehaviour = rules
            .iter()
            .find(|(_, only)| only.is_none_or(|n| chunk.contains(&n)))
            .map_or(Behaviour::Reply, |&(what, _)| what);
        let value = match misbehaviour {
            Behaviour::Abort => std::process::abort(),
            Behaviour::Exit(code) => std::process::exit(code),
            Behaviour::Silent => std::process::exit(0),
            Behaviour::Garbage => {
                output.write_all(b"this is not a reply\n")?;
                output.flush()?;
                std::process::exit(0)
            }
            Behaviour::Hang => {
                thread::sleep(HANG);
                std::process::exit(0)
            }
            Behaviour::Sleep(ms) => {
                thread::sleep(Duration::from_millis(ms));
                job::work(&chunk)
            }
            Behaviour::Pid => u64::from(std::process::id()),
            Behaviour::Meet(n) => {
                meet(n);
                job::work(&chunk)
            }
            Behaviour::Reply | Behaviour::ReplyThenAbort | Behaviour::ReplyThenHang => {
                job::work(&chunk)
            }
        };
        protocol::write_reply(&mut output, value)?;
        match misbehaviour {
            Behaviour::ReplyThenAbort => std::process::abort(),
            Behaviour::ReplyThenHang => {
                thread::sleep(HANG);
                std::process::exit(0)
            }
            _ => {}
        }
    }
    Ok(())
}

/// Waits until `n` workers have noted their pid in `EXERCISE_01_PID_DIR`; exits with code 1
/// if they have not after [`MEET_TIMEOUT`].
fn meet(n: usize) {
    let dir = std::env::var_os("EXERCISE_01_PID_DIR").unwrap_or_default();
    let scale = std::env::var("COURSE_DEADLINE_SCALE")
        .ok()
        .and_then(|text| text.parse::<f64>().ok())
        .filter(|factor| factor.is_finite() && *factor >= 1.0)
        .unwrap_or(1.0);
    let give_up = Instant::now() + MEET_TIMEOUT.mul_f64(scale);
    loop {
        let here = std::fs::read_dir(&dir).map_or(0, Iterator::count);
        if here >= n {
            return;
        }
        if Instant::now() > give_up {
            eprintln!(
                "worker {}: meet({n}): only {here} workers had started after {MEET_TIMEOUT:?}",
                std::process::id()
            );
            std::process::exit(1);
        }
        thread::sleep(Duration::from_millis(2));
    }
}

/// A command factory for `run_in_processes` that starts this very program again with
/// `flag` as its only argument; the program's `main` must then call [`worker_main`].
pub fn this_program_as_worker(
    flag: &'static str,
) -> io::Result<impl Fn() -> Command + Send + Sync + 'static> {
    let exe = std::env::current_exe()?;
    Ok(move || {
        let mut command = Command::new(&exe);
        command.arg(flag);
        command
    })
}
