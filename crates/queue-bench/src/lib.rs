//! The frame of Part 5's benches (exercises 13 to 16): everything but the workload.
//!
//! Each of those exercises has an example `bench` (`examples/bench.rs`, built by the exercise
//! and by its solution) that passes numbers through the learner's queue or pool and through
//! one or two others, and prints how they compare:
//!
//! ```text
//! cargo run --release -p exercise-13 --example bench            # your queue
//! cargo run --release -p solution-13 --example bench            # the reference queue
//! cargo run --release -p solution-13 --example bench -- --help  # --json, --quick, ...
//! ```
//!
//! The example sits in the learner's folder, so it keeps only what is worth reading there:
//! how each side is driven, and the names of the rows and columns (a [`Bench`]). This crate
//! holds what the four benches share and would otherwise each repeat:
//!
//! - the options (`--json`, `--quick`, `--items N` or `--tasks N`, `--runs N`, `--help`), with
//!   a one-line error and exit code 2 for a bad one;
//! - a first, small run of the learner's code: a `todo!()` there means "not written yet",
//!   said in one sentence, with nothing to measure (and no failure);
//! - the measurement: every side of a row in the same run, in an order that rotates from one
//!   run to the next (so that none always runs first, on a colder or a warmer machine), the
//!   median of the runs, and the check that every item came out once;
//! - a watchdog: a run that has not finished after a minute (an item lost, a wake-up lost)
//!   stops the bench with "possible deadlock" and what it waited for, instead of a hang;
//! - the table and the `--json` document.
//!
//! Parts 3 and 4 have their own frame, crates/lock-bench, which counts how often N threads
//! take a lock in a fixed time. Here a fixed number of items is timed instead: a queue is
//! only done when every item has come out of it.
//!
//! `tests/lab.rs` runs each bench briefly; no test looks at a number it prints.

use std::panic::{self, AssertUnwindSafe};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, Once, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// A bench: the rows, the sides measured in each, and how to show them.
pub struct Bench<'a, C> {
    /// The exercise, as `--json` names the bench: `"exercise-13"`. `--help` shows the
    /// solution's command (`-p solution-13`).
    pub exercise: &'a str,
    /// The package the example is built with: `env!("CARGO_PKG_NAME")`, written in the
    /// example (here it would name this crate).
    pub package: &'a str,
    /// What `--help` says first: what is measured, beside what.
    pub about: &'a str,
    /// What a run passes through, `"items"` or `"tasks"`: it names the option that says how
    /// many (`--items N`) and their key in the JSON.
    pub unit: &'a str,
    /// How many per run, and how many runs.
    pub size: Size,
    /// The same with `--quick`.
    pub quick: Size,
    /// What the table's first line says after the count: `"items per case"`.
    pub heading: &'a str,
    /// Lines between that one and the table.
    pub above: &'a [&'a str],
    /// Lines after the table: what its ratios mean.
    pub below: &'a [&'a str],
    /// The rows of the table, one case each.
    pub cases: &'a [C],
    /// What the table and the JSON show of a case (see [`Param`]).
    pub params: fn(C) -> Vec<Param>,
    /// How a run's time is shown.
    pub measure: Measure,
    /// What is measured side by side in each row, in the order of the columns.
    pub sides: &'a [Side<C>],
    /// The ratios of two sides, after the sides.
    pub ratios: &'a [Ratio],
    /// The sum of what a run of `count` gets back when every item came out once.
    pub expected: fn(count: u64) -> u64,
    /// The learner's code: what to say when it is not written yet.
    pub yours: Yours,
}

/// How many items per run, and how many runs of each side in each row.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Size {
    pub count: u64,
    pub runs: usize,
}

/// One side of a row: a queue or a pool, and how to drive it.
pub struct Side<C> {
    /// Its column's header (followed by `/s` for [`Measure::PerSecond`]), also used in
    /// error messages: `"BlockingQueue"`.
    pub name: &'static str,
    /// Its key in the JSON: `"blocking_queue_items_per_s"`.
    pub key: &'static str,
    /// Its column's width in the table: given, not measured, so that the columns stay put
    /// from one run to the next (and match the tables the book shows).
    pub width: usize,
    /// Runs one case with `count` items: how long it took, and the sum of what came out.
    pub run: fn(case: C, count: u64) -> (Duration, u64),
}

