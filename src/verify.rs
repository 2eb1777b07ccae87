//! The maintainer checks of one exercise: its stub fails the graded suite, its solution
//! passes it, and each known-broken variant (mutant) of the solution is caught. Used by
//! `cargo run -- verify` and by the root `cargo test` (tests/stubs_and_mutants.rs).
//!
//! Every run builds in `target/course-check`, so a nested cargo never waits for the lock
//! of an outer `cargo test` that uses `target/`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::alternatives::{self, Alternative};
use crate::cargo::Ended;
use crate::contract;
use crate::course::Exercise;
use crate::error::Result;
use crate::libtest::{Outcome, Report};
use crate::mutants::{self, Mutant};
use crate::suite::{Step, Suite, SuiteRun};
use crate::sweep::{self, OrderingMutant};

/// Whether a check holds, as one line without its ✓ or ✗ ("stub fails (0 of 9 pass)",
/// "mutant x was NOT caught: threads::t passed").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Holds(String),
    Fails(String),
}

impl Verdict {
    pub fn holds(&self) -> bool {
        matches!(self, Verdict::Holds(_))
    }

    pub fn text(&self) -> &str {
        match self {
            Verdict::Holds(text) | Verdict::Fails(text) => text,
        }
    }
}

/// What became of one of the sweep's mutants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SweepOutcome {
    /// Some tests failed on it (their ids).
    Killed(Vec<String>),
    /// Every test passed.
    Survived,
    /// It does not compile.
    Unviable,
}

/// Runs the checks of a course rooted at `root`.
#[derive(Debug, Clone)]
pub struct Checker {
    pub root: PathBuf,
    /// `target/course-check`: the target directory of every nested cargo run.
    pub check_dir: PathBuf,
}

impl Checker {
    pub fn new(root: &Path) -> Checker {
        Checker {
            root: root.to_path_buf(),
            check_dir: root.join("target").join("course-check"),
        }
    }

    fn suite(&self, cwd: &Path, selection: Vec<OsString>, exercise: &Exercise) -> Suite {
        Suite {
            cwd: cwd.to_path_buf(),
            selection,
            target_dir: Some(self.check_dir.clone()),
            time_limit: Duration::from_secs(exercise.time_limit),
            test_args: Vec::new(),
            throwaway: true,
        }
    }

    fn package_suite(&self, package: String, exercise: &Exercise) -> Suite {
        self.suite(&self.root, vec!["-p".into(), package.into()], exercise)
    }

    /// The stub must fail: cargo exits non-zero and every test fails except `source_*` ones.
    pub fn stub_fails(
        &self,
        exercise: &Exercise,
        on_step: &mut dyn FnMut(&Step),
    ) -> Result<Verdict> {
        let rel = exercise.exercise_rel();
        if !self.root.join(&rel).is_dir() {
            return Ok(Verdict::Fails(format!("stub: {rel} is missing")));
        }
        let run = self
            .package_suite(exercise.package(), exercise)
            .run(on_step)?;
        let (report, ended) = match &run {
            SuiteRun::BuildFailed { errors } => {
                return Ok(Verdict::Fails(format!(
                    "stub does not compile: {}",
                    first_line(errors)
                )));
            }
            SuiteRun::Ran { report, ended, .. } => (report, *ended),
        };
        if ended == Ended::TimedOut {
            return Ok(Verdict::Fails(format!(
                "stub: the suite hit the time limit of {} s: a test hangs on the stub instead of failing{}",
                exercise.time_limit,
                still_running(report)
            )));
        }
        if report.tests.is_empty() {
            return Ok(Verdict::Fails("stub: no tests ran".into()));
        }
        let passing: Vec<String> = report
            .tests
            .iter()
            .filter(|t| t.outcome == Outcome::Passed && !is_source_test(&t.name))
            .map(|t| t.id())
            .collect();
        if !passing.is_empty() {
            return Ok(Verdict::Fails(format!(
                "stub does not fail: {} pass on it (only source_* tests may)",
                list(&passing)
            )));
        }
        if ended == Ended::Exited(Some(0)) {
            return Ok(Verdict::Fails(
                "stub does not fail: cargo test exited with 0".into(),
            ));
        }
        let sources = report
            .tests
            .iter()
            .filter(|t| is_source_test(&t.name))
            .count();
        let graded = report.tests.len() - sources;
        Ok(Verdict::Holds(format!(
            "stub fails ({graded} graded tests fail{})",
            crashes(report)
        )))
    }

