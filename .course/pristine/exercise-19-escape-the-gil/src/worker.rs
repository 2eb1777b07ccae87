// Exercise 19 · Escape the GIL. Book: book/src/part-6/escaping.md
//
// The worker process's side of the pool: a loop that reads jobs from its input, runs each
// one in a fresh interpreter and writes the reply to its output. The binary in src/bin/
// calls `serve` on the process's stdin and stdout; the tests also call it directly, on
// bytes in memory.
//
// What you need from the provided pieces:
//     protocol::read_job(&mut input)      -> io::Result<Option<Job>>   (None: input ended)
//     protocol::write_reply(&mut output, &reply) -> io::Result<()>     (flushes)
//     toy_python::compile(&source)        -> Result<Program, SyntaxError>
//     interpreter.call(&name, &args)      -> Result<Value, RuntimeError>
// The errors print as their messages (`Display`).

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
///
/// A program that does not compile, a function that does not exist, a runtime error: each
/// is a reply with `Err(message)`, and the loop goes on. The worker process must not die
/// of a bad program.
pub fn serve(
    input: impl Read,
    output: impl Write,
    new_interpreter: impl Fn(&Program) -> Result<Interpreter, RuntimeError>,
) -> io::Result<()> {
    todo!(
        "loop: read a job (Ok(None) means the input ended: return Ok(())), run it with \
         run_job, write a Reply with std::process::id() as its pid \
         (book: escaping.md#processes)"
    )
}

/// Runs one job: compiles its source, builds an interpreter with `new_interpreter` and
/// calls the function. Every way the program can fail comes back as `Err(message)`, with
/// the interpreter's own message in it.
pub fn run_job(
    job: &Job,
    new_interpreter: impl Fn(&Program) -> Result<Interpreter, RuntimeError>,
) -> Result<Value, String> {
    todo!(
        "compile, new_interpreter, call; turn each error into its message with to_string() \
         and `?` (book: escaping.md#crash-isolation)"
    )
}
