//! The course hangs together: every exercise in course.toml has its exercise crate, its
//! solution crate graded by the exercise's own suites, its mutants, and a chapter that links
//! to its entry in the exercise list; nothing exists that course.toml does not list.
//! Each test reports every problem it finds, not only the first.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use course::course::{Course, Exercise};
use course::mutants::{self, normalize};
use pulldown_cmark::{Event, Options, Parser, Tag};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn course() -> Course {
    Course::load(root()).unwrap_or_else(|e| panic!("{e}"))
}

fn report(what: &str, problems: &[String]) {
    assert!(
        problems.is_empty(),
        "{what}: {} problem(s):\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

fn manifest(path: &Path) -> Result<toml::Table, String> {
    let text =
        fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    text.parse().map_err(|e| format!("{}: {e}", path.display()))
}

fn package_name(manifest: &toml::Table) -> Option<&str> {
    manifest.get("package")?.get("name")?.as_str()
}

fn folders(dir: &Path) -> Vec<String> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn markdown_files(dir: &Path, into: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            markdown_files(&path, into);
        } else if path.extension().is_some_and(|ext| ext == "md") {
            into.push(path);
        }
    }
}

/// The destinations of every link in a Markdown text.
fn links(markdown: &str) -> Vec<String> {
    Parser::new_ext(markdown, Options::all())
        .filter_map(|event| match event {
            Event::Start(Tag::Link { dest_url, .. }) => Some(dest_url.into_string()),
            _ => None,
        })
        .collect()
}

/// The ids of the headings (`## Title {#id}`) of a Markdown text.
fn heading_ids(markdown: &str) -> BTreeSet<String> {
    Parser::new_ext(markdown, Options::ENABLE_HEADING_ATTRIBUTES)
        .filter_map(|event| match event {
            Event::Start(Tag::Heading { id: Some(id), .. }) => Some(id.into_string()),
            _ => None,
        })
        .collect()
}

fn book_src() -> PathBuf {
    root().join("book").join("src")
}

/// Does `link`, written in `page`, lead to `book/src/exercises.md#exercise-NN`?
fn links_to_entry(page: &Path, link: &str, ex: &Exercise) -> bool {
    let Some((path, fragment)) = link.split_once('#') else {
        return false;
    };
    let dir = page.parent().unwrap_or(page);
    fragment == format!("exercise-{}", ex.id())
        && normalize(&dir.join(path)) == normalize(&book_src().join("exercises.md"))
}

#[test]
fn course_toml_lists_exercises_in_increasing_order() {
    let course = course();
    assert!(
        !course.exercises.is_empty(),
        "course.toml lists no exercise"
    );
    let mut problems = Vec::new();
    for pair in course.exercises.windows(2) {
        if pair[0].number >= pair[1].number {
            problems.push(format!(
                "exercise {} comes after {}: numbers must increase",
                pair[1].id(),
                pair[0].id()
            ));
        }
    }
    for ex in &course.exercises {
        if ex.hints.is_empty() {
            problems.push(format!("exercise {} has no hints", ex.id()));
        }
    }
    report("course.toml", &problems);
}

