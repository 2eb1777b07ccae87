//! The grader (`cargo run -- grade`, crates/grader) on fixtures: the stubs score 0 of the
//! course.toml total, the reference solutions full marks (twice, the same), hidden tests run
//! and count without their sources reaching any report, and each hostile submission of
//! tests/grading/fixtures.toml (an exercise 04 that deadlocks, loops, panics, aborts, eats
//! memory, leaves a daemon, writes outside its crate, tries the network, does not compile,
//! or edits its suite) gets exactly the expected grade, in bounded time, with no process
//! left; `--repeat` fails a suite that passes only once.
//!
//! Every grading shares the build folder target/grade-build (and the workspace assembled in
//! it), so dependencies are built once; each fixture writes its reports under
//! target/grade-tests. The gradings run one at a time: the grader locks its build folder
//! anyway, and two suites racing on two cores would test the machine, not the grader.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use course_grader::report::{Report, Scoring, Status, TestStatus};
use course_grader::{Options, grade::HIDDEN_DID_NOT_COMPILE, progress};
use serde_json::Value;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// The time limit the hostile fixtures run under (course.toml says 120 s for exercise 04).
const HOSTILE_LIMIT: Duration = Duration::from_secs(10);

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn scratch(name: &str) -> PathBuf {
    root().join("target").join("grade-tests").join(name)
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create a folder");
    for entry in std::fs::read_dir(from).expect("read a folder").flatten() {
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            if entry.file_name() != "target" {
                copy_tree(&path, &target);
            }
        } else {
            std::fs::copy(&path, &target).expect("copy a file");
        }
    }
}

/// A submission: the course's exercises (stubs), with the reference solution's `src/` over
/// the exercises in `solved`, then the edits of the fixture `case` of
/// tests/grading/fixtures.toml applied to exercise 04.
fn submission(name: &str, solved: &[&str], case: Option<&str>) -> PathBuf {
    let dir = scratch("submissions").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    copy_tree(&root().join("exercises"), &dir.join("exercises"));
    for folder in solved {
        copy_tree(
            &root().join("solutions").join(folder).join("src"),
            &dir.join("exercises").join(folder).join("src"),
        );
    }
    if let Some(case) = case {
        let exercise = dir.join("exercises/exercise-04-spin-lock");
        let case = fixture(case);
        for edit in &case.edits {
            let file = exercise.join(&edit.file);
            let text = std::fs::read_to_string(&file)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
            let change = course::mutants::Edit {
                find: edit.find.clone(),
                replace: edit.replace.clone(),
            };
            let text = course::mutants::apply_edits(&text, &[change], &edit.file)
                .unwrap_or_else(|e| panic!("fixture `{}`: {e}", case.name));
            std::fs::write(&file, text).expect("write a fixture file");
        }
    }
    dir
}

/// One `[[case]]` of tests/grading/fixtures.toml: exercise 04's reference with edits.
#[derive(serde::Deserialize)]
struct Fixture {
    name: String,
    #[serde(rename = "edit")]
    edits: Vec<FixtureEdit>,
}

#[derive(serde::Deserialize)]
struct FixtureEdit {
    /// Relative to exercises/exercise-04-spin-lock/.
    file: String,
    find: String,
    replace: String,
}

#[derive(serde::Deserialize)]
struct Fixtures {
    case: Vec<Fixture>,
}

fn fixture(name: &str) -> Fixture {
    let path = root().join("tests/grading/fixtures.toml");
    let text = std::fs::read_to_string(&path).expect("tests/grading/fixtures.toml");
    let fixtures: Fixtures =
        toml::from_str(&text).unwrap_or_else(|e| panic!("tests/grading/fixtures.toml: {e}"));
    fixtures
        .case
        .into_iter()
        .find(|case| case.name == name)
        .unwrap_or_else(|| panic!("no case `{name}` in tests/grading/fixtures.toml"))
}

/// Every exercise's folder, from course.toml: the reference solutions are graded as one
/// submission.
fn all_folders() -> Vec<String> {
    course::course::Course::load(&root())
        .expect("course.toml")
        .exercises
        .iter()
        .map(|ex| ex.folder())
        .collect()
}

