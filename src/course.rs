//! `course.toml`: the ordered list of exercises, and where each one's files live.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::toml_read::{Document, Fields};

/// The name of the file that marks the repository root.
pub const COURSE_FILE: &str = "course.toml";

/// The course: its root directory and its exercises, in course order.
#[derive(Debug, Clone)]
pub struct Course {
    /// The repository root (the directory holding `course.toml`).
    pub root: PathBuf,
    /// The exercises, in the order of `course.toml`.
    pub exercises: Vec<Exercise>,
}

/// One `[[exercise]]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exercise {
    pub number: u32,
    pub slug: String,
    pub title: String,
    /// The chapter, relative to `book/src`.
    pub chapter: String,
    pub points: u32,
    /// Seconds the graded suite may run before it counts as hung.
    pub time_limit: u64,
    pub hints: Vec<String>,
    /// The `todo!(`s the stub ships with in `src/`: while all are still there, the learner
    /// has not started (no git needed to tell). A maintainer test keeps it equal to the stub.
    pub todos: Option<usize>,
    /// The exercise's parts in the order the stub suggests writing them, each with the tests
    /// that check it; empty when the exercise is not split.
    pub parts: Vec<Part>,
}

/// One `[[exercise.part]]`: a piece of the exercise (`slots`) and its tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// What `check NN PART` takes: lowercase words joined by `-`.
    pub name: String,
    /// Fragments of test names, as libtest filters: a test belongs to the part when its
    /// name contains one of them.
    pub tests: Vec<String>,
}

impl Part {
    /// Reads one `[[exercise.part]]`; an unknown key is a typo (`test` for `tests`).
    fn read(table: Fields<'_, '_>) -> Result<Part, String> {
        table.only(&["name", "tests"])?;
        table.require("tests")?;
        Ok(Part {
            name: table.string("name")?,
            tests: table.strings("tests")?,
        })
    }

    /// Does the test called `name` (without its target) belong to this part?
    pub fn owns(&self, name: &str) -> bool {
        self.tests
            .iter()
            .any(|fragment| name.contains(fragment.as_str()))
    }
}

/// Tests named `source_*` check the exercise's whole source (that it reaches atomics through
/// `crate::sync`); they belong to no part and run with every part.
pub const WHOLE_SOURCE_TEST: &str = "source_";

/// Is `name` (a test name without its target, perhaps with its module:
/// `under_loom::source_reaches_atomics_through_crate_sync`) a check of the whole source?
pub fn is_source_test(name: &str) -> bool {
    short_name(name).starts_with(WHOLE_SOURCE_TEST)
}

/// A test's name without its module path: `under_loom::loom_x` gives `loom_x`.
pub fn short_name(name: &str) -> &str {
    name.rsplit("::").next().unwrap_or(name)
}

impl Exercise {
    /// Reads one `[[exercise]]`. Keys it does not know are left alone: the grader and the
    /// book may read others.
    fn read(table: Fields<'_, '_>) -> Result<Exercise, String> {
        Ok(Exercise {
            number: table.number("number")?,
            slug: table.string("slug")?,
            title: table.string("title")?,
            chapter: table.string("chapter")?,
            points: table.number_or_zero("points")?,
            time_limit: table.number("time_limit")?,
            hints: table.strings("hints")?,
            todos: table.opt_number("todos")?,
            parts: table
                .tables("part")?
                .into_iter()
                .map(Part::read)
                .collect::<Result<_, _>>()?,
        })
    }

    /// The two-digit number used in every command: `04`.
    pub fn id(&self) -> String {
        format!("{:02}", self.number)
    }

    /// `exercise-04`: the learner's package.
    pub fn package(&self) -> String {
        format!("exercise-{}", self.id())
    }

    /// `solution-04`: the reference solution's package.
    pub fn solution_package(&self) -> String {
        format!("solution-{}", self.id())
    }

    /// `exercise-04-spin-lock`: the folder name under `exercises/` and `solutions/`.
    pub fn folder(&self) -> String {
        format!("exercise-{}-{}", self.id(), self.slug)
    }

