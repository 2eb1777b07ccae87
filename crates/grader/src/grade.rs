//! The grading pipeline: assemble, build every exercise, run each under its time limit,
//! check that no suite wrote where it should not, score.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use course::course::{Course, Exercise};

use crate::assemble::{self, Workspace};
use crate::build::{self, Built, Executable};
use crate::progress::Progress;
use crate::report::{
    ExerciseReport, LimitsReport, Report, SCHEMA_ID, SCHEMA_VERSION, Scoring, Status, TestReport,
    TestStatus, round_score,
};
use crate::run::{self, Setting, TestResult};
use crate::{GradeError, Options};
use sandbox::Limits;

/// The message of a hidden test target that did not compile: never the compiler's text.
pub const HIDDEN_DID_NOT_COMPILE: &str = "the hidden tests did not compile against your code";

/// The first lines of the first compile error worth showing.
fn first_error(built: &Built) -> String {
    let error = built
        .errors
        .iter()
        .find(|e| !e.target.starts_with("hidden_"))
        .map(|e| e.rendered.clone())
        .or_else(|| built.cargo_errors.first().cloned())
        .unwrap_or_else(|| "the build failed without saying why".to_owned());
    run::shorten(&error)
}

/// How the build of one exercise came out.
enum BuildOutcome {
    /// It did not compile (the learner's code, or the public suite against it).
    Failed(String),
    /// Built: the executables; the hidden targets that did not compile.
    Ok(Vec<Executable>, Vec<String>),
}

fn judge_build(built: &Built, hidden: &[String]) -> BuildOutcome {
    let public_error = built
        .errors
        .iter()
        .any(|e| !e.target.starts_with("hidden_"));
    if public_error || (!built.success && built.errors.is_empty()) {
        return BuildOutcome::Failed(first_error(built));
    }
    let built_tests: Vec<&str> = built
        .executables
        .iter()
        .filter(|e| e.is_test)
        .map(|e| e.target.as_str())
        .collect();
    let broken_hidden: Vec<String> = hidden
        .iter()
        .filter(|name| !built_tests.contains(&name.as_str()))
        .cloned()
        .collect();
    if built_tests.iter().all(|t| t.starts_with("hidden_")) && !built.success {
        return BuildOutcome::Failed(first_error(built));
    }
    BuildOutcome::Ok(built.executables.clone(), broken_hidden)
}

/// Everything known about one exercise while grading.
struct Graded<'a> {
    ex: &'a Exercise,
    report: ExerciseReport,
    executables: Vec<Executable>,
    broken_hidden: Vec<String>,
}

