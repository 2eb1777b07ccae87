//! Correct implementations in another style than the reference
//! (`tests/alternatives/exercise-NN/<name>/src/...`): each must pass the whole graded suite,
//! so that the suite never demands the reference's design.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::course::Exercise;
use crate::mutants;

/// One alternative: its name and the files that replace the solution's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alternative {
    pub name: String,
    /// The first line of its first file, without `//`: what style it shows.
    pub style: String,
    /// Files by path relative to the crate (`src/spin_lock.rs`).
    pub files: BTreeMap<PathBuf, Vec<u8>>,
}

/// `tests/alternatives/exercise-NN`, relative to the root.
pub fn alternatives_rel(exercise: &Exercise) -> String {
    format!("tests/alternatives/{}", exercise.package())
}

/// The alternatives of `exercise` (none when the folder is missing), sorted by name. Each
/// must hold files under `src/`, each starting with a `//` line that says its style.
pub fn load(root: &Path, exercise: &Exercise) -> Result<Vec<Alternative>, String> {
    let rel = alternatives_rel(exercise);
    let dir = root.join(&rel);
    let Ok(entries) = fs::read_dir(&dir) else {
        return Ok(Vec::new());
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let solution = exercise.solution_dir(root);
    let mut alternatives = Vec::new();
    for name in names {
        if !crate::course::is_kebab(&name) {
            return Err(format!("{rel}/{name}: the folder name must be kebab-case"));
        }
        let mut files = BTreeMap::new();
        mutants::collect_files(&dir.join(&name), Path::new(""), &mut files)
            .map_err(|e| format!("cannot read {rel}/{name}: {e}"))?;
        if files.is_empty() {
            return Err(format!("{rel}/{name} holds no files"));
        }
        let mut style = None;
        for (path, content) in &files {
            if !path.starts_with("src") || path.extension().is_none_or(|e| e != "rs") {
                return Err(format!(
                    "{rel}/{name}/{}: an alternative holds only .rs files under src/",
                    path.display()
                ));
            }
            if !solution.join(path).is_file() {
                return Err(format!(
                    "{rel}/{name}/{}: the solution has no such file to replace",
                    path.display()
                ));
            }
            let text = String::from_utf8_lossy(content);
            let first = text.lines().next().unwrap_or("");
            match first.strip_prefix("//") {
                Some(line) if !line.trim().is_empty() => {
                    style.get_or_insert_with(|| line.trim().to_owned());
                }
                _ => {
                    return Err(format!(
                        "{rel}/{name}/{}: the first line must be a `//` comment saying what style it shows",
                        path.display()
                    ));
                }
            }
        }
        alternatives.push(Alternative {
            name,
            style: style.unwrap_or_default(),
            files,
        });
    }
    Ok(alternatives)
}

/// Lays out `alternative` as a crate in `check_dir/alternatives/exercise-NN/<name>/`.
pub fn prepare(
    root: &Path,
    check_dir: &Path,
    exercise: &Exercise,
    alternative: &Alternative,
) -> Result<PathBuf, String> {
    let dir = check_dir
        .join("alternatives")
        .join(exercise.package())
        .join(&alternative.name);
    let package = format!("alternative-{}-{}", exercise.id(), alternative.name);
    mutants::prepare_variant(root, &dir, exercise, &package, &alternative.files)
}
