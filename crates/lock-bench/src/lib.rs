//! The Part 3 bench: how many times per second N threads can take a lock, add 1 to a shared
//! counter under it and let it go; the course's blocking mutex (exercise 06) beside
//! `std::sync::Mutex` and `parking_lot::Mutex`, and the spin locks of Part 2 (exercises 04
//! and 05) beside those, to show what spinning costs when threads outnumber cores.
//!
//! The bench is an example binary of exercise 06 (and of its solution), so it measures the
//! code it is built with:
//!
//! ```text
//! cargo run --release -p exercise-06 --example bench            # your locks
//! cargo run --release -p solution-06 --example bench            # the reference locks
//! cargo run --release -p solution-06 --example bench -- --help  # --json, --quick, ...
//! ```
//!
//! This crate holds everything but the glue: the example is one call of [`bench_main!`].
//! No test looks at a number it prints: only that it measured (`tests/lab.rs`).

use std::any::Any;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Barrier, Mutex, Once, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value as Json, json};

/// Whether a lock's waiters sleep or spin: the table groups them.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    /// Waiters sleep in the kernel (futex) after at most a short spin.
    Blocking,
    /// Waiters spin (and perhaps yield) until the lock is free.
    Spinning,
}

/// One lock in the race: its name, its kind, and how to run the counter on it.
pub struct Contender {
    /// As the table shows it: `std::sync::Mutex`, `your Mutex (exercise 06)`.
    pub name: &'static str,
    pub kind: Kind,
    /// `threads` threads add 1 under the lock for about `run_for`: see [`hammer`].
    pub run: fn(threads: usize, run_for: Duration) -> Result<Sample, String>,
}

/// One measurement: how many lock-add-unlock rounds, in how long.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    pub rounds: u64,
    pub elapsed: Duration,
}

impl Sample {
    /// Rounds per second.
    pub fn rate(&self) -> f64 {
        self.rounds as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// `std::sync::Mutex`, the baseline every ratio is taken against.
pub fn std_mutex() -> Contender {
    Contender {
        name: "std::sync::Mutex",
        kind: Kind::Blocking,
        run: |threads, run_for| {
            hammer(
                threads,
                run_for,
                || Mutex::new(0_u64),
                |m| *m.lock().unwrap_or_else(PoisonError::into_inner) += 1,
                |m| *m.lock().unwrap_or_else(PoisonError::into_inner),
            )
        },
    }
}

/// `parking_lot::Mutex`: one byte, spins then parks in a global table of queues.
pub fn parking_lot_mutex() -> Contender {
    Contender {
        name: "parking_lot::Mutex",
        kind: Kind::Blocking,
        run: |threads, run_for| {
            hammer(
                threads,
                run_for,
                || parking_lot::Mutex::new(0_u64),
                |m| *m.lock() += 1,
                |m| *m.lock(),
            )
        },
    }
}

/// Runs `threads` threads that each take the lock made by `make`, `add` 1 under it and let it
/// go, in a loop, until about `run_for` has passed; then checks with `read` that no update
/// was lost. A panic (a `todo!()` not written yet) comes back as an error, and so does a
/// run that has not finished 10 s after it should have (its threads are left behind).
pub fn hammer<L: Send + Sync + 'static>(
    threads: usize,
    run_for: Duration,
    make: impl FnOnce() -> L,
    add: fn(&L),
    read: fn(&L) -> u64,
) -> Result<Sample, String> {
    quiet_panics();
    let lock = Arc::new(guarded(make)?);
    let stop = Arc::new(AtomicBool::new(false));
    let start = Arc::new(Barrier::new(threads + 1));
    let (done, finished) = mpsc::channel();
    for _ in 0..threads {
        let (lock, stop, start, done) = (
            Arc::clone(&lock),
            Arc::clone(&stop),
            Arc::clone(&start),
            done.clone(),
        );
        thread::Builder::new()
            .name("lock-bench worker".into())
            .spawn(move || {
                start.wait();
                let outcome = guarded(|| {
                    let mut rounds = 0_u64;
                    // Relaxed: the flag only says when to stop; the lock orders the rest.
                    while !stop.load(Ordering::Relaxed) {
                        add(&lock);
                        rounds += 1;
                    }
                    rounds
                });
                let _ = done.send(outcome);
            })
            .map_err(|e| format!("could not start a worker thread: {e}"))?;
    }
    drop(done);
    start.wait();
    let began = Instant::now();
    thread::sleep(run_for);
    stop.store(true, Ordering::Relaxed);
    let limit = Instant::now() + Duration::from_secs(10);
    let mut rounds = 0;
    let mut failure = None;
    for _ in 0..threads {
        let left = limit.saturating_duration_since(Instant::now());
        match finished.recv_timeout(left) {
            Ok(Ok(count)) => rounds += count,
            Ok(Err(message)) => failure = failure.or(Some(message)),
            Err(RecvTimeoutError::Timeout) => {
                return Err(format!(
                    "possible deadlock: {threads} threads did not all stop within 10 s of \
                     being asked to (a thread that is never woken, or an unlock that never \
                     happens)"
                ));
            }
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    let elapsed = began.elapsed();
    if let Some(message) = failure {
        return Err(message);
    }
    let total = guarded(|| read(&lock))?;
    if total != rounds {
        return Err(format!(
            "lost updates: {threads} threads added 1 under the lock {rounds} times, but the \
             counter is {total}"
        ));
    }
    Ok(Sample { rounds, elapsed })
}

/// Runs `f`, turning a panic into its message, with where it happened when the quiet hook
/// noted it.
fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|p| panic_message(p.as_ref()))
}

/// Recent panics, `(message, file:line)`, noted by the quiet hook.
static PANICS: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());

