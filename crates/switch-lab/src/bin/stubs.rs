//! The Part 1 lab on stubs: exercises 01 and 02 as a learner first finds them, with
//! `todo!()` where the work is. The crate's tests run it to check that the lab then still
//! measures what needs no exercise (std, Python), and says in one block what to finish; and,
//! with `SWITCH_LAB_STUB_HANG` set, an executor that never returns, to check that the lab
//! gives up on it at its deadline.

switch_lab::lab_main!(
    threads: stub_threads,
    green: stub_green,
    code: "stubs (crates/switch-lab/src/bin/stubs.rs)"
);

mod stub_threads {
    use std::process::{Command, ExitCode};
    use std::time::Duration;

    pub fn work(chunk: &[u64]) -> u64 {
        chunk.iter().map(|x| x % 7).sum()
    }

    pub fn run_in_threads<R: Send>(
        _input: &[u64],
        _threads: usize,
        _job: impl Fn(&[u64]) -> R + Sync,
    ) -> Vec<Result<R, String>> {
        todo!("run the job on each chunk in a scoped thread")
    }

    pub fn run_in_processes(
        _command: impl Fn() -> Command,
        _input: &[u64],
        _processes: usize,
        _deadline: Duration,
    ) -> Vec<Result<u64, String>> {
        todo!("start a worker per chunk and send it the chunk")
    }

    pub mod worker_process {
        pub fn worker_main() -> super::ExitCode {
            super::ExitCode::FAILURE
        }
    }
}

mod stub_green {
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    pub struct Executor;

    impl Executor {
        pub fn new() -> Executor {
            Executor
        }

        /// With `SWITCH_LAB_STUB_HANG` set, never returns (a lost wake-up, as far as the
        /// lab can tell), so that the tests see the lab give up on it.
        pub fn block_on<F: Future>(&self, _future: F) -> F::Output {
            if std::env::var_os("SWITCH_LAB_STUB_HANG").is_some() {
                loop {
                    std::thread::park();
                }
            }
            todo!("poll the future and the tasks it spawns until it is ready")
        }
    }

    pub struct JoinHandle<T>(std::marker::PhantomData<T>);

    impl<T> Future for JoinHandle<T> {
        type Output = Result<T, String>;
        fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Self::Output> {
            todo!("wait for the task's output")
        }
    }

    pub fn spawn<F: Future + 'static>(_future: F) -> JoinHandle<F::Output> {
        todo!("put the task on the run queue")
    }

    pub async fn yield_now() {
        todo!("let the other tasks run")
    }
}
