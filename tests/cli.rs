//! The built `course` binary: bad arguments give exit code 2 and one clear line, never a
//! panic; the cheap commands work.

use std::path::Path;
use std::process::{Command, Output};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn course_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_course"))
        .args(args)
        .current_dir(dir)
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .unwrap_or_else(|e| panic!("cannot run the course binary: {e}"))
}

fn course(args: &[&str]) -> Output {
    course_in(root(), args)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Exit code 2, a first line `error: ...` containing `expected`, the usage after it, no panic.
fn assert_usage_error(output: &Output, args: &[&str], expected: &str) {
    let stderr = text(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(2),
        "{args:?} should exit with 2; stderr:\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{args:?} panicked:\n{stderr}");
    let first = stderr.lines().next().unwrap_or("");
    assert!(
        first.starts_with("error: "),
        "{args:?}: the first line should be the error:\n{stderr}"
    );
    assert!(
        first.contains(expected),
        "{args:?}: expected `{expected}` in `{first}`"
    );
    assert!(
        stderr.contains("usage: cargo run --"),
        "{args:?}: no usage after the error:\n{stderr}"
    );
    assert!(
        output.stdout.is_empty(),
        "{args:?}: errors go to stderr, stdout had:\n{}",
        text(&output.stdout)
    );
}

#[test]
fn bad_arguments_exit_with_2_and_one_clear_line() {
    let cases: &[(&[&str], &str)] = &[
        (&["frobnicate"], "unknown command `frobnicate`"),
        (&["hint", "99"], "no exercise `99`"),
        (&["hint", "abc"], "no exercise `abc`"),
        (&["hint", "ABC!"], "is not an exercise"),
        (&["check"], "`check` needs an exercise number"),
        (&["check", "99"], "no exercise `99`"),
        (&["check", "04", "slots", "05"], "unexpected argument `05`"),
        (&["check", "ABC!"], "is not an exercise"),
        (&["hint", "04", "--nope"], "unknown option `--nope`"),
        (&["book", "extra"], "unexpected argument `extra`"),
        (&["verify", "99"], "no exercise `99`"),
        (&["--version"], "unknown option `--version`"),
        (&["help", "nope"], "no help for `nope`"),
        (
            &["hint", "04", "--all", "--reset"],
            "at most one of --all and --reset",
        ),
        (&["watch", "99"], "no exercise `99`"),
        (&["watch", "04", "05"], "unexpected argument `05`"),
        (&["watch", "--fast"], "unknown option `--fast`"),
        (&["watch", "Spin_Lock"], "is not an exercise"),
        (&["reset"], "`reset` needs an exercise number"),
        (&["reset", "99"], "no exercise `99`"),
        (&["reset", "04", "--force"], "unknown option `--force`"),
        (&["reset", "04", "05"], "unexpected argument `05`"),
        (&["template"], "`template` needs a folder"),
        (&["template", "a", "b"], "unexpected argument `b`"),
        (&["template", "--force", "a"], "unknown option `--force`"),
        (&["template", "Cargo.toml"], "Cargo.toml is a file"),
        (&["template", "book"], "book is not empty"),
    ];
    for (args, expected) in cases {
        assert_usage_error(&course(args), args, expected);
    }
}

#[test]
fn outside_the_repository_the_error_says_where_to_run() {
    let outside = std::env::temp_dir();
    let output = course_in(&outside, &["list"]);
    assert_usage_error(&output, &["list"], "no course.toml");
}

#[test]
fn help_works_on_every_level() {
    for args in [
        &["--help"][..],
        &["-h"],
        &["help"],
        &["help", "check"],
        &["check", "--help"],
        &["hint", "--help"],
        &["book", "--help"],
        &["verify", "--help"],
        &["list", "--help"],
        &["dashboard", "--help"],
        &["watch", "--help"],
        &["reset", "-h"],
        &["help", "reset"],
    ] {
        let output = course(args);
        let stdout = text(&output.stdout);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&output.stderr)
        );
        assert!(
            stdout.starts_with("usage: cargo run"),
            "{args:?} printed:\n{stdout}"
        );
    }
    let general = text(&course(&["--help"]).stdout);
    for command in ["check", "hint", "book", "verify", "list", "watch", "reset"] {
        assert!(
            general.contains(command),
            "--help does not mention `{command}`"
        );
    }
}