/// A column that divides one side's number by another's in each row.
pub struct Ratio {
    /// Its column's header: `"vs AQ"`.
    pub header: &'static str,
    /// Its column's width in the table, the `x` after the number included (two decimals
    /// below 10, none from 10 on).
    pub width: usize,
    /// Its key in the JSON.
    pub key: &'static str,
    /// The [`Side::name`] of the numerator.
    pub of: &'static str,
    /// The [`Side::name`] of the denominator.
    pub to: &'static str,
}

/// How a run's time is shown.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Measure {
    /// Items per second, in whole numbers (more is faster); the sides' headers end in `/s`.
    PerSecond,
    /// Nanoseconds per item, with one decimal (less is cheaper).
    NanosEach,
}

/// The learner's side: what to say when it is not written yet.
pub struct Yours {
    /// As "Your ... is not written yet" names it: `"BlockingQueue"`, `"ring"`.
    pub name: &'static str,
    /// The files to fill in: `"src/queue.rs"`.
    pub files: &'static str,
    /// A first, small run of the learner's code: a `todo!()` in it means there is nothing to
    /// measure yet.
    pub probe: fn(),
}

/// One parameter of a case, such as its number of producers: a key in the JSON and, for most,
/// a column of the table headed by the same name.
pub struct Param {
    key: &'static str,
    value: Value,
    /// `None`: in the JSON only.
    width: Option<usize>,
}

/// A parameter's value: a number, or a word (JSON writes it in quotes).
pub enum Value {
    Number(u64),
    Text(&'static str),
}

impl From<usize> for Value {
    fn from(n: usize) -> Self {
        Value::Number(n as u64)
    }
}

impl From<&'static str> for Value {
    fn from(text: &'static str) -> Self {
        Value::Text(text)
    }
}

impl Param {
    /// A column of the table, `width` wide and headed by `key`, and a key of the JSON.
    pub fn column(key: &'static str, width: usize, value: impl Into<Value>) -> Param {
        Param {
            key,
            value: value.into(),
            width: Some(width),
        }
    }

    /// A key of the JSON only (the table's first line says it instead).
    pub fn json_only(key: &'static str, value: impl Into<Value>) -> Param {
        Param {
            key,
            value: value.into(),
            width: None,
        }
    }
}

/// Joins a thread of a workload and returns what it returned. A panic in the thread (a
/// `todo!()` in the code under test, say) goes on in the caller, where the bench catches it.
pub fn join<T>(thread: JoinHandle<T>) -> T {
    thread
        .join()
        .unwrap_or_else(|payload| panic::resume_unwind(payload))
}

/// What the command line asked for.
#[derive(Debug, PartialEq)]
struct Options {
    json: bool,
    size: Size,
}

/// One row, measured: the median time of each side.
struct Row<C> {
    case: C,
    medians: Vec<Duration>,
}

/// Why the measurement stopped.
enum Stop {
    /// The learner's code reached a `todo!()`.
    NotWritten,
    /// A run panicked or lost items: the message says which and how.
    Failed(String),
}

