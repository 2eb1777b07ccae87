//! `check NN [PART]`: run one exercise's graded suite (or one part of it) and explain the
//! result: what passes, what is wrong, what is not written yet, the failure to read first,
//! and what to do next.

use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

use super::Outcome;
use crate::cargo::Ended;
use crate::course::{Course, Exercise, Part, WHOLE_SOURCE_TEST, is_source_test, short_name};
use crate::diagnose::{self, Seen, Verdict};
use crate::error::{Error, Result};
use crate::hints::Hints;
use crate::libtest::{self, Report, TestResult};
use crate::progress::{self, Cache, Entry};
use crate::say;
use crate::suite::{Suite, SuiteRun};
use crate::ui::{self, Ui};

/// Lines of a failure message worth showing (a loom failure with its trace of the learner's
/// lines takes about 30).
const MESSAGE_LINES: usize = 40;

/// Runs exercise `arg`'s suite, or only the tests of its part `focus`, and explains it.
pub fn run(ui: &Ui, course: &Course, arg: &str, focus: Option<&str>) -> Result<Outcome> {
    let ex = course.find(arg)?;
    let part = match focus {
        None => None,
        // An exercise without parts takes any fragment of a test name.
        Some(filter) if ex.parts.is_empty() => Some(Part {
            name: filter.to_owned(),
            tests: vec![filter.to_owned()],
        }),
        Some(name) => Some(ex.find_part(name)?.clone()),
    };
    let part = part.as_ref();
    let root = &course.root;
    if !ex.exercise_dir(root).is_dir() {
        return Err(Error::new(format!(
            "exercise {} is not in this repository yet: {} is missing",
            ex.id(),
            ex.exercise_rel()
        )));
    }
    say!("{}", ui.bold(&format!("Exercise {}", ex.label())));
    let mut suite = learner_suite(root, ex);
    if let Some(part) = part {
        say!("{}", focus_line(ex, part));
        suite.test_args = part_filters(part);
    }
    let hash = progress::hash_exercise(&ex.exercise_dir(root)).ok();
    let mut activity = ui.activity(&command_line(&suite));
    let run = suite.run(&mut |step| activity.step(&step.describe()));
    activity.finish();
    let run = run?;
    // Only a run of the whole suite says where the exercise stands.
    if let (Some(hash), None) = (hash, part) {
        remember(root, ex, Entry::from_run(hash, &run));
    }
    say!();
    let mut lead = Lead::Nothing;
    let passed = match &run {
        SuiteRun::BuildFailed { errors } => {
            say!("{} {} does not compile:", ui.cross(), ex.package());
            say!();
            say!(
                "{}",
                indent(&libtest::first_lines(errors, MESSAGE_LINES), "  ")
            );
            say!();
            say!("Fix the first error (the others often follow from it), then check again.");
            false
        }
        SuiteRun::Ran {
            report,
            ended,
            elapsed,
        } => {
            lead = show_report(ui, root, ex, part, report, *ended, *elapsed);
            run.all_passed()
        }
    };
    say!();
    next_step(ui, course, ex, part, passed, lead);
    Ok(if passed {
        Outcome::Success
    } else {
        Outcome::Failure
    })
}

/// `cargo test -p exercise-NN --no-fail-fast` in the usual target directory.
pub fn learner_suite(root: &Path, ex: &Exercise) -> Suite {
    Suite {
        cwd: root.to_path_buf(),
        selection: vec!["-p".into(), ex.package().into()],
        target_dir: None,
        time_limit: Duration::from_secs(ex.time_limit),
        test_args: Vec::new(),
        throwaway: false,
    }
}

/// The libtest filters that run one part: its fragments, and the checks of the whole
/// source (a bypass of `crate::sync` makes every loom result of the part worthless).
pub fn part_filters(part: &Part) -> Vec<OsString> {
    part.tests
        .iter()
        .map(OsString::from)
        .chain([OsString::from(WHOLE_SOURCE_TEST)])
        .collect()
}