    /// The solution must pass every test of the graded suite.
    pub fn solution_passes(
        &self,
        exercise: &Exercise,
        on_step: &mut dyn FnMut(&Step),
    ) -> Result<Verdict> {
        let folder = exercise.solution_dir(&self.root);
        if !folder.is_dir() {
            return Ok(Verdict::Fails(format!(
                "solution: solutions/{} is missing",
                exercise.folder()
            )));
        }
        let suite = self.package_suite(exercise.solution_package(), exercise);
        self.suite_passes("solution", &suite, exercise, on_step)
    }

    /// Every test of `suite` must pass; `who` heads the verdict ("solution", "alternative x").
    fn suite_passes(
        &self,
        who: &str,
        suite: &Suite,
        exercise: &Exercise,
        on_step: &mut dyn FnMut(&Step),
    ) -> Result<Verdict> {
        let run = suite.run(on_step)?;
        let (report, ended) = match &run {
            SuiteRun::BuildFailed { errors } => {
                return Ok(Verdict::Fails(format!(
                    "{who} does not compile: {}",
                    first_line(errors)
                )));
            }
            SuiteRun::Ran { report, ended, .. } => (report, *ended),
        };
        if ended == Ended::TimedOut {
            return Ok(Verdict::Fails(format!(
                "{who}: the suite hit the time limit of {} s{}",
                exercise.time_limit,
                still_running(report)
            )));
        }
        let failing: Vec<String> = report
            .tests
            .iter()
            .filter(|t| t.outcome == Outcome::Failed)
            .map(|t| t.id())
            .collect();
        if !failing.is_empty() {
            let first = report
                .first_failure()
                .and_then(|(_, m)| m)
                .map(first_line)
                .unwrap_or("");
            return Ok(Verdict::Fails(format!(
                "{who} fails {}: {first}",
                list(&failing)
            )));
        }
        if let Some(target) = report.unfinished().next() {
            return Ok(Verdict::Fails(format!(
                "{who}: test target {} stopped early ({})",
                target.name,
                target.crash.as_deref().unwrap_or("no result line")
            )));
        }
        if report.passed() == 0 || ended != Ended::Exited(Some(0)) {
            return Ok(Verdict::Fails(format!("{who}: no tests passed")));
        }
        Ok(Verdict::Holds(format!(
            "{who} passes ({} tests)",
            report.passed()
        )))
    }

    /// The alternatives of `exercise` (`tests/alternatives/exercise-NN/`).
    pub fn alternatives(&self, exercise: &Exercise) -> Result<Vec<Alternative>, String> {
        alternatives::load(&self.root, exercise)
    }

    /// A correct implementation in another style must pass the whole graded suite.
    pub fn alternative_passes(
        &self,
        exercise: &Exercise,
        alternative: &Alternative,
        on_step: &mut dyn FnMut(&Step),
    ) -> Result<Verdict> {
        let who = format!("alternative {}", alternative.name);
        let manifest =
            match alternatives::prepare(&self.root, &self.check_dir, exercise, alternative) {
                Ok(manifest) => manifest,
                Err(problem) => return Ok(Verdict::Fails(format!("{who}: {problem}"))),
            };
        let dir = manifest.parent().unwrap_or(&self.root).to_path_buf();
        let selection = vec!["--manifest-path".into(), manifest.into_os_string()];
        let suite = self.suite(&dir, selection, exercise);
        self.suite_passes(&who, &suite, exercise, on_step)
    }

