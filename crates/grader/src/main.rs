//! `course-grader`: what `cargo run -- grade ARGS` runs. See the library for the pipeline.

fn main() -> std::process::ExitCode {
    let cwd = std::env::current_dir().unwrap_or_else(|_| std::path::PathBuf::from("."));
    let code = course_grader::run_cli(std::env::args_os().skip(1).collect(), &cwd);
    std::process::ExitCode::from(u8::try_from(code).unwrap_or(2))
}