fn panic_message(panic: &(dyn Any + Send)) -> String {
    let text = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_owned());
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
}

/// The bench reports panics itself, once, in its own words; the hook only notes where.
fn quiet_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let Some(place) = info.location() else { return };
            let text = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let mut panics = PANICS.lock().unwrap_or_else(PoisonError::into_inner);
            if panics.len() >= 64 {
                panics.remove(0);
            }
            panics.push((text, format!("{}:{}", place.file(), place.line())));
        }))
    });
}

/// Did a run fail because the code under test reached a `todo!()`?
pub fn is_todo(error: &str) -> bool {
    error.contains("not yet implemented")
}

/// What the Part 3 bench says of itself in `--help` (see [`usage_with`]).
const PART_3_ABOUT: &str = "\
The Part 3 bench: N threads take a lock, add 1 to a shared counter under it and let it
go, as often as they can; rounds per second for each lock, and the ratio to
std::sync::Mutex in the same run. Blocking mutexes (std's, parking_lot's, exercise 06's)
and the spin locks of Part 2 (exercises 04 and 05) side by side.";

/// The `--help` text.
pub fn usage(package: &str) -> String {
    usage_with(package, PART_3_ABOUT)
}

/// The `--help` text of a bench that describes itself with `about`.
pub fn usage_with(package: &str, about: &str) -> String {
    let number: String = package.chars().filter(char::is_ascii_digit).collect();
    format!(
        "\
{about}

usage: cargo run --release -p {package} --example bench -- [options]
       (-p solution-{number} runs the reference locks, -p exercise-{number} yours)

options:
  --json            print one JSON document instead of the table
  --quick           one short run per cell (50 ms): finishes in about 2 s, numbers rough
  --millis N        how long each run lasts, in milliseconds (default 300)
  --runs N          runs per cell; the table shows the median (default 3)
  --threads LIST    thread counts, comma-separated (default 1,2,4,8)
  -h, --help        this text"
    )
}

/// What the command line asked for.
#[derive(Debug, PartialEq)]
pub struct Options {
    pub json: bool,
    pub millis: u64,
    pub runs: usize,
    pub threads: Vec<usize>,
}

impl Options {
    /// `Ok(None)` for `--help`.
    pub fn parse(args: &[String]) -> Result<Option<Options>, String> {
        let mut options = Options {
            json: false,
            millis: 300,
            runs: 3,
            threads: vec![1, 2, 4, 8],
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut value = |name: &str| {
                args.next()
                    .map(String::as_str)
                    .ok_or_else(|| format!("{name} needs a value"))
            };
            match arg.as_str() {
                "--json" => options.json = true,
                "--quick" => {
                    options.millis = 50;
                    options.runs = 1;
                }
                "--millis" => options.millis = number(value("--millis")?, "--millis", 1, 60_000)?,
                "--runs" => options.runs = number(value("--runs")?, "--runs", 1, 100)? as usize,
                "--threads" => {
                    options.threads = value("--threads")?
                        .split(',')
                        .map(|n| number(n.trim(), "--threads", 1, 256).map(|n| n as usize))
                        .collect::<Result<_, _>>()?;
                }
                "-h" | "--help" => return Ok(None),
                other if other.starts_with('-') => return Err(format!("unknown option {other:?}")),
                other => {
                    return Err(format!(
                        "unexpected argument {other:?} (the bench takes only options)"
                    ));
                }
            }
        }
        Ok(Some(options))
    }
}

fn number(text: &str, name: &str, low: u64, high: u64) -> Result<u64, String> {
    match text.parse::<u64>() {
        Ok(n) if (low..=high).contains(&n) => Ok(n),
        _ => Err(format!(
            "{name} takes a whole number from {low} to {high}, not {text:?}"
        )),
    }
}

/// Runs the bench with this process's arguments: `contenders` after std's and
/// parking_lot's mutexes. `package` is the one whose example this is (for the usage text).
pub fn main(package: &str, contenders: Vec<Contender>) -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match Options::parse(&args) {
        Ok(None) => {
            println!("{}", usage(package));
            ExitCode::SUCCESS
        }
        Ok(Some(options)) => {
            let mut all = vec![std_mutex(), parking_lot_mutex()];
            all.extend(contenders);
            run(package, &all, &options)
        }
        Err(message) => {
            eprintln!("error: {message}\n\n{}", usage(package));
            ExitCode::from(2)
        }
    }
}

