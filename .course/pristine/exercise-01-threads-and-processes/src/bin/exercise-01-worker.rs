//! A worker process of exercise 01: reads jobs (chunks of numbers) from stdin, runs `work`
//! on each and writes the replies to stdout. Provided: nothing to fill in here. The process
//! tests start this program; what it does is in `src/worker_process.rs`.

fn main() -> std::process::ExitCode {
    exercise_01::worker_process::worker_main()
}
