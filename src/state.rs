//! Small TOML files under `target/course/`: what the tool remembers between runs. A missing
//! or corrupt file reads as empty and is rewritten; nothing in them is precious.

use std::fs;
use std::path::{Path, PathBuf};

use crate::toml_read::{Document, Fields};

/// `target/course` under `root`.
pub fn state_dir(root: &Path) -> PathBuf {
    root.join("target").join("course")
}

/// Reads `file` with `read`, or the default when it is missing, unreadable or not what
/// `read` expects.
pub fn load<T: Default>(file: &Path, read: impl FnOnce(Fields<'_, '_>) -> Result<T, String>) -> T {
    fs::read_to_string(file)
        .ok()
        .and_then(|text| read_text(&text, read).ok())
        .unwrap_or_default()
}

/// Reads the text of a state file with `read`.
pub fn read_text<T>(
    text: &str,
    read: impl FnOnce(Fields<'_, '_>) -> Result<T, String>,
) -> Result<T, String> {
    read(Document::parse(text)?.root())
}

/// Writes `table` to `file` after the comment `header`, creating the directory.
pub fn save(file: &Path, header: &str, table: &toml::Table) -> Result<(), String> {
    let text =
        toml::to_string(table).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    if let Some(dir) = file.parent() {
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    fs::write(file, format!("{header}\n{text}"))
        .map_err(|e| format!("cannot write {}: {e}", file.display()))
}

/// A count as a TOML integer (counts of tests and hints are far below `i64::MAX`).
pub fn integer(n: usize) -> toml::Value {
    toml::Value::Integer(i64::try_from(n).unwrap_or(i64::MAX))
}
