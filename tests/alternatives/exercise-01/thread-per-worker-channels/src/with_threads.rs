// Alternative: each thread catches its own job's panic (catch_unwind) and sends its chunk's
// index and result over a channel; the caller sorts them by index. Correct because every
// thread sends exactly once before the scope ends, no panic leaves a thread, and the index
// puts each result back in input order whatever order they arrived in.

use std::any::Any;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc;
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
    let (send, received) = mpsc::channel();
    thread::scope(|scope| {
        for (chunk, numbers) in split(input, threads).into_iter().enumerate() {
            let send = send.clone();
            scope.spawn(move || {
                let result =
                    panic::catch_unwind(AssertUnwindSafe(|| job(numbers))).map_err(|payload| {
                        ThreadPanicked {
                            chunk,
                            message: panic_message(payload.as_ref()),
                        }
                    });
                // The receiver lives until after the scope: this cannot fail.
                let _ = send.send((chunk, result));
            });
        }
    });
    drop(send);
    let mut results: Vec<_> = received.into_iter().collect();
    results.sort_by_key(|&(chunk, _)| chunk);
    results.into_iter().map(|(_, result)| result).collect()
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