impl<C: Copy> Bench<'_, C> {
    /// Runs the bench with this process's arguments: the example's `main`.
    pub fn main(&self) -> ExitCode {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let options = match self.parse(&args) {
            Ok(Some(options)) => options,
            Ok(None) => {
                println!("{}", self.usage());
                return ExitCode::SUCCESS;
            }
            Err(message) => {
                eprintln!("error: {message}\n\n{}", self.usage());
                return ExitCode::from(2);
            }
        };
        let ratios = self.ratio_sides();
        quiet_panics();
        // A first, small run tells whether the learner's code is written at all.
        let probe = format!("a first, small run of your {}", self.yours.name);
        match guarded(|| watched(&probe, self.package, None, self.yours.probe)) {
            Ok(()) => {}
            Err(error) if is_todo(&error) => {
                println!("{}", self.not_written());
                return ExitCode::SUCCESS;
            }
            Err(error) => {
                eprintln!(
                    "error: a first, small run of your {} failed: {error}",
                    self.yours.name
                );
                return ExitCode::FAILURE;
            }
        }
        match self.measure_all(options.size) {
            Ok(rows) => {
                if options.json {
                    println!("{}", self.json(options.size, &rows, &ratios));
                } else {
                    print!("{}", self.table(options.size, &rows, &ratios));
                }
                ExitCode::SUCCESS
            }
            Err(Stop::NotWritten) => {
                println!("{}", self.not_written());
                ExitCode::SUCCESS
            }
            Err(Stop::Failed(message)) => {
                eprintln!("error: {message}");
                ExitCode::FAILURE
            }
        }
    }

    fn not_written(&self) -> String {
        format!(
            "Your {} is not written yet (a todo!() panicked): nothing to measure. Fill in {}, \
             then run the bench again.",
            self.yours.name, self.yours.files
        )
    }

    /// The `--help` text.
    fn usage(&self) -> String {
        let solution = self.exercise.replace("exercise-", "solution-");
        let (unit, size, quick) = (self.unit, self.size, self.quick);
        let option = |flag: &str, text: &str| format!("\n  {flag:<12}{text}");
        format!(
            "{about}\n\nUsage: cargo run --release -p {solution} --example bench [-- OPTIONS]\n\n\
             Options:{}{}{}{}{}",
            option("--json", "print one JSON document instead of the table"),
            option(
                "--quick",
                &format!("fewer {unit} and runs: finishes in seconds, numbers rough")
            ),
            option(
                &format!("--{unit} N"),
                &format!(
                    "{unit} per run (default {}, {} with --quick)",
                    size.count, quick.count
                )
            ),
            option(
                "--runs N",
                &format!(
                    "runs of each; the median is shown (default {}, {} with --quick)",
                    size.runs, quick.runs
                )
            ),
            option("-h, --help", "this text"),
            about = self.about,
        )
    }

    /// `Ok(None)` for `--help`. `--items` and `--runs` win over `--quick`, wherever they are.
    fn parse(&self, args: &[String]) -> Result<Option<Options>, String> {
        let count_flag = format!("--{}", self.unit);
        let (mut json, mut quick, mut count, mut runs) = (false, false, None, None);
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut value = |name: &str| {
                args.next()
                    .map(String::as_str)
                    .ok_or_else(|| format!("{name} needs a value"))
            };
            match arg.as_str() {
                "--json" => json = true,
                "--quick" => quick = true,
                "--runs" => runs = Some(whole_number(value("--runs")?, "--runs", 100)? as usize),
                flag if flag == count_flag => {
                    count = Some(whole_number(value(flag)?, flag, 1_000_000_000)?);
                }
                "-h" | "--help" => return Ok(None),
                other if other.starts_with('-') => {
                    return Err(format!("unknown option `{other}`"));
                }
                other => {
                    return Err(format!(
                        "unexpected argument `{other}` (the bench takes only options)"
                    ));
                }
            }
        }
        let size = if quick { self.quick } else { self.size };
        Ok(Some(Options {
            json,
            size: Size {
                count: count.unwrap_or(size.count),
                runs: runs.unwrap_or(size.runs),
            },
        }))
    }

    /// For each ratio, the indices of its two sides.
    fn ratio_sides(&self) -> Vec<(usize, usize)> {
        let index = |name: &str| {
            self.sides
                .iter()
                .position(|side| side.name == name)
                .unwrap_or_else(|| panic!("the bench has no side named {name:?}"))
        };
        self.ratios
            .iter()
            .map(|ratio| (index(ratio.of), index(ratio.to)))
            .collect()
    }

    fn measure_all(&self, size: Size) -> Result<Vec<Row<C>>, Stop> {
        let expected = (self.expected)(size.count);
        let sides = self.sides.len();
        let mut rows = Vec::new();
        for &case in self.cases {
            let mut samples = vec![Vec::new(); sides];
            for run in 0..size.runs {
                // Rotate which side goes first, so that none always runs on a warmer (or
                // hotter) machine.
                for turn in 0..sides {
                    let which = (run + turn) % sides;
                    let side = &self.sides[which];
                    let what = format!("{} ({})", side.name, self.describe(case));
                    let longest = samples[which].iter().max().copied();
                    let (took, sum) = guarded(|| {
                        watched(&what, self.package, longest, || {
                            (side.run)(case, size.count)
                        })
                    })
                    .map_err(|error| {
                        if is_todo(&error) {
                            Stop::NotWritten
                        } else {
                            Stop::Failed(format!("{what} {error}"))
                        }
                    })?;
                    if sum != expected {
                        return Err(Stop::Failed(format!(
                            "{} ({}): {} were lost, duplicated or changed: what came out adds \
                             up to {sum}, not {expected}",
                            side.name,
                            self.describe(case),
                            self.unit
                        )));
                    }
                    samples[which].push(took);
                }
            }
            rows.push(Row {
                case,
                medians: samples.into_iter().map(median).collect(),
            });
        }
        Ok(rows)
    }

    /// A case in words: "producers 1, consumers 2, capacity 64".
    fn describe(&self, case: C) -> String {
        (self.params)(case)
            .iter()
            .map(|param| match &param.value {
                Value::Number(n) => format!("{} {n}", param.key),
                Value::Text(text) => format!("{} {text}", param.key),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// What the table and the JSON show of each side of a row, whose runs passed `count`.
    fn shown(&self, row: &Row<C>, count: u64) -> Vec<f64> {
        let show = |took: &Duration| match self.measure {
            Measure::PerSecond => count as f64 / took.as_secs_f64().max(1e-9),
            Measure::NanosEach => took.as_secs_f64() * 1e9 / count as f64,
        };
        row.medians.iter().map(show).collect()
    }

    fn decimals(&self) -> usize {
        match self.measure {
            Measure::PerSecond => 0,
            Measure::NanosEach => 1,
        }
    }

    fn table(&self, size: Size, rows: &[Row<C>], ratios: &[(usize, usize)]) -> String {
        let cpus = thread::available_parallelism().map_or(1, |n| n.get());
        let mut out = format!(
            "{} {}, median of {} runs, {cpus} CPUs, package {}\n",
            size.count, self.heading, size.runs, self.package
        );
        for line in self.above {
            out += &format!("{line}\n");
        }
        let mut header = Vec::new();
        if let Some(row) = rows.first() {
            for param in (self.params)(row.case) {
                if let Some(width) = param.width {
                    header.push(format!("{:>width$}", param.key));
                }
            }
        }
        let per_second = if self.measure == Measure::PerSecond {
            "/s"
        } else {
            ""
        };
        for side in self.sides {
            let name = format!("{}{per_second}", side.name);
            header.push(format!("{name:>width$}", width = side.width));
        }
        for ratio in self.ratios {
            header.push(format!("{:>width$}", ratio.header, width = ratio.width));
        }
        out += &format!("{}\n", header.join(" "));
        let decimals = self.decimals();
        for row in rows {
            let mut cells = Vec::new();
            for param in (self.params)(row.case) {
                if let Some(width) = param.width {
                    cells.push(match param.value {
                        Value::Number(n) => format!("{n:>width$}"),
                        Value::Text(text) => format!("{text:>width$}"),
                    });
                }
            }
            let values = self.shown(row, size.count);
            for (side, value) in self.sides.iter().zip(&values) {
                cells.push(format!("{value:>width$.decimals$}", width = side.width));
            }
            for (ratio, &(of, to)) in self.ratios.iter().zip(ratios) {
                let width = ratio.width.saturating_sub(1);
                cells.push(format!("{:>width$}x", times(values[of] / values[to])));
            }
            out += &format!("{}\n", cells.join(" "));
        }
        for line in self.below {
            out += &format!("{line}\n");
        }
        out
    }

    /// One JSON document on one line: the bench, the package, the CPUs, and a case per row
    /// (its parameters, the count, the runs, each side's number and each ratio).
    fn json(&self, size: Size, rows: &[Row<C>], ratios: &[(usize, usize)]) -> String {
        let cpus = thread::available_parallelism().map_or(1, |n| n.get());
        let decimals = self.decimals();
        let cases: Vec<String> = rows
            .iter()
            .map(|row| {
                let mut fields: Vec<String> = (self.params)(row.case)
                    .iter()
                    .map(|param| match &param.value {
                        Value::Number(n) => format!("{}:{n}", quoted(param.key)),
                        Value::Text(text) => format!("{}:{}", quoted(param.key), quoted(text)),
                    })
                    .collect();
                fields.push(format!("{}:{}", quoted(self.unit), size.count));
                fields.push(format!("\"runs\":{}", size.runs));
                let values = self.shown(row, size.count);
                for (side, &value) in self.sides.iter().zip(&values) {
                    fields.push(format!(
                        "{}:{}",
                        quoted(side.key),
                        json_number(value, decimals)
                    ));
                }
                for (ratio, &(of, to)) in self.ratios.iter().zip(ratios) {
                    let value = json_number(values[of] / values[to], 3);
                    fields.push(format!("{}:{value}", quoted(ratio.key)));
                }
                format!("{{{}}}", fields.join(","))
            })
            .collect();
        format!(
            "{{\"bench\":{},\"package\":{},\"cpus\":{cpus},\"cases\":[{}]}}",
            quoted(self.exercise),
            quoted(self.package),
            cases.join(",")
        )
    }
}

/// A number of the command line, from 1 to `high`.
fn whole_number(text: &str, name: &str, high: u64) -> Result<u64, String> {
    match text.parse::<u64>() {
        Ok(n) if (1..=high).contains(&n) => Ok(n),
        _ => Err(format!(
            "{name} takes a whole number from 1 to {high}, not `{text}`"
        )),
    }
}

/// The median of the runs (the mean of the middle two for an even number).
fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort_unstable();
    let half = samples.len() / 2;
    match samples.len() {
        0 => Duration::ZERO,
        n if n % 2 == 1 => samples[half],
        _ => (samples[half - 1] + samples[half]) / 2,
    }
}

/// A ratio in the table: two decimals below 10, none from 10 on.
fn times(ratio: f64) -> String {
    if ratio >= 10.0 {
        format!("{ratio:.0}")
    } else {
        format!("{ratio:.2}")
    }
}

/// A number in the JSON: `null` when it is not finite (a run too short to time).
fn json_number(value: f64, decimals: usize) -> String {
    if value.is_finite() {
        format!("{value:.decimals$}")
    } else {
        "null".to_owned()
    }
}

/// A JSON string (the names here are plain, but a package could be named anything).
fn quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out += "\\\"",
            '\\' => out += "\\\\",
            c if (c as u32) < 0x20 => out += &format!("\\u{:04x}", c as u32),
            c => out.push(c),
        }
    }
    out + "\""
}

