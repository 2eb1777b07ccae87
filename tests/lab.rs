//! The labs, smoke-tested. Part 6's: `--quick` on the reference GIL and pool finishes,
//! every experiment produces its table (with the CPython column when python3 is installed),
//! the timeline files are written, and bad arguments get a clear error, not a panic. On the
//! stubs it says in one block what to finish first and how to run the reference. Part 1's
//! (crates/switch-lab): the same, on exercise 01's threads and processes and exercise 02's
//! executor; on the stubs it still measures the rows that need no exercise.
//!
//! Part 3's bench (crates/lock-bench), an example of exercise 06 and of solution 06: a short
//! run measures every lock on the reference; on the stubs, the course's locks say "not
//! written yet" and std's and parking_lot's are still measured. Part 4's bench, an example
//! of exercise 12 and of solution 12, the same way: the detector's mutex against std's.
//! Part 5's benches (crates/queue-bench), an example of each of exercises 13 to 16 and of its
//! solution: a short run measures every row on the reference; on the stub the bench says the
//! code is not written yet.
//!
//! Each lab is an example of an exercise and of its solution (solution-18, solution-01),
//! built in target/course-check so that this nested cargo never waits for the lock of the
//! `cargo test` that runs it. No test looks at a time.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Mutex, PoisonError};

/// Held by each lab's build and run: the four labs are all examples named `lab`, which cargo
/// copies to the same `examples/lab` of the target directory, so building one while another
/// runs would replace the running lab's program under it (and it starts itself again as its
/// workers and children).
static ONE_LAB_AT_A_TIME: Mutex<()> = Mutex::new(());

fn lab(args: &[&str]) -> Output {
    lab_of("solution-18", args)
}

/// The lab built with `package`: `solution-18` (the reference) or `exercise-18` (the stubs),
/// or Part 1's with `solution-01` or `exercise-01`.
fn lab_of(package: &str, args: &[&str]) -> Output {
    example_of(package, "lab", args)
}

