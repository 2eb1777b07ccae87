//! What a test run means for the learner: which failures are a `todo!()` not written yet
//! and which are wrong answers, in what order to show them (the order of the exercise's
//! parts), whether the code bypasses `crate::sync` (which makes the loom results worthless),
//! and failure messages cut down to what the learner needs: no backtraces, no paths into the
//! harness or loom, one thread's panic instead of eight, and links to the built book.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::course::{Exercise, is_source_test};
use crate::libtest::{Outcome, Report, TestResult};

/// What one test's result says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Passed,
    /// It failed on the learner's answer.
    Failed,
    /// It failed because it reached a `todo!()`: not started, not wrong.
    NotWritten,
    Ignored,
}

/// The verdict on `test`, read from its outcome and its failure message.
pub fn verdict(report: &Report, test: &TestResult) -> Verdict {
    match test.outcome {
        Outcome::Passed => Verdict::Passed,
        Outcome::Ignored => Verdict::Ignored,
        Outcome::Failed => match report.messages.get(&test.id()) {
            Some(message) if is_todo(message) => Verdict::NotWritten,
            _ => Verdict::Failed,
        },
    }
}

/// Does a failure message come from a `todo!()` (or `unimplemented!()`) that the test
/// reached? Directly (`not yet implemented: ...`), through the loom harness (`not checked
/// yet: ...`) or wrapped by another panic message (`... panicked: not yet implemented`).
pub fn is_todo(message: &str) -> bool {
    message.lines().any(|line| {
        let line = line.trim_start();
        line.contains("not yet implemented")
            || line.starts_with("not checked yet:")
            || line.starts_with("not implemented")
    })
}

/// The `not yet implemented: ...` line of a message, if there is one.
pub fn todo_line(message: &str) -> Option<&str> {
    message
        .lines()
        .map(str::trim)
        .find(|line| line.contains("not yet implemented") || line.starts_with("not implemented"))
}

/// A test with what it means, in the order to show it.
#[derive(Debug, Clone)]
pub struct Seen<'a> {
    pub test: &'a TestResult,
    pub verdict: Verdict,
    /// Index of the part it belongs to (`None`: no part, or the exercise has none).
    pub part: Option<usize>,
    /// Where it sorts: part, fragment within the part, target, name.
    key: (usize, usize, usize, String),
}

/// Every test of `report` with its verdict, in course order: source checks first, then by
/// part (in the order of course.toml), by the fragment that matched, by target, by name.
pub fn in_course_order<'a>(ex: &Exercise, report: &'a Report) -> Vec<Seen<'a>> {
    let targets: Vec<&str> = report.targets.iter().map(|t| t.name.as_str()).collect();
    let mut seen: Vec<Seen<'a>> = report
        .tests
        .iter()
        .map(|test| {
            let part = ex.part_index(&test.name);
            let fragment = part
                .and_then(|p| {
                    ex.parts[p]
                        .tests
                        .iter()
                        .position(|f| test.name.contains(f.as_str()))
                })
                .unwrap_or(0);
            let rank = if is_source_test(&test.name) {
                0
            } else {
                part.map_or(ex.parts.len() + 1, |p| p + 1)
            };
            let target = targets
                .iter()
                .position(|t| *t == test.target)
                .unwrap_or(targets.len());
            Seen {
                test,
                verdict: verdict(report, test),
                part,
                key: (rank, fragment, target, test.name.clone()),
            }
        })
        .collect();
    seen.sort_by(|a, b| a.key.cmp(&b.key));
    seen
}

/// A failed `source_*` test: the code takes something from std that must come through
/// `crate::sync`, so loom never saw it.
pub fn bypass<'a>(seen: &[Seen<'a>]) -> Option<&'a TestResult> {
    seen.iter()
        .find(|s| is_source_test(&s.test.name) && s.verdict == Verdict::Failed)
        .map(|s| s.test)
}

/// Is `test` a loom model? In the loom target (`under_loom`), in its module of the one
/// graded binary (`under_loom::...`), or named `loom_...`.
pub fn is_loom(test: &TestResult) -> bool {
    test.target.contains("loom")
        || test
            .name
            .split("::")
            .any(|segment| segment.contains("loom"))
}

