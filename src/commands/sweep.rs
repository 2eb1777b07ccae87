//! `sweep NN`: the mutation sweep of exercise NN's solution against its graded suites:
//! the course's ordering mutants, then cargo-mutants. Every survivor must be listed, with its
//! reason, in `tests/mutants/exercise-NN.survivors.toml`.

use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::time::Instant;

use super::Outcome;
use crate::cargo::{self, Invocation};
use crate::course::{Course, Exercise};
use crate::error::{Error, Result};
use crate::say;
use crate::sweep::{self, Survivor};
use crate::ui::{self, Ui};
use crate::verify::{Checker, SweepOutcome};

/// Which halves of the sweep to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Halves {
    pub orderings: bool,
    pub cargo_mutants: bool,
}

pub fn run(ui: &Ui, course: &Course, arg: &str, halves: Halves) -> Result<Outcome> {
    let ex = course.find(arg)?;
    let started = Instant::now();
    let checker = Checker::new(&course.root);
    let listed = sweep::load_survivors(&course.root, ex).map_err(Error::new)?;
    let mut unlisted: Vec<(String, String)> = Vec::new();
    let mut survived: BTreeSet<(String, String)> = BTreeSet::new();
    say!("{}", ui.bold(&format!("Sweep of exercise {}", ex.label())));

    if halves.orderings {
        let (killed, viable, names) = orderings(ui, &checker, ex)?;
        say!(
            "  orderings: {killed} of {viable} weakened orderings killed{}",
            rate(killed, viable)
        );
        for name in names {
            survived.insert(("orderings".into(), name));
        }
    }
    if halves.cargo_mutants {
        match cargo_mutants(ui, &checker, ex)? {
            Some((caught, viable, missed)) => {
                say!(
                    "  cargo-mutants: {caught} of {viable} viable mutants caught{}",
                    rate(caught, viable)
                );
                for name in missed {
                    survived.insert(("cargo-mutants".into(), name));
                }
            }
            None => unlisted.push((
                "cargo-mutants".into(),
                "not installed: `cargo install cargo-mutants --locked`, then run the sweep again"
                    .into(),
            )),
        }
    }
    for (source, name) in &survived {
        if !is_listed(&listed, source, name) {
            unlisted.push((source.clone(), name.clone()));
        }
    }
    let ran = |s: &Survivor| {
        (s.source == "orderings" && halves.orderings)
            || (s.source == "cargo-mutants" && halves.cargo_mutants)
    };
    let stale: Vec<&Survivor> = listed
        .iter()
        .filter(|s| {
            ran(s)
                && !survived
                    .iter()
                    .any(|(source, name)| *source == s.source && same_mutant(&s.mutant, name))
        })
        .collect();
    say!();
    for survivor in &stale {
        say!(
            "  note: listed survivor is now killed (remove it): {} {}",
            survivor.source,
            survivor.mutant
        );
    }
    let time = ui::duration(started.elapsed());
    if unlisted.is_empty() {
        say!(
            "{}",
            ui.green(&format!(
                "sweep: every survivor is listed with its reason in {} ✓ ({time})",
                sweep::survivors_rel(ex)
            ))
        );
        Ok(Outcome::Success)
    } else {
        say!(
            "{}",
            ui.red(&format!(
                "sweep: {} survivors are not listed in {} ({time}); kill each with a test, or \
                 list it with the reason it is equivalent:",
                unlisted.len(),
                sweep::survivors_rel(ex)
            ))
        );
        for (source, name) in &unlisted {
            say!("  [{source}] {name}");
        }
        Ok(Outcome::Failure)
    }
}

fn is_listed(listed: &[Survivor], source: &str, name: &str) -> bool {
    listed
        .iter()
        .any(|s| s.source == source && same_mutant(&s.mutant, name))
}

/// A listed name may keep cargo-mutants' `:line:col` (copied from its own output); the
/// sweep's names have none. Without this, such a survivor read as both unlisted and stale.
fn same_mutant(listed: &str, found: &str) -> bool {
    sweep::without_position(listed.trim()) == sweep::without_position(found.trim())
}

fn rate(part: usize, whole: usize) -> String {
    if whole == 0 {
        String::new()
    } else {
        format!(" ({:.0}%)", 100.0 * part as f64 / whole as f64)
    }
}