#[test]
fn every_exercise_has_its_crates_wired_up() {
    let root = root();
    let mut problems = Vec::new();
    for ex in &course().exercises {
        let id = ex.id();
        let exercise_dir = ex.exercise_dir(root);
        match manifest(&exercise_dir.join("Cargo.toml")) {
            Err(e) => problems.push(format!("exercise {id}: {e}")),
            Ok(m) if package_name(&m) != Some(ex.package().as_str()) => problems.push(format!(
                "exercise {id}: {}/Cargo.toml must name its package `{}`",
                ex.exercise_rel(),
                ex.package()
            )),
            Ok(_) => {}
        }
        let lib = exercise_dir.join("src").join("lib.rs");
        match fs::read_to_string(&lib) {
            Ok(text) if !text.contains(&ex.chapter_rel()) => problems.push(format!(
                "exercise {id}: {}/src/lib.rs must mention its chapter `{}`",
                ex.exercise_rel(),
                ex.chapter_rel()
            )),
            Ok(_) => {}
            Err(e) => problems.push(format!("exercise {id}: cannot read {}: {e}", lib.display())),
        }

        let solution_dir = ex.solution_dir(root);
        let solution = match manifest(&solution_dir.join("Cargo.toml")) {
            Ok(m) => m,
            Err(e) => {
                problems.push(format!("exercise {id}: {e}"));
                continue;
            }
        };
        if package_name(&solution) != Some(ex.solution_package().as_str()) {
            problems.push(format!(
                "exercise {id}: solutions/{}/Cargo.toml must name its package `{}`",
                ex.folder(),
                ex.solution_package()
            ));
        }
        let tests_dir = exercise_dir.join("tests");
        let graded: BTreeSet<PathBuf> = solution
            .get("test")
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|t| t.get("path").and_then(toml::Value::as_str))
            .map(|p| normalize(&solution_dir.join(p)))
            .collect();
        if graded.is_empty() {
            problems.push(format!(
                "exercise {id}: the solution has no [[test]] targets"
            ));
        }
        for path in &graded {
            if !path.starts_with(&tests_dir) || !path.is_file() {
                problems.push(format!(
                    "exercise {id}: the solution's [[test]] path {} is not a file in {}/tests",
                    path.display(),
                    ex.exercise_rel()
                ));
            }
        }
        let suites: Vec<PathBuf> = fs::read_dir(&tests_dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|ext| ext == "rs"))
            .collect();
        // In the one-binary layout, tests/graded.rs gathers the other files as modules.
        let one_binary = tests_dir.join("graded.rs");
        let gathered = fs::read_to_string(&one_binary).unwrap_or_default();
        for suite in suites {
            let name = suite.file_name().unwrap_or_default().to_string_lossy();
            let in_graded = one_binary.is_file()
                && gathered.contains(&format!("#[path = \"{name}\"]"));
            if !graded.contains(&normalize(&suite)) && !in_graded {
                problems.push(format!(
                    "exercise {id}: the solution does not run {} (add a [[test]] for it, or a \
                     `#[path = \"{name}\"] mod ...;` in tests/graded.rs)",
                    suite.display()
                ));
            }
        }
        if one_binary.is_file() {
            let manifest = fs::read_to_string(ex.exercise_dir(root).join("Cargo.toml"))
                .unwrap_or_default();
            if !manifest.contains("autotests = false") {
                problems.push(format!(
                    "exercise {id}: tests/graded.rs gathers the suites, so the exercise's \
                     Cargo.toml needs `autotests = false` (or cargo builds each file twice)"
                ));
            }
        }
    }
    report("exercise and solution crates", &problems);
}

/// The marker a module file of an exercise starts with when the learner fills nothing in.
const PROVIDED: &str = "// Provided, nothing to fill in";

/// A provided module exists twice, in the exercise and in the solution, because each crate
/// stands alone and the graded suites include `src/<module>.rs` of the crate they grade.
/// The two copies must not drift apart: the solution would be graded with other code than
/// the learner has.
#[test]
fn provided_modules_are_the_same_in_exercise_and_solution() {
    let root = root();
    let mut problems = Vec::new();
    for ex in &course().exercises {
        let src = ex.exercise_dir(root).join("src");
        let Ok(entries) = fs::read_dir(&src) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(text) = fs::read_to_string(&path) else {
                continue;
            };
            if !text.lines().take(5).any(|line| line.starts_with(PROVIDED)) {
                continue;
            }
            let name = entry.file_name();
            let copy = ex.solution_dir(root).join("src").join(&name);
            match fs::read_to_string(&copy) {
                Ok(solution_text) if solution_text == text => {}
                Ok(_) => problems.push(format!(
                    "exercise {}: {} is provided, but the solution's copy {} differs from it",
                    ex.id(),
                    path.display(),
                    copy.display()
                )),
                Err(e) => problems.push(format!(
                    "exercise {}: {} is provided, but the solution has no copy: {e}",
                    ex.id(),
                    path.display()
                )),
            }
        }
    }
    report("provided modules", &problems);
}

