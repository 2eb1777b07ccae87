//! Building an exercise's tests in the assembled workspace, with no time limit (compiling is
//! not the learner's code hanging): `cargo test --no-run --message-format=json`. Reads which
//! test executables came out, and the compile errors by target, so that an error in a
//! hidden test is reported without its text.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::GradeError;

/// A test executable of an exercise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Executable {
    /// The test target's name: `graded`, `hidden_extra`.
    pub target: String,
    pub path: PathBuf,
    /// Whether it is a test target (run) or a binary the tests start (only checked).
    pub is_test: bool,
    /// SHA-256 of the file right after the build.
    pub hash: String,
}

/// One compile error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    /// The target it belongs to (`exercise_04` for the library, `graded`, `hidden_x`).
    pub target: String,
    /// The target's kinds (`lib`, `test`, `bin`).
    pub kinds: Vec<String>,
    /// The compiler's text.
    pub rendered: String,
}

/// What building one exercise gave.
#[derive(Debug, Clone, Default)]
pub struct Built {
    pub executables: Vec<Executable>,
    pub errors: Vec<CompileError>,
    /// cargo reported success.
    pub success: bool,
    /// cargo's own error lines (not the compiler's), for a build that failed without any.
    pub cargo_errors: Vec<String>,
}

/// The cargo to run: `$CARGO` when there is one (we run under cargo), else `cargo`.
pub fn cargo() -> std::ffi::OsString {
    course::cargo::cargo_program()
}

/// SHA-256 of a file, hex.
pub fn hash_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Builds the tests (and binaries) of `package` in `work`, into `target_dir`.
///
/// `--tests` leaves the examples out: they are not graded, and two packages with an example
/// of the same name (the labs of exercises 01 and 18 are both `lab`) share one file in
/// `examples/`, so building one would change the other's executable between build and run.
pub fn build(
    work: &Path,
    target_dir: &Path,
    package: &str,
    on_line: &mut dyn FnMut(&str),
) -> Result<Built, GradeError> {
    let mut child = Command::new(cargo())
        .args([
            "test",
            "--no-run",
            "--tests",
            "--no-fail-fast",
            "--message-format=json",
            "--package",
            package,
        ])
        .current_dir(work)
        .env("CARGO_TARGET_DIR", target_dir)
        // Each submission is built once, as verify builds a mutant: no incremental caches,
        // no debug info.
        .envs(course::cargo::THROWAWAY_BUILD)
        .env("CARGO_TERM_COLOR", "never")
        .env("CARGO_TERM_PROGRESS_WHEN", "never")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_BUILD_RUSTFLAGS")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            GradeError::new(if e.kind() == std::io::ErrorKind::NotFound {
                "cargo not found: install Rust from https://rustup.rs and try again".to_owned()
            } else {
                format!("cannot start cargo: {e}")
            })
        })?;
    let stderr = child.stderr.take().expect("piped");
    let errors_thread = std::thread::spawn(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            lines.push(line);
        }
        lines
    });
    let mut built = Built::default();
    let stdout = child.stdout.take().expect("piped");
    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
        let Ok(message) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        read_message(&message, package, &mut built, on_line);
    }
    let status = child
        .wait()
        .map_err(|e| GradeError::new(format!("lost track of cargo: {e}")))?;
    let stderr_lines = errors_thread.join().unwrap_or_default();
    built.success = built.success && status.success();
    built.cargo_errors = stderr_lines
        .into_iter()
        .filter(|l| l.trim_start().starts_with("error"))
        .collect();
    for exe in &mut built.executables {
        exe.hash = hash_file(&exe.path).map_err(|e| {
            GradeError::new(format!("cannot read the built {}: {e}", exe.path.display()))
        })?;
    }
    Ok(built)
}

fn read_message(message: &Value, package: &str, built: &mut Built, on_line: &mut dyn FnMut(&str)) {
    let reason = message["reason"].as_str().unwrap_or("");
    let target_name = message["target"]["name"].as_str().unwrap_or("").to_owned();
    let kinds: Vec<String> = message["target"]["kind"]
        .as_array()
        .map(|k| {
            k.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let ours = message["package_id"]
        .as_str()
        .is_some_and(|id| package_id_is(id, package));
    match reason {
        "compiler-artifact" => {
            let name = message["target"]["name"].as_str().unwrap_or("?");
            on_line(&format!("compiled {name}"));
            if !ours {
                return;
            }
            if let Some(path) = message["executable"].as_str() {
                let is_test = message["profile"]["test"].as_bool().unwrap_or(false)
                    && kinds.iter().any(|k| k == "test");
                built.executables.push(Executable {
                    target: target_name,
                    path: PathBuf::from(path),
                    is_test,
                    hash: String::new(),
                });
            }
        }
        "compiler-message" if message["message"]["level"].as_str() == Some("error") => {
            let rendered = message["message"]["rendered"]
                .as_str()
                .unwrap_or("")
                .trim_end()
                .to_owned();
            built.errors.push(CompileError {
                target: target_name,
                kinds,
                rendered,
            });
        }
        "build-finished" => {
            built.success = message["success"].as_bool().unwrap_or(false);
        }
        _ => {}
    }
}

/// Does cargo's package id (`path+file:///.../exercise-04-spin-lock#exercise-04@0.1.0`, or
/// the older `exercise-04 0.1.0 (path+file://...)`) name `package`?
fn package_id_is(id: &str, package: &str) -> bool {
    if id.starts_with(&format!("{package} ")) {
        return true;
    }
    let Some((url, tail)) = id.rsplit_once('#') else {
        return false;
    };
    match tail.split_once('@') {
        Some((name, _)) => name == package,
        // `...#0.1.0`: the package is named like its folder.
        None => url.rsplit('/').next() == Some(package),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_ids_old_and_new() {
        assert!(package_id_is(
            "path+file:///w/exercises/exercise-04-spin-lock#exercise-04@0.1.0",
            "exercise-04"
        ));
        assert!(package_id_is(
            "exercise-04 0.1.0 (path+file:///w/exercises/exercise-04-spin-lock)",
            "exercise-04"
        ));
        assert!(!package_id_is(
            "path+file:///w/crates/sync-shim#0.1.0",
            "exercise-04"
        ));
        assert!(!package_id_is(
            "path+file:///w/exercises/exercise-04-spin-lock#exercise-040@0.1.0",
            "exercise-04"
        ));
    }
}
