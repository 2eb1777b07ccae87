//! A learner's progress: whether an exercise was touched at all (asked of git), and the
//! results of its last test run, cached in `target/course/progress.toml` by slug together
//! with a hash of the exercise's files, so an unchanged exercise is not run again.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::{Deserialize, Serialize};

use crate::state;
use crate::suite::SuiteRun;

/// Where an exercise stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// The exercise is in course.toml but its folder is not in the repository.
    Missing,
    /// Every `todo!()` the stub shipped with is still there.
    NotStarted,
    /// Some tests fail; `note` says why nothing could be counted (does not compile, ...).
    InProgress {
        passed: usize,
        total: usize,
        note: Option<String>,
    },
    /// Every test passes.
    Done { total: usize },
}

impl Status {
    pub fn is_done(&self) -> bool {
        matches!(self, Status::Done { .. })
    }
}

/// The cached result of one exercise's last run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// [`hash_exercise`] of the files that were tested.
    pub hash: String,
    pub passed: usize,
    pub total: usize,
    /// Why the counts do not tell the whole story: "does not compile", "timed out".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Entry {
    /// The entry for a finished run of files hashed as `hash`.
    pub fn from_run(hash: String, run: &SuiteRun) -> Entry {
        match run {
            SuiteRun::BuildFailed { .. } => Entry {
                hash,
                passed: 0,
                total: 0,
                note: Some("does not compile".into()),
            },
            SuiteRun::Ran { report, ended, .. } => Entry {
                hash,
                passed: report.passed(),
                total: report.ran(),
                note: (*ended == crate::cargo::Ended::TimedOut).then(|| "timed out".to_owned()),
            },
        }
    }

    /// The status this result gives.
    pub fn status(&self) -> Status {
        if self.note.is_none() && self.total > 0 && self.passed == self.total {
            Status::Done { total: self.total }
        } else {
            Status::InProgress {
                passed: self.passed,
                total: self.total,
                note: self.note.clone(),
            }
        }
    }
}

/// The cache file: entries by slug.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cache {
    #[serde(default)]
    pub exercise: BTreeMap<String, Entry>,
}

impl Cache {
    pub fn file(root: &Path) -> PathBuf {
        state::state_dir(root).join("progress.toml")
    }

    /// Reads the cache; a missing or corrupt file gives an empty one.
    pub fn load(root: &Path) -> Cache {
        state::load(&Self::file(root))
    }

    pub fn save(&self, root: &Path) -> Result<(), String> {
        state::save(
            &Self::file(root),
            "# Test results of each exercise, reused while its files keep this hash.\n\
             # Delete this file to make `cargo run` test everything again.",
            self,
        )
    }

    /// The cached entry for `slug`, if it was made from files hashed as `hash`.
    pub fn fresh(&self, slug: &str, hash: &str) -> Option<&Entry> {
        self.exercise.get(slug).filter(|entry| entry.hash == hash)
    }
}

/// A hash of the exercise's `Cargo.toml`, `src/` and `tests/` (names and contents), stable
/// across runs and Rust versions (FNV-1a, 64 bits).
pub fn hash_exercise(dir: &Path) -> io::Result<String> {
    let mut files = Vec::new();
    for part in ["Cargo.toml", "src", "tests"] {
        collect(&dir.join(part), part.to_owned(), &mut files)?;
    }
    files.sort();
    let mut hash = Fnv::new();
    for (rel, path) in files {
        hash.write(rel.as_bytes());
        hash.write(&[0]);
        let content = fs::read(&path)?;
        hash.write(&(content.len() as u64).to_le_bytes());
        hash.write(&content);
    }
    Ok(format!("{:016x}", hash.0))
}

fn collect(path: &Path, rel: String, into: &mut Vec<(String, PathBuf)>) -> io::Result<()> {
    let Ok(meta) = fs::metadata(path) else {
        return Ok(());
    };
    if meta.is_dir() {
        for entry in fs::read_dir(path)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            collect(&entry.path(), format!("{rel}/{name}"), into)?;
        }
    } else {
        into.push((rel, path.to_path_buf()));
    }
    Ok(())
}

struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// Has the learner not yet begun the exercise in `rel` (relative to `root`)? That is: its
/// `src/`, where the learner writes, still holds every `todo!(` of the stub as the course
/// first shipped it (the commit that first added `src/`). Counting the `todo!(`s rather than
/// comparing text means a maintainer may reword a stub's comments later, and a learner may
/// commit work in progress, without either one confusing the dashboard.
/// `None` when git cannot tell (no git, no repository).
pub fn untouched(root: &Path, rel: &str) -> Option<bool> {
    let rel = format!("{}/src", rel.trim_end_matches('/'));
    let rel = rel.as_str();
    let commits = git(root, &["rev-list", "--reverse", "HEAD", "--", rel])?;
    if !commits.success {
        return None;
    }
    let Some(first) = commits.stdout.lines().next() else {
        // Never committed: someone is writing it right now.
        return Some(false);
    };
    let shipped = git(root, &["grep", "-c", "-F", TODO, first, "--", rel])?;
    let shipped: usize = match shipped.code {
        // Lines of `commit:path:count`.
        Some(0) => shipped
            .stdout
            .lines()
            .filter_map(|line| line.rsplit(':').next()?.trim().parse::<usize>().ok())
            .sum(),
        Some(1) => 0,
        _ => return None,
    };
    let now = count_todos(&root.join(rel)).ok()?;
    Some(shipped > 0 && now >= shipped)
}

