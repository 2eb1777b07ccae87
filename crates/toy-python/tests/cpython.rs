// The workloads give the same results on python3 (with CPYTHON_PRELUDE) as here.
// Skipped, with a note, when python3 is not installed.

mod common;

use common::{interp, workload};
use std::process::Command;
use toy_python::{CPYTHON_PRELUDE, Value};

/// Runs `source` under python3 after the prelude, then prints `calls` (Python expressions),
/// one result a line. `None` when python3 is missing.
fn python(source: &str, calls: &[&str]) -> Option<Vec<String>> {
    let mut program = format!("{CPYTHON_PRELUDE}{source}\n");
    for call in calls {
        program.push_str(&format!("print({call})\n"));
    }
    let output = match Command::new("python3").arg("-c").arg(&program).output() {
        Ok(output) => output,
        Err(_) => {
            eprintln!("note: python3 not found; skipping the comparison with CPython");
            return None;
        }
    };
    assert!(
        output.status.success(),
        "python3 failed: {}\n{program}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(str::to_string)
            .collect(),
    )
}

/// Runs the same calls here (each `name(int, ...)`), as strings Python would print.
fn ours(source: &str, calls: &[&str]) -> Vec<String> {
    let it = interp(source);
    calls
        .iter()
        .map(|call| {
            let (name, rest) = call.split_once('(').expect("a call");
            let args: Vec<Value> = rest
                .trim_end_matches(')')
                .split(',')
                .filter(|a| !a.trim().is_empty())
                .map(|a| Value::Int(a.trim().parse().expect("an int argument")))
                .collect();
            match it.call(name, &args) {
                Ok(v) => v.to_string(),
                Err(e) => panic!("{call}: {e}"),
            }
        })
        .collect()
}

fn same(file: &str, calls: &[&str]) {
    let source = workload(file);
    let Some(expected) = python(&source, calls) else {
        return;
    };
    assert_eq!(ours(&source, calls), expected, "{file}: {calls:?}");
}

#[test]
fn count_matches_cpython() {
    same("count.py", &["count(0)", "count(1)", "count(12345)"]);
}

#[test]
fn fib_matches_cpython() {
    same("fib.py", &["fib(0)", "fib(1)", "fib(15)"]);
}

#[test]
fn lost_update_matches_cpython_on_one_thread() {
    same(
        "lost_update.py",
        &["add(1000)", "add_plain(500)", "get()", "reset()", "get()"],
    );
}

#[test]
fn io_matches_cpython() {
    same("io.py", &["wait(1)", "wait_many(3, 1)"]);
}

#[test]
fn arithmetic_matches_cpython() {
    let source = "\
def mix(a, b):
    r = 0
    if b != 0:
        r = a // b * 1000 + a % b
    r += -a * 3 - b
    r -= max(a, b) - min(a, b) + abs(a - b)
    if a < b and not a == 0 or b <= 0:
        r *= 2
    r += spin(10)
    return r
";
    let mut calls = Vec::new();
    for a in [-17, -5, -1, 0, 3, 8, 23] {
        for b in [-7, -2, 0, 1, 4, 9] {
            calls.push(format!("mix({a}, {b})"));
        }
    }
    let calls: Vec<&str> = calls.iter().map(String::as_str).collect();
    let Some(expected) = python(source, &calls) else {
        return;
    };
    assert_eq!(ours(source, &calls), expected);
}