    /// Every test of the suite (as `target::name`), listed by the test binaries of the
    /// exercise's crate (built in `target/course-check`; nothing runs).
    pub fn suite_tests(
        &self,
        exercise: &Exercise,
        on_step: &mut dyn FnMut(&Step),
    ) -> Result<std::result::Result<Vec<String>, String>> {
        let mut invocation = crate::cargo::Invocation::new(
            &self.root,
            ["test", "-p", &exercise.package(), "--", "--list"],
        );
        invocation.target_dir = Some(self.check_dir.clone());
        invocation.throwaway = true;
        let mut observe = |line: &str| {
            if let Some(step) = Step::from_line(line) {
                on_step(&step);
            }
        };
        let output = crate::cargo::run(&invocation, &mut observe)?;
        if !output.success() {
            let why = crate::libtest::compile_errors(&output.text)
                .unwrap_or_else(|| output.text.lines().last().unwrap_or("").to_owned());
            return Ok(Err(format!(
                "cannot list the tests of {}: {}",
                exercise.package(),
                first_line(&why)
            )));
        }
        Ok(Ok(contract::listed_tests(&output.text)))
    }

    /// The contract names only tests that exist, and has a test or a reason on each side of
    /// every promise.
    pub fn contract_covered(
        &self,
        exercise: &Exercise,
        on_step: &mut dyn FnMut(&Step),
    ) -> Result<Verdict> {
        let promises = match contract::load(&self.root, exercise) {
            Ok(promises) => promises,
            Err(problem) => return Ok(Verdict::Fails(problem)),
        };
        let tests = match self.suite_tests(exercise, on_step)? {
            Ok(tests) => tests,
            Err(problem) => return Ok(Verdict::Fails(problem)),
        };
        let coverage = contract::coverage(&promises, &tests);
        if !coverage.unknown.is_empty() {
            return Ok(Verdict::Fails(format!(
                "contract names tests the suite does not have: {}",
                list(&coverage.unknown)
            )));
        }
        Ok(Verdict::Holds(coverage.summary()))
    }

    /// Runs one of the sweep's ordering mutants against the whole suite.
    pub fn ordering_mutant(
        &self,
        exercise: &Exercise,
        index: usize,
        mutant: &OrderingMutant,
        on_step: &mut dyn FnMut(&Step),
    ) -> Result<SweepOutcome> {
        let manifest = sweep::prepare(&self.root, &self.check_dir, exercise, index, mutant)
            .map_err(crate::error::Error::new)?;
        let dir = manifest.parent().unwrap_or(&self.root).to_path_buf();
        let selection = vec!["--manifest-path".into(), manifest.into_os_string()];
        let run = self.suite(&dir, selection, exercise).run(on_step)?;
        Ok(match &run {
            SuiteRun::BuildFailed { .. } => SweepOutcome::Unviable,
            SuiteRun::Ran { .. } if run.all_passed() => SweepOutcome::Survived,
            SuiteRun::Ran { report, .. } => SweepOutcome::Killed(
                report
                    .tests
                    .iter()
                    .filter(|t| t.outcome == Outcome::Failed)
                    .map(|t| t.id())
                    .collect(),
            ),
        })
    }

    /// The mutants of `exercise`, from `tests/mutants/exercise-NN.toml`.
    pub fn mutants(&self, exercise: &Exercise) -> Result<Vec<Mutant>, String> {
        mutants::load(&self.root, exercise)
    }

