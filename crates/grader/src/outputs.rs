//! The report in every shape: `report.json`, `junit.xml` (quick-junit), `summary.md`
//! (also appended to `$GITHUB_STEP_SUMMARY`), `classroom.json` (what GitHub Classroom's
//! autograding reporter reads, also written base64-encoded as the `result` output into
//! `$GITHUB_OUTPUT`), and the table printed at the end.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};
use serde_json::json;

use crate::GradeError;
use crate::report::{ExerciseReport, Report, Status, TestStatus, format_score};

/// The files written into the output directory.
pub const FILES: &[&str] = &["report.json", "junit.xml", "summary.md", "classroom.json"];

/// Writes every report into `out`, and into the GitHub files that `options` names (from
/// the environment, unless a caller set them).
pub fn write_all(
    report: &Report,
    out: &Path,
    options: &crate::Options,
) -> Result<Vec<PathBuf>, GradeError> {
    let write = |name: &str, text: String| -> Result<PathBuf, GradeError> {
        let path = out.join(name);
        std::fs::write(&path, text)
            .map_err(|e| GradeError::new(format!("cannot write {}: {e}", path.display())))?;
        Ok(path)
    };
    let json = serde_json::to_string_pretty(report)
        .map_err(|e| GradeError::new(format!("cannot write the report: {e}")))?;
    let classroom = classroom(report);
    let summary = summary(report);
    let written = vec![
        write("report.json", json + "\n")?,
        write("junit.xml", junit(report)?)?,
        write("summary.md", summary.clone())?,
        write("classroom.json", classroom.clone() + "\n")?,
    ];
    if let Some(path) = &options.github_step_summary {
        append(path, &summary)?;
    }
    if let Some(path) = &options.github_output {
        let encoded = base64::engine::general_purpose::STANDARD.encode(classroom.as_bytes());
        append(path, &format!("result={encoded}\n"))?;
    }
    Ok(written)
}

fn append(path: &Path, text: &str) -> Result<(), GradeError> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut file| file.write_all(text.as_bytes()))
        .map_err(|e| GradeError::new(format!("cannot append to {}: {e}", path.display())))
}

/// `04 spin-lock`.
fn label(ex: &ExerciseReport) -> String {
    format!("{:02} {}", ex.number, ex.slug)
}

fn passed_tests(ex: &ExerciseReport) -> usize {
    ex.tests
        .iter()
        .filter(|t| t.status == TestStatus::Passed)
        .count()
}

/// JUnit XML: one test suite per exercise, one test case per test; an exercise that did not
/// run (not started, did not compile) is one failing case named after it.
pub fn junit(report: &Report) -> Result<String, GradeError> {
    let mut junit = quick_junit::Report::new("course-grader");
    for ex in &report.exercises {
        let mut suite = TestSuite::new(label(ex));
        suite.set_time(Duration::from_secs_f64(ex.time_seconds));
        let class = format!("exercise-{:02}", ex.number);
        if ex.tests.is_empty() {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
            status.set_message(ex.status.name());
            if let Some(message) = &ex.message {
                status.set_description(message.as_str());
            }
            let mut case = TestCase::new(ex.status.name(), status);
            case.set_classname(class.as_str());
            suite.add_test_case(case);
        }
        for test in &ex.tests {
            let status = match test.status {
                TestStatus::Passed => TestCaseStatus::success(),
                TestStatus::Failed => {
                    let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    let message = test.message.as_deref().unwrap_or("failed");
                    status.set_message(message.lines().next().unwrap_or("failed"));
                    status.set_description(message);
                    status
                }
            };
            let mut case = TestCase::new(test.name.as_str(), status);
            case.set_classname(if test.hidden {
                format!("{class}.hidden")
            } else {
                class.clone()
            });
            suite.add_test_case(case);
        }
        junit.add_test_suite(suite);
    }
    junit
        .to_string()
        .map_err(|e| GradeError::new(format!("cannot write junit.xml: {e}")))
}

/// GitHub Classroom's result (what `autograding-grading-reporter` decodes from a runner's
/// `result` output): one test per exercise, scored with the exercise's points, so the
/// reporter's sum of test scores is the grade.
pub fn classroom(report: &Report) -> String {
    let tests: Vec<serde_json::Value> = report
        .exercises
        .iter()
        .map(|ex| {
            let message = match (&ex.status, &ex.message) {
                (Status::Passed, _) => {
                    format!("{} of {} tests passed", passed_tests(ex), ex.tests.len())
                }
                (_, Some(message)) => format!("{}: {}", ex.status.name(), first_line(message)),
                (_, None) => ex.status.name().to_owned(),
            };
            json!({
                "name": format!("{} · {}", format!("{:02}", ex.number), ex.title),
                "status": if ex.status == Status::Passed { "pass" } else { "fail" },
                "score": ex.score,
                "max_score": ex.max_score,
                "message": message,
                "test_code": format!("cargo run -- grade {:02}", ex.number),
                "filename": "",
                "line_no": 0,
                "execution_time": format!("{:.1}s", ex.time_seconds),
            })
        })
        .collect();
    let all_passed = report
        .exercises
        .iter()
        .all(|ex| ex.status == Status::Passed);
    let value = json!({
        "version": 1,
        "status": if all_passed { "pass" } else { "fail" },
        "max_score": report.max_score,
        "tests": tests,
    });
    value.to_string()
}

