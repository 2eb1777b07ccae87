//! The loom side of every exercise's graded suite.
//!
//! An exercise's `tests/under_loom.rs` (a module of the one graded test binary,
//! `tests/graded.rs`) starts with
//!
//! ```text
//! sync_shim::include_under_loom!(spin_lock);
//! ```
//!
//! which compiles `src/spin_lock.rs` of the crate under test (the exercise or its solution) a
//! second time, with `crate::sync` meaning loom's primitives. Its tests then call [`check`] with a sentence that
//! says what must hold and a model body.
//!
//! What [`check`] adds to `loom::model`:
//! - a preemption bound of [`DEFAULT_PREEMPTIONS`] unless `LOOM_MAX_PREEMPTIONS` is set, so
//!   every model finishes in seconds (unbounded, three lock operations per thread already take
//!   hundreds of thousands of interleavings);
//! - a bound of [`DEFAULT_MAX_INTERLEAVINGS`] on the interleavings a model explores, past
//!   which it fails with "does a loop of your code spin or retry where it should return or
//!   sleep?" instead of running for minutes (`LOOM_HARNESS_COUNT=1` prints each model's count);
//! - source locations of the accesses loom complains about (`LOOM_LOCATION`);
//! - a failure message that says in plain words what loom found, followed by loom's own.
//!
//! [`check_sources`] rejects exercise code that bypasses the shim: an atomic taken straight
//! from `std` is invisible to loom, so the model would pass while proving nothing.

use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::sync::Once;
use sync_shim::trace::SleepsIn;

pub use loom;
pub use sync_shim;

/// The preemption bound used unless `LOOM_MAX_PREEMPTIONS` says otherwise. Two preemptions
/// find every ordering bug in the course's reference mutants; three take ten times as long.
pub const DEFAULT_PREEMPTIONS: usize = 2;

/// How many interleavings a model may explore before the harness stops it as spinning,
/// unless `LOOM_MAX_PREEMPTIONS` is set (a reader who deepens the search asked for a long
/// run). [`Model::max_interleavings`] sets another bound for one model.
///
/// loom's own limits do not do this job: its `max_branches` bounds one interleaving (a
/// thread that spins for ever fails there), and its `max_duration` and `max_permutations`
/// end the search quietly, as if it had passed. A waiter that spins or retries a bounded
/// number of times passes each interleaving but multiplies their number: exercise 07's
/// two-waiters model with a 100-turn spin ran for over ten minutes.
///
/// Measured on 1 December 2026 (`LOOM_HARNESS_COUNT=1 cargo test -p solution-NN --
/// under_loom --nocapture` prints each model's count): the largest model of any solution or
/// alternative that does not spin explores 3,521 interleavings (exercise 09's barrier of
/// three); exercise 06's alternative with std's 100-turn spin before sleeping explores
/// 27,265 in its two-sleepers model (about 270 per turn of the spin), and the audit's
/// mutex with the same spin and compare_exchange loops 59,278 (156 s on the course's loaded
/// machine).
/// At a few hundred to a thousand interleavings a second, the bound stops a spinning model
/// within a minute or two.
pub const DEFAULT_MAX_INTERLEAVINGS: usize = 50_000;

/// The start of the panic raised when a model explores more than its bound.
const SPINNING: &str = "stopped: this model explored more than";

/// Checks `model` in every interleaving loom explores within the preemption bound.
///
/// `property` says, in the reader's terms, what the model asserts; it heads the failure
/// message, for example `"two threads each add 1 under the lock, and the total is 2"`.
/// [`Model`] does the same with an exercise's own explanations and bound.
pub fn check<F>(property: &str, model: F)
where
    F: Fn() + Sync + Send + 'static,
{
    Model::new(property).check(model);
}

/// What a failure most likely means in one exercise, per kind of failure. An empty text
/// falls back to the course-wide explanation. Each suite keeps one as a `const` and passes it
/// to every model through [`Model::explain`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Explain {
    /// The chapter and section to read, as `book/src/part-2/ticket-locks.md#taking-a-ticket`.
    pub book: &'static str,
    /// Two threads touched an `UnsafeCell` (or plain memory) without a happens-before edge.
    pub race: &'static str,
    /// A thread spun (or looped) for ever in some interleaving.
    pub spins_forever: &'static str,
    /// Every thread blocked (a lock or a wait that nobody ends).
    pub deadlock: &'static str,
    /// The model's own assertion failed.
    pub assertion: &'static str,
}

/// One model check, with an exercise's explanations and, where a model needs it, its own
/// preemption bound:
///
/// ```text
/// loom_harness::Model::new("two waiters both get the lock in turn")
///     .explain(&EXPLAIN)
///     .preemptions(1)
///     .check(|| { ... });
/// ```
#[derive(Debug, Clone)]
pub struct Model<'a> {
    property: &'a str,
    explain: Explain,
    preemptions: Option<usize>,
    max_interleavings: usize,
}

impl<'a> Model<'a> {
    /// A model that asserts `property` (in words), with the course's defaults.
    pub fn new(property: &'a str) -> Self {
        Model {
            property,
            explain: Explain::default(),
            preemptions: None,
            max_interleavings: DEFAULT_MAX_INTERLEAVINGS,
        }
    }

    /// Uses the exercise's explanations of each kind of failure.
    pub fn explain(mut self, explain: &Explain) -> Self {
        self.explain = *explain;
        self
    }

    /// Sets the preemption bound for this model (for example 1 for a model with two waiters
    /// beside the holder, which would take minutes at the default). `LOOM_MAX_PREEMPTIONS`
    /// still wins when set.
    pub fn preemptions(mut self, bound: usize) -> Self {
        self.preemptions = Some(bound);
        self
    }

    /// Sets how many interleavings the model may explore before it fails as spinning
    /// (default [`DEFAULT_MAX_INTERLEAVINGS`]; no bound while `LOOM_MAX_PREEMPTIONS` is set).
    pub fn max_interleavings(mut self, bound: usize) -> Self {
        self.max_interleavings = bound;
        self
    }