/// The example `example` of `package` (a lab, or a bench), run with `args`.
fn example_of(package: &str, example: &str, args: &[&str]) -> Output {
    let _alone = ONE_LAB_AT_A_TIME
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    Command::new(cargo)
        .args(["run", "--quiet", "-p", package, "--example", example, "--"])
        .args(args)
        .current_dir(root)
        .env("CARGO_TARGET_DIR", root.join("target").join("course-check"))
        .output()
        .unwrap_or_else(|e| panic!("cannot run cargo: {e}"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_quick_lab_runs_every_experiment_on_the_reference() {
    let out = std::env::temp_dir().join(format!("gil-lab-smoke-{}", std::process::id()));
    let output = lab(&[
        "--quick",
        "--json",
        "--out",
        out.to_str().expect("a UTF-8 temp dir"),
    ]);
    let stdout = text(&output.stdout);
    let stderr = text(&output.stderr);
    assert!(
        output.status.success(),
        "the lab failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    let document: serde_json::Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("--json printed something that is not JSON ({e}):\n{stdout}"));
    let experiments = document["experiments"]
        .as_array()
        .expect("an experiments array");
    let ids: Vec<&str> = experiments
        .iter()
        .filter_map(|e| e["id"].as_str())
        .collect();
    for id in [
        "cpu",
        "interval",
        "io",
        "mixed",
        "convoy",
        "old-gil",
        "escape",
        "lost-update",
        "speed",
        "timeline",
    ] {
        assert!(ids.contains(&id), "no {id} experiment in {ids:?}");
    }
    for experiment in experiments {
        assert!(
            experiment.get("error").is_none(),
            "experiment {} failed: {}",
            experiment["id"],
            experiment["error"]
        );
    }
    if document["machine"]["python"].is_string() {
        let cpu = &experiments[0]["data"]["cpython"]["one"];
        assert!(
            cpu.is_number(),
            "python3 is installed but the CPython column is empty: {cpu}"
        );
    }
    for file in ["timeline.svg", "timeline.json"] {
        let written = std::fs::read_to_string(out.join(file))
            .unwrap_or_else(|e| panic!("the timeline experiment did not write {file}: {e}"));
        assert!(written.len() > 100, "{file} is nearly empty:\n{written}");
    }
    let trace: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("timeline.json")).unwrap_or_default(),
    )
    .expect("timeline.json is JSON");
    assert!(
        trace["traceEvents"]
            .as_array()
            .is_some_and(|events| events.len() > 3)
    );
    let _ = std::fs::remove_dir_all(&out);
}

/// Each of `bad` makes the lab exit with 2 and a one-line error first, never a panic.
fn refuses_clearly(bad: &[&[&str]], run: impl Fn(&[&str]) -> Output) {
    for &args in bad {
        let output = run(args);
        let stderr = text(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?} should exit with 2:\n{stderr}"
        );
        assert!(
            stderr.starts_with("error: "),
            "{args:?}: first line should be the error:\n{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{args:?} panicked:\n{stderr}");
    }
}

#[test]
fn the_lab_refuses_bad_arguments_clearly() {
    refuses_clearly(&[&["--bogus"], &["no-such-experiment"], &["--out"]], lab);
}

#[test]
fn on_the_stubs_the_lab_says_what_to_finish_first() {
    let output = lab_of("exercise-18", &["--quick", "cpu", "interval", "escape"]);
    let stdout = text(&output.stdout);
    let stderr = text(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(1),
        "nothing was measured, so the lab fails:\n{stdout}\n{stderr}"
    );
    assert!(
        !stdout.contains("not measured"),
        "one block, not a section per experiment:\n{stdout}"
    );
    assert!(
        stdout.contains("Nothing to measure yet"),
        "no word on why:\n{stdout}"
    );
    assert!(
        stdout.contains("exercises/exercise-18-gil/src/gil.rs:"),
        "the todo to finish, with where it is:\n{stdout}"
    );
    assert_eq!(
        stdout
            .matches("exercises/exercise-18-gil/src/gil.rs:")
            .count(),
        1,
        "experiments that stop at the same todo name it once:\n{stdout}"
    );
    assert!(
        stdout.contains("cargo run --release -p solution-18 --example lab"),
        "how to see the shapes now:\n{stdout}"
    );
    assert!(
        !stderr.contains("panicked at"),
        "a raw panic got out:\n{stderr}"
    );
}

// The Part 1 lab (crates/switch-lab), an example of exercise 01 and of solution 01.

/// The Part 1 lab built with `package`: `solution-01` (the reference, with solution-02's
/// executor) or `exercise-01` (the stubs, with exercise-02's).
fn part_1_lab(package: &str, args: &[&str]) -> Output {
    lab_of(package, args)
}

#[test]
fn the_quick_part_1_lab_runs_every_experiment_on_the_reference() {
    let output = part_1_lab("solution-01", &["--quick", "--json"]);
    let stdout = text(&output.stdout);
    let stderr = text(&output.stderr);
    assert!(
        output.status.success(),
        "the Part 1 lab failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    let document: serde_json::Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("--json printed something that is not JSON ({e}):\n{stdout}"));
    assert_eq!(document["errors"], serde_json::json!([]), "{document:#}");
    let experiments = document["experiments"]
        .as_array()
        .expect("an experiments array");
    let ids: Vec<&str> = experiments
        .iter()
        .filter_map(|e| e["id"].as_str())
        .collect();
    assert_eq!(ids, ["start", "ping-pong", "job"]);
    let start = &experiments[0]["data"]["rust"];
    assert!(
        start["green_task"].is_number() && start["process"].is_number(),
        "the reference's executor and processes were measured: {start}"
    );
    let job = &experiments[2]["data"]["rust"];
    assert_eq!(
        job["results"]["threads"], job["results"]["processes"],
        "run_in_threads and run_in_processes computed the same chunks"
    );
    if document["machine"]["python"].is_string() {
        let python = &experiments[0]["data"]["python"]["thread"];
        assert!(
            python.is_number(),
            "python3 is installed but the Python column is empty: {python}"
        );
    }
}

#[test]
fn the_part_1_lab_refuses_bad_arguments_clearly() {
    refuses_clearly(
        &[
            &["--bogus"],
            &["no-such-experiment"],
            &["--child", "nonsense"],
        ],
        |args| part_1_lab("solution-01", args),
    );
}

#[test]
fn on_the_stubs_the_part_1_lab_says_what_to_finish_first() {
    let output = part_1_lab("exercise-01", &["--quick", "--no-python"]);
    let stdout = text(&output.stdout);
    let stderr = text(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(1),
        "rows were not measured, so the lab fails:\n{stdout}\n{stderr}"
    );
    assert_eq!(
        stdout.matches("Finish these first").count(),
        1,
        "one block on what to finish:\n{stdout}"
    );
    for folder in [
        "exercises/exercise-01-threads-and-processes/src/",
        "exercises/exercise-02-green-threads/src/",
    ] {
        assert!(
            stdout.contains(folder),
            "the todos to finish, with where they are ({folder}):\n{stdout}"
        );
    }
    assert!(
        stdout.contains("`cargo run -- check 01` and `cargo run -- check 02` show"),
        "{stdout}"
    );
    assert!(
        stdout.contains("cargo run --release -p solution-01 --example lab"),
        "how to see every row now:\n{stdout}"
    );
    assert!(
        !stderr.contains("panicked at"),
        "a raw panic got out:\n{stderr}"
    );
}

// Part 3's bench (crates/lock-bench), an example of exercise 06 and of solution 06.

/// The bench built with `package`: `solution-06` (the reference locks of 04, 05 and 06) or
/// `exercise-06` (the reader's).
fn bench(package: &str, args: &[&str]) -> Output {
    example_of(package, "bench", args)
}

const BENCH_LOCKS: [&str; 5] = [
    "std::sync::Mutex",
    "parking_lot::Mutex",
    "Mutex (solution 06)",
    "SpinLock (solution 04)",
    "TicketLock (solution 05)",
];

#[test]
fn a_short_bench_measures_every_lock_on_the_reference() {
    let output = bench(
        "solution-06",
        &[
            "--json",
            "--millis",
            "20",
            "--runs",
            "1",
            "--threads",
            "1,2",
        ],
    );
    let stdout = text(&output.stdout);
    let stderr = text(&output.stderr);
    assert!(
        output.status.success(),
        "the bench failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    let document: serde_json::Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("--json printed something that is not JSON ({e}):\n{stdout}"));
    assert_eq!(document["errors"], serde_json::json!([]), "{document:#}");
    let locks = document["locks"].as_array().expect("a locks array");
    let names: Vec<&str> = locks.iter().filter_map(|l| l["name"].as_str()).collect();
    assert_eq!(names, BENCH_LOCKS);
    for lock in locks {
        let results = lock["results"].as_array().expect("results");
        assert_eq!(results.len(), 2, "one result per thread count: {lock}");
        for result in results {
            assert!(
                result["rounds_per_second"].is_number() && result["ratio_to_std"].is_number(),
                "{} at {} threads was not measured: {result}",
                lock["name"],
                result["threads"]
            );
        }
    }
    let table = bench(
        "solution-06",
        &["--millis", "20", "--runs", "1", "--threads", "2"],
    );
    let table = text(&table.stdout);
    for name in BENCH_LOCKS {
        assert!(
            table.contains(name),
            "no row for {name} in the table:\n{table}"
        );
    }
}

#[test]
fn the_bench_refuses_bad_arguments_clearly() {
    refuses_clearly(
        &[
            &["--bogus"],
            &["extra"],
            &["--millis"],
            &["--threads", "0"],
            &["--runs", "x"],
        ],
        |args| bench("solution-06", args),
    );
    let help = bench("solution-06", &["--help"]);
    assert!(help.status.success());
    assert!(
        text(&help.stdout).contains("--threads LIST"),
        "{}",
        text(&help.stdout)
    );
}

#[test]
fn on_the_stubs_the_bench_says_not_written_yet() {
    let output = bench(
        "exercise-06",
        &["--json", "--millis", "20", "--runs", "1", "--threads", "1"],
    );
    let stdout = text(&output.stdout);
    let stderr = text(&output.stderr);
    assert!(
        output.status.success(),
        "locks not written yet are no failure of the bench ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert!(
        !stderr.contains("panicked at"),
        "a raw panic got out:\n{stderr}"
    );
    let document: serde_json::Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("--json printed something that is not JSON ({e}):\n{stdout}"));
    for lock in document["locks"].as_array().expect("a locks array") {
        let result = &lock["results"][0];
        let name = lock["name"].as_str().unwrap_or_default();
        if name.starts_with("your ") {
            // In the course's own repository exercises 04 to 06 are stubs; a reader who
            // has done them gets numbers instead, which is just as right.
            assert!(
                result["not_written_yet"] == true || result["rounds_per_second"].is_number(),
                "{name}: {result}"
            );
        } else {
            assert!(result["rounds_per_second"].is_number(), "{name}: {result}");
        }
    }
    let table = bench(
        "exercise-06",
        &["--millis", "20", "--runs", "1", "--threads", "1"],
    );
    let table = text(&table.stdout);
    if table.contains("todo!()") {
        assert!(table.contains("not written yet"), "{table}");
        assert!(
            table.contains("exercises/exercise-06-mutex/src/mutex.rs:"),
            "the todo to finish, with where it is:\n{table}"
        );
    }
}

// Part 4's bench (crates/lock-bench, `detector_bench_main!`), an example of exercise 12 and
// of solution 12: the detector's mutex against std's.

const DETECTOR_BENCH_LOCKS: [&str; 4] = [
    "std::sync::Mutex",
    "std::sync::Mutex, two nested",
    "Mutex of a Detector (solution 12)",
    "Mutex of a Detector (solution 12), two nested",
];

#[test]
fn the_detector_bench_measures_every_row_and_says_not_written_yet_on_the_stub() {
    let output = example_of(
        "solution-12",
        "bench",
        &[
            "--json",
            "--millis",
            "20",
            "--runs",
            "1",
            "--threads",
            "1,2",
        ],
    );
    let stdout = text(&output.stdout);
    assert!(
        output.status.success(),
        "the bench failed ({}):\n{stdout}\n{}",
        output.status,
        text(&output.stderr)
    );
    let document: serde_json::Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("--json printed something that is not JSON ({e}):\n{stdout}"));
    assert_eq!(document["errors"], serde_json::json!([]), "{document:#}");
    let locks = document["locks"].as_array().expect("a locks array");
    let names: Vec<&str> = locks.iter().filter_map(|l| l["name"].as_str()).collect();
    assert_eq!(names, DETECTOR_BENCH_LOCKS);
    for lock in locks {
        for result in lock["results"].as_array().expect("results") {
            assert!(
                result["rounds_per_second"].is_number() && result["ratio_to_std"].is_number(),
                "{} at {} threads was not measured: {result}",
                lock["name"],
                result["threads"]
            );
        }
    }
    let help = example_of("solution-12", "bench", &["--help"]);
    let help = text(&help.stdout);
    assert!(
        help.contains("Detector") && help.contains("-p exercise-12 yours"),
        "{help}"
    );

    let stub = example_of(
        "exercise-12",
        "bench",
        &["--millis", "20", "--runs", "1", "--threads", "1"],
    );
    let table = text(&stub.stdout);
    assert!(
        stub.status.success(),
        "a detector not written yet is no failure of the bench ({}):\n{table}\n{}",
        stub.status,
        text(&stub.stderr)
    );
    if table.contains("todo!()") {
        assert!(
            table.contains("not written yet")
                && table.contains("exercises/exercise-12-deadlock-detector/src/detector.rs:"),
            "the todo to finish, with where it is:\n{table}"
        );
    }
}

// Part 5's benches (crates/queue-bench), an example of each of exercises 13 to 16 and of its
// solution: a short run measures every row on the reference, bad arguments get a clear
// error, and on the stub the bench says what is not written yet.

/// What one of Part 5's benches shows, for the checks below.
struct QueueBench {
    /// The exercise's number: the bench is an example of `exercise-NN` and `solution-NN`.
    number: &'static str,
    /// The option that says how many items (or tasks) a run passes through, and a count small
    /// enough for a debug build.
    count: [&'static str; 2],
    /// How many rows the table has.
    rows: usize,
    /// The numbers of a row in `--json`: each side's, then each ratio's.
    keys: &'static [&'static str],
    /// The same columns' headers in the table.
    headers: &'static [&'static str],
    /// What it says on the stub.
    not_written: &'static str,
}

