// Helpers shared by the test files.
#![allow(dead_code)]

use std::sync::Arc;
use toy_python::{Interpreter, TickGil, Value};

/// Compiles `source` (panicking with the syntax error) and runs its top level.
pub fn interp(source: &str) -> Interpreter {
    let program = toy_python::compile(source).unwrap_or_else(|e| panic!("{e}\n{source}"));
    Interpreter::new(&program, Arc::new(TickGil::new(100))).expect("top level runs")
}

/// Calls `f(*args)` of `source` and returns the result.
pub fn run(source: &str, f: &str, args: &[i64]) -> Result<Value, String> {
    let args: Vec<Value> = args.iter().map(|&n| Value::Int(n)).collect();
    interp(source).call(f, &args).map_err(|e| e.message)
}

/// The text of a workload in `workloads/`.
pub fn workload(name: &str) -> String {
    let path = format!("{}/workloads/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}