    /// Runs the model in every interleaving within the bound; panics with an explanation on
    /// the first one in which it fails. Before that, if the code under test bypasses
    /// `crate::sync` (an atomic or spin hint taken from std), it fails with that instead: loom
    /// cannot see such code, so whatever the model found would mean nothing.
    pub fn check<F>(self, model: F)
    where
        F: Fn() + Sync + Send + 'static,
    {
        if let Some(dir) = std::env::var_os("CARGO_MANIFEST_DIR")
            && uses_the_switch(Path::new(&dir))
            && let Err(problems) = check_sources(&dir.to_string_lossy())
        {
            panic!(
                "not checked: your code bypasses the std/loom switch, so loom cannot see it and \
                 this model's result would mean nothing. Fix this first:\n{problems}"
            );
        }
        install_quiet_panic_hook();
        let mut builder = loom::model::Builder::new();
        let mut max_interleavings = usize::MAX;
        if std::env::var_os("LOOM_MAX_PREEMPTIONS").is_none() {
            builder.preemption_bound = Some(self.preemptions.unwrap_or(DEFAULT_PREEMPTIONS));
            max_interleavings = self.max_interleavings;
        }
        builder.location = true;

        RUNNING.set(Some((self.explain, self.property.to_owned())));
        IN_MODEL.set(true);
        sync_shim::trace::enable(true);
        let explored = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = std::sync::Arc::clone(&explored);
        let model = move || {
            // Stopped here, at the start of an execution, before any thread is spawned (a
            // panic while a spawned thread has not started makes loom abort). The trace
            // still holds the steps of the last interleaving explored.
            let explored = counted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if explored >= max_interleavings {
                panic!("{SPINNING} {} interleavings", thousands(max_interleavings));
            }
            // Each execution starts a fresh trace, so a failure shows its own steps.
            sync_shim::trace::clear();
            FIRST_PANIC.set(None);
            model();
        };
        let started = std::time::Instant::now();
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
            if std::env::var_os("LOOM_LOG").is_some() {
                // What `loom::model` does: print loom's trace of the failing interleaving.
                let subscriber = tracing_subscriber::fmt::Subscriber::builder()
                    .with_env_filter(tracing_subscriber::EnvFilter::from_env("LOOM_LOG"))
                    .with_test_writer()
                    .without_time()
                    .finish();
                tracing::subscriber::with_default(subscriber, || builder.check(model));
            } else {
                builder.check(model);
            }
        }));
        if std::env::var_os("LOOM_HARNESS_COUNT").is_some() {
            eprintln!(
                "loom-harness: {}: {} interleavings in {:.1} s",
                current_test(),
                explored.load(std::sync::atomic::Ordering::Relaxed),
                started.elapsed().as_secs_f64()
            );
        }
        let text = outcome
            .err()
            .map(|payload| failure_text(&self.explain, self.property, &payload_text(&*payload)));
        sync_shim::trace::enable(false);
        IN_MODEL.set(false);
        RUNNING.set(None);
        FIRST_PANIC.set(None);
        if let Some(text) = text {
            panic!("{text}");
        }
    }
}

/// The whole failure message for a model that panicked with `found`: what it means, where
/// the learner's code was, who sleeps where, and the last steps of the interleaving.
fn failure_text(explain: &Explain, property: &str, found: &str) -> String {
    // A panic raised inside loom or this harness says nothing about the reader's code.
    let at = PANIC_AT.take().filter(|place| {
        !place.contains("/.cargo/registry/")
            && !place.contains("loom-harness")
            && !place.contains("sync-shim")
    });
    let package = package_name();
    let base = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let mut text = explain_with(explain, property, found, at.as_deref(), &package);
    if !is_todo(found) {
        text.push_str(&asleep_text(&sync_shim::trace::asleep_in(), found, &base));
        let trace = trace_text(&sync_shim::trace::steps(), &base);
        if found.starts_with(SPINNING) {
            text.push_str(&trace.replace(
                "The last steps of that interleaving",
                "The last steps of the last interleaving explored",
            ));
        } else {
            text.push_str(&trace);
        }
    }
    text
}

fn package_name() -> String {
    std::env::var("CARGO_PKG_NAME").unwrap_or_else(|_| "exercise-NN".into())
}

/// `n` with a comma between each group of three digits: 50,000.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut text = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    text
}

/// The line by which an exercise's `src/lib.rs` binds `crate::sync` to std (split so that
/// this file does not hold it).
const SWITCH: &str = concat!("use sync_shim::", "std_sync as sync;");

/// Whether the crate in `dir` reaches its primitives through the std/loom switch (an
/// exercise, a solution, a mutant): its `src/lib.rs` has the line of [`SWITCH`].
fn uses_the_switch(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join("src").join("lib.rs")).is_ok_and(|text| text.contains(SWITCH))
}

/// When a model failed because threads never stopped waiting (a deadlock, or loom giving up),
/// and some are asleep without having been woken: where each fell asleep, in the words of
/// what it called. A sleeper in the shim's `Condvar::wait` is told about `Condvar::wait` and
/// `notify_one`/`notify_all`; one in `atomic_wait::wait` about `wake_one`/`wake_all`.
pub fn asleep_text(
    asleep: &[(String, &'static std::panic::Location<'static>, SleepsIn)],
    found: &str,
    base: &str,
) -> String {
    if asleep.is_empty()
        || !(found.contains("maximum number of branches") || found.starts_with("deadlock"))
    {
        return String::new();
    }
    let mut text = String::new();
    for (sleeps_in, heading) in [
        (
            SleepsIn::Condvar,
            "Asleep in Condvar::wait, never woken (a lost wake-up: no notify_one or notify_all \
             on that Condvar came after the change the waiter waits for, or it woke another \
             waiter instead; make the change under the Condvar's mutex, then notify):",
        ),
        (
            SleepsIn::AtomicWait,
            "Asleep in atomic_wait::wait, never woken (a lost wake-up: the wake came before \
             the sleep, or never came; every change a sleeper waits for must be followed by a \
             wake_one or wake_all on the same atomic):",
        ),
    ] {
        let mut lines = asleep
            .iter()
            .filter(|(_, _, what)| *what == sleeps_in)
            .peekable();
        if lines.peek().is_none() {
            continue;
        }
        text.push_str("\n\n");
        text.push_str(heading);
        for (thread, at, _) in lines {
            text.push_str(&format!(
                "\n    {} at {}:{}",
                thread_name(thread),
                shorten(at.file(), base),
                at.line()
            ));
        }
    }
    text
}

