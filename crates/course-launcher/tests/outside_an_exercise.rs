//! Built as its own package (not from an exercise folder), the launcher has no exercise to
//! run: it says where to run it, with exit code 2 and one `error:` line, never a panic.

use std::process::Command;

#[test]
fn outside_an_exercise_it_says_where_to_run_it() {
    let output = Command::new(env!("CARGO_BIN_EXE_course-launcher"))
        .output()
        .unwrap_or_else(|e| panic!("cannot run the launcher: {e}"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with("error: ") && stderr.contains("exercises/exercise-NN-"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(output.stdout.is_empty());
}
