//! The Pages workflow (`.github/workflows/book.yml`) publishes what the course's own commands
//! build and check. GitHub runs it, not this suite; these checks keep it pointing at commands
//! and folders that exist, so a rename here cannot silently stop the book from publishing.

use std::path::Path;

fn workflow() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(".github/workflows/book.yml");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("the Pages workflow {} is unreadable: {e}", path.display()))
}

#[test]
fn the_workflow_publishes_on_every_push_to_main() {
    let text = workflow();
    assert!(
        text.contains("on:\n  push:\n    branches: [main]"),
        "book.yml must run on every push to main"
    );
    for needed in ["pages: write", "id-token: write", "actions/deploy-pages@"] {
        assert!(text.contains(needed), "book.yml lacks `{needed}`");
    }
}

#[test]
fn the_workflow_builds_checks_and_uploads_the_book_the_tool_builds() {
    let text = workflow();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let build = text
        .find("run: cargo run --locked -- book")
        .expect("book.yml must build with the course tool's `cargo run -- book`");
    let check = text
        .find("cargo run --locked -p book-check -- target/book")
        .expect("book.yml must check the built book in a browser before deploying");
    let upload = text
        .find("actions/upload-pages-artifact@")
        .expect("book.yml must upload the book as the Pages artifact");
    assert!(
        build < check && check < upload,
        "book.yml must build, then check, then upload"
    );
    assert!(
        text[upload..].contains("path: target/book"),
        "the Pages artifact must be target/book, where `cargo run -- book` writes"
    );
    assert_eq!(
        course::book::default_output(root),
        root.join("target").join("book"),
        "`cargo run -- book` no longer writes to target/book: update book.yml"
    );
    assert!(
        root.join("crates/book-check/Cargo.toml").is_file(),
        "book.yml runs the package book-check, which is not in crates/"
    );
}