/// The last steps of the failing interleaving, for the reader: thread, operation, and the
/// line (relative to the crate under test when it is inside it).
pub fn trace_text(steps: &[sync_shim::trace::Step], base: &str) -> String {
    if steps.is_empty() {
        return String::new();
    }
    let mut text = String::from(
        "\n\nThe last steps of that interleaving (thread, operation, the line that made it):\n",
    );
    let lines: Vec<String> = steps
        .iter()
        .map(|step| {
            let file = shorten(step.at.file(), base);
            let ordering = step
                .ordering
                .map(|o| format!("({o:?})"))
                .unwrap_or_default();
            format!(
                "    {:<12} {:<44} {file}:{}\n",
                thread_name(&step.thread),
                format!("{}{ordering}", step.operation),
                step.at.line()
            )
        })
        .collect();
    text.push_str(&fold_repeats(&lines));
    text.push_str("(\"main\" is the model's own thread; \"thread N\" the ones it spawned.)");
    text
}

/// The lines with each run of a repeated group of up to four lines written once, followed by
/// how often it repeated: a thread spinning for ever shows its loop once, not fifty times.
fn fold_repeats(lines: &[String]) -> String {
    let mut text = String::new();
    let mut at = 0;
    while at < lines.len() {
        // The group length that covers the most lines by repeating, if any repeats at all.
        let best = (1..=4)
            .filter_map(|len| {
                let group = lines.get(at..at + len)?;
                let times = lines[at..]
                    .chunks(len)
                    .take_while(|chunk| *chunk == group)
                    .count();
                (times >= 2).then_some((len, times))
            })
            .max_by_key(|&(len, times)| (len * times, std::cmp::Reverse(len)));
        match best {
            Some((len, times)) => {
                for line in &lines[at..at + len] {
                    text.push_str(line);
                }
                let what = if len == 1 {
                    "the step above".to_owned()
                } else {
                    format!("the {len} steps above")
                };
                text.push_str(&format!("    ... {what}, {times} times in a row\n"));
                at += len * times;
            }
            None => {
                text.push_str(&lines[at]);
                at += 1;
            }
        }
    }
    text
}

fn thread_name(loom_id: &str) -> String {
    match loom_id
        .strip_prefix("ThreadId(")
        .and_then(|rest| rest.strip_suffix(')'))
    {
        Some("0") => "main".to_owned(),
        Some(n) => format!("thread {n}"),
        None => loom_id.to_owned(),
    }
}

/// `file` relative to `base` when it is inside it.
fn shorten<'f>(file: &'f str, base: &str) -> &'f str {
    if base.is_empty() {
        return file;
    }
    file.strip_prefix(base)
        .map(|rest| rest.trim_start_matches('/'))
        .unwrap_or(file)
}

/// What loom's panic message means for the learner, in plain words.
pub fn explain(property: &str, found: &str, at: Option<&str>, package: &str) -> String {
    explain_with(&Explain::default(), property, found, at, package)
}

/// [`explain`] with an exercise's own explanations.
pub fn explain_with(
    explain: &Explain,
    property: &str,
    found: &str,
    at: Option<&str>,
    package: &str,
) -> String {
    let at = at.map(|place| format!(" at {place}")).unwrap_or_default();
    if is_todo(found) {
        return format!(
            "not checked yet: {property}\n\nYour code reached a `todo!()`{at}:\n    {found}"
        );
    }
    if let Some(rest) = found.strip_prefix(SPINNING) {
        let bound = rest.trim();
        // An exercise's own words replace the lock advice: in a spin lock, a lock-free queue
        // or a Condvar-based pool, "sleep in atomic_wait::wait" would point the wrong way.
        let advice = if explain.spins_forever.is_empty() {
            "A waiter looks at the lock a few times at most, then sleeps in atomic_wait::wait \
             until a wake-up (book: book/src/part-3/blocking.md#the-futex-idea, and #measuring \
             for a short spin before sleeping)."
                .to_owned()
        } else {
            format!(
                "In this exercise a loop that never ends usually means: {}",
                explain.spins_forever
            )
        };
        return format!(
            "stopped, not finished: {property}\n\n\
             This model explored more than {bound} without finishing (the course's own \
             solutions need a few thousand at most), and every one it explored passed: does a \
             loop of your code spin or retry where it should return or sleep? Under loom each \
             turn of a loop (hint::spin_loop is a yield there) is one more place where the \
             other threads may run, and the interleavings multiply with every turn.\n\n\
             {advice}\n\n\
             The steps below are those of the last interleaving explored; a spinning loop \
             shows up as a group of steps repeated many times."
        );
    }
    let (kind, general) = meaning_of(found);
    let specific = match kind {
        Kind::Race => explain.race,
        Kind::SpinsForever => explain.spins_forever,
        Kind::Deadlock => explain.deadlock,
        Kind::Assertion => explain.assertion,
        Kind::Leak => "",
    };
    let meaning = if specific.is_empty() {
        general.to_owned()
    } else {
        format!("{general}\n\nIn this exercise that usually means: {specific}")
    };
    let book = if explain.book.is_empty() {
        String::new()
    } else {
        format!("\n\nRead: {}", explain.book)
    };
    format!(
        "loom found an interleaving in which this does not hold:\n    {property}\n\n\
         {meaning}{book}\n\nWhat loom reported{at}:\n{found}\n\n\
         To print every step of that interleaving:\n    \
         LOOM_LOG=trace cargo test -p {package} -- {test} --exact --test-threads=1",
        test = current_test()
    )
}

