//! Small TOML files under `target/course/`: what the tool remembers between runs. A missing
//! or corrupt file reads as empty and is rewritten; nothing in them is precious.

use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;

/// `target/course` under `root`.
pub fn state_dir(root: &Path) -> PathBuf {
    root.join("target").join("course")
}

/// Reads `file`, or the default when it is missing or unreadable.
pub fn load<T: DeserializeOwned + Default>(file: &Path) -> T {
    fs::read_to_string(file)
        .ok()
        .and_then(|text| toml::from_str(&text).ok())
        .unwrap_or_default()
}

/// Writes `value` to `file`, creating the directory.
pub fn save<T: Serialize>(file: &Path, header: &str, value: &T) -> Result<(), String> {
    let text =
        toml::to_string(value).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    if let Some(dir) = file.parent() {
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    fs::write(file, format!("{header}\n{text}"))
        .map_err(|e| format!("cannot write {}: {e}", file.display()))
}
