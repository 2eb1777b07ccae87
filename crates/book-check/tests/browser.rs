//! The check against a tiny fixture book (tests/fixture/book, built with the course's own
//! builder): clean, it passes, puzzles included; each kind of breakage makes it fail with a
//! message naming the page and the element. Without Chromium these tests say "skipped" and
//! pass, except under CI (the environment variable CI set), where they fail with the hint.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use book_check::{Options, Report};

fn fixture_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixture")
}

/// The fixture book, built once per test binary.
fn built() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let output = Path::new(env!("CARGO_TARGET_TMPDIR")).join("book-check-fixture");
        let _ = fs::remove_dir_all(&output);
        book_builder::build(&fixture_root(), &output).unwrap_or_else(|e| panic!("{e}"))
    })
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create the copy");
    for entry in fs::read_dir(from).expect("read the built fixture") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// A fresh copy of the built fixture for one test to break.
fn copy(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("book-check-{name}"));
    let _ = fs::remove_dir_all(&dir);
    copy_dir(built(), &dir);
    dir
}

fn edit(file: &Path, from: &str, to: &str) {
    let text = fs::read_to_string(file).expect("read the page");
    assert!(text.contains(from), "{} has no `{from}`", file.display());
    fs::write(file, text.replacen(from, to, 1)).expect("write the page");
}

/// Runs the check on `html` with the puzzles of `puzzles` (the fixture's by default), or
/// `None` when there is no Chromium and CI is not set.
fn run_with(html: &Path, puzzles: Option<PathBuf>) -> Option<Report> {
    run_options(html, puzzles, false)
}

/// `Some(())` when Chromium is there; `None` (the test is skipped) when it is not and CI is
/// not set.
fn chromium_or_skip() -> Option<()> {
    if let Err(missing) = book_check::find_chromium() {
        if std::env::var_os("CI").is_some() {
            panic!("{missing}");
        }
        eprintln!("skipped: {missing}");
        return None;
    }
    Some(())
}

fn run_options(html: &Path, puzzles: Option<PathBuf>, print_page: bool) -> Option<Report> {
    chromium_or_skip()?;
    let shots = html.with_extension("shots");
    let mut options = Options::new(html, &shots);
    options.puzzles_dir = Some(puzzles.unwrap_or_else(|| fixture_root().join("puzzles")));
    options.print_page = print_page;
    let report = book_check::check(&options, &mut |line| eprintln!("{line}"))
        .unwrap_or_else(|e| panic!("the check did not run: {e}"));
    for problem in &report.problems {
        eprintln!("problem: {problem}");
    }
    Some(report)
}

fn run(html: &Path) -> Option<Report> {
    run_with(html, None)
}

/// The problem of `page` whose message contains `text`, or a panic listing them all.
fn assert_problem(report: &Report, page: &str, text: &str) {
    let found = report
        .problems
        .iter()
        .any(|p| p.page == page && p.message.contains(text));
    let all: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
    assert!(
        found,
        "expected a problem on {page} containing `{text}`, got:\n  {}",
        all.join("\n  ")
    );
}