fn options(name: &str, exercises: &[&str], submission: Option<PathBuf>) -> Options {
    let mut options = Options::new(&root());
    options.exercises = exercises.iter().map(|s| (*s).to_owned()).collect();
    options.submission = submission;
    options.out = Some(scratch(name));
    options.progress = progress::Mode::Quiet;
    // Never the GitHub files of a CI run that happens to run these tests.
    options.github_step_summary = None;
    options.github_output = None;
    options
}

/// Grades, checks the reports' formats and that nothing of the run is alive, and returns
/// the report with the wall-clock time.
fn grade(options: &Options) -> (Report, Duration) {
    let started = Instant::now();
    let (report, written) = course_grader::grade_and_write(options)
        .unwrap_or_else(|e| panic!("grading could not run: {e}"));
    let elapsed = started.elapsed();
    assert_eq!(written.len(), 4, "{written:?}");
    let out = options.out_dir();
    check_report_json(&out, &report);
    check_junit(&out, &report);
    check_classroom(&out, &report);
    assert_no_process_left(&out);
    (report, elapsed)
}

fn exercise(report: &Report, number: u32) -> &course_grader::report::ExerciseReport {
    report
        .exercises
        .iter()
        .find(|ex| ex.number == number)
        .unwrap_or_else(|| panic!("exercise {number} is not in the report"))
}

// ---------------------------------------------------------------------------------------
// The formats

/// Checks `value` against the JSON Schema keywords report.schema.json uses (type, const,
/// enum, required, properties, additionalProperties, items, minimum, maximum, pattern as
/// kebab-case, $ref into $defs); returns the problems.
fn validate(value: &Value, schema: &Value, defs: &Value, at: &str, problems: &mut Vec<String>) {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/$defs/");
        return validate(value, &defs[name], defs, at, problems);
    }
    if let Some(expected) = schema.get("const")
        && value != expected
    {
        problems.push(format!("{at}: {value} is not {expected}"));
    }
    if let Some(options) = schema["enum"].as_array()
        && !options.contains(value)
    {
        problems.push(format!("{at}: {value} is not one of {options:?}"));
    }
    if let Some(kind) = schema.get("type") {
        let kinds: Vec<&str> = match kind {
            Value::String(k) => vec![k.as_str()],
            Value::Array(ks) => ks.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let fits = kinds.iter().any(|k| match *k {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "number" => value.is_number(),
            "integer" => value.is_u64() || value.is_i64(),
            "boolean" => value.is_boolean(),
            "null" => value.is_null(),
            _ => false,
        });
        if !fits {
            problems.push(format!("{at}: {value} is not of type {kinds:?}"));
        }
    }
    if let (Some(min), Some(n)) = (schema["minimum"].as_f64(), value.as_f64())
        && n < min
    {
        problems.push(format!("{at}: {n} < {min}"));
    }
    if let (Some(max), Some(n)) = (schema["maximum"].as_f64(), value.as_f64())
        && n > max
    {
        problems.push(format!("{at}: {n} > {max}"));
    }
    if schema.get("pattern").is_some()
        && let Some(text) = value.as_str()
        && !course::course::is_kebab(text)
    {
        problems.push(format!("{at}: `{text}` is not kebab-case"));
    }
    if let Some(object) = value.as_object() {
        for name in schema["required"].as_array().into_iter().flatten() {
            let name = name.as_str().unwrap_or_default();
            if !object.contains_key(name) {
                problems.push(format!("{at}: `{name}` is missing"));
            }
        }
        for (name, field) in object {
            match schema["properties"].get(name) {
                Some(sub) => validate(field, sub, defs, &format!("{at}.{name}"), problems),
                None if schema["additionalProperties"] == Value::Bool(false) => {
                    problems.push(format!("{at}: `{name}` is not in the schema"));
                }
                None => {}
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, item) in array.iter().enumerate() {
            validate(item, items, defs, &format!("{at}[{i}]"), problems);
        }
    }
}

fn schema() -> Value {
    let text = std::fs::read_to_string(root().join("crates/grader/report.schema.json"))
        .expect("the schema is there");
    serde_json::from_str(&text).expect("the schema is JSON")
}

fn check_report_json(out: &Path, report: &Report) {
    let text = std::fs::read_to_string(out.join("report.json")).expect("report.json");
    let value: Value = serde_json::from_str(&text).expect("report.json is JSON");
    let schema = schema();
    let mut problems = Vec::new();
    validate(&value, &schema, &schema["$defs"], "report", &mut problems);
    assert!(
        problems.is_empty(),
        "report.json breaks its schema: {problems:#?}"
    );
    let back: Report = serde_json::from_value(value).expect("report.json reads back");
    assert_eq!(&back, report);
}

fn check_junit(out: &Path, report: &Report) {
    use quick_xml::events::Event;
    let text = std::fs::read_to_string(out.join("junit.xml")).expect("junit.xml");
    let mut reader = quick_xml::Reader::from_str(&text);
    let (mut suites, mut cases, mut failures) = (0, 0, 0);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) => match e.name().as_ref() {
                b"testsuite" => suites += 1,
                b"testcase" => cases += 1,
                b"failure" | b"error" => failures += 1,
                _ => {}
            },
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("junit.xml does not parse: {e}\n{text}"),
        }
    }
    assert_eq!(suites, report.exercises.len(), "{text}");
    let expected_cases: usize = report
        .exercises
        .iter()
        .map(|ex| ex.tests.len().max(1))
        .sum();
    assert_eq!(cases, expected_cases, "{text}");
    let expected_failures: usize = report
        .exercises
        .iter()
        .map(|ex| {
            if ex.tests.is_empty() {
                1
            } else {
                ex.tests
                    .iter()
                    .filter(|t| t.status == TestStatus::Failed)
                    .count()
            }
        })
        .sum();
    assert_eq!(failures, expected_failures, "{text}");
}

