// Alternative: each thread catches its own job's panic (catch_unwind) and returns a Result,
// which the caller gets from join, handle by handle in chunk order. Correct because every
// thread is spawned before any is joined, no panic leaves a thread (so join itself never
// fails), and joining in spawn order keeps input order.

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
/// all at the same time; one result per chunk, in input order.
pub fn run_in_threads<R: Send>(
    input: &[u64],
    threads: usize,
    job: impl Fn(&[u64]) -> R + Sync,
) -> Vec<Result<R, ThreadPanicked>> {
    let job = &job;
    let mut results = Vec::new();
    thread::scope(|scope| {
        let mut handles = Vec::new();
        for (index, chunk) in split(input, threads).into_iter().enumerate() {
            handles.push(scope.spawn(move || {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(chunk))).map_err(
                    |payload| ThreadPanicked {
                        chunk: index,
                        message: panic_message(payload.as_ref()),
                    },
                )
            }));
        }
        for handle in handles {
            // The job's panic was caught inside the thread: the join itself cannot fail.
            results.push(
                handle
                    .join()
                    .unwrap_or_else(|payload| std::panic::resume_unwind(payload)),
            );
        }
    });
    results
}

/// The text of a panic's payload, or a note that it had none.
fn panic_message(payload: &(dyn Any + Send)) -> String {
    match (
        payload.downcast_ref::<String>(),
        payload.downcast_ref::<&str>(),
    ) {
        (Some(text), _) => text.clone(),
        (None, Some(text)) => (*text).to_owned(),
        (None, None) => String::from("(a panic with no text)"),
    }
}
