//! Reading what `cargo test` prints: which test target ran, each test's outcome, each
//! failure's message, and compile errors. Works on cargo's stderr and the test binaries'
//! stdout merged in order (see [`crate::cargo`]).

use std::collections::BTreeMap;

/// What happened to one test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    Failed,
    Ignored,
}

/// One `test NAME ... ok` line, with the target it ran in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestResult {
    /// The test target: `threads` for `tests/threads.rs`.
    pub target: String,
    /// The test's path inside the target: `dropping_the_guard_unlocks`.
    pub name: String,
    pub outcome: Outcome,
}

impl TestResult {
    /// `threads::dropping_the_guard_unlocks`, as `caught_by` names tests.
    pub fn id(&self) -> String {
        test_id(&self.target, &self.name)
    }
}

/// The test binary that holds both halves of a graded suite (`tests/graded.rs`); its tests
/// are named by module (`threads::x`, `under_loom::y`), which is already how `caught_by`
/// and the contracts name them.
pub const GRADED: &str = "graded";

/// `target::name`, as `caught_by` names tests; in the [`GRADED`] binary the name alone, since
/// it starts with its module (`threads::x`), the name of the target it replaced.
pub fn test_id(target: &str, name: &str) -> String {
    if target == GRADED {
        name.to_owned()
    } else {
        format!("{target}::{name}")
    }
}

/// One test binary that cargo ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub name: String,
    /// It printed its `test result:` line, so every test in it reported.
    pub finished: bool,
    /// Why the binary stopped early, when cargo said so (`signal: 6, SIGABRT ...`).
    pub crash: Option<String>,
}

/// Everything read from one `cargo test` run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Targets in the order they ran.
    pub targets: Vec<Target>,
    /// Tests in the order they reported.
    pub tests: Vec<TestResult>,
    /// Failure messages by test id (`target::name`), from the `---- NAME stdout ----` blocks.
    pub messages: BTreeMap<String, String>,
    /// Tests libtest said were running for over 60 seconds (ids), in case they never end.
    pub slow: Vec<String>,
}

impl Report {
    pub fn passed(&self) -> usize {
        self.count(Outcome::Passed)
    }

    pub fn failed(&self) -> usize {
        self.count(Outcome::Failed)
    }

    /// Tests that ran (passed or failed); ignored ones do not count.
    pub fn ran(&self) -> usize {
        self.passed() + self.failed()
    }

    fn count(&self, outcome: Outcome) -> usize {
        self.tests.iter().filter(|t| t.outcome == outcome).count()
    }

    /// The first failed test, with its message when there is one.
    pub fn first_failure(&self) -> Option<(&TestResult, Option<&str>)> {
        let test = self.tests.iter().find(|t| t.outcome == Outcome::Failed)?;
        Some((test, self.messages.get(&test.id()).map(String::as_str)))
    }

    /// Did the test `target::name` fail? A test that never reported counts as failed when
    /// its target stopped before finishing (a crash or the time limit).
    pub fn did_fail(&self, id: &str) -> bool {
        if let Some(test) = self.tests.iter().find(|t| t.id() == id) {
            return test.outcome == Outcome::Failed;
        }
        let target = id.split("::").next().unwrap_or(id);
        self.targets
            .iter()
            .any(|t| (t.name == target || t.name == GRADED) && !t.finished)
    }

    /// Targets that stopped without reporting all their tests.
    pub fn unfinished(&self) -> impl Iterator<Item = &Target> {
        self.targets.iter().filter(|t| !t.finished)
    }
}

/// The line with which loom-harness starts the failure it writes just before a loom model
/// aborts the test program (then the test's name), and the line that ends it: the same texts
/// as `ABORT_BEGIN` and `ABORT_END` in crates/loom-harness/src/lib.rs.
pub const ABORT_BEGIN: &str = "loom-harness: this model failed, and the program aborts next:";
pub const ABORT_END: &str = "loom-harness: end of the report";