/// Grades `options.exercises` (all when empty) and returns the report; writes nothing.
pub fn grade(options: &Options, progress: &mut Progress) -> Result<Report, GradeError> {
    let started = Instant::now();
    let root = &options.root;
    let course = Course::load(root).map_err(|e| GradeError::new(e.message()))?;
    let chosen: Vec<&Exercise> = if options.exercises.is_empty() {
        course.exercises.iter().collect()
    } else {
        let mut chosen = Vec::new();
        for arg in &options.exercises {
            let ex = course.find(arg).map_err(|e| GradeError::new(e.message()))?;
            if !chosen.iter().any(|c: &&Exercise| c.number == ex.number) {
                chosen.push(ex);
            }
        }
        chosen.sort_by_key(|ex| course.exercises.iter().position(|e| e == *ex));
        chosen
    };
    if chosen.is_empty() {
        return Err(GradeError::new("course.toml lists no exercise to grade"));
    }
    let submission = options.submission.clone().unwrap_or_else(|| root.clone());
    let out = options.out_dir();
    let build_dir = options.build_dir();
    // The workspace lives beside its build, at one path per build folder: cargo names a
    // workspace member's artifacts by its path inside the workspace, not by where the
    // workspace is, so two workspaces sharing a build folder would take each other's test
    // binaries for fresh. One path means a changed file is always rebuilt; the lock keeps
    // two gradings from sharing it at once.
    let work_dir = build_dir.join("work");
    for dir in [&out, &build_dir] {
        std::fs::create_dir_all(dir)
            .map_err(|e| GradeError::new(format!("cannot create {}: {e}", dir.display())))?;
    }
    let _lock = crate::lock::BuildLock::take(&build_dir, &mut |waiting| progress.note(waiting))?;

    progress.note("assembling the workspace");
    let mut ws = assemble::assemble(
        &course,
        &chosen,
        &submission,
        options.hidden.as_deref(),
        &work_dir,
    )?;

    let limits = Limits {
        time: Duration::from_secs(60),
        memory_bytes: options.memory_bytes,
        file_size_bytes: Some(256 << 20),
        open_files: Some(1024),
        isolate_network: true,
    };

    // Not started, or to build.
    let mut graded: Vec<Graded<'_>> = Vec::new();
    for ex in &chosen {
        let time_limit = options.time_limit_of(ex);
        let ignored = ws.ignored.get(&ex.number).cloned().unwrap_or_default();
        let src = submission.join(ex.exercise_rel()).join("src");
        let not_started = !src.is_dir()
            || (ex.todos.is_some_and(|t| t > 0)
                && course::progress::count_todos(&src)
                    .is_ok_and(|n| n >= ex.todos.unwrap_or(usize::MAX)));
        let report = ExerciseReport {
            number: ex.number,
            slug: ex.slug.clone(),
            title: ex.title.clone(),
            score: 0.0,
            max_score: f64::from(ex.points),
            status: if not_started {
                Status::NotStarted
            } else {
                Status::Failed
            },
            message: not_started.then(|| {
                if src.is_dir() {
                    "not started: every todo!() of the stub is still there".to_owned()
                } else {
                    format!(
                        "not started: the submission has no {}/src",
                        ex.exercise_rel()
                    )
                }
            }),
            time_limit_seconds: time_limit.as_secs_f64(),
            time_seconds: 0.0,
            tests: Vec::new(),
            ignored_files: ignored,
            strays_killed: 0,
        };
        graded.push(Graded {
            ex,
            report,
            executables: Vec::new(),
            broken_hidden: Vec::new(),
        });
    }

    // Build everything first: a suite that runs later cannot change what was compiled.
    let build_started = Instant::now();
    for g in &mut graded {
        if g.report.status == Status::NotStarted {
            continue;
        }
        progress.phase(g.ex, "building");
        let hidden = ws.hidden.get(&g.ex.number).cloned().unwrap_or_default();
        let built = build::build(&work_dir, &build_dir, &g.ex.package(), &mut |line| {
            progress.detail(line)
        })?;
        match judge_build(&built, &hidden) {
            BuildOutcome::Failed(message) => {
                g.report.status = Status::DidNotCompile;
                g.report.message = Some(message);
            }
            BuildOutcome::Ok(exes, broken) => {
                g.executables = exes;
                g.broken_hidden = broken;
            }
        }
    }
    let build_seconds = build_started.elapsed().as_secs_f64();
    // cargo may have rewritten the lock file (no solutions/ here): that is the baseline.
    if let Ok(lock) = std::fs::read(work_dir.join("Cargo.lock")) {
        ws.files.insert("Cargo.lock".into(), lock);
    }

    let mut applied_sets: Vec<Vec<String>> = Vec::new();
    let mut running_score = 0.0;
    let max_total: f64 = graded.iter().map(|g| g.report.max_score).sum();
    for index in 0..graded.len() {
        let status = graded[index].report.status;
        if status == Status::NotStarted || status == Status::DidNotCompile {
            progress.finished(&graded[index].report, running_score, max_total);
            continue;
        }
        let ex = graded[index].ex;
        progress.phase(ex, "running");
        let crate_dir = work_dir.join(ex.exercise_rel());
        let scratch = out.join("scratch").join(ex.id());
        let time_limit = options.time_limit_of(ex);
        let tests: Vec<Executable> = {
            let mut tests: Vec<Executable> = graded[index]
                .executables
                .iter()
                .filter(|e| e.is_test)
                .cloned()
                .collect();
            // The public suites first, then the hidden ones, each by name.
            tests.sort_by_key(|e| (e.target.starts_with("hidden_"), e.target.clone()));
            tests
        };
        // A binary changed since the build (by another exercise's suite) is rebuilt first.
        if graded[index]
            .executables
            .iter()
            .any(|e| build::hash_file(&e.path).ok().as_deref() != Some(e.hash.as_str()))
        {
            rebuild(&mut graded[index], &ws, &work_dir, &build_dir, progress)?;
        }
        let setting = Setting {
            crate_dir: &crate_dir,
            scratch: &scratch,
            limits: &limits,
        };
        let mut merged: Vec<TestResult> = Vec::new();
        let mut timed_out = false;
        let mut crash: Option<String> = None;
        let mut elapsed = Duration::ZERO;
        let mut strays = 0;
        let test_refs: Vec<&Executable> = tests.iter().collect();
        for _ in 0..options.repeat {
            let run = run::run_once(&test_refs, &setting, time_limit, &mut |line| {
                progress.test_line(line)
            });
            elapsed += run.elapsed;
            strays += run.strays_killed;
            timed_out |= run.timed_out;
            if crash.is_none() {
                crash = run.crash.clone();
            }
            applied_sets.extend(run.applied.iter().cloned());
            for test in run.tests {
                match merged.iter_mut().find(|t| t.name == test.name) {
                    Some(seen) => {
                        if seen.status == TestStatus::Passed && test.status == TestStatus::Failed {
                            *seen = test;
                        }
                    }
                    None => merged.push(test),
                }
            }
            if timed_out {
                break; // the next runs would only take as long again
            }
        }
        for name in &graded[index].broken_hidden {
            merged.push(TestResult {
                name: name.clone(),
                status: TestStatus::Failed,
                message: Some(HIDDEN_DID_NOT_COMPILE.to_owned()),
                hidden: true,
            });
        }

        // Did the suite write where it should not? Put everything back, and rebuild any
        // other exercise whose binaries it changed.
        let own = format!("{}/", ex.exercise_rel());
        let work_changed = assemble::changed(&work_dir, &ws.files);
        let root_changed = assemble::changed(root, &ws.pristine);
        assemble::restore(&work_dir, &ws.files, &work_changed)
            .map_err(|e| GradeError::new(format!("cannot restore the workspace: {e}")))?;
        assemble::restore(root, &ws.pristine, &root_changed)
            .map_err(|e| GradeError::new(format!("cannot restore the grader's own files: {e}")))?;
        let mut outside: Vec<String> = work_changed
            .iter()
            .filter(|rel| !rel.starts_with(&own))
            .map(|rel| format!("work/{rel}"))
            .collect();
        outside.extend(root_changed.iter().map(|rel| format!("grader/{rel}")));
        // Only the exercises still to run matter (and this one, to say what it did).
        #[allow(clippy::needless_range_loop)] // `rebuild` needs the element mutably
        for other in index..graded.len() {
            let changed_exes: Vec<String> = graded[other]
                .executables
                .iter()
                .filter(|e| build::hash_file(&e.path).ok().as_deref() != Some(e.hash.as_str()))
                .map(|e| e.target.clone())
                .collect();
            if changed_exes.is_empty() {
                continue;
            }
            if other != index {
                outside.extend(changed_exes.iter().map(|t| {
                    format!(
                        "the test binary `{t}` of exercise {}",
                        graded[other].ex.id()
                    )
                }));
            }
            if other > index {
                rebuild(&mut graded[other], &ws, &work_dir, &build_dir, progress)?;
            }
        }

        let g = &mut graded[index];
        g.report.time_seconds = (elapsed.as_secs_f64() * 100.0).round() / 100.0;
        g.report.strays_killed = strays;
        g.report.tests = merged
            .into_iter()
            .map(|t| TestReport {
                name: t.name,
                status: t.status,
                message: t.message,
                hidden: t.hidden,
            })
            .collect();
        let failed = g
            .report
            .tests
            .iter()
            .filter(|t| t.status == TestStatus::Failed)
            .count();
        let total = g.report.tests.len();
        let (status, message) = if timed_out {
            (
                Status::TimedOut,
                Some(format!(
                    "the suite was still running at its time limit ({} s): the whole process tree was killed (a deadlock or an endless loop?)",
                    time_limit.as_secs()
                )),
            )
        } else if !outside.is_empty() {
            (
                Status::Failed,
                Some(format!(
                    "the suite wrote outside its crate ({}); the files were put back, and a suite that does this earns no points",
                    outside.join(", ")
                )),
            )
        } else if let Some(crash) = crash {
            (Status::Failed, Some(crash))
        } else if total == 0 {
            (Status::Failed, Some("the suite has no tests".to_owned()))
        } else if failed > 0 {
            (
                Status::Failed,
                Some(format!("{failed} of {total} tests failed")),
            )
        } else {
            (Status::Passed, None)
        };
        g.report.status = status;
        g.report.message = message;
        g.report.score = score(&g.report, options.scoring, !outside.is_empty());
        running_score += g.report.score;
        progress.finished(&g.report, running_score, max_total);
    }

    let exercises: Vec<ExerciseReport> = graded.into_iter().map(|g| g.report).collect();
    let score = round_score(exercises.iter().map(|e| e.score).sum());
    let applied = applied_everywhere(&applied_sets);
    Ok(Report {
        schema: SCHEMA_ID.to_owned(),
        version: SCHEMA_VERSION,
        score,
        max_score: round_score(max_total),
        scoring: options.scoring,
        repeat: options.repeat,
        hidden_tests: options.hidden.is_some(),
        pristine: !same_dir(&submission, root),
        limits: LimitsReport {
            memory_bytes: limits.memory_bytes,
            file_size_bytes: limits.file_size_bytes,
            open_files: limits.open_files,
            isolate_network: limits.isolate_network,
            applied,
        },
        exercises,
        ignored_files: ws.ignored.get(&0).cloned().unwrap_or_default(),
        time_seconds: (started.elapsed().as_secs_f64() * 10.0).round() / 10.0,
        build_seconds: (build_seconds * 10.0).round() / 10.0,
    })
}

