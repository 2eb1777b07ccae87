//! Runs one function of a program on the interpreter, with `TickGil::new(100)`, and prints
//! its result, the time it took and the instructions executed (on stderr).
//!
//! ```console
//! cargo run --release -p toy-python --example run -- crates/toy-python/workloads/count.py count 10000000
//! ```

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;
use toy_python::{Interpreter, TickGil, Value};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(path), Some(function)) = (args.first(), args.get(1)) else {
        eprintln!("usage: run FILE FUNCTION [INT ARGS...]");
        return ExitCode::from(2);
    };
    let mut values = Vec::new();
    for arg in &args[2..] {
        match arg.parse::<i64>() {
            Ok(n) => values.push(Value::Int(n)),
            Err(_) => {
                eprintln!("run: argument {arg:?} is not an integer");
                return ExitCode::from(2);
            }
        }
    }
    let source = match std::fs::read_to_string(path) {
        Ok(source) => source,
        Err(error) => {
            eprintln!("run: cannot read {path}: {error}");
            return ExitCode::from(2);
        }
    };
    let program = match toy_python::compile(&source) {
        Ok(program) => program,
        Err(error) => {
            eprintln!("run: {path}: {error}");
            return ExitCode::from(2);
        }
    };
    let interpreter = match Interpreter::new(&program, Arc::new(TickGil::new(100))) {
        Ok(interpreter) => interpreter,
        Err(error) => {
            eprintln!("run: {path}: {error}");
            return ExitCode::from(1);
        }
    };
    let start = Instant::now();
    let result = interpreter.call(function, &values);
    let elapsed = start.elapsed();
    match result {
        Ok(value) => {
            println!("{value}");
            eprintln!(
                "{function}: {:.3} s, {} instructions",
                elapsed.as_secs_f64(),
                interpreter.instructions()
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("run: {error}");
            ExitCode::from(1)
        }
    }
}