const BLOCKING_QUEUE_BENCH: QueueBench = QueueBench {
    number: "13",
    count: ["--items", "2000"],
    rows: 5,
    keys: &[
        "blocking_queue_items_per_s",
        "crossbeam_bounded_items_per_s",
        "ratio",
    ],
    headers: &["BlockingQueue/s", "crossbeam bounded/s", "ratio"],
    not_written: "Your BlockingQueue is not written yet (a todo!() panicked): nothing to \
                  measure. Fill in src/queue.rs, then run the bench again.",
};

const SPSC_RING_BENCH: QueueBench = QueueBench {
    number: "14",
    count: ["--items", "20000"],
    rows: 2,
    keys: &[
        "ring_items_per_s",
        "array_queue_items_per_s",
        "sync_channel_items_per_s",
        "ratio_to_array_queue",
        "ratio_to_sync_channel",
    ],
    headers: &[
        "SPSC ring/s",
        "ArrayQueue/s",
        "sync_channel/s",
        "vs AQ",
        "vs chan",
    ],
    not_written: "Your ring is not written yet (a todo!() panicked): nothing to measure. \
                  Fill in src/ring.rs, then run the bench again.",
};

const MPMC_QUEUE_BENCH: QueueBench = QueueBench {
    number: "15",
    count: ["--items", "2000"],
    rows: 7,
    keys: &["mpmc_queue_items_per_s", "array_queue_items_per_s", "ratio"],
    headers: &["MpmcQueue/s", "ArrayQueue/s", "ratio"],
    not_written: "Your MpmcQueue is not written yet (a todo!() panicked): nothing to measure. \
                  Fill in src/queue.rs, then run the bench again.",
};