/// Runs a bench of `contenders` alone (the first is the baseline every ratio is taken
/// against, `std::sync::Mutex` in the course), described by `about` in `--help`. Exercise
/// 12's bench uses it: the detector's mutex against std's.
pub fn main_with(package: &str, about: &str, contenders: Vec<Contender>) -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match Options::parse(&args) {
        Ok(None) => {
            println!("{}", usage_with(package, about));
            ExitCode::SUCCESS
        }
        Ok(Some(options)) => run(package, &contenders, &options),
        Err(message) => {
            eprintln!("error: {message}\n\n{}", usage_with(package, about));
            ExitCode::from(2)
        }
    }
}

/// What became of one cell (a lock at a thread count) over the runs.
enum Cell {
    Measured(Vec<Sample>),
    Failed(String),
}

fn run(package: &str, contenders: &[Contender], options: &Options) -> ExitCode {
    let run_for = Duration::from_millis(options.millis);
    let mut cells: Vec<Vec<Cell>> = contenders
        .iter()
        .map(|_| {
            options
                .threads
                .iter()
                .map(|_| Cell::Measured(Vec::new()))
                .collect()
        })
        .collect();
    if !options.json {
        eprintln!(
            "measuring {} locks at {:?} threads, {} run(s) of {} ms each...",
            contenders.len(),
            options.threads,
            options.runs,
            options.millis
        );
    }
    // Rounds of every cell in turn, so that a slow patch of the machine (another program,
    // a frequency change) spreads over all the locks instead of hitting one.
    for run in 0..options.runs {
        for (column, &threads) in options.threads.iter().enumerate() {
            // Each round starts with another lock, so that no lock always follows the same
            // one (the eight spinning threads of a ticket lock, say).
            for turn in 0..contenders.len() {
                let row = (turn + run + column) % contenders.len();
                let contender = &contenders[row];
                // A lock that failed once (a todo, a deadlock) is not run again: a deadlock
                // leaves its threads behind, and they would disturb everything after.
                if cells[row]
                    .iter()
                    .any(|cell| matches!(cell, Cell::Failed(_)))
                {
                    if let Some(Cell::Failed(first)) = cells[row]
                        .iter()
                        .find(|cell| matches!(cell, Cell::Failed(_)))
                    {
                        let first = first.clone();
                        cells[row][column] = Cell::Failed(first);
                    }
                    continue;
                }
                match (contender.run)(threads, run_for) {
                    Ok(sample) => {
                        if let Cell::Measured(samples) = &mut cells[row][column] {
                            samples.push(sample);
                        }
                    }
                    Err(error) => cells[row][column] = Cell::Failed(error),
                }
            }
        }
    }
    let medians: Vec<Vec<Result<f64, String>>> = cells
        .iter()
        .map(|row| {
            row.iter()
                .map(|cell| match cell {
                    Cell::Measured(samples) if !samples.is_empty() => Ok(median(samples)),
                    Cell::Measured(_) => Err("not measured".to_owned()),
                    Cell::Failed(error) => Err(error.clone()),
                })
                .collect()
        })
        .collect();
    // Each run of a lock is compared with std's run of the same round, close to it, and
    // the table gives the median of those ratios: a slow patch of the machine then weighs
    // on both sides of a ratio instead of on one lock's median.
    let ratios: Vec<Vec<Option<f64>>> = cells
        .iter()
        .map(|row| {
            row.iter()
                .zip(&cells[0])
                .map(|(cell, std)| match (cell, std) {
                    (Cell::Measured(mine), Cell::Measured(std)) if !mine.is_empty() => {
                        let mut each: Vec<f64> = mine
                            .iter()
                            .zip(std)
                            .map(|(mine, std)| mine.rate() / std.rate().max(1e-9))
                            .collect();
                        each.sort_by(f64::total_cmp);
                        middle(&each)
                    }
                    _ => None,
                })
                .collect()
        })
        .collect();
    let errors: Vec<(String, String)> = contenders
        .iter()
        .zip(&medians)
        .filter_map(|(contender, row)| {
            row.iter()
                .find_map(|cell| cell.as_ref().err())
                .map(|error| (contender.name.to_owned(), error.clone()))
        })
        .collect();
    if options.json {
        println!(
            "{:#}",
            to_json(package, contenders, options, &medians, &ratios, &errors)
        );
    } else {
        println!("{}", table(contenders, options, &medians, &ratios, &errors));
    }
    if errors.iter().all(|(_, error)| is_todo(error)) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn median(samples: &[Sample]) -> f64 {
    let mut rates: Vec<f64> = samples.iter().map(Sample::rate).collect();
    rates.sort_by(f64::total_cmp);
    middle(&rates).unwrap_or(0.0)
}

/// The median of sorted numbers.
fn middle(sorted: &[f64]) -> Option<f64> {
    let half = sorted.len() / 2;
    match sorted.len() {
        0 => None,
        n if n % 2 == 1 => Some(sorted[half]),
        _ => Some((sorted[half - 1] + sorted[half]) / 2.0),
    }
}

/// Rounds per second, in millions, with two significant figures at least.
fn rate_text(rate: f64) -> String {
    let millions = rate / 1e6;
    if millions >= 10.0 {
        format!("{millions:.1}\u{a0}M/s")
    } else if millions >= 0.1 {
        format!("{millions:.2}\u{a0}M/s")
    } else {
        format!("{:.1}\u{a0}k/s", rate / 1e3)
    }
}

fn times(ratio: f64) -> String {
    if ratio >= 10.0 {
        format!("{ratio:.0}×")
    } else {
        format!("{ratio:.2}×")
    }
}

fn cores() -> usize {
    thread::available_parallelism().map_or(1, |n| n.get())
}

fn threads_header(threads: usize) -> String {
    match threads {
        1 => "1 thread (uncontended)".to_owned(),
        n => format!("{n} threads"),
    }
}

fn table(
    contenders: &[Contender],
    options: &Options,
    medians: &[Vec<Result<f64, String>>],
    ratios: &[Vec<Option<f64>>],
    errors: &[(String, String)],
) -> String {
    let mut headers = vec!["lock".to_owned(), "waits by".to_owned()];
    headers.extend(options.threads.iter().map(|&n| threads_header(n)));
    let rows: Vec<Vec<String>> = contenders
        .iter()
        .zip(medians)
        .zip(ratios)
        .map(|((contender, row), ratio_row)| {
            let mut cells = vec![
                contender.name.to_owned(),
                match contender.kind {
                    Kind::Blocking => "sleeping".to_owned(),
                    Kind::Spinning => "spinning".to_owned(),
                },
            ];
            for (cell, ratio) in row.iter().zip(ratio_row) {
                cells.push(match (cell, ratio) {
                    (Ok(rate), Some(ratio)) => format!("{} ({})", rate_text(*rate), times(*ratio)),
                    (Ok(rate), None) => rate_text(*rate),
                    (Err(error), _) if is_todo(error) => "not written yet".to_owned(),
                    (Err(_), _) => "failed (see below)".to_owned(),
                });
            }
            cells
        })
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        format!("| {} |\n", padded.join(" | "))
    };
    let mut out = format!(
        "Lock-add-unlock rounds per second (median of {} run(s) of {} ms), and in brackets the \
         ratio to std::sync::Mutex (the median of each run's ratio to std's run of the same \
         round); {} cores{}.\n\n",
        options.runs,
        options.millis,
        cores(),
        if cfg!(debug_assertions) {
            "; a debug build: add --release for numbers worth comparing"
        } else {
            ""
        }
    );
    out += &line(&headers);
    out += &line(&widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>());
    for row in &rows {
        out += &line(row);
    }
    for (name, error) in errors {
        if is_todo(error) {
            let todo = error
                .split_once("not yet implemented")
                .map_or("", |(_, rest)| rest);
            let place = error
                .strip_prefix("panicked at ")
                .and_then(|rest| rest.split_once(": "))
                .map_or("", |(place, _)| place);
            let check = place
                .split_once("exercise-")
                .map(|(_, rest)| rest.chars().take(2).collect::<String>())
                .filter(|number| number.chars().all(|c| c.is_ascii_digit()))
                .map_or("`cargo run -- check`".to_owned(), |n| {
                    format!("`cargo run -- check {n}`")
                });
            out += &format!(
                "\n{name}: not written yet (a todo!() at {place}{todo}). Finish it, then run \
                 the bench again; {check} says what is left.\n"
            );
        } else {
            out += &format!("\n{name} failed: {error}\n");
        }
    }
    out
}

