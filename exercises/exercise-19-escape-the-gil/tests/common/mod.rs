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
