//! Known-broken variants of a solution (`tests/mutants/exercise-NN.toml`): reading them,
//! applying their edits, and laying each one out as a crate of its own under
//! `target/course-check/mutants/` that the exercise's graded suite can run against.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use toml::{Table, Value};

use crate::course::{self, Exercise};
use crate::toml_read::{Document, Fields};

/// One `[[mutant]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mutant {
    pub name: String,
    /// The edited file, relative to the solution crate.
    pub file: String,
    pub broken: String,
    /// Tests that must fail, as `target::name`.
    pub caught_by: Vec<String>,
    pub edits: Vec<Edit>,
}

/// One `[[mutant.edit]]`: `find` must occur exactly once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub find: String,
    pub replace: String,
}

impl Mutant {
    /// Reads one `[[mutant]]` with its `[[mutant.edit]]`s.
    fn read(table: Fields<'_, '_>) -> Result<Mutant, String> {
        Ok(Mutant {
            name: table.string("name")?,
            file: table.string("file")?,
            broken: table.string_or("broken", "")?,
            caught_by: table.strings("caught_by")?,
            edits: table
                .tables("edit")?
                .into_iter()
                .map(|edit| {
                    Ok(Edit {
                        find: edit.string("find")?,
                        replace: edit.string("replace")?,
                    })
                })
                .collect::<Result<_, String>>()?,
        })
    }
}

/// Reads and checks a mutants file. Errors are one line.
pub fn parse(text: &str) -> Result<Vec<Mutant>, String> {
    let document = Document::parse(text)?;
    let mutants: Vec<Mutant> = document
        .root()
        .tables("mutant")?
        .into_iter()
        .map(Mutant::read)
        .collect::<Result<_, _>>()?;
    let mut names = HashSet::new();
    for mutant in &mutants {
        if !course::is_kebab(&mutant.name) {
            return Err(format!("mutant name `{}` must be kebab-case", mutant.name));
        }
        if !names.insert(mutant.name.as_str()) {
            return Err(format!("mutant `{}` is listed twice", mutant.name));
        }
        if mutant.edits.is_empty() {
            return Err(format!("mutant `{}` has no [[mutant.edit]]", mutant.name));
        }
        if !is_relative_inside(&mutant.file) {
            return Err(format!(
                "mutant `{}`: file `{}` must be a path inside the solution crate",
                mutant.name, mutant.file
            ));
        }
        if mutant.edits.iter().any(|edit| edit.find.is_empty()) {
            return Err(format!(
                "mutant `{}` has an edit with an empty `find`",
                mutant.name
            ));
        }
    }
    Ok(mutants)
}

/// Reads `tests/mutants/exercise-NN.toml` for `exercise`.
pub fn load(root: &Path, exercise: &Exercise) -> Result<Vec<Mutant>, String> {
    let rel = exercise.mutants_rel();
    let text =
        fs::read_to_string(root.join(&rel)).map_err(|e| format!("cannot read {rel}: {e}"))?;
    parse(&text).map_err(|e| format!("{rel}: {e}"))
}

fn is_relative_inside(path: &str) -> bool {
    let path = Path::new(path);
    !path.as_os_str().is_empty() && path.components().all(|c| matches!(c, Component::Normal(_)))
}

/// Applies `edits` in order to `text`. Each `find` must occur exactly once in the text as
/// the earlier edits left it.
pub fn apply_edits(text: &str, edits: &[Edit], file: &str) -> Result<String, String> {
    let mut text = text.to_owned();
    for edit in edits {
        let first_line = edit
            .find
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .trim();
        match text.matches(edit.find.as_str()).count() {
            1 => text = text.replacen(edit.find.as_str(), &edit.replace, 1),
            0 => return Err(format!("`find` text not found in {file}: `{first_line}`")),
            n => {
                return Err(format!(
                    "`find` text occurs {n} times in {file}, it must occur once: `{first_line}`"
                ));
            }
        }
    }
    Ok(text)
}

/// The directory all mutant crates of `exercise` live under.
pub fn mutants_dir(check_dir: &Path, exercise: &Exercise) -> PathBuf {
    check_dir.join("mutants").join(exercise.package())
}