/// Reads the merged output of `cargo test`.
pub fn parse(output: &str) -> Report {
    let mut report = Report::default();
    // The failure block being read: (test id, lines so far).
    let mut block: Option<(String, Vec<&str>)> = None;
    // The same for a report written before an abort, which ends at its own marker.
    let mut before_abort: Option<(String, Vec<&str>)> = None;
    for raw in output.lines() {
        let line = raw.trim_end_matches('\r');
        let trimmed = line.trim();

        if let Some((id, lines)) = before_abort.as_mut() {
            if trimmed != ABORT_END {
                lines.push(line);
                continue;
            }
            let id = std::mem::take(id);
            report
                .messages
                .insert(id.clone(), lines.join("\n").trim_matches('\n').to_owned());
            // The program aborts before libtest prints this test's verdict.
            if !report.tests.iter().any(|t| t.id() == id) {
                let target = current_target(&report);
                let name = id.strip_prefix(&format!("{target}::")).unwrap_or(&id);
                report.tests.push(TestResult {
                    target,
                    name: name.to_owned(),
                    outcome: Outcome::Failed,
                });
            }
            before_abort = None;
            continue;
        }
        if let Some(name) = trimmed.strip_prefix(ABORT_BEGIN) {
            before_abort = Some((test_id(&current_target(&report), name.trim()), Vec::new()));
            continue;
        }

        if let Some((id, lines)) = block.as_mut() {
            let ends = trimmed == "failures:"
                || trimmed == "successes:"
                || trimmed.starts_with("test result:")
                || failure_header(trimmed).is_some();
            if !ends {
                lines.push(line);
                continue;
            }
            let message = lines.join("\n").trim_matches('\n').to_owned();
            report.messages.insert(std::mem::take(id), message);
            block = None;
        }

        if let Some(rest) = trimmed.strip_prefix("Running ") {
            report.targets.push(Target {
                name: target_name(rest),
                finished: false,
                crash: None,
            });
        } else if trimmed.starts_with("Doc-tests ") {
            report.targets.push(Target {
                name: "doctests".into(),
                finished: false,
                crash: None,
            });
        } else if trimmed.starts_with("test result:") {
            if let Some(target) = report.targets.last_mut() {
                target.finished = true;
            }
        } else if let Some(name) = failure_header(trimmed) {
            let target = current_target(&report);
            block = Some((test_id(&target, name), Vec::new()));
        } else if let Some(name) = line
            .strip_prefix("test ")
            .and_then(|rest| rest.strip_suffix(" has been running for over 60 seconds"))
        {
            let target = current_target(&report);
            report.slow.push(test_id(&target, name));
        } else if let Some((name, outcome)) = test_line(line) {
            let target = current_target(&report);
            report.tests.push(TestResult {
                target,
                name: name.to_owned(),
                outcome,
            });
        } else if let Some(rest) = trimmed.strip_prefix("process didn't exit successfully:")
            && let Some(target) = report.targets.last_mut().filter(|t| !t.finished)
        {
            let why = rest.rsplit_once(" (").map_or(rest, |(_, why)| why);
            target.crash = Some(why.trim().trim_end_matches(')').to_owned());
        }
    }
    if let Some((id, lines)) = block {
        report
            .messages
            .insert(id, lines.join("\n").trim_matches('\n').to_owned());
    }
    report
}

fn current_target(report: &Report) -> String {
    report
        .targets
        .last()
        .map_or_else(|| "tests".to_owned(), |t| t.name.clone())
}

/// `---- NAME stdout ----` gives `NAME`.
fn failure_header(trimmed: &str) -> Option<&str> {
    trimmed.strip_prefix("---- ")?.strip_suffix(" stdout ----")
}