/// The running test's name: libtest names each test's thread after it
/// (`under_loom::loom_two_threads_add`).
fn current_test() -> String {
    std::thread::current()
        .name()
        .filter(|name| *name != "main")
        .unwrap_or("under_loom::NAME_OF_THE_TEST")
        .to_owned()
}

fn is_todo(found: &str) -> bool {
    found.starts_with("not yet implemented") || found.starts_with("not implemented")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Race,
    SpinsForever,
    Deadlock,
    Leak,
    Assertion,
}

fn meaning_of(found: &str) -> (Kind, &'static str) {
    if found.contains("Causality violation") && found.contains("UnsafeCell") {
        (
            Kind::Race,
            "Two threads touched the value inside an UnsafeCell with no happens-before edge \
             between them. Either both were inside the critical section at the same time (the \
             lock let both in), or the hand-off is not ordered: the unlock must be a Release \
             write that the next lock reads with Acquire, or the next holder may see stale data.",
        )
    } else if found.contains("Causality violation") {
        (
            Kind::Race,
            "Two threads accessed the same memory with no happens-before edge between them: \
             some write is not published with Release, or its reader does not use Acquire.",
        )
    } else if found.contains("maximum number of branches") {
        (
            Kind::SpinsForever,
            "In some interleaving a thread waits for ever (spinning, or asleep in \
             atomic_wait::wait): the lock is never released, or a hand-off or a wake-up never \
             reaches the thread that waits for it.",
        )
    } else if found.starts_with("deadlock") || found.contains("\ndeadlock") {
        (
            Kind::Deadlock,
            "Every thread is blocked waiting for another: a deadlock. Is a lock never \
             released, or a waiter never woken?",
        )
    } else if found.contains("leaked") {
        (
            Kind::Leak,
            "Something allocated in the model was never freed: a value that is never dropped, \
             or an Arc cycle.",
        )
    } else {
        (
            Kind::Assertion,
            "The model's own check failed in that interleaving. Below is the assertion that \
             failed; think about which order of steps between the threads produces it.",
        )
    }
}

thread_local! {
    // Loom runs a model's threads as coroutines on the test's own OS thread, so this flag
    // covers every panic raised inside the model.
    static IN_MODEL: Cell<bool> = const { Cell::new(false) };
    static PANIC_AT: RefCell<Option<String>> = const { RefCell::new(None) };
    // The running model's explanations and property, for a failure reported from the hook.
    static RUNNING: RefCell<Option<(Explain, String)>> = const { RefCell::new(None) };
    // The panic that started the current execution's failure (loom's deadlock report wins
    // over the panics that unwinding out of it may raise), with where it was raised.
    static FIRST_PANIC: RefCell<Option<(String, Option<String>)>> = const { RefCell::new(None) };
}

/// The message Rust's runtime panics with when a destructor panics while a panic unwinds;
/// the process aborts right after the hook has seen it.
const ABORTING: &str = "panic in a destructor during cleanup";

/// Inside a model, a panic is reported once, explained, by [`check`]; the default hook would
/// print it a second time first. Outside a model the default hook runs as before.
fn install_quiet_panic_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let default_hook = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if IN_MODEL.get() {
                let place = info
                    .location()
                    .map(|l| format!("{}:{}", l.file(), l.line()));
                let message = payload_text(info.payload());
                if message == ABORTING {
                    report_before_abort();
                    return;
                }
                FIRST_PANIC.with_borrow_mut(|first| {
                    let keep = first
                        .as_ref()
                        .is_some_and(|(found, _)| found.starts_with("deadlock"));
                    if first.is_none() || (!keep && message.starts_with("deadlock")) {
                        *first = Some((message, place.clone()));
                    }
                });
                PANIC_AT.set(place);
            } else {
                default_hook(info);
            }
        }));
    });
}

/// A model failed, and unwinding out of it dropped loom objects (an `Arc`, a guard, a
/// `JoinHandle`) that panicked again: Rust aborts the test program, and with it every message
/// libtest kept for the end. So the failure is written now, straight to the process's stderr
/// (libtest's capture would die with the process), between two marker lines that
/// `cargo run -- check` looks for.
fn report_before_abort() {
    use std::io::Write;
    let Some((found, place)) = FIRST_PANIC.take() else {
        return;
    };
    let Some((explain, property)) = RUNNING.take() else {
        return;
    };
    PANIC_AT.set(place);
    let text = failure_text(&explain, &property, &found);
    let package = package_name();
    let report = format!(
        "\n{ABORT_BEGIN} {test}\n{text}\n\n\
         The test program aborts after this failure: unwinding out of the failing model \
         dropped loom objects, which panicked again, and Rust stops a program when a \
         destructor panics during unwinding. The other tests' results are lost with it; to see \
         the real-thread tests' messages, run them alone:\n    \
         cargo test -p {package} -- threads::\n{ABORT_END}\n",
        test = current_test()
    );
    let _ = std::io::stderr().lock().write_all(report.as_bytes());
}

/// The lines around [`report_before_abort`]'s text.
pub const ABORT_BEGIN: &str = "loom-harness: this model failed, and the program aborts next:";
pub const ABORT_END: &str = "loom-harness: end of the report";

fn payload_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "(a panic without a message)".to_owned()
    }
}

/// Paths an exercise must not write in `src/`, and what to write instead.
const BYPASSES: &[(&str, &str)] = &[
    ("std::sync::atomic", "crate::sync::atomic"),
    ("core::sync::atomic", "crate::sync::atomic"),
    ("std::cell::UnsafeCell", "crate::sync::cell::UnsafeCell"),
    ("core::cell::UnsafeCell", "crate::sync::cell::UnsafeCell"),
    ("std::sync::Arc", "crate::sync::Arc"),
    ("std::sync::Mutex", "crate::sync::Mutex"),
    ("std::sync::Condvar", "crate::sync::Condvar"),
    ("std::thread", "crate::sync::thread"),
    ("std::hint::spin_loop", "crate::sync::hint::spin_loop"),
    ("core::hint::spin_loop", "crate::sync::hint::spin_loop"),
];

