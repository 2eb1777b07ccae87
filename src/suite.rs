//! An exercise's graded suite as one unit: build it (no time limit: compiling is not the
//! learner's code hanging), then run it under the time limit and read the results.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::cargo::{self, Ended, Invocation};
use crate::error::Result;
use crate::libtest::{self, Report};

/// Which crate to test, and how.
#[derive(Debug, Clone)]
pub struct Suite {
    /// Where cargo runs.
    pub cwd: PathBuf,
    /// What to test: `-p exercise-04`, or `--manifest-path .../Cargo.toml`.
    pub selection: Vec<OsString>,
    /// `CARGO_TARGET_DIR`, or `None` for the usual `target/`.
    pub target_dir: Option<PathBuf>,
    /// The test run is killed after this long.
    pub time_limit: Duration,
    /// Passed to the test binaries after `--` (a name filter, `--exact`); empty for all.
    pub test_args: Vec<OsString>,
    /// Built for one verdict: see [`cargo::THROWAWAY_BUILD`].
    pub throwaway: bool,
}

/// What the suite did.
#[derive(Debug, Clone)]
pub enum SuiteRun {
    /// It did not build; `errors` is what the compiler (or cargo) said.
    BuildFailed { errors: String },
    /// It ran; `ended` tells whether it finished or hit the time limit.
    Ran {
        report: Report,
        ended: Ended,
        elapsed: Duration,
    },
}

impl SuiteRun {
    /// Every test ran and passed, and at least one did.
    pub fn all_passed(&self) -> bool {
        match self {
            SuiteRun::Ran { report, ended, .. } => {
                *ended == Ended::Exited(Some(0)) && report.failed() == 0 && report.passed() > 0
            }
            SuiteRun::BuildFailed { .. } => false,
        }
    }

    /// The results, when the suite ran.
    pub fn report(&self) -> Option<&Report> {
        match self {
            SuiteRun::Ran { report, .. } => Some(report),
            SuiteRun::BuildFailed { .. } => None,
        }
    }
}

/// A step worth showing while the suite builds and runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// cargo waits for another cargo that holds the build directory.
    Waiting,
    /// Compiling this package.
    Compiling(String),
    /// Running this test target.
    Running(String),
}

impl Step {
    /// The step that an output line announces, if any.
    pub fn from_line(line: &str) -> Option<Step> {
        let trimmed = line.trim_start();
        if trimmed.starts_with("Blocking waiting for file lock") {
            Some(Step::Waiting)
        } else if let Some(rest) = trimmed.strip_prefix("Compiling ") {
            Some(Step::Compiling(
                rest.split_whitespace().next().unwrap_or(rest).to_owned(),
            ))
        } else {
            trimmed
                .strip_prefix("Running ")
                .map(|rest| Step::Running(libtest::target_name(rest)))
        }
    }

    /// `compiling sync-shim`, `running threads`.
    pub fn describe(&self) -> String {
        match self {
            Step::Waiting => "waiting for another cargo command to finish".to_owned(),
            Step::Compiling(package) => format!("compiling {package}"),
            Step::Running(target) => format!("running {target}"),
        }
    }
}

impl Suite {
    /// The same suite, running only the tests whose names contain `focus` (a libtest name
    /// filter) when there is one.
    #[must_use]
    pub fn focused(mut self, focus: Option<&str>) -> Suite {
        if let Some(focus) = focus {
            self.test_args.push(focus.into());
        }
        self
    }

    /// `cargo test <selection> --no-fail-fast`, as a learner would type it.
    pub fn command(&self) -> String {
        self.invocation(&["--no-fail-fast"]).display()
    }

    fn invocation(&self, extra: &[&str]) -> Invocation {
        let mut args: Vec<OsString> = vec!["test".into()];
        args.extend(self.selection.iter().cloned());
        args.extend(extra.iter().map(OsString::from));
        let mut invocation = Invocation::new(&self.cwd, args);
        invocation.target_dir.clone_from(&self.target_dir);
        invocation.throwaway = self.throwaway;
        invocation
    }

    /// Builds, then runs the suite; `on_step` hears about each step.
    pub fn run(&self, on_step: &mut dyn FnMut(&Step)) -> Result<SuiteRun> {
        let run = self.run_limited(None, on_step)?;
        Ok(run.unwrap_or_else(|| unreachable!("a build without a time limit always ends")))
    }

