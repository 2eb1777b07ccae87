//! Running one exercise's test executables under the sandbox, within the exercise's time
//! limit, and reading libtest's output into per-test results.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use course::libtest::{self, Outcome};

use crate::build::Executable;
use crate::report::TestStatus;
use sandbox::{self, Limits, Status};

/// The longest failure message kept for one test.
const MESSAGE_CHARS: usize = 2_000;
const MESSAGE_LINES: usize = 30;

/// One test as the runs saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct TestResult {
    pub name: String,
    pub status: TestStatus,
    pub message: Option<String>,
    pub hidden: bool,
}

/// What running an exercise's executables (once) gave.
#[derive(Debug, Clone, Default)]
pub struct Run {
    pub tests: Vec<TestResult>,
    pub timed_out: bool,
    /// A crash or an early exit of a test binary, said in words.
    pub crash: Option<String>,
    pub elapsed: Duration,
    pub strays_killed: usize,
    /// Applied limits, by name, of every run (an empty list when nothing ran).
    pub applied: Vec<Vec<String>>,
}

/// Everything the test binaries run with.
#[derive(Debug, Clone)]
pub struct Setting<'a> {
    /// The exercise's crate in the assembled workspace (the binaries' working directory).
    pub crate_dir: &'a Path,
    /// A scratch directory for HOME and TMPDIR, emptied before the run.
    pub scratch: &'a Path,
    pub limits: &'a Limits,
}

fn applied_names(applied: &sandbox::Applied) -> Vec<String> {
    let mut names = Vec::new();
    for (on, name) in [
        (applied.memory, "memory"),
        (applied.file_size, "file_size"),
        (applied.open_files, "open_files"),
        (applied.network, "network"),
        (applied.reaper, "reaper"),
    ] {
        if on {
            names.push(name.to_owned());
        }
    }
    names
}

