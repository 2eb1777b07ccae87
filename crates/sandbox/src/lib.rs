//! Runs one command as a process tree under limits, and kills the whole tree afterwards.
//!
//! [`run`] starts the command with stdin closed and stdout and stderr merged into one pipe
//! (so the lines arrive in the order they were written), calls a callback for each line,
//! and keeps at most [`OUTPUT_CAP`] bytes of it. The limits of [`Limits`] are applied in the
//! child between `fork` and `exec`:
//!
//! - **time**: wall clock. At the limit every process of the tree is killed
//!   ([`Status::TimedOut`]).
//! - **memory_bytes**, **file_size_bytes**, **open_files**: `RLIMIT_AS`, `RLIMIT_FSIZE`,
//!   `RLIMIT_NOFILE`, per process (inherited by every child). Core dumps are always off
//!   (`RLIMIT_CORE` = 0).
//! - **isolate_network**: Linux only, a new network namespace (`unshare(CLONE_NEWUSER |
//!   CLONE_NEWNET)`, or `CLONE_NEWNET` alone where user namespaces are refused but the caller
//!   may do it). Inside, only a loopback interface of its own exists: the command can neither
//!   reach the internet nor the host's `127.0.0.1`. Where neither is permitted, the command
//!   runs without, and [`Applied::network`] says so: a missing namespace never fails a run.
//!
//! When the main process has ended (or was killed at the limit), every process of its tree
//! that is still alive is killed and reaped: a background `sleep 1000`, a daemon that forked
//! twice and called `setsid`. On Linux the calling process becomes a *child subreaper*
//! (`prctl(PR_SET_CHILD_SUBREAPER)`, once, for the rest of its life), so orphans of the tree
//! are re-parented to it instead of to init. A process belongs to the tree if it is in the
//! command's process group, carries the run's marker variable ([`MARKER_VAR`]) in its
//! environment, lives in the run's network namespace, was seen below the main process while
//! it ran, or descends from one of those, and in every case started after the main process.
//! On other Unix systems `ps` stands in for `/proc` and only the process group, the processes
//! seen below the main one, and their descendants count. [`Outcome::applied`] tells which
//! limits took effect.
//!
//! What is not covered: without a network namespace, a process that clears its environment
//! and leaves the process group (`env -i setsid ...`) before it is seen below the main
//! process (the tree is looked at every 200 ms) is not told apart from the caller's other
//! children, and is left alone; if it holds the output pipe open, `run` stops reading 1 s
//! after the kill. In a namespace, the processes created in the user namespace do not have
//! the caller's capabilities outside it (root inside is root over the namespace only).
//! Finished runs are remembered (a few bytes each) for [`leftovers`]. Not on Unix, only the
//! time limit and the output apply, and only the main process is killed.
//!
//! ```no_run
//! use std::process::Command;
//! use std::time::Duration;
//!
//! let limits = sandbox::Limits { time: Duration::from_secs(5), ..Default::default() };
//! let mut command = Command::new("sh");
//! command.arg("-c").arg("echo hello; sleep 1000 & echo started");
//! let outcome = sandbox::run(command, &limits, &mut |line| println!("| {line}"))?;
//! assert_eq!(outcome.status, sandbox::Status::Exited(0));
//! assert!(outcome.strays_killed >= 1);
//! # Ok::<(), std::io::Error>(())
//! ```

mod output;
#[cfg(not(unix))]
mod portable;
#[cfg(unix)]
mod procs;
#[cfg(unix)]
mod unix;

use std::time::Duration;

/// How much of the merged output [`Outcome::output`] keeps; the rest is read and dropped,
/// and a last line says how much was dropped.
pub const OUTPUT_CAP: usize = 4 << 20;

/// The environment variable that marks every process of one run (value: a token unique to
/// the run), so that a process that left the process group is still found.
pub const MARKER_VAR: &str = "SANDBOX_RUN";

/// The limits one run is held to. `Default`: 60 s, 4 GiB of address space, 256 MiB per
/// written file, 1024 open files, network isolated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Wall clock; the whole tree is killed at the limit.
    pub time: Duration,
    /// `RLIMIT_AS` (address space) of each process, where supported.
    pub memory_bytes: Option<u64>,
    /// `RLIMIT_FSIZE`: the largest file a process may write (beyond: `SIGXFSZ`).
    pub file_size_bytes: Option<u64>,
    /// `RLIMIT_NOFILE`: file descriptors per process.
    pub open_files: Option<u64>,
    /// A network namespace of its own, where permitted.
    pub isolate_network: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            time: Duration::from_secs(60),
            memory_bytes: Some(4 << 30),
            file_size_bytes: Some(256 << 20),
            open_files: Some(1024),
            isolate_network: true,
        }
    }
}

/// How the main process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// It exited with this code.
    Exited(i32),
    /// A signal ended it (for example 6, `SIGABRT`, when an allocation failed under the
    /// memory limit, or 25, `SIGXFSZ`, at the file size limit).
    Signalled(i32),
    /// It was still running at the time limit; the tree was killed.
    TimedOut,
}

/// What a run did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// How the main process ended.
    pub status: Status,
    /// stdout and stderr merged in the order written (lossy UTF-8), at most [`OUTPUT_CAP`]
    /// bytes of it, then a line saying how much was dropped if anything was.
    pub output: String,
    /// From the start to the end (or the kill) of the main process.
    pub elapsed: Duration,
    /// Processes of the tree still alive after the main one ended (or at the time limit),
    /// which were killed.
    pub strays_killed: usize,
    /// Which limits took effect.
    pub applied: Applied,
}

/// Which limits took effect on this platform, for this run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// `RLIMIT_AS` was set.
    pub memory: bool,
    /// `RLIMIT_FSIZE` was set.
    pub file_size: bool,
    /// `RLIMIT_NOFILE` was set.
    pub open_files: bool,
    /// The command ran in a network namespace of its own.
    pub network: bool,
    /// The calling process is a child subreaper: orphans of the tree come back to it.
    pub reaper: bool,
}

/// Runs `command` (stdin null, stdout/stderr captured), calling `on_line` per output line.
///
/// The command's own stdin, stdout and stderr settings are replaced. Errors are those of
/// starting the command (not found, not executable, no pipe); whatever the command does
/// afterwards is reported in the [`Outcome`].
pub fn run(
    command: std::process::Command,
    limits: &Limits,
    on_line: &mut dyn FnMut(&str),
) -> std::io::Result<Outcome> {
    #[cfg(unix)]
    return unix::run(command, limits, on_line);
    #[cfg(not(unix))]
    return portable::run(command, limits, on_line);
}

/// Whether any process started by `run` in this process is still alive (for tests): the
/// ids of the live processes that belong to the tree of a finished run.
pub fn leftovers() -> Vec<u32> {
    #[cfg(unix)]
    return unix::leftovers();
    #[cfg(not(unix))]
    return Vec::new();
}
