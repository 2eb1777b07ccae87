//! `reset NN [--yes]`: put an exercise's `src/` back as the course shipped it.
//!
//! The shipped stub comes from `.course/pristine/<exercise folder>/src/`, a plain copy kept
//! in the repository (a maintainer check in `tests/course_layout.rs` keeps it equal to the
//! exercise's `src/`). Not from git: a ZIP download has no history, and a learner who
//! commits their work would get their own version back. The learner's version is copied to
//! `saved/<exercise folder>-<UTC time>/` first, outside `target/` so that `cargo clean`
//! cannot take it.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use super::Outcome;
use crate::course::{Course, Exercise};
use crate::error::{Error, Result};
use crate::say;
use crate::ui::Ui;

/// Where the shipped stubs are kept, relative to the root.
pub const PRISTINE: &str = ".course/pristine";

/// Where learners' versions are kept aside, relative to the root.
pub const SAVED: &str = "saved";

/// `.course/pristine/<folder>/src`: the exercise's `src/` as shipped.
pub fn pristine_src(root: &Path, ex: &Exercise) -> PathBuf {
    root.join(PRISTINE).join(ex.folder()).join("src")
}

pub fn run(ui: &Ui, course: &Course, arg: &str, yes: bool) -> Result<Outcome> {
    let root = &course.root;
    let ex = course.find(arg)?;
    let id = ex.id();
    if !ex.exercise_dir(root).is_dir() {
        return Err(Error::new(format!(
            "exercise {id} is not in this repository yet: {} is missing",
            ex.exercise_rel()
        )));
    }
    let pristine = pristine_src(root, ex);
    if !pristine.is_dir() {
        return Err(Error::new(format!(
            "exercise {id} cannot be reset: its shipped copy {PRISTINE}/{}/src is missing",
            ex.folder()
        )));
    }
    let src = ex.exercise_dir(root).join("src");
    let src_rel = format!("{}/src", ex.exercise_rel());
    let io_error = |what: String| move |e: io::Error| Error::new(format!("{what}: {e}"));
    let shipped = read_tree(&pristine).map_err(io_error(format!("cannot read {PRISTINE}")))?;
    let yours = if src.is_dir() {
        Some(read_tree(&src).map_err(io_error(format!("cannot read {src_rel}")))?)
    } else {
        None
    };
    if yours.as_ref() == Some(&shipped) {
        say!("{src_rel}/ is already as shipped: nothing to reset.");
        return Ok(Outcome::Success);
    }

    if !yes {
        if !io::stdin().is_terminal() {
            return Err(Error::new(format!(
                "`reset` asks before it replaces your code, and there is no terminal to ask \
                 on: run `cargo run -- reset {id} --yes` (your version is kept in {SAVED}/ either way)"
            )));
        }
        print!("Put {src_rel}/ back as shipped? Your version will be kept in {SAVED}/. [y/N] ");
        let _ = io::stdout().flush();
        let mut answer = String::new();
        io::stdin()
            .lock()
            .read_line(&mut answer)
            .map_err(io_error("cannot read your answer".to_owned()))?;
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "Yes" | "YES") {
            say!("Nothing changed.");
            return Ok(Outcome::Success);
        }
    }

    let saved = match &yours {
        Some(files) => Some(save_aside(root, ex, files)?),
        None => None,
    };
    if src.is_dir() {
        fs::remove_dir_all(&src).map_err(io_error(format!("cannot empty {src_rel}")))?;
    }
    write_tree(&src, &shipped).map_err(io_error(format!("cannot write {src_rel}")))?;

    say!("{} {src_rel}/ is back as shipped.", ui.tick());
    if let Some(saved) = saved {
        say!("Your version is kept in {saved}/ (copy back what you need from there).");
    }
    say!("next: cargo run -- check {id}");
    Ok(Outcome::Success)
}

/// Copies `files` to a new `saved/<folder>-<UTC time>/` and returns that folder, relative to
/// the root. The copy is read back and compared before anything is removed.
fn save_aside(root: &Path, ex: &Exercise, files: &BTreeMap<PathBuf, Vec<u8>>) -> Result<String> {
    let parent = root.join(SAVED);
    fs::create_dir_all(&parent)
        .map_err(|e| Error::new(format!("cannot create {SAVED}/ to keep your version: {e}")))?;
    let stamp = utc_stamp(SystemTime::now());
    let mut n = 1;
    let (rel, dir) = loop {
        let name = if n == 1 {
            format!("{}-{stamp}", ex.folder())
        } else {
            format!("{}-{stamp}-{n}", ex.folder())
        };
        let dir = parent.join(&name);
        match fs::create_dir(&dir) {
            Ok(()) => break (format!("{SAVED}/{name}"), dir),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && n < 100 => n += 1,
            Err(e) => {
                return Err(Error::new(format!(
                    "cannot create {SAVED}/{name} to keep your version: {e}"
                )));
            }
        }
    };
    let copied = write_tree(&dir, files).and_then(|()| read_tree(&dir));
    match copied {
        Ok(copy) if copy == *files => Ok(rel),
        Ok(_) => Err(Error::new(format!(
            "the copy of your version in {rel} differs from it: nothing was reset"
        ))),
        Err(e) => Err(Error::new(format!(
            "cannot keep your version in {rel}: {e} (nothing was reset)"
        ))),
    }
}

/// Every file under `dir`, by path relative to it, with its bytes.
fn read_tree(dir: &Path) -> io::Result<BTreeMap<PathBuf, Vec<u8>>> {
    fn walk(base: &Path, dir: &Path, into: &mut BTreeMap<PathBuf, Vec<u8>>) -> io::Result<()> {
        for entry in fs::read_dir(dir)? {
            let entry = entry?;
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                walk(base, &path, into)?;
            } else {
                let rel = path.strip_prefix(base).unwrap_or(&path).to_path_buf();
                into.insert(rel, fs::read(&path)?);
            }
        }
        Ok(())
    }
    let mut files = BTreeMap::new();
    walk(dir, dir, &mut files)?;
    Ok(files)
}

/// Writes `files` under `dir`, creating folders as needed.
fn write_tree(dir: &Path, files: &BTreeMap<PathBuf, Vec<u8>>) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    for (rel, bytes) in files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(&path, bytes)?;
    }
    Ok(())
}

/// Are the files under `a` and `b` the same (names and bytes)? For the maintainer check.
pub fn same_files(a: &Path, b: &Path) -> io::Result<bool> {
    Ok(read_tree(a)? == read_tree(b)?)
}

/// `20261130-235959`, UTC (no time zone database needed).
fn utc_stamp(time: SystemTime) -> String {
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let of_day = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}-{:02}{:02}{:02}",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn stamps_are_utc_calendar_times() {
        assert_eq!(utc_stamp(UNIX_EPOCH), "19700101-000000");
        // 2024-02-29 23:59:58 UTC, a leap day.
        let leap = UNIX_EPOCH + Duration::from_secs(1_709_251_198);
        assert_eq!(utc_stamp(leap), "20240229-235958");
        let later = UNIX_EPOCH + Duration::from_secs(1_798_761_600);
        assert_eq!(utc_stamp(later), "20270101-000000");
    }
}