/// The package name of a mutant: `mutant-04-unlock-relaxed`.
pub fn package_name(exercise: &Exercise, mutant: &Mutant) -> String {
    format!("mutant-{}-{}", exercise.id(), mutant.name)
}

/// Lays out the mutant as a crate in `check_dir/mutants/exercise-NN/<name>/` and returns
/// its manifest path. Files whose content did not change are left alone, so cargo does not
/// rebuild what it already built.
pub fn prepare(
    root: &Path,
    check_dir: &Path,
    exercise: &Exercise,
    mutant: &Mutant,
) -> Result<PathBuf, String> {
    let solution = exercise.solution_dir(root);
    let edited_path = solution.join(&mutant.file);
    let original = fs::read_to_string(&edited_path).map_err(|e| {
        format!(
            "mutant {}: cannot read {}: {e}",
            mutant.name,
            edited_path.display()
        )
    })?;
    let edited = apply_edits(&original, &mutant.edits, &mutant.file)
        .map_err(|e| format!("mutant {}: {e}", mutant.name))?;
    let mut overrides = BTreeMap::new();
    overrides.insert(PathBuf::from(&mutant.file), edited.into_bytes());
    let dir = mutants_dir(check_dir, exercise).join(&mutant.name);
    prepare_variant(
        root,
        &dir,
        exercise,
        &package_name(exercise, mutant),
        &overrides,
    )
}

/// Lays out a variant of the solution as a crate of its own in `dir`: the solution's
/// `src/` with `overrides` (by path relative to the crate, such as `src/spin_lock.rs`) in
/// place of the files of the same path, and its manifest renamed to `package`. Returns the
/// manifest's path. Used for mutants, alternatives and the sweep's generated mutants.
pub fn prepare_variant(
    root: &Path,
    dir: &Path,
    exercise: &Exercise,
    package: &str,
    overrides: &BTreeMap<PathBuf, Vec<u8>>,
) -> Result<PathBuf, String> {
    let solution = exercise.solution_dir(root);
    let mut files = BTreeMap::new();
    collect_files(&solution.join("src"), Path::new("src"), &mut files)
        .map_err(|e| format!("cannot read {}/src: {e}", solution.display()))?;
    for (rel, content) in overrides {
        files.insert(rel.clone(), content.clone());
    }

    let manifest_text = read(&solution.join("Cargo.toml"))?;
    let root_text = read(&root.join("Cargo.toml"))?;
    let manifest = mutant_manifest(&manifest_text, &solution, &root_text, root, package)?;
    files.insert(PathBuf::from("Cargo.toml"), manifest.into_bytes());

    let written = sync_dir(dir, &files).and_then(|()| copy_lock(root, dir));
    written.map_err(|e| format!("cannot write {}: {e}", dir.display()))?;
    Ok(dir.join("Cargo.toml"))
}

/// Copies the root's Cargo.lock beside the mutant, so it builds with the same versions
/// (and needs no registry). cargo trims the copy to the mutant's dependencies; a copy of
/// what was copied (`Cargo.lock.root`) tells whether the root's lock changed since.
fn copy_lock(root: &Path, dir: &Path) -> io::Result<()> {
    let Ok(lock) = fs::read(root.join("Cargo.lock")) else {
        return Ok(());
    };
    let changed = write_if_changed(&dir.join("Cargo.lock.root"), &lock)?;
    if changed || !dir.join("Cargo.lock").is_file() {
        fs::write(dir.join("Cargo.lock"), &lock)?;
    }
    Ok(())
}

fn read(path: &Path) -> Result<String, String> {
    fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// Every file under `dir`, keyed by its path under `prefix`.
pub fn collect_files(
    dir: &Path,
    prefix: &Path,
    into: &mut BTreeMap<PathBuf, Vec<u8>>,
) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let rel = prefix.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            collect_files(&path, &rel, into)?;
        } else {
            into.insert(rel, fs::read(&path)?);
        }
    }
    Ok(())
}

