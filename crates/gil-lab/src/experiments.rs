//! The experiments. Each runs the same workload text on our interpreter (with the kit's
//! GIL) and, when python3 is there, on CPython, and returns a table.

use std::collections::BTreeMap;
use std::process::{Command, ExitCode};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value as Json, json};
use toy_python::{Gil, ThreadId, TickGil, Value};

use crate::cpython::Python;
use crate::report::{EXPERIMENTS, Options, Table, seconds, times};
use crate::run::{self, guarded, watch};
use crate::{Job, Kit, LabGil};

// The interpreter's own workloads where they serve (toy-python tests that they run the same
// under python3); the lab's own where it needs more functions.
const CPU: &str = include_str!("../../toy-python/workloads/count.py");
const IO: &str = include_str!("../workloads/io.py");
const INTEGRATE: &str = include_str!("../workloads/integrate.py");
const LOST_UPDATE: &str = include_str!("../../toy-python/workloads/lost_update.py");

/// CPython's default switch interval, and ours.
const DEFAULT_INTERVAL: Duration = Duration::from_millis(5);
/// A CPython measurement: `None` without python3, `Some(Err)` when it failed.
type PySeconds = Option<Result<f64, String>>;

/// How long `paired` runs its two sides before it starts counting.
const WARM_UP: Duration = Duration::from_millis(500);

/// How much work each experiment does: the full sizes take a minute or two in release mode.
struct Sizes {
    count: i64,
    count_per_thread_in_sweep: i64,
    repeats: usize,
    io_rounds: i64,
    io_ms: i64,
    echo_rounds: i64,
    bytecode_steps: i64,
    native_steps: i64,
    lost_update: i64,
    speed_count: i64,
    timeline_rounds: i64,
}

const FULL: Sizes = Sizes {
    count: 3_000_000,
    count_per_thread_in_sweep: 2_000_000,
    repeats: 5,
    io_rounds: 10,
    io_ms: 50,
    echo_rounds: 200,
    bytecode_steps: 200_000,
    native_steps: 15_000_000,
    lost_update: 1_000_000,
    speed_count: 10_000_000,
    timeline_rounds: 8,
};

const QUICK: Sizes = Sizes {
    count: 100_000,
    count_per_thread_in_sweep: 50_000,
    repeats: 1,
    io_rounds: 2,
    io_ms: 10,
    echo_rounds: 10,
    bytecode_steps: 2_000,
    native_steps: 100_000,
    lost_update: 50_000,
    speed_count: 200_000,
    timeline_rounds: 3,
};

struct Lab<'a> {
    kit: &'a Kit,
    python: Option<Python>,
    sizes: &'static Sizes,
    options: &'a Options,
}

type Outcome = Result<Table, String>;