#[test]
fn every_exercise_has_at_least_three_mutants() {
    let mut problems = Vec::new();
    for ex in &course().exercises {
        match mutants::load(root(), ex) {
            Err(e) => problems.push(format!("exercise {}: {e}", ex.id())),
            Ok(list) => {
                if list.len() < 3 {
                    problems.push(format!(
                        "exercise {}: {} has {} mutants, at least 3 are needed",
                        ex.id(),
                        ex.mutants_rel(),
                        list.len()
                    ));
                }
                for mutant in list.iter().filter(|m| m.caught_by.is_empty()) {
                    problems.push(format!(
                        "exercise {}: mutant {} names no test in caught_by",
                        ex.id(),
                        mutant.name
                    ));
                }
                for mutant in &list {
                    for test in mutant.caught_by.iter().filter(|t| !t.contains("::")) {
                        problems.push(format!(
                            "exercise {}: mutant {}: `{test}` must be written target::test",
                            ex.id(),
                            mutant.name
                        ));
                    }
                }
            }
        }
    }
    report("mutants", &problems);
}

#[test]
fn nothing_exists_that_course_toml_does_not_list() {
    let course = course();
    let listed: BTreeSet<String> = course.exercises.iter().map(Exercise::folder).collect();
    let mut problems = Vec::new();
    for parent in ["exercises", "solutions"] {
        for folder in folders(&root().join(parent)) {
            if !listed.contains(&folder) {
                problems.push(format!("{parent}/{folder} is not listed in course.toml"));
            }
        }
    }
    let mutants_dir = root().join("tests").join("mutants");
    let files = fs::read_dir(&mutants_dir).into_iter().flatten().flatten();
    let listed_files: BTreeSet<String> = course
        .exercises
        .iter()
        .map(|ex| format!("{}.toml", ex.package()))
        .collect();
    for entry in files {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".toml") && !listed_files.contains(&name) {
            problems.push(format!(
                "tests/mutants/{name} belongs to no exercise in course.toml"
            ));
        }
    }
    report("unlisted folders", &problems);
}

#[test]
fn every_chapter_links_to_its_exercise_entry() {
    let course = course();
    let exercises_md = book_src().join("exercises.md");
    let ids = fs::read_to_string(&exercises_md).map(|text| heading_ids(&text));
    let mut problems = Vec::new();
    if let Err(e) = &ids {
        problems.push(format!("cannot read book/src/exercises.md: {e}"));
    }
    for ex in &course.exercises {
        let id = ex.id();
        if let Ok(ids) = &ids
            && !ids.contains(&format!("exercise-{id}"))
        {
            problems.push(format!(
                "book/src/exercises.md has no section for exercise {id} (a heading ending in {{#exercise-{id}}})"
            ));
        }
        let chapter = root().join(ex.chapter_rel());
        match fs::read_to_string(&chapter) {
            Err(e) => problems.push(format!("exercise {id}: chapter {}: {e}", ex.chapter_rel())),
            Ok(text) => {
                if !links(&text)
                    .iter()
                    .any(|link| links_to_entry(&chapter, link, ex))
                {
                    problems.push(format!(
                        "exercise {id}: {} does not link to exercises.md#exercise-{id}",
                        ex.chapter_rel()
                    ));
                }
            }
        }
    }
    report("chapters", &problems);
}

#[test]
fn every_exercise_link_in_the_book_names_a_listed_exercise() {
    let course = course();
    let mut pages = Vec::new();
    markdown_files(&book_src(), &mut pages);
    pages.sort();
    assert!(!pages.is_empty(), "no Markdown files under book/src");
    let mut problems = Vec::new();
    for page in &pages {
        let Ok(text) = fs::read_to_string(page) else {
            problems.push(format!("cannot read {}", page.display()));
            continue;
        };
        for link in links(&text) {
            let Some((path, fragment)) = link.split_once('#') else {
                continue;
            };
            let to_the_list = path.ends_with("exercises.md")
                || (path.is_empty() && page.ends_with("exercises.md"));
            if !to_the_list {
                continue;
            }
            let Some(number) = fragment.strip_prefix("exercise-") else {
                continue;
            };
            let listed = number.len() == 2
                && number
                    .parse::<u32>()
                    .is_ok_and(|n| course.exercises.iter().any(|ex| ex.number == n));
            if !listed {
                let rel = page.strip_prefix(root()).unwrap_or(page);
                problems.push(format!(
                    "{}: `{link}` names no exercise in course.toml",
                    rel.display()
                ));
            }
        }
    }
    report("links to the exercise list", &problems);
}
