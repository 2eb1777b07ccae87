//! The three experiments. Each measures the reader's code (exercises 01 and 02), the same
//! things with std alone, and Python's counterparts when python3 is there, and returns a
//! table with the shapes it checks.

use std::process::{Command, ExitCode};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value as Json, json};

use crate::measure::{self, OneCore};
use crate::python::Python;
use crate::report::{EXPERIMENTS, Options, Table, seconds, times};
use crate::run::{self, within};
use crate::{Kit, WORKER_ARG};

/// How much work each measurement does: the full sizes take about a minute in release mode.
struct Sizes {
    /// Timed runs of each measurement (after one that is not counted); the median is shown.
    repeats: usize,
    thread_starts: u64,
    process_starts: u64,
    task_starts: u64,
    green_rounds: u64,
    thread_rounds: u64,
    process_rounds: u64,
    /// Round trips of the ping-pongs over pipes that read a working set on each turn.
    data_rounds: u64,
    /// The CPU-bound job, on 1 worker, should take about this long.
    job: Duration,
    py_thread_starts: u64,
    /// For the start method python3 uses by default, and for the others (which start a new
    /// interpreter each time).
    py_process_starts: (u64, u64),
    py_task_starts: u64,
    py_rounds: u64,
    py_process_rounds: u64,
    py_job: u64,
}

const FULL: Sizes = Sizes {
    repeats: 5,
    thread_starts: 2_000,
    process_starts: 200,
    task_starts: 100_000,
    green_rounds: 200_000,
    thread_rounds: 20_000,
    process_rounds: 20_000,
    data_rounds: 500,
    job: Duration::from_millis(300),
    py_thread_starts: 1_000,
    py_process_starts: (50, 5),
    py_task_starts: 20_000,
    py_rounds: 10_000,
    py_process_rounds: 5_000,
    py_job: 30_000,
};

const QUICK: Sizes = Sizes {
    repeats: 1,
    thread_starts: 20,
    process_starts: 3,
    task_starts: 1_000,
    green_rounds: 1_000,
    thread_rounds: 100,
    process_rounds: 100,
    data_rounds: 20,
    job: Duration::from_millis(5),
    py_thread_starts: 10,
    py_process_starts: (2, 1),
    py_task_starts: 100,
    py_rounds: 50,
    py_process_rounds: 50,
    py_job: 200,
};

/// No measurement waits longer than this for the code under test, a child or python3: a
/// minute, times `COURSE_DEADLINE_SCALE` if it is set (as for the graded tests' deadlines).
fn limit() -> Duration {
    let scale = std::env::var("COURSE_DEADLINE_SCALE")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .unwrap_or(1.0);
    Duration::from_secs(60).mul_f64(scale)
}

/// How much bigger "≫" means in the checks.
const MUCH: f64 = 5.0;

struct Lab<'a> {
    kit: &'a Kit,
    python: Result<Python, String>,
    sizes: &'static Sizes,
    options: &'a Options,
    /// Every measurement that failed, for the advice at the end.
    errors: std::cell::RefCell<Vec<String>>,
    /// The measurement of the reader's code that did not finish, if one did not: its
    /// thread may still be running, so the reader's code is not measured again.
    stuck: std::cell::RefCell<Option<String>>,
}

/// A measurement: seconds per operation, or why there is none.
type Measured = Result<f64, String>;

