//! For every exercise in course.toml: the stub fails its graded suite (except `source_*`
//! tests) and every mutant in tests/mutants/ is caught by the tests its `caught_by` names.
//! The same checks as `cargo run -- verify` (the solutions pass: the root `cargo test`
//! already runs their suites). Nested cargo runs build in target/course-check, so they never
//! wait for the lock of this `cargo test`.

use std::path::Path;

use course::course::Course;
use course::verify::{Checker, Verdict};

#[test]
fn every_stub_fails_and_every_mutant_is_caught() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let course = Course::load(root).unwrap_or_else(|e| panic!("{e}"));
    let checker = Checker::new(root);
    let mut problems = Vec::new();
    let mut note = |id: &str, verdict: Verdict| {
        eprintln!(
            "exercise {id}: {} {}",
            if verdict.holds() { "✓" } else { "✗" },
            verdict.text()
        );
        if !verdict.holds() {
            problems.push(format!("exercise {id}: {}", verdict.text()));
        }
    };
    // Sequential on purpose: the machines this runs on may have two cores.
    for ex in &course.exercises {
        let id = ex.id();
        let verdict = checker
            .stub_fails(ex, &mut |_| {})
            .unwrap_or_else(|e| panic!("{e}"));
        note(&id, verdict);
        match checker.mutants(ex) {
            Err(problem) => note(&id, Verdict::Fails(problem)),
            Ok(mutants) => {
                for mutant in &mutants {
                    let verdict = checker
                        .mutant_caught(ex, mutant, &mut |_| {})
                        .unwrap_or_else(|e| panic!("{e}"));
                    note(&id, verdict);
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problem(s):\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}