/// Runs the experiments the options ask for and prints the results.
pub fn run_all(kit: &Kit, options: &Options) -> ExitCode {
    let mut python = if options.python { Python::find() } else { None };
    if let Some(python) = python.as_mut() {
        python.warm_up = if options.quick { 0.0 } else { 0.3 };
    }
    let lab = Lab {
        kit,
        python,
        sizes: if options.quick { &QUICK } else { &FULL },
        options,
    };
    let machine = machine(&lab);
    if !options.json {
        println!("# The GIL lab\n\n{}\n", machine_text(&machine));
    }
    let mut tables = Vec::new();
    let mut failed = false;
    // Errors not printed yet: while every experiment so far has failed, they wait, so that
    // a lab run on the stubs can say what to do in one block instead of ten sections.
    let mut held: Vec<(&str, String)> = Vec::new();
    let mut measured_any = false;
    let section = |id: &str, error: &str| println!("## {id}\n\nnot measured: {error}\n");
    for id in EXPERIMENTS.iter().filter(|id| options.wants(id)) {
        watch(&format!("the {id} experiment"), Duration::from_secs(300));
        let outcome = guarded(|| lab.experiment(id)).and_then(|outcome| outcome);
        match outcome {
            Ok(mut table) => {
                measured_any = true;
                if options.quick {
                    table.checks.clear();
                    table
                        .notes
                        .push("(--quick: sizes too small for the shapes to mean much)".to_owned());
                }
                if !options.json {
                    for (id, error) in held.drain(..) {
                        section(id, &error);
                    }
                    println!("{}\n", table.render());
                }
                tables.push(table.to_json());
            }
            Err(error) => {
                failed = true;
                tables.push(json!({"id": id, "error": error}));
                if options.json {
                    // The JSON document carries the error.
                } else if measured_any {
                    section(id, &error);
                } else {
                    held.push((id, error));
                }
            }
        }
    }
    if !measured_any {
        let errors: Vec<String> = tables
            .iter()
            .filter_map(|t| t["error"].as_str().map(str::to_owned))
            .collect();
        match run::all_todo_advice(&errors) {
            // On the stubs: one block on what to finish first and how to see the shapes now.
            Some(advice) if options.json => eprintln!("{advice}"),
            Some(advice) => println!("{advice}"),
            None => {
                for (id, error) in held.drain(..) {
                    section(id, &error);
                }
            }
        }
    }
    watch("the lab", Duration::from_secs(24 * 3600));
    if options.json {
        let document = json!({"machine": machine, "experiments": tables});
        println!(
            "{}",
            serde_json::to_string_pretty(&document).unwrap_or_default()
        );
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

impl Lab<'_> {
    fn experiment(&self, id: &str) -> Outcome {
        match id {
            "cpu" => self.cpu(),
            "interval" => self.interval(),
            "io" => self.io(),
            "mixed" => self.mixed(),
            "convoy" => self.convoy(),
            "old-gil" => self.old_gil(),
            "escape" => self.escape(),
            "lost-update" => self.lost_update(),
            "speed" => self.speed(),
            "timeline" => self.timeline(),
            other => Err(format!("no experiment {other}")),
        }
    }

    fn gil(&self, interval: Duration) -> Arc<dyn LabGil> {
        (self.kit.new_gil)(interval)
    }

    /// Runs `jobs` in threads on a fresh interpreter with `gil`; the seconds they took.
    fn ours(
        &self,
        source: &str,
        gil: Arc<dyn Gil>,
        jobs: &[(&str, Vec<Value>)],
        background: &[&str],
    ) -> Result<(f64, Vec<Value>), String> {
        let interpreter = run::interpreter(self.kit, source, gil)?;
        let (elapsed, values) = run::threads(&interpreter, jobs, background)?;
        Ok((elapsed.as_secs_f64(), values))
    }

    /// The same on CPython: `None` without python3, else the driver's answer.
    fn cpython(&self, source: &str, call: &str) -> Option<Result<Json, String>> {
        let python = self.python.as_ref()?;
        Some(python.run(source, call, Duration::from_secs(600)))
    }

    fn cpython_seconds(&self, source: &str, call: &str) -> PySeconds {
        field(&self.cpython(source, call), "seconds")
    }

    /// Runs the driver's `paired(...)` call: CPython's medians of each side and of the ratio.
    fn cpython_paired(&self, source: &str, call: &str) -> (PySeconds, PySeconds, PySeconds) {
        let answer = self.cpython(source, call);
        (
            field(&answer, "one"),
            field(&answer, "two"),
            field(&answer, "ratio"),
        )
    }

    /// The median of `repeats` runs of `run`, after one run that is not counted: the first
    /// run of a process pays for cold caches and a CPU clock that has not ramped up yet.
    fn median(&self, mut run: impl FnMut() -> Result<f64, String>) -> Result<f64, String> {
        run()?;
        let times = (0..self.sizes.repeats)
            .map(|_| run())
            .collect::<Result<Vec<_>, _>>()?;
        Ok(middle(times))
    }

    /// Times `one` and `two` in turns (after a warm-up), so that a burst of load
    /// from elsewhere on the machine hits both alike; returns their medians and the median
    /// of the ratios `two ÷ one` of each turn.
    fn paired(
        &self,
        mut one: impl FnMut() -> Result<f64, String>,
        mut two: impl FnMut() -> Result<f64, String>,
    ) -> Result<(f64, f64, f64), String> {
        // Warm up for half a second: the first runs of a process are slower (a CPU clock
        // that has not ramped up, cold caches), by up to a third on the machine of the
        // book's tables, which made 2 threads look less than twice as slow as 1.
        let warm_up = Instant::now();
        loop {
            one()?;
            two()?;
            if warm_up.elapsed() >= WARM_UP {
                break;
            }
        }
        let (mut ones, mut twos, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..self.sizes.repeats {
            let (a, b) = (one()?, two()?);
            ones.push(a);
            twos.push(b);
            ratios.push(b / a);
        }
        Ok((middle(ones), middle(twos), middle(ratios)))
    }

    fn cpu(&self) -> Outcome {
        let n = self.sizes.count;
        let one = [("count", vec![Value::Int(n)])];
        let two = [
            ("count", vec![Value::Int(n)]),
            ("count", vec![Value::Int(n)]),
        ];
        let gil = self.gil(DEFAULT_INTERVAL);
        let mut switches = 0;
        let (t1, t2, ratio) = self.paired(
            || Ok(self.ours(CPU, gil.clone(), &one, &[])?.0),
            || {
                let before = gil.switches();
                let time = self.ours(CPU, gil.clone(), &two, &[])?.0;
                switches = gil.switches() - before;
                Ok(time)
            },
        )?;
        // CPython is timed the same way, in turns, by the driver's `paired`.
        let (py1, py2, py_ratio) = self.cpython_paired(
            CPU,
            &format!(
                "paired([('count', [{n}])], [('count', [{n}]), ('count', [{n}])], {})",
                self.sizes.repeats
            ),
        );
        let mut table = Table::new(
            "cpu",
            format!("CPU-bound: count({n}) in 1 thread, and in each of 2 threads"),
            &["", "ours", "CPython"],
        );
        table.row(vec!["1 thread".into(), seconds(t1), py_cell(&py1, seconds)]);
        table.row(vec![
            "2 threads, the same work each".into(),
            seconds(t2),
            py_cell(&py2, seconds),
        ]);
        table.row(vec![
            "2 threads ÷ 1 thread".into(),
            times(ratio),
            py_cell(&py_ratio, times),
        ]);
        table.notes.push(format!(
            "Medians of {} runs of each, taken in turns; the ratio is the median of the turns' \
             ratios. Our GIL changed hands {switches} times in the last 2-thread run.",
            self.sizes.repeats
        ));
        table.check(
            format!("2 threads take 1.8–2.2× the time of 1 (no speed-up): {ratio:.2}×"),
            (1.8..=2.2).contains(&ratio),
        );
        table.data = json!({"n": n, "ours": {"one": t1, "two": t2, "ratio": ratio, "switches": switches},
            "cpython": {"one": py_json(&py1), "two": py_json(&py2), "ratio": py_json(&py_ratio)}});
        Ok(table)
    }

    fn interval(&self) -> Outcome {
        let n = self.sizes.count_per_thread_in_sweep;
        let intervals = [5_000, 1_000, 500, 100, 50, 5, 1].map(Duration::from_micros);
        let jobs = [
            ("count", vec![Value::Int(n)]),
            ("count", vec![Value::Int(n)]),
        ];
        let mut table = Table::new(
            "interval",
            format!("Switch interval: 2 threads, count({n}) each"),
            &["interval", "ours", "switches", "drop requests", "CPython"],
        );
        let mut data = Vec::new();
        let mut ours = Vec::new();
        let mut cpython = Vec::new();
        for interval in intervals {
            let gil = self.gil(interval);
            let (t, _) = self.ours(CPU, gil.clone(), &jobs, &[])?;
            let py = self.cpython_seconds(
                CPU,
                &format!(
                    "threads([('count', [{n}]), ('count', [{n}])], interval={})",
                    interval.as_secs_f64()
                ),
            );
            table.row(vec![
                interval_label(interval),
                seconds(t),
                gil.switches().to_string(),
                gil.drop_requests().to_string(),
                py_cell(&py, seconds),
            ]);
            ours.push(t);
            cpython.push(py.clone());
            data.push(json!({"interval_s": interval.as_secs_f64(), "ours": t,
                "switches": gil.switches(), "drop_requests": gil.drop_requests(), "cpython": py_json(&py)}));
        }
        // Each column against its own 5 ms row: the fastest and the slowest interval.
        let range = |times: &[f64]| {
            let first = times[0];
            let lowest = times.iter().copied().fold(f64::INFINITY, f64::min);
            let highest = times.iter().copied().fold(0.0, f64::max);
            (lowest / first, highest / first)
        };
        let within = |(low, high): (f64, f64)| (0.7..=1.5).contains(&low) && high <= 1.5;
        let (low, high) = range(&ours);
        let mut holds = within((low, high));
        let mut what = format!(
            "no interval from 1 ms down to 1 µs changes the total much against 5 ms \
             (every one takes 0.7–1.5× its time): ours {low:.2}–{high:.2}×"
        );
        let py_times: Option<Vec<f64>> = cpython
            .iter()
            .map(|py| py.as_ref().and_then(|r| r.as_ref().ok().copied()))
            .collect();
        if let Some(py_times) = py_times {
            let (low, high) = range(&py_times);
            holds &= within((low, high));
            what.push_str(&format!(", CPython {low:.2}–{high:.2}×"));
        }
        table.check(what, holds);
        table.data = json!({"n": n, "sweep": data});
        Ok(table)
    }

    fn io(&self) -> Outcome {
        let (rounds, ms) = (self.sizes.io_rounds, self.sizes.io_ms);
        let job = ("wait", vec![Value::Int(rounds), Value::Int(ms)]);
        let twenty: Vec<_> = (0..20).map(|_| job.clone()).collect();
        let gil = self.gil(DEFAULT_INTERVAL);
        let (t1, _) = self.ours(IO, gil.clone(), std::slice::from_ref(&job), &[])?;
        let (t20, _) = self.ours(IO, gil, &twenty, &[])?;
        let py1 = self.cpython_seconds(IO, &format!("threads([('wait', [{rounds}, {ms}])])"));
        let py20 = self.cpython_seconds(IO, &format!("threads([('wait', [{rounds}, {ms}])] * 20)"));
        let mut table = Table::new(
            "io",
            format!("I/O-bound: {rounds} sleeps of {ms} ms, in 1 thread and in each of 20 threads"),
            &["", "ours", "CPython"],
        );
        table.row(vec!["1 thread".into(), seconds(t1), py_cell(&py1, seconds)]);
        table.row(vec![
            "20 threads, the same sleeps each".into(),
            seconds(t20),
            py_cell(&py20, seconds),
        ]);
        table.row(vec![
            "20 threads ÷ 1 thread".into(),
            times(t20 / t1),
            py_ratio(&py20, &py1),
        ]);
        table.check(
            format!(
                "20 I/O threads take at most 1.2× the time of 1: {:.2}×",
                t20 / t1
            ),
            t20 / t1 <= 1.2,
        );
        table.data = json!({"rounds": rounds, "ms": ms, "ours": {"one": t1, "twenty": t20},
            "cpython": {"one": py_json(&py1), "twenty": py_json(&py20)}});
        Ok(table)
    }

    fn mixed(&self) -> Outcome {
        let n = self.sizes.count;
        let job = [("count", vec![Value::Int(n)])];
        let pollers = ["poll"; 20];
        let gil = self.gil(DEFAULT_INTERVAL);
        let mut switches = 0;
        let (alone, beside, ratio) = self.paired(
            || Ok(self.ours(IO, gil.clone(), &job, &[])?.0),
            || {
                let before = gil.switches();
                let time = self.ours(IO, gil.clone(), &job, &pollers)?.0;
                switches = gil.switches() - before;
                Ok(time)
            },
        )?;
        let py = self.cpython_paired(
            IO,
            &format!(
                "paired([('count', [{n}])], [('count', [{n}])], {}, background_two=['poll'] * 20)",
                self.sizes.repeats
            ),
        );
        let (py_alone, py_beside, py_ratio) = py;
        let mut table = Table::new(
            "mixed",
            format!(
                "1 CPU-bound thread, count({n}): alone, and beside 20 I/O threads that wake every 5 ms"
            ),
            &["", "ours", "CPython"],
        );
        table.row(vec![
            "CPU thread alone".into(),
            seconds(alone),
            py_cell(&py_alone, seconds),
        ]);
        table.row(vec![
            "beside 20 I/O threads".into(),
            seconds(beside),
            py_cell(&py_beside, seconds),
        ]);
        table.row(vec![
            "ratio".into(),
            times(ratio),
            py_cell(&py_ratio, times),
        ]);
        table.notes.push(format!(
            "Medians of {} runs of each, taken in turns; the ratio is the median of the turns' \
             ratios. Our GIL changed hands {switches} times in the last run beside the I/O threads.",
            self.sizes.repeats
        ));
        table.data = json!({"n": n, "ours": {"alone": alone, "beside": beside, "ratio": ratio, "switches": switches},
            "cpython": {"alone": py_json(&py_alone), "beside": py_json(&py_beside), "ratio": py_json(&py_ratio)}});
        Ok(table)
    }

    fn convoy(&self) -> Outcome {
        let rounds = self.sizes.echo_rounds;
        let cases = [
            (0, DEFAULT_INTERVAL),
            (1, DEFAULT_INTERVAL),
            (2, DEFAULT_INTERVAL),
            (1, Duration::from_millis(1)),
            (1, Duration::from_micros(100)),
            (1, Duration::from_micros(1)),
        ];
        let mut table = Table::new(
            "convoy",
            format!(
                "The convoy effect: an I/O thread does {rounds} blocking calls (sleep_ms(0)) beside CPU-bound threads"
            ),
            &[
                "CPU threads",
                "interval",
                "ours",
                "per call",
                "CPython",
                "per call",
            ],
        );
        let mut data = Vec::new();
        let mut beside_one = None;
        for (cpu, interval) in cases {
            let burners = vec!["burn"; cpu];
            let (t, _) = self.ours(
                IO,
                self.gil(interval),
                &[("echo", vec![Value::Int(rounds)])],
                &burners,
            )?;
            let py = self.cpython_seconds(
                IO,
                &format!(
                    "threads([('echo', [{rounds}])], interval={}, background=['burn'] * {cpu})",
                    interval.as_secs_f64()
                ),
            );
            let per = |s: f64| seconds(s / rounds as f64);
            table.row(vec![
                cpu.to_string(),
                interval_label(interval),
                seconds(t),
                per(t),
                py_cell(&py, seconds),
                py_cell(&py, per),
            ]);
            if cpu == 1 && interval == DEFAULT_INTERVAL {
                beside_one = Some(t / rounds as f64);
            }
            data.push(json!({"cpu_threads": cpu, "interval_s": interval.as_secs_f64(), "ours": t, "cpython": py_json(&py)}));
        }
        if let Some(latency) = beside_one {
            let interval = DEFAULT_INTERVAL.as_secs_f64();
            table.check(
                format!(
                    "beside one CPU thread, each blocking call costs the I/O thread about one switch \
                     interval: {} per call, interval {}",
                    seconds(latency),
                    seconds(interval)
                ),
                (0.3 * interval..=3.0 * interval).contains(&latency),
            );
        }
        table.data = json!({"rounds": rounds, "cases": data});
        Ok(table)
    }

    fn old_gil(&self) -> Outcome {
        let n = self.sizes.count;
        let one = [("count", vec![Value::Int(n)])];
        let two = [
            ("count", vec![Value::Int(n)]),
            ("count", vec![Value::Int(n)]),
        ];
        let mut table = Table::new(
            "old-gil",
            format!(
                "Python 2's GIL (release and re-take every 100 instructions) against ours: count({n})"
            ),
            &[
                "GIL",
                "1 thread",
                "2 threads, the same work each",
                "2 threads ÷ 1 thread",
                "2 threads ÷ the same work in sequence",
                "switches (2 threads)",
            ],
        );
        let mut data = Vec::new();
        for old in [true, false] {
            // The GIL to run on, and how to read its count of hand-offs.
            type Switches = Box<dyn Fn() -> u64>;
            let (label, gil, switches_now): (&str, Arc<dyn Gil>, Switches) = if old {
                let gil = Arc::new(TickGil::new(100));
                let counter = gil.clone();
                (
                    "Python 2 style: every 100 instructions",
                    gil,
                    Box::new(move || counter.switches()),
                )
            } else {
                let gil = self.gil(DEFAULT_INTERVAL);
                let counter = gil.clone();
                (
                    "yours: 5 ms interval, drop requests",
                    gil,
                    Box::new(move || counter.switches()),
                )
            };
            let mut switches = 0;
            let (t1, t2, ratio) = self.paired(
                || Ok(self.ours(CPU, gil.clone(), &one, &[])?.0),
                || {
                    let before = switches_now();
                    let time = self.ours(CPU, gil.clone(), &two, &[])?.0;
                    switches = switches_now() - before;
                    Ok(time)
                },
            )?;
            table.row(vec![
                label.into(),
                seconds(t1),
                seconds(t2),
                times(ratio),
                times(ratio / 2.0),
                switches.to_string(),
            ]);
            data.push(
                json!({"gil": label, "one": t1, "two": t2, "ratio": ratio, "switches": switches}),
            );
        }
        table.notes.push(
            "Medians of runs taken in turns, as in the CPU-bound experiment; switches are those of \
             the last 2-thread run. On CPython 2.6 the published figure for the same shape is about \
             1.8× slower with 2 threads on 2 cores than sequentially; CPython 3.2 and later have no old \
             GIL to run (3.0 and 3.1 still had it)."
                .to_owned(),
        );
        table.data = json!({"n": n, "gils": data});
        Ok(table)
    }

    fn escape(&self) -> Outcome {
        let steps = self.sizes.bytecode_steps;
        let native = self.sizes.native_steps;
        let mut table = Table::new(
            "escape",
            format!(
                "Escaping the GIL: 2 jobs, each the integral of cos over [0, π/2] \
                 ({steps} steps in bytecode, {native} steps in native code)"
            ),
            &[
                "",
                "one after the other",
                "both at once",
                "speed-up",
                "CPython: one after the other",
                "both at once",
                "speed-up",
            ],
        );
        let mut data = serde_json::Map::new();
        let checked = |values: &[Value]| -> Result<(), String> {
            for value in values {
                match value {
                    Value::Int(v) if (v - 1_000_000).abs() < 1_000 => {}
                    other => {
                        return Err(format!(
                            "the integral came out as {other}, not about 1000000"
                        ));
                    }
                }
            }
            Ok(())
        };

        // Threads of one interpreter: bytecode, then native calls without and with the GIL.
        let rows: [(&str, &str, i64); 3] = [
            ("threads, bytecode", "integrate_bytecode", steps),
            (
                "threads, native code without the GIL",
                "integrate_native",
                native,
            ),
            (
                "threads, native code holding the GIL",
                "integrate_native_holding",
                native,
            ),
        ];
        let mut speedups = BTreeMap::new();
        for (label, function, n) in rows {
            let job = (function, vec![Value::Int(n)]);
            let interpreter = run::interpreter(self.kit, INTEGRATE, self.gil(DEFAULT_INTERVAL))?;
            let jobs = [job.clone(), job];
            let (seq, par, ratio) = self.paired(
                || {
                    let (time, values) = run::sequence(&interpreter, &jobs)?;
                    checked(&values)?;
                    Ok(time.as_secs_f64())
                },
                || {
                    let (time, values) = run::threads(&interpreter, &jobs, &[])?;
                    checked(&values)?;
                    Ok(time.as_secs_f64())
                },
            )?;
            let speedup = 1.0 / ratio;
            let (py_seq, py_par) = if function == "integrate_bytecode" {
                (
                    self.cpython_seconds(
                        INTEGRATE,
                        &format!("sequence([('{function}', [{n}])] * 2)"),
                    ),
                    self.cpython_seconds(
                        INTEGRATE,
                        &format!("threads([('{function}', [{n}])] * 2)"),
                    ),
                )
            } else {
                (None, None)
            };
            table.row(vec![
                label.into(),
                seconds(seq),
                seconds(par),
                times(speedup),
                py_cell(&py_seq, seconds),
                py_cell(&py_par, seconds),
                py_ratio(&py_seq, &py_par),
            ]);
            speedups.insert(label, speedup);
            data.insert(
                label.into(),
                json!({"sequence": seq, "parallel": par,
                "cpython": {"sequence": py_json(&py_seq), "parallel": py_json(&py_par)}}),
            );
        }

        // Processes: a pool of two workers, each this very program started with --worker.
        let exe = std::env::current_exe()
            .map_err(|e| format!("cannot find the lab's own program: {e}"))?;
        let started = Instant::now();
        let pool = (self.kit.new_pool)(
            2,
            Box::new(move || {
                let mut command = Command::new(&exe);
                command.arg("--worker");
                command
            }),
        )
        .map_err(|e| format!("could not start the process pool: {e}"))?;
        let job = Job {
            source: INTEGRATE.to_owned(),
            function: "integrate_bytecode".to_owned(),
            args: vec![Value::Int(steps)],
        };
        let warm = pool.run_all(&[job.clone(), job.clone()]);
        let start_up = started.elapsed().as_secs_f64();
        let results =
            |replies: Vec<Result<(u32, Value), String>>| -> Result<Vec<(u32, Value)>, String> {
                replies.into_iter().collect()
            };
        results(warm)?;
        let mut both = Vec::new();
        let (seq, par, ratio) = self.paired(
            || {
                let start = Instant::now();
                let mut one_by_one = results(pool.run_all(std::slice::from_ref(&job)))?;
                one_by_one.extend(results(pool.run_all(std::slice::from_ref(&job)))?);
                let time = start.elapsed().as_secs_f64();
                checked(&one_by_one.iter().map(|(_, v)| *v).collect::<Vec<_>>())?;
                Ok(time)
            },
            || {
                let start = Instant::now();
                both = results(pool.run_all(&[job.clone(), job.clone()]))?;
                let time = start.elapsed().as_secs_f64();
                checked(&both.iter().map(|(_, v)| *v).collect::<Vec<_>>())?;
                Ok(time)
            },
        )?;
        let process_speedup = 1.0 / ratio;
        let pids: std::collections::BTreeSet<u32> = both.iter().map(|(pid, _)| *pid).collect();
        if pids.contains(&std::process::id()) {
            return Err("a job ran in the lab's own process, not in a worker".to_owned());
        }
        let py_seq = self.cpython_seconds(
            INTEGRATE,
            &format!("processes([('integrate_bytecode', [{steps}])] * 2, 1)"),
        );
        let py_par = self.cpython_seconds(
            INTEGRATE,
            &format!("processes([('integrate_bytecode', [{steps}])] * 2, 2)"),
        );
        table.row(vec![
            "processes, bytecode".into(),
            seconds(seq),
            seconds(par),
            times(process_speedup),
            py_cell(&py_seq, seconds),
            py_cell(&py_par, seconds),
            py_ratio(&py_seq, &py_par),
        ]);
        speedups.insert("processes, bytecode", process_speedup);
        data.insert(
            "processes, bytecode".into(),
            json!({"sequence": seq, "parallel": par, "pool_start_up": start_up,
            "pids": pids, "cpython": {"sequence": py_json(&py_seq), "parallel": py_json(&py_par)}}),
        );
        drop(pool);

        table.notes.push(format!(
            "Ours: medians of runs taken in turns, the speed-up the median of the turns' ratios. \
             Starting the pool of 2 worker processes (and a first job each) took {}; it is not in the \
             times above. The jobs ran in processes {pids:?}; the lab is process {}. CPython's \
             processes come from multiprocessing (fork); it has no native integrate to call.",
            seconds(start_up),
            std::process::id()
        ));
        let threads = speedups["threads, bytecode"];
        let processes = speedups["processes, bytecode"];
        let free = speedups["threads, native code without the GIL"];
        table.check(
            format!("threads running bytecode give no speed-up: {threads:.2}×"),
            threads < 1.25,
        );
        table.check(
            format!("2 processes give at least 1.6× speed-up: {processes:.2}×"),
            processes >= 1.6,
        );
        table.check(
            format!("native calls without the GIL give at least 1.6× speed-up: {free:.2}×"),
            free >= 1.6,
        );
        table.data = json!({"bytecode_steps": steps, "native_steps": native, "approaches": data});
        Ok(table)
    }

    fn lost_update(&self) -> Outcome {
        let n = self.sizes.lost_update;
        let mut table = Table::new(
            "lost-update",
            format!("The lost update: 2 threads each add 1 to a global {n} times"),
            &["statement", "expected", "ours", "lost", "CPython", "lost"],
        );
        let expected = 2 * n;
        let mut data = Vec::new();
        let mut lost_with_call = 0;
        for (function, statement) in [("add", "counter += bump()"), ("add_plain", "counter += 1")] {
            let interpreter = run::interpreter(self.kit, LOST_UPDATE, self.gil(DEFAULT_INTERVAL))?;
            let job = (function, vec![Value::Int(n)]);
            run::threads(&interpreter, &[job.clone(), job], &[])?;
            let got = match interpreter.global("counter") {
                Some(Value::Int(got)) => got,
                other => return Err(format!("the global counter is {other:?} after the run")),
            };
            let answer = self.cpython(
                LOST_UPDATE,
                &format!("threads([('{function}', [{n}])] * 2)"),
            );
            let py = field(&answer, "counter").map(|counter| counter.map(|c| c as i64));
            if function == "add" {
                lost_with_call = expected - got;
            }
            let lost = |got: i64| {
                format!(
                    "{} ({:.1}%)",
                    expected - got,
                    (expected - got) as f64 / expected as f64 * 100.0
                )
            };
            table.row(vec![
                format!("`{statement}`"),
                expected.to_string(),
                got.to_string(),
                lost(got),
                py_cell(&py, |v| v.to_string()),
                py_cell(&py, lost),
            ]);
            data.push(
                json!({"statement": statement, "expected": expected, "ours": got,
                "cpython": py_json(&py)}),
            );
        }
        table.notes.push(
            "`counter += bump()` has a call between the load of counter and its store: a thread switch \
             there (the eval breaker is checked at calls) loses the other thread's additions. \
             `counter += 1` has no check between them."
                .to_owned(),
        );
        table.check(
            format!("the lost update appears: {lost_with_call} additions lost"),
            lost_with_call > 0,
        );
        table.data = json!({"n": n, "runs": data});
        Ok(table)
    }

    fn speed(&self) -> Outcome {
        let n = self.sizes.speed_count;
        let steps = self.sizes.bytecode_steps;
        let mut table = Table::new(
            "speed",
            "The interpreter's raw speed: one thread, against CPython",
            &[
                "program",
                "ours",
                "instructions/s",
                "CPython",
                "ours ÷ CPython",
            ],
        );
        let mut data = Vec::new();
        for (source, function, arg) in [(CPU, "count", n), (INTEGRATE, "integrate_bytecode", steps)]
        {
            let interpreter = run::interpreter(self.kit, source, self.gil(DEFAULT_INTERVAL))?;
            let mut per_run = 0;
            let t = self.median(|| {
                let before = interpreter.instructions();
                let (time, _) = run::sequence(&interpreter, &[(function, vec![Value::Int(arg)])])?;
                per_run = interpreter.instructions() - before;
                Ok(time.as_secs_f64())
            })?;
            let py = self.cpython_seconds(source, &format!("sequence([('{function}', [{arg}])])"));
            table.row(vec![
                format!("{function}({arg})"),
                seconds(t),
                format!("{:.0}\u{a0}M", per_run as f64 / t / 1e6),
                py_cell(&py, seconds),
                match &py {
                    Some(Ok(py)) => times(t / py),
                    _ => "—".into(),
                },
            ]);
            data.push(json!({"function": function, "arg": arg, "ours": t, "instructions": per_run, "cpython": py_json(&py)}));
        }
        table.data = json!({"programs": data});
        Ok(table)
    }

    fn timeline(&self) -> Outcome {
        let rounds = self.sizes.timeline_rounds;
        let gil = self.gil(DEFAULT_INTERVAL);
        let interpreter = run::interpreter(self.kit, IO, gil.clone())?;
        let skip = gil.events().len();
        run::threads(
            &interpreter,
            &[("wait", vec![Value::Int(rounds), Value::Int(3)])],
            // One CPU-bound thread, not two: beside two, the I/O thread can wait hundreds of
            // milliseconds (the thread that asked for the GIL is awake when it is dropped and
            // nearly always wins it), and the picture becomes too long to read. The convoy
            // experiment measures that case.
            &["burn"],
        )?;
        let events: Vec<_> = gil.events().into_iter().skip(skip).collect();
        let mut threads: Vec<ThreadId> = Vec::new();
        for event in &events {
            if !threads.contains(&event.thread) {
                threads.push(event.thread);
            }
        }
        // A thread's id is taken when its OS thread starts, not when it is spawned, so the
        // I/O thread is told apart by what it does: it is the one that blocks.
        threads.sort_unstable();
        let io_thread = events
            .iter()
            .find(|event| event.kind == toy_python::EventKind::Blocked)
            .map(|event| event.thread);
        let names: BTreeMap<usize, String> = threads
            .iter()
            .map(|&id| {
                let name = if Some(id) == io_thread {
                    "I/O thread"
                } else {
                    "CPU-bound thread"
                };
                (id, name.to_owned())
            })
            .collect();
        let caption = format!(
            "Who held the GIL: a CPU-bound thread, and an I/O thread that sleeps 3 ms {rounds} times (interval 5 ms)"
        );
        let out = &self.options.out;
        std::fs::create_dir_all(out)
            .map_err(|e| format!("cannot create {}: {e}", out.display()))?;
        let svg_path = out.join("timeline.svg");
        let trace_path = out.join("timeline.json");
        std::fs::write(&svg_path, crate::timeline::svg(&events, &names, &caption))
            .map_err(|e| format!("cannot write {}: {e}", svg_path.display()))?;
        std::fs::write(&trace_path, crate::timeline::chrome_trace(&events, &names))
            .map_err(|e| format!("cannot write {}: {e}", trace_path.display()))?;
        let mut table = Table::new(
            "timeline",
            "Timeline: who held the GIL when",
            &["file", "what"],
        );
        table.row(vec![
            svg_path.display().to_string(),
            "picture (open in a browser)".into(),
        ]);
        table.row(vec![
            trace_path.display().to_string(),
            "Chrome trace: open at ui.perfetto.dev".into(),
        ]);
        let requests = events
            .iter()
            .filter(|m| m.kind == toy_python::EventKind::DropRequested)
            .count();
        table.notes.push(format!(
            "{} events, {requests} drop requests.",
            events.len()
        ));
        table.data = json!({"svg": svg_path, "trace": trace_path, "events": events.len(), "drop_requests": requests});
        Ok(table)
    }
}

fn py_cell<T: Copy>(py: &Option<Result<T, String>>, show: impl Fn(T) -> String) -> String {
    match py {
        None => "—".to_owned(),
        Some(Ok(v)) => show(*v),
        Some(Err(e)) => format!("error: {e}"),
    }
}

fn py_ratio(a: &Option<Result<f64, String>>, b: &Option<Result<f64, String>>) -> String {
    match (a, b) {
        (Some(Ok(a)), Some(Ok(b))) => times(a / b),
        _ => "—".to_owned(),
    }
}

fn py_json<T: Into<Json> + Copy>(py: &Option<Result<T, String>>) -> Json {
    match py {
        None => Json::Null,
        Some(Ok(v)) => (*v).into(),
        Some(Err(e)) => json!({"error": e}),
    }
}

fn machine(lab: &Lab) -> Json {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| format!("{} {}", std::env::consts::OS, s.trim()))
        .unwrap_or_else(|_| std::env::consts::OS.to_owned());
    json!({
        "code": lab.kit.code,
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "cpu": cpu,
        "os": kernel,
        "build": if cfg!(debug_assertions) { "debug" } else { "release" },
        "python": lab.python.as_ref().map(|p| p.version.clone()),
        "quick": lab.options.quick,
        "command": std::env::args().collect::<Vec<_>>().join(" "),
    })
}

fn machine_text(machine: &Json) -> String {
    let mut text = format!(
        "Code: {}. Machine: {} cores, {}, {}. Build: {}. CPython: {}.",
        machine["code"].as_str().unwrap_or(""),
        machine["cores"],
        machine["cpu"].as_str().unwrap_or(""),
        machine["os"].as_str().unwrap_or(""),
        machine["build"].as_str().unwrap_or(""),
        machine["python"]
            .as_str()
            .unwrap_or("not found (install python3 for the second column)"),
    );
    if machine["build"] == "debug" {
        text +=
            "\nThis is a debug build: times are not representative. Add --release to cargo run.";
    }
    text
}

/// A number in the driver's answer: `None` without python3, `Some(Err)` when it failed.
fn field(answer: &Option<Result<Json, String>>, key: &str) -> PySeconds {
    answer.as_ref().map(|answer| {
        answer.as_ref().map_err(Clone::clone).and_then(|json| {
            json[key]
                .as_f64()
                .ok_or_else(|| format!("no {key} in {json}"))
        })
    })
}

/// How an interval is written in the tables: "5 ms", "500 µs" (with a no-break space, so
/// that a narrow column does not wrap the number away from its unit).
fn interval_label(interval: Duration) -> String {
    if interval >= Duration::from_millis(1) {
        format!("{}\u{a0}ms", interval.as_millis())
    } else {
        format!("{}\u{a0}µs", interval.as_micros())
    }
}

/// The median of some measurements.
fn middle(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
