//! Prints the bytecode of a program, in the style of Python's `dis.dis`.
//!
//! ```console
//! cargo run -p toy-python --example dis -- crates/toy-python/workloads/count.py
//! cargo run -p toy-python --example dis -- crates/toy-python/workloads/count.py count
//! ```

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: dis FILE [FUNCTION]");
        return ExitCode::from(2);
    };
    let source = match std::fs::read_to_string(path) {
        Ok(source) => source,
        Err(error) => {
            eprintln!("dis: cannot read {path}: {error}");
            return ExitCode::from(2);
        }
    };
    let program = match toy_python::compile(&source) {
        Ok(program) => program,
        Err(error) => {
            eprintln!("dis: {path}: {error}");
            return ExitCode::from(2);
        }
    };
    match args.get(1) {
        None => print!("{}", program.dis()),
        Some(function) => match program.dis_function(function) {
            Some(listing) => print!("{listing}"),
            None => {
                eprintln!(
                    "dis: {path} defines no function {function:?} (it defines: {})",
                    program.functions().join(", ")
                );
                return ExitCode::from(2);
            }
        },
    }
    ExitCode::SUCCESS
}
