//! The workspace that is graded, assembled in `<build>/work`: the grader's own copy of the
//! course (suites, course.toml, Cargo files, support crates, the tool, provided files), with
//! only the learner's own files taken from the submission, and the hidden tests added as
//! extra test targets. Everything is kept in memory too, so that a suite that writes over a
//! file can be caught and the file put back.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use course::course::{Course, Exercise};

use crate::GradeError;

/// Top-level files of the course that the graded workspace needs.
const ROOT_FILES: &[&str] = &[
    "Cargo.toml",
    "Cargo.lock",
    "course.toml",
    "rust-toolchain",
    "rust-toolchain.toml",
];

/// Top-level folders of the course that the graded workspace needs. Not `solutions/`,
/// `tests/`, `book/` or `target/`: nothing graded reads them.
const ROOT_DIRS: &[&str] = &["src", "crates", "exercises", ".course", ".cargo"];

/// Folders never copied, wherever they are.
const SKIPPED_DIRS: &[&str] = &["target", ".git", "saved", "node_modules"];

/// What marks a file the learner is not meant to change, in its first lines.
const PROVIDED: &str = "Provided";
const NOTHING_TO_FILL: &str = "nothing to fill in";

/// A relative path with `/` separators, and the file's bytes.
pub type Files = BTreeMap<String, Vec<u8>>;

/// The assembled workspace.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// `<build>/work`.
    pub dir: PathBuf,
    /// Every file of the workspace as assembled.
    pub files: Files,
    /// The grader's own files that were read (path relative to the grader root), to check
    /// after each suite that none was written over.
    pub pristine: Files,
    /// Per exercise number: files of the submission not used (relative paths), sorted.
    pub ignored: BTreeMap<u32, Vec<String>>,
    /// Per exercise number: names of its hidden test targets (`hidden_<stem>`), sorted.
    pub hidden: BTreeMap<u32, Vec<String>>,
}

/// Is this file (its text) marked as provided, nothing for the learner to fill in?
pub fn is_provided(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(2000)]);
    text.lines()
        .take(8)
        .any(|line| line.contains(PROVIDED) && line.contains(NOTHING_TO_FILL))
        || text
            .lines()
            .take(8)
            .collect::<Vec<_>>()
            .join(" ")
            .contains("Provided: nothing to fill in")
}

/// Reads every file under `dir` into `files`, keyed by `prefix/relative path`.
pub fn read_tree(dir: &Path, prefix: &str, files: &mut Files) -> io::Result<()> {
    let mut entries: Vec<_> = fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}/{name}")
        };
        let kind = entry.file_type()?;
        if kind.is_dir() {
            if !SKIPPED_DIRS.contains(&name.as_str()) {
                read_tree(&entry.path(), &rel, files)?;
            }
        } else if kind.is_file() {
            files.insert(rel, fs::read(entry.path())?);
        }
        // Symbolic links are left out: a submission could point one anywhere.
    }
    Ok(())
}

/// The grader's copy of everything the graded workspace needs.
pub fn read_course(root: &Path) -> Result<Files, GradeError> {
    let mut files = Files::new();
    let fail = |what: &Path, e: io::Error| {
        GradeError::new(format!(
            "cannot read the grader's copy {}: {e}",
            what.display()
        ))
    };
    for name in ROOT_FILES {
        let path = root.join(name);
        if path.is_file() {
            files.insert(
                (*name).to_owned(),
                fs::read(&path).map_err(|e| fail(&path, e))?,
            );
        }
    }
    for name in ROOT_DIRS {
        let path = root.join(name);
        if path.is_dir() {
            read_tree(&path, name, &mut files).map_err(|e| fail(&path, e))?;
        }
    }
    Ok(files)
}

/// Where the learner writes in `ex`: `exercises/<folder>/src`.
fn learner_dir(ex: &Exercise) -> String {
    format!("{}/src", ex.exercise_rel())
}