#[test]
fn list_shows_every_exercise_with_its_folder_and_chapter() {
    let output = course(&["list"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    let listed = course::course::Course::load(root()).unwrap_or_else(|e| panic!("{e}"));
    for ex in &listed.exercises {
        assert!(
            stdout.contains(&ex.label()),
            "list misses {}:\n{stdout}",
            ex.label()
        );
        assert!(
            stdout.contains(&ex.exercise_rel()),
            "list misses {}:\n{stdout}",
            ex.exercise_rel()
        );
        assert!(
            stdout.contains(&ex.chapter_rel()),
            "list misses {}:\n{stdout}",
            ex.chapter_rel()
        );
    }
    assert!(
        !stdout.contains('\x1b'),
        "no colours when stdout is not a terminal"
    );
}

#[test]
fn list_works_from_a_subdirectory() {
    let output = course_in(&root().join("src"), &["list"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
}

#[test]
fn hint_all_shows_every_hint() {
    let output = course(&["hint", "04", "--all"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    let listed = course::course::Course::load(root()).unwrap_or_else(|e| panic!("{e}"));
    let ex = listed.find("04").unwrap_or_else(|e| panic!("{e}"));
    let total = ex.hints.len();
    for n in 1..=total {
        assert!(
            stdout.contains(&format!("Hint {n} of {total}")),
            "hint {n} missing:\n{stdout}"
        );
    }
}

/// `watch` waits for saves and for q on stdin: without a terminal it stops at once (the
/// test's stdin is not one), before it runs anything.
#[test]
fn watch_without_a_terminal_fails_at_once() {
    for args in [&["watch"][..], &["watch", "04"]] {
        assert_usage_error(&course(args), args, "`watch` needs a terminal");
    }
}

/// A tiny course of three exercises with no dependencies: one green, one red, one that hangs.
/// `name` is its folder: each test that changes files gets its own.
fn small_course(name: &str) -> std::path::PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    let write = |rel: &str, text: &str| {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    };
    write(
        "Cargo.toml",
        "[workspace]\nresolver = \"3\"\nmembers = [\"exercises/*\"]\n",
    );
    let mut course_toml = String::new();
    let tests = [
        (
            "green",
            "#[test]\nfn adds() { assert_eq!(2 + 2, 4); }\n#[test]\nfn subtracts() { assert_eq!(2 - 2, 0); }\n",
        ),
        (
            "red",
            "#[test]\nfn passes() {}\n#[test]\nfn fails() { assert_eq!(1, 2, \"one is not two (book: x.md#y)\"); }\n",
        ),
        (
            "hang",
            "#[test]\nfn waits_for_ever() { std::thread::sleep(std::time::Duration::from_secs(600)); }\n",
        ),
    ];
    for (n, (slug, test)) in tests.iter().enumerate() {
        let number = n + 1;
        let folder = format!("exercises/exercise-{number:02}-{slug}");
        write(
            &format!("{folder}/Cargo.toml"),
            &format!(
                "[package]\nname = \"exercise-{number:02}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n"
            ),
        );
        write(&format!("{folder}/src/lib.rs"), "");
        write(
            &format!(".course/pristine/exercise-{number:02}-{slug}/src/lib.rs"),
            "",
        );
        write(&format!("{folder}/tests/basic.rs"), test);
        course_toml.push_str(&format!(
            "[[exercise]]\nnumber = {number}\nslug = \"{slug}\"\ntitle = \"The {slug} one\"\n\
             chapter = \"part-1/{slug}.md\"\ntime_limit = 3\nhints = [\"first\", \"second\"]\n\n"
        ));
    }
    write("course.toml", &course_toml);
    dir
}

#[test]
fn check_reports_green_red_and_hung_suites() {
    let dir = small_course("small-course");

    let green = course_in(&dir, &["check", "01"]);
    let stdout = text(&green.stdout);
    assert_eq!(
        green.status.code(),
        Some(0),
        "{stdout}\n{}",
        text(&green.stderr)
    );
    assert!(
        stdout.contains("✓ adds") && stdout.contains("✓ subtracts"),
        "{stdout}"
    );
    assert!(stdout.contains("All 2 tests pass"), "{stdout}");
    assert!(stdout.contains("next: exercise 02"), "{stdout}");

    let red = course_in(&dir, &["check", "red"]);
    let stdout = text(&red.stdout);
    assert_eq!(
        red.status.code(),
        Some(1),
        "{stdout}\n{}",
        text(&red.stderr)
    );
    assert!(
        stdout.contains("✗ fails") && stdout.contains("✓ passes"),
        "{stdout}"
    );
    assert!(stdout.contains("First failure: basic::fails"), "{stdout}");
    assert!(stdout.contains("one is not two"), "{stdout}");
    assert!(stdout.contains("1 pass · 1 fail"), "{stdout}");
    assert!(stdout.contains("cargo run -- hint 02"), "{stdout}");

    let started = std::time::Instant::now();
    let hung = course_in(&dir, &["check", "3"]);
    let stdout = text(&hung.stdout);
    assert_eq!(
        hung.status.code(),
        Some(1),
        "{stdout}\n{}",
        text(&hung.stderr)
    );
    assert!(stdout.contains("Stopped after 3 s"), "{stdout}");
    assert!(
        started.elapsed().as_secs() < 60,
        "the hung suite was not killed in time"
    );

    // The dashboard reuses what check found instead of running again.
    let dashboard = course_in(&dir, &[]);
    let stdout = text(&dashboard.stdout);
    assert_eq!(
        dashboard.status.code(),
        Some(0),
        "{stdout}\n{}",
        text(&dashboard.stderr)
    );
    assert!(
        !stdout.contains("testing exercise"),
        "nothing should be rerun:\n{stdout}"
    );
    assert!(stdout.contains("done ✓"), "{stdout}");
    assert!(
        stdout.contains("in progress: 1 of 2 tests passing"),
        "{stdout}"
    );
    assert!(stdout.contains("in progress (timed out)"), "{stdout}");
    assert!(stdout.contains("Keep going: exercise 02"), "{stdout}");

    // "next" follows progress: after 03 turns green, the next is 02 (still red), not "the
    // one after 03".
    let fixed = "#[test]\nfn waits_a_little() {}\n";
    let basic = dir.join("exercises/exercise-03-hang/tests/basic.rs");
    std::fs::write(&basic, fixed).unwrap_or_else(|e| panic!("{e}"));
    let green = course_in(&dir, &["check", "03"]);
    let stdout = text(&green.stdout);
    assert_eq!(green.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("next: exercise 02"), "{stdout}");

    // The dashboard does not wait for an exercise that hangs: it stops within its budget
    // and says how to see the whole result.
    let hangs = "#[test]\nfn waits_for_ever() { std::thread::sleep(std::time::Duration::from_secs(600)); }\n";
    std::fs::write(&basic, hangs).unwrap_or_else(|e| panic!("{e}"));
    let dashboard = course_in(&dir, &[]);
    let stdout = text(&dashboard.stdout);
    assert_eq!(dashboard.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("changed, not checked yet: run `cargo run -- check 03`"),
        "{stdout}"
    );
    assert!(stdout.contains("Keep going: exercise 02"), "{stdout}");

    // Hints come one at a time, then stop.
    let hint = |args: &[&str]| text(&course_in(&dir, args).stdout);
    assert!(hint(&["hint", "02"]).contains("Hint 1 of 2"));
    let second = hint(&["hint", "02"]);
    assert!(
        second.contains("Hint 2 of 2") && second.contains("last hint"),
        "{second}"
    );
    assert!(hint(&["hint", "02"]).contains("No more hints"));
    assert!(hint(&["hint", "02", "--reset"]).contains("start over"));
    assert!(hint(&["hint", "02"]).contains("Hint 1 of 2"));
}

#[test]
fn reset_keeps_your_version_and_puts_the_stub_back() {
    let dir = small_course("small-course-reset");
    let lib = dir.join("exercises/exercise-02-red/src/lib.rs");
    let mine = "// my work\npub fn answer() -> u32 { 42 }\n";
    std::fs::write(&lib, mine).unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(lib.with_file_name("extra")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(lib.with_file_name("extra").join("more.rs"), "// more")
        .unwrap_or_else(|e| panic!("{e}"));

    // No terminal to ask on, and no --yes: nothing changes.
    let refused = course_in(&dir, &["reset", "02"]);
    assert_usage_error(&refused, &["reset", "02"], "no terminal to ask on");
    assert_eq!(
        std::fs::read_to_string(&lib).unwrap_or_default(),
        mine,
        "a refused reset changed the learner's file"
    );

    let reset = course_in(&dir, &["reset", "02", "--yes"]);
    let stdout = text(&reset.stdout);
    assert_eq!(
        reset.status.code(),
        Some(0),
        "{stdout}\n{}",
        text(&reset.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&lib).unwrap_or_else(|e| panic!("{e}")),
        "",
        "src/lib.rs is not back as shipped"
    );
    assert!(
        !lib.with_file_name("extra").exists(),
        "a file the learner added is still in src/"
    );
    // The printed folder holds the learner's version, whole.
    let saved = stdout
        .lines()
        .find_map(|line| line.strip_prefix("Your version is kept in "))
        .and_then(|rest| rest.split_once("/ "))
        .map(|(rel, _)| dir.join(rel))
        .unwrap_or_else(|| panic!("no saved folder printed:\n{stdout}"));
    assert!(saved.starts_with(dir.join("saved")), "{}", saved.display());
    assert_eq!(
        std::fs::read_to_string(saved.join("lib.rs")).unwrap_or_default(),
        mine,
        "the saved copy in {} is not the learner's lib.rs",
        saved.display()
    );
    assert_eq!(
        std::fs::read_to_string(saved.join("extra/more.rs")).unwrap_or_default(),
        "// more"
    );

    let again = course_in(&dir, &["reset", "02"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
    assert!(
        text(&again.stdout).contains("already as shipped"),
        "{}",
        text(&again.stdout)
    );

    std::fs::remove_dir_all(dir.join(".course/pristine/exercise-01-green"))
        .unwrap_or_else(|e| panic!("{e}"));
    let output = course_in(&dir, &["reset", "01", "--yes"]);
    assert_usage_error(&output, &["reset", "01", "--yes"], "its shipped copy");
}