    /// The mutant must compile, and every test in its `caught_by` must fail on it.
    pub fn mutant_caught(
        &self,
        exercise: &Exercise,
        mutant: &Mutant,
        on_step: &mut dyn FnMut(&Step),
    ) -> Result<Verdict> {
        let name = &mutant.name;
        if mutant.caught_by.is_empty() {
            return Ok(Verdict::Fails(format!(
                "mutant {name} names no test in caught_by"
            )));
        }
        let manifest = match mutants::prepare(&self.root, &self.check_dir, exercise, mutant) {
            Ok(manifest) => manifest,
            Err(problem) => return Ok(Verdict::Fails(problem)),
        };
        let dir = manifest.parent().unwrap_or(&self.root).to_path_buf();
        // Only the tests that must catch it run: the verdict needs nothing else, and the
        // rest of a broken suite would mostly wait out deadlines.
        let mut selection = vec!["--manifest-path".into(), manifest.into_os_string()];
        let mut targets: Vec<&str> = Vec::new();
        let mut names: Vec<OsString> = Vec::new();
        for id in &mutant.caught_by {
            let Some((target, test)) = id.split_once("::") else {
                return Ok(Verdict::Fails(format!(
                    "mutant {name}: caught_by names `{id}`; write target::test, e.g. threads::dropping_the_guard_unlocks"
                )));
            };
            let suite_file = self.root.join(exercise.exercise_rel()).join("tests");
            if !suite_file.join(format!("{target}.rs")).is_file() {
                return Ok(Verdict::Fails(format!(
                    "mutant {name}: caught_by names `{id}`, but the exercise has no tests/{target}.rs"
                )));
            }
            if !targets.contains(&target) {
                targets.push(target);
            }
            names.push(test.into());
        }
        let tests_dir = self.root.join(exercise.exercise_rel()).join("tests");
        if tests_dir
            .join(format!("{}.rs", crate::libtest::GRADED))
            .is_file()
        {
            // Both halves live in one binary, where the names carry their module.
            selection.extend(["--test".into(), crate::libtest::GRADED.into()]);
            names = mutant.caught_by.iter().map(OsString::from).collect();
        } else {
            for target in targets {
                selection.extend(["--test".into(), target.into()]);
            }
        }
        let mut suite = self.suite(&dir, selection, exercise);
        suite.test_args = names;
        suite.test_args.push("--exact".into());
        let run = suite.run(on_step)?;
        let (report, ended) = match &run {
            SuiteRun::BuildFailed { errors } => {
                return Ok(Verdict::Fails(format!(
                    "mutant {name} does not compile: {}",
                    first_line(errors)
                )));
            }
            SuiteRun::Ran { report, ended, .. } => (report, *ended),
        };
        Ok(mutant_verdict(
            name,
            &mutant.caught_by,
            report,
            ended,
            exercise.time_limit,
        ))
    }
}

/// Judges a mutant's run: every `caught_by` test must have failed.
pub fn mutant_verdict(
    name: &str,
    caught_by: &[String],
    report: &Report,
    ended: Ended,
    time_limit: u64,
) -> Verdict {
    if ended == Ended::TimedOut {
        return Verdict::Fails(format!(
            "mutant {name}: the suite hit the time limit of {time_limit} s (a test hangs instead of failing by a deadline{})",
            still_running(report)
        ));
    }
    // Only the caught_by tests run, so a name that matches no test shows as "did not run".
    let known = |id: &str| report.tests.iter().any(|t| t.id() == id) || report.did_fail(id);
    let unknown: Vec<String> = caught_by.iter().filter(|id| !known(id)).cloned().collect();
    if report.failed() == 0 && report.unfinished().next().is_none() && unknown.is_empty() {
        return Verdict::Fails(format!(
            "mutant {name} was NOT caught: {} passed",
            list(caught_by)
        ));
    }
    if !unknown.is_empty() {
        return Verdict::Fails(format!(
            "mutant {name}: test named in caught_by did not run: {} (write target::test, e.g. threads::dropping_the_guard_unlocks)",
            list(&unknown)
        ));
    }
    let survived: Vec<String> = caught_by
        .iter()
        .filter(|id| !report.did_fail(id))
        .cloned()
        .collect();
    if !survived.is_empty() {
        let failed: Vec<String> = report
            .tests
            .iter()
            .filter(|t| t.outcome == Outcome::Failed)
            .map(|t| t.id())
            .collect();
        return Verdict::Fails(format!(
            "mutant {name}: test named in caught_by did not fail: {} (what failed: {})",
            list(&survived),
            if failed.is_empty() {
                "nothing".to_owned()
            } else {
                list(&failed)
            }
        ));
    }
    let others = report.failed().saturating_sub(caught_by.len());
    let more = if others > 0 {
        format!(" (and {others} more)")
    } else {
        String::new()
    };
    Verdict::Holds(format!(
        "mutant {name} caught by {}{more}",
        caught_by.join(", ")
    ))
}

/// `source_*` tests check the learner's source text, so they may pass on the stub.
pub fn is_source_test(name: &str) -> bool {
    name.rsplit("::")
        .next()
        .unwrap_or(name)
        .starts_with("source_")
}

