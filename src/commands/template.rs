//! `template OUT_DIR`: write the student repository of a graded class.
//!
//! What goes in is a fixed list ([`SHIPPED`]): the workspace files, the book, the course tool,
//! the support crates (the grader among them, so the repository can grade itself), the
//! exercises and `.course/`. Each exercise's `src/` comes from `.course/pristine/`, the stub as
//! shipped, so an instructor who worked the exercises in this checkout does not hand out their
//! answers. Everything else stays behind: `solutions/`, `tests/` (the course's own checks,
//! mutants, alternatives, contracts, survivors), `.ci/`, `.cargo/mutants.toml`, `target/`,
//! `saved/`, an instructor's `hidden/`. The workspace manifest loses its `solutions/*` members
//! and `Cargo.lock` the packages only they used, so the copy resolves with `--locked`.
//! Copied files keep their modification times, so builds of a fresh copy at the same path are
//! as warm as the last one. `git init` is left to the instructor (their identity, their
//! remote): the command prints the steps.

use std::collections::{BTreeSet, HashSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::Outcome;
use crate::error::{Error, Result};
use crate::say;
use crate::toml_read::{Document, Fields};
use crate::ui::Ui;

/// The workflow the template ships, as `.github/workflows/grade.yml`.
pub const WORKFLOW: &str = include_str!("../../templates/student/grade.yml");

/// Where the workflow lands in the student repository.
pub const WORKFLOW_PATH: &str = ".github/workflows/grade.yml";

/// The student README, with `{{intro}}` and `{{doing-an-exercise}}` filled from the course's
/// README so that the two never drift apart.
const README_TEMPLATE: &str = include_str!("../../templates/student/README.md");

/// What is copied from the course root, when it exists: everything else stays behind.
pub const SHIPPED: &[&str] = &[
    "course.toml",
    ".gitignore",
    "rust-toolchain",
    "rust-toolchain.toml",
    "LICENSE",
    "LICENSE-MIT",
    "LICENSE-APACHE",
    ".cargo/config.toml",
    ".cargo/config",
    ".course",
    "book",
    "crates",
    "src",
    "templates",
    "exercises",
];

/// Folder names never copied, wherever they are.
const NEVER: &[&str] = &["target", ".git", "saved"];

/// The workspace members that are the reference solutions.
const SOLUTIONS: &str = "solutions/";

pub fn run(ui: &Ui, root: &Path, out: &Path) -> Result<Outcome> {
    check_out_dir(root, out)?;
    let student = Student::read(root)?;
    let written = student
        .write(out)
        .map_err(|e| Error::new(format!("cannot write {}: {e}", out.display())))?;
    for note in &student.notes {
        say!("note: {note}");
    }
    say!(
        "{} Wrote the student repository to {} ({written} files): no solutions, none of the \
         course's own checks.",
        ui.tick(),
        out.display()
    );
    say!("next, to hand it out (the book's appendix \"For instructors\" has the details):");
    say!("  cd {}", out.display());
    say!("  cargo run                          # check that it builds and starts");
    say!("  git init -b main && git add -A && git commit -m \"Course template\"");
    say!("  push it to a new GitHub repository, mark it as a template, and make it a");
    say!("  GitHub Classroom assignment; set GRADER_REPO and GRADER_TOKEN for pristine grading");
    Ok(Outcome::Success)
}

/// `out` must be a folder that does not exist yet or is empty, and not inside the course
/// (where it would be copied into itself), except under `target/`.
fn check_out_dir(root: &Path, out: &Path) -> Result<()> {
    let shown = out.display();
    match fs::metadata(out) {
        Ok(meta) if !meta.is_dir() => {
            return Err(Error::new(format!(
                "{shown} is a file: give a folder that does not exist yet or is empty"
            )));
        }
        Ok(_) => {
            let mut entries =
                fs::read_dir(out).map_err(|e| Error::new(format!("cannot read {shown}: {e}")))?;
            if entries.next().is_some() {
                return Err(Error::new(format!(
                    "{shown} is not empty: give a folder that does not exist yet or is empty"
                )));
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::new(format!("cannot look at {shown}: {e}"))),
    }
    let absolute = |p: &Path| -> PathBuf {
        let p = if p.is_absolute() {
            p.to_path_buf()
        } else {
            std::env::current_dir().unwrap_or_default().join(p)
        };
        // Canonicalise the longest part that exists (`out` may not exist yet).
        let mut existing = p.as_path();
        let mut rest = Vec::new();
        while !existing.exists() {
            match (existing.parent(), existing.file_name()) {
                (Some(parent), Some(name)) => {
                    rest.push(name.to_owned());
                    existing = parent;
                }
                _ => break,
            }
        }
        let mut full = fs::canonicalize(existing).unwrap_or_else(|_| existing.to_path_buf());
        full.extend(rest.iter().rev());
        full
    };
    let (root, out) = (absolute(root), absolute(out));
    if out.starts_with(&root) && !out.starts_with(root.join("target")) {
        return Err(Error::new(format!(
            "{shown} is inside the course repository: give a folder outside it (or under target/)"
        )));
    }
    Ok(())
}

/// The student repository, read from the course root and ready to write.
struct Student {
    root: PathBuf,
    /// Relative paths (files or folders) to copy as they are.
    copy: Vec<PathBuf>,
    manifest: String,
    lockfile: Option<String>,
    readme: String,
    /// Things the instructor should know (an exercise whose src/ was not the stub).
    notes: Vec<String>,
}

impl Student {
    fn read(root: &Path) -> Result<Student> {
        let read = |rel: &str| {
            fs::read_to_string(root.join(rel))
                .map_err(|e| Error::new(format!("cannot read {rel}: {e}")))
        };
        let manifest = workspace_manifest(&read("Cargo.toml")?)
            .map_err(|e| Error::new(format!("cannot rewrite Cargo.toml for the students: {e}")))?;
        let removed = solution_packages(root)?;
        let lockfile = match fs::read_to_string(root.join("Cargo.lock")) {
            Ok(text) => Some(trim_lockfile(&text, &removed).map_err(|e| {
                Error::new(format!("cannot take the solutions out of Cargo.lock: {e}"))
            })?),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error::new(format!("cannot read Cargo.lock: {e}"))),
        };
        let readme = student_readme(&read("README.md")?)
            .map_err(|e| Error::new(format!("cannot write the student README: {e}")))?;
        let mut notes = Vec::new();
        for folder in exercise_folders(root)? {
            let pristine = root.join(super::reset::PRISTINE).join(&folder).join("src");
            if !pristine.is_dir() {
                return Err(Error::new(format!(
                    "exercises/{folder} has no shipped stub in {}/{folder}/src: the template \
                     takes each exercise's src/ from there",
                    super::reset::PRISTINE
                )));
            }
            let src = root.join("exercises").join(&folder).join("src");
            if !same_tree(&src, &pristine) {
                notes.push(format!(
                    "exercises/{folder}/src is not the stub as shipped: the template has the \
                     stub from {}/{folder}/src",
                    super::reset::PRISTINE
                ));
            }
        }
        let copy = SHIPPED
            .iter()
            .map(PathBuf::from)
            .filter(|rel| root.join(rel).exists())
            .collect();
        Ok(Student {
            root: root.to_path_buf(),
            copy,
            manifest,
            lockfile,
            readme,
            notes,
        })
    }

    /// Writes everything into `out` and returns how many files.
    fn write(&self, out: &Path) -> io::Result<usize> {
        fs::create_dir_all(out)?;
        let mut count = 0;
        for rel in &self.copy {
            if rel == Path::new("exercises") {
                count += self.copy_exercises(out)?;
            } else {
                count += copy_tree(&self.root.join(rel), &out.join(rel), &|_| true)?;
            }
        }
        let mut write = |rel: &str, text: &str, times_of: Option<&str>| -> io::Result<()> {
            let path = out.join(rel);
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent)?;
            }
            fs::write(&path, text)?;
            if let Some(original) = times_of {
                keep_time(&self.root.join(original), &path)?;
            }
            count += 1;
            Ok(())
        };
        write("Cargo.toml", &self.manifest, Some("Cargo.toml"))?;
        if let Some(lockfile) = &self.lockfile {
            write("Cargo.lock", lockfile, Some("Cargo.lock"))?;
        }
        write("README.md", &self.readme, None)?;
        write(WORKFLOW_PATH, WORKFLOW, None)?;
        Ok(count)
    }

    /// Each exercise folder without its `src/`, then `src/` from the shipped stub.
    fn copy_exercises(&self, out: &Path) -> io::Result<usize> {
        let mut count = 0;
        for folder in exercise_folders(&self.root).map_err(io::Error::other)? {
            let from = self.root.join("exercises").join(&folder);
            let to = out.join("exercises").join(&folder);
            count += copy_tree(&from, &to, &|rel| rel != Path::new("src"))?;
            let pristine = self
                .root
                .join(super::reset::PRISTINE)
                .join(&folder)
                .join("src");
            count += copy_tree(&pristine, &to.join("src"), &|_| true)?;
        }
        Ok(count)
    }
}

