//! The lab's own child processes (the lab binary started again with `--child MODE`), and the
//! deadline every wait for a child runs under: a child that has not answered when the time
//! is up is killed, and the measurement says so instead of hanging.

use std::io::{self, Read, Write};
use std::process::{Child, Command, ExitCode, ExitStatus};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use crate::CHILD_ARG;

/// The modes, with what each does (for the error message of a bad one).
const MODES: &str = "exit (exit at once), echo [BYTES] (send back every byte read, after \
                     reading BYTES of memory of its own), sink (echo the first byte, then read \
                     until the end of stdin and print how many bytes came after it)";

/// `main` of a child: `--child exit`, `--child echo` or `--child sink`.
pub fn main(args: &[String]) -> ExitCode {
    let outcome = match args {
        [mode] if mode == "exit" => Ok(()),
        [mode] if mode == "echo" => echo(0),
        [mode, bytes] if mode == "echo" && bytes.parse::<usize>().is_ok() => {
            echo(bytes.parse().unwrap_or(0))
        }
        [mode] if mode == "sink" => sink(),
        _ => {
            eprintln!(
                "error: {CHILD_ARG} takes one mode, one of: {MODES}; got {args:?}.\n\
                 (The lab starts itself this way; to run the lab, leave {CHILD_ARG} out.)"
            );
            return ExitCode::from(2);
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("lab child: {error}");
            ExitCode::FAILURE
        }
    }
}

/// stdin and stdout without std's locks and buffers: one system call per read and write,
/// like the parent's side of the pipes.
#[cfg(unix)]
fn raw_stdio() -> io::Result<(std::fs::File, std::fs::File)> {
    use std::os::fd::AsFd;
    let input = io::stdin().as_fd().try_clone_to_owned()?;
    let output = io::stdout().as_fd().try_clone_to_owned()?;
    Ok((input.into(), output.into()))
}

/// Elsewhere, std's handles (stdout is flushed after every write).
#[cfg(not(unix))]
fn raw_stdio() -> io::Result<(io::Stdin, Flushed)> {
    Ok((io::stdin(), Flushed(io::stdout())))
}

#[cfg(not(unix))]
struct Flushed(io::Stdout);