/// Checks every `.rs` file in `<crate_dir>/src` for synchronisation that bypasses
/// `crate::sync`, and for inner attributes in module files (which `include!` rejects).
/// Returns one line per problem, naming file, line and what to write instead.
pub fn check_sources(crate_dir: &str) -> Result<(), String> {
    let src = Path::new(crate_dir).join("src");
    let entries = std::fs::read_dir(&src)
        .map_err(|error| format!("cannot read {}: {error}", src.display()))?;
    let mut files: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
        .collect();
    files.sort();

    let mut problems = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path)
            .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
        let name = format!(
            "src/{}",
            path.file_name().unwrap_or_default().to_string_lossy()
        );
        problems.extend(source_problems(&name, &text));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}\n\nThe loom checks compile your code with `crate::sync` bound to loom; anything \
             taken from std directly is invisible to them, so they would pass without checking \
             your code.",
            problems.join("\n")
        ))
    }
}

/// The problems in one source file (`name` as shown to the learner, such as `src/lib.rs`).
pub fn source_problems(name: &str, text: &str) -> Vec<String> {
    let is_root = name.ends_with("lib.rs");
    let mut problems = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let trimmed = line.trim_start();
        if !is_root && (trimmed.starts_with("//!") || trimmed.starts_with("#![")) {
            problems.push(format!(
                "{name}:{number}: inner attribute or `//!` comment in a module file. The loom \
                 test includes this file with `include!`, which rejects them: use `//` here, \
                 and put module docs on the `mod` line in src/lib.rs."
            ));
        }
        let code = line.split("//").next().unwrap_or_default();
        for (bypass, instead) in BYPASSES {
            if code.contains(bypass) {
                problems.push(format!(
                    "{name}:{number}: `{bypass}` bypasses the std/loom switch; write `{instead}` instead."
                ));
            }
        }
    }
    problems.extend(use_tree_problems(name, text, &problems));
    problems
}

/// Bypasses that a plain text search misses: grouped imports (`use std::{hint, sync::atomic::
/// AtomicBool};`) and a parent module imported and then used by its last name (`use
/// std::hint;` then `hint::spin_loop()`). Lines already reported are skipped.
fn use_tree_problems(name: &str, text: &str, reported: &[String]) -> Vec<String> {
    let code: String = text
        .lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n");
    let mut problems = Vec::new();
    let mut rest = code.as_str();
    while let Some(start) = find_use(rest) {
        let offset = code.len() - rest.len() + start;
        let after = &code[offset + 4..];
        let Some(end) = after.find(';') else { break };
        let number = code[..offset].matches('\n').count() + 1;
        let tree: String = after[..end]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        for path in expand_use_tree(tree.trim_start_matches("::")) {
            let path = path.split(" as ").next().unwrap_or_default();
            let root_is_std = path.starts_with("std::") || path.starts_with("core::");
            let already = reported
                .iter()
                .any(|p| p.starts_with(&format!("{name}:{number}:")));
            for (bypass, instead) in BYPASSES {
                let hit = if root_is_std && path.starts_with(bypass) {
                    !already
                } else if root_is_std && bypass.starts_with(&format!("{path}::")) {
                    // A parent module: a bypass only if the file goes on to use the rest
                    // through its last name (`hint::spin_loop`).
                    let last = path.rsplit("::").next().unwrap_or_default();
                    let tail = &bypass[path.len() - last.len()..];
                    code.contains(tail)
                } else {
                    false
                };
                let problem = format!(
                    "{name}:{number}: this `use` reaches `{bypass}`, which bypasses the \
                     std/loom switch; write `{instead}` instead."
                );
                if hit && !problems.contains(&problem) {
                    problems.push(problem);
                }
            }
        }
        rest = &code[offset + 4 + end..];
    }
    problems
}

/// The byte offset of the next `use` keyword that starts an item.
fn find_use(code: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(found) = code[from..].find("use ") {
        let at = from + found;
        let before = code[..at].chars().next_back();
        if before.is_none_or(|c| !(c.is_alphanumeric() || c == '_')) {
            return Some(at);
        }
        from = at + 4;
    }
    None
}