/// The folder names under `exercises/`.
fn exercise_folders(root: &Path) -> Result<Vec<String>> {
    let dir = root.join("exercises");
    let entries =
        fs::read_dir(&dir).map_err(|e| Error::new(format!("cannot read exercises/: {e}")))?;
    let mut folders = BTreeSet::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::new(format!("cannot read exercises/: {e}")))?;
        if entry.path().is_dir() {
            folders.insert(entry.file_name().to_string_lossy().into_owned());
        }
    }
    Ok(folders.into_iter().collect())
}

/// The package names of the crates under `solutions/`.
fn solution_packages(root: &Path) -> Result<HashSet<String>> {
    let mut names = HashSet::new();
    let Ok(entries) = fs::read_dir(root.join(SOLUTIONS)) else {
        return Ok(names);
    };
    for entry in entries.flatten() {
        let manifest = entry.path().join("Cargo.toml");
        let Ok(text) = fs::read_to_string(&manifest) else {
            continue;
        };
        let table: toml::Table = toml::from_str(&text)
            .map_err(|e| Error::new(format!("cannot read {}: {e}", manifest.display())))?;
        if let Some(name) = table
            .get("package")
            .and_then(|p| p.get("name"))
            .and_then(|n| n.as_str())
        {
            names.insert(name.to_owned());
        }
    }
    Ok(names)
}

