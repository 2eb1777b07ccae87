//! The lab end to end, on its stand-ins for exercises 01 and 02 (src/bin/standins.rs) and on
//! stubs (src/bin/stubs.rs): `--quick --json` measures every row, with the Python column
//! when python3 is installed; bad arguments get a clear error and exit code 2, never a
//! panic; on the stubs the rows that need no exercise are still measured and one block
//! says what to finish. No test looks at a time: only at what was measured.

use std::process::{Command, Output};

use serde_json::Value as Json;

fn run(program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"))
}

fn standins(args: &[&str]) -> Output {
    run(env!("CARGO_BIN_EXE_switch-lab-standins"), args)
}

fn stubs(args: &[&str]) -> Output {
    run(env!("CARGO_BIN_EXE_switch-lab-stubs"), args)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn json(output: &Output) -> Json {
    let stdout = text(&output.stdout);
    serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("--json printed something that is not JSON ({e}):\n{stdout}"))
}

fn experiment<'a>(document: &'a Json, id: &str) -> &'a Json {
    document["experiments"]
        .as_array()
        .expect("an experiments array")
        .iter()
        .find(|e| e["id"] == id)
        .unwrap_or_else(|| panic!("no {id} experiment in {document}"))
}

#[test]
fn the_quick_lab_measures_every_row_on_the_standins() {
    let output = standins(&["--quick", "--json"]);
    let stderr = text(&output.stderr);
    let document = json(&output);
    assert!(
        output.status.success(),
        "the lab failed ({}):\n{document:#}\n{stderr}",
        output.status
    );
    assert_eq!(document["errors"], serde_json::json!([]), "{document:#}");
    let start = &experiment(&document, "start")["data"]["rust"];
    for row in ["green_task", "thread", "process"] {
        assert!(start[row].is_number(), "start: no {row} time: {start}");
    }
    let ping_pong = &experiment(&document, "ping-pong")["data"];
    let any_core = ping_pong["any_core"]["rust"]
        .as_array()
        .expect("any-core rows");
    assert_eq!(any_core.len(), 7, "{ping_pong}");
    assert!(
        any_core.iter().all(Json::is_number),
        "every ping-pong measured: {any_core:?}"
    );
    if cfg!(target_os = "linux") {
        assert!(
            ping_pong["one_core"]["rust"]
                .as_array()
                .is_some_and(|rows| rows.iter().all(Json::is_number)),
            "on Linux the lab pins itself to one core: {ping_pong}"
        );
    }
    let job = &experiment(&document, "job")["data"]["rust"];
    for key in ["threads", "processes"] {
        assert!(
            job[key]
                .as_array()
                .is_some_and(|times| times.len() == 2 && times.iter().all(Json::is_number)),
            "job: {key} with 1 and 2 workers: {job}"
        );
    }
    assert_eq!(
        job["results"]["threads"], job["results"]["processes"],
        "threads and processes computed the same chunks"
    );
    assert!(
        job["send"].is_number()
            && job["one_number"]["thread"].is_number()
            && job["one_number"]["process"].is_number(),
        "{job}"
    );
    if document["machine"]["python"].is_string() {
        let python = &experiment(&document, "start")["data"]["python"];
        assert!(
            python["thread"].is_number() && python["task"].is_number(),
            "python3 is installed but the Python column is empty: {python}"
        );
        let processes = python["process"].as_object().expect("start methods");
        assert!(
            !processes.is_empty() && processes.values().all(Json::is_number),
            "{python}"
        );
        let rows = ping_pong["any_core"]["python"]
            .as_array()
            .expect("python rows");
        assert!(
            rows[..5].iter().all(Json::is_number),
            "Python has the first five ping-pongs: {rows:?}"
        );
    }
}

