// Exercise 19 · Escape the GIL. Book: book/src/part-6/escaping.md
//
// The worker process's side of the pool: a loop that reads jobs from its input, runs each
// one in a fresh interpreter and writes the reply to its output. The binary in src/bin/
// calls `serve` on the process's stdin and stdout; the tests also call it directly, on
// bytes in memory.

use std::io::{self, Read, Write};

use toy_python::{Interpreter, Program, RuntimeError, Value};

use crate::protocol::{self, Job, Reply};

/// Serves jobs from `input` until it ends, writing one [`Reply`] to `output` per job, in
/// order. Returns `Ok(())` when `input` ends cleanly, between two jobs (the pool closed our
/// stdin: time to go); an `Err` only when the pipes themselves fail: a read or a write that
/// fails, or input that ends in the middle of a job.
///
/// `new_interpreter` builds the interpreter for one job's program (with its own GIL and its
/// natives); a new one per job, so no job sees another's globals.
pub fn serve(
    mut input: impl Read,
    mut output: impl Write,
    new_interpreter: impl Fn(&Program) -> Result<Interpreter, RuntimeError>,
) -> io::Result<()> {
    while let Some(job) = protocol::read_job(&mut input)? {
        let result = run_job(&job, &new_interpreter);
        let reply = Reply {
            pid: std::process::id(),
            result,
        };
        protocol::write_reply(&mut output, &reply)?;
    }
    Ok(())
}

/// Runs one job: compiles its source, builds an interpreter with `new_interpreter` and
/// calls the function. Every way the program can fail comes back as `Err(message)`.
pub fn run_job(
    job: &Job,
    new_interpreter: impl Fn(&Program) -> Result<Interpreter, RuntimeError>,
) -> Result<Value, String> {
    let program = toy_python::compile(&job.source).map_err(|e| e.to_string())?;
    let interpreter = new_interpreter(&program).map_err(|e| e.to_string())?;
    interpreter
        .call(&job.function, &job.args)
        .map_err(|e| e.to_string())
}
