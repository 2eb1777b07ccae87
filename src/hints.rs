//! How many hints of each exercise were shown: `target/course/hints.toml`, keyed by slug.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::state;

/// The hint counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hints {
    #[serde(default)]
    shown: BTreeMap<String, usize>,
}

impl Hints {
    /// The file under `root`.
    pub fn file(root: &Path) -> PathBuf {
        state::state_dir(root).join("hints.toml")
    }

    /// Reads the counts (none when the file is missing or corrupt).
    pub fn load(root: &Path) -> Hints {
        state::load(&Self::file(root))
    }

    /// Writes the counts.
    pub fn save(&self, root: &Path) -> Result<(), String> {
        state::save(
            &Self::file(root),
            "# How many hints `cargo run -- hint NN` has shown, by exercise slug.",
            self,
        )
    }

    /// How many hints of `slug` were shown.
    pub fn shown(&self, slug: &str) -> usize {
        self.shown.get(slug).copied().unwrap_or(0)
    }

    /// Shows one more of `total` hints: returns the 1-based number of the hint to show now,
    /// or `None` when all were shown already.
    pub fn next(&mut self, slug: &str, total: usize) -> Option<usize> {
        let shown = self.shown(slug);
        if shown >= total {
            return None;
        }
        self.shown.insert(slug.to_owned(), shown + 1);
        Some(shown + 1)
    }

    /// Starts over for `slug`.
    pub fn reset(&mut self, slug: &str) {
        self.shown.remove(slug);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_come_one_at_a_time_then_stop() {
        let mut hints = Hints::default();
        assert_eq!(hints.next("spin-lock", 3), Some(1));
        assert_eq!(hints.next("spin-lock", 3), Some(2));
        assert_eq!(hints.next("atomics", 3), Some(1));
        assert_eq!(hints.next("spin-lock", 3), Some(3));
        assert_eq!(hints.next("spin-lock", 3), None);
        assert_eq!(hints.shown("spin-lock"), 3);
        hints.reset("spin-lock");
        assert_eq!(hints.next("spin-lock", 3), Some(1));
        assert_eq!(hints.next("none", 0), None);
    }

    #[test]
    fn the_counts_round_trip_through_toml() {
        let mut hints = Hints::default();
        hints.next("spin-lock", 3);
        let text = toml::to_string(&hints).expect("serialize");
        let back: Hints = toml::from_str(&text).expect("parse");
        assert_eq!(back, hints);
    }
}