/// What GitHub Classroom's autograding reporter reads from a runner's `result` output:
/// `{version, status, max_score, tests: [{name, status, score, message, ...}]}`, where the
/// grade it posts is the sum of the tests' scores out of `max_score`.
fn check_classroom(out: &Path, report: &Report) {
    let text = std::fs::read_to_string(out.join("classroom.json")).expect("classroom.json");
    let value: Value = serde_json::from_str(&text).expect("classroom.json is JSON");
    assert_eq!(value["version"], 1);
    let all_passed = report
        .exercises
        .iter()
        .all(|ex| ex.status == Status::Passed);
    assert_eq!(value["status"], if all_passed { "pass" } else { "fail" });
    assert_eq!(value["max_score"].as_f64(), Some(report.max_score));
    let tests = value["tests"].as_array().expect("tests");
    assert_eq!(tests.len(), report.exercises.len());
    let mut total = 0.0;
    for (test, ex) in tests.iter().zip(&report.exercises) {
        assert!(test["name"].as_str().is_some_and(|n| !n.is_empty()));
        assert!(matches!(
            test["status"].as_str(),
            Some("pass" | "fail" | "error")
        ));
        assert!(test["message"].is_string() || test["message"].is_null());
        assert_eq!(test["score"].as_f64(), Some(ex.score));
        total += test["score"].as_f64().unwrap_or_default();
    }
    assert!((total - report.score).abs() < 0.01, "{text}");
}

/// No process of the run is alive: none the sandbox knows of, none working in the output
/// folder, none of the fixtures' daemons.
fn assert_no_process_left(out: &Path) {
    let known = sandbox::leftovers();
    assert!(known.is_empty(), "processes left behind: {known:?}");
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return;
    };
    let canon = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    // The suites run in the assembled workspace beside the build, with HOME in `out`.
    let places = [canon(out), canon(&root().join("target/grade-build/work"))];
    for entry in entries.flatten() {
        if !entry
            .file_name()
            .to_string_lossy()
            .chars()
            .all(|c| c.is_ascii_digit())
        {
            continue;
        }
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        let in_out = std::fs::read_link(entry.path().join("cwd"))
            .is_ok_and(|cwd| places.iter().any(|place| cwd.starts_with(place)));
        assert!(
            !cmdline.contains("987654") && !in_out,
            "process {} is still alive: {cmdline}",
            entry.file_name().to_string_lossy()
        );
    }
}

