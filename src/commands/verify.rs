//! `verify`: the maintainer check over every exercise, with a progress bar.

use std::time::Instant;

use super::Outcome;
use crate::alternatives::Alternative;
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
    alternatives: Result<Vec<Alternative>, String>,
}

impl Plan<'_> {
    fn items(&self) -> usize {
        3 + self.mutants.as_ref().map_or(1, Vec::len)
            + self.alternatives.as_ref().map_or(1, |a| a.len().max(1))
    }
}

/// Verifies every exercise (or `only`); each mutant is run `repeat` times and must be caught
/// every time.
pub fn run(ui: &Ui, course: &Course, only: Option<&str>, repeat: u32) -> Result<Outcome> {
    let repeat = repeat.max(1);
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
            alternatives: checker.alternatives(exercise),
        })
        .collect();
    let total: usize = plans.iter().map(Plan::items).sum();

    let times = if repeat > 1 {
        format!(" ({repeat} runs each)")
    } else {
        String::new()
    };
    say!(
        "Checking {} exercises in target/course-check: stubs fail, solutions pass, the contract \
         is covered, mutants are caught{times}, alternatives pass.",
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

        steps.start(&format!("exercise {}: contract", ex.id()));
        let verdict = checker.contract_covered(ex, &mut |step| steps.detail(&step.describe()));
        record(&steps, finish_on_error(&steps, verdict)?);

        match &plan.mutants {
            Err(problem) => {
                steps.start(&format!("exercise {}: mutants", ex.id()));
                record(&steps, Verdict::Fails(problem.clone()));
            }
            Ok(mutants) => {
                for mutant in mutants {
                    steps.start(&format!("exercise {}: mutant {}", ex.id(), mutant.name));
                    let mut verdict = Verdict::Holds(String::new());
                    let mut caught = 0;
                    for run in 1..=repeat {
                        if repeat > 1 {
                            steps.detail(&format!("run {run} of {repeat}"));
                        }
                        let this = finish_on_error(
                            &steps,
                            checker.mutant_caught(ex, mutant, &mut |step| {
                                steps.detail(&step.describe());
                            }),
                        )?;
                        if this.holds() {
                            caught += 1;
                        }
                        // Keep the first failure's words; otherwise the last success's.
                        if verdict.holds() {
                            verdict = this;
                        }
                    }
                    if repeat > 1 {
                        verdict = match verdict {
                            Verdict::Holds(text) => {
                                Verdict::Holds(format!("{text}: {caught} of {repeat} runs"))
                            }
                            Verdict::Fails(text) => Verdict::Fails(format!(
                                "{text} (caught in {caught} of {repeat} runs)"
                            )),
                        };
                    }
                    record(&steps, verdict);
                }
            }
        }

        match &plan.alternatives {
            Err(problem) => {
                steps.start(&format!("exercise {}: alternatives", ex.id()));
                record(&steps, Verdict::Fails(problem.clone()));
            }
            Ok(alternatives) if alternatives.is_empty() => {
                steps.start(&format!("exercise {}: alternatives", ex.id()));
                record(
                    &steps,
                    Verdict::Fails(format!(
                        "no alternatives in {}: add at least two correct implementations in \
                         another style",
                        crate::alternatives::alternatives_rel(ex)
                    )),
                );
            }
            Ok(alternatives) => {
                for alternative in alternatives {
                    steps.start(&format!(
                        "exercise {}: alternative {}",
                        ex.id(),
                        alternative.name
                    ));
                    let verdict = checker.alternative_passes(ex, alternative, &mut |step| {
                        steps.detail(&step.describe());
                    });
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
