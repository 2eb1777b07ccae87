//! For every exercise in course.toml: the stub fails its graded suite (except `source_*`
//! tests), the contract names only tests the suite has, every mutant in tests/mutants/ is
//! caught by the tests its `caught_by` names, every alternative in tests/alternatives/ passes
//! the whole suite, and the sweep's survivors file is well-formed. The same checks as
//! `cargo run -- verify` (the solutions pass: the root `cargo test` already runs their
//! suites). Nested cargo runs build in target/course-check, so they never wait for the lock
//! of this `cargo test`.

use std::path::Path;

use course::course::Course;
use course::sweep;
use course::verify::{Checker, Verdict};

#[test]
fn every_stub_fails_every_mutant_is_caught_and_every_alternative_passes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let course = Course::load(root).unwrap_or_else(|e| panic!("{e}"));
    let checker = Checker::new(root);
    let mut problems = Vec::new();
    let mut held = std::collections::BTreeMap::<String, usize>::new();
    // Only what fails is printed in full, so that the failure is what a CI log excerpt shows
    // (`cargo run -- verify` prints every check).
    let mut note = |id: &str, verdict: Verdict| {
        if verdict.holds() {
            *held.entry(id.to_owned()).or_default() += 1;
        } else {
            eprintln!("exercise {id}: ✗ {}", verdict.text());
            problems.push(format!("exercise {id}: {}", verdict.text()));
        }
    };
    let fail = |e: course::error::Error| -> Verdict { panic!("{e}") };
    // Sequential on purpose: the machines this runs on may have two cores.
    for ex in &course.exercises {
        let id = ex.id();
        note(
            &id,
            checker.stub_fails(ex, &mut |_| {}).unwrap_or_else(fail),
        );
        note(
            &id,
            checker
                .contract_covered(ex, &mut |_| {})
                .unwrap_or_else(fail),
        );
        match checker.mutants(ex) {
            Err(problem) => note(&id, Verdict::Fails(problem)),
            Ok(mutants) => {
                for mutant in &mutants {
                    let verdict = checker
                        .mutant_caught(ex, mutant, &mut |_| {})
                        .unwrap_or_else(fail);
                    note(&id, verdict);
                }
            }
        }
        match checker.alternatives(ex) {
            Err(problem) => note(&id, Verdict::Fails(problem)),
            Ok(alternatives) if alternatives.len() < 2 => note(
                &id,
                Verdict::Fails(format!(
                    "{} alternative(s) in tests/alternatives/{}: at least two are needed",
                    alternatives.len(),
                    ex.package()
                )),
            ),
            Ok(alternatives) => {
                for alternative in &alternatives {
                    let verdict = checker
                        .alternative_passes(ex, alternative, &mut |_| {})
                        .unwrap_or_else(fail);
                    note(&id, verdict);
                }
            }
        }
        match sweep::load_survivors(root, ex) {
            Err(problem) => note(&id, Verdict::Fails(problem)),
            Ok(survivors) => {
                // An ordering survivor names a line of the solution; if the line is gone, the
                // entry is stale and the sweep must be run again.
                let orderings = sweep::ordering_mutants(&ex.solution_dir(root))
                    .unwrap_or_else(|e| panic!("{e}"));
                for survivor in survivors.iter().filter(|s| s.source == "orderings") {
                    if !orderings.iter().any(|m| m.name == survivor.mutant) {
                        note(
                            &id,
                            Verdict::Fails(format!(
                                "{}: ordering survivor `{}` matches no ordering of the solution any more: run `cargo run -- sweep {id} --orderings` and update the list",
                                sweep::survivors_rel(ex),
                                survivor.mutant
                            )),
                        );
                    }
                }
            }
        }
    }
    for (id, count) in &held {
        eprintln!("exercise {id}: ✓ {count} checks hold");
    }
    assert!(
        problems.is_empty(),
        "{} problem(s):\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}
