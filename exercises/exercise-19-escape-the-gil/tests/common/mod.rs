//! Helpers shared by the graded suites of exercise 19: where the worker binary is, fresh
//! interpreters, and a look at the process table.

// Each suite uses only some of these.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use toy_python::{Interpreter, Program, RuntimeError, TickGil};

pub const CHAPTER: &str = "book/src/part-6/escaping.md";

/// The worker binary of the crate under test (`src/bin/`): cargo builds it for the tests.
pub fn worker_exe() -> &'static str {
    match option_env!("CARGO_BIN_EXE_exercise-19-worker")
        .or(option_env!("CARGO_BIN_EXE_solution-19-worker"))
    {
        Some(path) => path,
        None => panic!(
            "no worker binary: src/bin/ must hold the worker program of this exercise \
             (exercise-19-worker.rs); it is provided, put it back if it is gone"
        ),
    }
}

/// The command that starts one worker.
pub fn worker_command() -> Command {
    Command::new(worker_exe())
}

/// An interpreter for `program` with a GIL of its own, as the worker binary makes them.
pub fn new_interpreter(program: &Program) -> Result<Interpreter, RuntimeError> {
    Interpreter::new(program, Arc::new(TickGil::new(100)))
}

/// A fresh, empty directory under the system's temporary directory.
pub fn fresh_dir(what: &str) -> PathBuf {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let dir =
        std::env::temp_dir().join(format!("exercise-19-{what}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

/// What became of a process this test process started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Gone from the process table: it ended and was reaped (or was never ours).
    Reaped,
    /// It exited, but nobody waited for it: a zombie.
    Zombie,
    /// Still running (or sleeping, or stopped).
    Running,
}

/// Looks `pid` up in the process table, as a child of this process.
pub fn fate(pid: u32) -> Fate {
    // "state ppid ...", from /proc or from ps.
    let fields = if std::path::Path::new("/proc/self/stat").exists() {
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            return Fate::Reaped;
        };
        // "pid (name) S ppid ...": the name may hold spaces and parentheses.
        stat.rsplit_once(')')
            .map_or(String::new(), |(_, rest)| rest.to_owned())
    } else {
        // No /proc (macOS): ask ps.
        let output = Command::new("ps")
            .args(["-o", "stat=,ppid=", "-p", &pid.to_string()])
            .output();
        let Ok(output) = output else {
            return Fate::Reaped;
        };
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let mut fields = fields.split_whitespace();
    let state = fields.next().unwrap_or("");
    let parent: Option<u32> = fields.next().and_then(|p| p.parse().ok());
    if state.is_empty() || parent != Some(std::process::id()) {
        Fate::Reaped
    } else if state.starts_with('Z') {
        Fate::Zombie
    } else {
        Fate::Running
    }
}

/// Kills those of `pids` that are still children of this process (running, or zombies that
/// nobody waited for), so a failed test leaves nothing running behind it. Their process ids
/// cannot have been reused: a child's id stays taken until it is waited for.
pub fn kill_leftovers(pids: &[u32]) {
    for &pid in pids {
        if fate(pid) != Fate::Reaped {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
    }
}

/// A program that does not exist: a command factory that returns it instead of the worker
/// binary stands for a worker program that "no longer starts" (deleted, or broken by a
/// rebuild), so `Command::spawn` fails.
pub const MISSING_PROGRAM: &str = "/nonexistent/exercise-19/no-such-worker";

/// The kernel's id of the calling thread (Linux), to watch it in `/proc`.
pub fn current_thread_id() -> Option<u32> {
    // "/proc/thread-self" links to "<pid>/task/<tid>".
    let link = std::fs::read_link("/proc/thread-self").ok()?;
    link.file_name()?.to_str()?.parse().ok()
}

/// Waits until thread `tid` of this process is asleep in the kernel (in a test that means:
/// waiting in the pool's `check_out` for a worker), or has ended. Asleep twice in a row,
/// 10 ms apart, so a thread that only passes through the kernel is not taken for a waiter.
///
/// A thread that never sleeps (a pool that polls instead of waiting on its condvar is not
/// wrong) is given up on after a second, and so is a system without `/proc`: then the test
/// simply goes on, a little less sure that the thread is already waiting.
pub fn wait_until_asleep(tid: Option<u32>) {
    let give_up = std::time::Instant::now() + std::time::Duration::from_secs(1);
    let Some(tid) = tid else {
        std::thread::sleep(std::time::Duration::from_millis(300));
        return;
    };
    let mut asleep_before = false;
    while std::time::Instant::now() < give_up {
        let Ok(stat) = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")) else {
            return; // the thread has ended
        };
        let state = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .unwrap_or("");
        let asleep = state == "S";
        if asleep && asleep_before {
            return;
        }
        asleep_before = asleep;
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// Kills process `pid` at once (SIGKILL), then waits until it has died, that is, until it
/// is a zombie that its parent (the pool) has not waited for yet.
pub fn kill_and_wait_until_dead(pid: u32) {
    // Never `kill` a pid that is not a running child of ours: 0 would be our whole process
    // group, and any other pid someone else's process.
    assert_eq!(
        fate(pid),
        Fate::Running,
        "pids() lists {pid}, which is not a running child process of this test: pids() must \
         give the process ids of the pool's workers (Child::id) ({CHAPTER}#processes)"
    );
    let killed = Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status();
    assert!(
        matches!(killed, Ok(status) if status.success()),
        "the test could not kill worker {pid} with `kill -KILL`: {killed:?}"
    );
    while fate(pid) == Fate::Running {
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

/// How many files are in `dir` (the calls of `meet` that have arrived there).
pub fn entries(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| entries.count())
}

/// Waits until `dir` holds at least `count` files.
pub fn wait_for_entries(dir: &std::path::Path, count: usize) {
    while entries(dir) < count {
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}