/// Runs `f`, turning a panic into its message, with where it happened when the quiet hook
/// noted it: "panicked at src/queue.rs:42: ...".
fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    panic::catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        let text = payload_text(payload.as_ref());
        let place = PANICS
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .rev()
            .find(|(message, _)| *message == text)
            .map(|(_, place)| place.clone());
        match place {
            Some(place) => format!("panicked at {place}: {text}"),
            None => format!("panicked: {text}"),
        }
    })
}

/// How long one run may go on before the watchdog calls it stuck; `QUEUE_BENCH_STALL_SECS`
/// changes it (for a very slow machine, or a test). A run of the defaults takes a few
/// seconds, a slow queue's a few tens: a minute without an end is a hang, not slowness.
fn stall_limit() -> Duration {
    std::env::var("QUEUE_BENCH_STALL_SECS")
        .ok()
        .and_then(|text| text.parse().ok())
        .map_or(Duration::from_secs(60), Duration::from_secs)
}

/// The run in progress, as the watchdog sees it: when it started, and the lines it prints
/// if the run never ends.
static RUNNING: Mutex<Option<(Instant, String)>> = Mutex::new(None);

/// Runs `f`, a run of the workload described by `what`, under the watchdog: if it has not
/// returned after [`stall_limit`], the bench says what was stuck and exits with code 1.
/// (A hung thread cannot be stopped from outside; ending the process is the only way out.)
fn watched<T>(what: &str, package: &str, longest: Option<Duration>, f: impl FnOnce() -> T) -> T {
    static WATCHDOG: AtomicBool = AtomicBool::new(false);
    let limit = stall_limit();
    if !WATCHDOG.swap(true, Ordering::Relaxed) {
        thread::spawn(move || watch(limit));
    }
    let earlier = longest.map_or(String::new(), |took| {
        format!(
            " (its earlier runs took {:.1} s at most)",
            took.as_secs_f64()
        )
    });
    let report = format!(
        "{what} has not finished after {} s{earlier}: possible deadlock. An item may be lost \
         (a consumer waits for one that never comes), or a wake-up (a thread sleeps and \
         nobody wakes it). The bench stops here: `cargo test -p {package}` looks for such \
         bugs and names the one it finds.",
        limit.as_secs()
    );
    *RUNNING.lock().unwrap_or_else(PoisonError::into_inner) = Some((Instant::now(), report));
    let out = f();
    *RUNNING.lock().unwrap_or_else(PoisonError::into_inner) = None;
    out
}