/// Copies `from` (a file or a folder) to `to`, skipping [`NEVER`] folders and, in the
/// folder's first level, the entries `keep` refuses. Returns the number of files copied.
fn copy_tree(from: &Path, to: &Path, keep: &dyn Fn(&Path) -> bool) -> io::Result<usize> {
    if from.is_file() {
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::copy(from, to)?;
        keep_time(from, to)?;
        return Ok(1);
    }
    fs::create_dir_all(to)?;
    let mut count = 0;
    let mut entries: Vec<_> = fs::read_dir(from)?.collect::<io::Result<_>>()?;
    entries.sort_by_key(fs::DirEntry::file_name);
    for entry in entries {
        let name = entry.file_name();
        let path = entry.path();
        if !keep(Path::new(&name)) || (path.is_dir() && NEVER.iter().any(|n| name == *n)) {
            continue;
        }
        count += copy_tree(&path, &to.join(&name), &|_| true)?;
    }
    Ok(count)
}

/// Gives `to` the modification time of `from`, so cargo sees a copy as old as its source.
fn keep_time(from: &Path, to: &Path) -> io::Result<()> {
    let modified = fs::metadata(from)?.modified()?;
    fs::File::options()
        .write(true)
        .open(to)?
        .set_modified(modified)
}

/// Whether two folders hold the same files with the same contents.
fn same_tree(a: &Path, b: &Path) -> bool {
    fn files(dir: &Path, prefix: &Path, into: &mut Vec<(PathBuf, Vec<u8>)>) -> io::Result<()> {
        for entry in fs::read_dir(dir)? {
            let entry = entry?;
            let rel = prefix.join(entry.file_name());
            if entry.path().is_dir() {
                files(&entry.path(), &rel, into)?;
            } else {
                into.push((rel, fs::read(entry.path())?));
            }
        }
        Ok(())
    }
    let read = |dir: &Path| {
        let mut all = Vec::new();
        files(dir, Path::new(""), &mut all).ok()?;
        all.sort();
        Some(all)
    };
    matches!((read(a), read(b)), (Some(x), Some(y)) if x == y)
}

