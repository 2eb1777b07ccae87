//! `hint NN`: staged hints, one more each time.

use super::Outcome;
use crate::cli::HintMode;
use crate::course::Course;
use crate::error::Result;
use crate::hints::Hints;
use crate::say;
use crate::ui::{self, Ui};

const WIDTH: usize = 92;

pub fn run(ui: &Ui, course: &Course, arg: &str, mode: HintMode) -> Result<Outcome> {
    let ex = course.find(arg)?;
    let total = ex.hints.len();
    let id = ex.id();
    let chapter = ex.chapter_rel();
    if total == 0 {
        say!(
            "Exercise {} has no hints. The chapter explains it: {chapter}",
            ex.label()
        );
        return Ok(Outcome::Success);
    }
    let show = |n: usize| {
        say!(
            "{}",
            ui.bold(&format!("Hint {n} of {total} for exercise {}:", ex.label()))
        );
        say!("{}", ui::wrap(&ex.hints[n - 1], WIDTH, "  "));
    };
    let mut hints = Hints::load(&course.root);
    match mode {
        HintMode::All => {
            for n in 1..=total {
                if n > 1 {
                    say!();
                }
                show(n);
            }
            say!();
            say!(
                "{}",
                ui.dim(&format!("The chapter explains the why: {chapter}"))
            );
        }
        HintMode::Reset => {
            hints.reset(&ex.slug);
            save(&hints, course);
            say!(
                "Hints for exercise {id} start over: `cargo run -- hint {id}` shows hint 1 of {total}."
            );
        }
        HintMode::Next => match hints.next(&ex.slug, total) {
            Some(n) => {
                save(&hints, course);
                show(n);
                say!();
                if n == total {
                    say!("That was the last hint. The chapter explains the rest: {chapter}");
                } else {
                    say!(
                        "{}",
                        ui.dim(&format!(
                            "Still stuck? `cargo run -- hint {id}` again shows hint {} of {total}.",
                            n + 1
                        ))
                    );
                }
            }
            None => {
                say!("No more hints for exercise {id}: you have seen all {total}.");
                say!("Read the chapter: {chapter}");
                say!(
                    "{}",
                    ui.dim(&format!(
                        "`cargo run -- hint {id} --all` shows them again, `--reset` starts over."
                    ))
                );
            }
        },
    }
    Ok(Outcome::Success)
}

fn save(hints: &Hints, course: &Course) {
    if let Err(problem) = hints.save(&course.root) {
        ui::warn(&format!("{problem} (the hint count is not remembered)"));
    }
}