/// The hidden tests for `ex` in `hidden`: `exercise-NN/*.rs` (or the exercise's folder
/// name), sorted by name.
fn hidden_tests(hidden: &Path, ex: &Exercise) -> Result<Vec<(String, Vec<u8>)>, GradeError> {
    let mut found = Vec::new();
    for dir_name in [ex.package(), ex.folder()] {
        let dir = hidden.join(&dir_name);
        if !dir.is_dir() {
            continue;
        }
        let entries = fs::read_dir(&dir).map_err(|e| {
            GradeError::new(format!(
                "cannot read the hidden tests in {}: {e}",
                dir.display()
            ))
        })?;
        for entry in entries.flatten() {
            let path = entry.path();
            let Some(stem) = path
                .file_stem()
                .and_then(|s| s.to_str())
                .filter(|_| path.extension().is_some_and(|e| e == "rs") && path.is_file())
            else {
                continue;
            };
            let clean: String = stem
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_lowercase()
                    } else {
                        '_'
                    }
                })
                .collect();
            let bytes = fs::read(&path).map_err(|e| {
                GradeError::new(format!(
                    "cannot read the hidden test {}: {e}",
                    path.display()
                ))
            })?;
            found.push((clean, bytes));
        }
    }
    found.sort();
    found.dedup_by(|a, b| a.0 == b.0);
    Ok(found)
}

/// Assembles the workspace for grading `exercises` of `submission` with the grader's copy
/// `course` (read from `course.root`), into `dir`.
pub fn assemble(
    course: &Course,
    exercises: &[&Exercise],
    submission: &Path,
    hidden: Option<&Path>,
    dir: &Path,
) -> Result<Workspace, GradeError> {
    let pristine = read_course(&course.root)?;
    let mut files = pristine.clone();
    let mut ignored: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    let mut hidden_names: BTreeMap<u32, Vec<String>> = BTreeMap::new();

    let graded_src: Vec<String> = exercises.iter().map(|ex| learner_dir(ex)).collect();
    // Every exercise's src/ belongs to the learner; only the graded ones are looked at.
    let all_src: Vec<String> = course.exercises.iter().map(learner_dir).collect();
    let in_dir = |rel: &str, dir: &str| rel.starts_with(dir) && rel[dir.len()..].starts_with('/');

    if submission != course.root {
        let mut theirs = Files::new();
        for name in ROOT_FILES {
            let path = submission.join(name);
            if let Ok(bytes) = fs::read(&path) {
                theirs.insert((*name).to_owned(), bytes);
            }
        }
        for name in ROOT_DIRS {
            let path = submission.join(name);
            if path.is_dir() {
                read_tree(&path, name, &mut theirs).map_err(|e| {
                    GradeError::new(format!(
                        "cannot read the submission {}: {e}",
                        path.display()
                    ))
                })?;
            }
        }
        for (rel, bytes) in &theirs {
            let owner = exercises
                .iter()
                .zip(&graded_src)
                .find(|(_, src)| in_dir(rel, src));
            if let Some((ex, _)) = owner {
                match pristine.get(rel) {
                    Some(ours) if is_provided(ours) => {
                        if ours != bytes {
                            ignored.entry(ex.number).or_default().push(rel.clone());
                        }
                    }
                    // A new file under src/bin/ would be a new program of the crate, built
                    // with the tests: not the learner's to add.
                    None if rel[ex.exercise_rel().len()..].starts_with("/src/bin/") => {
                        ignored.entry(ex.number).or_default().push(rel.clone());
                    }
                    _ => {
                        files.insert(rel.clone(), bytes.clone());
                    }
                }
                continue;
            }
            if all_src.iter().any(|src| in_dir(rel, src)) {
                continue; // another exercise's work: not graded now
            }
            if pristine.get(rel) != Some(bytes) {
                // Whose file is it? The exercise whose folder holds it, else the course.
                let number = course
                    .exercises
                    .iter()
                    .find(|ex| in_dir(rel, &ex.exercise_rel()))
                    .map_or(0, |ex| ex.number);
                ignored.entry(number).or_default().push(rel.clone());
            }
        }
        // A learner file the submission deleted: keep the stub (nothing refers to it, or
        // the build says what is missing).
    }

    if let Some(hidden) = hidden {
        for ex in exercises {
            let tests = hidden_tests(hidden, ex)?;
            if tests.is_empty() {
                continue;
            }
            let manifest = format!("{}/Cargo.toml", ex.exercise_rel());
            let mut text = files
                .get(&manifest)
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .ok_or_else(|| GradeError::new(format!("the grader's copy has no {manifest}")))?;
            for (stem, bytes) in tests {
                let name = format!("hidden_{stem}");
                text.push_str(&format!(
                    "\n[[test]]\nname = \"{name}\"\npath = \"hidden/{stem}.rs\"\n"
                ));
                files.insert(format!("{}/hidden/{stem}.rs", ex.exercise_rel()), bytes);
                hidden_names.entry(ex.number).or_default().push(name);
            }
            files.insert(manifest, text.into_bytes());
        }
    }
    for list in ignored.values_mut() {
        list.sort();
    }
    // Workspace members such as `solutions/*` that match nothing here (no solutions in a
    // student's repository, none copied from the instructor's) would stop cargo.
    if let Some(manifest) = files.get("Cargo.toml") {
        let mut text = String::from_utf8_lossy(manifest).into_owned();
        for glob in ["solutions/*", "tests/*"] {
            let dir = glob.trim_end_matches("/*");
            if files.keys().any(|rel| rel.starts_with(&format!("{dir}/"))) {
                continue;
            }
            for form in [
                format!(", \"{glob}\""),
                format!("\"{glob}\", "),
                format!("\"{glob}\""),
            ] {
                text = text.replace(&form, "");
            }
        }
        files.insert("Cargo.toml".into(), text.into_bytes());
    }

    let workspace = Workspace {
        dir: dir.to_path_buf(),
        files,
        pristine,
        ignored,
        hidden: hidden_names,
    };
    sync(&workspace.dir, &workspace.files)
        .map_err(|e| GradeError::new(format!("cannot write {}: {e}", dir.display())))?;
    Ok(workspace)
}