    /// `exercises/exercise-04-spin-lock`, relative to the root.
    pub fn exercise_rel(&self) -> String {
        format!("exercises/{}", self.folder())
    }

    /// The learner's crate.
    pub fn exercise_dir(&self, root: &Path) -> PathBuf {
        root.join("exercises").join(self.folder())
    }

    /// The reference solution's crate.
    pub fn solution_dir(&self, root: &Path) -> PathBuf {
        root.join("solutions").join(self.folder())
    }

    /// `tests/mutants/exercise-04.toml`, relative to the root.
    pub fn mutants_rel(&self) -> String {
        format!("tests/mutants/{}.toml", self.package())
    }

    /// The chapter's source, relative to the root: `book/src/part-2/spin-locks.md`.
    pub fn chapter_rel(&self) -> String {
        format!("book/src/{}", self.chapter)
    }

    /// The chapter's page in the built book, relative to the book's output directory.
    pub fn chapter_html(&self) -> String {
        match self.chapter.strip_suffix(".md") {
            Some(stem) => format!("{stem}.html"),
            None => format!("{}.html", self.chapter),
        }
    }

    /// `04 · A spin lock with a guard`.
    pub fn label(&self) -> String {
        format!("{} · {}", self.id(), self.title)
    }

    /// The part named `name`, or an error that lists the parts.
    pub fn find_part(&self, name: &str) -> Result<&Part> {
        let wanted = name.trim();
        if let Some(part) = self.parts.iter().find(|part| part.name == wanted) {
            return Ok(part);
        }
        let names: Vec<&str> = self.parts.iter().map(|part| part.name.as_str()).collect();
        Err(Error::new(if names.is_empty() {
            format!(
                "exercise {} has no parts to check one by one: run `cargo run -- check {}`",
                self.id(),
                self.id()
            )
        } else {
            format!(
                "exercise {} has no part `{wanted}`; its parts, in order: {}",
                self.id(),
                names.join(", ")
            )
        }))
    }

    /// Where the test `name` stands in the course order of the parts: the index of the first
    /// part that owns it (`None` when no part does).
    pub fn part_index(&self, name: &str) -> Option<usize> {
        self.parts.iter().position(|part| part.owns(name))
    }
}

impl Course {
    /// Loads `course.toml` from `root`.
    pub fn load(root: &Path) -> Result<Course> {
        let path = root.join(COURSE_FILE);
        let text = fs::read_to_string(&path)
            .map_err(|e| Error::new(format!("cannot read {}: {e}", path.display())))?;
        let exercises = parse(&text).map_err(|e| Error::new(format!("{COURSE_FILE}: {e}")))?;
        Ok(Course {
            root: root.to_path_buf(),
            exercises,
        })
    }

    /// Finds the exercise named by `arg`: `4`, `04`, `spin-lock`, `exercise-04` or
    /// `exercise-04-spin-lock`.
    pub fn find(&self, arg: &str) -> Result<&Exercise> {
        let wanted = arg.trim();
        let by_number = |n: u32| self.exercises.iter().find(|ex| ex.number == n);
        let found = if let Ok(n) = wanted.parse::<u32>() {
            by_number(n)
        } else if let Some(n) = wanted
            .strip_prefix("exercise-")
            .and_then(|s| s.parse().ok())
        {
            by_number(n)
        } else {
            self.exercises
                .iter()
                .find(|ex| ex.slug == wanted || ex.folder() == wanted)
        };
        found.ok_or_else(|| {
            let known: Vec<String> = self.exercises.iter().map(Exercise::id).collect();
            Error::new(format!(
                "there is no exercise `{wanted}` in {COURSE_FILE} (the exercises are {})",
                if known.is_empty() {
                    "none yet".to_owned()
                } else {
                    known.join(", ")
                }
            ))
        })
    }

    /// The exercise after `exercise` in course order.
    pub fn next_after(&self, exercise: &Exercise) -> Option<&Exercise> {
        let at = self.exercises.iter().position(|ex| ex == exercise)?;
        self.exercises.get(at + 1)
    }
}