/// The workspace manifest without the `solutions/*` members: the arrays `members` and
/// `default-members` of `[workspace]` are rewritten on one line each without them, comment
/// lines that speak of the solutions go, and everything else stays as written. The result is
/// checked: parsed, it equals the original with those members taken out.
pub fn workspace_manifest(text: &str) -> Result<String, String> {
    let original: toml::Table = toml::from_str(text).map_err(|e| e.message().to_owned())?;
    let mut result = text.to_owned();
    for key in ["members", "default-members"] {
        result = rewrite_workspace_array(&result, key)?;
    }
    let result = without_comments_on_solutions(&result);

    let mut expected = original;
    if let Some(workspace) = expected
        .get_mut("workspace")
        .and_then(toml::Value::as_table_mut)
    {
        for key in ["members", "default-members"] {
            if let Some(members) = workspace.get_mut(key).and_then(toml::Value::as_array_mut) {
                members.retain(|m| !m.as_str().is_some_and(|m| m.starts_with(SOLUTIONS)));
            }
        }
    }
    let rewritten: toml::Table = toml::from_str(&result)
        .map_err(|e| format!("the rewritten manifest does not parse: {}", e.message()))?;
    if rewritten != expected {
        return Err(
            "the rewritten manifest differs from the original in more than the \
                    solutions' members"
                .to_owned(),
        );
    }
    if result.contains(SOLUTIONS) {
        return Err(format!(
            "it still mentions {SOLUTIONS} where the tool cannot take it out"
        ));
    }
    Ok(result)
}

/// `text` without the comment blocks (runs of `#` lines) that speak of the solutions.
fn without_comments_on_solutions(text: &str) -> String {
    let mut result = String::new();
    let mut block = String::new();
    let mut block_is_about_solutions = false;
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with('#') {
            block.push_str(line);
            block_is_about_solutions |= line.contains("solution");
            continue;
        }
        if !block_is_about_solutions {
            result.push_str(&block);
        }
        block.clear();
        block_is_about_solutions = false;
        result.push_str(line);
    }
    if !block_is_about_solutions {
        result.push_str(&block);
    }
    result
}

/// `key = [...]` in the `[workspace]` table of `text`, written again without the entries
/// under `solutions/`. Missing key: `text` as it is.
fn rewrite_workspace_array(text: &str, key: &str) -> Result<String, String> {
    let mut in_workspace = false;
    let mut offset = 0;
    let mut found = None;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            in_workspace = trimmed == "[workspace]";
        } else if in_workspace
            && let Some(rest) = trimmed.strip_prefix(key)
            && rest.trim_start().starts_with('=')
        {
            found = Some(offset);
            break;
        }
        offset += line.len();
    }
    let Some(start) = found else {
        return Ok(text.to_owned());
    };
    let open = text[start..]
        .find('[')
        .map(|i| start + i)
        .ok_or_else(|| format!("`{key}` in [workspace] is not an array"))?;
    let close = text[open..]
        .find(']')
        .map(|i| open + i)
        .ok_or_else(|| format!("`{key}` in [workspace] has no closing `]`"))?;
    let array: toml::Table = toml::from_str(&format!("a = {}", &text[open..=close]))
        .map_err(|e| format!("cannot read `{key}` in [workspace]: {}", e.message()))?;
    let kept: Vec<String> = array["a"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(toml::Value::as_str)
        .filter(|m| !m.starts_with(SOLUTIONS))
        .map(|m| format!("{m:?}"))
        .collect();
    Ok(format!(
        "{}{key} = [{}]{}",
        &text[..start],
        kept.join(", "),
        &text[close + 1..]
    ))
}

