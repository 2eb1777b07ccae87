//! Running cargo: one child process whose stdout and stderr share one pipe, so cargo's
//! `Running` lines and the test binaries' output arrive in the order they were written;
//! each line is handed to an observer as it comes; the run is killed (with every process
//! it started) when it outlives its time limit.

use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// One cargo invocation.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// Arguments after `cargo`.
    pub args: Vec<OsString>,
    /// The directory cargo runs in.
    pub cwd: PathBuf,
    /// `CARGO_TARGET_DIR` for this run; `None` keeps the caller's.
    pub target_dir: Option<PathBuf>,
    /// Kill the run after this long.
    pub time_limit: Option<Duration>,
    /// A build made for one verdict and not kept warm: see [`THROWAWAY_BUILD`].
    pub throwaway: bool,
}

/// The settings of a throwaway build (every mutant and alternative of `verify` and the root
/// suite). Incremental caches serve only a rebuild, and a mutant is built once; debug info
/// serves only a debugger and backtraces, and the course prints neither (panic locations are
/// compiled in without it). Measured on exercise 07's suite: the test binary shrinks from
/// 41 MB to 8 MB and its 59 MB of incremental caches go; the root suite builds some 300 such
/// binaries, and with the defaults it filled the CI machine's disk.
pub const THROWAWAY_BUILD: [(&str, &str); 3] = [
    ("CARGO_INCREMENTAL", "0"),
    ("CARGO_PROFILE_DEV_DEBUG", "0"),
    ("CARGO_PROFILE_DEV_STRIP", "debuginfo"),
];

impl Invocation {
    /// `cargo <args>` in `cwd`.
    pub fn new<I, S>(cwd: &Path, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        Invocation {
            args: args.into_iter().map(Into::into).collect(),
            cwd: cwd.to_path_buf(),
            target_dir: None,
            time_limit: None,
            throwaway: false,
        }
    }

    /// The command as the user would type it (for messages).
    pub fn display(&self) -> String {
        let mut text = String::from("cargo");
        for arg in &self.args {
            text.push(' ');
            text.push_str(&arg.to_string_lossy());
        }
        text
    }
}

/// How the run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// cargo exited with this code (`None`: killed by a signal).
    Exited(Option<i32>),
    /// The time limit ran out and the run was killed.
    TimedOut,
}

/// What a run printed and how it ended.
#[derive(Debug, Clone)]
pub struct Output {
    pub ended: Ended,
    /// stdout and stderr, merged in order.
    pub text: String,
    pub elapsed: Duration,
}

impl Output {
    /// cargo exited with 0.
    pub fn success(&self) -> bool {
        self.ended == Ended::Exited(Some(0))
    }
}

/// The cargo to run: the one that started us (`$CARGO`) when there is one, else `cargo`.
pub fn cargo_program() -> OsString {
    std::env::var_os("CARGO")
        .filter(|path| Path::new(path).is_file())
        .unwrap_or_else(|| OsString::from("cargo"))
}

