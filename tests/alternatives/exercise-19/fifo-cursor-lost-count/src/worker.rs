// Alternative: serve as an explicit loop over read_job's three outcomes, run_job as one chain.
// Every job still gets a new interpreter, a failing program is still a reply, and a pipe that
// fails (or input cut off inside a job) still ends serve with its Err.
// Book: book/src/part-6/escaping.md

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
    let pid = std::process::id();
    loop {
        let job = match protocol::read_job(&mut input) {
            Ok(Some(job)) => job,
            Ok(None) => return Ok(()),
            Err(error) => return Err(error),
        };
        let result = run_job(&job, &new_interpreter);
        protocol::write_reply(&mut output, &Reply { pid, result })?;
    }
}

/// Runs one job: compiles its source, builds an interpreter with `new_interpreter` and
/// calls the function. Every way the program can fail comes back as `Err(message)`.
pub fn run_job(
    job: &Job,
    new_interpreter: impl Fn(&Program) -> Result<Interpreter, RuntimeError>,
) -> Result<Value, String> {
    toy_python::compile(&job.source)
        .map_err(|error| error.to_string())
        .and_then(|program| new_interpreter(&program).map_err(|error| error.to_string()))
        .and_then(|interpreter| {
            interpreter
                .call(&job.function, &job.args)
                .map_err(|error| error.to_string())
        })
}