/// Writes each of `files` (by path under `dir`) whose content differs, and removes the files
/// under `dir/src` that are no longer among them.
fn sync_dir(dir: &Path, files: &BTreeMap<PathBuf, Vec<u8>>) -> io::Result<()> {
    for (rel, content) in files {
        write_if_changed(&dir.join(rel), content)?;
    }
    let src = dir.join("src");
    let mut existing = BTreeMap::new();
    if src.is_dir() {
        collect_files(&src, Path::new("src"), &mut existing)?;
    }
    for stale in existing.keys().filter(|rel| !files.contains_key(*rel)) {
        fs::remove_file(dir.join(stale))?;
    }
    Ok(())
}

/// Writes `content` to `path` unless it already holds exactly that. Returns whether it wrote.
pub fn write_if_changed(path: &Path, content: &[u8]) -> io::Result<bool> {
    if fs::read(path).is_ok_and(|old| old == content) {
        return Ok(false);
    }
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::write(path, content)?;
    Ok(true)
}

/// The manifest of a mutant crate: the solution's manifest renamed to `package`, with every
/// relative path made absolute against `solution_dir`, and a `[workspace]` of its own that
/// carries the root workspace's `package`, `dependencies` (paths made absolute against
/// `root`) and `lints`, so that `x.workspace = true` keys still resolve.
pub fn mutant_manifest(
    solution_text: &str,
    solution_dir: &Path,
    root_text: &str,
    root: &Path,
    package: &str,
) -> Result<String, String> {
    let mut manifest: Table = solution_text
        .parse()
        .map_err(|e| format!("the solution's Cargo.toml: {e}"))?;
    let root_manifest: Table = root_text
        .parse()
        .map_err(|e| format!("the root Cargo.toml: {e}"))?;

    let Some(Value::Table(pkg)) = manifest.get_mut("package") else {
        return Err("the solution's Cargo.toml has no [package]".into());
    };
    pkg.insert("name".into(), Value::String(package.into()));
    pkg.remove("workspace");
    pkg.insert("publish".into(), Value::Boolean(false));
    absolutize_key(pkg, "build", solution_dir);
    absolutize_key(pkg, "readme", solution_dir);
    absolutize_key(pkg, "license-file", solution_dir);

    if let Some(Value::Table(lib)) = manifest.get_mut("lib") {
        absolutize_key(lib, "path", solution_dir);
    }
    for kind in ["bin", "test", "bench", "example"] {
        if let Some(Value::Array(targets)) = manifest.get_mut(kind) {
            for target in targets.iter_mut() {
                if let Value::Table(target) = target {
                    absolutize_key(target, "path", solution_dir);
                }
            }
        }
    }
    absolutize_dependencies(&mut manifest, solution_dir);

    let mut workspace = Table::new();
    if let Some(Value::Table(root_ws)) = root_manifest.get("workspace") {
        if let Some(resolver) = root_ws.get("resolver") {
            workspace.insert("resolver".into(), resolver.clone());
        }
        if let Some(Value::Table(package)) = root_ws.get("package") {
            let mut package = package.clone();
            absolutize_key(&mut package, "readme", root);
            absolutize_key(&mut package, "license-file", root);
            workspace.insert("package".into(), Value::Table(package));
        }
        if let Some(Value::Table(deps)) = root_ws.get("dependencies") {
            let mut deps = deps.clone();
            absolutize_dependency_table(&mut deps, root);
            workspace.insert("dependencies".into(), Value::Table(deps));
        }
        if let Some(lints) = root_ws.get("lints") {
            workspace.insert("lints".into(), lints.clone());
        }
    }
    manifest.insert("workspace".into(), Value::Table(workspace));
    // Build settings are the root's, so the mutants build like the solutions.
    if let Some(profile) = root_manifest.get("profile") {
        manifest.insert("profile".into(), profile.clone());
    }
    // [package] first, as people write manifests (the table itself is sorted by key).
    let mut package = Table::new();
    if let Some(table) = manifest.remove("package") {
        package.insert("package".into(), table);
    }
    let write = |table: &Table| {
        toml::to_string(table).map_err(|e| format!("cannot write the manifest: {e}"))
    };
    Ok(format!(
        "# Written by `cargo run -- verify`: the solution's manifest, for one mutant.\n{}\n{}",
        write(&package)?,
        write(&manifest)?
    ))
}