/// Runs the experiments the options ask for and prints the results.
pub fn run_all(kit: &Kit, options: &Options) -> ExitCode {
    let python = if options.python {
        Python::find()
    } else {
        Err("--no-python".to_owned())
    };
    let lab = Lab {
        kit,
        python,
        sizes: if options.quick { &QUICK } else { &FULL },
        options,
        errors: Default::default(),
        stuck: Default::default(),
    };
    let machine = machine(&lab);
    if !options.json {
        println!("# The Part 1 lab\n\n{}\n", machine_text(&machine));
        println!(
            "Each table ends with the shapes the book describes: ✓ when this run shows one, \
             ✗ when it does not. A ✗ is a measurement, not a failure of your code: it usually \
             means a busy machine (close other programs and run again), a laptop on battery, \
             or a virtual machine whose cores are shared with others.\n"
        );
    }
    let mut tables = Vec::new();
    for id in EXPERIMENTS.iter().filter(|id| options.wants(id)) {
        let mut table = match *id {
            "start" => lab.start(),
            "ping-pong" => lab.ping_pong(),
            _ => lab.job(),
        };
        if options.quick {
            table.checks.clear();
            table
                .notes
                .push("(--quick: sizes too small for the shapes to mean much)".to_owned());
        }
        if !options.json {
            println!("{}\n", table.render());
        }
        tables.push(table.to_json());
    }
    let errors = lab.errors.borrow().clone();
    if let Some(advice) = run::all_todo_advice(&errors) {
        if options.json {
            eprintln!("{advice}");
        } else {
            println!("{advice}");
        }
    }
    if options.json {
        let document = json!({"machine": machine, "experiments": tables, "errors": errors});
        println!(
            "{}",
            serde_json::to_string_pretty(&document).unwrap_or_default()
        );
    }
    if errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

impl Lab<'_> {
    fn python(&self) -> Option<&Python> {
        self.python.as_ref().ok()
    }

    /// Notes a failed measurement; the table shows it as a short cell and a note.
    fn failed(&self, error: &str) {
        self.errors.borrow_mut().push(error.to_owned());
    }

    /// The median over `repeats` runs (after one run not counted: the first run pays for
    /// cold caches and a CPU clock that has not ramped up) of the seconds per operation, for
    /// a measurement of `n` operations that runs on a thread of its own under [`limit`].
    fn per_op(
        &self,
        what: &str,
        n: u64,
        measure: impl Fn(u64) -> Result<Duration, String> + Send + Clone + 'static,
    ) -> Measured {
        let repeats = self.sizes.repeats;
        let outcome = self
            .within(what, move || {
                measure(n)?;
                let mut each = Vec::new();
                for _ in 0..repeats {
                    each.push(measure(n)?.as_secs_f64() / n as f64);
                }
                Ok(middle(each))
            })
            .and_then(|inner| inner);
        if let Err(error) = &outcome {
            self.failed(&format!("{what}: {error}"));
        }
        outcome
    }

    /// [`within`] under [`limit`], except after a measurement of the reader's code (the
    /// ones whose `what` says "your", or names an exercise function) did not finish: then
    /// the reader's code is not run again, since the stuck thread may still be running it.
    fn within<T: Send + 'static>(
        &self,
        what: &str,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, String> {
        let reader = ["your", "run_in_", "`work`"]
            .iter()
            .any(|w| what.contains(w));
        if reader && let Some(earlier) = self.stuck.borrow().as_ref() {
            return Err(format!(
                "not run: {earlier} did not finish, and its thread may still be running"
            ));
        }
        let outcome = within(limit(), what, f);
        if reader
            && let Err(error) = &outcome
            && error.starts_with("possible deadlock")
        {
            *self.stuck.borrow_mut() = Some(what.to_owned());
        }
        outcome
    }

    /// A Python measurement: `None` without python3.
    fn py(&self, call: &str) -> Option<Result<Json, String>> {
        let python = self.python()?;
        let outcome = python.run(call, limit());
        if let Err(error) = &outcome {
            self.failed(&format!("python3 {call}: {error}"));
        }
        Some(outcome)
    }

    fn py_seconds(&self, call: &str) -> Option<Measured> {
        self.py(call).map(|answer| {
            answer.and_then(|json| json.as_f64().ok_or_else(|| format!("python3 said {json}")))
        })
    }

    fn python_note(&self, table: &mut Table) {
        match &self.python {
            Ok(python) => table.notes.push(format!(
                "Python: {}, multiprocessing's default start method here: {}.",
                python.version(),
                python.default_start_method()
            )),
            Err(reason) if reason == "--no-python" => table
                .notes
                .push("Python: not run (--no-python).".to_owned()),
            Err(reason) => table.notes.push(format!(
                "Python: not run ({reason}); install python3 for the Python column."
            )),
        }
    }

    fn start(&self) -> Table {
        let s = self.sizes;
        let green = self.kit.green.spawn_and_await;
        let task = self.per_op(
            "starting green tasks on your executor",
            s.task_starts,
            green,
        );
        let thread = self.per_op("starting threads", s.thread_starts, measure::thread_starts);
        let process = self.per_op("starting processes", s.process_starts, |n| {
            measure::process_starts(n, limit())
        });
        let runs = s.repeats;
        let py_task = self.py_seconds(&format!("task_start({}, {runs})", s.py_task_starts));
        let py_thread = self.py_seconds(&format!("thread_start({}, {runs})", s.py_thread_starts));
        let mut py_processes: Vec<(String, Option<Measured>)> = Vec::new();
        if let Some(python) = self.python() {
            let default = python.default_start_method().to_owned();
            let mut methods = python.start_methods();
            methods.sort_by_key(|m| *m != default);
            for method in methods {
                let n = if method == "fork" {
                    s.py_process_starts.0
                } else {
                    s.py_process_starts.1
                };
                let measured = self.py_seconds(&format!("process_start({n}, {runs}, {method:?})"));
                py_processes.push((method, measured));
            }
        }
        let py_default = py_processes.first().and_then(|(_, m)| m.clone());

        let mut table = Table::new(
            "start",
            "Starting one, and waiting for it to finish",
            &["", "Rust", "Python"],
        );
        table.row(vec![
            "a green task: spawn, await".into(),
            cell(&task),
            py_cell(&py_task),
        ]);
        table.row(vec![
            "a thread: spawn, join".into(),
            cell(&thread),
            py_cell(&py_thread),
        ]);
        table.row(vec![
            match py_processes.first() {
                Some((method, _)) => format!("a process: start, wait (Python: {method})"),
                None => "a process: start, wait".to_owned(),
            },
            cell(&process),
            py_cell(&py_default),
        ]);
        for (method, measured) in py_processes.iter().skip(1) {
            table.row(vec![
                format!("a process, Python's {method} method"),
                "—".into(),
                py_cell(measured),
            ]);
        }
        table.notes.push(format!(
            "{}, per start. Rust: your executor's `spawn` and `.await` of a \
             task that returns at once ({} of them one after the other, on one `block_on`); \
             `std::thread::spawn` and `join` of a thread that does nothing; this program \
             started again as a child that exits at once (`std::process::Command`, then \
             `wait`). Python: `asyncio.create_task` and `await`; `threading.Thread` `start` \
             and `join`; `multiprocessing.Process` `start` and `join`, with each start \
             method this platform has, the default first.",
            capitalised(&medians(s.repeats)),
            s.task_starts
        ));
        self.python_note(&mut table);
        todo_note(&mut table, &[&task]);
        if let (Ok(process), Ok(thread)) = (&process, &thread) {
            let ratio = process / thread;
            table.check(
                format!(
                    "process start ≫ thread start (at least {MUCH}×): {}",
                    times(ratio)
                ),
                ratio >= MUCH,
            );
        }
        if let (Ok(thread), Ok(task)) = (&thread, &task) {
            let ratio = thread / task;
            table.check(
                format!(
                    "thread start ≫ green task start (at least {MUCH}×): {}",
                    times(ratio)
                ),
                ratio >= MUCH,
            );
        }
        if let (Some(Ok(process)), Some(Ok(thread)), Some(Ok(task))) =
            (&py_default, &py_thread, &py_task)
        {
            table.check(
                format!(
                    "in Python too, process ≫ thread ≫ task: {} and {}",
                    times(process / thread),
                    times(thread / task)
                ),
                process / thread >= MUCH && thread / task >= MUCH,
            );
        }
        table.data = json!({
            "rust": {"green_task": json_of(&task), "thread": json_of(&thread), "process": json_of(&process)},
            "python": {
                "task": py_json(&py_task),
                "thread": py_json(&py_thread),
                "process": py_processes.iter().map(|(m, v)| (m.clone(), py_json(v))).collect::<serde_json::Map<_, _>>(),
            },
            "counts": {"task": s.task_starts, "thread": s.thread_starts, "process": s.process_starts},
        });
        table
    }

    /// The ping-pongs, on one core (when the lab can pin itself) and on any.
    fn ping_pong(&self) -> Table {
        let pinned = OneCore::pin();
        let core = pinned.as_ref().map(|p| p.cpu);
        let one_core = pinned.as_ref().map(|_| self.ping_pongs());
        drop(pinned);
        let any_core = self.ping_pongs();
        let kib = working_set_bytes() >> 10;
        let rows = [
            ("2 green tasks", "yield_now".to_owned()),
            ("2 threads", "Mutex + Condvar".to_owned()),
            ("2 threads", "mpsc channels".to_owned()),
            ("2 threads", "pipes".to_owned()),
            ("2 processes", "pipes".to_owned()),
            (
                "2 threads",
                format!("pipes, both reading the same {kib}\u{a0}KiB each turn"),
            ),
            (
                "2 processes",
                format!("pipes, each reading its own {kib}\u{a0}KiB each turn"),
            ),
        ];
        let py_rows = [
            "; asyncio.sleep(0)",
            "; threading.Condition",
            "; queue.SimpleQueue",
            "; multiprocessing.Pipe",
            "; multiprocessing.Pipe",
            "",
            "",
        ];
        let mut table = Table::new(
            "ping-pong",
            "Ping-pong: one round trip of a token between two",
            &[
                "between",
                if self.python().is_some() {
                    "over (Rust; Python)"
                } else {
                    "over"
                },
                "Rust, 1 core",
                "Rust, any core",
                "Python, 1 core",
                "Python, any core",
            ],
        );
        for (i, (between, over)) in rows.iter().enumerate() {
            let rust = |set: &Option<PingPongs>| match set {
                Some(set) => cell(&set.rust[i]),
                None => "—".to_owned(),
            };
            let python = |set: &Option<PingPongs>| match set {
                Some(set) => py_cell(&set.python[i]),
                None => "—".to_owned(),
            };
            let any = Some(any_core.clone());
            let over = if self.python().is_some() {
                format!("{over}{}", py_rows[i])
            } else {
                over.to_string()
            };
            table.row(vec![
                between.to_string(),
                over,
                rust(&one_core),
                rust(&any),
                python(&one_core),
                python(&any),
            ]);
        }
        let s = self.sizes;
        table.notes.push(format!(
            "Time per round trip (the token there and back: two switches), {} of {} round \
             trips for green tasks, {} for threads and processes. \
             The green tasks run on your executor: each waits for its turn with `yield_now`. \
             The processes are this program and a copy of it started as a child that echoes \
             each byte; the threads over pipes do exactly the same in one process, so the \
             two rows differ only by the change of address space. The last two rows do the \
             same, {} round trips, and each side reads {kib}\u{a0}KiB (three quarters of a \
             core's L2 cache, one word per cache line in a shuffled order) on its turn: the two threads the same memory, as threads share \
             their data, and each process its own. The pipe rows are measured in turns, {} \
             of threads and of processes, and compared by the median of the turns' ratios.",
            medians(s.repeats),
            s.green_rounds,
            s.thread_rounds,
            s.data_rounds,
            2 * s.repeats - 1
        ));
        match core {
            Some(core) => table.notes.push(format!(
                "1 core: the lab pinned itself (and the threads and children it started) to \
                 core {core} with sched_setaffinity, so that every hand-over is a context \
                 switch on that core. Any core: the scheduler's choice; with two cores free, \
                 the two sides usually run on different cores and each hand-over is a wake-up \
                 of the other core instead."
            )),
            None => table
                .notes
                .push("1 core: not measured (the lab can pin itself only on Linux).".to_owned()),
        }
        self.python_note(&mut table);
        todo_note(&mut table, &[&any_core.rust[0]]);
        let (set, which) = match &one_core {
            Some(set) => (set, "on 1 core"),
            None => (&any_core, "on any core"),
        };
        if let (Ok(green), Ok(thread)) = (&set.rust[0], &set.rust[1]) {
            let ratio = thread / green;
            table.check(
                format!(
                    "green switch ≪ thread switch ({which}, Mutex + Condvar at least {MUCH}× \
                     the green tasks): {}",
                    times(ratio)
                ),
                ratio >= MUCH,
            );
        }
        if let Ok(ratio) = &set.data_ratio {
            table.check(
                format!(
                    "thread switch < process switch ({which}, over the same pipes, each side \
                     reading {kib}\u{a0}KiB on its turn): a round trip between processes takes \
                     {} the time of one between threads",
                    times(*ratio)
                ),
                *ratio > 1.0,
            );
        }
        if let Ok(ratio) = &set.pipe_ratio {
            table.notes.push(format!(
                "Over bare pipes ({which}), a round trip between processes takes {} the time \
                 of one between threads. Not checked: the change of address space itself is \
                 cheap where the TLB keeps entries of several processes apart (PCID, ASID); \
                 what a process switch costs shows when the two sides use memory, in the last \
                 two rows (book: part-1/context-switches.md#process-switch).",
                times(*ratio)
            ));
        }
        let to_json = |set: &Option<PingPongs>| match set {
            None => Json::Null,
            Some(set) => json!({
                "rust": set.rust.iter().map(json_of).collect::<Vec<_>>(),
                "pipes_processes_over_threads": json_of(&set.pipe_ratio),
                "data_processes_over_threads": json_of(&set.data_ratio),
                "python": set.python.iter().map(py_json).collect::<Vec<_>>(),
            }),
        };
        table.data = json!({
            "rows": rows.iter().map(|(between, over)| format!("{between} over {over}")).collect::<Vec<_>>(),
            "one_core": to_json(&one_core),
            "any_core": to_json(&Some(any_core.clone())),
            "rounds": {"green": s.green_rounds, "threads": s.thread_rounds, "processes": s.process_rounds, "data": s.data_rounds},
            "working_set_bytes": working_set_bytes(),
        });
        table
    }

    fn ping_pongs(&self) -> PingPongs {
        let s = self.sizes;
        let green = self.kit.green.ping_pong;
        let rust = vec![
            self.per_op(
                "the green ping-pong on your executor",
                s.green_rounds,
                green,
            ),
            self.per_op(
                "the Mutex + Condvar ping-pong",
                s.thread_rounds,
                measure::condvar_ping_pong,
            ),
            self.per_op(
                "the channel ping-pong",
                s.thread_rounds,
                measure::channel_ping_pong,
            ),
        ];
        let (threads, processes, pipe_ratio) =
            self.pipes_in_turns(s.thread_rounds, s.process_rounds, 0);
        let (data_threads, data_processes, data_ratio) =
            self.pipes_in_turns(s.data_rounds, s.data_rounds, working_set_bytes());
        let rust = [rust, vec![threads, processes, data_threads, data_processes]].concat();
        let runs = s.repeats;
        let (n, p) = (s.py_rounds, s.py_process_rounds);
        let python = vec![
            self.py_seconds(&format!("task_ping_pong({n}, {runs})")),
            self.py_seconds(&format!("condition_ping_pong({n}, {runs})")),
            self.py_seconds(&format!("queue_ping_pong({n}, {runs})")),
            self.py_seconds(&format!("pipe_ping_pong_threads({p}, {runs})")),
            self.py_seconds(&format!("pipe_ping_pong_processes({p}, {runs})")),
            None,
            None,
        ];
        PingPongs {
            rust,
            python,
            pipe_ratio,
            data_ratio,
        }
    }

    /// The two ping-pongs over pipes, threads then processes, in turns (after one turn not
    /// counted), so that a burst of load from elsewhere hits both alike: the medians of each,
    /// and the median of the turns' ratios, processes ÷ threads.
    /// With `bytes` of working set, each side reads that much memory on its turn: the
    /// threads the same memory, each process its own.
    fn pipes_in_turns(
        &self,
        threads: u64,
        processes: u64,
        bytes: usize,
    ) -> (Measured, Measured, Measured) {
        let turns = 2 * self.sizes.repeats - 1;
        let outcome = within(limit(), "the ping-pongs over pipes", move || {
            let data = Arc::new(measure::working_set(bytes));
            let turn = || -> Result<(f64, f64), String> {
                let t =
                    measure::pipe_ping_pong(threads, data.clone())?.as_secs_f64() / threads as f64;
                let p = measure::process_ping_pong(processes, data.clone(), limit())?.as_secs_f64()
                    / processes as f64;
                Ok((t, p))
            };
            turn()?;
            let (mut ts, mut ps, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
            for _ in 0..turns {
                let (t, p) = turn()?;
                ts.push(t);
                ps.push(p);
                ratios.push(p / t);
            }
            Ok((middle(ts), middle(ps), middle(ratios)))
        })
        .and_then(|inner| inner);
        match outcome {
            Ok((t, p, ratio)) => (Ok(t), Ok(p), Ok(ratio)),
            Err(error) => {
                self.failed(&format!("the ping-pongs over pipes: {error}"));
                (Err(error.clone()), Err(error.clone()), Err(error))
            }
        }
    }

    fn job(&self) -> Table {
        let mut table = Table::new(
            "job",
            "The same CPU-bound job in threads and in processes",
            &[
                "",
                "1 worker",
                "2 workers",
                "speed-up",
                "Python: 1",
                "Python: 2",
                "speed-up",
            ],
        );
        let work = self.kit.work;
        let target = self.sizes.job;
        let size = self
            .within("calibrating `work`", move || calibrate(work, target))
            .and_then(|inner| inner);
        let n = match size {
            Ok(n) => n,
            Err(error) => {
                self.failed(&format!("calibrating the job: {error}"));
                table.notes.push(format!("Not measured: {error}"));
                return table;
            }
        };
        let input: Arc<Vec<u64>> = Arc::new(job_input(n));
        let turns = self.job_turns(&input);
        let one = Arc::new(vec![input[0]]);
        let tiny_thread = self.job_run_once(&one, false);
        let tiny_process = self.job_run_once(&one, true);
        let threads = [turns.runs[0].clone(), turns.runs[1].clone()];
        let processes = [turns.runs[2].clone(), turns.runs[3].clone()];
        for k in 0..2 {
            if let (Ok((_, a)), Ok((_, b))) = (&threads[k], &processes[k])
                && a != b
            {
                let error = format!(
                    "with {} workers, run_in_threads gave {a:?} and run_in_processes \
                         {b:?} for the same input (book: part-1/work-in-processes.md#exercise)",
                    k + 1
                );
                self.failed(&error);
                table.notes.push(error);
            }
        }
        let bytes: Arc<Vec<u8>> = Arc::new(input.iter().flat_map(|x| x.to_le_bytes()).collect());
        let send = {
            let full = bytes.clone();
            let outcome = within(limit(), "sending the input to a child", move || {
                let mut with = Vec::new();
                for _ in 0..3 {
                    with.push(measure::send_to_child(&full, limit())?.as_secs_f64());
                }
                Ok::<_, String>(middle(with))
            })
            .and_then(|inner| inner);
            if let Err(error) = &outcome {
                self.failed(&format!("sending the input: {error}"));
            }
            outcome
        };
        let py = self.py(&format!(
            "job({}, {})",
            self.sizes.py_job, self.sizes.repeats
        ));
        let py_field = |key: &str| -> Option<Measured> {
            py.as_ref().map(|answer| {
                answer.clone().and_then(|json| {
                    json[key]
                        .as_f64()
                        .ok_or_else(|| format!("no {key} in {json}"))
                })
            })
        };
        let time = |r: &Result<(f64, Vec<u64>), String>| r.clone().map(|(t, _)| t);
        let (thread_speedup, process_speedup) = (turns.speedups[0], turns.speedups[1]);
        let (t1, t2) = (time(&threads[0]), time(&threads[1]));
        let (p1, p2) = (time(&processes[0]), time(&processes[1]));
        let (pt1, pt2) = (py_field("threads_1"), py_field("threads_2"));
        let (pp1, pp2) = (py_field("processes_1"), py_field("processes_2"));
        table.row(vec![
            "threads (run_in_threads)".into(),
            cell(&t1),
            cell(&t2),
            speedup_cell(&thread_speedup),
            py_cell(&pt1),
            py_cell(&pt2),
            py_times(&py_field("threads_speedup")),
        ]);
        table.row(vec![
            "processes (run_in_processes)".into(),
            cell(&p1),
            cell(&p2),
            speedup_cell(&process_speedup),
            py_cell(&pp1),
            py_cell(&pp2),
            py_times(&py_field("processes_speedup")),
        ]);
        let py_send = self.py_seconds(&format!("send({n}, 3)"));
        table.row(vec![
            "sending the input to a process".into(),
            cell(&send),
            "".into(),
            "".into(),
            py_cell(&py_send),
            "".into(),
            "".into(),
        ]);
        for (what, time) in [
            ("a one-number job in a thread", &tiny_thread),
            ("a one-number job in a process", &tiny_process),
        ] {
            table.row(vec![
                what.into(),
                cell(time),
                "".into(),
                "".into(),
                "".into(),
                "".into(),
                "".into(),
            ]);
        }
        table.notes.push(format!(
            "Rust: your `work` over {n} numbers ({} as 8-byte integers), sized to take \
             about {} on one thread here; {}. The processes are this program started \
             with `{WORKER_ARG}` (your worker_main), fed by your run_in_processes. Sending the \
             input: the same numbers as raw bytes through a pipe to a running child of the \
             lab's own, until it has read them all (median of 3; exercise 01's request is \
             the same 8 bytes a number). A one-number \
             job: your run_in_threads or run_in_processes with one worker and one number, so \
             nearly all of its time is the fixed cost: starting the worker, handing it the \
             job, getting the answer back, waiting for its end.",
            size_text(bytes.len()),
            seconds(target.as_secs_f64()),
            medians(self.sizes.repeats)
        ));
        if self.python().is_some() {
            table.notes.push(format!(
                "Python: its own CPU-bound `work` (Collatz steps) over {} numbers, in \
                 `threading.Thread`s and in a `multiprocessing.Pool` started inside the timing \
                 (its times are not comparable to Rust's, its speed-ups are). Sending: the \
                 same {n} numbers as a list, pickled through a `multiprocessing.Pipe` to a \
                 running process, until it has them all (median of 3).",
                self.sizes.py_job
            ));
        }
        self.python_note(&mut table);
        todo_note(&mut table, &[&t1, &p1]);
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        if let Some(speedup) = thread_speedup
            && cores >= 2
        {
            table.check(
                format!(
                    "2 threads do the job faster than 1 (at least 1.5× on {cores} cores): {}",
                    times(speedup)
                ),
                speedup >= 1.5,
            );
        }
        if let (Ok(thread), Ok(process)) = (&tiny_thread, &tiny_process) {
            let ratio = process / thread;
            table.check(
                format!(
                    "the fixed cost of a worker process ≫ that of a worker thread (a one-number \
                     job, at least {MUCH}×): {}",
                    times(ratio)
                ),
                ratio >= MUCH,
            );
        }
        if let (Some(Ok(threads)), Some(Ok(processes))) =
            (py_field("threads_speedup"), py_field("processes_speedup"))
            && cores >= 2
        {
            table.check(
                format!(
                    "in Python, 2 processes speed the job up and 2 threads do not (the GIL, \
                     Part 6): processes {}, threads {}",
                    times(processes),
                    times(threads)
                ),
                processes >= 1.3 && threads < 1.3,
            );
        }
        let results = |r: &Result<(f64, Vec<u64>), String>| match r {
            Ok((_, v)) => json!(v),
            Err(e) => json!({"error": e}),
        };
        table.data = json!({
            "n": n,
            "bytes": bytes.len(),
            "rust": {
                "threads": [json_of(&t1), json_of(&t2)],
                "processes": [json_of(&p1), json_of(&p2)],
                "results": {"threads": [results(&threads[0]), results(&threads[1])],
                            "processes": [results(&processes[0]), results(&processes[1])]},
                "send": json_of(&send),
                "one_number": {"thread": json_of(&tiny_thread), "process": json_of(&tiny_process)},
            },
            "python": match &py { None => Json::Null, Some(Ok(j)) => j.clone(), Some(Err(e)) => json!({"error": e}) },
        });
        table
    }

    /// Exercise 01's runners over `input`: in threads and in processes, with 1 and 2
    /// workers, in turns (after one turn not counted), so that a burst of load from elsewhere
    /// hits all four alike. A runner that fails is left out of the later turns; the others go
    /// on (a reader may finish `run_in_threads` before `run_in_processes`).
    fn job_turns(&self, input: &Arc<Vec<u64>>) -> JobTurns {
        const WHAT: [&str; 4] = [
            "run_in_threads, 1 worker",
            "run_in_threads, 2 workers",
            "run_in_processes, 1 worker",
            "run_in_processes, 2 workers",
        ];
        let (in_threads, in_processes) = (self.kit.run_in_threads, self.kit.run_in_processes);
        let input = input.clone();
        let repeats = self.sizes.repeats;
        let outcome = self.within("run_in_threads and run_in_processes", move || {
            let mut times: [Result<Vec<f64>, String>; 4] = std::array::from_fn(|_| Ok(Vec::new()));
            let mut results: [Vec<u64>; 4] = Default::default();
            for turn in 0..=repeats {
                for (i, time) in times.iter_mut().enumerate() {
                    if time.is_err() {
                        continue;
                    }
                    let (processes, k) = (i >= 2, 1 + i % 2);
                    let outcome = run::guarded(|| {
                        let start = Instant::now();
                        let results = if processes {
                            in_processes(&worker_command, &input, k, limit())
                        } else {
                            in_threads(&input, k)
                        };
                        (start.elapsed().as_secs_f64(), results)
                    })
                    .and_then(|(elapsed, got)| {
                        if got.len() != k {
                            return Err(format!(
                                "{k} workers gave {} results, not one per chunk (book: \
                                 part-1/work-in-processes.md#exercise)",
                                got.len()
                            ));
                        }
                        Ok((elapsed, got.into_iter().collect::<Result<Vec<_>, _>>()?))
                    });
                    match (outcome, time.as_mut()) {
                        (Ok((_, got)), Ok(_)) if turn == 0 => results[i] = got,
                        (Ok((elapsed, _)), Ok(each)) => each.push(elapsed),
                        (Err(error), _) => *time = Err(format!("{}: {error}", WHAT[i])),
                        (Ok(_), Err(_)) => {}
                    }
                }
            }
            (times, results)
        });
        let (times, results) = match outcome {
            Ok(both) => both,
            Err(error) => {
                let all = || Err(error.clone());
                ([all(), all(), all(), all()], Default::default())
            }
        };
        // The speed-up of 2 workers over 1, turn by turn.
        let speedup =
            |one: &Result<Vec<f64>, String>, two: &Result<Vec<f64>, String>| match (one, two) {
                (Ok(one), Ok(two)) if !one.is_empty() && one.len() == two.len() => {
                    Some(middle(one.iter().zip(two).map(|(a, b)| a / b).collect()))
                }
                _ => None,
            };
        let speedups = [speedup(&times[0], &times[1]), speedup(&times[2], &times[3])];
        let runs: Vec<Result<(f64, Vec<u64>), String>> = times
            .into_iter()
            .zip(results)
            .map(|(time, got)| match time {
                Ok(each) if each.is_empty() => Err("no turn was timed".to_owned()),
                Ok(each) => Ok((middle(each), got)),
                Err(error) => Err(error),
            })
            .collect();
        let mut reported: Vec<&String> = Vec::new();
        for error in runs.iter().filter_map(|r| r.as_ref().err()) {
            if !reported.contains(&error) {
                self.failed(error);
                reported.push(error);
            }
        }
        JobTurns { runs, speedups }
    }

    /// The median time of `run_in_threads` or `run_in_processes` with one worker over
    /// `input` (one number).
    fn job_run_once(&self, input: &Arc<Vec<u64>>, processes: bool) -> Measured {
        let (in_threads, in_processes) = (self.kit.run_in_threads, self.kit.run_in_processes);
        let what = if processes {
            "run_in_processes with one number"
        } else {
            "run_in_threads with one number"
        };
        let input = input.clone();
        let repeats = 4 * self.sizes.repeats;
        let outcome = self
            .within(what, move || {
                let mut each = Vec::new();
                for turn in 0..=repeats {
                    let start = Instant::now();
                    let results = if processes {
                        in_processes(&worker_command, &input, 1, limit())
                    } else {
                        in_threads(&input, 1)
                    };
                    let elapsed = start.elapsed().as_secs_f64();
                    match results.as_slice() {
                        [Ok(_)] => {}
                        [Err(error)] => return Err(error.clone()),
                        other => {
                            return Err(format!(
                                "one worker gave {} results, not one (book: \
                             part-1/work-in-processes.md#exercise)",
                                other.len()
                            ));
                        }
                    }
                    if turn > 0 {
                        each.push(elapsed);
                    }
                }
                Ok(middle(each))
            })
            .and_then(|inner| inner);
        if let Err(error) = &outcome {
            self.failed(&format!("{what}: {error}"));
        }
        outcome
    }
}

/// The four runs of the job: the median time and the results of each, and the speed-ups of
/// 2 workers over 1 (threads, processes), the medians of the turns' ratios.
struct JobTurns {
    runs: Vec<Result<(f64, Vec<u64>), String>>,
    speedups: [Option<f64>; 2],
}

fn speedup_cell(speedup: &Option<f64>) -> String {
    speedup.map_or_else(|| "—".to_owned(), times)
}

/// Starts this program as a worker of exercise 01.
fn worker_command() -> Command {
    let program = crate::this_program().unwrap_or_else(|_| "lab".into());
    let mut command = Command::new(program);
    command.arg(WORKER_ARG);
    command
}

/// The job's input: `n` numbers in a fixed range, so that the work grows with `n` alone.
fn job_input(n: usize) -> Vec<u64> {
    (0..n as u64)
        .map(|i| 1_000 + (i * 7_919) % 100_000)
        .collect()
}

/// How many numbers `work` gets through in about `target` on this thread.
fn calibrate(work: fn(&[u64]) -> u64, target: Duration) -> Result<usize, String> {
    const MAX: usize = 4_000_000;
    let mut n = 1_000;
    loop {
        let input = job_input(n);
        let start = Instant::now();
        std::hint::black_box(work(std::hint::black_box(&input)));
        let elapsed = start.elapsed();
        if elapsed >= target / 10 || n >= MAX {
            let scaled = n as f64 * target.as_secs_f64() / elapsed.as_secs_f64().max(1e-9);
            return Ok((scaled as usize).clamp(1_000, MAX));
        }
        n *= 4;
    }
}

#[derive(Clone)]
struct PingPongs {
    rust: Vec<Measured>,
    python: Vec<Option<Measured>>,
    /// Processes ÷ threads over the same pipes, measured in turns.
    pipe_ratio: Measured,
    /// The same, each side reading a working set on its turn.
    data_ratio: Measured,
}

/// The working set of the ping-pongs with data: three quarters of a core's L2 cache, so
/// that the one the two threads share fits in it, and the two of the processes do not.
fn working_set_bytes() -> usize {
    measure::l2_cache_bytes() / 4 * 3
}

fn cell(measured: &Measured) -> String {
    match measured {
        Ok(s) => seconds(*s),
        Err(error) if run::is_todo(error) => "todo".to_owned(),
        Err(_) => "failed".to_owned(),
    }
}

fn py_cell(measured: &Option<Measured>) -> String {
    match measured {
        None => "—".to_owned(),
        Some(m) => cell(m),
    }
}

/// A Python ratio, as `1.97×`.
fn py_times(measured: &Option<Measured>) -> String {
    match measured {
        None => "—".to_owned(),
        Some(Ok(ratio)) => times(*ratio),
        Some(Err(error)) => cell(&Err(error.clone())),
    }
}

fn json_of(measured: &Measured) -> Json {
    match measured {
        Ok(s) => json!(s),
        Err(e) => json!({"error": e}),
    }
}

fn py_json(measured: &Option<Measured>) -> Json {
    match measured {
        None => Json::Null,
        Some(m) => json_of(m),
    }
}

/// Under a table with `todo` or `failed` cells: what they mean.
fn todo_note(table: &mut Table, yours: &[&Measured]) {
    let todo = yours.iter().any(|m| matches!(m, Err(e) if run::is_todo(e)));
    if todo {
        table.notes.push(
            "todo: a row that runs your exercise code, which still has a `todo!()` on its \
             way (the end of the report says which)."
                .to_owned(),
        );
    }
    let mut failed: Vec<String> = Vec::new();
    for measured in yours {
        if let Err(error) = measured
            && !run::is_todo(error)
            && !failed.contains(error)
        {
            failed.push(error.clone());
        }
    }
    for error in failed {
        table.notes.push(format!("failed: {error}"));
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
        "python": lab.python().map(|p| p.version()),
        "python_not_run": lab.python.as_ref().err(),
        "python_start_method": lab.python().map(|p| p.default_start_method().to_owned()),
        "quick": lab.options.quick,
        "command": std::env::args().collect::<Vec<_>>().join(" "),
    })
}

