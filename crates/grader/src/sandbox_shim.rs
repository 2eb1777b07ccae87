//! Stand-in for `crates/sandbox` (same API) until that crate lands: a process group killed
//! at the time limit, no resource limits.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct Limits {
    pub time: Duration,
    pub memory_bytes: Option<u64>,
    pub file_size_bytes: Option<u64>,
    pub open_files: Option<u64>,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Exited(i32),
    Signalled(i32),
    TimedOut,
}

#[derive(Debug, Clone, Default)]
pub struct Applied {
    pub memory: bool,
    pub file_size: bool,
    pub open_files: bool,
    pub network: bool,
    pub reaper: bool,
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub status: Status,
    pub output: String,
    pub elapsed: Duration,
    pub strays_killed: usize,
    pub applied: Applied,
}

pub fn run(
    mut command: Command,
    limits: &Limits,
    on_line: &mut dyn FnMut(&str),
) -> std::io::Result<Outcome> {
    use std::os::unix::process::{CommandExt, ExitStatusExt};
    let started = Instant::now();
    let (reader, writer) = std::io::pipe()?;
    let writer_too = writer.try_clone()?;
    command
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(writer_too)
        .process_group(0);
    let spawned = command.spawn();
    drop(command);
    let mut child = spawned?;
    let pgid = child.id();
    let (tx, rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(reader).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut output = String::new();
    let status = loop {
        while let Ok(line) = rx.recv_timeout(Duration::from_millis(20)) {
            on_line(&line);
            output.push_str(&line);
            output.push('\n');
        }
        if let Some(status) = child.try_wait()? {
            break match status.code() {
                Some(code) => Status::Exited(code),
                None => Status::Signalled(status.signal().unwrap_or(0)),
            };
        }
        if started.elapsed() >= limits.time {
            break Status::TimedOut;
        }
    };
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{pgid}")])
        .stderr(Stdio::null())
        .status();
    let _ = child.wait();
    let until = Instant::now() + Duration::from_millis(300);
    while let Ok(line) = rx.recv_timeout(until.saturating_duration_since(Instant::now())) {
        on_line(&line);
        output.push_str(&line);
        output.push('\n');
    }
    Ok(Outcome {
        status,
        output,
        elapsed: started.elapsed(),
        strays_killed: 0,
        applied: Applied::default(),
    })
}

pub fn leftovers() -> Vec<u32> {
    Vec::new()
}
