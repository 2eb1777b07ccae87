//! The book: `cargo run -- book` builds it with the `book-builder` package
//! (`crates/book-builder`), run through cargo. The mdBook stack is big, so the course tool
//! does not depend on it: it is compiled the first time the book is wanted, not before the
//! first dashboard.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::cargo::{self, Invocation};
use crate::error::{Error, Result};
use crate::suite::Step;

/// `book/` under `root`.
pub fn source_dir(root: &Path) -> PathBuf {
    root.join("book")
}

/// `target/book` under `root`: where `cargo run -- book` builds.
pub fn default_output(root: &Path) -> PathBuf {
    root.join("target").join("book")
}

/// The package that builds the book.
pub const BUILDER: &str = "book-builder";

/// Has the book builder been compiled already (in the target directory cargo will use)?
/// Only decides whether to warn that the first build takes a while.
pub fn builder_is_built(root: &Path) -> bool {
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    };
    target
        .join("debug")
        .join(format!("{BUILDER}{}", std::env::consts::EXE_SUFFIX))
        .is_file()
}

/// `cargo run -p book-builder -- ROOT OUTPUT`, from `root`.
pub fn invocation(root: &Path, output: &Path) -> Invocation {
    let args: Vec<OsString> = vec![
        "run".into(),
        "--package".into(),
        BUILDER.into(),
        "--bin".into(),
        BUILDER.into(),
        "--".into(),
        root.into(),
        output.into(),
    ];
    Invocation::new(root, args)
}

/// Builds the book of `root` into `output` (compiling the builder first if needed) and
/// returns the directory of the HTML pages. `on_step` hears what cargo is compiling.
pub fn build(root: &Path, output: &Path, on_step: &mut dyn FnMut(&Step)) -> Result<PathBuf> {
    if !source_dir(root).join("book.toml").is_file() {
        return Err(Error::new(format!(
            "the book is not there yet: {} is missing",
            source_dir(root).join("book.toml").display()
        )));
    }
    let invocation = invocation(root, output);
    let ran = cargo::run(&invocation, &mut |line| {
        match Step::from_line(line) {
            // cargo's `Running `target/debug/book-builder ...``: not a test target.
            Some(Step::Running(_)) => on_step(&Step::Running("the book builder".to_owned())),
            Some(step) => on_step(&step),
            None => {}
        }
    })?;
    let built = ran
        .text
        .lines()
        .rev()
        .find_map(|line| line.strip_prefix("built: "));
    match built {
        Some(html) if ran.success() => Ok(PathBuf::from(html)),
        _ => {
            let reason = ran
                .text
                .lines()
                .rev()
                .find_map(|line| line.strip_prefix("error: "))
                .unwrap_or("it stopped without saying why");
            Err(Error::new(format!(
                "the book did not build: {reason} (the whole output: {})",
                invocation.display()
            )))
        }
    }
}
