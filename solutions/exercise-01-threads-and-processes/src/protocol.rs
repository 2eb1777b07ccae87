// Exercise 01 · Threads and processes. Book: book/src/part-1/work-in-processes.md
//
// Provided, nothing to fill in: how a job and its reply travel through a pipe. A child
// process cannot borrow the parent's slice, so the chunk is serialised (the book's
// #sending-data: what pickle does for Python). A pipe carries bytes, not messages, so each
// message is framed: a 4-byte tag that says what it is, then its content, numbers as
// 8-byte big-endian words.
//
//     job:    "job "  count (4 bytes)  count numbers (8 bytes each)
//     reply:  "rep "  value (8 bytes)
//
// The tag lets the reader tell a message from garbage (a worker that printed something
// else to its stdout), and the count lets it know where a job ends without a separator.
// This is a simpler cousin of exercise 19's framing (part-6/escaping.md), which carries
// strings.

use std::io::{self, Read, Write};

const JOB: &[u8; 4] = b"job ";
const REPLY: &[u8; 4] = b"rep ";

/// The most numbers one job may carry (512 MiB of them): a larger count means the stream
/// is not a job.
pub const MAX_JOB: usize = 64 << 20;

/// Writes `chunk` as one job to `output`, in a single write, and flushes it.
pub fn write_job(output: &mut impl Write, chunk: &[u64]) -> io::Result<()> {
    let count = u32::try_from(chunk.len())
        .ok()
        .filter(|&count| count as usize <= MAX_JOB)
        .ok_or_else(|| invalid(format!("a job of {} numbers is too long", chunk.len())))?;
    let mut bytes = Vec::with_capacity(8 + 8 * chunk.len());
    bytes.extend_from_slice(JOB);
    bytes.extend_from_slice(&count.to_be_bytes());
    for n in chunk {
        bytes.extend_from_slice(&n.to_be_bytes());
    }
    output.write_all(&bytes)?;
    output.flush()
}

/// Reads the next job; `Ok(None)` when `input` ended cleanly before it (no more jobs). A
/// stream that ends in the middle of a job is `UnexpectedEof`; anything that is not a job
/// is `InvalidData`.
pub fn read_job(input: &mut impl Read) -> io::Result<Option<Vec<u64>>> {
    let mut tag = [0; 4];
    // A clean end is an end before the first byte of a message.
    let mut got = 0;
    while got < tag.len() {
        match input.read(&mut tag[got..]) {
            Ok(0) if got == 0 => return Ok(None),
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    if &tag != JOB {
        return Err(invalid(format!("expected a job, got the bytes {tag:?}")));
    }
    let mut count = [0; 4];
    input.read_exact(&mut count)?;
    let count = u32::from_be_bytes(count) as usize;
    if count > MAX_JOB {
        return Err(invalid(format!("a job of {count} numbers: not a job")));
    }
    let mut bytes = vec![0; 8 * count];
    input.read_exact(&mut bytes)?;
    Ok(Some(bytes.chunks_exact(8).map(word).collect()))
}

/// Writes `value` as the reply to a job, and flushes it.
pub fn write_reply(output: &mut impl Write, value: u64) -> io::Result<()> {
    let mut bytes = [0; 12];
    bytes[..4].copy_from_slice(REPLY);
    bytes[4..].copy_from_slice(&value.to_be_bytes());
    output.write_all(&bytes)?;
    output.flush()
}

/// Reads one reply. `UnexpectedEof` when `input` ends before a whole reply (the worker
/// closed its stdout, or exited, without answering); `InvalidData` when it holds
/// something else.
pub fn read_reply(input: &mut impl Read) -> io::Result<u64> {
    let mut bytes = [0; 12];
    input.read_exact(&mut bytes)?;
    if &bytes[..4] != REPLY {
        return Err(invalid(format!(
            "expected a reply, got the bytes {bytes:?}"
        )));
    }
    Ok(word(&bytes[4..]))
}

fn word(bytes: &[u8]) -> u64 {
    let mut word = [0; 8];
    word.copy_from_slice(bytes);
    u64::from_be_bytes(word)
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}