/// Runs every ordering mutant; returns (killed, viable, names of survivors).
fn orderings(ui: &Ui, checker: &Checker, ex: &Exercise) -> Result<(usize, usize, Vec<String>)> {
    let mutants = sweep::ordering_mutants(&ex.solution_dir(&checker.root)).map_err(Error::new)?;
    let mut steps = ui.steps(mutants.len());
    let (mut killed, mut viable, mut survivors) = (0, 0, Vec::new());
    for (index, mutant) in mutants.iter().enumerate() {
        steps.start(&format!("ordering {} of {}", index + 1, mutants.len()));
        let outcome = checker.ordering_mutant(ex, index, mutant, &mut |step| {
            steps.detail(&step.describe());
        });
        let outcome = match outcome {
            Ok(outcome) => outcome,
            Err(error) => {
                steps.clear();
                return Err(error);
            }
        };
        let line = match &outcome {
            SweepOutcome::Killed(by) => {
                killed += 1;
                viable += 1;
                format!(
                    "  {} {} (killed by {})",
                    ui.tick(),
                    mutant.name,
                    by.first().map_or("?", String::as_str)
                )
            }
            SweepOutcome::Survived => {
                viable += 1;
                survivors.push(mutant.name.clone());
                format!("  {} {} SURVIVED", ui.cross(), mutant.name)
            }
            SweepOutcome::Unviable => format!("  - {} (does not compile)", mutant.name),
        };
        steps.println(&line);
        steps.done();
    }
    steps.finish();
    Ok((killed, viable, survivors))
}

/// Runs cargo-mutants on the solution with the exercise's suites; `None` when it is not
/// installed. Returns (caught, viable, names of missed mutants).
fn cargo_mutants(
    ui: &Ui,
    checker: &Checker,
    ex: &Exercise,
) -> Result<Option<(usize, usize, Vec<String>)>> {
    let installed = Command::new(cargo::cargo_program())
        .args(["mutants", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !installed {
        return Ok(None);
    }
    let out = checker
        .check_dir
        .join("sweep")
        .join(ex.package())
        .join("cargo-mutants");
    // cargo-mutants creates its output folder but not the folders above it, which only the
    // ordering half makes, and only when the solution has an ordering to weaken.
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::new(format!("cannot create {}: {e}", parent.display())))?;
    }
    let package = ex.solution_package();
    let mut invocation = Invocation::new(
        &checker.root,
        [
            "mutants",
            "--package",
            &package,
            "--test-package",
            &package,
            "--timeout",
            &ex.time_limit.to_string(),
            "--jobs",
            "1",
            "--no-shuffle",
            "--output",
        ],
    );
    invocation.args.push(out.clone().into_os_string());
    let mut activity = ui.activity(&invocation.display());
    let output = cargo::run(&invocation, &mut |line| {
        let line = line.trim();
        if !line.is_empty() {
            activity.step(line);
        }
    });
    activity.finish();
    let output = output?;
    // cargo-mutants exits 2 when mutants were missed, 3 on timeouts: both are results.
    let (caught, missed, timeout, _unviable) = match sweep::cargo_mutants_counts(&out) {
        Ok(counts) => counts,
        Err(problem) => {
            let tail: Vec<&str> = output.text.lines().rev().take(15).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            return Err(Error::new(format!(
                "cargo-mutants did not finish: {problem}\n{}",
                tail.join("\n")
            )));
        }
    };
    let names = sweep::cargo_mutants_missed(&out).map_err(Error::new)?;
    for name in &names {
        say!("  {} [cargo-mutants] {name} MISSED", ui.cross());
    }
    Ok(Some((caught + timeout, caught + missed + timeout, names)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listed_name_matches_with_or_without_its_position() {
        let found = "solutions/x/src/a.rs: replace > with >= in A::f";
        assert!(same_mutant(
            "solutions/x/src/a.rs:78:20: replace > with >= in A::f",
            found
        ));
        assert!(same_mutant(found, found));
        assert!(!same_mutant(
            "solutions/x/src/a.rs:78:20: replace > with < in A::f",
            found
        ));
        let ordering = "src/clock.rs: SeqCst -> Relaxed in `let seen = w.load(SeqCst);`";
        assert!(same_mutant(ordering, ordering));
    }
}