fn first_line(text: &str) -> &str {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
}

fn icon(status: Status) -> &'static str {
    match status {
        Status::Passed => "✅",
        Status::Failed => "❌",
        Status::TimedOut => "⏱️",
        Status::DidNotCompile => "🛠️",
        Status::NotStarted => "⬜",
    }
}

/// The Markdown summary (a GitHub job summary).
pub fn summary(report: &Report) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "# Grade: {} / {}\n",
        format_score(report.score),
        format_score(report.max_score)
    );
    let _ = writeln!(
        md,
        "| # | Exercise | Status | Score | Tests passed | Time |"
    );
    let _ = writeln!(md, "|---|---|---|---:|---:|---:|");
    for ex in &report.exercises {
        let _ = writeln!(
            md,
            "| {:02} | {} | {} {} | {} / {} | {} / {} | {:.1} s |",
            ex.number,
            ex.title.replace('|', "\\|"),
            icon(ex.status),
            ex.status.name(),
            format_score(ex.score),
            format_score(ex.max_score),
            passed_tests(ex),
            ex.tests.len(),
            ex.time_seconds
        );
    }
    let _ = writeln!(
        md,
        "\nScoring: {}{}{}.",
        report.scoring.name(),
        if report.repeat > 1 {
            format!(
                ", each suite run {} times (one failure fails it)",
                report.repeat
            )
        } else {
            String::new()
        },
        if report.hidden_tests {
            ", with the instructor's hidden tests"
        } else {
            ""
        }
    );
    if !report.pristine {
        let _ = writeln!(
            md,
            "\n> **Not pristine**: this submission was graded with its own copy of the suites \
             and course.toml, not the instructor's."
        );
    }
    for ex in &report.exercises {
        let failures: Vec<_> = ex
            .tests
            .iter()
            .filter(|t| t.status == TestStatus::Failed)
            .collect();
        if ex.status == Status::Passed && ex.ignored_files.is_empty() {
            continue;
        }
        if ex.status == Status::NotStarted && ex.ignored_files.is_empty() {
            continue;
        }
        let _ = writeln!(
            md,
            "\n## {:02} · {}: {}\n",
            ex.number,
            ex.title,
            ex.status.name()
        );
        if let Some(message) = &ex.message {
            let _ = writeln!(md, "```text\n{}\n```", message.replace("```", "'''"));
        }
        for test in failures.iter().take(10) {
            let _ = writeln!(
                md,
                "<details><summary>❌ <code>{}</code>{}</summary>\n\n```text\n{}\n```\n</details>",
                escape_html(&test.name),
                if test.hidden { " (hidden)" } else { "" },
                test.message
                    .as_deref()
                    .unwrap_or("failed")
                    .replace("```", "'''")
            );
        }
        if failures.len() > 10 {
            let _ = writeln!(
                md,
                "\n… and {} more failed tests (report.json has them all).",
                failures.len() - 10
            );
        }
        if !ex.ignored_files.is_empty() {
            let _ = writeln!(md, "\nIgnored, graded with the pristine copy:");
            for file in &ex.ignored_files {
                let _ = writeln!(md, "- `{file}`");
            }
        }
    }
    md
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The final table, for the terminal.
pub fn table(report: &Report) -> String {
    let mut text = String::new();
    let width = report
        .exercises
        .iter()
        .map(|ex| ex.slug.len())
        .max()
        .unwrap_or(8)
        .max(8);
    let _ = writeln!(
        text,
        "{:<2}  {:<width$}  {:<15}  {:>9}  {:>7}  {:>8}",
        "NN", "exercise", "status", "score", "tests", "time"
    );
    for ex in &report.exercises {
        let _ = writeln!(
            text,
            "{:02}  {:<width$}  {:<15}  {:>9}  {:>7}  {:>6.1} s",
            ex.number,
            ex.slug,
            ex.status.name(),
            format!(
                "{} / {}",
                format_score(ex.score),
                format_score(ex.max_score)
            ),
            format!("{}/{}", passed_tests(ex), ex.tests.len()),
            ex.time_seconds
        );
    }
    let _ = writeln!(
        text,
        "{:<2}  {:<width$}  {:<15}  {:>9}  {:>7}  {:>6.1} s",
        "",
        "total",
        report.scoring.name(),
        format!(
            "{} / {}",
            format_score(report.score),
            format_score(report.max_score)
        ),
        "",
        report.time_seconds
    );
    let ignored: usize = report
        .exercises
        .iter()
        .map(|ex| ex.ignored_files.len())
        .sum();
    if ignored > 0 {
        let _ = writeln!(
            text,
            "{ignored} file(s) of the submission ignored (graded with the pristine copy): see summary.md"
        );
    }
    text
}
