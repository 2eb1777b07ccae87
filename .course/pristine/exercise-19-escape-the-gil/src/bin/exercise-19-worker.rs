//! A worker process of the pool: serves jobs from stdin and writes the replies to stdout,
//! each in a fresh interpreter with its own GIL. Provided: nothing to fill in here. The pool
//! tests start this program; what it does is in `src/worker_process.rs`, and the loop it
//! runs is your `worker::serve`.

fn main() -> std::process::ExitCode {
    exercise_19::worker_process::worker_main()
}
