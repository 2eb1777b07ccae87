// Exercise 01 · Threads and processes. Book: book/src/part-1/work-in-processes.md
//
// The job in threads: one scoped thread per chunk, each borrowing its chunk of the caller's
// input (no copy: threads share the address space), results joined in input order. A
// thread that panics costs its own chunk only.

use std::any::Any;
use std::fmt;
use std::thread;

use crate::job::split;

/// Why a chunk has no result: the thread that ran the job on it panicked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadPanicked {
    /// The index of the chunk (0 for the first) whose thread panicked.
    pub chunk: usize,
    /// The panic's message (what `panic!` was given), or a note saying it had none.
    pub message: String,
}

impl fmt::Display for ThreadPanicked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the thread of chunk {} panicked: {}",
            self.chunk, self.message
        )
    }
}

impl std::error::Error for ThreadPanicked {}

/// Runs `job` on each chunk of `split(input, threads)`, every chunk on a thread of its own,
/// all at the same time, and returns one result per chunk, in input order. The threads
/// borrow their chunk of `input`: nothing is copied. A thread whose job panics gives
/// `Err(ThreadPanicked)` with the panic's message, and the other chunks still give their
/// results. No input, no chunks: an empty `Vec`. `threads` = 0 is taken as 1.
pub fn run_in_threads<R: Send>(
    input: &[u64],
    threads: usize,
    job: impl Fn(&[u64]) -> R + Sync,
) -> Vec<Result<R, ThreadPanicked>> {
    let job = &job;
    thread::scope(|scope| {
        // Spawn them all before joining any: collecting first is what makes them run at
        // the same time (a lazy map would spawn one, join it, spawn the next).
        let handles: Vec<_> = split(input, threads)
            .into_iter()
            .map(|chunk| scope.spawn(move || job(chunk)))
            .collect();
        // Joining every handle ourselves also keeps `scope` from panicking at its end
        // because one of its threads did.
        handles
            .into_iter()
            .enumerate()
            .map(|(chunk, handle)| {
                handle.join().map_err(|payload| ThreadPanicked {
                    chunk,
                    message: panic_message(payload.as_ref()),
                })
            })
            .collect()
    })
}

/// The message of a panic's payload: `panic!("literal")` gives a `&'static str`,
/// `panic!("{x}")` a `String`; anything else (`std::panic::panic_any`) has no text.
fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "(a panic without a message)".to_owned()
    }
}