/// Finds the repository root: `start` or the nearest ancestor holding `course.toml`.
pub fn find_root(start: &Path) -> Result<PathBuf> {
    start
        .ancestors()
        .find(|dir| dir.join(COURSE_FILE).is_file())
        .map(Path::to_path_buf)
        .ok_or_else(|| {
            Error::new(format!(
                "no {COURSE_FILE} in {} or any folder above it: run this inside the course repository",
                start.display()
            ))
        })
}

/// Parses and checks the text of `course.toml`. The error is one line.
pub fn parse(text: &str) -> Result<Vec<Exercise>, String> {
    let document = Document::parse(text)?;
    let exercises: Vec<Exercise> = document
        .root()
        .tables("exercise")?
        .into_iter()
        .map(Exercise::read)
        .collect::<Result<_, _>>()?;
    let mut numbers = HashSet::new();
    let mut slugs = HashSet::new();
    for ex in &exercises {
        let who = format!("exercise {}", ex.number);
        if !(1..=99).contains(&ex.number) {
            return Err(format!("{who}: the number must be between 1 and 99"));
        }
        if !numbers.insert(ex.number) {
            return Err(format!("{who} is listed twice"));
        }
        if !is_kebab(&ex.slug) {
            return Err(format!(
                "{who}: slug `{}` must be lowercase words joined by `-`",
                ex.slug
            ));
        }
        if !slugs.insert(ex.slug.as_str()) {
            return Err(format!("{who}: slug `{}` is used twice", ex.slug));
        }
        if !ex.chapter.ends_with(".md") || ex.chapter.starts_with('/') || ex.chapter.contains("..")
        {
            return Err(format!(
                "{who}: chapter `{}` must be a .md path relative to book/src",
                ex.chapter
            ));
        }
        if ex.time_limit == 0 {
            return Err(format!("{who}: time_limit must be at least 1 second"));
        }
        let mut parts = HashSet::new();
        for part in &ex.parts {
            if !is_kebab(&part.name) {
                return Err(format!(
                    "{who}: part `{}` must be lowercase words joined by `-`",
                    part.name
                ));
            }
            if !parts.insert(part.name.as_str()) {
                return Err(format!("{who}: part `{}` is listed twice", part.name));
            }
            if part.tests.is_empty() || part.tests.iter().any(|t| t.trim().is_empty()) {
                return Err(format!(
                    "{who}: part `{}` needs a non-empty list of test-name fragments in `tests`",
                    part.name
                ));
            }
        }
    }
    Ok(exercises)
}

