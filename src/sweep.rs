//! The mutation sweep of a solution: cargo-mutants' mutants, plus the course's own mutants
//! that weaken one atomic ordering at a time (cargo-mutants does not touch orderings).
//! Survivors that are equivalent are listed with their reason in
//! `tests/mutants/exercise-NN.survivors.toml`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::course::Exercise;
use crate::mutants;
use crate::toml_read::{Document, Fields};

/// One generated mutant: a whole file with one ordering weakened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderingMutant {
    /// Stable across unrelated edits: `src/spin_lock.rs: Acquire -> Relaxed in `...``.
    pub name: String,
    /// The line number, for people.
    pub line: usize,
    /// The edited file, relative to the crate.
    pub file: PathBuf,
    pub text: String,
}

const ORDERINGS: &[&str] = &["SeqCst", "AcqRel", "Acquire", "Release"];

/// Every way to weaken one ordering in the `.rs` files under `crate_dir/src`: each
/// `Ordering::X` stronger than Relaxed becomes `Relaxed`, except in a `fence(...)`, which
/// is removed instead (a Relaxed fence panics). Comment lines are skipped.
pub fn ordering_mutants(crate_dir: &Path) -> Result<Vec<OrderingMutant>, String> {
    let mut files = BTreeMap::new();
    mutants::collect_files(&crate_dir.join("src"), Path::new("src"), &mut files)
        .map_err(|e| format!("cannot read {}/src: {e}", crate_dir.display()))?;
    let mut out = Vec::new();
    for (rel, content) in files {
        if rel.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = String::from_utf8_lossy(&content).into_owned();
        out.extend(weakenings(&rel, &text));
    }
    Ok(out)
}

fn weakenings(rel: &Path, text: &str) -> Vec<OrderingMutant> {
    let mut out = Vec::new();
    let mut offset = 0;
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let code = line.split("//").next().unwrap_or("");
        for ordering in ORDERINGS {
            let needle = format!("Ordering::{ordering}");
            for (at, _) in code.match_indices(&needle) {
                // `Ordering::Acquire` must not be the start of a longer name.
                let after = code[at + needle.len()..].chars().next();
                if after.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                let fence = code[..at].trim_end().ends_with("fence(");
                let (start, end, replacement, what) = if fence {
                    let mut open = code[..at].rfind("fence(").unwrap_or(at);
                    // The whole path goes with it: `atomic::fence(..)` must not leave
                    // `atomic::()` behind, which does not compile.
                    while open > 0 {
                        let before = code[..open].chars().next_back().unwrap_or(' ');
                        if !(before.is_alphanumeric() || before == '_' || before == ':') {
                            break;
                        }
                        open -= before.len_utf8();
                    }
                    let close = code[at..]
                        .find(')')
                        .map_or(at + needle.len(), |c| at + c + 1);
                    (
                        open,
                        close,
                        "()".to_owned(),
                        format!("fence({ordering}) removed"),
                    )
                } else {
                    (
                        at,
                        at + needle.len(),
                        "Ordering::Relaxed".to_owned(),
                        format!("{ordering} -> Relaxed"),
                    )
                };
                let mut mutated = String::with_capacity(text.len());
                mutated.push_str(&text[..offset + start]);
                mutated.push_str(&replacement);
                mutated.push_str(&text[offset + end..]);
                let base = format!("{}: {what} in `{}`", rel.display(), line.trim());
                let count = seen.entry(base.clone()).or_default();
                *count += 1;
                let name = if *count == 1 {
                    base
                } else {
                    format!("{base} (#{count})")
                };
                out.push(OrderingMutant {
                    name,
                    line: index + 1,
                    file: rel.to_path_buf(),
                    text: mutated,
                });
            }
        }
        offset += line.len();
    }
    out
}

/// Lays out an ordering mutant as a crate under `check_dir/sweep/exercise-NN/ordering-K`.
pub fn prepare(
    root: &Path,
    check_dir: &Path,
    exercise: &Exercise,
    index: usize,
    mutant: &OrderingMutant,
) -> Result<PathBuf, String> {
    let dir = check_dir
        .join("sweep")
        .join(exercise.package())
        .join(format!("ordering-{index}"));
    let mut overrides = BTreeMap::new();
    overrides.insert(mutant.file.clone(), mutant.text.clone().into_bytes());
    let package = format!("sweep-{}-ordering-{index}", exercise.id());
    mutants::prepare_variant(root, &dir, exercise, &package, &overrides)
}

/// One `[[survivor]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Survivor {
    /// `cargo-mutants` or `orderings`.
    pub source: String,
    /// The mutant's name as the sweep prints it (line and column numbers left out).
    pub mutant: String,
    /// Why no test can, or should, tell it from the solution.
    pub reason: String,
}

impl Survivor {
    /// Reads one `[[survivor]]`; an unknown key is a typo.
    fn read(table: Fields<'_, '_>) -> Result<Survivor, String> {
        table.only(&["source", "mutant", "reason"])?;
        Ok(Survivor {
            source: table.string("source")?,
            mutant: table.string("mutant")?,
            reason: table.string("reason")?,
        })
    }
}

/// `tests/mutants/exercise-NN.survivors.toml`, relative to the root.
pub fn survivors_rel(exercise: &Exercise) -> String {
    format!("tests/mutants/{}.survivors.toml", exercise.package())
}