fn to_json(
    package: &str,
    contenders: &[Contender],
    options: &Options,
    medians: &[Vec<Result<f64, String>>],
    ratios: &[Vec<Option<f64>>],
    errors: &[(String, String)],
) -> Json {
    let locks: Vec<Json> = contenders
        .iter()
        .zip(medians)
        .zip(ratios)
        .map(|((contender, row), ratio_row)| {
            let results: Vec<Json> = options
                .threads
                .iter()
                .zip(row)
                .enumerate()
                .map(|(column, (&threads, cell))| match cell {
                    Ok(rate) => json!({
                        "threads": threads,
                        "rounds_per_second": rate,
                        "ratio_to_std": ratio_row[column],
                    }),
                    Err(error) => json!({
                        "threads": threads,
                        "error": error,
                        "not_written_yet": is_todo(error),
                    }),
                })
                .collect();
            json!({
                "name": contender.name,
                "waits_by": match contender.kind {
                    Kind::Blocking => "sleeping",
                    Kind::Spinning => "spinning",
                },
                "results": results,
            })
        })
        .collect();
    json!({
        "bench": "lock-add-unlock rounds per second",
        "package": package,
        "machine": {
            "cores": cores(),
            "os": std::env::consts::OS,
            "arch": std::env::consts::ARCH,
            "release_build": !cfg!(debug_assertions),
        },
        "millis": options.millis,
        "runs": options.runs,
        "threads": options.threads,
        "locks": locks,
        "errors": errors.iter().map(|(name, error)| json!({"lock": name, "error": error})).collect::<Vec<_>>(),
    })
}