#[test]
fn the_clean_fixture_passes_with_its_puzzles_search_and_screenshots() {
    let html = copy("clean");
    let Some(report) = run(&html) else { return };
    let all: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
    assert!(
        report.problems.is_empty(),
        "problems:\n  {}",
        all.join("\n  ")
    );
    for page in [
        "index.html",
        "introduction.html",
        "part-2/races.html",
        "part-6/diagrams.html",
    ] {
        assert!(
            report.pages.iter().any(|p| p == page),
            "{page} not checked: {:?}",
            report.pages
        );
    }
    assert_eq!(report.puzzles, ["race", "fixed"]);
    assert!(
        report
            .searches
            .iter()
            .any(|(word, n)| word == "loom" && *n > 0),
        "{:?}",
        report.searches
    );
    assert!(
        report
            .searches
            .iter()
            .any(|(word, n)| word == book_check::NONSENSE_WORD && *n == 0),
        "{:?}",
        report.searches
    );
    let names: Vec<String> = report
        .screenshots
        .iter()
        .map(|p| {
            p.file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    for name in [
        "index.png",
        "part-2-races.png",
        "part-6-diagrams.png",
        "phone-375-part-2-races.png",
        "navy-part-2-races.png",
    ] {
        assert!(names.iter().any(|n| n == name), "no {name} in {names:?}");
    }
    for shot in &report.screenshots {
        let bytes = fs::read(shot).expect("read the screenshot");
        assert!(
            bytes.starts_with(b"\x89PNG"),
            "{} is no PNG",
            shot.display()
        );
    }
}

#[test]
fn a_missing_image_fails_naming_the_page_and_the_image() {
    let html = copy("missing-image");
    fs::remove_file(html.join("part-2/img/race.svg")).expect("delete the image");
    let Some(report) = run(&html) else { return };
    assert_problem(
        &report,
        "part-2/races.html",
        "image `img/race.svg` did not load",
    );
    assert!(
        report
            .screenshots
            .iter()
            .any(|p| p.ends_with("failed-part-2-races.png")),
        "no screenshot of the failing page: {:?}",
        report.screenshots
    );
}

#[test]
fn an_svg_that_is_not_well_formed_fails() {
    let html = copy("bad-svg");
    edit(&html.join("part-6/img/timeline.svg"), "</svg>", "</svg");
    let Some(report) = run(&html) else { return };
    assert_problem(&report, "part-6/img/timeline.svg", "not well-formed");
    assert_problem(
        &report,
        "part-6/diagrams.html",
        "image `img/timeline.svg` did not load",
    );
}

#[test]
fn a_script_that_throws_fails_with_the_exception() {
    let html = copy("console-error");
    edit(
        &html.join("introduction.html"),
        "</body>",
        "<script>throw new Error('fixture exception')</script></body>",
    );
    let Some(report) = run(&html) else { return };
    assert_problem(&report, "introduction.html", "fixture exception");
}

#[test]
fn a_link_to_a_missing_anchor_fails() {
    let html = copy("anchor");
    edit(
        &html.join("introduction.html"),
        "part-2/races.html#the-race",
        "part-2/races.html#no-such-anchor",
    );
    let Some(report) = run(&html) else { return };
    assert_problem(
        &report,
        "introduction.html",
        "no id=\"no-such-anchor\" in part-2/races.html",
    );
}

#[test]
fn a_code_block_wider_than_the_column_fails() {
    let html = copy("wide-pre");
    let long = "a_very_long_identifier ".repeat(12);
    edit(
        &html.join("part-2/races.html"),
        "<pre><code",
        &format!("<pre><code>{long}</code></pre>\n<pre><code"),
    );
    let Some(report) = run(&html) else { return };
    assert_problem(&report, "part-2/races.html", "has a scroll bar at 1280 px");
}

/// Rewrites the copy's search index as it loads: `change` is the body of a function of the
/// parsed index, `config`, that returns it.
fn edit_search_index(html: &Path, change: &str) {
    let index = fs::read_dir(html)
        .expect("read the copy")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("searchindex"))
                && p.extension().is_some_and(|e| e == "js")
        })
        .expect("a searchindex-*.js");
    edit(
        &index,
        "Object.assign(window.search, JSON.parse(",
        &format!("Object.assign(window.search, (config => {{ {change} }})(JSON.parse("),
    );
    let text = fs::read_to_string(&index).expect("read the index");
    let text = text
        .trim_end()
        .strip_suffix(");")
        .expect("the index ends with `);`");
    fs::write(&index, format!("{text}));")).expect("write the index");
}

#[test]
fn a_search_that_finds_nothing_fails() {
    let html = copy("search");
    // The search index emptied as it loads (every word's entry of its inverted index
    // removed); the pages still contain the words.
    edit_search_index(
        &html,
        "for (const field of Object.values(config.index.index)) \
         field.root = { df: 0, docs: {} }; return config;",
    );
    let Some(report) = run(&html) else { return };
    assert_problem(
        &report,
        "index.html (search)",
        "searching for `loom` found nothing, though the book contains the word",
    );
}

#[test]
fn puzzle_buttons_that_do_nothing_fail_the_check_by_hand() {
    let html = copy("buttons");
    let script = widget_script(&html);
    edit(
        &script,
        "addEventListener('click'",
        "addEventListener('dblclick'",
    );
    let Some(report) = run(&html) else { return };
    let page = "part-2/races.html (puzzle `race` by hand)";
    assert_problem(
        &report,
        page,
        "clicking the buttons [A, B, A, B] of puzzle `race` did not win",
    );
    assert_problem(&report, page, "pressing Enter on the buttons [A, B, A, B]");
}