/// Tests whose results mean nothing while `bypass` fails: the loom models of its target.
pub fn untrustworthy(bypass: Option<&TestResult>, test: &TestResult) -> bool {
    bypass.is_some_and(|b| b.target == test.target && !is_source_test(&test.name)) && is_loom(test)
}

/// The failure to show first: a bypass of `crate::sync`, else the first real failure in
/// course order; `None` when nothing failed for real (only `todo!()`s or nothing at all).
pub fn first_failure<'a>(seen: &[Seen<'a>]) -> Option<&'a TestResult> {
    bypass(seen).or_else(|| {
        seen.iter()
            .find(|s| s.verdict == Verdict::Failed)
            .map(|s| s.test)
    })
}

/// The first test, in course order, that stopped at a `todo!()`: what to write next.
pub fn first_not_written<'a>(seen: &[Seen<'a>]) -> Option<&'a TestResult> {
    seen.iter()
        .find(|s| s.verdict == Verdict::NotWritten)
        .map(|s| s.test)
}

/// A failure message as the learner should read it: without backtraces, with paths
/// relative to the repository, without locations inside the harness, loom or std, and with
/// one thread's panic standing for the others.
pub fn readable_message(message: &str, root: &Path) -> String {
    let root = format!("{}/", root.display());
    let mut lines = Vec::new();
    let mut in_backtrace = false;
    for line in message.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("stack backtrace:") {
            in_backtrace = true;
            continue;
        }
        if in_backtrace {
            let frame = trimmed.starts_with("at ")
                || trimmed
                    .split_once(':')
                    .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
            if frame {
                continue;
            }
            in_backtrace = false;
        }
        if trimmed.starts_with("note: run with `RUST_BACKTRACE=1`")
            || trimmed.starts_with("note: Some details are omitted")
        {
            continue;
        }
        let line = line.replace(&root, "");
        if let Some(kept) = without_internal_paths(&line) {
            lines.push(kept);
        }
    }
    // Blank lines left where removed ones were: at most one in a row.
    lines.dedup_by(|next, kept| next.trim().is_empty() && kept.trim().is_empty());
    let text = lines.join("\n");
    one_thread(text.trim()).trim().to_owned()
}

/// Path pieces that point into code the learner did not write and need not read.
const INTERNAL: &[(&str, &str)] = &[
    ("crates/loom-harness/", "the loom harness"),
    ("crates/sync-shim/", "the sync shim"),
    ("crates/deadline/", "the deadline helper"),
    ("/.cargo/registry/", "a library"),
    ("/.cargo/git/", "a library"),
    ("/rustc/", "the standard library"),
    ("/rustlib/", "the standard library"),
];

/// `line` with locations inside the harness, loom or std shortened; `None` when the line
/// is nothing but such a location (`  at ~/.cargo/registry/.../loom/src/rt/mod.rs:12:5`).
fn without_internal_paths(line: &str) -> Option<String> {
    let Some((marker, what)) = INTERNAL.iter().find(|(marker, _)| line.contains(marker)) else {
        return Some(line.to_owned());
    };
    let at = line.find(marker).unwrap_or(0);
    // The path starts after the last space (or quote, or parenthesis) before the marker.
    let start = line[..at]
        .rfind([' ', '`', '\'', '(', '"'])
        .map_or(0, |i| i + 1);
    let end = line[at..]
        .find([' ', '`', '\'', ')', '"'])
        .map_or(line.len(), |i| at + i);
    let before = line[..start].trim_end();
    let after = line[end..].trim_start_matches(':');
    let bare = before.trim().trim_end_matches("at").trim().is_empty() && after.trim().is_empty();
    if bare {
        return None;
    }
    // `thread 'x' panicked at crates/loom-harness/src/lib.rs:70:9:` says only who panicked;
    // `What loom reported at ~/.cargo/registry/.../location.rs:115:` only what follows.
    if before.ends_with(" at") && after.trim().is_empty() {
        return Some(format!("{}:", before.trim_end_matches(" at")));
    }
    Some(format!("{before} ({what}){after}"))
}