/// Makes `dir` hold exactly `files` (besides `target/` and `Cargo.lock` changes cargo
/// makes): a file whose content is already right is left alone, so its modification time
/// stays and cargo does not rebuild it; a changed file gets a fresh time.
pub fn sync(dir: &Path, files: &Files) -> io::Result<Vec<String>> {
    let mut rewritten = Vec::new();
    let mut present = Files::new();
    if dir.is_dir() {
        read_tree(dir, "", &mut present)?;
    }
    for (rel, bytes) in files {
        if present.get(rel) == Some(bytes) {
            continue;
        }
        write_over(&dir.join(rel), bytes)?;
        rewritten.push(rel.clone());
    }
    let wanted: BTreeSet<&String> = files.keys().collect();
    for rel in present.keys() {
        if !wanted.contains(rel) {
            let _ = fs::remove_file(dir.join(rel));
        }
    }
    Ok(rewritten)
}

/// Writes `bytes` at `path`, creating its folder; a symbolic link or directory in the way
/// (a previous run's, or a hostile suite's) goes first.
fn write_over(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    if let Ok(meta) = fs::symlink_metadata(path)
        && !meta.is_file()
    {
        if meta.is_dir() {
            fs::remove_dir_all(path)?;
        } else {
            fs::remove_file(path)?;
        }
    }
    fs::write(path, bytes)
}

/// Files of `expected` under `dir` whose content changed or that are gone.
pub fn changed(dir: &Path, expected: &Files) -> Vec<String> {
    expected
        .iter()
        .filter(|(rel, bytes)| fs::read(dir.join(rel)).ok().as_ref() != Some(*bytes))
        .map(|(rel, _)| rel.clone())
        .collect()
}

/// Puts back the files of `expected` under `dir` that `changed` lists.
pub fn restore(dir: &Path, expected: &Files, changed: &[String]) -> io::Result<()> {
    for rel in changed {
        if let Some(bytes) = expected.get(rel) {
            write_over(&dir.join(rel), bytes)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provided_files_are_told_by_their_header() {
        assert!(is_provided(
            b"// Exercise 19\n//\n// Provided, nothing to fill in: the main of a worker.\n"
        ));
        assert!(is_provided(
            b"//! A worker process, each with its own GIL. Provided: nothing to fill in here.\n"
        ));
        assert!(!is_provided(
            b"// Exercise 04 \xc2\xb7 Spin lock\n// Fill in each todo!()\n"
        ));
    }

    #[test]
    fn sync_leaves_unchanged_files_alone_and_removes_extra_ones() {
        let dir = std::env::temp_dir().join(format!("grader-sync-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let mut files = Files::new();
        files.insert("a/b.rs".into(), b"one".to_vec());
        files.insert("c.toml".into(), b"two".to_vec());
        assert_eq!(sync(&dir, &files).expect("sync").len(), 2);
        fs::write(dir.join("extra.rs"), "x").expect("write");
        files.insert("c.toml".into(), b"three".to_vec());
        assert_eq!(sync(&dir, &files).expect("sync"), vec!["c.toml".to_owned()]);
        assert!(!dir.join("extra.rs").exists());
        fs::write(dir.join("a/b.rs"), "tampered").expect("write");
        let gone = changed(&dir, &files);
        assert_eq!(gone, vec!["a/b.rs".to_owned()]);
        restore(&dir, &files, &gone).expect("restore");
        assert!(changed(&dir, &files).is_empty());
        let _ = fs::remove_dir_all(&dir);
    }
}
