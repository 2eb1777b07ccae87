//! Exit codes, signals, output order and cap, the time limit and strays, with `sh -c`.

#![cfg(unix)]

use std::process::Command;
use std::time::Duration;

use sandbox::{Limits, Outcome, Status};

fn sh(script: &str) -> Command {
    let mut command = Command::new("sh");
    command.arg("-c").arg(script);
    command
}

fn limits(secs: u64) -> Limits {
    Limits {
        time: Duration::from_secs(secs),
        ..Limits::default()
    }
}

/// Runs under a deadline of its own, so a bug in the sandbox fails the test instead of
/// hanging it. Returns the outcome and the lines the callback saw.
fn run(command: Command, limits: Limits, deadline_secs: u64) -> (Outcome, Vec<String>) {
    deadline::within_secs(deadline_secs, "sandbox::run", move || {
        let mut lines = Vec::new();
        let outcome = sandbox::run(command, &limits, &mut |line| lines.push(line.to_owned()))
            .expect("the command starts");
        (outcome, lines)
    })
}

/// Whether `pid` is a live process (not a zombie), from /proc, or `kill -0` elsewhere.
fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let state = stat.rsplit_once(')').map(|(_, rest)| rest.trim_start());
            !matches!(state.and_then(|s| s.chars().next()), Some('Z' | 'X'))
        }
        Err(_) if std::path::Path::new("/proc/self").exists() => false,
        Err(_) => Command::new("kill")
            .args(["-0", &pid.to_string()])
            .status()
            .is_ok_and(|s| s.success()),
    }
}

fn pids_in(output: &str, label: &str) -> Vec<u32> {
    output
        .lines()
        .filter_map(|line| line.strip_prefix(label))
        .map(|pid| pid.trim().parse().expect("a pid"))
        .collect()
}

#[test]
fn exit_codes_are_reported() {
    let (outcome, _) = run(sh("exit 0"), limits(20), 30);
    assert_eq!(outcome.status, Status::Exited(0));
    let (outcome, _) = run(sh("exit 3"), limits(20), 30);
    assert_eq!(outcome.status, Status::Exited(3));
    assert_eq!(outcome.strays_killed, 0);
}

#[test]
fn signals_are_reported() {
    let (outcome, _) = run(sh("kill -s KILL $$"), limits(20), 30);
    assert_eq!(outcome.status, Status::Signalled(9), "{outcome:?}");
    let (outcome, _) = run(sh("kill -s SEGV $$"), limits(20), 30);
    assert_eq!(outcome.status, Status::Signalled(11), "{outcome:?}");
}

#[test]
fn a_missing_program_is_an_error() {
    let result = sandbox::run(
        Command::new("/nonexistent/program"),
        &limits(5),
        &mut |_| {},
    );
    assert!(result.is_err());
}

#[test]
fn stdout_and_stderr_lines_arrive_in_order() {
    let script =
        "for i in 1 2 3 4 5 6 7 8 9 10; do echo out $i; echo err $i >&2; done; printf tail";
    let (outcome, lines) = run(sh(script), limits(20), 30);
    assert_eq!(outcome.status, Status::Exited(0));
    let mut expected = Vec::new();
    for i in 1..=10 {
        expected.push(format!("out {i}"));
        expected.push(format!("err {i}"));
    }
    expected.push("tail".to_owned());
    assert_eq!(lines, expected);
    assert_eq!(outcome.output, expected.join("\n"));
}

#[test]
fn stdin_is_empty() {
    let (outcome, lines) = run(sh("cat; echo done"), limits(20), 30);
    assert_eq!(outcome.status, Status::Exited(0));
    assert_eq!(lines, ["done"]);
}

#[test]
fn the_output_is_capped_and_the_run_still_ends() {
    // About 6 MiB of lines, more than the cap: kept up to the cap, the rest read and dropped
    // (a writer blocked on a full pipe would never end).
    let script = "yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c 6000000; echo; echo end";
    let (outcome, lines) = run(sh(script), limits(60), 90);
    assert_eq!(outcome.status, Status::Exited(0));
    let note = outcome.output.lines().last().unwrap_or_default();
    assert!(note.starts_with("[sandbox: output truncated"), "{note}");
    assert!(outcome.output.len() <= sandbox::OUTPUT_CAP + 200);
    assert!(outcome.output.len() >= sandbox::OUTPUT_CAP);
    assert_eq!(lines.last().map(String::as_str), Some(note));
    assert!(
        !lines.iter().any(|line| line == "end"),
        "the end was dropped"
    );
}

#[test]
fn a_command_that_sleeps_forever_is_killed_at_the_limit() {
    let limit = Duration::from_secs(2);
    let (outcome, lines) = run(
        sh("echo started; sleep 1000"),
        Limits {
            time: limit,
            ..Limits::default()
        },
        60,
    );
    assert_eq!(outcome.status, Status::TimedOut);
    assert_eq!(lines, ["started"]);
    assert!(outcome.elapsed >= limit, "{:?}", outcome.elapsed);
    assert!(
        outcome.elapsed < limit + Duration::from_secs(10),
        "{:?}",
        outcome.elapsed
    );
    // The shell's `sleep` child was killed with it (unless the shell exec'd `sleep`).
    assert!(outcome.strays_killed <= 1, "{outcome:?}");
    let left = sandbox::leftovers();
    assert!(left.is_empty(), "still alive: {left:?}");
}

#[test]
fn a_background_sleep_left_behind_is_killed() {
    let (outcome, _) = run(sh("sleep 1000 & echo stray $!; echo bye"), limits(20), 60);
    assert_eq!(outcome.status, Status::Exited(0));
    let strays = pids_in(&outcome.output, "stray ");
    assert_eq!(strays.len(), 1, "{}", outcome.output);
    assert!(outcome.strays_killed >= 1, "{outcome:?}");
    assert!(!alive(strays[0]), "the stray {} is alive", strays[0]);
    let left = sandbox::leftovers();
    assert!(!left.contains(&strays[0]), "{left:?}");
}

#[test]
fn a_stray_holding_the_pipe_open_does_not_keep_the_run_waiting() {
    // The background job inherits stdout; the run must end when the shell does.
    let (outcome, _) = run(sh("(sleep 1000; echo never) & exit 0"), limits(30), 60);
    assert_eq!(outcome.status, Status::Exited(0));
    assert!(
        outcome.elapsed < Duration::from_secs(20),
        "{:?}",
        outcome.elapsed
    );
    assert!(outcome.strays_killed >= 1);
}
