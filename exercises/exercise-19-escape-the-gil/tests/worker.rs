//! Exercise 19 graded suite: the worker side. `serve` on bytes in memory, then the worker
//! binary (src/bin/) as a real process talking over its stdin and stdout.
//! Book: `book/src/part-6/escaping.md`.
//!
//! Which promise of the stub's docs each test checks: `tests/contracts/exercise-19.toml`.

mod common;

use std::io::{Read, Write};
use std::process::{Child, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use toy_python::Value;

sync_shim::include_under_std!(protocol, worker);

use common::{CHAPTER, new_interpreter, worker_command};
use protocol::{Job, Reply};

const DOUBLE: &str = "def double(n):\n    return n * 2\n";

const FIB: &str = "\
def fib(n):
    a = 0
    b = 1
    i = 0
    while i < n:
        t = a + b
        a = b
        b = t
        i += 1
    return a
";

const BIGGER: &str = "def bigger(a, b):\n    return a > b\n";

/// The jobs as the pool would send them, one after the other.
fn encode(jobs: &[Job]) -> Vec<u8> {
    let mut bytes = Vec::new();
    for job in jobs {
        protocol::write_job(&mut bytes, job).expect("writing to a Vec cannot fail");
    }
    bytes
}

/// Runs the learner's `serve` on `jobs` in memory and decodes every reply it wrote.
fn serve_in_memory(jobs: Vec<Job>) -> Vec<Reply> {
    deadline::within_secs(10, "serve() on jobs in memory", move || {
        let input = encode(&jobs);
        let mut output = Vec::new();
        let served = worker::serve(&input[..], &mut output, new_interpreter);
        assert!(
            served.is_ok(),
            "serve() returned {served:?}; its input held nothing but jobs, then ended. The \
             end of the input means \"no more jobs\": serve returns Ok(()). An Err is only \
             for a pipe that fails, never for a program that fails: that is a reply with \
             Err(message) ({CHAPTER}#crash-isolation)"
        );
        let mut replies = Vec::new();
        let mut rest = &output[..];
        loop {
            match protocol::read_reply(&mut rest) {
                Ok(Some(reply)) => replies.push(reply),
                Ok(None) => return replies,
                Err(e) => panic!(
                    "serve() wrote something that is not a reply ({e}): write each reply \
                     with protocol::write_reply and nothing else to the output \
                     ({CHAPTER}#processes)"
                ),
            }
        }
    })
}

#[test]
fn serve_answers_each_job_in_order_and_returns_at_the_end_of_its_input() {
    let replies = serve_in_memory(vec![
        Job::new(DOUBLE, "double", vec![Value::Int(21)]),
        Job::new(FIB, "fib", vec![Value::Int(10)]),
        Job::new(BIGGER, "bigger", vec![Value::Int(3), Value::Int(2)]),
        Job::new(BIGGER, "bigger", vec![Value::Int(2), Value::Int(3)]),
    ]);
    let results: Vec<_> = replies.iter().map(|reply| reply.result.clone()).collect();
    assert_eq!(
        results,
        [
            Ok(Value::Int(42)),
            Ok(Value::Int(55)),
            Ok(Value::Bool(true)),
            Ok(Value::Bool(false))
        ],
        "serve() got four jobs: double(21), fib(10), bigger(3, 2) and bigger(2, 3); it \
         must write one \
         reply per job, in order, with what the function returned ({CHAPTER}#processes)"
    );
    for reply in &replies {
        assert_eq!(
            reply.pid,
            std::process::id(),
            "a reply must carry the process id of the worker that ran it: \
             std::process::id() ({CHAPTER}#processes)"
        );
    }
}

#[test]
fn serve_turns_program_errors_into_replies_and_keeps_serving() {
    let replies = serve_in_memory(vec![
        Job::new("def broken():\n    return )\n", "broken", vec![]),
        Job::new(DOUBLE, "no_such_function", vec![]),
        Job::new(
            "def oops():\n    return undefined_name + 1\n",
            "oops",
            vec![],
        ),
        Job::new(DOUBLE, "double", vec![Value::Int(4)]),
    ]);
    assert_eq!(
        replies.len(),
        4,
        "serve() got four jobs, three of them with broken programs, and wrote {} replies: \
         a program that fails is still a job with an answer, the error (a syntax error, a \
         missing function, a runtime error); the worker writes it and reads the next job \
         ({CHAPTER}#crash-isolation)",
        replies.len()
    );
    let cases = [
        ("a syntax error", "line 2"),
        (
            "a call to a function the program does not define",
            "no_such_function",
        ),
        ("a runtime error", "undefined_name"),
    ];
    for ((what, expected), reply) in cases.iter().zip(&replies) {
        match &reply.result {
            Err(message) => assert!(
                message.contains(expected),
                "the reply to {what} says {message:?}, which does not mention \
                 {expected:?}: pass on the interpreter's own message \
                 ({CHAPTER}#crash-isolation)"
            ),
            Ok(value) => panic!(
                "the reply to {what} is Ok({value:?}); it must be Err with the \
                 error's message ({CHAPTER}#crash-isolation)"
            ),
        }
    }
    assert_eq!(
        replies[3].result,
        Ok(Value::Int(8)),
        "after three broken programs, double(4) must still work ({CHAPTER}#crash-isolation)"
    );
}

#[test]
fn serve_runs_every_job_in_a_new_interpreter() {
    let counter = "count = 0\ndef bump():\n    global count\n    count += 1\n    return count\n";
    let replies = serve_in_memory(vec![
        Job::new(counter, "bump", vec![]),
        Job::new(counter, "bump", vec![]),
        Job::new(counter, "bump", vec![]),
    ]);
    let results: Vec<_> = replies.iter().map(|reply| reply.result.clone()).collect();
    assert_eq!(
        results,
        [Ok(Value::Int(1)), Ok(Value::Int(1)), Ok(Value::Int(1))],
        "serve() got the same job three times: a program that sets the global `count` to 0, \
         and bump(), which adds 1 to it and returns it. Each job must see a fresh program, \
         so each returns 1; a later one saw an earlier one's globals. Build a new \
         interpreter for every job (new_interpreter), never reuse one, not even for the \
         same program text ({CHAPTER}#processes)"
    );
}

#[test]
fn serve_returns_an_error_when_its_input_breaks_off_or_is_not_a_job() {
    let second = encode(&[Job::new(DOUBLE, "double", vec![Value::Int(2)])]);
    let mut not_a_job = Vec::new();
    protocol::write_reply(
        &mut not_a_job,
        &Reply {
            pid: 1,
            result: Ok(Value::None),
        },
    )
    .expect("writing to a Vec cannot fail");
    let cases = [
        (
            "ends inside the length of a second job",
            second[..2].to_vec(),
        ),
        (
            "ends inside the text of a second job",
            second[..second.len() - 3].to_vec(),
        ),
        ("goes on with a reply instead of a job", not_a_job),
    ];
    for (what, rest) in cases {
        let outcome = deadline::within_secs(10, "serve() on input that breaks off", move || {
            let mut input = encode(&[Job::new(DOUBLE, "double", vec![Value::Int(1)])]);
            input.extend_from_slice(&rest);
            let mut output = Vec::new();
            let served = worker::serve(&input[..], &mut output, new_interpreter);
            let replies = protocol::read_reply(&mut &output[..]);
            (served.map_err(|e| e.to_string()), replies)
        });
        let (served, first) = outcome;
        assert!(
            matches!(
                &first,
                Ok(Some(Reply {
                    result: Ok(Value::Int(2)),
                    ..
                }))
            ),
            "serve() got a whole job, double(1), then input that {what}; its first reply \
             was {first:?}: the whole job must be answered ({CHAPTER}#processes)"
        );
        assert!(
            served.is_err(),
            "serve() got a whole job, then input that {what}, and returned {served:?}. \
             Only an input that ends between jobs is the clean end (read_job returns \
             Ok(None)); anything else is a broken pipe, and read_job's Err must come back \
             out of serve, so the worker process exits with a failure ({CHAPTER}#processes)"
        );
    }
}

/// Input whose first read fails with `first` (if any), then reads from `then`, or fails
/// every time when there is nothing to read from.
struct Flaky {
    first: Option<std::io::ErrorKind>,
    then: Option<Vec<u8>>,
    at: usize,
}

impl Read for Flaky {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if let Some(kind) = self.first.take() {
            return Err(kind.into());
        }
        let Some(bytes) = &self.then else {
            return Err(std::io::ErrorKind::ConnectionReset.into());
        };
        let n = buf.len().min(bytes.len() - self.at);
        buf[..n].copy_from_slice(&bytes[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[test]
fn serve_reads_on_after_an_interrupted_read_and_fails_on_a_broken_one() {
    let job = encode(&[Job::new(DOUBLE, "double", vec![Value::Int(8)])]);
    let waiting = "serve() on input whose first read is interrupted";
    let outcome = deadline::within_secs(10, waiting, || {
        let input = Flaky {
            first: Some(std::io::ErrorKind::Interrupted),
            then: Some(job),
            at: 0,
        };
        let mut output = Vec::new();
        let served = worker::serve(input, &mut output, new_interpreter);
        let reply = protocol::read_reply(&mut &output[..]).map_err(|e| e.to_string());
        (served.map_err(|e| e.to_string()), reply)
    });
    assert!(
        matches!(
            &outcome,
            (
                Ok(()),
                Ok(Some(Reply {
                    result: Ok(Value::Int(16)),
                    ..
                }))
            )
        ),
        "serve() on input whose first read was interrupted by a signal \
         (ErrorKind::Interrupted, which the provided read_job retries) returned {outcome:?}: \
         it must answer the job that follows and return Ok(()) ({CHAPTER}#processes)"
    );
    let waiting = "serve() on input whose every read fails";
    let broken = deadline::within_secs(10, waiting, || {
        let input = Flaky {
            first: None,
            then: None,
            at: 0,
        };
        worker::serve(input, Vec::new(), new_interpreter).map_err(|e| e.to_string())
    });
    assert!(
        broken.is_err(),
        "serve() on input whose every read fails (the pipe is broken) returned {broken:?}: \
         a pipe that fails is the one case where serve returns an Err ({CHAPTER}#processes)"
    );
}

/// Starts the worker binary with its three pipes to us (stderr so that a failure can quote
/// what the worker said as it died, such as a `todo!()` not yet written).
fn start_worker() -> Child {
    worker_command()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start the worker binary: {e}"))
}

/// What an exited (or killed) worker wrote to its stderr, for a failure message.
fn last_words(child: &mut Child) -> String {
    let mut said = String::new();
    if let Some(mut stderr) = child.stderr.take() {
        let _ = stderr.read_to_string(&mut said);
    }
    let said = said.trim();
    if said.is_empty() {
        String::new()
    } else {
        format!("\nThe worker wrote on its stderr:\n{said}")
    }
}

/// Waits up to `limit` for `child` to exit; kills and reaps it if it does not.
fn wait_or_kill(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let give_up = Instant::now() + limit;
    while Instant::now() < give_up {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        thread::sleep(Duration::from_millis(5));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

#[test]
fn the_worker_process_answers_over_its_stdin_and_stdout() {
    deadline::within_secs(10, "a job sent to the worker binary", || {
        let mut child = start_worker();
        let mut stdin = child.stdin.take().expect("piped");
        let mut stdout = child.stdout.take().expect("piped");
        let job = Job::new(FIB, "fib", vec![Value::Int(20)]);
        let sent = protocol::write_job(&mut stdin, &job);
        let reply = sent.and_then(|()| protocol::read_reply(&mut stdout));
        drop(stdin);
        let status = wait_or_kill(&mut child, Duration::from_secs(5));
        let reply = match reply {
            Ok(Some(reply)) => reply,
            other => panic!(
                "the worker binary got fib(20) on its stdin and answered {other:?} on its \
                 stdout, then exited with {status:?}: the binary calls your serve() on \
                 stdin and stdout ({CHAPTER}#processes){}",
                last_words(&mut child)
            ),
        };
        assert_eq!(
            reply.result,
            Ok(Value::Int(6765)),
            "the worker binary computed fib(20) wrong ({CHAPTER}#processes)"
        );
        assert_eq!(
            reply.pid,
            child.id(),
            "the reply must carry the worker's own process id ({CHAPTER}#processes)"
        );
        let mut rest = Vec::new();
        let _ = stdout.read_to_end(&mut rest);
        assert!(
            rest.is_empty(),
            "after its one reply, the worker wrote {} more bytes to its stdout: stdout \
             carries replies and nothing else, or the pool cannot read them \
             ({CHAPTER}#processes)",
            rest.len()
        );
    });
}

#[test]
fn the_worker_process_exits_when_its_stdin_is_closed() {
    deadline::within_secs(10, "the worker binary after its stdin was closed", || {
        let mut child = start_worker();
        let mut stdin = child.stdin.take().expect("piped");
        let job = Job::new(DOUBLE, "double", vec![Value::Int(1)]);
        let _ = protocol::write_job(&mut stdin, &job);
        let _ = stdin.flush();
        drop(stdin);
        // Keep our end of its stdout open (a reply fits in the pipe's buffer), so the worker
        // does not fail on writing its reply.
        let _stdout = child.stdout.take();
        let status = wait_or_kill(&mut child, Duration::from_secs(5));
        match status {
            None => panic!(
                "the worker binary was still running 5 s after its stdin was closed (it was \
                 killed): when read_job returns Ok(None), the input has ended and serve \
                 must return Ok(()) ({CHAPTER}#processes)"
            ),
            Some(status) => assert!(
                status.success(),
                "the worker binary got one job, then the end of its stdin, and exited with \
                 {status} instead of success: serve must answer the job, then return Ok(()) \
                 at the end of the input ({CHAPTER}#processes){}",
                last_words(&mut child)
            ),
        }
    });
}