/// What a focused check runs, in one line.
fn focus_line(ex: &Exercise, part: &Part) -> String {
    let Some(at) = ex.parts.iter().position(|p| p == part).map(|i| i + 1) else {
        return format!(
            "Only the tests whose names contain `{}`, and the source check.",
            part.name
        );
    };
    format!(
        "Only part `{}` ({at} of {}): the tests whose names contain {}, and the source check.",
        part.name,
        ex.parts.len(),
        part.tests
            .iter()
            .map(|t| format!("`{t}`"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// The command as the learner would type it, filters included.
fn command_line(suite: &Suite) -> String {
    let mut line = suite.command();
    if !suite.test_args.is_empty() {
        line.push_str(" --");
        for arg in &suite.test_args {
            line.push(' ');
            line.push_str(&arg.to_string_lossy());
        }
    }
    line
}

/// Stores a run's result in the progress cache; a failure to write is only a warning.
pub fn remember(root: &Path, ex: &Exercise, entry: Entry) {
    let mut cache = Cache::load(root);
    cache.exercise.insert(ex.slug.clone(), entry);
    if let Err(problem) = cache.save(root) {
        ui::warn(&problem);
    }
}

/// What the message shown after the list is about.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Lead {
    /// The source check failed: the code bypasses `crate::sync`.
    Bypass,
    /// A wrong answer.
    Failure,
    /// Nothing wrong, but a test stops at a `todo!()` (of this part, if parts are known).
    NotWritten(Option<String>),
    Nothing,
}

/// The failure to read first, in course order; but when a test program aborted, the tests
/// that failed before the abort lost their messages, so the first failure that still has one
/// (the report loom-harness wrote before the abort) comes first.
fn first_failure_to_show<'a>(seen: &[Seen<'a>], report: &Report) -> Option<&'a TestResult> {
    let first = diagnose::first_failure(seen)?;
    let has_message = |test: &TestResult| {
        report
            .messages
            .get(&test.id())
            .is_some_and(|m| !m.trim().is_empty())
    };
    if has_message(first) || diagnose::bypass(seen).is_some() {
        return Some(first);
    }
    let with_message = seen
        .iter()
        .filter(|s| s.verdict == Verdict::Failed)
        .map(|s| s.test)
        .find(|test| has_message(test));
    Some(with_message.unwrap_or(first))
}

