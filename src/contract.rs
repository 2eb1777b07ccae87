//! The contract of an exercise's graded suite (`tests/contracts/exercise-NN.toml`): every
//! promise the stub's docs make, with the tests that check it on real threads and under loom.
//! `verify` shows the coverage and fails on a promise with no test and no reason, or on a
//! test name that the suite does not have.

use std::collections::{BTreeSet, HashSet};
use std::fs;
use std::path::Path;

use crate::course::{self, Exercise};
use crate::toml_read::{Document, Fields};

/// The kinds of promise a stub's docs make; each one is a question to ask of every item.
pub const KINDS: &[&str] = &[
    "result",
    "blocking",
    "exclusion",
    "panic",
    "visibility",
    "fairness",
    "send-sync",
    "wrap-around",
    "thread-panic",
    "process-death",
    "progress",
];

/// One `[[promise]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Promise {
    pub id: String,
    /// The documented item: `SpinLock::lock`.
    pub item: String,
    pub kind: String,
    /// The promise, in a sentence.
    pub promise: String,
    /// Tests on real threads, as `target::name`.
    pub threads: Vec<String>,
    /// Loom models, as `target::name`.
    pub loom: Vec<String>,
    /// Why no real-thread test can check it.
    pub no_threads: Option<String>,
    /// Why no loom model can check it.
    pub no_loom: Option<String>,
}

impl Promise {
    const KEYS: &[&str] = &[
        "id",
        "item",
        "kind",
        "promise",
        "threads",
        "loom",
        "no_threads",
        "no_loom",
    ];

    /// Reads one `[[promise]]`; an unknown key is a typo.
    fn read(table: Fields<'_, '_>) -> Result<Promise, String> {
        table.only(Self::KEYS)?;
        Ok(Promise {
            id: table.string("id")?,
            item: table.string("item")?,
            kind: table.string("kind")?,
            promise: table.string("promise")?,
            threads: table.strings("threads")?,
            loom: table.strings("loom")?,
            no_threads: table.opt_string("no_threads")?,
            no_loom: table.opt_string("no_loom")?,
        })
    }
}

/// `tests/contracts/exercise-NN.toml`, relative to the root.
pub fn contract_rel(exercise: &Exercise) -> String {
    format!("tests/contracts/{}.toml", exercise.package())
}

/// Reads and checks a contract. Errors are one line.
pub fn parse(text: &str) -> Result<Vec<Promise>, String> {
    let document = Document::parse(text)?;
    let root = document.root();
    root.only(&["promise"])?;
    let promises: Vec<Promise> = root
        .tables("promise")?
        .into_iter()
        .map(Promise::read)
        .collect::<Result<_, _>>()?;
    let mut ids = HashSet::new();
    for promise in &promises {
        let id = &promise.id;
        if !course::is_kebab(id) {
            return Err(format!("promise id `{id}` must be kebab-case"));
        }
        if !ids.insert(id.as_str()) {
            return Err(format!("promise `{id}` is listed twice"));
        }
        if !KINDS.contains(&promise.kind.as_str()) {
            return Err(format!(
                "promise `{id}`: kind `{}` is not one of {}",
                promise.kind,
                KINDS.join(", ")
            ));
        }
        if promise.promise.trim().is_empty() || promise.item.trim().is_empty() {
            return Err(format!(
                "promise `{id}` needs an `item` and a `promise` text"
            ));
        }
        for (side, tests, reason, key) in [
            (
                "real threads",
                &promise.threads,
                &promise.no_threads,
                "no_threads",
            ),
            ("loom", &promise.loom, &promise.no_loom, "no_loom"),
        ] {
            match (tests.is_empty(), reason.as_deref().map(str::trim)) {
                (true, None | Some("")) => {
                    return Err(format!(
                        "promise `{id}` has no test on {side}: name one, or say why in `{key}`"
                    ));
                }
                (false, Some(_)) => {
                    return Err(format!(
                        "promise `{id}` names tests on {side} and also `{key}`: keep one"
                    ));
                }
                _ => {}
            }
        }
        if let Some(bad) = promise
            .threads
            .iter()
            .chain(&promise.loom)
            .find(|t| !t.contains("::"))
        {
            return Err(format!(
                "promise `{id}` names `{bad}`: write target::test, e.g. threads::dropping_the_guard_unlocks"
            ));
        }
    }
    if promises.is_empty() {
        return Err("the contract lists no [[promise]]".into());
    }
    Ok(promises)
}

/// Reads the contract of `exercise`.
pub fn load(root: &Path, exercise: &Exercise) -> Result<Vec<Promise>, String> {
    let rel = contract_rel(exercise);
    let text =
        fs::read_to_string(root.join(&rel)).map_err(|e| format!("cannot read {rel}: {e}"))?;
    parse(&text).map_err(|e| format!("{rel}: {e}"))
}

/// How far the contract is covered, given the ids of every test the suite has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    pub promises: usize,
    /// Promises with at least one real-thread test.
    pub on_threads: usize,
    /// Promises with at least one loom model.
    pub on_loom: usize,
    /// Test names in the contract that the suite does not have.
    pub unknown: Vec<String>,
    /// Tests of the suite that no promise names (`source_*` checks excepted).
    pub unclaimed: Vec<String>,
}