/// Runs cargo, calling `observe` with each line of output as it arrives.
pub fn run(invocation: &Invocation, observe: &mut dyn FnMut(&str)) -> Result<Output> {
    let started = Instant::now();
    let io_error = |what: &str, e: std::io::Error| {
        Error::new(format!(
            "cannot run `{}`: {what}: {e}",
            invocation.display()
        ))
    };
    let (reader, writer) = std::io::pipe().map_err(|e| io_error("no pipe", e))?;
    let writer_too = writer.try_clone().map_err(|e| io_error("no pipe", e))?;

    let mut command = Command::new(cargo_program());
    command
        .args(&invocation.args)
        .current_dir(&invocation.cwd)
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(writer_too)
        .env("CARGO_TERM_COLOR", "never")
        .env("CARGO_TERM_PROGRESS_WHEN", "never");
    if let Some(dir) = &invocation.target_dir {
        command.env("CARGO_TARGET_DIR", dir);
    }
    if invocation.throwaway {
        command.envs(THROWAWAY_BUILD);
    }
    let spawned = command.spawn();
    // The command holds the pipe's write ends: drop them, or the reader never sees the end.
    drop(command);
    let mut child = spawned.map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::new("cargo not found: install Rust from https://rustup.rs and try again")
        } else {
            io_error("cannot start cargo", e)
        }
    })?;

    let (lines, incoming) = mpsc::channel::<String>();
    thread::spawn(move || {
        let mut reader = BufReader::new(reader);
        let mut buffer = Vec::new();
        loop {
            buffer.clear();
            match reader.read_until(b'\n', &mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    let line = String::from_utf8_lossy(&buffer);
                    let line = line.trim_end_matches(['\n', '\r']).to_owned();
                    if lines.send(line).is_err() {
                        break;
                    }
                }
            }
        }
    });

    let mut text = String::new();
    let mut take = |line: String, text: &mut String| {
        observe(&line);
        text.push_str(&line);
        text.push('\n');
    };
    let deadline = invocation.time_limit.map(|limit| started + limit);
    let ended = loop {
        match incoming.recv_timeout(Duration::from_millis(50)) {
            Ok(line) => take(line, &mut text),
            Err(RecvTimeoutError::Timeout) => {}
            // The pipe is closed; cargo is about to exit.
            Err(RecvTimeoutError::Disconnected) => thread::sleep(Duration::from_millis(20)),
        }
        match child.try_wait() {
            Ok(Some(status)) => break Ended::Exited(status.code()),
            Ok(None) => {}
            Err(e) => return Err(io_error("lost track of cargo", e)),
        }
        if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
            kill_tree(&mut child);
            break Ended::TimedOut;
        }
    };
    // Whatever is still in the pipe. A process that outlived cargo and holds the pipe open
    // must not keep us waiting for ever.
    // After a kill, a process started after we listed cargo's children (a linker, say) may
    // still hold it a moment; nothing it says matters then.
    let drain_for = if ended == Ended::TimedOut {
        Duration::from_millis(500)
    } else {
        Duration::from_secs(3)
    };
    let drain_until = Instant::now() + drain_for;
    while let Some(left) = drain_until.checked_duration_since(Instant::now()) {
        match incoming.recv_timeout(left) {
            Ok(line) => take(line, &mut text),
            Err(_) => break,
        }
    }
    Ok(Output {
        ended,
        text,
        elapsed: started.elapsed(),
    })
}

/// Kills cargo and every process below it (the test binary it is running). cargo is
/// stopped first so it cannot start the next test binary while we collect its children.
fn kill_tree(child: &mut Child) {
    #[cfg(unix)]
    {
        let root = child.id();
        signal(&[root], "STOP");
        let mut pids = descendants(root);
        pids.push(root);
        signal(&pids, "KILL");
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Sends `signal` to `pids` with the shell's `kill`, which every Unix has.
#[cfg(unix)]
fn signal(pids: &[u32], signal: &str) {
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(format!("kill -s {signal} \"$@\" 2>/dev/null"))
        .arg("sh");
    command.args(pids.iter().map(u32::to_string));
    let _ = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Every process below `root`, from `/proc` on Linux, else from `ps`.
#[cfg(unix)]
fn descendants(root: u32) -> Vec<u32> {
    let parents = parents_from_proc()
        .or_else(parents_from_ps)
        .unwrap_or_default();
    let mut found = Vec::new();
    let mut frontier = vec![root];
    while let Some(parent) = frontier.pop() {
        for &(pid, ppid) in &parents {
            if ppid == parent && pid != root && !found.contains(&pid) {
                found.push(pid);
                frontier.push(pid);
            }
        }
    }
    found
}

/// `(pid, parent pid)` of every process, from `/proc/<pid>/stat`.
#[cfg(unix)]
fn parents_from_proc() -> Option<Vec<(u32, u32)>> {
    let entries = std::fs::read_dir("/proc").ok()?;
    let mut pairs = Vec::new();
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|name| name.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // `pid (command name) state ppid ...`: the name may hold spaces and parentheses.
        let Some((_, after_name)) = stat.rsplit_once(')') else {
            continue;
        };
        if let Some(ppid) = after_name
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse().ok())
        {
            pairs.push((pid, ppid));
        }
    }
    (!pairs.is_empty()).then_some(pairs)
}

/// `(pid, parent pid)` of every process, from `ps` (macOS and the BSDs have no `/proc`).
#[cfg(unix)]
fn parents_from_ps() -> Option<Vec<(u32, u32)>> {
    let output = Command::new("ps")
        .args(["-A", "-o", "pid=", "-o", "ppid="])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let pairs: Vec<(u32, u32)> = text
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            Some((fields.next()?.parse().ok()?, fields.next()?.parse().ok()?))
        })
        .collect();
    (!pairs.is_empty()).then_some(pairs)
}