/// One `[[package]]` of `Cargo.lock`: what [`trim_lockfile`] needs of it.
struct Package {
    name: String,
    version: String,
    source: Option<String>,
    dependencies: Vec<String>,
}

impl Package {
    /// Reads one `[[package]]`; cargo writes other keys too (`checksum`), which are kept as
    /// written.
    fn read(table: Fields<'_, '_>) -> Result<Package, String> {
        Ok(Package {
            name: table.string("name")?,
            version: table.string("version")?,
            source: table.opt_string("source")?,
            dependencies: table.strings("dependencies")?,
        })
    }
}

/// `Cargo.lock` without the packages in `removed` and whatever only they depended on. The
/// rest is kept as cargo wrote it, so `cargo metadata --locked` accepts the copy.
pub fn trim_lockfile(text: &str, removed: &HashSet<String>) -> Result<String, String> {
    const MARK: &str = "[[package]]\n";
    let mut blocks = text.split(MARK);
    let head = blocks.next().unwrap_or_default();
    // A block runs until the next [[package]]; a trailing table ([metadata]) stays in the last.
    let blocks: Vec<&str> = blocks.collect();
    let document = Document::parse(text)?;
    let tables = document.root().tables("package")?;
    if tables.len() != blocks.len() {
        return Err(format!(
            "it has {} [[package]] tables, {} of them on a line `[[package]]` of their own",
            tables.len(),
            blocks.len()
        ));
    }
    let packages = tables
        .into_iter()
        .map(Package::read)
        .zip(blocks)
        .map(|(package, block)| Ok((package?, block)))
        .collect::<Result<Vec<_>, String>>()?;
    let matches = |package: &Package, dependency: &str| {
        let mut words = dependency.split(' ');
        words.next() == Some(package.name.as_str())
            && words
                .next()
                .is_none_or(|version| version == package.version)
    };
    let mut keep: Vec<bool> = packages
        .iter()
        .map(|(p, _)| p.source.is_none() && !removed.contains(&p.name))
        .collect();
    let mut todo: Vec<usize> = (0..packages.len()).filter(|&i| keep[i]).collect();
    while let Some(i) = todo.pop() {
        for dependency in &packages[i].0.dependencies {
            for (j, (package, _)) in packages.iter().enumerate() {
                if !keep[j] && matches(package, dependency) {
                    keep[j] = true;
                    todo.push(j);
                }
            }
        }
    }
    let mut result = head.to_owned();
    for ((_, block), kept) in packages.iter().zip(&keep) {
        if *kept {
            result.push_str(MARK);
            result.push_str(block);
        }
    }
    // The last block kept may not be the file's last: keep exactly one newline at the end.
    let result = format!("{}\n", result.trim_end());
    Ok(result)
}

