//! A learner's progress: whether an exercise was touched at all (its `todo!()`s), and the
//! results of its last test run, cached in `target/course/progress.toml` by slug together
//! with a hash of the exercise's files, so an unchanged exercise is not run again.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::course::{Course, Exercise};
use crate::state;
use crate::suite::SuiteRun;
use crate::toml_read::Fields;

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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// [`hash_exercise`] of the files that were tested.
    pub hash: String,
    pub passed: usize,
    pub total: usize,
    /// Why the counts do not tell the whole story: "does not compile", "timed out".
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

    /// Reads an entry's table: `hash`, `passed`, `total` and perhaps `note`.
    fn read(table: Fields<'_, '_>) -> Result<Entry, String> {
        Ok(Entry {
            hash: table.string("hash")?,
            passed: table.number("passed")?,
            total: table.number("total")?,
            note: table.opt_string("note")?,
        })
    }

    /// The table [`Entry::read`] reads back.
    fn to_table(&self) -> toml::Table {
        let mut table = toml::Table::new();
        table.insert("hash".into(), toml::Value::String(self.hash.clone()));
        table.insert("passed".into(), state::integer(self.passed));
        table.insert("total".into(), state::integer(self.total));
        if let Some(note) = &self.note {
            table.insert("note".into(), toml::Value::String(note.clone()));
        }
        table
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
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cache {
    pub exercise: BTreeMap<String, Entry>,
}

impl Cache {
    pub fn file(root: &Path) -> PathBuf {
        state::state_dir(root).join("progress.toml")
    }

    /// Reads the cache; a missing or corrupt file gives an empty one.
    pub fn load(root: &Path) -> Cache {
        state::load(&Self::file(root), Self::read)
    }

    pub fn save(&self, root: &Path) -> Result<(), String> {
        state::save(
            &Self::file(root),
            "# Test results of each exercise, reused while its files keep this hash.\n\
             # Delete this file to make `cargo run` test everything again.",
            &self.to_table(),
        )
    }

    /// The cache from the file's table: `[exercise.SLUG]` tables.
    fn read(file: Fields<'_, '_>) -> Result<Cache, String> {
        let mut exercise = BTreeMap::new();
        if let Some(table) = file.table("exercise")? {
            for slug in table.keys() {
                if let Some(entry) = table.table(slug)? {
                    exercise.insert(slug.to_owned(), Entry::read(entry)?);
                }
            }
        }
        Ok(Cache { exercise })
    }

    /// The table [`Cache::read`] reads back.
    fn to_table(&self) -> toml::Table {
        let entries: toml::Table = self
            .exercise
            .iter()
            .map(|(slug, entry)| (slug.clone(), toml::Value::Table(entry.to_table())))
            .collect();
        toml::Table::from_iter([("exercise".to_owned(), toml::Value::Table(entries))])
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

/// Has the learner not yet begun `ex`? That is: its `src/`, where the learner writes,
/// still holds every `todo!(` the stub ships with (`todos` in course.toml, which a
/// maintainer test keeps equal to the stub). Counting the `todo!(`s rather than comparing
/// text lets a maintainer reword a stub's comments, and the learner add a helper file,
/// without either one confusing the dashboard. No git is asked, so a ZIP download works.
/// `None` when it cannot tell (no `todos` recorded, `src/` unreadable).
pub fn untouched(root: &Path, ex: &Exercise) -> Option<bool> {
    let shipped = ex.todos?;
    let now = count_todos(&ex.exercise_dir(root).join("src")).ok()?;
    Some(shipped > 0 && now >= shipped)
}

/// What is known of `ex` without running its suite: missing, not started, or the cached
/// result of its current files; `None` when it must be run (changed since the last run).
/// The hash of the files, when they could be read, comes with it.
pub fn known_status(root: &Path, ex: &Exercise, cache: &Cache) -> (Option<Status>, Option<String>) {
    let dir = ex.exercise_dir(root);
    if !dir.is_dir() {
        return (Some(Status::Missing), None);
    }
    if untouched(root, ex) == Some(true) {
        return (Some(Status::NotStarted), None);
    }
    let hash = hash_exercise(&dir).ok();
    let status = hash
        .as_deref()
        .and_then(|h| cache.fresh(&ex.slug, h))
        .map(Entry::status);
    (status, hash)
}

/// The first exercise in course order that is in the repository and not done, as far as
/// the cache knows (an exercise changed since its last run counts as not done).
pub fn first_not_done<'a>(root: &Path, course: &'a Course) -> Option<&'a Exercise> {
    let cache = Cache::load(root);
    course
        .exercises
        .iter()
        .find(|ex| match known_status(root, ex, &cache).0 {
            Some(status) => !status.is_done() && status != Status::Missing,
            None => true,
        })
}

const TODO: &str = "todo!(";

/// The `todo!(`s in every `.rs` file under `dir`.
pub fn count_todos(dir: &Path) -> io::Result<usize> {
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
        cache.exercise.insert(
            "atomics".into(),
            Entry {
                hash: "def".into(),
                passed: 0,
                total: 0,
                note: Some("does not compile".into()),
            },
        );
        let text = toml::to_string(&cache.to_table()).expect("serialize");
        let back = state::read_text(&text, Cache::read).expect("parse");
        assert_eq!(back, cache);
        assert!(back.fresh("spin-lock", "abc").is_some());
        assert!(back.fresh("spin-lock", "abd").is_none());
        assert!(back.fresh("atomics", "abc").is_none());
    }

    #[test]
    fn a_cache_written_by_earlier_versions_still_reads() {
        let text = "# Test results ...\n\n[exercise.spin-lock]\nhash = \"abc\"\npassed = 1\n\
                    total = 2\n\n[exercise.atomics]\nhash = \"def\"\npassed = 0\ntotal = 0\n\
                    note = \"does not compile\"\n";
        let cache = state::read_text(text, Cache::read).expect("parse");
        assert_eq!(cache.fresh("spin-lock", "abc").map(|e| e.total), Some(2));
        let atomics = cache.fresh("atomics", "def").map(|e| e.note.as_deref());
        assert_eq!(atomics, Some(Some("does not compile")));
        assert!(state::read_text("[exercise.x]\nhash = 1", Cache::read).is_err());
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

    #[test]
    fn an_exercise_is_untouched_while_its_src_keeps_every_shipped_todo_without_git() {
        let root = std::env::temp_dir().join(format!("course-todos-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        let mut ex = crate::course::parse(
            "[[exercise]]\nnumber = 4\nslug = \"spin-lock\"\ntitle = \"t\"\n\
             chapter = \"part-2/spin-locks.md\"\ntime_limit = 1\ntodos = 2\n",
        )
        .expect("valid")
        .remove(0);
        let src = ex.exercise_dir(&root).join("src");
        fs::create_dir_all(&src).expect("dir");
        assert!(!root.join(".git").exists(), "no repository here");
        let stub = "fn a() { todo!(\"a\") }\nfn b() { todo!(\"b\") }\n";
        fs::write(src.join("lib.rs"), stub).expect("write");
        assert_eq!(untouched(&root, &ex), Some(true));

        fs::write(src.join("lib.rs"), format!("// Reworded.\n{stub}")).expect("write");
        fs::write(src.join("helper.rs"), "fn helper() {}").expect("write");
        assert_eq!(untouched(&root, &ex), Some(true), "a comment and a helper");

        fs::write(src.join("lib.rs"), "fn a() {}\nfn b() { todo!(\"b\") }\n").expect("write");
        assert_eq!(untouched(&root, &ex), Some(false), "one todo filled in");
        let cache = Cache::default();
        assert_eq!(
            known_status(&root, &ex, &cache).0,
            None,
            "started: needs a run"
        );

        fs::write(src.join("lib.rs"), stub).expect("write");
        assert_eq!(known_status(&root, &ex, &cache).0, Some(Status::NotStarted));
        ex.todos = None;
        assert_eq!(untouched(&root, &ex), None, "nothing recorded: cannot tell");
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn next_is_the_first_exercise_not_done_in_course_order() {
        let root = std::env::temp_dir().join(format!("course-next-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        let exercises = crate::course::parse(
            "[[exercise]]\nnumber = 3\nslug = \"atomics\"\ntitle = \"a\"\n\
             chapter = \"part-2/atomics.md\"\ntime_limit = 1\ntodos = 1\n\
             [[exercise]]\nnumber = 4\nslug = \"spin-lock\"\ntitle = \"b\"\n\
             chapter = \"part-2/spin-locks.md\"\ntime_limit = 1\ntodos = 1\n\
             [[exercise]]\nnumber = 5\nslug = \"ticket-lock\"\ntitle = \"c\"\n\
             chapter = \"part-2/ticket-locks.md\"\ntime_limit = 1\ntodos = 1\n",
        )
        .expect("valid");
        let course = Course {
            root: root.clone(),
            exercises,
        };
        let write = |i: usize, text: &str| {
            let src = course.exercises[i].exercise_dir(&root).join("src");
            fs::create_dir_all(&src).expect("dir");
            fs::write(src.join("lib.rs"), text).expect("write");
        };
        write(0, "fn a() {}");
        write(1, "fn b() {}");
        write(2, "fn c() { todo!() }");
        let next = |course: &Course| first_not_done(&root, course).map(|ex| ex.number);
        assert_eq!(next(&course), Some(3), "03 changed and never checked");

        // 03 and 04 pass (as cached); 05 is untouched.
        let mut cache = Cache::default();
        for ex in &course.exercises[..2] {
            let hash = hash_exercise(&ex.exercise_dir(&root)).expect("hash");
            let entry = Entry {
                hash,
                passed: 4,
                total: 4,
                note: None,
            };
            cache.exercise.insert(ex.slug.clone(), entry);
        }
        cache.save(&root).expect("save");
        assert_eq!(next(&course), Some(5), "not simply the one after 03");

        // The learner breaks 04 again: it is the next one, before 05.
        write(1, "fn b() { 1 }");
        assert_eq!(next(&course), Some(4));
        write(1, "fn b() {}");
        write(2, "fn c() {}");
        let mut done = cache.clone();
        let ex = &course.exercises[2];
        done.exercise.insert(
            ex.slug.clone(),
            Entry {
                hash: hash_exercise(&ex.exercise_dir(&root)).expect("hash"),
                passed: 1,
                total: 1,
                note: None,
            },
        );
        done.save(&root).expect("save");
        assert_eq!(next(&course), None, "every exercise done");
        let _ = fs::remove_dir_all(&root);
    }
}