#[test]
fn the_tables_name_the_shapes_and_say_what_a_cross_means() {
    let output = standins(&["--quick", "--no-python", "start"]);
    let stdout = text(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        text(&output.stderr)
    );
    assert!(stdout.contains("## Starting one"), "{stdout}");
    assert!(
        stdout.contains("A ✗ is a measurement, not a failure of your code"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Python: not run (--no-python)."),
        "{stdout}"
    );
    assert!(!stdout.contains("## Ping-pong"), "only `start`:\n{stdout}");
}

#[test]
fn the_lab_refuses_bad_arguments_clearly() {
    for args in [
        &["--bogus"][..],
        &["no-such-experiment"],
        &["--child"],
        &["--child", "nonsense"],
        &["--child", "exit", "extra"],
    ] {
        let output = standins(args);
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
    let help = standins(&["--help"]);
    assert!(help.status.success());
    let usage = text(&help.stdout);
    for word in ["--quick", "--json", "start", "ping-pong", "job"] {
        assert!(
            usage.contains(word),
            "--help does not mention {word}:\n{usage}"
        );
    }
}

#[test]
fn on_the_stubs_the_lab_measures_the_rest_and_says_what_to_finish_first() {
    let output = stubs(&["--quick", "--no-python"]);
    let stdout = text(&output.stdout);
    let stderr = text(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(1),
        "rows were not measured, so the lab fails:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("Not measured yet: these rows need your exercises"),
        "no word on why:\n{stdout}"
    );
    assert_eq!(
        stdout.matches("Finish these first").count(),
        1,
        "one block:\n{stdout}"
    );
    for todo in [
        "poll the future and the tasks it spawns until it is ready",
        "run the job on each chunk in a scoped thread",
        "start a worker per chunk and send it the chunk",
    ] {
        assert_eq!(
            stdout.matches(todo).count(),
            1,
            "each todo once, with where it is ({todo}):\n{stdout}"
        );
    }
    assert!(
        stdout.contains("crates/switch-lab/src/bin/stubs.rs:"),
        "{stdout}"
    );
    assert!(
        stdout.contains("cargo run --release -p solution-01 --example lab"),
        "how to see every row now:\n{stdout}"
    );
    assert!(
        stdout.contains("| a thread: spawn, join")
            && !stdout.contains("| a thread: spawn, join | todo"),
        "the thread row needs no exercise and is measured:\n{stdout}"
    );
    assert!(stdout.contains("todo"), "{stdout}");
    assert!(
        !stderr.contains("panicked at"),
        "a raw panic got out:\n{stderr}"
    );
}

#[test]
fn an_executor_that_never_returns_is_given_up_on_once_at_the_deadline() {
    let output = Command::new(env!("CARGO_BIN_EXE_switch-lab-stubs"))
        .args(["--quick", "--no-python", "start", "ping-pong"])
        .env("SWITCH_LAB_STUB_HANG", "1")
        .env("COURSE_DEADLINE_SCALE", "0.02")
        .output()
        .expect("the stubs run");
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert_eq!(
        stdout
            .matches(
                "failed: possible deadlock: starting green tasks on your executor did not \
                 finish within 1.2 s"
            )
            .count(),
        1,
        "the hang is reported where it happened:\n{stdout}"
    );
    assert!(
        stdout.contains(
            "failed: not run: starting green tasks on your executor did not finish, and its \
             thread may still be running"
        ),
        "the green ping-pong is not started on a stuck executor:\n{stdout}"
    );
    assert!(
        stdout.contains("| a thread: spawn, join"),
        "the rest is measured:\n{stdout}"
    );
}

#[test]
fn without_python_the_lab_says_so_and_measures_the_rest() {
    let output = Command::new(env!("CARGO_BIN_EXE_switch-lab-standins"))
        .args(["--quick", "start"])
        .env("SWITCH_LAB_PYTHON", "no-such-python-for-the-lab")
        .output()
        .expect("the stand-ins run");
    let stdout = text(&output.stdout);
    assert!(
        output.status.success(),
        "a missing python3 is no failure:\n{stdout}"
    );
    assert!(
        stdout.contains("Python: not run (could not start no-such-python-for-the-lab"),
        "{stdout}"
    );
    assert!(
        stdout.contains("install python3 for the Python column"),
        "{stdout}"
    );
}