/// The watchdog's loop: it looks at the run in progress a few times a second.
fn watch(limit: Duration) {
    loop {
        thread::sleep(Duration::from_millis(100));
        let running = RUNNING.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((started, report)) = running.as_ref()
            && started.elapsed() > limit
        {
            eprintln!("error: {report}");
            std::process::exit(1);
        }
    }
}

/// Did the code under test reach a `todo!()`?
fn is_todo(error: &str) -> bool {
    error.contains("not yet implemented")
}

fn payload_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_owned())
}

/// Recent panics, `(message, file:line)`, noted by the quiet hook.
static PANICS: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());

/// The bench reports a panic itself, once, in its own words (or as "not written yet"); the
/// hook only notes where it happened, for threads of a workload as for the main thread.
fn quiet_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        panic::set_hook(Box::new(|info| {
            let Some(place) = info.location() else { return };
            let text = payload_text(info.payload());
            let mut panics = PANICS.lock().unwrap_or_else(PoisonError::into_inner);
            if panics.len() >= 64 {
                panics.remove(0);
            }
            panics.push((text, format!("{}:{}", place.file(), place.line())));
        }))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    /// Two sides that add up 1..=count, one of them twice as slowly.
    fn toy(case: usize, count: u64) -> (Duration, u64) {
        (Duration::from_millis(case as u64), (1..=count).sum())
    }

    const TOY: Bench<'static, usize> = Bench {
        exercise: "exercise-99",
        package: "solution-99",
        about: "A toy.",
        unit: "items",
        size: Size {
            count: 1000,
            runs: 5,
        },
        quick: Size {
            count: 100,
            runs: 3,
        },
        heading: "items per case",
        above: &[],
        below: &["ratio = fast / slow"],
        cases: &[2, 4],
        params: |case| {
            vec![
                Param::json_only("producers", 1),
                Param::column("capacity", 8, case),
            ]
        },
        measure: Measure::PerSecond,
        sides: &[
            Side {
                name: "fast",
                key: "fast_items_per_s",
                width: 8,
                run: toy,
            },
            Side {
                name: "slow",
                key: "slow_items_per_s",
                width: 8,
                run: |case, count| toy(2 * case, count),
            },
        ],
        ratios: &[Ratio {
            header: "ratio",
            width: 7,
            key: "ratio",
            of: "fast",
            to: "slow",
        }],
        expected: |count| count * (count + 1) / 2,
        yours: Yours {
            name: "toy",
            files: "src/toy.rs",
            probe: || {},
        },
    };

    #[test]
    fn options_parse_and_refuse_clearly() {
        let parsed = |text: &str| TOY.parse(&args(text));
        let size = |count, runs| Size { count, runs };
        assert_eq!(
            parsed("--json"),
            Ok(Some(Options {
                json: true,
                size: size(1000, 5)
            }))
        );
        assert_eq!(parsed("--quick").unwrap().unwrap().size, size(100, 3));
        assert_eq!(
            parsed("--items 7 --quick --runs 1").unwrap().unwrap().size,
            size(7, 1)
        );
        assert_eq!(parsed("-h"), Ok(None));
        for bad in [
            "--bogus",
            "extra",
            "--items",
            "--items 0",
            "--tasks 5",
            "--runs x",
            "--runs 101",
        ] {
            assert!(parsed(bad).is_err(), "{bad} was accepted");
        }
        let usage = TOY.usage();
        assert!(usage.starts_with("A toy.\n\nUsage: cargo run --release -p solution-99"));
        assert!(usage.contains("\n  --items N   items per run (default 1000, 100 with"));
    }

    #[test]
    fn every_side_is_measured_in_turn_and_shown() {
        let size = Size { count: 10, runs: 3 };
        let Ok(rows) = TOY.measure_all(size) else {
            panic!("the toy failed")
        };
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[1].medians,
            [Duration::from_millis(4), Duration::from_millis(8)]
        );
        let ratios = TOY.ratio_sides();
        let table = TOY.table(size, &rows, &ratios);
        let lines: Vec<&str> = table.lines().collect();
        assert!(lines[0].starts_with("10 items per case, median of 3 runs, "));
        assert_eq!(lines[1], "capacity   fast/s   slow/s   ratio");
        assert_eq!(lines[2], "       2     5000     2500   2.00x");
        assert_eq!(lines[4], "ratio = fast / slow");
        let json = TOY.json(size, &rows, &ratios);
        assert!(json.starts_with("{\"bench\":\"exercise-99\",\"package\":\"solution-99\""));
        assert!(json.ends_with(
            "{\"producers\":1,\"capacity\":4,\"items\":10,\"runs\":3,\
             \"fast_items_per_s\":2500,\"slow_items_per_s\":1250,\"ratio\":2.000}]}"
        ));
    }

    #[test]
    fn lost_items_and_panics_stop_the_bench_with_a_message() {
        let mut lossy = TOY;
        let sides = [Side {
            name: "lossy",
            key: "lossy",
            width: 5,
            run: |_, count| (Duration::from_millis(1), count),
        }];
        lossy.sides = &sides;
        lossy.ratios = &[];
        let Err(Stop::Failed(message)) = lossy.measure_all(TOY.size) else {
            panic!("lost items were not noticed")
        };
        assert!(
            message.starts_with("lossy (producers 1, capacity 2): items were lost"),
            "{message}"
        );
        quiet_panics();
        let error = guarded(|| -> u64 { todo!("write it") }).unwrap_err();
        assert!(is_todo(&error), "{error}");
        assert!(error.contains("src/lib.rs:"), "{error}");
        let error = guarded(|| join(thread::spawn(|| panic!("bad")))).unwrap_err();
        assert!(!is_todo(&error) && error.ends_with(": bad"), "{error}");
    }

    /// A side that never ends (an item lost) stops the bench with a message and exit code 1:
    /// run in a child process, which the watchdog ends.
    #[test]
    fn a_run_that_never_ends_stops_the_bench_as_a_possible_deadlock() {
        if std::env::var_os("QUEUE_BENCH_STUCK_CHILD").is_some() {
            let mut stuck = TOY;
            let sides = [Side {
                name: "stuck",
                key: "stuck",
                width: 5,
                run: |case, count| {
                    // The second run of the second case never ends.
                    static RUNS: std::sync::atomic::AtomicUsize =
                        std::sync::atomic::AtomicUsize::new(0);
                    if case == 4 && RUNS.fetch_add(1, Ordering::Relaxed) == 1 {
                        loop {
                            thread::park();
                        }
                    }
                    toy(case, count)
                },
            }];
            stuck.sides = &sides;
            stuck.ratios = &[];
            let _ = stuck.measure_all(Size { count: 10, runs: 2 });
            unreachable!("the watchdog ends the process");
        }
        let test = "tests::a_run_that_never_ends_stops_the_bench_as_a_possible_deadlock";
        let child = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", test, "--nocapture", "--test-threads=1"])
            .env("QUEUE_BENCH_STUCK_CHILD", "1")
            .env("QUEUE_BENCH_STALL_SECS", "1")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&child.stderr);
        assert_eq!(child.status.code(), Some(1), "{stderr}");
        assert!(
            stderr.contains(
                "error: stuck (producers 1, capacity 4) has not finished after 1 s (its \
                 earlier runs took 0.0 s at most): possible deadlock."
            ) && stderr.contains("`cargo test -p solution-99`"),
            "{stderr}"
        );
    }

    #[test]
    fn numbers_that_are_not_finite_are_null_in_the_json() {
        assert_eq!(json_number(f64::INFINITY, 3), "null");
        assert_eq!(json_number(1.23456, 1), "1.2");
        assert_eq!(quoted("a\"b"), "\"a\\\"b\"");
        assert_eq!(times(25.4), "25");
        assert_eq!(times(0.456), "0.46");
    }
}