const THREAD_POOL_BENCH: QueueBench = QueueBench {
    number: "16",
    count: ["--tasks", "500"],
    rows: 4,
    keys: &[
        "in_place_ns_per_task",
        "thread_pool_ns_per_task",
        "crossbeam_pool_ns_per_task",
        "thread_pool_over_crossbeam",
        "thread_pool_over_in_place",
    ],
    headers: &[
        "in place",
        "ThreadPool",
        "crossbeam pool",
        "vs pool",
        "vs place",
    ],
    not_written: "Your ThreadPool is not written yet (a todo!() panicked): nothing to \
                  measure. Fill in src/future.rs and src/pool.rs, then run the bench again.",
};

impl QueueBench {
    /// The bench built with `solution-NN` (`reference`) or `exercise-NN`, one run of each side
    /// per row, with the small count.
    fn short_run(&self, reference: bool, more: &[&str]) -> Output {
        let mut args = vec![self.count[0], self.count[1], "--runs", "1"];
        args.extend(more);
        example_of(&self.package(reference), "bench", &args)
    }

    fn package(&self, reference: bool) -> String {
        let kind = if reference { "solution" } else { "exercise" };
        format!("{kind}-{}", self.number)
    }

    fn measures_every_row_on_the_reference(&self) {
        let output = self.short_run(true, &["--json"]);
        let stdout = text(&output.stdout);
        assert!(
            output.status.success(),
            "the bench failed ({}):\n{stdout}\n{}",
            output.status,
            text(&output.stderr)
        );
        let document: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
            panic!("--json printed something that is not JSON ({e}):\n{stdout}")
        });
        assert_eq!(document["bench"], self.package(false), "{document}");
        assert_eq!(document["package"], self.package(true), "{document}");
        let cases = document["cases"].as_array().expect("a cases array");
        assert_eq!(cases.len(), self.rows, "one case per row: {document}");
        let unit = self.count[0].trim_start_matches('-');
        for case in cases {
            assert_eq!(case[unit].to_string(), self.count[1], "{case}");
            for key in self.keys {
                assert!(
                    case[key].as_f64().is_some_and(|n| n.is_finite() && n > 0.0),
                    "{key} was not measured: {case}"
                );
            }
        }
        let table = self.short_run(true, &[]);
        let table = text(&table.stdout);
        let mut lines = table.lines();
        assert!(
            lines
                .next()
                .is_some_and(|line| line.starts_with(&format!("{} ", self.count[1]))
                    && line.ends_with(&format!("package {}", self.package(true)))),
            "the first line says how many, and which package:\n{table}"
        );
        let header = lines
            .find(|line| self.headers.iter().all(|h| line.contains(h)))
            .unwrap_or_else(|| panic!("no header with {:?}:\n{table}", self.headers));
        let rows = lines.take_while(|line| line.ends_with('x')).count();
        assert_eq!(rows, self.rows, "a row per case after {header:?}:\n{table}");
    }

    fn refuses_bad_arguments_clearly(&self) {
        let flag = self.count[0];
        refuses_clearly(
            &[
                &["--bogus"],
                &["extra"],
                &[flag],
                &[flag, "0"],
                &["--runs", "x"],
            ],
            |args| example_of(&self.package(true), "bench", args),
        );
        let help = example_of(&self.package(true), "bench", &["--help"]);
        let help = text(&help.stdout);
        assert!(
            help.contains("--quick") && help.contains(&format!("{flag} N")),
            "{help}"
        );
    }

    fn says_not_written_yet_on_the_stub(&self) {
        let output = self.short_run(false, &[]);
        let stdout = text(&output.stdout);
        let stderr = text(&output.stderr);
        assert!(
            output.status.success(),
            "code not written yet is no failure of the bench ({}):\n{stdout}\n{stderr}",
            output.status
        );
        assert!(
            !stderr.contains("panicked"),
            "a raw panic got out:\n{stderr}"
        );
        // In the course's own repository the exercise is a stub; a reader who has done it
        // gets the table instead, which is just as right.
        assert!(
            stdout.trim_end() == self.not_written
                || self.headers.iter().all(|h| stdout.contains(h)),
            "neither the word that it is not written yet nor a table:\n{stdout}"
        );
    }
}