fn read_outputs(out: &Path) -> String {
    course_grader::outputs::FILES
        .iter()
        .map(|name| std::fs::read_to_string(out.join(name)).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

// ---------------------------------------------------------------------------------------
// Stubs, solutions, determinism

#[test]
fn the_stubs_score_zero_of_the_course_total() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let course = course::course::Course::load(&root()).expect("course.toml");
    let total: u32 = course.exercises.iter().map(|ex| ex.points).sum();
    let stubs = submission("stubs", &[], None);
    let (report, _) = grade(&options("stubs", &[], Some(stubs)));
    assert_eq!(report.score, 0.0);
    assert_eq!(report.max_score, f64::from(total));
    assert!(report.pristine);
    assert_eq!(report.exercises.len(), course.exercises.len());
    for ex in &report.exercises {
        assert_eq!(ex.status, Status::NotStarted, "{ex:?}");
        assert!(ex.ignored_files.is_empty(), "{ex:?}");
    }
    // Graded in place (the student's own checkout): the same, and said not to be pristine.
    // As in a GitHub workflow: the summary is appended to the job summary, and the
    // Classroom reporter's `result` output holds classroom.json in base64.
    let github = scratch("stubs-github");
    std::fs::create_dir_all(&github).expect("scratch folder");
    let (step_summary, output) = (github.join("step-summary.md"), github.join("output"));
    std::fs::write(&step_summary, "# earlier step\n").expect("step summary");
    let _ = std::fs::remove_file(&output);
    let mut in_place = options("stubs-in-place", &[], None);
    in_place.github_step_summary = Some(step_summary.clone());
    in_place.github_output = Some(output.clone());
    let (in_place, _) = grade(&in_place);
    assert_eq!(in_place.score, 0.0);
    assert!(!in_place.pristine);
    let summary =
        std::fs::read_to_string(scratch("stubs-in-place").join("summary.md")).expect("summary");
    assert!(summary.contains("Not pristine"), "{summary}");
    let job_summary = std::fs::read_to_string(&step_summary).expect("job summary");
    assert_eq!(job_summary, format!("# earlier step\n{summary}"));
    let output = std::fs::read_to_string(&output).expect("GITHUB_OUTPUT");
    let encoded = output
        .strip_prefix("result=")
        .and_then(|rest| rest.strip_suffix('\n'))
        .unwrap_or_else(|| panic!("not one `result=` line: {output:?}"));
    use base64::Engine as _;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .expect("base64");
    let classroom =
        std::fs::read(scratch("stubs-in-place").join("classroom.json")).expect("classroom.json");
    assert_eq!(
        String::from_utf8_lossy(&decoded).trim_end(),
        String::from_utf8_lossy(&classroom).trim_end()
    );
}

#[test]
fn the_reference_solutions_get_full_marks_and_the_same_grade_twice() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let folders = all_folders();
    let folders: Vec<&str> = folders.iter().map(String::as_str).collect();
    let solved = submission("solutions", &folders, None);
    let (first, first_time) = grade(&options("solutions", &[], Some(solved.clone())));
    // The same grade twice: on three exercises (processes, locks on loom, a queue), not on
    // all nineteen again, which cost a minute of every root `cargo test` and grew with each
    // exercise.
    let again = ["01", "04", "13"];
    let (second, second_time) = grade(&options("solutions-again", &again, Some(solved)));
    eprintln!(
        "solutions: {} / {} in {:.1} s, then exercises {again:?} again in {:.1} s",
        first.score,
        first.max_score,
        first_time.as_secs_f64(),
        second_time.as_secs_f64()
    );
    assert_eq!(
        first.score,
        first.max_score,
        "{}",
        course_grader::outputs::table(&first)
    );
    for ex in &first.exercises {
        assert_eq!(ex.status, Status::Passed, "{ex:?}");
    }
    type Outline = Vec<(u32, Status, Vec<(String, TestStatus)>)>;
    let outline = |r: &Report| -> Outline {
        r.exercises
            .iter()
            .map(|ex| {
                let tests = ex
                    .tests
                    .iter()
                    .map(|t| (t.name.clone(), t.status))
                    .collect();
                (ex.number, ex.status, tests)
            })
            .collect()
    };
    let only_again = |r: &Report| -> Outline {
        outline(r)
            .into_iter()
            .filter(|(number, _, _)| again.contains(&format!("{number:02}").as_str()))
            .collect()
    };
    assert_eq!(
        only_again(&second).len(),
        again.len(),
        "{:?}",
        outline(&second)
    );
    assert_eq!(only_again(&first), only_again(&second));
    // The solution's own worker program (src/bin/solution-19-worker.rs) is not a file of
    // the exercise: ignored and said so.
    assert_eq!(
        exercise(&first, 19).ignored_files,
        vec!["exercises/exercise-19-escape-the-gil/src/bin/solution-19-worker.rs".to_owned()]
    );
}

