//! `cargo run -- template OUT_DIR`: the student repository it writes holds no solution and
//! none of the course's own checks, resolves with its trimmed Cargo.lock, runs the course
//! tool, keeps the stubs red, and ships a workflow whose grading command uses only the
//! grader's flags. The nested cargo runs share `target/template-check/target`, and the
//! template is written at the same path every time (with its files' times kept), so a warm
//! run rebuilds nothing. (So do not edit the copy in target/template-check by hand: cargo
//! would take an older file copied over your edit for unchanged.)

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The flags `cargo run -- grade` takes (see the instructors' appendix).
const GRADE_FLAGS: &[&str] = &["--submission", "--hidden", "--out", "--repeat", "--scoring"];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn check_dir() -> PathBuf {
    root().join("target").join("template-check")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn course(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_course"))
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap_or_else(|e| panic!("cannot run the course binary: {e}"))
}

/// The student repository, written once for all the tests of this file.
fn student() -> &'static Path {
    static STUDENT: OnceLock<PathBuf> = OnceLock::new();
    STUDENT.get_or_init(|| {
        let out = check_dir().join("student");
        if out.exists() {
            fs::remove_dir_all(&out).unwrap_or_else(|e| panic!("cannot empty {out:?}: {e}"));
        }
        let output = course(root(), &["template", out.to_str().unwrap()]);
        assert!(
            output.status.success(),
            "`template` failed:\n{}{}",
            text(&output.stdout),
            text(&output.stderr)
        );
        out
    })
}

/// `cargo ARGS` in the student repository, with the shared target dir.
fn cargo_in_student(args: &[&str]) -> Output {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    Command::new(cargo)
        .args(args)
        .current_dir(student())
        .env("CARGO_TARGET_DIR", check_dir().join("target"))
        .env("CARGO_TERM_COLOR", "never")
        .env_remove("RUSTFLAGS")
        .output()
        .unwrap_or_else(|e| panic!("cannot run cargo: {e}"))
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut all = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(dir) = todo.pop() {
        for entry in fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot read {dir:?}: {e}")) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else {
                all.push(path);
            }
        }
    }
    all
}

#[test]
fn the_template_holds_no_solution_and_none_of_the_course_checks() {
    let student = student();
    for gone in [
        "solutions",
        "tests",
        ".ci",
        ".cargo/mutants.toml",
        "CONTRIBUTING.md",
        "target",
        "saved",
    ] {
        assert!(
            !student.join(gone).exists(),
            "the template has {gone}, which students must not get"
        );
    }
    for kept in [
        "Cargo.toml",
        "Cargo.lock",
        "course.toml",
        "README.md",
        ".gitignore",
        ".github/workflows/grade.yml",
        ".course/pristine",
        "book/src/SUMMARY.md",
        "src/main.rs",
        "crates/sync-shim",
        "exercises/exercise-04-spin-lock/tests/graded.rs",
    ] {
        assert!(student.join(kept).exists(), "the template has no {kept}");
    }

    // Every solution file the learner writes (the ones that differ from the stub's), by
    // content: none may be anywhere in the template, whatever its name.
    let mut answers = HashSet::new();
    for solution in fs::read_dir(root().join("solutions")).unwrap() {
        let solution = solution.unwrap().path();
        let folder = solution.file_name().unwrap();
        for file in files_under(&solution.join("src")) {
            let rel = file.strip_prefix(&solution).unwrap();
            let stub = root().join("exercises").join(folder).join(rel);
            let answer = fs::read(&file).unwrap();
            if fs::read(&stub).ok().as_ref() != Some(&answer) {
                answers.insert(answer);
            }
        }
    }
    assert!(!answers.is_empty(), "found no solution file to look for");
    let files = files_under(student);
    for file in &files {
        let rel = file.strip_prefix(student).unwrap();
        assert!(
            !answers.contains(&fs::read(file).unwrap()),
            "{} in the template is a solution file",
            rel.display()
        );
        let name = rel.to_string_lossy();
        assert!(
            !name.contains("solutions/") && !name.contains("mutants/"),
            "{name} should not be in the template"
        );
        // No manifest or lock file may point at a solution: the workspace must resolve
        // without them, and a student should not go looking.
        if name.ends_with("Cargo.toml") || name.ends_with("Cargo.lock") {
            let content = fs::read_to_string(file).unwrap();
            assert!(
                !content.contains("solutions/") && !content.contains("\"solution-"),
                "{name} in the template mentions a solution"
            );
        }
    }

    // Each exercise's src/ is the stub as shipped.
    for exercise in fs::read_dir(student.join("exercises")).unwrap() {
        let exercise = exercise.unwrap().path();
        let folder = exercise.file_name().unwrap();
        let pristine = student.join(".course/pristine").join(folder).join("src");
        for file in files_under(&exercise.join("src")) {
            let rel = file.strip_prefix(exercise.join("src")).unwrap();
            assert_eq!(
                fs::read(&file).unwrap(),
                fs::read(pristine.join(rel)).unwrap_or_default(),
                "{} is not the stub as shipped",
                file.display()
            );
        }
    }

    let readme = fs::read_to_string(student.join("README.md")).unwrap();
    for needed in [
        "cargo run\n",
        "cargo test -p exercise-04",
        "## How your work is graded",
        "cargo run -- grade",
    ] {
        assert!(
            readme.contains(needed),
            "the student README lacks {needed:?}"
        );
    }
    for absent in ["For maintainers", "solutions/", "{{"] {
        assert!(
            !readme.contains(absent),
            "the student README has {absent:?}"
        );
    }
}

