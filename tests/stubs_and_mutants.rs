//! For every exercise in course.toml: the stub fails its graded suite (except `source_*`
//! tests), the contract names only tests the suite has, every mutant in tests/mutants/ is
//! caught by the tests its `caught_by` names, every alternative in tests/alternatives/ passes
//! the whole suite, and the sweep's survivors file is well-formed. The same checks as
//! `cargo run -- verify` (the solutions pass: the root `cargo test` already runs their
//! suites). Nested cargo runs build in target/course-check and target/course-check-1 (two
//! lanes of exercises checked at once), so they never wait for the lock of this `cargo test`.
//!
//! Only what changed is checked again: when every check of an exercise held, the run notes
//! a fingerprint of everything those verdicts depend on (the exercise's stub, solution,
//! suites, mutants, contract and alternatives; the support crates; the course tool; the lock
//! file; the compiler; the loom and deadline settings) in target/course-check/verdicts/. The
//! next run skips that exercise while its fingerprint is the same, and says so. A fresh
//! clone (CI) has no notes and checks everything; `COURSE_CHECK_ALL=1` ignores the notes.

use std::path::Path;

use course::course::Course;
use course::sweep;
use course::verify::{Checker, Verdict};

#[test]
fn every_stub_fails_every_mutant_is_caught_and_every_alternative_passes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let course = Course::load(root).unwrap_or_else(|e| panic!("{e}"));
    let notes = verdict_cache::Notes::new(root);
    let mut unchanged = Vec::new();
    let mut to_check = Vec::new();
    for ex in &course.exercises {
        let fingerprint = notes.fingerprint(ex);
        match notes.held_before(ex, &fingerprint) {
            Some(count) => unchanged.push(format!("{} ({count} checks)", ex.id())),
            None => to_check.push((ex, fingerprint)),
        }
    }
    // Two lanes, each with its own build folder (cargo locks a target folder for a whole
    // run, so two lanes in one would take turns): while one lane compiles, the other's
    // tests mostly wait on deadlines and sleeping threads, which two cores can overlap.
    // Exercises alternate between the lanes, in course order.
    let lanes: Vec<Vec<&(&course::course::Exercise, String)>> = (0..LANES)
        .map(|lane| to_check.iter().skip(lane).step_by(LANES).collect())
        .collect();
    let tallies: Vec<Tally> = std::thread::scope(|scope| {
        let running: Vec<_> = lanes
            .into_iter()
            .enumerate()
            .map(|(lane, exercises)| {
                let notes = &notes;
                scope.spawn(move || {
                    let checker = Checker {
                        root: root.to_path_buf(),
                        check_dir: lane_dir(root, lane),
                    };
                    let mut tally = Tally::default();
                    for (ex, fingerprint) in exercises {
                        let problems_before = tally.problems.len();
                        check_exercise(&checker, root, ex, &mut tally);
                        if tally.problems.len() == problems_before {
                            let id = ex.id();
                            notes.note_held(
                                ex,
                                fingerprint,
                                tally.held.get(&id).copied().unwrap_or(0),
                            );
                        }
                    }
                    tally
                })
            })
            .collect();
        running
            .into_iter()
            .map(|lane| lane.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    let mut held = std::collections::BTreeMap::<String, usize>::new();
    let mut problems = Vec::new();
    for tally in tallies {
        held.extend(tally.held);
        problems.extend(tally.problems);
    }
    for (id, count) in &held {
        eprintln!("exercise {id}: ✓ {count} checks hold");
    }
    if !unchanged.is_empty() {
        eprintln!(
            "unchanged since their checks last held, not checked again: exercise {} (COURSE_CHECK_ALL=1 checks them too)",
            unchanged.join(", ")
        );
    }
    assert!(
        problems.is_empty(),
        "{} problem(s):\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

/// How many exercises are checked at once.
const LANES: usize = 2;

/// The build folder of a lane: lane 0 uses `cargo run -- verify`'s own, target/course-check.
fn lane_dir(root: &Path, lane: usize) -> std::path::PathBuf {
    let base = root.join("target");
    match lane {
        0 => base.join("course-check"),
        n => base.join(format!("course-check-{n}")),
    }
}

/// Every check of one exercise, noted in `tally`.
fn check_exercise(
    checker: &Checker,
    root: &Path,
    ex: &course::course::Exercise,
    tally: &mut Tally,
) {
    let id = ex.id();
    let fail = |e: course::error::Error| -> Verdict { panic!("{e}") };
    tally.note(
        &id,
        checker.stub_fails(ex, &mut |_| {}).unwrap_or_else(fail),
    );
    tally.note(
        &id,
        checker
            .contract_covered(ex, &mut |_| {})
            .unwrap_or_else(fail),
    );
    match checker.mutants(ex) {
        Err(problem) => tally.note(&id, Verdict::Fails(problem)),
        Ok(mutants) => {
            for mutant in &mutants {
                let verdict = checker
                    .mutant_caught(ex, mutant, &mut |_| {})
                    .unwrap_or_else(fail);
                tally.note(&id, verdict);
            }
        }
    }
    match checker.alternatives(ex) {
        Err(problem) => tally.note(&id, Verdict::Fails(problem)),
        Ok(alternatives) if alternatives.len() < 2 => tally.note(
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
                tally.note(&id, verdict);
            }
        }
    }
    match sweep::load_survivors(root, ex) {
        Err(problem) => tally.note(&id, Verdict::Fails(problem)),
        Ok(survivors) => {
            // An ordering survivor names a line of the solution; if the line is gone, the
            // entry is stale and the sweep must be run again.
            let orderings =
                sweep::ordering_mutants(&ex.solution_dir(root)).unwrap_or_else(|e| panic!("{e}"));
            for survivor in survivors.iter().filter(|s| s.source == "orderings") {
                if !orderings.iter().any(|m| m.name == survivor.mutant) {
                    tally.note(
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

/// The verdicts so far: how many held per exercise, and each one that failed.
#[derive(Default)]
struct Tally {
    held: std::collections::BTreeMap<String, usize>,
    problems: Vec<String>,
}

impl Tally {
    // Only what fails is printed in full, so that the failure is what a CI log excerpt shows
    // (`cargo run -- verify` prints every check).
    fn note(&mut self, id: &str, verdict: Verdict) {
        if verdict.holds() {
            *self.held.entry(id.to_owned()).or_default() += 1;
        } else {
            eprintln!("exercise {id}: ✗ {}", verdict.text());
            self.problems
                .push(format!("exercise {id}: {}", verdict.text()));
        }
    }
}

/// Notes of the exercises whose checks all held, by fingerprint.
mod verdict_cache {
    use std::path::{Path, PathBuf};
    use std::process::Command;

    use course::course::Exercise;
    use sha2::{Digest, Sha256};

    pub struct Notes {
        root: PathBuf,
        dir: PathBuf,
        /// Ignore the notes (`COURSE_CHECK_ALL=1`): check everything, and note afresh.
        check_all: bool,
        /// The part of every fingerprint that no exercise owns.
        common: Vec<u8>,
    }

    impl Notes {
        pub fn new(root: &Path) -> Notes {
            let mut common = Sha256::new();
            // The compiler, and the settings the suites read at run time.
            let rustc = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
                .arg("-vV")
                .output()
                .map(|out| out.stdout)
                .unwrap_or_default();
            common.update(&rustc);
            let mut settings: Vec<(String, String)> = std::env::vars()
                .filter(|(key, _)| {
                    key.starts_with("LOOM_")
                        || key.starts_with("COURSE_")
                        || key.starts_with("RUST")
                        || key.starts_with("CARGO_PROFILE")
                        || key.starts_with("CARGO_BUILD")
                })
                // Not the backtrace setting: .ci/run sets it, a shell usually does not, and the
                // course strips backtraces from what it judges, so it would only make the
                // first local run after CI check everything again.
                .filter(|(key, _)| key != "COURSE_CHECK_ALL" && key != "RUST_BACKTRACE")
                .collect();
            settings.sort();
            common.update(format!("{settings:?}").as_bytes());
            // The course tool's checker (it judges) and this file. The support crates enter
            // each exercise's own fingerprint, only those it builds with.
            for module in CHECKER_MODULES {
                hash_tree(&mut common, root, &root.join("src").join(module));
            }
            hash_tree(&mut common, root, &root.join("tests/stubs_and_mutants.rs"));
            // The shared parts of the manifests, not the lists that grow with each new
            // exercise: adding exercise 12 must not check exercises 01-11 again. Each
            // exercise's own course.toml entry goes into its own fingerprint.
            common.update(shared_settings(root).as_bytes());
            Notes {
                root: root.to_path_buf(),
                dir: root.join("target").join("course-check").join("verdicts"),
                check_all: std::env::var_os("COURSE_CHECK_ALL").is_some_and(|v| v != "0"),
                common: common.finalize().to_vec(),
            }
        }

        /// What the verdicts of `exercise` depend on, as hex.
        pub fn fingerprint(&self, exercise: &Exercise) -> String {
            let mut hash = Sha256::new();
            hash.update(&self.common);
            let root = &self.root;
            let package = exercise.package();
            // Its course.toml entry: time limit, parts (which tests judge which part).
            hash.update(format!("{exercise:?}").as_bytes());
            for own in [
                root.join(exercise.exercise_rel()),
                exercise.solution_dir(root),
                root.join("tests/mutants").join(format!("{package}.toml")),
                root.join("tests/mutants")
                    .join(format!("{package}.survivors.toml")),
                root.join("tests/contracts").join(format!("{package}.toml")),
                root.join("tests/alternatives").join(&package),
            ] {
                hash_tree(&mut hash, root, &own);
            }
            // The workspace crates it builds with: a change to the book's builder or to a
            // lab checks no exercise again, a change to the shim checks every one.
            let packages = [
                root.join(exercise.exercise_rel()),
                exercise.solution_dir(root),
            ];
            for support in support_crates(root, &packages) {
                hash_tree(&mut hash, root, &support);
            }
            hash.finalize()
                .iter()
                .map(|byte| format!("{byte:02x}"))
                .collect()
        }

        fn note_path(&self, exercise: &Exercise) -> PathBuf {
            self.dir.join(exercise.package())
        }

        /// How many checks held the last time, if nothing they depend on changed since.
        pub fn held_before(&self, exercise: &Exercise, fingerprint: &str) -> Option<usize> {
            if self.check_all {
                return None;
            }
            let note = std::fs::read_to_string(self.note_path(exercise)).ok()?;
            let (noted, count) = note.trim().split_once(' ')?;
            (noted == fingerprint).then(|| count.parse().ok()).flatten()
        }

        /// Notes that every check of `exercise` held with this fingerprint.
        pub fn note_held(&self, exercise: &Exercise, fingerprint: &str, count: usize) {
            // A note that cannot be written only means checking again next time.
            let _ = std::fs::create_dir_all(&self.dir);
            let _ = std::fs::write(self.note_path(exercise), format!("{fingerprint} {count}\n"));
        }
    }

    /// The modules of the course tool that `verify` runs (the checks, the suites, the
    /// mutants, the alternatives, the sweep's survivors); the others (the command line, the
    /// dashboard, hints, progress, the book command, diagnoses) only show what it found.
    /// `every_module_of_the_course_tool_is_sorted` below keeps the two lists whole.
    pub const CHECKER_MODULES: &[&str] = &[
        "alternatives.rs",
        "cargo.rs",
        "contract.rs",
        "course.rs",
        "error.rs",
        "lib.rs",
        "libtest.rs",
        "mutants.rs",
        "suite.rs",
        "sweep.rs",
        "toml_read.rs",
        "verify.rs",
    ];

    /// The modules and folders of `src/` that no verdict depends on.
    pub const DISPLAY_MODULES: &[&str] = &[
        "book.rs",
        "cli.rs",
        "commands",
        "diagnose.rs",
        "hints.rs",
        "main.rs",
        "progress.rs",
        "state.rs",
        "ui.rs",
    ];

    /// The folders of the workspace's own crates that the packages in `packages` (folders
    /// with a Cargo.toml) build with, transitively: path dependencies of every kind, named
    /// directly or through `[workspace.dependencies]`, and the crates whose files a target
    /// `path` points into (the exercises' launcher binary). Sorted; the packages themselves
    /// are not included. A manifest that cannot be read adds nothing more: its folder is
    /// hashed anyway, so a broken manifest still changes the fingerprint.
    pub fn support_crates(root: &Path, packages: &[PathBuf]) -> Vec<PathBuf> {
        let workspace_paths: std::collections::BTreeMap<String, PathBuf> =
            std::fs::read_to_string(root.join("Cargo.toml"))
                .ok()
                .and_then(|text| text.parse::<toml::Table>().ok())
                .and_then(|manifest| {
                    let deps = manifest.get("workspace")?.get("dependencies")?.as_table()?;
                    Some(
                        deps.iter()
                            .filter_map(|(name, dep)| {
                                let path = dep.get("path")?.as_str()?;
                                Some((name.clone(), root.join(path)))
                            })
                            .collect(),
                    )
                })
                .unwrap_or_default();
        let mut seen: std::collections::BTreeSet<PathBuf> = std::collections::BTreeSet::new();
        let mut to_visit: Vec<PathBuf> = packages.iter().map(|p| normalize(p)).collect();
        let own: Vec<PathBuf> = to_visit.clone();
        while let Some(dir) = to_visit.pop() {
            let Some(manifest) = std::fs::read_to_string(dir.join("Cargo.toml"))
                .ok()
                .and_then(|text| text.parse::<toml::Table>().ok())
            else {
                continue;
            };
            let mut found = Vec::new();
            let mut dependency_tables: Vec<&toml::Table> = Vec::new();
            for kind in ["dependencies", "dev-dependencies", "build-dependencies"] {
                dependency_tables.extend(manifest.get(kind).and_then(|t| t.as_table()));
                let targets = manifest.get("target").and_then(|t| t.as_table());
                for target in targets.into_iter().flat_map(|t| t.values()) {
                    dependency_tables.extend(target.get(kind).and_then(|t| t.as_table()));
                }
            }
            for (name, dep) in dependency_tables.into_iter().flatten() {
                if let Some(path) = dep.get("path").and_then(|p| p.as_str()) {
                    found.push(dir.join(path));
                } else if dep.get("workspace").and_then(|w| w.as_bool()) == Some(true) {
                    let key = dep.get("package").and_then(|p| p.as_str()).unwrap_or(name);
                    found.extend(
                        workspace_paths
                            .get(name)
                            .or(workspace_paths.get(key))
                            .cloned(),
                    );
                }
            }
            // Targets whose source lives in another crate's folder.
            let mut target_paths = Vec::new();
            if let Some(lib) = manifest.get("lib") {
                target_paths.extend(lib.get("path").and_then(|p| p.as_str()));
            }
            for kind in ["bin", "test", "bench", "example"] {
                let targets = manifest.get(kind).and_then(|t| t.as_array());
                for target in targets.into_iter().flatten() {
                    target_paths.extend(target.get("path").and_then(|p| p.as_str()));
                }
            }
            for path in target_paths {
                let file = normalize(&dir.join(path));
                if file.starts_with(&dir) {
                    continue;
                }
                let owner = file
                    .ancestors()
                    .skip(1)
                    .find(|d| d.join("Cargo.toml").is_file());
                found.extend(owner.map(Path::to_path_buf));
            }
            for crate_dir in found {
                let crate_dir = normalize(&crate_dir);
                if crate_dir != root && !own.contains(&crate_dir) && seen.insert(crate_dir.clone())
                {
                    to_visit.push(crate_dir);
                }
            }
        }
        seen.into_iter().collect()
    }

    fn normalize(path: &Path) -> PathBuf {
        course::mutants::normalize(path)
    }

    /// The workspace settings every exercise's build and checks depend on, as text: the root
    /// manifest without its `members`, the registry packages of the lock file (the
    /// workspace's own path packages are covered by their folders), course.toml without its
    /// `[[exercise]]` entries, and `.cargo/` but for cargo-mutants' settings (the sweep is
    /// not run here). A file that cannot be read or parsed enters as its error.
    fn shared_settings(root: &Path) -> String {
        let read = |rel: &str| -> Result<toml::Table, String> {
            let text =
                std::fs::read_to_string(root.join(rel)).map_err(|e| format!("{rel}: {e}"))?;
            text.parse::<toml::Table>()
                .map_err(|e| format!("{rel}: {e}"))
        };
        let mut text = String::new();
        match read("Cargo.toml") {
            Ok(mut manifest) => {
                if let Some(toml::Value::Table(workspace)) = manifest.get_mut("workspace") {
                    workspace.remove("members");
                }
                text.push_str(&manifest.to_string());
            }
            Err(error) => text.push_str(&error),
        }
        match read("Cargo.lock") {
            Ok(lock) => {
                let packages = lock.get("package").and_then(|p| p.as_array());
                for package in packages.into_iter().flatten() {
                    if package.get("source").is_some() {
                        text.push_str(&package.to_string());
                    }
                }
            }
            Err(error) => text.push_str(&error),
        }
        match read("course.toml") {
            Ok(mut course) => {
                course.remove("exercise");
                text.push_str(&course.to_string());
            }
            Err(error) => text.push_str(&error),
        }
        let mut cargo_dir = std::collections::BTreeMap::new();
        if let Err(error) = course::mutants::collect_files(
            &root.join(".cargo"),
            Path::new(".cargo"),
            &mut cargo_dir,
        ) {
            text.push_str(&format!(".cargo: {error}"));
        }
        for (file, bytes) in cargo_dir {
            if file != Path::new(".cargo/mutants.toml") {
                text.push_str(&format!(
                    "{}: {}\n",
                    file.display(),
                    String::from_utf8_lossy(&bytes)
                ));
            }
        }
        text
    }

    /// Hashes every file under `path` (or the file itself): its path from `root`, its
    /// length and its bytes, in path order (the walk of `course::mutants::collect_files`;
    /// none of the folders fingerprinted holds build output, which goes to the root's
    /// target/).
    fn hash_tree(hash: &mut Sha256, root: &Path, path: &Path) {
        let rel = path.strip_prefix(root).unwrap_or(path).to_path_buf();
        let mut files = std::collections::BTreeMap::new();
        if path.is_dir() {
            // A folder that cannot be read is fingerprinted by the error, so that a note
            // written while it could be read does not match.
            if let Err(error) = course::mutants::collect_files(path, &rel, &mut files) {
                hash.update(format!("unreadable: {}: {error}", rel.display()).as_bytes());
            }
        } else if let Ok(bytes) = std::fs::read(path) {
            files.insert(rel, bytes);
        } else {
            // Absent: that too is part of the fingerprint.
            hash.update(b"absent:");
            hash.update(rel.to_string_lossy().as_bytes());
        }
        for (file, bytes) in files {
            hash.update(file.to_string_lossy().as_bytes());
            hash.update((bytes.len() as u64).to_le_bytes());
            hash.update(&bytes);
        }
    }
}

/// The fingerprint's lists of the course tool's modules cover `src/` exactly, so that a new
/// module is sorted into "judges" or "only shows" when it is added.
#[test]
fn every_module_of_the_course_tool_is_sorted() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut listed: Vec<&str> = verdict_cache::CHECKER_MODULES
        .iter()
        .chain(verdict_cache::DISPLAY_MODULES)
        .copied()
        .collect();
    listed.sort_unstable();
    let mut present: Vec<String> = std::fs::read_dir(root.join("src"))
        .expect("src/ is readable")
        .map(|entry| {
            entry
                .expect("src/ is readable")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    present.sort_unstable();
    assert_eq!(
        listed, present,
        "tests/stubs_and_mutants.rs: sort every file of src/ into CHECKER_MODULES (a verdict depends on it) or DISPLAY_MODULES (it only shows what verify found)"
    );
}

/// An exercise's fingerprint covers the crates it builds with and not the others.
#[test]
fn an_exercise_depends_on_the_crates_it_builds_with() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let course = Course::load(root).unwrap_or_else(|e| panic!("{e}"));
    let ex = course
        .exercises
        .iter()
        .find(|e| e.number == 13)
        .expect("exercise 13");
    let crates =
        verdict_cache::support_crates(root, &[root.join(ex.exercise_rel()), ex.solution_dir(root)]);
    let names: Vec<String> = crates
        .iter()
        .map(|dir| dir.strip_prefix(root).unwrap_or(dir).display().to_string())
        .collect();
    for needed in [
        "crates/sync-shim",
        "crates/library-under-test",
        "crates/deadline",
        "crates/loom-harness",
        "crates/course-launcher",
    ] {
        assert!(
            names.iter().any(|n| n == needed),
            "{needed} missing from {names:?}"
        );
    }
    for unrelated in ["crates/book-builder", "crates/grader", "crates/gil-lab"] {
        assert!(
            !names.iter().any(|n| n == unrelated),
            "{unrelated} in {names:?}"
        );
    }
}