    /// Builds and runs the suite within `budget` in all, the build included; the test run
    /// gets what the build left, or [`Suite::time_limit`] if that is less. `None` when the
    /// budget ran out during the build. A run cut by the budget ends [`Ended::TimedOut`].
    pub fn run_within(
        &self,
        budget: Duration,
        on_step: &mut dyn FnMut(&Step),
    ) -> Result<Option<SuiteRun>> {
        self.run_limited(Some(budget), on_step)
    }

    fn run_limited(
        &self,
        budget: Option<Duration>,
        on_step: &mut dyn FnMut(&Step),
    ) -> Result<Option<SuiteRun>> {
        let started = Instant::now();
        let mut observe = |line: &str| {
            if let Some(step) = Step::from_line(line) {
                on_step(&step);
            }
        };
        let mut build = self.invocation(&["--no-run"]);
        build.time_limit = budget;
        let build = cargo::run(&build, &mut observe)?;
        if build.ended == Ended::TimedOut {
            return Ok(None);
        }
        if !build.success() {
            let errors = libtest::compile_errors(&build.text).unwrap_or_else(|| {
                let lines: Vec<&str> = build.text.lines().collect();
                lines[lines.len().saturating_sub(20)..].join("\n")
            });
            return Ok(Some(SuiteRun::BuildFailed { errors }));
        }
        let mut test = self.invocation(&["--no-fail-fast"]);
        if !self.test_args.is_empty() {
            test.args.push("--".into());
            test.args.extend(self.test_args.iter().cloned());
        }
        test.time_limit = Some(match budget {
            Some(budget) => budget
                .saturating_sub(started.elapsed())
                .min(self.time_limit),
            None => self.time_limit,
        });
        let output = cargo::run(&test, &mut observe)?;
        let report = libtest::parse(&output.text);
        // A build error here means the sources changed between the two runs.
        if report.targets.is_empty()
            && !output.success()
            && let Some(errors) = libtest::compile_errors(&output.text)
        {
            return Ok(Some(SuiteRun::BuildFailed { errors }));
        }
        Ok(Some(SuiteRun::Ran {
            report,
            ended: output.ended,
            elapsed: output.elapsed,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn steps_from_cargo_lines() {
        assert_eq!(
            Step::from_line("   Compiling sync-shim v0.1.0 (/r/crates/sync-shim)"),
            Some(Step::Compiling("sync-shim".into()))
        );
        assert_eq!(
            Step::from_line(
                "     Running tests/threads.rs (target/debug/deps/threads-0123456789abcdef)"
            ),
            Some(Step::Running("threads".into()))
        );
        assert_eq!(
            Step::from_line("    Blocking waiting for file lock on build directory"),
            Some(Step::Waiting)
        );
        assert_eq!(Step::from_line("test a ... ok"), None);
    }

    /// A crate whose one test never ends, in a fresh directory.
    fn hanging_crate(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("course-suite-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("src")).expect("dir");
        std::fs::write(
            dir.join("Cargo.toml"),
            "[package]\nname = \"hangs\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
        )
        .expect("write");
        std::fs::write(
            dir.join("src/lib.rs"),
            "#[test]\nfn never_ends() {\n    loop {\n        std::thread::park();\n    }\n}\n",
        )
        .expect("write");
        dir
    }

    fn suite_of(dir: &std::path::Path) -> Suite {
        Suite {
            cwd: dir.to_path_buf(),
            selection: vec!["--manifest-path".into(), dir.join("Cargo.toml").into()],
            target_dir: Some(dir.join("target")),
            time_limit: Duration::from_secs(1),
            test_args: Vec::new(),
            throwaway: false,
        }
    }

    #[test]
    fn a_budget_spent_in_the_build_gives_no_run() {
        let dir = hanging_crate("build");
        let run = suite_of(&dir)
            .run_within(Duration::ZERO, &mut |_| {})
            .expect("cargo runs");
        assert!(run.is_none(), "no time for the build: {run:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_hanging_test_is_stopped_by_the_smaller_of_budget_and_time_limit() {
        let dir = hanging_crate("run");
        // The budget only has to cover building a crate without dependencies; the test then
        // hangs until the suite's 1 s time limit stops it.
        let run = suite_of(&dir)
            .run_within(Duration::from_secs(600), &mut |_| {})
            .expect("cargo runs")
            .expect("the build fits in the budget");
        match run {
            SuiteRun::Ran { ended, .. } => assert_eq!(ended, Ended::TimedOut),
            SuiteRun::BuildFailed { errors } => panic!("the scratch crate did not build: {errors}"),
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