/// Is `line` the first line of a panic report: `thread 'NAME' (ID) panicked at PLACE:`?
fn panic_header(line: &str) -> bool {
    line.starts_with("thread '") && line.contains(" panicked")
}

/// One thread's panic instead of several: when a stress test's threads all fail, the
/// output holds one `thread '...' panicked at` block per thread. Keeps what comes before
/// the first block and the first block, and says how many more there were.
pub fn one_thread(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let starts: Vec<usize> = (0..lines.len())
        .filter(|&i| panic_header(lines[i]))
        .collect();
    if starts.len() < 2 {
        return text.to_owned();
    }
    let block = |k: usize| -> Vec<&str> {
        let end = starts.get(k + 1).copied().unwrap_or(lines.len());
        lines[starts[k]..end].to_vec()
    };
    // The same way: the same text after the header (the thread names differ).
    let body = |k: usize| -> String {
        block(k)[1..]
            .iter()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let first = body(0);
    let more = starts.len() - 1;
    let same = (1..starts.len()).filter(|&k| body(k) == first).count();
    let mut kept: Vec<String> = lines[..starts[0]].iter().map(|l| (*l).to_owned()).collect();
    kept.extend(block(0).iter().map(|l| (*l).to_owned()));
    while kept.last().is_some_and(|l| l.trim().is_empty()) {
        kept.pop();
    }
    let threads = |n: usize| if n == 1 { "thread" } else { "threads" };
    kept.push(if same == more {
        format!("... and {more} more {} failed the same way", threads(more))
    } else if same == 0 {
        format!(
            "... and {more} more {} panicked, each its own way",
            threads(more)
        )
    } else {
        format!(
            "... and {more} more {} panicked ({same} the same way)",
            threads(more)
        )
    });
    kept.join("\n")
}

/// A reference to a book page in a message: `book/src/part-2/atomics.md#anchor` or
/// `atomics.md#anchor`, as the stubs and the suites write them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct BookRef {
    /// The page relative to `book/src`: `part-2/atomics.md`.
    pub page: String,
    pub anchor: String,
}

