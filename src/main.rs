//! `cargo run -- <command>`: see `course::main` and `cargo run -- --help`.

fn main() -> std::process::ExitCode {
    course::main(std::env::args_os().skip(1).collect())
}
