//! `verify`: the maintainer check over every exercise, with a progress bar.

use std::time::Instant;

use super::Outcome;
use crate::course::{Course, Exercise};
use crate::error::Result;
use crate::mutants::Mutant;
use crate::say;
use crate::ui::{self, Steps, Ui};
use crate::verify::{Checker, Verdict};

/// What verify does for one exercise.
struct Plan<'a> {
    exercise: &'a Exercise,
    mutants: Result<Vec<Mutant>, String>,
}

impl Plan<'_> {
    fn items(&self) -> usize {
        2 + self.mutants.as_ref().map_or(1, Vec::len)
    }
}

pub fn run(ui: &Ui, course: &Course, only: Option<&str>) -> Result<Outcome> {
    let started = Instant::now();
    let exercises: Vec<&Exercise> = match only {
        Some(arg) => vec![course.find(arg)?],
        None => course.exercises.iter().collect(),
    };
    let checker = Checker::new(&course.root);
    let plans: Vec<Plan> = exercises
        .into_iter()
        .map(|exercise| Plan {
            exercise,
            mutants: checker.mutants(exercise),
        })
        .collect();
    let total: usize = plans.iter().map(Plan::items).sum();

    say!(
        "Checking {} exercises in target/course-check: stubs fail, solutions pass, mutants are caught.",
        plans.len()
    );
    let mut steps = ui.steps(total);
    let mut problems: Vec<String> = Vec::new();
    let mut holds = 0;
    for plan in &plans {
        let ex = plan.exercise;
        steps.println(&ui.bold(&format!("exercise {}", ex.label())));
        let mut record = |steps: &Steps, verdict: Verdict| {
            if verdict.holds() {
                holds += 1;
                steps.println(&format!("  {} {}", ui.tick(), verdict.text()));
            } else {
                steps.println(&format!("  {} {}", ui.cross(), verdict.text()));
                problems.push(format!("exercise {}: {}", ex.id(), verdict.text()));
            }
            steps.done();
        };

        steps.start(&format!("exercise {}: stub", ex.id()));
        let verdict = checker.stub_fails(ex, &mut |step| steps.detail(&step.describe()));
        record(&steps, finish_on_error(&steps, verdict)?);

        steps.start(&format!("exercise {}: solution", ex.id()));
        let verdict = checker.solution_passes(ex, &mut |step| steps.detail(&step.describe()));
        record(&steps, finish_on_error(&steps, verdict)?);

        match &plan.mutants {
            Err(problem) => {
                steps.start(&format!("exercise {}: mutants", ex.id()));
                record(&steps, Verdict::Fails(problem.clone()));
            }
            Ok(mutants) => {
                for mutant in mutants {
                    steps.start(&format!("exercise {}: mutant {}", ex.id(), mutant.name));
                    let verdict = checker
                        .mutant_caught(ex, mutant, &mut |step| steps.detail(&step.describe()));
                    record(&steps, finish_on_error(&steps, verdict)?);
                }
            }
        }
    }
    steps.finish();
    say!();
    let time = ui::duration(started.elapsed());
    if problems.is_empty() {
        say!(
            "{}",
            ui.green(&format!("verify: all {holds} checks hold ✓ ({time})"))
        );
        Ok(Outcome::Success)
    } else {
        say!(
            "{}",
            ui.red(&format!(
                "verify: {} of {} checks failed ({time}):",
                problems.len(),
                problems.len() + holds
            ))
        );
        for problem in &problems {
            say!("  {problem}");
        }
        Ok(Outcome::Failure)
    }
}

/// An error (cargo missing) ends verify; the bar goes first so the message is readable.
fn finish_on_error(steps: &Steps, verdict: Result<Verdict>) -> Result<Verdict> {
    if verdict.is_err() {
        steps.clear();
    }
    verdict
}