/// `std::{hint,sync::{atomic::AtomicBool,Arc}}` → every path it names (no whitespace in).
fn expand_use_tree(tree: &str) -> Vec<String> {
    let Some(open) = tree.find('{') else {
        return vec![tree.to_owned()];
    };
    let prefix = &tree[..open];
    let inner = tree[open + 1..]
        .strip_suffix('}')
        .unwrap_or(&tree[open + 1..]);
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    for (index, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(&inner[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|part| !part.is_empty())
        .flat_map(|part| {
            let part = if part == "self" { "" } else { part };
            expand_use_tree(part)
                .into_iter()
                .map(|sub| {
                    if sub.is_empty() {
                        prefix.trim_end_matches("::").to_owned()
                    } else {
                        format!("{prefix}{sub}")
                    }
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Where `text` (Rust source) names one of the `forbidden` paths, as `(line, path)` pairs in
/// the order found, one per line and path.
///
/// A forbidden path (`"sync::Mutex"`, `"thread::sleep"`, `"parking_lot"`) is matched as whole
/// path segments, never as a substring: `thread::sleep` is found in `thread::sleep(d)`, in
/// `use crate::sync::thread::{self, sleep};` and in `use std::thread::*;` followed by
/// `sleep(d)`, but not in a helper of the learner's own called `sleep`, a field
/// `parked_thread` or a tuple `(Condvar, Mutex<State>)`. Comments, strings and character
/// literals are skipped; grouped imports are expanded, even across lines. A segment `sync`
/// also matches `std_sync`, the shim's module that `crate::sync` is bound to.
pub fn forbidden_paths<'a>(text: &str, forbidden: &[&'a str]) -> Vec<(usize, &'a str)> {
    let tokens = path_tokens(text);
    let idents: std::collections::HashSet<&str> = tokens
        .iter()
        .filter_map(|(_, token)| match token {
            PathToken::Ident(name) => Some(name.as_str()),
            _ => None,
        })
        .collect();
    let mut hits = Vec::new();
    let mut at = 0;
    while at < tokens.len() {
        if matches!(tokens[at].1, PathToken::Ident(_)) {
            let mut paths = Vec::new();
            at = read_path(&tokens, at, &[], &mut paths);
            for (line, path) in paths {
                for bad in forbidden {
                    let wanted: Vec<&str> = bad.split("::").collect();
                    let hit = if path.last().is_some_and(|last| last == "*") {
                        // A glob: a hit if it brings in the start of the forbidden path and
                        // the file names the rest.
                        let before = &path[..path.len() - 1];
                        (1..wanted.len()).any(|k| {
                            before.len() >= k
                                && before[before.len() - k..]
                                    .iter()
                                    .zip(&wanted[..k])
                                    .all(|(a, b)| same_segment(a, b))
                                && idents.contains(wanted[k])
                        }) || contains_segments(before, &wanted)
                    } else {
                        contains_segments(&path, &wanted)
                    };
                    if hit && !hits.contains(&(line, *bad)) {
                        hits.push((line, *bad));
                    }
                }
            }
        } else {
            at += 1;
        }
    }
    hits
}

fn contains_segments(path: &[String], wanted: &[&str]) -> bool {
    wanted.len() <= path.len()
        && path
            .windows(wanted.len())
            .any(|window| window.iter().zip(wanted).all(|(a, b)| same_segment(a, b)))
}

fn same_segment(found: &str, wanted: &str) -> bool {
    found == wanted || (wanted == "sync" && found == "std_sync")
}

#[derive(Debug, PartialEq)]
enum PathToken {
    Ident(String),
    Colons,
    Open,
    Close,
    Comma,
    Star,
    Other,
}

/// Reads the path (or use tree) that starts at `tokens[at]`, pushing every full path it names
/// (with `prefix` before it) and the line of its last segment; returns the index after it.
fn read_path(
    tokens: &[(usize, PathToken)],
    mut at: usize,
    prefix: &[String],
    paths: &mut Vec<(usize, Vec<String>)>,
) -> usize {
    let mut path = prefix.to_vec();
    let mut line = tokens.get(at).map_or(0, |(line, _)| *line);
    loop {
        match tokens.get(at) {
            Some((here, PathToken::Ident(name))) => {
                if name != "self" || path.is_empty() {
                    path.push(name.clone());
                }
                line = *here;
                at += 1;
            }
            Some((here, PathToken::Star)) => {
                path.push("*".to_owned());
                line = *here;
                at += 1;
            }
            Some((_, PathToken::Open)) => {
                at += 1;
                loop {
                    match tokens.get(at) {
                        Some((_, PathToken::Comma)) => at += 1,
                        Some((_, PathToken::Close)) => return at + 1,
                        None => return at,
                        Some(_) => at = read_path(tokens, at, &path, paths).max(at + 1),
                    }
                }
            }
            _ => break,
        }
        if matches!(tokens.get(at), Some((_, PathToken::Colons))) {
            at += 1;
        } else {
            break;
        }
    }
    if !path.is_empty() {
        paths.push((line, path));
    }
    // `x as y`: the alias is not a path of its own.
    if matches!(tokens.get(at), Some((_, PathToken::Ident(word))) if word == "as") {
        at += 2;
    }
    at
}

/// The tokens of `text` that paths are made of, each with its line (from 1); comments,
/// strings and character literals are left out.
fn path_tokens(text: &str) -> Vec<(usize, PathToken)> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let (mut at, mut line) = (0, 1);
    let skip_to = |from: usize, end: &dyn Fn(usize) -> bool, line: &mut usize| {
        let mut at = from;
        while at < chars.len() && !end(at) {
            if chars[at] == '\n' {
                *line += 1;
            }
            at += 1;
        }
        at
    };
    while at < chars.len() {
        let c = chars[at];
        let next = chars.get(at + 1).copied();
        if c == '\n' {
            line += 1;
            at += 1;
        } else if c.is_whitespace() {
            at += 1;
        } else if c == '/' && next == Some('/') {
            at = skip_to(at, &|i| chars[i] == '\n', &mut line);
        } else if c == '/' && next == Some('*') {
            at = skip_to(
                at + 2,
                &|i| chars[i] == '*' && chars.get(i + 1) == Some(&'/'),
                &mut line,
            ) + 2;
        } else if c == '"' {
            at = skip_to(
                at + 1,
                &|i| {
                    chars[i] == '"'
                        && (i == 0 || chars[i - 1] != '\\' || (i >= 2 && chars[i - 2] == '\\'))
                },
                &mut line,
            ) + 1;
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && {
            let mut i = at + 1;
            while chars.get(i) == Some(&'#') {
                i += 1;
            }
            chars.get(i) == Some(&'"')
        } {
            let hashes = chars[at + 1..].iter().take_while(|&&h| h == '#').count();
            let body = at + 2 + hashes;
            at = skip_to(
                body,
                &|i| {
                    chars[i] == '"'
                        && chars[i + 1..]
                            .iter()
                            .take(hashes)
                            .filter(|&&h| h == '#')
                            .count()
                            == hashes
                },
                &mut line,
            ) + 1
                + hashes;
        } else if c == '\'' {
            // A character literal ('a', '\n', '\'') or a lifetime ('a).
            if next == Some('\\') {
                at = skip_to(at + 2, &|i| chars[i] == '\'', &mut line) + 1;
            } else if chars.get(at + 2) == Some(&'\'') {
                at += 3;
            } else {
                at += 1;
                while at < chars.len() && (chars[at].is_alphanumeric() || chars[at] == '_') {
                    at += 1;
                }
                tokens.push((line, PathToken::Other));
            }
        } else if c.is_alphabetic() || c == '_' {
            let start = at;
            while at < chars.len() && (chars[at].is_alphanumeric() || chars[at] == '_') {
                at += 1;
            }
            let word: String = chars[start..at].iter().collect();
            if word == "r" && chars.get(at) == Some(&'#') {
                at += 1;
                continue;
            }
            tokens.push((line, PathToken::Ident(word)));
        } else if c == ':' && next == Some(':') {
            tokens.push((line, PathToken::Colons));
            at += 2;
        } else {
            tokens.push((
                line,
                match c {
                    '{' => PathToken::Open,
                    '}' => PathToken::Close,
                    ',' => PathToken::Comma,
                    '*' => PathToken::Star,
                    _ => PathToken::Other,
                },
            ));
            at += 1;
        }
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORBIDDEN: &[&str] = &[
        "sync::Mutex",
        "sync::Condvar",
        "thread::sleep",
        "thread::park",
        "hint::spin_loop",
        "yield_now",
        "parking_lot",
    ];

    #[test]
    fn forbidden_paths_are_found_whole_in_calls_and_grouped_imports() {
        let text = "use crate::sync::{\n    Arc,\n    Condvar,\n};\nfn f() {\n    \
                    std::thread::sleep(d);\n    thread::park();\n}\nuse std::thread::*;\n\
                    use crate::sync::hint::spin_loop as spin;\nuse parking_lot::Mutex as M;\n\
                    type S = sync_shim::std_sync::Mutex<u8>;\n";
        assert_eq!(
            forbidden_paths(text, FORBIDDEN),
            vec![
                (3, "sync::Condvar"),
                (6, "thread::sleep"),
                (7, "thread::park"),
                (9, "thread::sleep"),
                (9, "thread::park"),
                (10, "hint::spin_loop"),
                (11, "parking_lot"),
                (12, "sync::Mutex"),
            ]
        );
    }

    #[test]
    fn the_learners_own_names_are_not_forbidden_paths() {
        let text = "use super::mutex::{Mutex, MutexGuard};\nuse super::condvar::Condvar;\n\
                    struct T { parked_thread: u32, shared: Arc<(Condvar, Mutex<State>)> }\n\
                    fn sleep(x: u32) { sleep(x); self::sleep(x); }\n\
                    // thread::sleep(d) in a comment\n/* sync::Mutex */\n\
                    const S: &str = \"thread::park() in a string\";\nfn g<'a>(c: char) -> bool { c == '{' }\n";
        assert_eq!(forbidden_paths(text, FORBIDDEN), vec![]);
    }

    #[test]
    fn a_direct_std_atomic_is_reported_with_what_to_write_instead() {
        let problems = source_problems(
            "src/spin_lock.rs",
            "use std::sync::atomic::{AtomicBool, Ordering};\n",
        );
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("src/spin_lock.rs:1"));
        assert!(problems[0].contains("crate::sync::atomic"));
    }

    #[test]
    fn grouped_imports_and_parent_modules_are_reported_too() {
        let grouped = "use std::{\n    hint,\n    sync::atomic::{AtomicBool, Ordering},\n};\n";
        let problems = source_problems("src/spin_lock.rs", grouped);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with("src/spin_lock.rs:1:"),
            "{problems:?}"
        );
        assert!(problems[0].contains("crate::sync::atomic"), "{problems:?}");

        let parent = "use std::hint;\nfn wait() { hint::spin_loop(); }\n";
        let problems = source_problems("src/spin_lock.rs", parent);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].contains("crate::sync::hint::spin_loop"),
            "{problems:?}"
        );

        let renamed = "use core::sync::atomic as a;\n";
        assert_eq!(source_problems("src/lib.rs", renamed).len(), 1);
        // One report per line, not one per detector.
        let plain = "use std::sync::atomic::AtomicBool;\n";
        assert_eq!(source_problems("src/lib.rs", plain).len(), 1);
    }

    #[test]
    fn grouped_imports_of_harmless_std_items_are_fine() {
        let text = "use std::{fmt, hint::black_box, sync::mpsc};\nuse crate::sync::hint;\n\
                    fn f() { hint::spin_loop(); }\n";
        assert!(
            source_problems("src/lib.rs", text).is_empty(),
            "{:?}",
            source_problems("src/lib.rs", text)
        );
        let shim = "use crate::sync::{Arc, atomic::{AtomicUsize, Ordering}};\n";
        assert!(source_problems("src/lib.rs", shim).is_empty());
    }

    #[test]
    fn a_spinning_loop_is_shown_once_with_its_count() {
        let line = |text: &str| format!("{text}\n");
        let lines = [
            line("t1 swap"),
            line("t2 load"),
            line("t2 spin"),
            line("t2 load"),
            line("t2 spin"),
            line("t2 load"),
            line("t2 spin"),
            line("t1 store"),
            line("t1 store"),
        ];
        assert_eq!(
            fold_repeats(&lines),
            "t1 swap\nt2 load\nt2 spin\n    ... the 2 steps above, 3 times in a row\n\
             t1 store\n    ... the step above, 2 times in a row\n"
        );
        assert_eq!(fold_repeats(&lines[..2]), "t1 swap\nt2 load\n");
    }

    #[test]
    fn comments_and_the_shim_itself_are_fine() {
        let text = "// not std::sync::atomic here\nuse crate::sync::atomic::AtomicBool;\n";
        assert!(source_problems("src/spin_lock.rs", text).is_empty());
    }

    #[test]
    fn inner_doc_comments_are_rejected_in_module_files_only() {
        assert_eq!(source_problems("src/spin_lock.rs", "//! docs\n").len(), 1);
        assert!(source_problems("src/lib.rs", "//! docs\n").is_empty());
    }

    #[test]
    fn a_passing_model_passes() {
        check("an atomic add is seen after join", || {
            use sync_shim::loom_sync::{Arc, atomic::AtomicUsize, atomic::Ordering, thread};
            let n = Arc::new(AtomicUsize::new(0));
            let n2 = n.clone();
            let t = thread::spawn(move || n2.fetch_add(1, Ordering::Relaxed));
            n.fetch_add(1, Ordering::Relaxed);
            t.join().unwrap();
            assert_eq!(n.load(Ordering::Relaxed), 2);
        });
    }

    #[test]
    fn a_lost_update_is_found_and_explained() {
        let outcome = panic::catch_unwind(|| {
            check("two threads each add 1, and the total is 2", || {
                use sync_shim::loom_sync::{Arc, atomic::AtomicUsize, atomic::Ordering, thread};
                let n = Arc::new(AtomicUsize::new(0));
                let n2 = n.clone();
                let add = move |n: &AtomicUsize| {
                    let seen = n.load(Ordering::SeqCst);
                    n.store(seen + 1, Ordering::SeqCst);
                };
                let t = thread::spawn(move || add(&n2));
                add(&n);
                t.join().unwrap();
                assert_eq!(n.load(Ordering::SeqCst), 2, "an update was lost");
            });
        });
        let message = payload_text(
            outcome
                .expect_err("loom must find the lost update")
                .as_ref(),
        );
        assert!(message.contains("two threads each add 1"), "{message}");
        assert!(message.contains("an update was lost"), "{message}");
        assert!(message.contains("model's own check failed"), "{message}");
        assert!(
            message.contains("The last steps of that interleaving"),
            "{message}"
        );
        assert!(
            message.contains("AtomicUsize::store(SeqCst)") && message.contains("src/lib.rs:"),
            "the trace names the operation and its line:\n{message}"
        );
    }

    #[test]
    fn thousands_are_grouped_with_commas() {
        assert_eq!(thousands(5), "5");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(50_000), "50,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn a_model_past_its_bound_of_interleavings_fails_as_spinning() {
        const EXPLAIN: Explain = Explain {
            book: "",
            race: "",
            spins_forever: "the waiter never sleeps",
            deadlock: "",
            assertion: "",
        };
        let outcome = panic::catch_unwind(|| {
            Model::new("a waiter sees the flag after spinning a while")
                .explain(&EXPLAIN)
                .max_interleavings(5)
                .check(|| {
                    use sync_shim::loom_sync::{Arc, atomic::AtomicBool, atomic::Ordering};
                    use sync_shim::loom_sync::{hint, thread};
                    let flag = Arc::new(AtomicBool::new(false));
                    let other = Arc::clone(&flag);
                    let waiter = thread::spawn(move || {
                        for _ in 0..10 {
                            if other.load(Ordering::Acquire) {
                                break;
                            }
                            hint::spin_loop();
                        }
                    });
                    flag.store(true, Ordering::Release);
                    waiter.join().unwrap();
                });
        });
        let message = payload_text(
            outcome
                .expect_err("a spinning model must be stopped at its bound")
                .as_ref(),
        );
        assert!(
            message.starts_with("stopped, not finished: a waiter sees the flag"),
            "{message}"
        );
        assert!(
            message.contains("explored more than 5 interleavings")
                && message.contains(
                    "does a loop of your code spin or retry where it should return or sleep?"
                )
                && message.contains("usually means: the waiter never sleeps"),
            "{message}"
        );
        assert!(
            !message.contains("atomic_wait"),
            "the exercise's explanation replaces the lock advice:\n{message}"
        );
        assert!(
            message.contains("The last steps of the last interleaving explored")
                && message.contains("AtomicBool::load(Acquire)"),
            "the steps of the last interleaving are shown:\n{message}"
        );
        if std::env::var_os("SHOW").is_some() {
            eprintln!("{message}");
        }
    }

    #[test]
    fn a_spinning_model_without_an_exercise_explanation_gets_the_lock_advice() {
        const EXPLAIN: Explain = Explain {
            book: "",
            race: "",
            spins_forever: "",
            deadlock: "",
            assertion: "",
        };
        let found = format!("{SPINNING} 5 interleavings");
        let message = explain_with(&EXPLAIN, "a waiter gets in", &found, None, "exercise-06");
        assert!(
            message.starts_with("stopped, not finished: a waiter gets in")
                && message.contains("sleeps in atomic_wait::wait")
                && message.contains("book/src/part-3/blocking.md#the-futex-idea")
                && !message.contains("usually means"),
            "{message}"
        );
    }

    #[test]
    fn an_exercise_explanation_and_book_section_are_added() {
        const EXPLAIN: Explain = Explain {
            book: "book/src/part-2/ticket-locks.md#taking-a-ticket",
            race: "",
            spins_forever: "",
            deadlock: "",
            assertion: "two threads drew the same ticket",
        };
        let text = explain_with(
            &EXPLAIN,
            "p",
            "assertion failed: an update was lost",
            None,
            "exercise-05",
        );
        assert!(text.contains("usually means: two threads drew the same ticket"));
        assert!(text.contains("Read: book/src/part-2/ticket-locks.md#taking-a-ticket"));
        let race = explain_with(&EXPLAIN, "p", "Causality violation", None, "exercise-05");
        assert!(!race.contains("usually means"), "empty texts fall back");
    }

    #[test]
    fn an_unordered_cell_access_is_explained_as_a_missing_happens_before() {
        let text = explain(
            "p",
            "Causality violation: Concurrent write accesses to `UnsafeCell`.",
            None,
            "exercise-04",
        );
        assert!(
            text.contains("LOOM_LOG=trace cargo test -p exercise-04 -- ")
                && text.contains("an_unordered_cell_access_is_explained")
                && text.contains("--exact --test-threads=1"),
            "{text}"
        );
        assert!(text.contains("no happens-before edge"));
    }
}
