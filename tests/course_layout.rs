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
            let in_graded =
                one_binary.is_file() && gathered.contains(&format!("#[path = \"{name}\"]"));
            if !graded.contains(&normalize(&suite)) && !in_graded {
                problems.push(format!(
                    "exercise {id}: the solution does not run {} (add a [[test]] for it, or a \
                     `#[path = \"{name}\"] mod ...;` in tests/graded.rs)",
                    suite.display()
                ));
            }
        }
        if one_binary.is_file() {
            let manifest =
                fs::read_to_string(ex.exercise_dir(root).join("Cargo.toml")).unwrap_or_default();
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

/// `cargo run` in an exercise folder runs the shared launcher (crates/course-launcher), which
/// runs the course tool for that exercise: each exercise manifest has it as its binary,
/// named after the package, as the default `cargo run` target, and without tests of its own
/// (so `cargo test -p exercise-NN` shows only the graded suites).
#[test]
fn every_exercise_runs_the_course_launcher() {
    let root = root();
    let launcher = normalize(&root.join("crates/course-launcher/src/main.rs"));
    let mut problems = Vec::new();
    for ex in &course().exercises {
        let id = ex.id();
        let dir = ex.exercise_dir(root);
        let manifest = match manifest(&dir.join("Cargo.toml")) {
            Ok(m) => m,
            Err(e) => {
                problems.push(format!("exercise {id}: {e}"));
                continue;
            }
        };
        let package = ex.package();
        let default_run = manifest
            .get("package")
            .and_then(|p| p.get("default-run"))
            .and_then(toml::Value::as_str);
        if default_run != Some(package.as_str()) {
            problems.push(format!(
                "exercise {id}: {}/Cargo.toml needs `default-run = \"{package}\"` in [package]",
                ex.exercise_rel()
            ));
        }
        let bin = manifest
            .get("bin")
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
            .find(|b| b.get("name").and_then(toml::Value::as_str) == Some(package.as_str()));
        let Some(bin) = bin else {
            problems.push(format!(
                "exercise {id}: {}/Cargo.toml has no [[bin]] named `{package}`",
                ex.exercise_rel()
            ));
            continue;
        };
        let path = bin.get("path").and_then(toml::Value::as_str);
        if path.map(|p| normalize(&dir.join(p))) != Some(launcher.clone()) {
            problems.push(format!(
                "exercise {id}: its [[bin]] `{package}` must have path = \"../../crates/course-launcher/src/main.rs\", not {path:?}"
            ));
        }
        if bin.get("test").and_then(toml::Value::as_bool) != Some(false) {
            problems.push(format!(
                "exercise {id}: its [[bin]] `{package}` needs `test = false`"
            ));
        }
    }
    report("exercise launchers", &problems);
}

/// `cargo run -- reset NN` puts back `.course/pristine/<folder>/src`: it must be exactly what
/// the exercise ships, or a reset would hand the learner another stub.
#[test]
fn the_pristine_copy_of_every_stub_is_the_stub() {
    let root = root();
    let mut problems = Vec::new();
    for ex in &course().exercises {
        let src = ex.exercise_dir(root).join("src");
        let pristine = course::commands::reset::pristine_src(root, ex);
        let refresh = format!(
            "if you changed the stub, refresh the copy: rm -rf {p} && cp -r {s} {p}",
            p = pristine.strip_prefix(root).unwrap_or(&pristine).display(),
            s = src.strip_prefix(root).unwrap_or(&src).display()
        );
        match course::commands::reset::same_files(&src, &pristine) {
            Ok(true) => {}
            Ok(false) => problems.push(format!(
                "exercise {}: {} differs from {} ({refresh}; a learner's edits also make this \
                 maintainer check fail)",
                ex.id(),
                pristine.display(),
                src.display()
            )),
            Err(e) => problems.push(format!(
                "exercise {}: cannot compare {} with {}: {e} ({refresh})",
                ex.id(),
                src.display(),
                pristine.display()
            )),
        }
    }
    report("pristine copies of the stubs", &problems);
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
    for parent in ["exercises", "solutions", ".course/pristine"] {
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
        .flat_map(|ex| {
            [
                format!("{}.toml", ex.package()),
                format!("{}.survivors.toml", ex.package()),
            ]
        })
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

/// The `#[test] fn` names in every `.rs` file under `dir` (the suites and their helpers).
fn test_names(dir: &Path, into: &mut Vec<(String, String)>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            test_names(&path, into);
            continue;
        }
        if path.extension().is_none_or(|ext| ext != "rs") {
            continue;
        }
        let text = fs::read_to_string(&path).unwrap_or_default();
        let file = path
            .strip_prefix(root())
            .unwrap_or(&path)
            .display()
            .to_string();
        let mut after_test = false;
        for line in text.lines() {
            let line = line.trim();
            if line == "#[test]" {
                after_test = true;
            } else if after_test && let Some(rest) = line.split("fn ").nth(1) {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                into.push((file.clone(), name));
                after_test = false;
            } else if after_test && !(line.starts_with("#[") || line.starts_with("//")) {
                after_test = false;
            }
        }
    }
}

/// A fragment that matches no test is allowed: it filters nothing, and it lets course.toml
/// name tests that a branch about to be merged adds.
#[test]
fn every_test_belongs_to_exactly_one_part() {
    let mut problems = Vec::new();
    for ex in &course().exercises {
        if ex.parts.is_empty() {
            continue;
        }
        let mut tests = Vec::new();
        test_names(&ex.exercise_dir(root()).join("tests"), &mut tests);
        if tests.is_empty() {
            problems.push(format!(
                "exercise {}: no #[test] found in its tests/",
                ex.id()
            ));
        }
        for (file, name) in &tests {
            if course::course::is_source_test(name) {
                continue;
            }
            let owners: Vec<&str> = ex
                .parts
                .iter()
                .filter(|part| part.owns(name))
                .map(|part| part.name.as_str())
                .collect();
            match owners.as_slice() {
                [_] => {}
                [] => problems.push(format!(
                    "exercise {}: {file}: test `{name}` is in no part (add a fragment of its \
                     name to the right [[exercise.part]] in course.toml)",
                    ex.id()
                )),
                many => problems.push(format!(
                    "exercise {}: {file}: test `{name}` is in several parts: {}",
                    ex.id(),
                    many.join(", ")
                )),
            }
        }
    }
    report("parts", &problems);
}

#[test]
fn the_test_scan_sees_attributes_and_helpers() {
    let dir = std::env::temp_dir().join(format!("course-scan-{}", std::process::id()));
    fs::create_dir_all(dir.join("common")).expect("dir");
    fs::write(
        dir.join("a.rs"),
        "#[test]\n#[should_panic]\nfn one() {}\nfn helper() {}\n#[test]\n// why\nfn two() {}\n",
    )
    .expect("write");
    fs::write(dir.join("common/mod.rs"), "#[test]\npub fn three() {}\n").expect("write");
    let mut found = Vec::new();
    test_names(&dir, &mut found);
    let names: Vec<&str> = found.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(names, ["one", "two", "three"]);
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn todos_in_course_toml_match_the_stubs() {
    let mut problems = Vec::new();
    for ex in &course().exercises {
        let src = ex.exercise_dir(root()).join("src");
        let real = match course::progress::count_todos(&src) {
            Ok(n) => n,
            Err(e) => {
                problems.push(format!(
                    "exercise {}: cannot read {}: {e}",
                    ex.id(),
                    src.display()
                ));
                continue;
            }
        };
        match ex.todos {
            Some(n) if n == real => {}
            Some(n) => problems.push(format!(
                "exercise {}: course.toml says todos = {n}, but {}/src has {real} `todo!(`: \
                 write todos = {real}",
                ex.id(),
                ex.exercise_rel()
            )),
            None => problems.push(format!(
                "exercise {}: course.toml has no `todos`; its stub has {real} `todo!(`: write \
                 todos = {real} (the dashboard tells \"not started\" by it)",
                ex.id()
            )),
        }
        if real == 0 {
            problems.push(format!(
                "exercise {}: the stub has no `todo!(`, so the dashboard cannot tell that it \
                 was not started",
                ex.id()
            ));
        }
    }
    report("todos", &problems);
}

/// The root's plain `cargo run` starts the course tool: cargo takes the one `default-run` it
/// finds among the workspace's default members, so a second one in `crates/*` or
/// `solutions/*` makes it ask which binary to run (`could not determine which binary`).
#[test]
fn only_the_course_tool_sets_default_run_among_the_default_members() {
    let root = root();
    let mut problems = Vec::new();
    for dir in ["crates", "solutions"] {
        for folder in folders(&root.join(dir)) {
            let path = root.join(dir).join(&folder).join("Cargo.toml");
            if !path.is_file() {
                continue;
            }
            match manifest(&path) {
                Err(e) => problems.push(e),
                Ok(m) => {
                    if let Some(run) = m.get("package").and_then(|p| p.get("default-run")) {
                        problems.push(format!(
                            "{dir}/{folder}/Cargo.toml sets default-run = {run}: the root's \
                             `cargo run` would no longer know to start the course tool; \
                             name the binary with --bin instead"
                        ));
                    }
                }
            }
        }
    }
    report("default-run outside the course tool", &problems);
}

/// A learner's first `cargo run` compiles the course tool's dependencies with every feature
/// that any default member asks of them. No proc-macro may be among them (syn and the derive
/// macros were that build's critical path), nor toml's `preserve_order` (two more crates):
/// see Cargo.toml's [workspace.dependencies].
#[test]
fn the_first_cargo_run_compiles_no_proc_macro() {
    let output = std::process::Command::new(course::cargo::cargo_program())
        .args([
            "tree",
            "--locked",
            "--edges",
            "normal,build",
            "--prefix",
            "depth",
        ])
        .args(["--format", "{p} {f}"])
        .current_dir(root())
        .output()
        .unwrap_or_else(|e| panic!("cannot run cargo tree: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "cargo tree failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // Each default member's tree starts at depth 0; the tool's is the one of `course`.
    let tool: Vec<&str> = stdout
        .lines()
        .skip_while(|line| !line.starts_with("0course v"))
        .enumerate()
        .take_while(|(i, line)| *i == 0 || !line.starts_with('0'))
        .map(|(_, line)| line.trim_start_matches(|c: char| c.is_ascii_digit()))
        .collect();
    assert!(
        !tool.is_empty(),
        "no `course` in cargo tree's output:\n{stdout}"
    );
    let problems: Vec<String> = tool
        .iter()
        .filter(|line| line.contains("(proc-macro)") || line.contains("preserve_order"))
        .map(|line| format!("the course tool's build has {line}"))
        .collect();
    report("what the first `cargo run` compiles", &problems);
}