#[test]
fn template_refuses_a_file_or_a_folder_that_is_not_empty() {
    let dir = check_dir().join("refusals");
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("full")).unwrap();
    fs::write(dir.join("full/keep.txt"), "mine").unwrap();
    fs::write(dir.join("a-file"), "mine").unwrap();
    let cases = [
        (dir.join("full"), "is not empty"),
        (dir.join("a-file"), "is a file"),
        (root().join("book/student"), "inside the course repository"),
    ];
    for (out, expected) in cases {
        let output = course(root(), &["template", out.to_str().unwrap()]);
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{out:?}:\n{stderr}");
        assert!(!stderr.contains("panicked"), "{out:?}:\n{stderr}");
        let first = stderr.lines().next().unwrap_or_default();
        assert!(
            first.starts_with("error: ") && first.contains(expected),
            "{out:?}: expected `{expected}` in the first line:\n{stderr}"
        );
    }
    assert_eq!(
        fs::read_to_string(dir.join("full/keep.txt")).unwrap(),
        "mine"
    );
    assert!(!root().join("book/student").exists());
    let output = course(root(), &["template"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("`template` needs a folder"));
}

#[test]
fn the_template_resolves_with_its_own_lock_file_offline() {
    // Only the host's packages: a fresh machine has downloaded no other platform's crates.
    let rustc = Command::new(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()))
        .arg("-vV")
        .output()
        .expect("cannot run rustc -vV");
    let host = text(&rustc.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
        .expect("rustc -vV names no host");
    let output = cargo_in_student(&[
        "metadata",
        "--offline",
        "--locked",
        "--format-version",
        "1",
        "--filter-platform",
        &host,
    ]);
    assert!(
        output.status.success(),
        "cargo metadata --locked fails in the template:\n{}",
        text(&output.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let members: Vec<&str> = metadata["workspace_members"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m.as_str())
        .collect();
    assert!(members.iter().any(|m| m.contains("exercise-04")));
    assert!(
        !members.iter().any(|m| m.contains("solution")),
        "{members:?}"
    );
}

#[test]
fn the_course_tool_runs_in_the_template() {
    let output = cargo_in_student(&["run", "-q", "--offline", "--locked", "--", "list"]);
    let stdout = text(&output.stdout);
    assert!(
        output.status.success(),
        "`cargo run -- list` fails in the template:\n{stdout}{}",
        text(&output.stderr)
    );
    assert!(
        stdout.contains("exercises/exercise-04-spin-lock/"),
        "{stdout}"
    );
    assert!(!stdout.contains("solution"), "{stdout}");
    assert!(!stdout.contains("(missing)"), "{stdout}");

    // Plain `cargo run`, as the student README says to start: the dashboard.
    let output = cargo_in_student(&["run", "-q", "--offline", "--locked"]);
    let stdout = text(&output.stdout);
    assert!(
        output.status.success(),
        "`cargo run` fails in the template:\n{stdout}{}",
        text(&output.stderr)
    );
    assert!(stdout.contains("0 of "), "{stdout}");
    assert!(stdout.contains("Next: exercise"), "{stdout}");
}

#[test]
fn an_exercise_of_the_template_compiles_and_is_red() {
    let output = cargo_in_student(&[
        "test",
        "--offline",
        "--locked",
        "-p",
        "exercise-04",
        "--no-fail-fast",
    ]);
    let all = format!("{}{}", text(&output.stdout), text(&output.stderr));
    assert!(
        !output.status.success(),
        "the stub of exercise 04 passes its tests in the template:\n{all}"
    );
    assert!(
        !all.contains("error[E") && !all.contains("could not compile"),
        "exercise 04 does not compile in the template:\n{all}"
    );
    assert!(
        all.contains("test result: FAILED"),
        "no test of exercise 04 ran in the template:\n{all}"
    );
}

/// The YAML is checked structurally (no YAML crate among the dependencies), and parsed by
/// Python's `yaml` module too when this machine has it.
#[test]
fn the_workflow_is_well_formed_and_grades_with_the_grader_s_flags() {
    let path = student().join(".github/workflows/grade.yml");
    let workflow = fs::read_to_string(&path).unwrap();
    assert!(!workflow.contains('\t'), "tabs in the workflow");

    let mut top = Vec::new();
    for (n, line) in workflow.lines().enumerate() {
        let content = line.trim_start();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let indent = line.len() - content.len();
        assert!(indent % 2 == 0, "line {}: odd indentation: {line}", n + 1);
        if indent == 0 {
            top.push(content.split(':').next().unwrap().to_owned());
        }
    }
    assert_eq!(top, ["name", "\"on\"", "permissions", "jobs"]);

    for uses in workflow
        .lines()
        .filter_map(|l| l.trim().strip_prefix("uses: "))
    {
        assert!(
            uses.contains('/')
                && uses
                    .rsplit_once("@v")
                    .is_some_and(|(_, v)| v.chars().all(|c| c.is_ascii_digit())),
            "`{uses}` is not pinned to a major version"
        );
    }
    for needed in [
        "push:",
        "workflow_dispatch:",
        "uses: actions/checkout@v4",
        "repository: ${{ secrets.GRADER_REPO }}",
        "token: ${{ secrets.GRADER_TOKEN }}",
        "uses: actions/upload-artifact@v4",
        "grade/junit.xml",
        "grade/report.json",
        "uses: classroom-resources/autograding-grading-reporter@v1",
        // The reporter reads `<RUNNER>_RESULTS` for each step id in `runners`.
        "id: grade\n",
        "GRADE_RESULTS: ${{ steps.grade.outputs.result }}",
        "runners: grade\n",
        "Not pristine",
    ] {
        assert!(workflow.contains(needed), "the workflow lacks {needed:?}");
    }
    // The secrets never reach the step that runs the learner's code.
    let grade_step = workflow
        .split("- name: ")
        .find(|step| step.contains("id: grade\n"))
        .unwrap();
    assert!(!grade_step.contains("secrets."), "{grade_step}");

    let commands: Vec<&str> = workflow
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter(|l| l.contains("cargo run -- grade") || l.contains("hidden=(--"))
        .collect();
    assert_eq!(commands.len(), 3, "{commands:?}");
    for command in commands {
        for flag in command.split_whitespace().filter(|w| w.starts_with("--")) {
            let flag = flag.trim_start_matches('(');
            assert!(
                flag == "--" || GRADE_FLAGS.contains(&flag),
                "`{flag}` is not a flag of `cargo run -- grade`: {command}"
            );
        }
    }
    assert!(workflow.contains("--submission \"$GITHUB_WORKSPACE/submission\""));

    let python = Command::new("python3")
        .args(["-c", "import sys, yaml; yaml.safe_load(open(sys.argv[1]))"])
        .arg(&path)
        .output();
    match python {
        Ok(out) if out.status.success() => {}
        Ok(out) if text(&out.stderr).contains("No module named") => {
            eprintln!("python3 has no yaml module: the workflow was checked structurally only");
        }
        Ok(out) => panic!("the workflow is not valid YAML:\n{}", text(&out.stderr)),
        Err(_) => eprintln!("no python3: the workflow was checked structurally only"),
    }
}

/// The grading command of the workflow's "not pristine" branch, run in the template, once
/// the grader is part of the course.
#[test]
fn the_workflow_s_grading_command_runs_in_the_template() {
    if !root().join("crates/grader").is_dir() {
        eprintln!("skipped: there is no crates/grader in this checkout yet");
        return;
    }
    let out = check_dir().join("grade");
    let _ = fs::remove_dir_all(&out);
    let build = check_dir().join("grade-build");
    let output = cargo_in_student(&[
        "run",
        "-q",
        "--offline",
        "--locked",
        "--",
        "grade",
        "04",
        "--out",
        out.to_str().unwrap(),
        // Outside the template, which is written anew each time, so warm runs stay warm.
        "--build-dir",
        build.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "`cargo run -- grade 04` fails in the template:\n{}{}",
        text(&output.stdout),
        text(&output.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(
        report["score"].as_f64(),
        Some(0.0),
        "the stub scored: {report}"
    );
    assert_eq!(report["exercises"][0]["status"], "not-started", "{report}");
    for file in ["junit.xml", "summary.md"] {
        assert!(out.join(file).is_file(), "grading wrote no {file}");
    }
}
