//! `book-builder ROOT OUTPUT [--check-links]`: builds the book of the course at ROOT into
//! OUTPUT. The course tool runs it through cargo for `cargo run -- book`.
//!
//! On success the last line of stdout is `built: <directory of the HTML pages>`; on failure
//! one line `error: ...` goes to stderr and the exit code is 1 (2 for bad arguments).

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: book-builder ROOT OUTPUT [--check-links]
  ROOT           the course repository (the folder with course.toml and book/)
  OUTPUT         where to write the book (the course tool uses ROOT/target/book)
  --check-links  also check that every internal link of the built book leads somewhere";

fn main() -> ExitCode {
    let mut check_links = false;
    let mut paths = Vec::new();
    for arg in std::env::args_os().skip(1) {
        if arg == "--check-links" {
            check_links = true;
        } else if arg.to_string_lossy().starts_with('-') {
            eprintln!("error: unknown option {arg:?}\n\n{USAGE}");
            return ExitCode::from(2);
        } else {
            paths.push(PathBuf::from(arg));
        }
    }
    let [root, output] = paths.as_slice() else {
        eprintln!("error: expected ROOT and OUTPUT\n\n{USAGE}");
        return ExitCode::from(2);
    };
    let html = match book_builder::build(root, output) {
        Ok(html) => html,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(1);
        }
    };
    if check_links {
        match book_builder::broken_links(&html) {
            Ok(broken) if broken.is_empty() => {}
            Ok(broken) => {
                for link in &broken {
                    eprintln!("broken link: {link}");
                }
                eprintln!("error: {} broken links in the built book", broken.len());
                return ExitCode::from(1);
            }
            Err(e) => {
                eprintln!(
                    "error: cannot read the built book in {}: {e}",
                    html.display()
                );
                return ExitCode::from(1);
            }
        }
    }
    println!("built: {}", html.display());
    ExitCode::SUCCESS
}
