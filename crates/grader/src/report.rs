//! The result of a grading run, as written to `report.json`. The schema is
//! `crates/grader/report.schema.json`; [`SCHEMA_VERSION`] changes whenever a field changes
//! meaning or goes away (adding an optional field keeps the version).

use serde::{Deserialize, Serialize};

/// The `version` written into every report.
pub const SCHEMA_VERSION: u32 = 1;

/// What `schema` says in every report, so a reader can tell the file apart from others.
pub const SCHEMA_ID: &str = "course-grader/report";

/// How an exercise earns its points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scoring {
    /// All of the exercise's points when every test passed (in every repetition), else none.
    AllOrNothing,
    /// The points times the share of tests that passed (in every repetition).
    PerTest,
}

impl Scoring {
    pub fn name(self) -> &'static str {
        match self {
            Scoring::AllOrNothing => "all-or-nothing",
            Scoring::PerTest => "per-test",
        }
    }
}

/// How one exercise came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Every test passed, in every repetition.
    Passed,
    /// It ran to the end, and some test failed (or crashed, or it wrote outside its crate).
    Failed,
    /// The suite was still running at the exercise's time limit and was killed.
    TimedOut,
    /// The learner's code (or the graded suite against it) did not compile.
    DidNotCompile,
    /// Every `todo!(` of the stub is still there: not graded, no points.
    NotStarted,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Passed => "passed",
            Status::Failed => "failed",
            Status::TimedOut => "timed-out",
            Status::DidNotCompile => "did-not-compile",
            Status::NotStarted => "not-started",
        }
    }
}

/// How one test came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TestStatus {
    Passed,
    Failed,
}

/// One test of an exercise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestReport {
    /// `threads::lock_gives_access`; hidden tests start with their target: `hidden_extra::x`.
    pub name: String,
    pub status: TestStatus,
    /// Why it failed (libtest's failure text, shortened); `null` when it passed.
    pub message: Option<String>,
    /// Whether the test is one of the instructor's hidden tests.
    pub hidden: bool,
}

/// One exercise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExerciseReport {
    pub number: u32,
    pub slug: String,
    pub title: String,
    pub score: f64,
    pub max_score: f64,
    pub status: Status,
    /// What went wrong, in one paragraph (the first compile error, the crash, the limit).
    pub message: Option<String>,
    /// The time limit the suite ran under, in seconds.
    pub time_limit_seconds: f64,
    /// Time spent running the suite (all repetitions), building excluded.
    pub time_seconds: f64,
    pub tests: Vec<TestReport>,
    /// Files of the submission that differ from the grader's copy and were not used
    /// (paths relative to the submission): graded with the pristine copy.
    pub ignored_files: Vec<String>,
    /// Processes left behind by the suite and killed after it.
    pub strays_killed: usize,
}

/// Which limits the suites ran under, and which took effect on this machine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LimitsReport {
    pub memory_bytes: Option<u64>,
    pub file_size_bytes: Option<u64>,
    pub open_files: Option<u64>,
    pub isolate_network: bool,
    /// Each limit's name (`memory`, `file_size`, `open_files`, `network`, `reaper`) that
    /// took effect in every run.
    pub applied: Vec<String>,
}

/// The whole grading run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Always [`SCHEMA_ID`].
    pub schema: String,
    /// Always [`SCHEMA_VERSION`] for this grader.
    pub version: u32,
    pub score: f64,
    pub max_score: f64,
    pub scoring: Scoring,
    pub repeat: u32,
    /// Whether hidden tests were given (`--hidden`).
    pub hidden_tests: bool,
    /// `true` when the grader's own copy (suites, course.toml, Cargo files) was used for
    /// everything but the learner's files; `false` when the submission graded itself.
    pub pristine: bool,
    pub limits: LimitsReport,
    pub exercises: Vec<ExerciseReport>,
    /// Files of the submission outside every exercise (Cargo files, the tool, support
    /// crates) that differ from the grader's copy and were not used.
    pub ignored_files: Vec<String>,
    /// Wall-clock time of the whole run, building included.
    pub time_seconds: f64,
    /// Of which building (no time limit applies to it).
    pub build_seconds: f64,
}

/// Rounds a score to two decimals, the precision every report shows.
pub fn round_score(score: f64) -> f64 {
    (score * 100.0).round() / 100.0
}

/// `10`, `7.5`: a score as people write it.
pub fn format_score(score: f64) -> String {
    let rounded = round_score(score);
    if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        let text = format!("{rounded:.2}");
        text.trim_end_matches('0').to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_read_as_people_write_them() {
        assert_eq!(format_score(10.0), "10");
        assert_eq!(format_score(7.5), "7.5");
        assert_eq!(format_score(10.0 * 2.0 / 3.0), "6.67");
        assert_eq!(format_score(0.0), "0");
    }

    #[test]
    fn statuses_serialise_in_kebab_case() {
        let json = serde_json::to_string(&Status::DidNotCompile).expect("json");
        assert_eq!(json, "\"did-not-compile\"");
        assert_eq!(
            serde_json::to_string(&Scoring::AllOrNothing).expect("json"),
            "\"all-or-nothing\""
        );
        assert_eq!(Status::TimedOut.name(), "timed-out");
    }
}