/// Prints the tests, the failure to read first and the counts; returns what was shown.
fn show_report(
    ui: &Ui,
    root: &Path,
    ex: &Exercise,
    part: Option<&Part>,
    report: &Report,
    ended: Ended,
    elapsed: Duration,
) -> Lead {
    let seen = diagnose::in_course_order(ex, report);
    let bypass = diagnose::bypass(&seen);
    list_tests(ui, ex, report, &seen, bypass);
    for target in &report.targets {
        if let Some(crash) = &target.crash {
            say!(
                "  {} {}: the test program stopped early: {crash}",
                ui.cross(),
                target.name
            );
        } else if !target.finished && ended == Ended::TimedOut {
            say!(
                "  {} {}: stopped by the time limit before every test reported",
                ui.cross(),
                target.name
            );
        }
    }
    if ended == Ended::TimedOut {
        show_time_out(ui, ex, report);
    }

    let mut shown = String::new();
    let mut lead = Lead::Nothing;
    if let Some(test) = first_failure_to_show(&seen, report) {
        lead = if Some(test) == bypass {
            Lead::Bypass
        } else {
            Lead::Failure
        };
        say!();
        if Some(test) == bypass {
            say!(
                "{}",
                ui.bold(&format!(
                    "First, fix this: {} (it comes before everything else)",
                    test.id()
                ))
            );
        } else {
            say!("{}", ui.bold(&format!("First failure: {}", test.id())));
        }
        shown = show_message(report, test, root);
        if shown.is_empty() && report.targets.iter().any(|t| t.crash.is_some()) {
            say!(
                "  Its message was lost when the test program aborted. Its half of the suite, \
                 run alone, shows it:\n    cargo test -p {} -- {}",
                ex.package(),
                test.id().split("::").next().unwrap_or("threads")
            );
        }
        if Some(test) == bypass {
            say!(
                "  {} Until this passes, the loom results ({}) cannot be trusted: loom only sees",
                ui.yellow("!"),
                test.id().split("::").next().unwrap_or("under_loom")
            );
            say!(
                "    what goes through crate::sync, so it never checked the code that bypasses it."
            );
        }
    } else if let Some(test) = diagnose::first_not_written(&seen) {
        say!();
        let part_name = seen
            .iter()
            .find(|s| s.test == test)
            .and_then(|s| s.part)
            .map(|p| ex.parts[p].name.clone());
        let where_ = part_name
            .as_ref()
            .map(|name| format!(" (part `{name}`)"))
            .unwrap_or_default();
        lead = Lead::NotWritten(part_name);
        // A hang or a crash is something wrong, even when no test reported a failure.
        let clean = ended != Ended::TimedOut && report.targets.iter().all(|t| t.crash.is_none());
        say!(
            "{}",
            ui.bold(&format!(
                "{}Next to write{where_}: {} stops at a todo!()",
                if clean {
                    "Nothing is wrong so far. "
                } else {
                    ""
                },
                test.id()
            ))
        );
        shown = show_message(report, test, root);
    }
    if !shown.is_empty() {
        show_book_links(ui, root, ex, &shown);
    }

    say!();
    let count = |verdict: Verdict| seen.iter().filter(|s| s.verdict == verdict).count();
    let (passed, failed, todo) = (
        count(Verdict::Passed),
        count(Verdict::Failed),
        count(Verdict::NotWritten),
    );
    let time = ui::duration(elapsed);
    let prefix = match part {
        Some(p) if ex.parts.contains(p) => format!("Part `{}`: ", p.name),
        Some(p) => format!("Tests matching `{}`: ", p.name),
        None => String::new(),
    };
    let ran = report.ran();
    if ended == Ended::TimedOut {
        say!(
            "{} {prefix}Timed out after {time}: {} before the stop.",
            ui.cross(),
            counts(ui, passed, failed, todo)
        );
    } else if ran == 0 {
        say!("{} {prefix}No tests ran ({time}).", ui.cross());
    } else if passed == ran && ended == Ended::Exited(Some(0)) {
        say!(
            "{}",
            ui.green(&format!("{prefix}All {ran} tests pass ✓ ({time})"))
        );
    } else {
        say!("{prefix}{} ({time}).", counts(ui, passed, failed, todo));
    }
    lead
}

/// `5 pass · 3 fail · 9 not written yet`.
fn counts(ui: &Ui, passed: usize, failed: usize, todo: usize) -> String {
    let mut text = format!(
        "{passed} pass · {} fail",
        if failed > 0 {
            ui.red(&failed.to_string())
        } else {
            failed.to_string()
        }
    );
    if todo > 0 {
        text.push_str(&format!(" · {todo} not written yet"));
    }
    text
}

/// Every test with its mark, grouped by part (in course order) when the exercise has parts,
/// else by test target.
fn list_tests(ui: &Ui, ex: &Exercise, report: &Report, seen: &[Seen], bypass: Option<&TestResult>) {
    // Without parts: by test target, or by module in the one graded binary (`threads`).
    let group_of = |s: &Seen| -> String {
        if ex.parts.is_empty() {
            s.test
                .id()
                .split("::")
                .next()
                .unwrap_or_default()
                .to_owned()
        } else if is_source_test(&s.test.name) {
            "whole source".to_owned()
        } else {
            match s.part {
                Some(p) => format!("part {} · {}", p + 1, ex.parts[p].name),
                None => "in no part".to_owned(),
            }
        }
    };
    // Without parts, keep the targets in the order they ran.
    let mut ordered: Vec<&Seen> = seen.iter().collect();
    if ex.parts.is_empty() {
        let target_at = |s: &Seen| {
            report
                .targets
                .iter()
                .position(|t| t.name == s.test.target)
                .unwrap_or(usize::MAX)
        };
        ordered.sort_by_key(|s| (target_at(s), s.test.name.clone()));
    }
    let mut groups: Vec<(String, Vec<&Seen>)> = Vec::new();
    for s in ordered {
        let group = group_of(s);
        match groups.last_mut() {
            Some((name, tests)) if *name == group => tests.push(s),
            _ => groups.push((group, vec![s])),
        }
    }
    for (group, tests) in groups {
        say!("{}", ui.bold(&group));
        if tests.len() > 1 && tests.iter().all(|s| s.verdict == Verdict::NotWritten) {
            say!(
                "{}",
                ui.dim(&format!(
                    "  ○ {} tests, all stopping at a todo!(): not written yet",
                    tests.len()
                ))
            );
            continue;
        }
        for s in tests {
            say!(
                "{}",
                test_line(ui, s, diagnose::untrustworthy(bypass, s.test))
            );
        }
    }
}

