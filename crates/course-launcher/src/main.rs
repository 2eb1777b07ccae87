//! `cargo run` inside an exercise folder (`cd exercises/exercise-04-spin-lock && cargo run`).
//!
//! Every exercise package has this file as its binary (`[[bin]] path = ...` and
//! `default-run` in its Cargo.toml). It says where you are, then runs the course tool at the
//! repository root for this exercise: `cargo run` alone is `check NN`, and a command that
//! takes an exercise gets this one (`cargo run -- hint` is `hint NN`, `cargo run -- check
//! slots` is `check NN slots`).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// The course tool's commands that take an exercise number right after their name.
const TAKES_EXERCISE: &[&str] = &["check", "hint", "watch", "reset", "verify"];

fn main() -> ExitCode {
    let package = env!("CARGO_PKG_NAME");
    let Some(number) = package.strip_prefix("exercise-") else {
        eprintln!(
            "error: this is the `cargo run` of the exercise folders: run `cargo run` in \
             exercises/exercise-NN-*/, or `cargo run` at the repository root for the course tool"
        );
        return ExitCode::from(2);
    };
    // `cargo run` sets CARGO_MANIFEST_DIR for the program too; the compile-time value is the
    // fallback when the binary is started by hand.
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    let Some(root) = find_root(&manifest_dir) else {
        eprintln!(
            "error: no course.toml above {}: is this exercise folder still inside the course \
             repository?",
            manifest_dir.display()
        );
        return ExitCode::from(2);
    };
    let args: Vec<String> = match std::env::args_os()
        .skip(1)
        .map(OsString::into_string)
        .collect()
    {
        Ok(args) => args,
        Err(bad) => {
            eprintln!("error: the argument {bad:?} is not valid UTF-8");
            return ExitCode::from(2);
        }
    };
    let forwarded = forward(number, &args);
    let folder = manifest_dir
        .strip_prefix(&root)
        .unwrap_or(&manifest_dir)
        .display()
        .to_string();
    println!("You are in exercise {number} ({folder}).");
    println!(
        "Running the course tool from the repository root: cargo run -- {}",
        forwarded.join(" ")
    );
    println!("(Here, `cargo test` runs the exercise's tests; `cargo run -- hint` shows a hint.)\n");

    // Not `--quiet`: on a fresh clone the course tool compiles first, and cargo's lines show it.
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let mut command = Command::new(cargo);
    command
        .args(["run", "--package", "course", "--bin", "course"])
        .arg("--manifest-path")
        .arg(root.join("Cargo.toml"))
        .arg("--")
        .args(&forwarded)
        .current_dir(&root);
    run(command)
}

/// Replaces this process with `command` (Unix), so Ctrl+C and the exit code are the tool's.
#[cfg(unix)]
fn run(mut command: Command) -> ExitCode {
    use std::os::unix::process::CommandExt;
    let error = command.exec();
    eprintln!("error: cannot run cargo: {error}");
    ExitCode::from(2)
}

#[cfg(not(unix))]
fn run(mut command: Command) -> ExitCode {
    match command.status() {
        Ok(status) => ExitCode::from(
            status
                .code()
                .and_then(|code| u8::try_from(code).ok())
                .unwrap_or(1),
        ),
        Err(error) => {
            eprintln!("error: cannot run cargo: {error}");
            ExitCode::from(2)
        }
    }
}

/// The folder above `start` (or `start` itself) that holds `course.toml`.
fn find_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| dir.join("course.toml").is_file())
        .map(Path::to_path_buf)
}

/// The course tool's arguments for `args` typed in exercise `number`'s folder.
fn forward(number: &str, args: &[String]) -> Vec<String> {
    let Some((command, rest)) = args.split_first() else {
        return vec!["check".to_owned(), number.to_owned()];
    };
    // A number typed after the command names the exercise itself (this one or another).
    let names_an_exercise = rest
        .iter()
        .find(|arg| !arg.starts_with('-'))
        .is_some_and(|arg| !arg.is_empty() && arg.chars().all(|c| c.is_ascii_digit()));
    let mut forwarded = vec![command.clone()];
    if TAKES_EXERCISE.contains(&command.as_str()) && !names_an_exercise {
        forwarded.push(number.to_owned());
    }
    forwarded.extend(rest.iter().cloned());
    forwarded
}

#[cfg(test)]
mod tests {
    use super::forward;

    fn fwd(args: &[&str]) -> Vec<String> {
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        forward("04", &args)
    }

    #[test]
    fn the_exercise_is_filled_in() {
        assert_eq!(fwd(&[]), ["check", "04"]);
        assert_eq!(fwd(&["hint"]), ["hint", "04"]);
        assert_eq!(fwd(&["hint", "--all"]), ["hint", "04", "--all"]);
        assert_eq!(fwd(&["check", "guard"]), ["check", "04", "guard"]);
        assert_eq!(fwd(&["watch"]), ["watch", "04"]);
        assert_eq!(fwd(&["reset", "--yes"]), ["reset", "04", "--yes"]);
    }

    #[test]
    fn other_commands_and_explicit_numbers_pass_through() {
        assert_eq!(fwd(&["check", "04"]), ["check", "04"]);
        assert_eq!(fwd(&["check", "4", "guard"]), ["check", "4", "guard"]);
        assert_eq!(fwd(&["check", "05"]), ["check", "05"]);
        assert_eq!(fwd(&["list"]), ["list"]);
        assert_eq!(fwd(&["--help"]), ["--help"]);
        assert_eq!(fwd(&["book", "--open"]), ["book", "--open"]);
    }
}
