//! The book builds with the library of `crates/book-builder` (whose binary `cargo run -- book`
//! runs), and every internal link of the built HTML leads somewhere: the file exists and its
//! `#fragment` is an id in it.

use std::path::Path;

#[test]
fn the_book_builds_and_has_no_broken_internal_links() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // Not target/book: a learner's built book is theirs.
    let output = Path::new(env!("CARGO_TARGET_TMPDIR")).join("course-book");
    let _ = std::fs::remove_dir_all(&output);
    let html = book_builder::build(root, &output).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        html.join("index.html").is_file(),
        "the build wrote no index.html in {}",
        html.display()
    );
    let broken = book_builder::broken_links(&html)
        .unwrap_or_else(|e| panic!("cannot read the built book in {}: {e}", html.display()));
    let lines: Vec<String> = broken.iter().map(ToString::to_string).collect();
    assert!(
        broken.is_empty(),
        "{} broken links in the built book ({}):\n  {}",
        broken.len(),
        html.display(),
        lines.join("\n  ")
    );
}