/// `true` for `spin-lock`, `atomics`, `gil2`.
pub fn is_kebab(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--")
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO: &str = r#"
[[exercise]]
number = 3
slug = "atomics"
title = "Atomics"
chapter = "part-2/atomics.md"
time_limit = 60
hints = ["a", "b"]

[[exercise]]
number = 4
slug = "spin-lock"
title = "A spin lock"
chapter = "part-2/spin-locks.md"
points = 10
time_limit = 120
"#;

    fn course() -> Course {
        Course {
            root: PathBuf::from("/r"),
            exercises: parse(TWO).expect("valid"),
        }
    }

    #[test]
    fn names_and_paths() {
        let course = course();
        let ex = &course.exercises[1];
        assert_eq!(ex.id(), "04");
        assert_eq!(ex.package(), "exercise-04");
        assert_eq!(ex.solution_package(), "solution-04");
        assert_eq!(ex.folder(), "exercise-04-spin-lock");
        assert_eq!(ex.chapter_rel(), "book/src/part-2/spin-locks.md");
        assert_eq!(ex.chapter_html(), "part-2/spin-locks.html");
        assert_eq!(ex.mutants_rel(), "tests/mutants/exercise-04.toml");
        assert_eq!(
            ex.exercise_dir(Path::new("/r")),
            Path::new("/r/exercises/exercise-04-spin-lock")
        );
        assert!(ex.hints.is_empty());
    }

    #[test]
    fn find_by_number_slug_or_folder() {
        let course = course();
        for arg in [
            "4",
            "04",
            "spin-lock",
            "exercise-04",
            "exercise-04-spin-lock",
        ] {
            assert_eq!(course.find(arg).map(|ex| ex.number), Ok(4), "{arg}");
        }
        let missing = course.find("99").expect_err("no 99");
        assert!(missing.message().contains("no exercise `99`"), "{missing}");
        assert!(missing.message().contains("03, 04"), "{missing}");
        assert!(course.find("abc").is_err());
        let first = &course.exercises[0];
        assert_eq!(course.next_after(first).map(|ex| ex.number), Some(4));
        assert_eq!(course.next_after(&course.exercises[1]), None);
    }

    #[test]
    fn bad_files_give_one_line_errors() {
        let e = parse("[[exercise]]\nnumber = \"three\"\n").expect_err("bad type");
        assert!(e.starts_with("line 2:"), "{e}");
        assert!(!e.contains('\n'), "{e}");

        let twice = TWO.replace("number = 4", "number = 3");
        assert!(parse(&twice).expect_err("twice").contains("listed twice"));

        let bad_slug = TWO.replace("\"spin-lock\"", "\"Spin Lock\"");
        assert!(parse(&bad_slug).expect_err("slug").contains("slug"));

        let missing = parse("[[exercise]]\nnumber = 1\n").expect_err("missing fields");
        assert!(missing.contains("missing field"), "{missing}");
    }

    #[test]
    fn parts_are_checked_and_found() {
        let with_parts = format!(
            "{TWO}todos = 8\n\n[[exercise.part]]\nname = \"lock\"\ntests = [\"lock_gives\", \"inside_lock\"]\n\n\
             [[exercise.part]]\nname = \"try-lock\"\ntests = [\"try_lock\"]\n"
        );
        let exercises = parse(&with_parts).expect("valid");
        let ex = &exercises[1];
        assert_eq!(ex.todos, Some(8));
        assert_eq!(exercises[0].todos, None);
        assert!(exercises[0].parts.is_empty());
        assert_eq!(ex.find_part("try-lock").map(|p| p.tests.len()), Ok(1));
        assert_eq!(
            ex.part_index("only_one_thread_at_a_time_is_inside_lock"),
            Some(0)
        );
        assert_eq!(
            ex.part_index("loom_try_lock_never_lets_a_second_in"),
            Some(1)
        );
        assert_eq!(ex.part_index("source_reaches_atomics"), None);
        assert!(is_source_test("source_reaches_atomics_through_crate_sync"));
        assert!(is_source_test("under_loom::source_reaches_atomics"));
        assert!(!is_source_test("threads::a_source_of_trouble"));
        let unknown = ex.find_part("unlock").expect_err("no such part");
        assert!(
            unknown.message().contains("no part `unlock`")
                && unknown.message().contains("lock, try-lock"),
            "{unknown}"
        );
        let none = exercises[0].find_part("x").expect_err("no parts");
        assert!(none.message().contains("has no parts"), "{none}");

        let twice = with_parts.replace("\"try-lock\"", "\"lock\"");
        assert!(
            parse(&twice)
                .expect_err("twice")
                .contains("part `lock` is listed twice")
        );
        let bad = with_parts.replace("\"try-lock\"", "\"Try Lock\"");
        assert!(parse(&bad).expect_err("name").contains("part `Try Lock`"));
        let empty = with_parts.replace("[\"try_lock\"]", "[]");
        assert!(parse(&empty).expect_err("empty").contains("non-empty list"));
        let typo = with_parts.replace("tests = [\"try_lock\"]", "test = [\"try_lock\"]");
        assert!(
            parse(&typo).is_err(),
            "an unknown key in a part is an error"
        );
    }

    #[test]
    fn kebab_names() {
        assert!(is_kebab("spin-lock"));
        assert!(is_kebab("gil2"));
        assert!(!is_kebab("Spin"));
        assert!(!is_kebab("-x"));
        assert!(!is_kebab("a--b"));
        assert!(!is_kebab(""));
    }
}
