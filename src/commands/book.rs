//! `book`: build the book into `target/book` and say how to open it.

use std::path::Path;
use std::process::{Command, Stdio};

use super::Outcome;
use crate::book;
use crate::cargo::{self, Invocation};
use crate::error::{Error, Result};
use crate::say;
use crate::ui::Ui;

pub fn run(ui: &Ui, root: &Path, open: bool, check: bool) -> Result<Outcome> {
    let output = book::default_output(root);
    if !book::builder_is_built(root) {
        say!("building the book builder (first time only, about a minute)…");
    }
    say!("Building the book from book/ into target/book ...");
    let mut activity = ui.activity(&format!("cargo run -p {}", book::BUILDER));
    let html = book::build(root, &output, &mut |step| activity.step(&step.describe()));
    activity.finish();
    let html = html?;
    let index = html.join("index.html");
    let url = file_url(&index);
    say!("{} The book is built: {}", ui.tick(), index.display());
    if open && try_open(&url) {
        say!("Opened {url} in your browser.");
    } else {
        if open {
            say!("Could not start a browser from here.");
        }
        say!("Open it in your browser: {url}");
    }
    if check {
        return check_in_a_browser(ui, root, &html);
    }
    Ok(Outcome::Success)
}

/// `cargo run -p book-check -- HTML --screenshots target/book-check`, its output shown as it
/// comes: a line per page, then the problems. Run through cargo for the same reason as the
/// builder: a learner's first `cargo run` never compiles it.
fn check_in_a_browser(ui: &Ui, root: &Path, html: &Path) -> Result<Outcome> {
    let screenshots = root.join("target").join("book-check");
    say!("Checking every page in headless Chromium (cargo run -p book-check) ...");
    let args: Vec<std::ffi::OsString> = vec![
        "run".into(),
        "--quiet".into(),
        "--package".into(),
        "book-check".into(),
        "--".into(),
        html.into(),
        "--screenshots".into(),
        screenshots.clone().into(),
    ];
    // The checker's lines (a page each, then the problems) are shown as they come; its last
    // `error: ...` line becomes this command's error below instead.
    let ran = cargo::run(&Invocation::new(root, args), &mut |line| {
        if !line.starts_with("error: ") {
            say!("{line}");
        }
    })?;
    if ran.success() {
        say!(
            "{} Every page of the book passed the browser check.",
            ui.tick()
        );
        Ok(Outcome::Success)
    } else {
        // The checker ends with `error: N problems in the book ...` when it ran; any other
        // last error (no Chromium, a bad folder) means it could not check at all.
        let last_error = ran
            .text
            .lines()
            .rev()
            .find_map(|line| line.strip_prefix("error: "));
        match last_error {
            Some(reason) if !reason.contains("problems in the book") => Err(Error::new(format!(
                "the browser check could not run: {reason}"
            ))),
            Some(reason) => Err(Error::new(format!(
                "the browser check found {reason}; screenshots are in {}",
                screenshots.display()
            ))),
            None => Err(Error::new(format!(
                "the browser check failed without saying why (the whole output: {})",
                ran.text.trim()
            ))),
        }
    }
}

/// `file:///path/to/index.html`, with the characters a URL cannot hold escaped.
fn file_url(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let mut url = String::from(if text.starts_with('/') {
        "file://"
    } else {
        "file:///"
    });
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"/-_.~:".contains(&byte) {
            url.push(char::from(byte));
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
    url
}

/// Asks the desktop to open `url`; `false` when there is no way to.
fn try_open(url: &str) -> bool {
    let attempts: &[(&str, &[&str])] = if cfg!(target_os = "macos") {
        &[("open", &[])]
    } else if cfg!(windows) {
        &[("cmd", &["/C", "start", ""])]
    } else {
        &[("xdg-open", &[]), ("gio", &["open"])]
    };
    attempts.iter().any(|(program, args)| {
        Command::new(program)
            .args(*args)
            .arg(url)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    })
}

#[cfg(test)]
mod tests {
    use super::file_url;
    use std::path::Path;

    #[test]
    fn file_urls_escape_spaces() {
        assert_eq!(
            file_url(Path::new("/home/a b/target/book/index.html")),
            "file:///home/a%20b/target/book/index.html"
        );
    }
}
