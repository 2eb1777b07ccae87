//! `list`: the exercises with their folders and chapters.

use super::Outcome;
use crate::course::Course;
use crate::error::Result;
use crate::say;
use crate::ui::Ui;

pub fn run(ui: &Ui, course: &Course) -> Result<Outcome> {
    if course.exercises.is_empty() {
        say!("course.toml lists no exercises yet.");
        return Ok(Outcome::Success);
    }
    for (i, ex) in course.exercises.iter().enumerate() {
        if i > 0 {
            say!();
        }
        say!("{}", ui.bold(&ex.label()));
        let missing = |exists: bool| {
            if exists {
                String::new()
            } else {
                ui.yellow("  (missing)")
            }
        };
        let exercise = ex.exercise_rel();
        say!(
            "    exercise  {exercise}/{}   cargo test -p {}",
            missing(course.root.join(&exercise).is_dir()),
            ex.package()
        );
        // A student repository (`cargo run -- template`) has no solutions/ at all.
        if course.root.join("solutions").is_dir() {
            say!(
                "    solution  solutions/{}/{}",
                ex.folder(),
                missing(ex.solution_dir(&course.root).is_dir())
            );
        }
        let chapter = ex.chapter_rel();
        say!(
            "    chapter   {chapter}{}",
            missing(course.root.join(&chapter).is_file())
        );
        say!(
            "    hints     {}   cargo run -- hint {}",
            ex.hints.len(),
            ex.id()
        );
    }
    Ok(Outcome::Success)
}