#[test]
fn the_blocking_queue_bench_measures_every_row_on_the_reference() {
    BLOCKING_QUEUE_BENCH.measures_every_row_on_the_reference();
}

#[test]
fn the_blocking_queue_bench_refuses_bad_arguments_clearly() {
    BLOCKING_QUEUE_BENCH.refuses_bad_arguments_clearly();
}

#[test]
fn on_the_stub_the_blocking_queue_bench_says_not_written_yet() {
    BLOCKING_QUEUE_BENCH.says_not_written_yet_on_the_stub();
}

#[test]
fn the_spsc_ring_bench_measures_every_row_on_the_reference() {
    SPSC_RING_BENCH.measures_every_row_on_the_reference();
}

#[test]
fn the_spsc_ring_bench_refuses_bad_arguments_clearly() {
    SPSC_RING_BENCH.refuses_bad_arguments_clearly();
}

#[test]
fn on_the_stub_the_spsc_ring_bench_says_not_written_yet() {
    SPSC_RING_BENCH.says_not_written_yet_on_the_stub();
}

#[test]
fn the_mpmc_queue_bench_measures_every_row_on_the_reference() {
    MPMC_QUEUE_BENCH.measures_every_row_on_the_reference();
}

#[test]
fn the_mpmc_queue_bench_refuses_bad_arguments_clearly() {
    MPMC_QUEUE_BENCH.refuses_bad_arguments_clearly();
}

#[test]
fn on_the_stub_the_mpmc_queue_bench_says_not_written_yet() {
    MPMC_QUEUE_BENCH.says_not_written_yet_on_the_stub();
}

#[test]
fn the_thread_pool_bench_measures_every_row_on_the_reference() {
    THREAD_POOL_BENCH.measures_every_row_on_the_reference();
}

#[test]
fn the_thread_pool_bench_refuses_bad_arguments_clearly() {
    THREAD_POOL_BENCH.refuses_bad_arguments_clearly();
}

#[test]
fn on_the_stub_the_thread_pool_bench_says_not_written_yet() {
    THREAD_POOL_BENCH.says_not_written_yet_on_the_stub();
}
