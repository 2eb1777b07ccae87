// Not Unix (Windows): the time limit and the merged output only. No rlimits, no namespace,
// and only the main process is killed at the limit; `Applied` says so.

use std::io::{self, Read};
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use crate::output::Collector;
use crate::{Applied, Limits, OUTPUT_CAP, Outcome, Status};

pub(crate) fn run(
    mut command: Command,
    limits: &Limits,
    on_line: &mut dyn FnMut(&str),
) -> io::Result<Outcome> {
    let (mut output, writer) = io::pipe()?;
    command
        .stdin(Stdio::null())
        .stdout(writer.try_clone()?)
        .stderr(writer);
    let spawned = command.spawn();
    drop(command);
    let mut child = spawned?;
    let started = Instant::now();
    let (chunks, received) = mpsc::channel::<Vec<u8>>();
    // The reader may block for good if a grandchild keeps the pipe open; it is left behind.
    std::thread::spawn(move || {
        let mut buffer = vec![0u8; 64 * 1024];
        while let Ok(n) = output.read(&mut buffer) {
            if n == 0 || chunks.send(buffer[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut collector = Collector::new(OUTPUT_CAP, on_line);
    let deadline = started + limits.time;
    let mut eof = false;
    let timed_out = loop {
        if !matches!(child.try_wait(), Ok(None)) {
            break false;
        }
        let now = Instant::now();
        if now >= deadline {
            break true;
        }
        let wait = (deadline - now).min(Duration::from_millis(25));
        if eof {
            std::thread::sleep(wait);
            continue;
        }
        match received.recv_timeout(wait) {
            Ok(chunk) => collector.push(&chunk),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => eof = true,
        }
    };
    let elapsed = started.elapsed();
    if timed_out {
        let _ = child.kill();
    }
    let exit = child.wait()?;
    let drain_until = Instant::now() + Duration::from_secs(1);
    while !eof {
        let now = Instant::now();
        if now >= drain_until {
            break;
        }
        match received.recv_timeout(drain_until - now) {
            Ok(chunk) => collector.push(&chunk),
            Err(RecvTimeoutError::Timeout) => break,
            Err(RecvTimeoutError::Disconnected) => eof = true,
        }
    }
    let status = match (timed_out, exit.code()) {
        (true, _) => Status::TimedOut,
        (false, Some(code)) => Status::Exited(code),
        (false, None) => Status::Signalled(0),
    };
    Ok(Outcome {
        status,
        output: collector.finish(),
        elapsed,
        strays_killed: 0,
        applied: Applied::default(),
    })
}