// ---------------------------------------------------------------------------------------
// Hidden tests

#[test]
fn hidden_tests_run_and_count_and_their_sources_never_show() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let solved = submission("hidden", &["exercise-04-spin-lock"], None);
    let mut with_hidden = options("hidden", &["04"], Some(solved.clone()));
    with_hidden.hidden = Some(root().join("tests/grading/hidden"));
    with_hidden.scoring = Scoring::PerTest;
    let (report, _) = grade(&with_hidden);
    let ex = exercise(&report, 4);
    let hidden: Vec<_> = ex.tests.iter().filter(|t| t.hidden).collect();
    assert_eq!(hidden.len(), 2, "{ex:#?}");
    let passing = hidden
        .iter()
        .find(|t| t.name == "hidden_extra::into_inner_gives_back_the_last_value")
        .expect("the passing hidden test");
    assert_eq!(passing.status, TestStatus::Passed);
    let failing = hidden
        .iter()
        .find(|t| t.name == "hidden_extra::fails_on_purpose")
        .expect("the failing hidden test");
    assert_eq!(failing.status, TestStatus::Failed);
    assert!(
        failing
            .message
            .as_deref()
            .is_some_and(|m| m.contains("hidden check")),
        "{failing:?}"
    );
    let public = ex.tests.iter().filter(|t| !t.hidden).count();
    assert!(
        ex.tests
            .iter()
            .filter(|t| !t.hidden)
            .all(|t| t.status == TestStatus::Passed)
    );
    assert_eq!(ex.status, Status::Failed);
    let expected = 10.0 * (public + 1) as f64 / (public + 2) as f64;
    assert!(
        (ex.score - expected).abs() < 0.01,
        "{} vs {expected}",
        ex.score
    );
    assert!(report.hidden_tests);
    let everything = read_outputs(&scratch("hidden"));
    assert!(
        !everything.contains("SECRET-HIDDEN-SOURCE"),
        "a hidden source leaked"
    );

    // Hidden tests that do not compile: the public suite still runs; the hidden target
    // fails with a fixed message, and not a word of the compiler's.
    let mut broken = options("hidden-broken", &["04"], Some(solved));
    broken.hidden = Some(root().join("tests/grading/hidden-broken"));
    let (report, _) = grade(&broken);
    let ex = exercise(&report, 4);
    let target = ex
        .tests
        .iter()
        .find(|t| t.name == "hidden_broken")
        .expect("the broken hidden target is reported");
    assert!(target.hidden);
    assert_eq!(target.message.as_deref(), Some(HIDDEN_DID_NOT_COMPILE));
    assert!(
        ex.tests
            .iter()
            .filter(|t| !t.hidden)
            .all(|t| t.status == TestStatus::Passed)
    );
    assert_eq!(ex.status, Status::Failed);
    assert_eq!(ex.score, 0.0, "all or nothing");
    let everything = read_outputs(&scratch("hidden-broken"));
    for secret in ["SECRET-BROKEN-SOURCE", "secret_method_9c1b"] {
        assert!(
            !everything.contains(secret),
            "`{secret}` leaked:\n{everything}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Hostile submissions

/// Grades the hostile fixture `case` (exercise 04, plus 05 solved beside it when `with_05`)
/// and checks what every hostile case must hold: bounded time, no process left, the other
/// exercise untouched.
fn hostile(case: &str, with_05: bool, edit: impl Fn(&Path)) -> Report {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let solved: &[&str] = if with_05 {
        &["exercise-04-spin-lock", "exercise-05-ticket-lock"]
    } else {
        &["exercise-04-spin-lock"]
    };
    let dir = submission(&format!("hostile-{case}"), solved, Some(case));
    edit(&dir);
    let exercises: &[&str] = if with_05 { &["04", "05"] } else { &["04"] };
    let mut options = options(&format!("hostile-{case}"), exercises, Some(dir));
    options.time_limit = Some(HOSTILE_LIMIT);
    if case == "memory-eater" {
        // 1 GiB instead of the default 4: filling 4 GiB page by page took more than the
        // 10 s limit on a machine loaded by other builds, and the case timed out instead.
        options.memory_bytes = Some(MEMORY_EATER_LIMIT);
    }
    let (report, elapsed) = grade(&options);
    eprintln!(
        "{case}: {} in {:.1} s ({:.1} s building)\n{}",
        exercise(&report, 4).status.name(),
        elapsed.as_secs_f64(),
        report.build_seconds,
        course_grader::outputs::table(&report)
    );
    // Running (building aside) stays within the sum of the time limits plus a margin.
    let limits = HOSTILE_LIMIT.as_secs_f64() * exercises.len() as f64;
    let running = elapsed.as_secs_f64() - report.build_seconds;
    assert!(
        running <= limits + 10.0,
        "{case}: {running:.1} s of running"
    );
    if with_05 {
        let ex = exercise(&report, 5);
        assert_eq!((ex.status, ex.score), (Status::Passed, 10.0), "{ex:#?}");
    }
    report
}

fn expect(report: &Report, status: Status, score: f64, message: Option<&str>) {
    let ex = exercise(report, 4);
    assert_eq!((ex.status, ex.score), (status, score), "{ex:#?}");
    if let Some(fragment) = message {
        assert!(
            ex.message.as_deref().is_some_and(|m| m.contains(fragment)),
            "expected `{fragment}` in {:?}",
            ex.message
        );
    }
}

#[test]
fn hostile_deadlock_is_stopped() {
    let report = hostile("deadlock", false, |_| {});
    let ex = exercise(&report, 4);
    assert!(
        matches!(ex.status, Status::TimedOut | Status::Failed) && ex.score == 0.0,
        "{ex:#?}"
    );
}

#[test]
fn hostile_infinite_loop_times_out() {
    let report = hostile("infinite-loop", false, |_| {});
    expect(&report, Status::TimedOut, 0.0, Some("time limit (10 s)"));
}

#[test]
fn hostile_panic_fails_every_test() {
    let report = hostile("panic", false, |_| {});
    expect(&report, Status::Failed, 0.0, None);
    let ex = exercise(&report, 4);
    assert!(ex.tests.iter().any(|t| {
        t.message
            .as_deref()
            .is_some_and(|m| m.contains("refuses to be built"))
    }));
}

#[test]
fn hostile_abort_is_a_crash() {
    let report = hostile("abort", false, |_| {});
    expect(&report, Status::Failed, 0.0, Some("signal 6"));
}

/// The memory limit of the memory eater's grading.
const MEMORY_EATER_LIMIT: u64 = 1024 << 20;

#[test]
fn hostile_memory_eater_meets_the_memory_limit() {
    let report = hostile("memory-eater", false, |_| {});
    expect(&report, Status::Failed, 0.0, Some("signal 6"));
    if report.limits.applied.iter().any(|l| l == "memory") {
        assert_eq!(report.limits.memory_bytes, Some(MEMORY_EATER_LIMIT));
    }
}

#[test]
fn hostile_daemon_is_killed_and_the_lock_still_graded() {
    let report = hostile("fork-daemon", false, |_| {});
    expect(&report, Status::Passed, 10.0, None);
    assert!(exercise(&report, 4).strays_killed >= 1, "{report:#?}");
}

#[test]
fn hostile_writes_outside_its_crate_are_undone_and_fail_it() {
    let course_toml = std::fs::read(root().join("course.toml")).expect("course.toml");
    let report = hostile("write-outside", true, |_| {});
    expect(
        &report,
        Status::Failed,
        0.0,
        Some("wrote outside its crate"),
    );
    let message = exercise(&report, 4).message.clone().unwrap_or_default();
    assert!(message.contains("grader/course.toml"), "{message}");
    assert!(
        message.contains("exercise-05-ticket-lock/src/lib.rs"),
        "{message}"
    );
    assert_eq!(
        std::fs::read(root().join("course.toml")).expect("course.toml"),
        course_toml,
        "the grader's course.toml was not put back"
    );
}

#[test]
fn hostile_network_is_out_of_reach() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port to listen on");
    let port = listener.local_addr().expect("address").port();
    let report = hostile("network", false, |dir| {
        let file = dir.join("exercises/exercise-04-spin-lock/src/spin_lock.rs");
        let text = std::fs::read_to_string(&file).expect("fixture");
        std::fs::write(&file, text.replace("HOSTILE_PORT", &port.to_string())).expect("write");
    });
    if report.limits.applied.iter().any(|l| l == "network") {
        expect(&report, Status::Passed, 10.0, None);
    } else {
        // No network namespace permitted here: the connection gets through and the suite
        // says so, which fails it; the grader still finishes.
        expect(&report, Status::Failed, 0.0, None);
    }
    drop(listener);
}

#[test]
fn hostile_compile_error_did_not_compile() {
    let report = hostile("compile-error", true, |_| {});
    expect(
        &report,
        Status::DidNotCompile,
        0.0,
        Some("mismatched types"),
    );
}

#[test]
fn hostile_suite_edit_is_ignored_and_the_pristine_suite_used() {
    let report = hostile("suite-edit", false, |_| {});
    expect(&report, Status::Failed, 0.0, None);
    let ex = exercise(&report, 4);
    assert_eq!(
        ex.ignored_files,
        vec!["exercises/exercise-04-spin-lock/tests/graded.rs".to_owned()]
    );
    assert!(ex.tests.iter().all(|t| t.name != "all_good"), "{ex:#?}");
    assert!(ex.tests.len() > 1);
}

// ---------------------------------------------------------------------------------------
// Bad input

#[test]
fn bad_input_is_one_line_and_exit_code_2() {
    let root = root();
    for args in [
        &["99"][..],
        &["--repeat", "0"],
        &["--scoring", "half"],
        &["--submission", "/nonexistent/submission"],
        &["--hidden", "/nonexistent/hidden"],
        &["--frobnicate"],
    ] {
        let os_args = args.iter().map(std::ffi::OsString::from).collect();
        assert_eq!(course_grader::run_cli(os_args, &root), 2, "{args:?}");
    }
    let outside = std::env::temp_dir();
    assert_eq!(
        course_grader::run_cli(Vec::new(), &outside),
        2,
        "no course.toml above"
    );
}

// ---------------------------------------------------------------------------------------
// --repeat

/// A suite that passes in its first run and fails in every later one, as a lucky pass of a
/// stress test does: full marks once, none under `--repeat 3`.
#[test]
fn repeat_fails_a_suite_that_passed_only_once() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let mut grades = Vec::new();
    for repeat in [1, 3] {
        let name = format!("lucky-repeat-{repeat}");
        let dir = submission(&name, &["exercise-04-spin-lock"], Some("lucky"));
        let mut options = options(&name, &["04"], Some(dir));
        options.repeat = repeat;
        let _ = std::fs::remove_file(options.out_dir().join("lucky-runs"));
        let (report, _) = grade(&options);
        assert_eq!(report.repeat, repeat);
        grades.push(exercise(&report, 4).clone());
    }
    assert_eq!(
        (grades[0].status, grades[0].score),
        (Status::Passed, 10.0),
        "{:#?}",
        grades[0]
    );
    assert_eq!(
        (grades[1].status, grades[1].score),
        (Status::Failed, 0.0),
        "{:#?}",
        grades[1]
    );
    assert!(
        grades[1]
            .tests
            .iter()
            .any(|t| t.message.as_deref().is_some_and(|m| m.contains("unlucky"))),
        "{:#?}",
        grades[1]
    );
}
