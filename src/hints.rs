//! How many hints of each exercise were shown: `target/course/hints.toml`, keyed by slug.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::state;
use crate::toml_read::Fields;

/// The hint counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hints {
    shown: BTreeMap<String, usize>,
}

impl Hints {
    /// The file under `root`.
    pub fn file(root: &Path) -> PathBuf {
        state::state_dir(root).join("hints.toml")
    }

    /// Reads the counts (none when the file is missing or corrupt).
    pub fn load(root: &Path) -> Hints {
        state::load(&Self::file(root), Self::read)
    }

    /// Writes the counts.
    pub fn save(&self, root: &Path) -> Result<(), String> {
        state::save(
            &Self::file(root),
            "# How many hints `cargo run -- hint NN` has shown, by exercise slug.",
            &self.to_table(),
        )
    }

    /// The counts from the file's table: `[shown]` with `slug = count`.
    fn read(file: Fields<'_, '_>) -> Result<Hints, String> {
        let mut shown = BTreeMap::new();
        if let Some(table) = file.table("shown")? {
            for slug in table.keys() {
                shown.insert(slug.to_owned(), table.number(slug)?);
            }
        }
        Ok(Hints { shown })
    }

    /// The table [`Hints::read`] reads back.
    fn to_table(&self) -> toml::Table {
        let shown: toml::Table = self
            .shown
            .iter()
            .map(|(slug, count)| (slug.clone(), state::integer(*count)))
            .collect();
        toml::Table::from_iter([("shown".to_owned(), toml::Value::Table(shown))])
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
        hints.next("atomics", 3);
        let text = toml::to_string(&hints.to_table()).expect("serialize");
        let back = state::read_text(&text, Hints::read).expect("parse");
        assert_eq!(back, hints);
    }

    #[test]
    fn a_file_written_by_earlier_versions_still_reads() {
        let text = "# How many hints ...\n[shown]\nspin-lock = 2\natomics = 1\n";
        let hints = state::read_text(text, Hints::read).expect("parse");
        assert_eq!((hints.shown("spin-lock"), hints.shown("atomics")), (2, 1));
        assert_eq!(state::read_text("", Hints::read), Ok(Hints::default()));
        assert!(state::read_text("[shown]\nx = \"two\"", Hints::read).is_err());
    }
}