/// One test with its mark: ✓ passed, ✗ failed, ○ not written yet, ? passed but not to be
/// trusted (the loom suite while the source check fails).
fn test_line(ui: &Ui, s: &Seen, doubt: bool) -> String {
    let name = short_name(&s.test.name);
    match s.verdict {
        Verdict::Passed if doubt => format!(
            "  {} {name}   {}",
            ui.yellow("?"),
            ui.yellow("(untrustworthy: loom never saw the code that bypasses crate::sync)")
        ),
        Verdict::Passed => format!("  {} {name}", ui.tick()),
        Verdict::Failed if doubt => format!(
            "  {} {name}   {}",
            ui.cross(),
            ui.yellow("(untrustworthy until the source check passes)")
        ),
        Verdict::Failed => format!("  {} {name}", ui.cross()),
        Verdict::NotWritten => ui.dim(&format!("  ○ {name}   (not written yet: todo!())")),
        Verdict::Ignored => ui.dim(&format!("  - {name} (ignored)")),
    }
}

fn show_time_out(ui: &Ui, ex: &Exercise, report: &Report) {
    let running = report
        .targets
        .last()
        .map_or("the build".to_owned(), |t| t.name.clone());
    say!();
    say!(
        "{} Stopped after {} s, the time limit of exercise {} (time_limit in course.toml),",
        ui.cross(),
        ex.time_limit,
        ex.id()
    );
    say!("  while {running} was running. A test is probably stuck: a lock that is never");
    say!("  released, or a thread that waits for something that never happens.");
    let stuck = report
        .slow
        .iter()
        .filter(|id| !report.tests.iter().any(|t| &t.id() == *id));
    for id in stuck {
        say!("  still running at the stop: {id}");
    }
}

/// Prints the test's message, readable; returns what was printed.
fn show_message(report: &Report, test: &TestResult, root: &Path) -> String {
    match report.messages.get(&test.id()) {
        Some(message) if !message.trim().is_empty() => {
            let message =
                libtest::first_lines(&diagnose::readable_message(message, root), MESSAGE_LINES);
            say!("{}", indent(&message, "  │ "));
            message
        }
        _ => {
            say!("  (no message)");
            String::new()
        }
    }
}

/// The built pages of the book sections a message names, or how to build the book: once.
fn show_book_links(ui: &Ui, root: &Path, ex: &Exercise, message: &str) {
    let refs = diagnose::book_refs(message, root, ex);
    if refs.is_empty() {
        return;
    }
    let built = diagnose::built_book(root);
    match diagnose::book_links(&refs, built.as_deref()) {
        Some(links) => {
            for link in links {
                say!("  {} {link}", ui.dim("read:"));
            }
        }
        None => say!(
            "  {}",
            ui.dim("(`cargo run -- book` builds the book; then check shows these sections as pages to open)")
        ),
    }
}