/// The limits that took effect in every run (none when nothing ran).
fn applied_everywhere(sets: &[Vec<String>]) -> Vec<String> {
    let Some(first) = sets.first() else {
        return Vec::new();
    };
    first
        .iter()
        .filter(|name| sets.iter().all(|set| set.contains(name)))
        .cloned()
        .collect()
}

fn same_dir(a: &Path, b: &Path) -> bool {
    let canon = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    canon(a) == canon(b)
}

/// The exercise's score under `scoring`.
pub fn score(report: &ExerciseReport, scoring: Scoring, tampered: bool) -> f64 {
    if tampered || report.tests.is_empty() {
        return 0.0;
    }
    match report.status {
        Status::Passed => report.max_score,
        Status::NotStarted | Status::DidNotCompile => 0.0,
        Status::Failed | Status::TimedOut => match scoring {
            Scoring::AllOrNothing => 0.0,
            Scoring::PerTest => {
                let passed = report
                    .tests
                    .iter()
                    .filter(|t| t.status == TestStatus::Passed)
                    .count();
                round_score(report.max_score * passed as f64 / report.tests.len() as f64)
            }
        },
    }
}

/// Deletes an exercise's changed binaries and builds them again from the pristine files.
fn rebuild(
    g: &mut Graded<'_>,
    ws: &Workspace,
    work_dir: &Path,
    build_dir: &Path,
    progress: &mut Progress,
) -> Result<(), GradeError> {
    progress.phase(g.ex, "rebuilding (a binary was changed)");
    let changed = assemble::changed(work_dir, &ws.files);
    assemble::restore(work_dir, &ws.files, &changed)
        .map_err(|e| GradeError::new(format!("cannot restore the workspace: {e}")))?;
    for exe in &g.executables {
        if build::hash_file(&exe.path).ok().as_deref() != Some(exe.hash.as_str()) {
            let _ = std::fs::remove_file(&exe.path);
        }
    }
    let built = build::build(work_dir, build_dir, &g.ex.package(), &mut |_| {})?;
    let by_target: BTreeMap<String, PathBuf> = built
        .executables
        .iter()
        .map(|e| (e.target.clone(), e.path.clone()))
        .collect();
    for exe in &mut built.executables.clone() {
        if let Some(old) = g.executables.iter_mut().find(|o| o.target == exe.target) {
            old.hash.clone_from(&exe.hash);
            old.path.clone_from(&by_target[&exe.target]);
        }
    }
    Ok(())
}