fn machine_text(machine: &Json) -> String {
    let mut text = format!(
        "Code: {}. Machine: {} {}, {}, {}. Build: {}. Python: {}.",
        machine["code"].as_str().unwrap_or(""),
        machine["cores"],
        if machine["cores"] == 1 {
            "core"
        } else {
            "cores"
        },
        machine["cpu"].as_str().unwrap_or(""),
        machine["os"].as_str().unwrap_or(""),
        machine["build"].as_str().unwrap_or(""),
        match (
            machine["python"].as_str(),
            machine["python_not_run"].as_str()
        ) {
            (Some(version), _) => version.to_owned(),
            (None, Some("--no-python")) => "not run (--no-python)".to_owned(),
            (None, reason) => format!(
                "not run ({}; install python3 for the Python column)",
                reason.unwrap_or("not found")
            ),
        },
    );
    if machine["build"] == "debug" {
        text +=
            "\nThis is a debug build: times are not representative. Add --release to cargo run.";
    }
    text
}

/// Bytes, in kB or MB.
fn size_text(bytes: usize) -> String {
    if bytes >= 1_000_000 {
        format!("{:.1}\u{a0}MB", bytes as f64 / 1e6)
    } else {
        format!("{:.1}\u{a0}kB", bytes as f64 / 1e3)
    }
}

/// "medians of 5 runs", or "1 run" in --quick.
fn medians(repeats: usize) -> String {
    if repeats == 1 {
        "1 run".to_owned()
    } else {
        format!("medians of {repeats} runs")
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The median of some measurements.
fn middle(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