/// `test NAME ... ok` gives `(NAME, Passed)`.
fn test_line(line: &str) -> Option<(&str, Outcome)> {
    let rest = line.strip_prefix("test ")?;
    let (name, result) = rest.rsplit_once(" ... ")?;
    let outcome = match result.trim() {
        "ok" => Outcome::Passed,
        "FAILED" => Outcome::Failed,
        r if r.starts_with("ignored") => Outcome::Ignored,
        _ => return None,
    };
    let name = name.strip_suffix(" - should panic").unwrap_or(name);
    Some((name.trim(), outcome))
}

/// The target's name from the rest of a `Running` line: the test binary's name without its
/// hash (`target/debug/deps/under_loom-0a1b2c3d4e5f6a7b` gives `under_loom`), or the stem of
/// the source file when there is no binary in parentheses.
pub fn target_name(rest: &str) -> String {
    if let Some(open) = rest.rfind(" (")
        && let Some(binary) = rest[open + 2..].strip_suffix(')')
    {
        let file = binary.rsplit(['/', '\\']).next().unwrap_or(binary);
        let file = file.strip_suffix(".exe").unwrap_or(file);
        let name = match file.rsplit_once('-') {
            Some((name, hash))
                if !hash.is_empty() && hash.chars().all(|c| c.is_ascii_hexdigit()) =>
            {
                name
            }
            _ => file,
        };
        return name.to_owned();
    }
    let path = rest.strip_prefix("unittests ").unwrap_or(rest).trim();
    let file = path.rsplit(['/', '\\']).next().unwrap_or(path);
    file.strip_suffix(".rs").unwrap_or(file).to_owned()
}

/// The compile errors in cargo's output, when the build failed: each `error` block up to
/// cargo's own `could not compile` line.
pub fn compile_errors(output: &str) -> Option<String> {
    let mut kept = Vec::new();
    let mut inside = false;
    for line in output.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("error[") || trimmed.starts_with("error:") {
            // Test failures are reported as errors too; they are not compile errors.
            let about_tests = trimmed.starts_with("error: test failed")
                || (trimmed.contains("target") && trimmed.ends_with("failed:"));
            inside = !about_tests;
        } else if trimmed.starts_with("warning") || trimmed.starts_with("Compiling ") {
            inside = false;
        }
        if inside {
            kept.push(line);
        }
    }
    let text = kept.join("\n").trim().to_owned();
    (!text.is_empty()).then_some(text)
}