fn command(exe: &Executable, setting: &Setting<'_>) -> Command {
    let mut command = Command::new(&exe.path);
    command
        .current_dir(setting.crate_dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", setting.scratch)
        .env("TMPDIR", setting.scratch)
        .env("CARGO_MANIFEST_DIR", setting.crate_dir)
        .env("RUST_BACKTRACE", "0")
        .env("LANG", "C.UTF-8");
    if let Some(scale) = std::env::var_os("COURSE_DEADLINE_SCALE") {
        command.env("COURSE_DEADLINE_SCALE", scale);
    }
    command
}

/// The names of the tests in `exe` (`--list`): listing runs none of the learner's code.
fn list(exe: &Executable, setting: &Setting<'_>) -> Vec<String> {
    let mut command = command(exe, setting);
    command.args(["--list", "--format", "terse"]);
    let limits = Limits {
        time: Duration::from_secs(30),
        ..setting.limits.clone()
    };
    let Ok(outcome) = sandbox::run(command, &limits, &mut |_| {}) else {
        return Vec::new();
    };
    outcome
        .output
        .lines()
        .filter_map(|line| line.strip_suffix(": test"))
        .map(|name| libtest::test_id(&exe.target, name.trim()))
        .collect()
}

/// Shortens a failure message to what a report can hold.
pub fn shorten(message: &str) -> String {
    let mut lines: Vec<&str> = message.lines().collect();
    let cut_lines = lines.len() > MESSAGE_LINES;
    lines.truncate(MESSAGE_LINES);
    let mut text = lines.join("\n");
    let cut_chars = text.chars().count() > MESSAGE_CHARS;
    if cut_chars {
        text = text.chars().take(MESSAGE_CHARS).collect();
    }
    if cut_lines || cut_chars {
        text.push_str("\n[…]");
    }
    text
}

/// Words for a signal number.
fn signal_words(signal: i32) -> String {
    let name = match signal {
        6 => " (SIGABRT: the process aborted)",
        9 => " (SIGKILL)",
        11 => " (SIGSEGV: an invalid memory access)",
        7 => " (SIGBUS)",
        4 => " (SIGILL)",
        8 => " (SIGFPE)",
        15 => " (SIGTERM)",
        _ => "",
    };
    format!("signal {signal}{name}")
}

/// Runs each test executable of `exes` in turn, all within `time_limit`.
pub fn run_once(
    exes: &[&Executable],
    setting: &Setting<'_>,
    time_limit: Duration,
    on_line: &mut dyn FnMut(&str),
) -> Run {
    let started = Instant::now();
    let mut run = Run::default();
    let _ = std::fs::remove_dir_all(setting.scratch);
    let _ = std::fs::create_dir_all(setting.scratch);
    for exe in exes {
        let hidden = exe.target.starts_with("hidden_");
        let names = list(exe, setting);
        let mut results: BTreeMap<String, (TestStatus, Option<String>)> = BTreeMap::new();
        let left = time_limit.saturating_sub(started.elapsed());
        let ending: Option<String>;
        if left.is_zero() {
            run.timed_out = true;
            ending = Some(format!(
                "did not run: the time limit ({} s) was spent by the tests before it",
                time_limit.as_secs()
            ));
        } else {
            let mut command = command(exe, setting);
            command.args(["--color", "never"]);
            let limits = Limits {
                time: left,
                ..setting.limits.clone()
            };
            match sandbox::run(command, &limits, on_line) {
                Err(e) => {
                    ending = Some(format!("could not start the test binary: {e}"));
                    run.crash
                        .get_or_insert_with(|| ending.clone().unwrap_or_default());
                }
                Ok(outcome) => {
                    run.strays_killed += outcome.strays_killed;
                    run.applied.push(applied_names(&outcome.applied));
                    let text = format!(
                        "     Running {} ({})\n{}",
                        exe.target,
                        exe.path.display(),
                        outcome.output
                    );
                    let report = libtest::parse(&text);
                    for test in &report.tests {
                        let id = test.id();
                        match test.outcome {
                            Outcome::Passed => {
                                results.insert(id, (TestStatus::Passed, None));
                            }
                            Outcome::Failed => {
                                let message = report
                                    .messages
                                    .get(&id)
                                    .map(|m| shorten(m))
                                    .filter(|m| !m.trim().is_empty())
                                    .unwrap_or_else(|| "failed".to_owned());
                                results.insert(id, (TestStatus::Failed, Some(message)));
                            }
                            Outcome::Ignored => {
                                results.insert(id, (TestStatus::Passed, Some("ignored".into())));
                            }
                        }
                    }
                    let finished = report.targets.iter().all(|t| t.finished);
                    ending = match outcome.status {
                        Status::TimedOut => {
                            run.timed_out = true;
                            Some(format!(
                                "did not finish: the suite was still running at its time limit ({} s) and was stopped",
                                time_limit.as_secs()
                            ))
                        }
                        Status::Signalled(signal) => {
                            let why = format!(
                                "the test binary `{}` was killed by {}",
                                exe.target,
                                signal_words(signal)
                            );
                            run.crash.get_or_insert_with(|| why.clone());
                            Some(format!("did not finish: {why}"))
                        }
                        Status::Exited(code) if !finished && code != 0 => {
                            let why = format!(
                                "the test binary `{}` stopped with exit code {code} before all its tests reported",
                                exe.target
                            );
                            run.crash.get_or_insert_with(|| why.clone());
                            Some(format!("did not finish: {why}"))
                        }
                        Status::Exited(_) if !finished => {
                            let why = format!(
                                "the test binary `{}` exited before all its tests reported",
                                exe.target
                            );
                            run.crash.get_or_insert_with(|| why.clone());
                            Some(format!("did not finish: {why}"))
                        }
                        Status::Exited(_) => None,
                    };
                }
            }
        }
        let mut all: Vec<String> = names;
        for id in results.keys() {
            if !all.contains(id) {
                all.push(id.clone());
            }
        }
        if all.is_empty() && ending.is_some() {
            // Nothing listed (the binary would not even list): one stand-in test.
            all.push(libtest::test_id(&exe.target, "suite"));
        }
        for name in all {
            let (status, message) = match results.remove(&name) {
                Some((_, Some(m))) if m == "ignored" => continue,
                Some(found) => found,
                None => (
                    TestStatus::Failed,
                    Some(
                        ending
                            .clone()
                            .unwrap_or_else(|| "did not report".to_owned()),
                    ),
                ),
            };
            run.tests.push(TestResult {
                name,
                status,
                message,
                hidden,
            });
        }
    }
    run.elapsed = started.elapsed();
    run
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_messages_are_cut() {
        let long = "line\n".repeat(100);
        let short = shorten(&long);
        assert_eq!(short.lines().count(), MESSAGE_LINES + 1);
        assert!(short.ends_with("[…]"));
        assert_eq!(shorten("one\ntwo"), "one\ntwo");
    }
}