#[cfg(not(unix))]
impl Write for Flushed {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let n = self.0.write(bytes)?;
        self.0.flush()?;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

fn echo(bytes: usize) -> io::Result<()> {
    let (mut input, mut output) = raw_stdio()?;
    let data = crate::measure::working_set(bytes);
    let mut byte = [0u8; 1];
    loop {
        if input.read(&mut byte)? == 0 {
            return Ok(());
        }
        crate::measure::touch(&data);
        output.write_all(&byte)?;
    }
}

/// Echoes the first byte (so the parent knows it is running), then counts the rest.
fn sink() -> io::Result<()> {
    let (mut input, mut output) = raw_stdio()?;
    let mut byte = [0u8; 1];
    input.read_exact(&mut byte)?;
    output.write_all(&byte)?;
    let mut buffer = vec![0u8; 1 << 16];
    let mut total: u64 = 0;
    loop {
        let n = input.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        total += n as u64;
    }
    writeln!(output, "{total}")
}

/// The command that starts this program as a child in `mode`.
pub fn command(mode: &str) -> io::Result<Command> {
    let mut command = Command::new(crate::this_program()?);
    command.arg(CHILD_ARG).arg(mode);
    Ok(command)
}

/// Children started under one deadline. When it passes, every child not yet reaped is
/// killed, and [`Deadline::expired`] says so.
pub struct Deadline {
    shared: Arc<(Mutex<Watched>, Condvar)>,
    watcher: Option<thread::JoinHandle<()>>,
    limit: Duration,
}

#[derive(Default)]
struct Watched {
    /// Children started, and whether each leads a process group of its own (then the whole
    /// group is killed). A child is reaped only through its `Child`, under this lock, so
    /// the watcher never signals a pid that has been reused.
    live: Vec<(Child, bool)>,
    done: bool,
    expired: bool,
}

impl Deadline {
    pub fn new(limit: Duration) -> Deadline {
        let shared = Arc::new((Mutex::new(Watched::default()), Condvar::new()));
        let watcher = {
            let shared = shared.clone();
            thread::spawn(move || {
                let (watched, changed) = &*shared;
                let end = Instant::now() + limit;
                let mut state = watched.lock().unwrap_or_else(PoisonError::into_inner);
                while !state.done {
                    let now = Instant::now();
                    if now >= end {
                        state.expired = true;
                        for (child, group) in &mut state.live {
                            kill(child, *group);
                        }
                        return;
                    }
                    state = changed
                        .wait_timeout(state, end - now)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0;
                }
            })
        };
        Deadline {
            shared,
            watcher: Some(watcher),
            limit,
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, Watched> {
        self.shared.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn expired(&self) -> bool {
        self.state().expired
    }

    /// Why a wait failed, when the deadline is the reason.
    pub fn error(&self, what: &str) -> String {
        format!(
            "{what} did not finish within {}; the lab killed its child processes",
            crate::run::limit_text(self.limit)
        )
    }

    /// Starts `command` as a child under this deadline; returns its pipes (the ones asked
    /// for) and its index for [`Deadline::reap`].
    pub fn spawn(&self, command: &mut Command) -> io::Result<(usize, Pipes)> {
        self.start(command, false)
    }

    /// The same, with the child leading a process group of its own, killed whole at the
    /// deadline: for a child that starts children of its own (python3 with
    /// multiprocessing), whose children would otherwise outlive it and keep its pipes open.
    pub fn spawn_group(&self, command: &mut Command) -> io::Result<(usize, Pipes)> {
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(command, 0);
        self.start(command, cfg!(unix))
    }

    fn start(&self, command: &mut Command, group: bool) -> io::Result<(usize, Pipes)> {
        let mut state = self.state();
        if state.expired {
            return Err(io::Error::other("the deadline has passed"));
        }
        let mut child = command.spawn()?;
        let pipes = Pipes {
            stdin: child.stdin.take(),
            stdout: child.stdout.take(),
            stderr: child.stderr.take(),
        };
        state.live.push((child, group));
        Ok((state.live.len() - 1, pipes))
    }

    /// Waits for child `index` to exit and reaps it. The wait itself does not reap, so that
    /// the watcher may still kill the child by its pid while this thread waits.
    pub fn reap(&self, index: usize) -> io::Result<ExitStatus> {
        let pid = self.state().live[index].0.id();
        wait_without_reaping(pid)?;
        let mut state = self.state();
        state.live[index].0.wait()
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        {
            let mut state = self.state();
            state.done = true;
            for (child, group) in &mut state.live {
                if let Ok(None) = child.try_wait() {
                    kill(child, *group);
                    let _ = child.wait();
                }
            }
        }
        self.shared.1.notify_all();
        if let Some(watcher) = self.watcher.take() {
            let _ = watcher.join();
        }
    }
}

/// A child's pipes, taken out of its `Child`.
pub struct Pipes {
    pub stdin: Option<std::process::ChildStdin>,
    pub stdout: Option<std::process::ChildStdout>,
    pub stderr: Option<std::process::ChildStderr>,
}

/// Kills a child that has not been reaped (its pid, and so its group id, is still its own).
fn kill(child: &mut Child, group: bool) {
    #[cfg(unix)]
    if group {
        // SAFETY: kill has no memory effects; the group is the child's own, and the child
        // is not reaped yet, so its id names no other process.
        unsafe { libc::kill(-(child.id() as libc::pid_t), libc::SIGKILL) };
    }
    let _ = group;
    let _ = child.kill();
}

#[cfg(unix)]
fn wait_without_reaping(pid: u32) -> io::Result<()> {
    loop {
        // SAFETY: `info` is a plain C struct that waitid fills in; zeroed is a valid value.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: waitid only writes to `info`, which lives for the whole call.
        let result = unsafe {
            libc::waitid(
                libc::P_PID,
                pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            )
        };
        if result == 0 {
            return Ok(());
        }
        let error = io::Error::last_os_error();
        if error.kind() != io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
}

#[cfg(not(unix))]
fn wait_without_reaping(_pid: u32) -> io::Result<()> {
    // Without waitid, `reap` waits while holding the lock, so the watcher cannot kill the
    // child meanwhile; the children here all exit on their own.
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_child_that_never_answers_is_killed_at_the_deadline() {
        let deadline = Deadline::new(Duration::from_millis(300));
        let start = Instant::now();
        let (index, pipes) = deadline
            .spawn(
                Command::new("sleep")
                    .arg("30")
                    .stdin(std::process::Stdio::piped()),
            )
            .expect("sleep starts");
        let status = deadline.reap(index).expect("reaped");
        drop(pipes);
        assert!(!status.success(), "killed, not finished: {status}");
        assert!(deadline.expired());
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the wait ended at the deadline"
        );
        assert_eq!(
            deadline.error("the ping-pong"),
            "the ping-pong did not finish within 0.3 s; the lab killed its child processes"
        );
        assert!(
            deadline.spawn(&mut Command::new("true")).is_err(),
            "no new child after the deadline"
        );
    }

    #[test]
    fn a_child_that_answers_in_time_is_reaped_normally() {
        let deadline = Deadline::new(Duration::from_secs(20));
        let (index, _) = deadline
            .spawn(&mut Command::new("true"))
            .expect("true starts");
        assert!(deadline.reap(index).expect("reaped").success());
        assert!(!deadline.expired());
    }
}
