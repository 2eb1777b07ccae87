//! `book-check BOOK_HTML_DIR [--root REPO_ROOT] [--screenshots DIR] [--print]`: loads every
//! page of the built book in headless Chromium and reports what a reader would see broken.
//! Exit code 0 when the book is clean, 1 when it has problems (or the check could not run),
//! 2 for bad arguments.

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str =
    "usage: book-check BOOK_HTML_DIR [--root REPO_ROOT] [--screenshots DIR] [--print]
  BOOK_HTML_DIR      the built book (the folder with index.html), e.g. target/book
  --root REPO_ROOT   the course repository, for the puzzles' sources in book/src/puzzles/
                     (default: the current folder)
  --screenshots DIR  where to write the screenshots (default: REPO_ROOT/target/book-check)
  --print            also check mdBook's print.html (every chapter again on one page)
Chromium: Debian's `chromium` on the PATH, or CHROMIUM=/path/to/chromium.";

/// On Ctrl+C (or a kill) no destructor runs: kill Chromium, then die of the signal.
extern "C" fn on_signal(signal: libc::c_int) {
    book_check::cdp::kill_running();
    // SAFETY: `signal` and `raise` are async-signal-safe; the default action ends the
    // process as the signal would have.
    unsafe {
        libc::signal(signal, libc::SIG_DFL);
        libc::raise(signal);
    }
}

fn main() -> ExitCode {
    for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: `on_signal` only calls async-signal-safe functions.
        unsafe {
            libc::signal(signal, on_signal as *const () as libc::sighandler_t);
        }
    }
    let mut args = std::env::args_os().skip(1);
    let mut book = None;
    let mut root = None;
    let mut screenshots = None;
    let mut print_page = false;
    while let Some(arg) = args.next() {
        let text = arg.to_string_lossy().into_owned();
        match text.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            "--root" | "--screenshots" => {
                let Some(value) = args.next() else {
                    eprintln!("error: {text} needs a folder\n\n{USAGE}");
                    return ExitCode::from(2);
                };
                if text == "--root" {
                    root = Some(PathBuf::from(value));
                } else {
                    screenshots = Some(PathBuf::from(value));
                }
            }
            "--print" => print_page = true,
            _ if text.starts_with('-') => {
                eprintln!("error: unknown option {text}\n\n{USAGE}");
                return ExitCode::from(2);
            }
            _ if book.is_none() => book = Some(PathBuf::from(arg)),
            _ => {
                eprintln!("error: one book folder only, got a second: {text}\n\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let Some(book) = book else {
        eprintln!("error: which book? Give the built book's folder\n\n{USAGE}");
        return ExitCode::from(2);
    };
    let root = root.unwrap_or_else(|| PathBuf::from("."));
    let mut options = book_check::Options::new(
        book,
        screenshots.unwrap_or_else(|| root.join("target").join("book-check")),
    );
    options.puzzles_dir = Some(root.join("book").join("src").join("puzzles"));
    options.print_page = print_page;
    let report = match book_check::check(&options, &mut |line| println!("{line}")) {
        Ok(report) => report,
        Err(book_check::Error::Stopped {
            error,
            problems,
            unchecked,
        }) => {
            // What it found before it stopped, then what it did not check, then why.
            for problem in &problems {
                eprintln!("problem: {problem}");
            }
            eprintln!("not checked: {}", unchecked.join("; "));
            eprintln!(
                "error: {error}\nthe check stopped there, with {} problems found before",
                problems.len()
            );
            return ExitCode::from(1);
        }
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(1);
        }
    };
    for (word, found) in &report.searches {
        println!("search `{word}`: {found} results");
    }
    if !report.puzzles.is_empty() {
        println!("puzzles played: {}", report.puzzles.join(", "));
    }
    for shot in &report.screenshots {
        println!("screenshot: {}", shot.display());
    }
    let summary = format!(
        "{} pages checked in {:.1} s",
        report.pages.len(),
        report.elapsed.as_secs_f64()
    );
    if report.problems.is_empty() {
        println!("ok: {summary}, no problems");
        return ExitCode::SUCCESS;
    }
    for problem in &report.problems {
        eprintln!("problem: {problem}");
    }
    eprintln!(
        "error: {} problems in the book ({summary})",
        report.problems.len()
    );
    ExitCode::from(1)
}
