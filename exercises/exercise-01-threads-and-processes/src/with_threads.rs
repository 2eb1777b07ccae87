// Exercise 01 · Threads and processes. Book: book/src/part-1/work-in-processes.md
//
// The job in threads: one thread per chunk, all running at the same time, each working on
// its chunk of the caller's input where it lies (threads share the address space: borrow,
// do not copy). Fill in each `todo!()`. What you need:
//     crate::job::split(input, threads)                 -> Vec<&[u64]>, the chunks in order
//     std::thread::scope(|scope| { scope.spawn(|| ...); ... })   threads that may borrow
//     handle.join() -> Result<R, Box<dyn Any + Send>>   Err when the thread panicked
//     payload.downcast_ref::<T>()                        what was inside the panic

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
    todo!(
        "inside a thread::scope, spawn one thread per chunk (all of them before you join \
         any), then join each handle in order; a join that fails is that chunk's panic \
         (book: part-1/work-in-processes.md#isolation)"
    )
}

/// The message of a panic's payload: `panic!("literal")` carries a `&'static str`,
/// `panic!("{x}")` a `String`; anything else has no text.
fn panic_message(payload: &(dyn Any + Send)) -> String {
    todo!(
        "try downcast_ref for both kinds of text a panic carries \
         (book: part-1/what-threads-buy.md#when-the-thread-fails)"
    )
}