/// The book references in `text`, each once, in order of appearance, resolved against
/// `book/src` of `root` (a bare `atomics.md` is looked up, in the exercise's own part first).
pub fn book_refs(text: &str, root: &Path, ex: &Exercise) -> Vec<BookRef> {
    let src = root.join("book").join("src");
    let mut found = Vec::new();
    let mut seen = BTreeSet::new();
    let is_path_char = |c: char| c.is_ascii_alphanumeric() || "-_./".contains(c);
    for (at, _) in text.match_indices(".md#") {
        let start = text[..at]
            .rfind(|c: char| !is_path_char(c))
            .map_or(0, |i| i + 1);
        let anchor_start = at + ".md#".len();
        let anchor_end = text[anchor_start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .map_or(text.len(), |i| anchor_start + i);
        let path = &text[start..at + ".md".len()];
        let anchor = &text[anchor_start..anchor_end];
        if anchor.is_empty() || path == ".md" {
            continue;
        }
        let Some(page) = resolve_page(&src, path, ex) else {
            continue;
        };
        let reference = BookRef {
            page,
            anchor: anchor.to_owned(),
        };
        if seen.insert(reference.clone()) {
            found.push(reference);
        }
    }
    found
}

/// `book/src/part-2/x.md`, `part-2/x.md` or `x.md` as a page relative to `book/src`.
fn resolve_page(src: &Path, path: &str, ex: &Exercise) -> Option<String> {
    let path = path.trim_start_matches("./");
    let path = path.strip_prefix("book/src/").unwrap_or(path);
    if path.contains('/') {
        return src.join(path).is_file().then(|| path.to_owned());
    }
    let own_part = Path::new(&ex.chapter).parent().unwrap_or(Path::new(""));
    if src.join(own_part).join(path).is_file() {
        return Some(own_part.join(path).to_string_lossy().into_owned());
    }
    let mut parts: Vec<PathBuf> = fs::read_dir(src)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    parts.sort();
    if src.join(path).is_file() {
        return Some(path.to_owned());
    }
    parts.iter().find_map(|dir| {
        dir.join(path).is_file().then(|| {
            let name = dir.file_name().unwrap_or_default().to_string_lossy();
            format!("{name}/{path}")
        })
    })
}

/// The built book's directory: `target/book`, where `cargo run -- book` writes it (or its
/// `html/` when the book has several renderers).
pub fn built_book(root: &Path) -> Option<PathBuf> {
    let out = root.join("target").join("book");
    [out.clone(), out.join("html")]
        .into_iter()
        .find(|dir| dir.join("index.html").is_file())
}

/// Where to read the references: `file://` URLs of the built pages, or `None` when the book
/// is not built (then the caller says how to build it).
pub fn book_links(refs: &[BookRef], built: Option<&Path>) -> Option<Vec<String>> {
    let built = built?;
    let absolute = fs::canonicalize(built).unwrap_or_else(|_| built.to_path_buf());
    Some(
        refs.iter()
            .filter_map(|r| {
                let html = format!("{}.html", r.page.strip_suffix(".md").unwrap_or(&r.page));
                let file = absolute.join(&html);
                file.is_file()
                    .then(|| format!("file://{}#{}", file.display(), r.anchor))
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::{self, Course};
    use crate::libtest::parse;

    const COURSE: &str = r#"
[[exercise]]
number = 3
slug = "atomics"
title = "Atomics"
chapter = "part-2/atomics.md"
time_limit = 60

[[exercise.part]]
name = "counter"
tests = ["counter", "increment"]

[[exercise.part]]
name = "high-water"
tests = ["high_water"]

[[exercise.part]]
name = "slots"
tests = ["try_take", "give_back"]
"#;

    fn exercise() -> Exercise {
        course::parse(COURSE).expect("valid").remove(0)
    }

    /// `cargo test` on a half-done exercise 03: the counter works, the high-water mark is
    /// wrong, the slots are not written, and the loom suite agrees.
    const HALF_DONE: &str = "\
     Running tests/threads.rs (target/debug/deps/threads-0f1e2d3c4b5a6978)

running 5 tests
test counter_starts_at_zero ... ok
test give_back_frees_a_slot ... FAILED
test a_high_water_record_is_kept ... FAILED
test try_take_succeeds_up_to_capacity ... FAILED
test four_racing_threads_lose_no_increment ... ok

failures:

---- give_back_frees_a_slot stdout ----

thread 'give_back_frees_a_slot' (7) panicked at /r/exercises/exercise-03-atomics/src/slots.rs:60:9:
not yet implemented: remember the capacity (book: atomics.md#check-then-act-fixed)
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace

---- a_high_water_record_is_kept stdout ----

thread 'a_high_water_record_is_kept' (8) panicked at tests/threads.rs:160:5:
assertion `left == right` failed: get() after record(7) (book: atomics.md#compare-and-swap-loops)
  left: 0
 right: 7

---- try_take_succeeds_up_to_capacity stdout ----

thread 'under deadline: try_take' (9) panicked at /r/exercises/exercise-03-atomics/src/slots.rs:60:9:
not yet implemented: remember the capacity (book: atomics.md#check-then-act-fixed)

failures:
    give_back_frees_a_slot
    a_high_water_record_is_kept
    try_take_succeeds_up_to_capacity

test result: FAILED. 2 passed; 3 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s

     Running tests/under_loom.rs (target/debug/deps/under_loom-a1b2c3d4e5f60718)

running 3 tests
test loom_two_try_take_on_one_slot ... FAILED
test loom_two_increments_are_not_lost ... ok
test source_reaches_atomics_through_crate_sync ... ok

failures:

---- loom_two_try_take_on_one_slot stdout ----

thread 'loom_two_try_take_on_one_slot' (10) panicked at crates/loom-harness/src/lib.rs:70:9:
not checked yet: two threads call try_take() on 1 slot, and exactly one gets it

Your code reached a `todo!()` at /r/exercises/exercise-03-atomics/src/slots.rs:60:
    not yet implemented: remember the capacity (book: atomics.md#check-then-act-fixed)

failures:
    loom_two_try_take_on_one_slot

test result: FAILED. 2 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s
";

    #[test]
    fn todo_failures_are_told_apart_from_wrong_answers() {
        let report = parse(HALF_DONE);
        let verdicts: Vec<(String, Verdict)> = report
            .tests
            .iter()
            .map(|t| (t.name.clone(), verdict(&report, t)))
            .collect();
        let of = |name: &str| {
            verdicts
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| *v)
                .expect(name)
        };
        assert_eq!(of("counter_starts_at_zero"), Verdict::Passed);
        assert_eq!(of("give_back_frees_a_slot"), Verdict::NotWritten);
        assert_eq!(
            of("try_take_succeeds_up_to_capacity"),
            Verdict::NotWritten,
            "a todo inside deadline::within"
        );
        assert_eq!(
            of("loom_two_try_take_on_one_slot"),
            Verdict::NotWritten,
            "the loom harness's `not checked yet`"
        );
        assert_eq!(of("a_high_water_record_is_kept"), Verdict::Failed);
        assert!(is_todo(
            "the code under test panicked: not yet implemented: take"
        ));
        assert!(is_todo("not implemented"));
        assert!(!is_todo(
            "assertion failed: two threads held the lock at once"
        ));
        assert_eq!(
            todo_line("thread 'x' panicked at a.rs:1:1:\nnot yet implemented: take it"),
            Some("not yet implemented: take it")
        );
    }

    #[test]
    fn the_first_failure_is_a_real_one_in_the_order_of_the_parts() {
        let ex = exercise();
        let report = parse(HALF_DONE);
        let seen = in_course_order(&ex, &report);
        let names: Vec<&str> = seen.iter().map(|s| s.test.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "source_reaches_atomics_through_crate_sync",
                "counter_starts_at_zero",
                "four_racing_threads_lose_no_increment",
                "loom_two_increments_are_not_lost",
                "a_high_water_record_is_kept",
                "try_take_succeeds_up_to_capacity",
                "loom_two_try_take_on_one_slot",
                "give_back_frees_a_slot",
            ],
            "source check, then counter, high-water, slots; by fragment, target, name"
        );
        assert_eq!(
            first_failure(&seen).map(|t| t.name.as_str()),
            Some("a_high_water_record_is_kept"),
            "not the alphabetically first failure, and not a todo"
        );
        assert_eq!(
            first_not_written(&seen).map(|t| t.name.as_str()),
            Some("try_take_succeeds_up_to_capacity")
        );
        assert_eq!(bypass(&seen), None);
        assert_eq!(seen[4].part, Some(1));
    }

    #[test]
    fn without_parts_the_order_is_by_target_then_name() {
        let mut ex = exercise();
        ex.parts.clear();
        let report = parse(HALF_DONE);
        let seen = in_course_order(&ex, &report);
        assert_eq!(
            seen[0].test.name,
            "source_reaches_atomics_through_crate_sync"
        );
        assert_eq!(seen[1].test.name, "a_high_water_record_is_kept");
        assert_eq!(
            seen.last().map(|s| s.test.target.as_str()),
            Some("under_loom")
        );
    }

    #[test]
    fn a_bypass_of_crate_sync_comes_first_and_discredits_loom() {
        let output = "\
     Running tests/threads.rs (target/debug/deps/threads-0f1e2d3c4b5a6978)
test counter_starts_at_zero ... FAILED

failures:

---- counter_starts_at_zero stdout ----
assertion failed: wrong

test result: FAILED. 0 passed; 1 failed
     Running tests/under_loom.rs (target/debug/deps/under_loom-a1b2c3d4e5f60718)
test loom_two_increments_are_not_lost ... FAILED
test loom_high_water ... ok
test source_reaches_atomics_through_crate_sync ... FAILED

failures:

---- loom_two_increments_are_not_lost stdout ----
loom found an interleaving in which this does not hold
---- source_reaches_atomics_through_crate_sync stdout ----
src/counter.rs:3: `std::sync::atomic` bypasses the std/loom switch; write `crate::sync::atomic` instead.

test result: FAILED. 1 passed; 2 failed
";
        let ex = exercise();
        let report = parse(output);
        let seen = in_course_order(&ex, &report);
        let first = first_failure(&seen).expect("a failure");
        assert_eq!(first.name, "source_reaches_atomics_through_crate_sync");
        let by_name = |name: &str| report.tests.iter().find(|t| t.name == name).expect(name);
        let source = bypass(&seen);
        assert!(untrustworthy(source, by_name("loom_high_water")));
        assert!(untrustworthy(
            source,
            by_name("loom_two_increments_are_not_lost")
        ));
        assert!(!untrustworthy(source, by_name("counter_starts_at_zero")));
        assert!(!untrustworthy(source, first));
        assert!(!untrustworthy(None, by_name("loom_high_water")));
    }

    #[test]
    fn in_one_graded_binary_only_the_loom_half_is_discredited() {
        let output = "\
     Running tests/graded.rs (target/debug/deps/graded-0f1e2d3c4b5a6978)
test threads::counter_starts_at_zero ... ok
test threads::high_water_never_goes_down ... FAILED
test under_loom::loom_high_water ... ok
test under_loom::source_reaches_atomics_through_crate_sync ... FAILED

failures:

---- threads::high_water_never_goes_down stdout ----
assertion failed: the mark went down
---- under_loom::source_reaches_atomics_through_crate_sync stdout ----
src/slots.rs:3: `std::sync::atomic` bypasses the std/loom switch

test result: FAILED. 2 passed; 2 failed
";
        let ex = exercise();
        let report = parse(output);
        let seen = in_course_order(&ex, &report);
        assert_eq!(
            seen[0].test.id(),
            "under_loom::source_reaches_atomics_through_crate_sync"
        );
        let source = bypass(&seen);
        assert_eq!(
            first_failure(&seen).map(TestResult::id).as_deref(),
            Some("under_loom::source_reaches_atomics_through_crate_sync")
        );
        let by_name = |name: &str| report.tests.iter().find(|t| t.name == name).expect(name);
        assert!(untrustworthy(
            source,
            by_name("under_loom::loom_high_water")
        ));
        assert!(!untrustworthy(
            source,
            by_name("threads::high_water_never_goes_down")
        ));
        assert!(!untrustworthy(
            source,
            by_name("threads::counter_starts_at_zero")
        ));
        assert_eq!(seen[1].test.name, "threads::counter_starts_at_zero");
        assert_eq!(
            seen[2].part,
            Some(1),
            "high-water, by its name after the module"
        );
    }

    #[test]
    fn messages_lose_backtraces_and_absolute_paths() {
        let message = "thread 't' panicked at /r/exercises/e/src/a.rs:1:1:\nnot yet implemented\n\
                       stack backtrace:\n   0: frame\n             at /rustc/abc/library/std/src/panicking.rs:689:5\n\
                       note: Some details are omitted, run with `RUST_BACKTRACE=full`";
        assert_eq!(
            readable_message(message, Path::new("/r")),
            "thread 't' panicked at exercises/e/src/a.rs:1:1:\nnot yet implemented"
        );
    }

    #[test]
    fn harness_and_library_paths_are_dropped_or_shortened() {
        let message = "\
thread 'loom_two_threads' (5) panicked at crates/loom-harness/src/lib.rs:70:9:
loom found an interleaving in which this does not hold:
    two threads add under the lock

What loom reported at /home/me/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/loom-0.7.2/src/rt/location.rs:115:
      at /home/me/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/loom-0.7.2/src/rt/location.rs:115:9

Causality violation: Concurrent write accesses to `UnsafeCell`.
    created: /home/me/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/loom-0.7.2/src/cell/unsafe_cell.rs:12:5
    write one: thread #0 @ /r/exercises/exercise-04-spin-lock/src/spin_lock.rs:84:25
      at /home/me/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/loom-0.7.2/src/rt/location.rs:115:9
    thread #1: /r/crates/sync-shim/src/lib.rs:40:5";
        let readable = readable_message(message, Path::new("/r"));
        assert!(
            readable.starts_with("thread 'loom_two_threads' (5) panicked:\n"),
            "{readable}"
        );
        assert!(!readable.contains("\n\n\n"), "{readable}");
        assert!(
            readable.contains("\nWhat loom reported:\n\nCausality violation"),
            "{readable}"
        );
        assert!(
            readable.contains(
                "write one: thread #0 @ exercises/exercise-04-spin-lock/src/spin_lock.rs:84:25"
            ),
            "the learner's own lines stay: {readable}"
        );
        assert!(readable.contains("created: (a library)"), "{readable}");
        assert!(
            readable.contains("thread #1: (the sync shim)"),
            "{readable}"
        );
        for internal in [
            "registry",
            "loom-harness",
            "location.rs",
            "crates/sync-shim",
        ] {
            assert!(!readable.contains(internal), "{internal} in:\n{readable}");
        }
    }

    #[test]
    fn many_panicking_threads_read_as_one() {
        let message = "\
thread 'under deadline: 4 threads' (11) panicked at tests/threads.rs:120:13:
assertion `left == right` failed: two holders at once
  left: 1
 right: 0
thread 'under deadline: 4 threads' (12) panicked at tests/threads.rs:120:13:
assertion `left == right` failed: two holders at once
  left: 1
 right: 0
thread 'under deadline: 4 threads' (13) panicked at tests/threads.rs:120:13:
assertion `left == right` failed: two holders at once
  left: 1
 right: 0";
        let one = one_thread(message);
        assert_eq!(
            one,
            "thread 'under deadline: 4 threads' (11) panicked at tests/threads.rs:120:13:\n\
             assertion `left == right` failed: two holders at once\n  left: 1\n right: 0\n\
             ... and 2 more threads failed the same way"
        );
        let mixed = format!(
            "{message}\nthread 'main' (1) panicked at tests/threads.rs:130:5:\njoin failed"
        );
        assert!(
            one_thread(&mixed).ends_with("... and 3 more threads panicked (2 the same way)"),
            "{}",
            one_thread(&mixed)
        );
        let single = "thread 'a' panicked at x.rs:1:1:\nboom";
        assert_eq!(one_thread(single), single);
    }

    fn scratch_book(name: &str) -> PathBuf {
        let root = std::env::temp_dir().join(format!("course-diag-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        for page in [
            "part-2/atomics.md",
            "part-2/memory-ordering.md",
            "part-6/switching.md",
        ] {
            let path = root.join("book/src").join(page);
            fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
            fs::write(&path, "# page").expect("write");
        }
        root
    }

    #[test]
    fn book_references_are_found_and_resolved() {
        let root = scratch_book("refs");
        let ex = exercise();
        let text = "not yet implemented: start at zero (book: atomics.md#one-indivisible-step)\n\
                    see book/src/part-6/switching.md#drop-requests, and \
                    (book: memory-ordering.md#relaxed) and again atomics.md#one-indivisible-step;\n\
                    nowhere.md#x and atomics.md# are not links";
        let refs = book_refs(text, &root, &ex);
        let pages: Vec<(&str, &str)> = refs
            .iter()
            .map(|r| (r.page.as_str(), r.anchor.as_str()))
            .collect();
        assert_eq!(
            pages,
            [
                ("part-2/atomics.md", "one-indivisible-step"),
                ("part-6/switching.md", "drop-requests"),
                ("part-2/memory-ordering.md", "relaxed"),
            ]
        );
        assert_eq!(built_book(&root), None);
        assert_eq!(book_links(&refs, None), None);

        let built = root.join("target/book");
        fs::create_dir_all(built.join("part-2")).expect("mkdir");
        fs::write(built.join("index.html"), "<html>").expect("write");
        fs::write(built.join("part-2/atomics.html"), "<html>").expect("write");
        let dir = built_book(&root).expect("built");
        let links = book_links(&refs, Some(&dir)).expect("links");
        assert_eq!(links.len(), 1, "only pages that were built: {links:?}");
        assert!(links[0].starts_with("file:///"), "{links:?}");
        assert!(
            links[0].ends_with("target/book/part-2/atomics.html#one-indivisible-step"),
            "{links:?}"
        );
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn the_course_file_parts_drive_the_order() {
        let course = Course {
            root: PathBuf::from("/r"),
            exercises: course::parse(COURSE).expect("valid"),
        };
        let ex = &course.exercises[0];
        assert_eq!(ex.part_index("loom_two_increments_are_not_lost"), Some(0));
        assert_eq!(ex.part_index("give_back_frees_a_slot"), Some(2));
        assert_eq!(ex.part_index("source_reaches_atomics"), None);
    }
}