fn absolutize_dependencies(manifest: &mut Table, base: &Path) {
    for kind in ["dependencies", "dev-dependencies", "build-dependencies"] {
        if let Some(Value::Table(deps)) = manifest.get_mut(kind) {
            absolutize_dependency_table(deps, base);
        }
    }
    if let Some(Value::Table(targets)) = manifest.get_mut("target") {
        for (_, platform) in targets.iter_mut() {
            if let Value::Table(platform) = platform {
                absolutize_dependencies(platform, base);
            }
        }
    }
}

fn absolutize_dependency_table(deps: &mut Table, base: &Path) {
    for (_, dep) in deps.iter_mut() {
        if let Value::Table(dep) = dep {
            absolutize_key(dep, "path", base);
        }
    }
}

fn absolutize_key(table: &mut Table, key: &str, base: &Path) {
    if let Some(Value::String(path)) = table.get_mut(key)
        && Path::new(path.as_str()).is_relative()
    {
        *path = normalize(&base.join(path.as_str()))
            .to_string_lossy()
            .into_owned();
    }
}

/// `base/a/../b` as `base/b`, without touching the file system.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(find: &str, replace: &str) -> Edit {
        Edit {
            find: find.into(),
            replace: replace.into(),
        }
    }

    #[test]
    fn edits_apply_in_order_and_must_match_once() {
        let text = "a.store(false, Release);\nb.swap(true, Acquire);\n";
        let edited = apply_edits(
            text,
            &[
                edit("Release", "Relaxed"),
                edit("b.swap(true, Acquire)", "b.swap(true, Relaxed)"),
            ],
            "src/x.rs",
        );
        assert_eq!(
            edited.as_deref(),
            Ok("a.store(false, Relaxed);\nb.swap(true, Relaxed);\n")
        );

        let missing = apply_edits(text, &[edit("SeqCst", "Relaxed")], "src/x.rs");
        assert_eq!(
            missing,
            Err("`find` text not found in src/x.rs: `SeqCst`".into())
        );

        let twice = apply_edits(text, &[edit("(", "[")], "src/x.rs");
        assert!(
            twice.as_ref().is_err_and(|e| e.contains("occurs 2 times")),
            "{twice:?}"
        );

        // The second edit sees the first one's result.
        let chained = apply_edits("x", &[edit("x", "yy"), edit("yy", "z")], "f");
        assert_eq!(chained.as_deref(), Ok("z"));
    }

    #[test]
    fn mutant_files_are_checked() {
        let good = r#"
[[mutant]]
name = "unlock-relaxed"
file = "src/spin_lock.rs"
broken = "why"
caught_by = ["under_loom::x"]

[[mutant.edit]]
find = "a"
replace = "b"
"#;
        let mutants = parse(good).expect("valid");
        assert_eq!(mutants.len(), 1);
        assert_eq!(mutants[0].edits, [edit("a", "b")]);
        assert_eq!(mutants[0].caught_by, ["under_loom::x"]);

        let twice = format!("{good}\n{good}");
        assert!(parse(&twice).is_err_and(|e| e.contains("listed twice")));
        let no_edit = "[[mutant]]\nname = \"x\"\nfile = \"src/a.rs\"\n";
        assert!(parse(no_edit).is_err_and(|e| e.contains("no [[mutant.edit]]")));
        let outside = good.replace("src/spin_lock.rs", "../other/src/lib.rs");
        assert!(parse(&outside).is_err_and(|e| e.contains("inside the solution crate")));
        assert!(parse("[[mutant]]\nname = 3").is_err_and(|e| e.starts_with("line 2:")));
    }

    const SOLUTION: &str = r#"
[package]
name = "solution-04"
version = "0.1.0"
edition.workspace = true
license.workspace = true

[lib]
test = false

[[test]]
name = "threads"
path = "../../exercises/exercise-04-spin-lock/tests/threads.rs"

[dependencies]
sync-shim.workspace = true
helper = { path = "../helper" }

[dev-dependencies]
deadline.workspace = true