/// The student README: the course README's introduction and its "Doing an exercise"
/// section, put into `templates/student/README.md`.
pub fn student_readme(readme: &str) -> Result<String, String> {
    let section = |from: &str, to: &str| -> Result<&str, String> {
        let start = if from.is_empty() {
            0
        } else {
            readme
                .find(from)
                .ok_or_else(|| format!("README.md has no `{}` heading", from.trim()))?
        };
        let end = readme[start..]
            .find(to)
            .map(|i| start + i)
            .ok_or_else(|| format!("README.md has no `{}` heading", to.trim()))?;
        Ok(&readme[start..end])
    };
    let intro = section("", "\n## Two commands")?;
    let doing = section("\n## Doing an exercise", "\n## For maintainers")?;
    Ok(README_TEMPLATE
        .replace("{{intro}}", intro.trim_end())
        .replace("{{doing-an-exercise}}", doing.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = r#"[package]
name = "course"

[workspace]
resolver = "3"
members = [".", "crates/*", "exercises/*", "solutions/*"]
# Plain `cargo test` at the root tests the tool, the support crates and the solutions,
# never the learner's stubs.
default-members = [
    ".",
    "crates/*",   # the support crates
    "solutions/*",
]

[workspace.dependencies]
members = { path = "solutions/not-a-member" }
"#;

    #[test]
    fn the_manifest_loses_the_solutions_and_nothing_else() {
        // The `members` of [workspace.dependencies] is not the workspace's: the check that
        // nothing else changed refuses to let it through with a solutions path.
        assert!(workspace_manifest(MANIFEST).is_err());
        let manifest = MANIFEST.replace("solutions/not-a-member", "crates/members");
        let rewritten = workspace_manifest(&manifest).unwrap();
        assert!(rewritten.contains(r#"members = [".", "crates/*", "exercises/*"]"#));
        assert!(rewritten.contains(r#"default-members = [".", "crates/*"]"#));
        assert!(!rewritten.contains("solution"), "{rewritten}");
        assert!(rewritten.contains(r#"members = { path = "crates/members" }"#));
        assert!(rewritten.starts_with("[package]\nname = \"course\"\n"));
        assert!(
            !rewritten.contains("never the learner's stubs"),
            "{rewritten}"
        );
    }

    #[test]
    fn a_manifest_without_solutions_stays_as_it_is() {
        let manifest = "[workspace]\nmembers = [\"a\"]\n";
        assert_eq!(workspace_manifest(manifest).unwrap(), manifest);
    }

    #[test]
    fn the_lockfile_loses_the_solutions_and_what_only_they_used() {
        let lock = "# generated\nversion = 4\n\n\
            [[package]]\nname = \"course\"\nversion = \"0.1.0\"\ndependencies = [\n \"shared\",\n]\n\n\
            [[package]]\nname = \"only-theirs\"\nversion = \"1.0.0\"\nsource = \"registry+x\"\n\n\
            [[package]]\nname = \"shared\"\nversion = \"2.0.0\"\nsource = \"registry+x\"\n\n\
            [[package]]\nname = \"solution-04\"\nversion = \"0.1.0\"\ndependencies = [\n \"only-theirs 1.0.0\",\n \"shared\",\n]\n";
        let removed = HashSet::from(["solution-04".to_owned()]);
        let trimmed = trim_lockfile(lock, &removed).unwrap();
        assert!(trimmed.starts_with("# generated\nversion = 4\n\n[[package]]\nname = \"course\""));
        assert!(trimmed.contains("name = \"shared\""));
        assert!(!trimmed.contains("only-theirs"), "{trimmed}");
        assert!(!trimmed.contains("solution-04"), "{trimmed}");
        assert!(
            trimmed.ends_with("source = \"registry+x\"\n"),
            "{trimmed:?}"
        );
        assert_eq!(trim_lockfile(lock, &HashSet::new()).unwrap(), lock);
    }

    #[test]
    fn the_student_readme_takes_its_sections_from_the_course_readme() {
        let readme = "# Course\n\nIntro.\n\n## Two commands\n\nx\n\n## Doing an exercise\n\n\
                      Do it.\n\n### How loom runs\n\nLike this.\n\n## For maintainers\n\nNo.\n";
        let student = student_readme(readme).unwrap();
        assert!(
            student.starts_with("# Course\n\nIntro.\n\n## Start here"),
            "{student}"
        );
        assert!(student.contains("## Doing an exercise\n\nDo it.\n\n### How loom runs\n\nLike this.\n\n## How your work is graded"));
        assert!(!student.contains("For maintainers"));
        assert!(!student.contains("{{"));
        assert!(student_readme("# Course\n").is_err());
    }
}
