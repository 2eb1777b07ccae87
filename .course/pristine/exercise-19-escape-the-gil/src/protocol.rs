// Exercise 19 · Escape the GIL. Book: book/src/part-6/escaping.md
//
// Provided, nothing to fill in: how jobs and replies travel through a pipe. A pipe carries
// bytes, not messages, so each message is framed: a count of fields, then each field as its
// length and its bytes (lengths are 4-byte big-endian numbers). The reader knows where a
// message ends without looking for a separator that the program text might contain.
//
//     job:    "job"   source   function   arg...        (each arg as in `encode_value`)
//     reply:  "ok"    pid      value
//             "err"   pid      message
//
// The readers return `Ok(None)` when the stream ends cleanly before a message: for a worker
// that means "no more jobs", for the pool "the worker is gone". A stream that ends in the
// middle of a message is an error (`UnexpectedEof`), and so is anything that is not a
// message of the expected kind (`InvalidData`).

use std::io::{self, Read, Write};

use toy_python::Value;

/// One piece of work for a worker process: call `function(*args)` in the program `source`.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// The program text: `def` statements, and globals they use.
    pub source: String,
    /// The function to call.
    pub function: String,
    /// Its arguments.
    pub args: Vec<Value>,
}

impl Job {
    /// `Job::new("def f(n):\n    return n * 2\n", "f", vec![Value::Int(21)])`.
    pub fn new(source: impl Into<String>, function: impl Into<String>, args: Vec<Value>) -> Job {
        Job {
            source: source.into(),
            function: function.into(),
            args,
        }
    }
}

/// What a worker sends back for one job.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// The process id of the worker that ran the job (`std::process::id()` in the worker).
    pub pid: u32,
    /// What the function returned, or why the program failed: a syntax error, a runtime
    /// error, a function that does not exist. A failing program is an answer, not a crash.
    pub result: Result<Value, String>,
}

/// The largest field a reader accepts: a bigger length means the stream is not ours.
const MAX_FIELD: usize = 64 << 20;

/// Writes `job` to `output` and flushes it.
pub fn write_job(output: &mut impl Write, job: &Job) -> io::Result<()> {
    let mut fields = vec!["job".to_owned(), job.source.clone(), job.function.clone()];
    fields.extend(job.args.iter().map(encode_value));
    write_message(output, &fields)
}

/// Reads the next job; `Ok(None)` when `input` ended cleanly (no more jobs).
pub fn read_job(input: &mut impl Read) -> io::Result<Option<Job>> {
    let Some(fields) = read_message(input)? else {
        return Ok(None);
    };
    match fields.as_slice() {
        [kind, source, function, args @ ..] if kind == "job" => Ok(Some(Job {
            source: source.clone(),
            function: function.clone(),
            args: args
                .iter()
                .map(|arg| decode_value(arg))
                .collect::<io::Result<_>>()?,
        })),
        _ => Err(invalid(format!("expected a job, got {fields:?}"))),
    }
}

/// Writes `reply` to `output` and flushes it.
pub fn write_reply(output: &mut impl Write, reply: &Reply) -> io::Result<()> {
    let (kind, text) = match &reply.result {
        Ok(value) => ("ok", encode_value(value)),
        Err(message) => ("err", message.clone()),
    };
    write_message(output, &[kind.to_owned(), reply.pid.to_string(), text])
}

/// Reads the next reply; `Ok(None)` when `input` ended cleanly (the worker closed its end).
pub fn read_reply(input: &mut impl Read) -> io::Result<Option<Reply>> {
    let Some(fields) = read_message(input)? else {
        return Ok(None);
    };
    let [kind, pid, text] = fields.as_slice() else {
        return Err(invalid(format!("expected a reply, got {fields:?}")));
    };
    let pid = pid
        .parse()
        .map_err(|_| invalid(format!("bad pid in reply: {pid:?}")))?;
    let result = match kind.as_str() {
        "ok" => Ok(decode_value(text)?),
        "err" => Err(text.clone()),
        _ => return Err(invalid(format!("expected ok or err, got {kind:?}"))),
    };
    Ok(Some(Reply { pid, result }))
}

/// A value as text: `int:42`, `bool:True`, `None`.
pub fn encode_value(value: &Value) -> String {
    match value {
        Value::Int(n) => format!("int:{n}"),
        Value::Bool(b) => format!("bool:{}", if *b { "True" } else { "False" }),
        Value::None => "None".to_owned(),
    }
}

/// The value that `encode_value` wrote as `text`.
pub fn decode_value(text: &str) -> io::Result<Value> {
    match text {
        "None" => Ok(Value::None),
        "bool:True" => Ok(Value::Bool(true)),
        "bool:False" => Ok(Value::Bool(false)),
        _ => text
            .strip_prefix("int:")
            .and_then(|n| n.parse().ok())
            .map(Value::Int)
            .ok_or_else(|| invalid(format!("not a value: {text:?}"))),
    }
}

fn write_message(output: &mut impl Write, fields: &[String]) -> io::Result<()> {
    let mut bytes = Vec::new();
    bytes.extend_from_slice(&length(fields.len())?.to_be_bytes());
    for field in fields {
        bytes.extend_from_slice(&length(field.len())?.to_be_bytes());
        bytes.extend_from_slice(field.as_bytes());
    }
    // One write for the whole message, then a flush: the other side is waiting for it.
    output.write_all(&bytes)?;
    output.flush()
}

fn read_message(input: &mut impl Read) -> io::Result<Option<Vec<String>>> {
    let mut count = [0; 4];
    // A clean end is an end before the first byte of a message.
    let mut got = 0;
    while got < count.len() {
        match input.read(&mut count[got..]) {
            Ok(0) if got == 0 => return Ok(None),
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let count = checked(u32::from_be_bytes(count))?;
    let mut fields = Vec::with_capacity(count.min(16));
    for _ in 0..count {
        let mut len = [0; 4];
        input.read_exact(&mut len)?;
        let mut field = vec![0; checked(u32::from_be_bytes(len))?];
        input.read_exact(&mut field)?;
        fields.push(String::from_utf8(field).map_err(|e| invalid(e.to_string()))?);
    }
    Ok(Some(fields))
}

fn length(len: usize) -> io::Result<u32> {
    u32::try_from(len)
        .ok()
        .filter(|&n| n as usize <= MAX_FIELD)
        .ok_or_else(|| invalid(format!("a field of {len} bytes is too long to send")))
}

fn checked(len: u32) -> io::Result<usize> {
    let len = len as usize;
    if len > MAX_FIELD {
        return Err(invalid(format!(
            "a field of {len} bytes: this stream is not ours"
        )));
    }
    Ok(len)
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}