#[test]
fn a_wrong_solution_and_a_puzzle_on_no_page_fail() {
    let html = copy("puzzles");
    let sources = sources_with(
        &html,
        &[
            (
                "race",
                "id = \"race\"\nkind = \"find\"\nsolution = [\"A\", \"A\", \"B\", \"B\"]\n",
            ),
            (
                "fixed",
                "id = \"fixed\"\nkind = \"find\"\nsolution = [\"A\", \"B\"]\n",
            ),
            ("elsewhere", "id = \"elsewhere\"\nkind = \"safe\"\n"),
        ],
    );
    let Some(report) = run_with(&html, Some(sources.clone())) else {
        return;
    };
    assert_problem(
        &report,
        "part-2/races.html",
        "puzzle `race`: playing its solution [A, A, B, B] does not win",
    );
    assert_problem(
        &report,
        "part-2/races.html",
        "puzzle `fixed` is \"find\" but explore() says",
    );
    let elsewhere = sources.join("elsewhere.toml").display().to_string();
    assert_problem(&report, &elsewhere, "puzzle `elsewhere` is on no page");
}

#[test]
fn a_safe_puzzle_whose_search_stops_early_is_not_called_safe() {
    let html = copy("short-search");
    let script = widget_script(&html);
    // A search that gives up after one state has not shown that the bad state is unreachable.
    edit(&script, "(limit || 1000)", "1");
    // The fixture's own sources: `race` wins, `fixed` is safe.
    let sources = sources_with(&html, &[]);
    let Some(report) = run_with(&html, Some(sources)) else {
        return;
    };
    assert_problem(
        &report,
        "part-2/races.html",
        "puzzle `fixed` is \"safe\" but explore() stopped after 1 states",
    );
}

#[test]
fn a_bad_puzzle_file_is_an_error_naming_it() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("book-check-bad-puzzle");
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create");
    fs::write(dir.join("oops.toml"), "id = \"oops\"\nkind = \"find\"\n").expect("write");
    let error = book_check::read_puzzles(&dir).expect_err("no solution");
    let text = error.to_string();
    assert!(
        text.contains("oops.toml") && text.contains("solution"),
        "{text}"
    );
    fs::write(dir.join("oops.toml"), "id = [").expect("write");
    let text = book_check::read_puzzles(&dir)
        .expect_err("not TOML")
        .to_string();
    assert!(
        text.contains("bad puzzle file") && text.contains("oops.toml"),
        "{text}"
    );
}

/// The copy's theme/puzzles-HASH.js (the fake widget).
fn widget_script(html: &Path) -> PathBuf {
    fs::read_dir(html.join("theme"))
        .expect("read theme/")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().contains("puzzles"))
        .expect("theme/puzzles-*.js")
}

#[test]
fn a_find_puzzle_won_before_any_step_fails() {
    let html = copy("won-at-start");
    // `win` that already holds in the starting state (count = 0).
    edit(
        &widget_script(&html),
        "const won = s => finished(s) && s.count === 1;",
        "const won = s => s.count <= 1;",
    );
    let Some(report) = run(&html) else { return };
    assert_problem(
        &report,
        "part-2/races.html",
        "puzzle `race` is won before any step",
    );
}

#[test]
fn a_widget_script_that_does_not_run_is_a_problem_of_the_pages_not_a_crash() {
    let html = copy("no-widget");
    edit(
        &widget_script(&html),
        "window.coursePuzzles = api;",
        "window.coursePuzzles = undefined;",
    );
    let Some(report) = run(&html) else { return };
    assert_problem(
        &report,
        "part-2/races.html",
        "the page has puzzles (race, fixed) but no window.coursePuzzles",
    );
}

#[test]
fn the_print_page_with_a_puzzle_twice_is_not_a_mismatch_of_ids() {
    let html = copy("print");
    // print.html holds every chapter; a chapter's puzzle that the puzzles page also
    // includes is there twice, and coursePuzzles.ids() names it once.
    let print = html.join("print.html");
    let text = fs::read_to_string(&print).expect("read print.html");
    let start = text
        .find("<div class=\"puzzle\" id=\"puzzle-race\"")
        .expect("the race puzzle on print.html");
    let end = start + text[start..].find("</div>").expect("its end") + "</div>".len();
    let twice = format!("{}\n{}", &text[..end], &text[start..]);
    fs::write(&print, twice).expect("write print.html");
    let Some(report) = run_options(&html, None, true) else {
        return;
    };
    assert!(
        report.pages.iter().any(|p| p == "print.html"),
        "{:?}",
        report.pages
    );
    // (The fixture's <object> SVG does not load on print.html: mdBook rewrites the paths
    // of images and links for that page, not of <object data>. Not this test's point.)
    let ids: Vec<String> = report
        .problems
        .iter()
        .filter(|p| p.page == "print.html" && p.message.contains("coursePuzzles.ids()"))
        .map(ToString::to_string)
        .collect();
    assert!(ids.is_empty(), "{ids:?}");
}