/// `; still running: threads::x` when libtest named tests that ran for over a minute.
fn still_running(report: &Report) -> String {
    let stuck: Vec<&String> = report
        .slow
        .iter()
        .filter(|id| !report.tests.iter().any(|t| &t.id() == *id))
        .collect();
    if stuck.is_empty() {
        String::new()
    } else {
        let names: Vec<String> = stuck.into_iter().cloned().collect();
        format!("; still running: {}", list(&names))
    }
}

fn crashes(report: &Report) -> String {
    report
        .unfinished()
        .map(|t| {
            format!(
                "; {} stopped early: {}",
                t.name,
                t.crash.as_deref().unwrap_or("no result line")
            )
        })
        .collect()
}

fn first_line(text: &str) -> &str {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("(no message)")
}

fn list(items: &[String]) -> String {
    const SHOWN: usize = 4;
    if items.len() <= SHOWN {
        items.join(", ")
    } else {
        format!(
            "{} and {} more",
            items[..SHOWN].join(", "),
            items.len() - SHOWN
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::libtest::parse;

    fn report() -> Report {
        parse(
            "\
     Running tests/threads.rs (target/debug/deps/threads-0123456789abcdef)
test dropping_the_guard_unlocks ... FAILED
test lock_works ... ok
test result: FAILED. 1 passed; 1 failed
     Running tests/under_loom.rs (target/debug/deps/under_loom-0123456789abcdef)
test loom_adds ... ok
test result: ok. 1 passed
",
        )
    }

    #[test]
    fn every_suite_the_checker_builds_is_a_throwaway_build() {
        // Hundreds of mutants with debug info and incremental caches filled the CI disk.
        let exercise = Exercise {
            number: 6,
            slug: "mutex".into(),
            title: "Mutex".into(),
            chapter: "part-3/mutexes-and-semaphores.md".into(),
            points: 0,
            time_limit: 60,
            hints: Vec::new(),
            todos: None,
            parts: Vec::new(),
        };
        let checker = Checker::new(Path::new("/course"));
        let suite = checker.package_suite("mutant-06-x".into(), &exercise);
        assert!(
            suite.throwaway,
            "a mutant's suite must build without caches"
        );
    }

    fn ids(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_mutant_is_caught_when_its_tests_fail() {
        let verdict = mutant_verdict(
            "never-unlocks",
            &ids(&["threads::dropping_the_guard_unlocks"]),
            &report(),
            Ended::Exited(Some(101)),
            120,
        );
        assert_eq!(
            verdict,
            Verdict::Holds(
                "mutant never-unlocks caught by threads::dropping_the_guard_unlocks".into()
            )
        );
    }

    #[test]
    fn a_mutant_whose_named_test_passes_is_not_caught() {
        let verdict = mutant_verdict(
            "m",
            &ids(&["under_loom::loom_adds"]),
            &report(),
            Ended::Exited(Some(101)),
            120,
        );
        assert!(!verdict.holds());
        assert!(
            verdict
                .text()
                .contains("test named in caught_by did not fail"),
            "{verdict:?}"
        );
        assert!(
            verdict
                .text()
                .contains("threads::dropping_the_guard_unlocks"),
            "{verdict:?}"
        );
    }

    #[test]
    fn misnamed_tests_and_green_runs_are_reported() {
        let verdict = mutant_verdict(
            "m",
            &ids(&["threads::nope"]),
            &report(),
            Ended::Exited(Some(101)),
            120,
        );
        assert!(
            verdict.text().contains("did not run: threads::nope"),
            "{verdict:?}"
        );

        let green = parse(
            "     Running tests/a.rs (x/a-0123456789abcdef)\ntest t ... ok\ntest result: ok.\n",
        );
        let verdict = mutant_verdict("m", &ids(&["a::t"]), &green, Ended::Exited(Some(0)), 120);
        assert_eq!(
            verdict,
            Verdict::Fails("mutant m was NOT caught: a::t passed".into())
        );

        let verdict = mutant_verdict("m", &ids(&["a::t"]), &green, Ended::TimedOut, 7);
        assert!(verdict.text().contains("time limit of 7 s"), "{verdict:?}");
    }

    #[test]
    fn source_tests_are_recognised_by_their_last_segment() {
        assert!(is_source_test("source_reaches_atomics_through_crate_sync"));
        assert!(is_source_test("checks::source_x"));
        assert!(!is_source_test("loom_source"));
    }
}
