//! The book builds with the library of `crates/book-builder` (whose binary `cargo run -- book`
//! runs), and every internal link of the built HTML leads somewhere: the file exists and its
//! `#fragment` is an id in it. Then every page is loaded in headless Chromium
//! (`crates/book-check`): console errors, images and SVGs, links and anchors of the live
//! DOM, clipped code blocks and wide tables at 1280 px, search and the puzzles. Without
//! Chromium that part is skipped with a line saying so, unless CI is set: then it fails.

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
    // The puzzles' sources hold their winning schedules: the pages embed them without.
    let published_sources = html.join("puzzles");
    assert!(
        !published_sources.exists(),
        "the built book publishes the puzzles' TOML (with their solutions) in {}",
        published_sources.display()
    );
    check_in_a_browser(root, &html);
}

fn check_in_a_browser(root: &Path, html: &Path) {
    if let Err(missing) = book_check::find_chromium() {
        if std::env::var_os("CI").is_some() {
            panic!("the browser check of the book cannot run: {missing}");
        }
        eprintln!("skipped: {missing} (the browser check of the book; CI fails here)");
        return;
    }
    let screenshots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("book-check");
    let mut options = book_check::Options::new(html, &screenshots);
    options.puzzles_dir = Some(root.join("book").join("src").join("puzzles"));
    let report = book_check::check(&options, &mut |_| {})
        .unwrap_or_else(|e| panic!("the browser check of the book did not run: {e}"));
    let lines: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
    let shots: Vec<String> = report
        .screenshots
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    assert!(
        report.problems.is_empty(),
        "{} problems in the book in Chromium ({} pages, {:.1} s):\n  {}\nscreenshots:\n  {}",
        report.problems.len(),
        report.pages.len(),
        report.elapsed.as_secs_f64(),
        lines.join("\n  "),
        shots.join("\n  ")
    );
}