/// Reads and checks a survivors file.
pub fn parse_survivors(text: &str) -> Result<Vec<Survivor>, String> {
    let document = Document::parse(text)?;
    let root = document.root();
    root.only(&["survivor"])?;
    let survivors: Vec<Survivor> = root
        .tables("survivor")?
        .into_iter()
        .map(Survivor::read)
        .collect::<Result<_, _>>()?;
    for survivor in &survivors {
        if !matches!(survivor.source.as_str(), "cargo-mutants" | "orderings") {
            return Err(format!(
                "survivor `{}`: source must be `cargo-mutants` or `orderings`, not `{}`",
                survivor.mutant, survivor.source
            ));
        }
        if survivor.reason.trim().len() < 20 {
            return Err(format!(
                "survivor `{}`: the reason must say why it is equivalent, in a sentence",
                survivor.mutant
            ));
        }
    }
    Ok(survivors)
}

/// The survivors listed for `exercise` (none when the file is missing).
pub fn load_survivors(root: &Path, exercise: &Exercise) -> Result<Vec<Survivor>, String> {
    let rel = survivors_rel(exercise);
    match fs::read_to_string(root.join(&rel)) {
        Ok(text) => parse_survivors(&text).map_err(|e| format!("{rel}: {e}")),
        Err(_) => Ok(Vec::new()),
    }
}

/// A cargo-mutants name without its `:line:col` (`src/a.rs:57:25: replace ...` gives
/// `src/a.rs: replace ...`), so that a listed survivor still matches after unrelated edits.
pub fn without_position(name: &str) -> String {
    let Some((file, rest)) = name.split_once(':') else {
        return name.to_owned();
    };
    let mut rest = rest;
    for _ in 0..2 {
        if let Some((number, after)) = rest.split_once(':')
            && !number.is_empty()
            && number.chars().all(|c| c.is_ascii_digit())
        {
            rest = after;
        }
    }
    format!("{file}:{rest}")
}

/// The names of the mutants cargo-mutants reported as missed, from its output folder
/// (`missed.txt`), without positions.
pub fn cargo_mutants_missed(out_dir: &Path) -> Result<Vec<String>, String> {
    let file = out_dir.join("mutants.out").join("missed.txt");
    let text =
        fs::read_to_string(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    Ok(text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(without_position)
        .collect())
}

/// Counts from cargo-mutants' output folder: (caught, missed, timeout, unviable).
pub fn cargo_mutants_counts(out_dir: &Path) -> Result<(usize, usize, usize, usize), String> {
    let count = |name: &str| -> Result<usize, String> {
        let file = out_dir.join("mutants.out").join(name);
        let text = fs::read_to_string(&file)
            .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        Ok(text.lines().filter(|l| !l.trim().is_empty()).count())
    };
    Ok((
        count("caught.txt")?,
        count("missed.txt")?,
        count("timeout.txt")?,
        count("unviable.txt")?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_ordering_is_weakened_once_and_fences_are_removed() {
        let text = "\
use crate::sync::atomic::{fence, Ordering};
fn f(a: &A) {
    // a.load(Ordering::SeqCst) in a comment is not code
    while a.swap(true, Ordering::Acquire) {}
    a.compare_exchange(0, 1, Ordering::AcqRel, Ordering::Acquire);
    fence(Ordering::Release);
    a.store(false, Ordering::Relaxed);
    atomic::fence(Ordering::SeqCst);
}
";
        let mutants = weakenings(Path::new("src/x.rs"), text);
        let names: Vec<&str> = mutants.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(mutants.len(), 5, "{names:#?}");
        assert!(
            mutants[0]
                .text
                .contains("while a.swap(true, Ordering::Relaxed) {}")
        );
        assert_eq!(mutants[0].line, 4);
        assert!(names.iter().any(|n| n.contains("AcqRel -> Relaxed")));
        let fence = mutants
            .iter()
            .find(|m| m.name.contains("fence(Release) removed"))
            .expect("the fence is removed");
        assert!(fence.text.contains("    ();\n"), "{}", fence.text);
        let by_path = mutants
            .iter()
            .find(|m| m.name.contains("fence(SeqCst) removed"))
            .expect("a fence named by its path is removed too");
        assert!(
            by_path.text.contains("    ();\n}") && !by_path.text.contains("atomic::()"),
            "{}",
            by_path.text
        );
        assert!(
            mutants
                .iter()
                .all(|m| m.text.contains("a.load(Ordering::SeqCst) in a comment"))
        );
    }

    #[test]
    fn positions_are_left_out_of_names() {
        assert_eq!(
            without_position("src/a.rs:57:25: replace < with <= in T::lock"),
            "src/a.rs: replace < with <= in T::lock"
        );
        assert_eq!(without_position("no position"), "no position");
    }

    #[test]
    fn survivors_need_a_source_and_a_reason() {
        let good = "[[survivor]]\nsource = \"orderings\"\nmutant = \"m\"\nreason = \"only a hint that no test can observe\"\n";
        assert_eq!(parse_survivors(good).map(|s| s.len()), Ok(1));
        assert!(parse_survivors(&good.replace("orderings", "guess")).is_err());
        assert!(
            parse_survivors(&good.replace("only a hint that no test can observe", "ok"))
                .is_err_and(|e| e.contains("in a sentence"))
        );
    }
}