/// The bench's `main`, for an example binary: the course's mutex, spin lock and ticket lock
/// from the crates given (each with `Type::new(value)` and `lock()` returning a guard that
/// derefs to the value), after std's and parking_lot's mutexes.
///
/// ```text
/// lock_bench::bench_main!(
///     package: "exercise-06",
///     mutex: exercise_06 as "your Mutex (exercise 06)",
///     spin: exercise_04 as "your SpinLock (exercise 04)",
///     ticket: exercise_05 as "your TicketLock (exercise 05)",
/// );
/// ```
#[macro_export]
macro_rules! bench_main {
    (
        package: $package:literal,
        mutex: $mutex:ident as $mutex_name:literal,
        spin: $spin:ident as $spin_name:literal,
        ticket: $ticket:ident as $ticket_name:literal $(,)?
    ) => {
        fn main() -> ::std::process::ExitCode {
            $crate::main(
                $package,
                vec![
                    $crate::Contender {
                        name: $mutex_name,
                        kind: $crate::Kind::Blocking,
                        run: |threads, run_for| {
                            $crate::hammer(
                                threads,
                                run_for,
                                || $mutex::Mutex::new(0_u64),
                                |lock| *lock.lock() += 1,
                                |lock| *lock.lock(),
                            )
                        },
                    },
                    $crate::Contender {
                        name: $spin_name,
                        kind: $crate::Kind::Spinning,
                        run: |threads, run_for| {
                            $crate::hammer(
                                threads,
                                run_for,
                                || $spin::SpinLock::new(0_u64),
                                |lock| *lock.lock() += 1,
                                |lock| *lock.lock(),
                            )
                        },
                    },
                    $crate::Contender {
                        name: $ticket_name,
                        kind: $crate::Kind::Spinning,
                        run: |threads, run_for| {
                            $crate::hammer(
                                threads,
                                run_for,
                                || $ticket::TicketLock::new(0_u64),
                                |lock| *lock.lock() += 1,
                                |lock| *lock.lock(),
                            )
                        },
                    },
                ],
            )
        }
    };
}