/// Shortens `text` to `max` lines, saying how many were left out.
pub fn first_lines(text: &str, max: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() <= max {
        return text.to_owned();
    }
    let mut short = lines[..max].join("\n");
    short.push_str(&format!("\n... ({} more lines)", lines.len() - max));
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUN: &str = "\
   Compiling exercise-04 v0.1.0 (/r/exercises/exercise-04-spin-lock)
    Finished `test` profile [unoptimized + debuginfo] target(s) in 1.20s
     Running tests/threads.rs (target/debug/deps/threads-0f1e2d3c4b5a6978)

running 3 tests
test lock_gives_access ... ok
test dropping_the_guard_unlocks ... FAILED
test slow_one ... ignored, takes a minute

failures:

---- dropping_the_guard_unlocks stdout ----

thread 'dropping_the_guard_unlocks' panicked at tests/threads.rs:30:9:
possible deadlock: lock() did not finish within 5 s
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace


failures:
    dropping_the_guard_unlocks

test result: FAILED. 1 passed; 1 failed; 1 ignored; 0 measured; 0 filtered out; finished in 5.01s

error: test failed, to rerun pass `--test threads`
     Running /abs/exercises/exercise-04-spin-lock/tests/under_loom.rs (target/course-check/debug/deps/under_loom-a1b2c3d4e5f60718)

running 2 tests
test loom_two_threads ... ok
test source_reaches_atomics_through_crate_sync ... ok

test result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.02s

error: 1 target failed:
    `--test threads`
";

    #[test]
    fn reads_targets_tests_and_messages() {
        let report = parse(RUN);
        let ids: Vec<(String, Outcome)> =
            report.tests.iter().map(|t| (t.id(), t.outcome)).collect();
        assert_eq!(
            ids,
            [
                ("threads::lock_gives_access".to_owned(), Outcome::Passed),
                (
                    "threads::dropping_the_guard_unlocks".to_owned(),
                    Outcome::Failed
                ),
                ("threads::slow_one".to_owned(), Outcome::Ignored),
                ("under_loom::loom_two_threads".to_owned(), Outcome::Passed),
                (
                    "under_loom::source_reaches_atomics_through_crate_sync".to_owned(),
                    Outcome::Passed
                ),
            ]
        );
        assert_eq!((report.passed(), report.failed(), report.ran()), (3, 1, 4));
        let (first, message) = report.first_failure().expect("one failure");
        assert_eq!(first.name, "dropping_the_guard_unlocks");
        let message = message.expect("a message");
        assert!(
            message.starts_with("thread 'dropping_the_guard_unlocks' panicked"),
            "{message}"
        );
        assert!(message.contains("possible deadlock"), "{message}");
        assert!(!message.contains("failures:"), "{message}");
        assert!(
            report
                .targets
                .iter()
                .all(|t| t.finished && t.crash.is_none())
        );
        assert!(report.did_fail("threads::dropping_the_guard_unlocks"));
        assert!(!report.did_fail("threads::lock_gives_access"));

        // In the one-binary layout the module names the half.
        let graded = parse(
            "     Running tests/graded.rs (target/debug/deps/graded-0123456789abcdef)\n\
             test threads::a ... ok\ntest under_loom::b ... FAILED\ntest result: FAILED.\n",
        );
        assert_eq!(graded.tests[0].id(), "threads::a");
        assert!(graded.did_fail("under_loom::b") && !graded.did_fail("threads::a"));
        assert!(!report.did_fail("threads::no_such_test"));
    }

    #[test]
    fn a_crashed_target_counts_its_silent_tests_as_failed() {
        let output = "\
     Running tests/threads.rs (target/debug/deps/threads-0f1e2d3c4b5a6978)

running 2 tests
test quick ... ok
error: test failed, to rerun pass `--test threads`

Caused by:
  process didn't exit successfully: `/r/target/debug/deps/threads-0f1e2d3c4b5a6978` (signal: 6, SIGABRT: process abort signal)
";
        let report = parse(output);
        let target = &report.targets[0];
        assert!(!target.finished);
        assert_eq!(
            target.crash.as_deref(),
            Some("signal: 6, SIGABRT: process abort signal")
        );
        assert!(report.did_fail("threads::the_one_that_aborted"));
        assert!(!report.did_fail("threads::quick"));
        assert_eq!(report.unfinished().count(), 1);
    }

    #[test]
    fn a_loom_report_written_before_an_abort_is_the_failure_of_its_test() {
        let output = format!(
            "     Running tests/graded.rs (target/debug/deps/graded-0f1e2d3c4b5a6978)

running 3 tests
test threads::quick ... ok
test threads::stop_wakes_the_refiller ... FAILED

{ABORT_BEGIN} under_loom::loom_stop_joins
loom found an interleaving in which this does not hold:
    stop() ends the refill thread

Every thread is blocked waiting for another: a deadlock.
{ABORT_END}
thread caused non-unwinding panic. aborting.
error: test failed, to rerun pass `--test graded`

Caused by:
  process didn't exit successfully: `/r/target/debug/deps/graded-0f1e2d3c4b5a6978` (signal: 6, SIGABRT: process abort signal)
"
        );
        let report = parse(&output);
        assert!(report.did_fail("under_loom::loom_stop_joins"));
        let message = &report.messages["under_loom::loom_stop_joins"];
        assert!(
            message.starts_with("loom found an interleaving"),
            "{message}"
        );
        assert!(message.ends_with("a deadlock."), "{message}");
        assert!(report.did_fail("threads::stop_wakes_the_refiller"));
        assert!(
            !report
                .messages
                .contains_key("threads::stop_wakes_the_refiller")
        );
        assert!(report.targets[0].crash.is_some());
    }

    #[test]
    fn the_abort_markers_are_those_loom_harness_writes() {
        let harness = include_str!("../crates/loom-harness/src/lib.rs");
        for marker in [ABORT_BEGIN, ABORT_END] {
            assert!(
                harness.contains(&format!("\"{marker}\"")),
                "crates/loom-harness/src/lib.rs no longer writes {marker:?}"
            );
        }
    }

    #[test]
    fn slow_tests_are_remembered() {
        let output = "     Running tests/threads.rs (target/debug/deps/threads-0f1e2d3c4b5a6978)\n\
                      test stuck has been running for over 60 seconds\n";
        assert_eq!(parse(output).slow, ["threads::stuck"]);
    }

    #[test]
    fn target_names_come_from_the_binary_or_the_file() {
        assert_eq!(
            target_name("tests/under_loom.rs (target/debug/deps/under_loom-a1b2c3d4e5f60718)"),
            "under_loom"
        );
        assert_eq!(
            target_name(r"tests\threads.rs (target\debug\deps\threads-a1b2c3d4e5f60718.exe)"),
            "threads"
        );
        assert_eq!(
            target_name("unittests src/lib.rs (target/debug/deps/course-a1b2c3d4e5f60718)"),
            "course"
        );
        assert_eq!(target_name("tests/book.rs"), "book");
    }

    #[test]
    fn test_lines_and_their_variants() {
        assert_eq!(
            test_line("test a::b ... ok"),
            Some(("a::b", Outcome::Passed))
        );
        assert_eq!(
            test_line("test p - should panic ... FAILED"),
            Some(("p", Outcome::Failed))
        );
        assert_eq!(
            test_line("test q ... ignored"),
            Some(("q", Outcome::Ignored))
        );
        assert_eq!(
            test_line("test src/lib.rs - Foo (line 3) ... ok"),
            Some(("src/lib.rs - Foo (line 3)", Outcome::Passed))
        );
        assert_eq!(test_line("test result: ok. 1 passed"), None);
        assert_eq!(
            test_line("test x has been running for over 60 seconds"),
            None
        );
        assert_eq!(test_line("running 3 tests"), None);
    }

    #[test]
    fn messages_stop_at_the_next_block() {
        let output = "\
     Running tests/a.rs (target/debug/deps/a-0123456789abcdef)
test one ... FAILED
test two ... FAILED

failures:

---- one stdout ----
first
---- two stdout ----
second

failures:
    one
    two

test result: FAILED. 0 passed; 2 failed
";
        let report = parse(output);
        assert_eq!(
            report.messages.get("a::one").map(String::as_str),
            Some("first")
        );
        assert_eq!(
            report.messages.get("a::two").map(String::as_str),
            Some("second")
        );
    }

    #[test]
    fn compile_errors_are_found_and_test_failures_are_not() {
        let output = "\
   Compiling exercise-04 v0.1.0 (/r)
warning: unused variable: `x`
 --> src/spin_lock.rs:3:9
error[E0308]: mismatched types
 --> src/spin_lock.rs:9:5
  |
9 |     1
  |     ^ expected `bool`, found integer

error: could not compile `exercise-04` (lib) due to 1 previous error
";
        let errors = compile_errors(output).expect("errors");
        assert!(
            errors.starts_with("error[E0308]: mismatched types"),
            "{errors}"
        );
        assert!(errors.contains("could not compile"), "{errors}");
        assert!(!errors.contains("unused variable"), "{errors}");
        assert_eq!(compile_errors(RUN), None);
        assert_eq!(compile_errors("   Compiling x\n    Finished"), None);
    }

    #[test]
    fn long_messages_are_cut() {
        let text: Vec<String> = (1..=30).map(|n| n.to_string()).collect();
        let short = first_lines(&text.join("\n"), 25);
        assert!(short.ends_with("25\n... (5 more lines)"), "{short}");
        assert_eq!(first_lines("a\nb", 25), "a\nb");
    }
}