/// Writes the fixture's puzzle sources, plus `extra` ("id", "toml text"), into a folder
/// next to `html`.
fn sources_with(html: &Path, extra: &[(&str, &str)]) -> PathBuf {
    let sources = html.with_extension("puzzles");
    let _ = fs::remove_dir_all(&sources);
    copy_dir(&fixture_root().join("puzzles"), &sources);
    for (id, text) in extra {
        fs::write(sources.join(format!("{id}.toml")), text).expect("write a puzzle source");
    }
    sources
}

/// A second "find" puzzle, `second-race`, on part-6/diagrams.html (the fake widget plays it
/// like `race`).
fn add_second_find_puzzle(html: &Path) -> PathBuf {
    edit(
        &html.join("part-6/diagrams.html"),
        "<h1 id=\"diagrams\">",
        "<div class=\"puzzle\" id=\"puzzle-second-race\" data-puzzle=\"second-race\">\n\
         <p>The race once more.</p>\n\
         <button type=\"button\" data-thread=\"A\">Step A</button>\n\
         <button type=\"button\" data-thread=\"B\">Step B</button>\n\
         <p role=\"status\" aria-live=\"polite\"></p>\n</div>\n<h1 id=\"diagrams\">",
    );
    sources_with(
        html,
        &[(
            "second-race",
            "id = \"second-race\"\nkind = \"find\"\nsolution = [\"A\", \"B\", \"A\", \"B\"]\n",
        )],
    )
}

#[test]
fn buttons_broken_in_one_puzzle_only_fail_though_it_is_not_the_first() {
    let html = copy("one-puzzle-broken");
    let sources = add_second_find_puzzle(&html);
    // The widget's buttons do nothing in `second-race` only; `race` (the first) works.
    edit(
        &widget_script(&html),
        "button.addEventListener('click'",
        "if (id !== 'second-race') button.addEventListener('click'",
    );
    let Some(report) = run_with(&html, Some(sources)) else {
        return;
    };
    let page = "part-6/diagrams.html (puzzle `second-race` by hand)";
    assert_problem(
        &report,
        page,
        "clicking the buttons [A, B, A, B] of puzzle `second-race` did not win",
    );
    assert_problem(&report, page, "pressing Enter on the buttons [A, B, A, B]");
    assert!(
        !report
            .problems
            .iter()
            .any(|p| p.page.contains("puzzle `race` by hand")),
        "{:?}",
        report.problems
    );
}

#[test]
fn a_win_announced_in_a_hidden_status_fails() {
    let html = copy("hidden-status");
    // The status of `race` (the first on the page) is never shown; its text still changes.
    edit(
        &html.join("part-2/races.html"),
        "<p role=\"status\" aria-live=\"polite\">",
        "<p role=\"status\" aria-live=\"polite\" style=\"display: none\">",
    );
    let Some(report) = run(&html) else { return };
    assert_problem(
        &report,
        "part-2/races.html (puzzle `race` by hand)",
        "puzzle `race`: after clicking the buttons its status (role=\"status\") says \"You won",
    );
    assert_problem(
        &report,
        "part-2/races.html (puzzle `race` by hand)",
        "but a reader cannot see it: the status is not rendered (display: none on it or on a \
         parent): show it",
    );
}

#[test]
fn a_step_button_that_cannot_be_seen_fails_though_it_works() {
    let html = copy("hidden-button");
    // Button B of `race` is transparent: it can still be clicked and focused.
    edit(
        &html.join("part-2/races.html"),
        "<button type=\"button\" data-thread=\"B\">",
        "<button type=\"button\" data-thread=\"B\" style=\"opacity: 0\">",
    );
    let Some(report) = run(&html) else { return };
    assert_problem(
        &report,
        "part-2/races.html (puzzle `race` by hand)",
        "puzzle `race` has its button for thread B hidden at step 2: the button is \
         transparent: it has opacity: 0",
    );
}