const TODO: &str = "todo!(";

/// The `todo!(`s in every `.rs` file under `dir`.
fn count_todos(dir: &Path) -> io::Result<usize> {
    let mut total = 0;
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            total += count_todos(&path)?;
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            total += fs::read_to_string(&path)?.matches(TODO).count();
        }
    }
    Ok(total)
}

struct GitOutput {
    success: bool,
    code: Option<i32>,
    stdout: String,
}

fn git(root: &Path, args: &[&str]) -> Option<GitOutput> {
    let output = Command::new("git")
        .args(args)
        .current_dir(root)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    Some(GitOutput {
        success: output.status.success(),
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_from_entries() {
        let entry = |passed, total, note: Option<&str>| Entry {
            hash: "h".into(),
            passed,
            total,
            note: note.map(str::to_owned),
        };
        assert_eq!(entry(9, 9, None).status(), Status::Done { total: 9 });
        assert_eq!(
            entry(3, 9, None).status(),
            Status::InProgress {
                passed: 3,
                total: 9,
                note: None
            }
        );
        assert!(
            !entry(0, 0, None).status().is_done(),
            "no tests is not done"
        );
        assert!(!entry(9, 9, Some("timed out")).status().is_done());
    }

    #[test]
    fn the_cache_round_trips_and_checks_the_hash() {
        let mut cache = Cache::default();
        cache.exercise.insert(
            "spin-lock".into(),
            Entry {
                hash: "abc".into(),
                passed: 1,
                total: 2,
                note: None,
            },
        );
        let text = toml::to_string(&cache).expect("serialize");
        let back: Cache = toml::from_str(&text).expect("parse");
        assert_eq!(back, cache);
        assert!(back.fresh("spin-lock", "abc").is_some());
        assert!(back.fresh("spin-lock", "abd").is_none());
        assert!(back.fresh("atomics", "abc").is_none());
    }

    #[test]
    fn the_hash_follows_the_contents() {
        let dir = std::env::temp_dir().join(format!("course-hash-{}", std::process::id()));
        fs::create_dir_all(dir.join("src")).expect("dir");
        fs::write(dir.join("src/lib.rs"), "one").expect("write");
        let first = hash_exercise(&dir).expect("hash");
        assert_eq!(hash_exercise(&dir).expect("hash"), first, "stable");
        fs::write(dir.join("src/lib.rs"), "two").expect("write");
        let second = hash_exercise(&dir).expect("hash");
        assert_ne!(second, first);
        fs::write(dir.join("notes.txt"), "not part of the exercise").expect("write");
        assert_eq!(
            hash_exercise(&dir).expect("hash"),
            second,
            "only Cargo.toml, src/, tests/"
        );
        let _ = fs::remove_dir_all(&dir);
    }
}

#[cfg(test)]
mod git_tests {
    use super::*;

    fn git_in(dir: &Path, args: &[&str]) -> bool {
        Command::new("git")
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    #[test]
    fn an_exercise_is_untouched_while_its_src_keeps_every_todo() {
        let dir = std::env::temp_dir().join(format!("course-git-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("ex/src")).expect("dir");
        fs::create_dir_all(dir.join("ex/tests")).expect("dir");
        if !git_in(&dir, &["init", "-q"]) {
            eprintln!("no git here: skipped");
            return;
        }
        let stub = "fn a() { todo!(\"a\") }\nfn b() { todo!(\"b\") }\n";
        fs::write(dir.join("ex/src/lib.rs"), stub).expect("write");
        fs::write(dir.join("ex/tests/t.rs"), "test").expect("write");
        assert!(git_in(&dir, &["add", "."]) && git_in(&dir, &["commit", "-q", "-m", "one"]));
        assert_eq!(untouched(&dir, "ex"), Some(true));
        assert_eq!(untouched(&dir, "other"), Some(false), "never committed");

        // A maintainer rewords the stub and improves the tests later: still untouched.
        let reworded = format!("// Start here.\n{stub}");
        fs::write(dir.join("ex/src/lib.rs"), &reworded).expect("write");
        fs::write(dir.join("ex/tests/t.rs"), "better test").expect("write");
        assert!(git_in(&dir, &["commit", "-q", "-am", "two"]));
        assert_eq!(
            untouched(&dir, "ex"),
            Some(true),
            "reworded by a maintainer"
        );

        // The learner adds a helper file without filling anything in yet: not started.
        fs::write(dir.join("ex/src/helper.rs"), "fn helper() {}").expect("write");
        assert_eq!(
            untouched(&dir, "ex"),
            Some(true),
            "a helper, no todo replaced"
        );

        let work = "fn a() { 1 }\nfn b() { todo!(\"b\") }\n";
        fs::write(dir.join("ex/src/lib.rs"), work).expect("write");
        assert_eq!(untouched(&dir, "ex"), Some(false), "one todo filled in");
        assert!(git_in(&dir, &["add", "."]) && git_in(&dir, &["commit", "-q", "-m", "my work"]));
        assert_eq!(
            untouched(&dir, "ex"),
            Some(false),
            "filled in and committed"
        );
        let _ = fs::remove_dir_all(&dir);
    }
}