/// What exercise 12's bench says of itself in `--help`.
pub const DETECTOR_ABOUT: &str = "\
The Part 4 bench: what watching for deadlock costs when there is none. N threads take a
lock, add 1 to a shared counter under it and let it go, as often as they can; then the
same with two locks, always taken in the same order (outer, then the counter's). Rounds
per second for std::sync::Mutex and for the mutex of a Detector (exercise 12), and the
ratio to std's one-lock row in the same run: 1 thread is the uncontended cost, more
threads the contended one.";

/// Exercise 12's bench (the detector's mutex against std's, one lock and two nested in a
/// fixed order), for an example binary. The crate given must have `Detector::new()`,
/// `detector.mutex(name, value)` and `lock()` returning `Result<guard, _>`.
///
/// ```text
/// lock_bench::detector_bench_main!(
///     package: "exercise-12",
///     detector: exercise_12 as "your Detector's Mutex (exercise 12)",
/// );
/// ```
#[macro_export]
macro_rules! detector_bench_main {
    (
        package: $package:literal,
        detector: $detector:ident as $detector_name:literal $(,)?
    ) => {
        fn main() -> ::std::process::ExitCode {
            $crate::main_with(
                $package,
                $crate::DETECTOR_ABOUT,
                vec![
                    $crate::std_mutex(),
                    $crate::Contender {
                        name: "std::sync::Mutex, two nested",
                        kind: $crate::Kind::Blocking,
                        run: |threads, run_for| {
                            $crate::hammer(
                                threads,
                                run_for,
                                || (::std::sync::Mutex::new(()), ::std::sync::Mutex::new(0_u64)),
                                |(outer, counter)| {
                                    let _outer = outer.lock().unwrap();
                                    *counter.lock().unwrap() += 1;
                                },
                                |(_, counter)| *counter.lock().unwrap(),
                            )
                        },
                    },
                    $crate::Contender {
                        name: $detector_name,
                        kind: $crate::Kind::Blocking,
                        run: |threads, run_for| {
                            $crate::hammer(
                                threads,
                                run_for,
                                || $detector::Detector::new().mutex("counter", 0_u64),
                                |counter| *counter.lock().expect("one lock cannot deadlock") += 1,
                                |counter| *counter.lock().expect("one lock cannot deadlock"),
                            )
                        },
                    },
                    $crate::Contender {
                        name: concat!($detector_name, ", two nested"),
                        kind: $crate::Kind::Blocking,
                        run: |threads, run_for| {
                            $crate::hammer(
                                threads,
                                run_for,
                                || {
                                    let detector = $detector::Detector::new();
                                    (
                                        detector.mutex("outer", ()),
                                        detector.mutex("counter", 0_u64),
                                    )
                                },
                                |(outer, counter)| {
                                    let _outer = outer.lock().expect("one order cannot deadlock");
                                    *counter.lock().expect("one order cannot deadlock") += 1;
                                },
                                |(_, counter)| *counter.lock().expect("no deadlock"),
                            )
                        },
                    },
                ],
            )
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn options_parse_and_refuse_clearly() {
        let options = Options::parse(&args("--json --millis 20 --runs 2 --threads 1,3"))
            .unwrap()
            .unwrap();
        assert_eq!(
            options,
            Options {
                json: true,
                millis: 20,
                runs: 2,
                threads: vec![1, 3]
            }
        );
        assert_eq!(Options::parse(&args("--help")), Ok(None));
        for bad in [
            "--bogus",
            "extra",
            "--millis",
            "--millis 0",
            "--threads 2,x",
            "--runs 1000",
        ] {
            assert!(Options::parse(&args(bad)).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn hammer_counts_every_round_and_reports_a_todo() {
        let sample = hammer(
            2,
            Duration::from_millis(20),
            || Mutex::new(0_u64),
            |m| *m.lock().unwrap() += 1,
            |m| *m.lock().unwrap(),
        )
        .unwrap();
        assert!(sample.rounds > 0);
        let error = hammer(
            2,
            Duration::from_millis(1),
            || -> Mutex<u64> { todo!("write new") },
            |m| *m.lock().unwrap() += 1,
            |m| *m.lock().unwrap(),
        )
        .unwrap_err();
        assert!(is_todo(&error), "{error}");
        assert!(error.contains("src/lib.rs:"), "{error}");
    }
}