[lints]
workspace = true
"#;

    const ROOT: &str = r#"
[package]
name = "course"

[workspace]
resolver = "3"
members = ["."]
default-members = ["."]

[workspace.package]
edition = "2024"
license = "MIT"

[workspace.dependencies]
toml = "1"
sync-shim = { path = "crates/sync-shim" }

[workspace.lints.rust]
unsafe_op_in_unsafe_fn = "deny"
"#;

    #[test]
    fn the_manifest_is_rewritten_to_stand_alone() {
        let text = mutant_manifest(
            SOLUTION,
            Path::new("/r/solutions/exercise-04-spin-lock"),
            ROOT,
            Path::new("/r"),
            "mutant-04-unlock-relaxed",
        )
        .expect("rewritten");
        let manifest: Table = text.parse().expect("valid TOML");
        let get = |path: &[&str]| -> Option<&Value> {
            let (first, rest) = path.split_first()?;
            rest.iter()
                .try_fold(manifest.get(*first)?, |value, key| value.get(*key))
        };
        let s = |path: &[&str]| get(path).and_then(Value::as_str).map(str::to_owned);

        assert_eq!(
            s(&["package", "name"]).as_deref(),
            Some("mutant-04-unlock-relaxed")
        );
        let test_path = get(&["test"])
            .and_then(Value::as_array)
            .and_then(|tests| tests.first())
            .and_then(|test| test.get("path"))
            .and_then(Value::as_str);
        assert_eq!(
            test_path,
            Some("/r/exercises/exercise-04-spin-lock/tests/threads.rs")
        );
        assert_eq!(
            s(&["dependencies", "helper", "path"]).as_deref(),
            Some("/r/solutions/helper")
        );
        assert_eq!(
            get(&["dependencies", "sync-shim", "workspace"]),
            Some(&Value::Boolean(true))
        );

        assert_eq!(s(&["workspace", "resolver"]).as_deref(), Some("3"));
        assert_eq!(
            s(&["workspace", "package", "edition"]).as_deref(),
            Some("2024")
        );
        assert_eq!(
            s(&["workspace", "dependencies", "sync-shim", "path"]).as_deref(),
            Some("/r/crates/sync-shim")
        );
        assert_eq!(
            s(&["workspace", "dependencies", "toml"]).as_deref(),
            Some("1")
        );
        assert_eq!(
            s(&["workspace", "lints", "rust", "unsafe_op_in_unsafe_fn"]).as_deref(),
            Some("deny")
        );
        assert_eq!(
            get(&["workspace", "members"]),
            None,
            "the root's members do not belong here"
        );
        assert_eq!(get(&["lints", "workspace"]), Some(&Value::Boolean(true)));
    }

    #[test]
    fn a_manifest_without_package_is_an_error() {
        let e = mutant_manifest("[lib]\n", Path::new("/s"), ROOT, Path::new("/r"), "m");
        assert!(e.is_err_and(|e| e.contains("no [package]")));
    }

    #[test]
    fn paths_are_normalized_lexically() {
        assert_eq!(
            normalize(Path::new("/r/solutions/x/../../exercises/x/tests/a.rs")),
            Path::new("/r/exercises/x/tests/a.rs")
        );
        assert_eq!(normalize(Path::new("/r/./a")), Path::new("/r/a"));
    }

    #[test]
    fn unchanged_files_are_not_rewritten() {
        let dir = std::env::temp_dir().join(format!("course-mutants-{}", std::process::id()));
        let file = dir.join("src/lib.rs");
        assert!(write_if_changed(&file, b"one").expect("write"));
        assert!(!write_if_changed(&file, b"one").expect("same"));
        assert!(write_if_changed(&file, b"two").expect("changed"));
        let mut files = BTreeMap::new();
        files.insert(PathBuf::from("src/main.rs"), b"fn main() {}".to_vec());
        sync_dir(&dir, &files).expect("sync");
        assert!(
            !file.exists(),
            "a file the solution no longer has is removed"
        );
        assert!(dir.join("src/main.rs").is_file());
        let _ = fs::remove_dir_all(&dir);
    }
}