impl Coverage {
    /// One line for verify: "contract: 12 promises, 12 on real threads, 9 under loom (3 say
    /// why not)".
    pub fn summary(&self) -> String {
        let excused = self.promises - self.on_loom;
        let why = if excused > 0 {
            format!(" ({excused} say why not)")
        } else {
            String::new()
        };
        let unclaimed = if self.unclaimed.is_empty() {
            String::new()
        } else {
            format!("; {} tests serve no promise", self.unclaimed.len())
        };
        format!(
            "contract: {} promises, {} on real threads, {} under loom{why}{unclaimed}",
            self.promises, self.on_threads, self.on_loom
        )
    }
}

/// Measures `promises` against the suite's test ids (`target::name`).
pub fn coverage(promises: &[Promise], tests: &[String]) -> Coverage {
    let existing: BTreeSet<&str> = tests.iter().map(String::as_str).collect();
    let named: BTreeSet<&str> = promises
        .iter()
        .flat_map(|p| p.threads.iter().chain(&p.loom))
        .map(String::as_str)
        .collect();
    Coverage {
        promises: promises.len(),
        on_threads: promises.iter().filter(|p| !p.threads.is_empty()).count(),
        on_loom: promises.iter().filter(|p| !p.loom.is_empty()).count(),
        unknown: named
            .iter()
            .filter(|id| !existing.contains(*id))
            .map(|id| (*id).to_owned())
            .collect(),
        unclaimed: existing
            .iter()
            .filter(|id| !named.contains(*id) && !crate::verify::is_source_test(id))
            .map(|id| (*id).to_owned())
            .collect(),
    }
}

/// The test ids in the output of `cargo test ... -- --list`.
pub fn listed_tests(output: &str) -> Vec<String> {
    let mut target = String::from("tests");
    let mut ids = Vec::new();
    for line in output.lines() {
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix("Running ") {
            target = crate::libtest::target_name(rest);
        } else if let Some(name) = line.strip_suffix(": test") {
            ids.push(crate::libtest::test_id(&target, name));
        }
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[[promise]]
id = "lock-excludes"
item = "SpinLock::lock"
kind = "exclusion"
promise = "one guard at a time"
threads = ["threads::hammer"]
loom = ["under_loom::loom_two"]

[[promise]]
id = "guard-not-send"
item = "SpinGuard"
kind = "send-sync"
promise = "a guard stays on its thread"
threads = ["threads::guard_is_not_send"]
no_loom = "a compile-time property: there is nothing to interleave"
"#;

    #[test]
    fn contracts_are_read_and_checked() {
        let promises = parse(GOOD).expect("valid");
        assert_eq!(promises.len(), 2);

        let no_reason = GOOD.replace(
            "no_loom = \"a compile-time property: there is nothing to interleave\"\n",
            "",
        );
        assert!(
            parse(&no_reason).is_err_and(|e| e.contains("no test on loom")),
            "a side with neither tests nor a reason is a gap"
        );
        let both = GOOD.replace("no_loom =", "loom = [\"under_loom::x\"]\nno_loom =");
        assert!(parse(&both).is_err_and(|e| e.contains("keep one")));
        let kind = GOOD.replace("\"exclusion\"", "\"speed\"");
        assert!(parse(&kind).is_err_and(|e| e.contains("not one of")));
        let twice = GOOD.replace("guard-not-send", "lock-excludes");
        assert!(parse(&twice).is_err_and(|e| e.contains("listed twice")));
        let bare = GOOD.replace("threads::hammer", "hammer");
        assert!(parse(&bare).is_err_and(|e| e.contains("target::test")));
        assert!(parse("").is_err_and(|e| e.contains("no [[promise]]")));
        assert!(parse("[[promise]]\nid = 3").is_err());
    }

    #[test]
    fn coverage_counts_sides_and_finds_unknown_and_unclaimed_tests() {
        let promises = parse(GOOD).expect("valid");
        let tests: Vec<String> = [
            "threads::hammer",
            "threads::guard_is_not_send",
            "threads::extra",
            "under_loom::source_reaches_atomics_through_crate_sync",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        let cov = coverage(&promises, &tests);
        assert_eq!((cov.promises, cov.on_threads, cov.on_loom), (2, 2, 1));
        assert_eq!(cov.unknown, ["under_loom::loom_two"]);
        assert_eq!(cov.unclaimed, ["threads::extra"]);
        assert!(cov.summary().contains("1 say why not"), "{}", cov.summary());
    }

    #[test]
    fn test_lists_are_read_per_target() {
        let output = "\
     Running tests/threads.rs (target/debug/deps/threads-0123456789abcdef)
a_test: test
mod_x::b_test: test

2 tests, 0 benchmarks
     Running tests/under_loom.rs (target/debug/deps/under_loom-0123456789abcdef)
loom_c: test
";
        assert_eq!(
            listed_tests(output),
            [
                "threads::a_test",
                "threads::mod_x::b_test",
                "under_loom::loom_c"
            ]
        );
    }
}