fn next_step(
    ui: &Ui,
    course: &Course,
    ex: &Exercise,
    part: Option<&Part>,
    passed: bool,
    lead: Lead,
) {
    let id = ex.id();
    if passed {
        if let Some(part) = part {
            let what = if ex.parts.contains(part) {
                format!("Part `{}` of exercise {id} passes ✓", part.name)
            } else {
                format!("The tests of exercise {id} matching `{}` pass ✓", part.name)
            };
            say!("{}", ui.green(&what));
            let at = ex.parts.iter().position(|p| p == part);
            match at.and_then(|at| ex.parts.get(at + 1)) {
                Some(next) => say!(
                    "next: part `{}`: cargo run -- check {id} {}   (or the whole exercise: cargo run -- check {id})",
                    next.name,
                    next.name
                ),
                None => say!("next: the whole exercise: cargo run -- check {id}"),
            }
            return;
        }
        say!("{}", ui.green(&format!("Exercise {id} is done ✓")));
        match progress::first_not_done(&course.root, course) {
            Some(next) => {
                say!("next: exercise {}", next.label());
                say!("      read {}", next.chapter_rel());
                say!(
                    "      then cargo test -p {}   (or cargo run -- check {})",
                    next.package(),
                    next.id()
                );
            }
            None => say!("Every exercise is done ✓. `cargo run` shows where you stand."),
        }
        return;
    }
    match lead {
        Lead::Bypass => {
            say!("next: take what the lines above name from crate::sync (as the stub's imports");
            say!(
                "      say), then cargo run -- check {id} again: the loom results count after that"
            );
            return;
        }
        Lead::NotWritten(Some(name)) if part.is_none() => {
            say!("next: fill in that todo!(): the tests of part `{name}` check it");
            say!("      (the chapter explains it: {})", ex.chapter_rel());
            say!(
                "      then cargo run -- check {id} {name}   (that part only), or cargo run -- check {id}"
            );
            return;
        }
        _ => {}
    }
    let total = ex.hints.len();
    let seen = Hints::load(&course.root).shown(&ex.slug).min(total);
    say!(
        "next: read the message above, and the chapter: {}",
        ex.chapter_rel()
    );
    if total > 0 && seen < total {
        say!(
            "      stuck? cargo run -- hint {id}   (hint {} of {total})",
            seen + 1
        );
    } else if total > 0 {
        say!("      you have seen every hint: cargo run -- hint {id} --all");
    }
    match part {
        Some(part) => say!("      then cargo run -- check {id} {} again", part.name),
        None if !ex.parts.is_empty() => {
            let names: Vec<&str> = ex.parts.iter().map(|p| p.name.as_str()).collect();
            say!("      then cargo run -- check {id} again");
            say!(
                "      (or one part at a time: cargo run -- check {id} PART, with PART one of {})",
                names.join(", ")
            );
        }
        None => say!("      then cargo run -- check {id} again"),
    }
}

fn indent(text: &str, prefix: &str) -> String {
    text.lines()
        .map(|line| format!("{prefix}{line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course;

    #[test]
    fn a_part_runs_its_fragments_and_the_source_check() {
        let ex = course::parse(
            "[[exercise]]\nnumber = 3\nslug = \"atomics\"\ntitle = \"t\"\n\
             chapter = \"part-2/atomics.md\"\ntime_limit = 1\n\
             [[exercise.part]]\nname = \"counter\"\ntests = [\"counter\", \"increment\"]\n\
             [[exercise.part]]\nname = \"slots\"\ntests = [\"try_take\", \"give_back\"]\n",
        )
        .expect("valid")
        .remove(0);
        let part = ex.find_part("slots").expect("a part");
        assert_eq!(
            part_filters(part),
            ["try_take", "give_back", "source_"].map(OsString::from)
        );
        let mut suite = learner_suite(Path::new("/r"), &ex);
        suite.test_args = part_filters(part);
        assert_eq!(
            command_line(&suite),
            "cargo test -p exercise-03 --no-fail-fast -- try_take give_back source_"
        );
        assert!(focus_line(&ex, part).starts_with("Only part `slots` (2 of 2)"));
        let mut plain = ex.clone();
        plain.parts.clear();
        let filter = Part {
            name: "try_take".into(),
            tests: vec!["try_take".into()],
        };
        assert_eq!(
            focus_line(&plain, &filter),
            "Only the tests whose names contain `try_take`, and the source check."
        );
        let unknown = ex.find_part("slot").expect_err("no such part");
        assert!(
            unknown.message().contains("no part `slot`")
                && unknown.message().contains("counter, slots"),
            "{unknown}"
        );
        assert_eq!(
            counts(&Ui::plain(), 5, 3, 9),
            "5 pass · 3 fail · 9 not written yet"
        );
        assert_eq!(counts(&Ui::plain(), 5, 0, 0), "5 pass · 0 fail");
    }
}