#[test]
fn svg_text_too_small_on_screen_fails_naming_the_file_and_the_size() {
    let html = copy("small-svg-text");
    // The same 200 px wide picture with a viewBox three times as wide: its 16-unit text
    // comes out at 16 × 200 / 600 px.
    edit(
        &html.join("part-2/img/race.svg"),
        "viewBox=\"0 0 200 60\"",
        "viewBox=\"0 0 600 180\"",
    );
    let Some(report) = run(&html) else { return };
    assert_problem(
        &report,
        "part-2/img/race.svg",
        "text at 5.3 px on screen (\"A and B race\": font-size 16 in a viewBox 600 wide, shown \
         200 px wide on part-2/races.html at 1280 px): make the viewBox narrower or the font \
         larger",
    );
}

#[test]
fn a_table_that_fits_at_1280_but_sticks_out_of_a_phone_fails() {
    let html = copy("phone-table");
    // A raw HTML table (mdBook wraps only Markdown tables in a scrolling .table-wrapper),
    // 600 px wide: in the 750 px column at 1280 px, out of a 375 px phone's screen.
    edit(
        &html.join("introduction.html"),
        "<p>This fixture book",
        "<table style=\"min-width: 600px\"><tr><td>threads and a shared count</td></tr>\
         </table>\n<p>This fixture book",
    );
    let Some(report) = run(&html) else { return };
    assert_problem(
        &report,
        "introduction.html at 375 px",
        "table with first row `threads and a shared count` sticks out of the 375 px wide \
         screen",
    );
    assert!(
        !report
            .problems
            .iter()
            .any(|p| p.page == "introduction.html"),
        "{:?}",
        report.problems
    );
}

#[test]
fn a_search_index_of_the_titles_only_fails_on_a_word_of_the_body_text() {
    let html = copy("search-titles");
    // The body text's part of the index emptied as it loads; titles and breadcrumbs stay.
    edit_search_index(
        &html,
        "config.index.index.body.root = { df: 0, docs: {} }; return config;",
    );
    if chromium_or_skip().is_none() {
        return;
    }
    // `race` is in a heading ("The race"), as the real book's search words are.
    let mut options = Options::new(&html, html.with_extension("shots"));
    options.puzzles_dir = Some(fixture_root().join("puzzles"));
    options.search_words = vec!["race".to_owned()];
    let report = book_check::check(&options, &mut |line| eprintln!("{line}"))
        .unwrap_or_else(|e| panic!("the check did not run: {e}"));
    assert!(
        report.searches.iter().any(|(w, n)| w == "race" && *n > 0),
        "{:?}",
        report.searches
    );
    assert_problem(
        &report,
        "index.html (search)",
        "searching for `checker`, a word of the body text of introduction.html that is in no \
         heading or title, found nothing: the search index holds the titles only",
    );
}

#[test]
fn a_page_whose_text_is_mostly_hidden_fails_naming_the_hidden_element() {
    let html = copy("hidden-text");
    // An unclosed <div style="display: none"> swallows the rest of the chapter.
    edit(
        &html.join("introduction.html"),
        "<p>This fixture book",
        "<div style=\"display: none\">\n<p>This fixture book",
    );
    let Some(report) = run(&html) else { return };
    assert_problem(
        &report,
        "introduction.html",
        "only 12 of the 76 characters of the page's text (in `main`, leaving out <details> and \
         scripts) are shown, the rest is hidden (64 characters are in <div \
         style=\"display: none\">, starting `This fixture book",
    );
}

#[test]
fn a_page_that_hangs_stops_the_check_with_what_it_found_and_what_it_did_not_check() {
    let html = copy("hang");
    edit(
        &html.join("introduction.html"),
        "</body>",
        "<script>throw new Error('fixture exception before the hang')</script></body>",
    );
    edit(
        &html.join("part-2/races.html"),
        "</body>",
        "<script>while (true) {}</script></body>",
    );
    if chromium_or_skip().is_none() {
        return;
    }
    let mut options = Options::new(&html, html.with_extension("shots"));
    options.puzzles_dir = Some(fixture_root().join("puzzles"));
    let error = book_check::check(&options, &mut |line| eprintln!("{line}"))
        .expect_err("a page that never finishes loading stops the check");
    // The message says why, what was found before, and what was not checked.
    let text = error.to_string();
    for part in [
        "possible hang: Chromium did not answer Page.loadEventFired for part-2/races.html",
        "1 problems found before:\n  introduction.html: uncaught exception: Error: fixture \
         exception before the hang",
        "not checked: every page at 1280 px: part-2/races.html, part-6/diagrams.html, toc.html; \
         the SVG files; the search; the puzzles by hand; every page at 375 px;",
    ] {
        assert!(text.contains(part), "no `{part}` in:\n{text}");
    }
}
