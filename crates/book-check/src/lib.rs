//! The built book, checked the way a reader sees it: every page is loaded in headless
//! Chromium (Debian's `chromium`, driven over the DevTools protocol on a pipe, see
//! [`cdp`]), served under a GitHub-Pages-like sub-path by a tiny local server, at a
//! 1280×900 viewport. A page fails on a console error, an image or SVG that did not load
//! (or whose text is under 12 px on screen), an internal link or `#anchor` that leads
//! nowhere (read from the live DOM, after mdBook's scripts built the sidebar), a code block
//! with a scroll bar or a table wider than the content column, text that is mostly hidden,
//! or (every page again at 375 px) anything that makes a phone's screen scroll sideways.
//! The search must find words the book contains (one of them in no heading) and nothing for
//! a nonsense word; every puzzle of `book/src/puzzles/` must be on a page and be won (or
//! proven safe) through `window.coursePuzzles`, and every "find" puzzle also by clicking
//! its buttons and by keyboard. `index.html` and one chapter are also loaded from
//! `file://`. Screenshots of a few pages (and of each failing page) go to a folder for a
//! person to look at.
//!
//! `cargo run -p book-check -- BOOK_HTML_DIR` runs it; `tests/book.rs` of the course calls
//! [`check`].

pub mod cdp;
mod server;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

use cdp::Chromium;
pub use cdp::find_chromium;

/// Why the check could not run (its findings are [`Problem`]s, not errors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// No Chromium to run: the detail says what was looked for.
    ChromiumMissing(String),
    /// Chromium did something unexpected or did not answer in time.
    Browser(String),
    /// A file or folder could not be read or written.
    Io(String),
    /// A bad argument or input (a book folder without index.html, a bad puzzle file).
    Input(String),
    /// The check stopped part-way (a page whose script never returns, Chromium gone):
    /// why, the problems it had found by then, and what it did not check.
    Stopped {
        error: Box<Error>,
        problems: Vec<Problem>,
        unchecked: Vec<String>,
    },
}

/// What to tell a person who has no Chromium.
pub const INSTALL_HINT: &str =
    "install Debian's `chromium` package (apt-get install chromium) or set CHROMIUM=/path";

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::ChromiumMissing(detail) => {
                write!(f, "Chromium not found ({detail}): {INSTALL_HINT}")
            }
            Error::Browser(text) | Error::Io(text) | Error::Input(text) => f.write_str(text),
            Error::Stopped {
                error,
                problems,
                unchecked,
            } => {
                write!(
                    f,
                    "{error}\nthe check stopped there; {} problems found before:",
                    problems.len()
                )?;
                for problem in problems {
                    write!(f, "\n  {problem}")?;
                }
                write!(f, "\nnot checked: {}", unchecked.join("; "))
            }
        }
    }
}

impl std::error::Error for Error {}

/// One thing wrong with the book, on one page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The page (relative to the book's folder), `file://PAGE` for the local reading
    /// check, or the file the problem is in (a puzzle source, an SVG).
    pub page: String,
    /// What is wrong, naming the element.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.page, self.message)
    }
}

/// What to check and where to write screenshots.
#[derive(Debug, Clone)]
pub struct Options {
    /// The built book's HTML folder (with index.html).
    pub html_dir: PathBuf,
    /// The puzzles' sources (`book/src/puzzles/`); none, or a missing folder, means no
    /// puzzle is expected in the book.
    pub puzzles_dir: Option<PathBuf>,
    /// Where the screenshots go (created if missing).
    pub screenshots: PathBuf,
    /// Chromium's binary; `None` finds it with [`find_chromium`].
    pub chromium: Option<PathBuf>,
    /// Words the search must find (those of them the book contains).
    pub search_words: Vec<String>,
    /// Check mdBook's print.html too (every chapter again on one long page).
    pub print_page: bool,
}

impl Options {
    /// The default checks of the book in `html_dir`, screenshots into `screenshots`.
    pub fn new(html_dir: impl Into<PathBuf>, screenshots: impl Into<PathBuf>) -> Self {
        Options {
            html_dir: html_dir.into(),
            puzzles_dir: None,
            screenshots: screenshots.into(),
            chromium: None,
            search_words: ["loom", "convoy", "ticket"].map(String::from).to_vec(),
            print_page: false,
        }
    }
}

/// What the check saw.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The pages loaded, relative to the book's folder, in order.
    pub pages: Vec<String>,
    /// Everything wrong, in the order found.
    pub problems: Vec<Problem>,
    /// The screenshots written.
    pub screenshots: Vec<PathBuf>,
    /// The puzzles checked through `window.coursePuzzles`.
    pub puzzles: Vec<String>,
    /// The words searched for, with the number of results.
    pub searches: Vec<(String, usize)>,
    /// How long the whole check took.
    pub elapsed: Duration,
}

/// The steps of the check, in order, as a message names them when one was not done.
const STAGES: [&str; 7] = [
    "every page at 1280 px",
    "the SVG files",
    "the search",
    "the puzzles by hand",
    "every page at 375 px",
    "the navy theme",
    "index.html and a chapter from file://",
];

/// A word no book contains: the search must find nothing for it.
pub const NONSENSE_WORD: &str = "qzxwvjkqf";

/// mdBook asks the Rust playground for its list of crates on every page with a runnable
/// snippet. The check runs offline (CI has no internet, and the book's check must not
/// depend on another site), so that one request is answered in the page with an empty list.
/// Every other request leaves the page as usual, and one that fails is a console error.
const PLAYGROUND_STUB: &str = "(() => {
  const fetch = window.fetch;
  window.fetch = function (input, init) {
    const url = String((input && input.url) || input);
    if (url.startsWith('https://play.rust-lang.org/')) {
      return Promise.resolve(new Response('{\"crates\":[]}',
        { status: 200, headers: { 'Content-Type': 'application/json' } }));
    }
    return fetch.apply(this, arguments);
  };
})();";

/// The viewport of the desktop checks.
const WIDTH: u32 = 1280;
const HEIGHT: u32 = 900;
/// The phone's width for the puzzles' overflow check and a screenshot.
const PHONE_WIDTH: u32 = 375;
/// Seconds to wait for one answer of Chromium.
const WAIT: u64 = 20;

/// A puzzle's source, `book/src/puzzles/<id>.toml`: the fields the check reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PuzzleSource {
    /// `id`, equal to the file's stem.
    pub id: String,
    /// `kind`: "find" (the reader can reach the bad state) or "safe" (they cannot).
    pub kind: PuzzleKind,
    /// The file it came from.
    pub file: PathBuf,
}

/// What a puzzle asks of the reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PuzzleKind {
    /// Reach the bad state; `solution` is a known winning schedule of thread names.
    Find { solution: Vec<String> },
    /// A fixed program: the bad state must be unreachable.
    Safe,
}

/// Reads every `*.toml` of `dir` (none when the folder does not exist), sorted by id.
pub fn read_puzzles(dir: &Path) -> Result<Vec<PuzzleSource>, Error> {
    let mut puzzles = Vec::new();
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(puzzles),
        Err(e) => return Err(Error::Io(format!("cannot read {}: {e}", dir.display()))),
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    for file in files {
        puzzles.push(read_puzzle(&file)?);
    }
    Ok(puzzles)
}

fn read_puzzle(file: &Path) -> Result<PuzzleSource, Error> {
    let bad = |why: String| Error::Input(format!("bad puzzle file {}: {why}", file.display()));
    let text = fs::read_to_string(file).map_err(|e| bad(format!("cannot read it: {e}")))?;
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        bad(e
            .to_string()
            .lines()
            .next()
            .unwrap_or("not TOML")
            .to_owned())
    })?;
    let id = table
        .get("id")
        .and_then(toml::Value::as_str)
        .ok_or_else(|| bad("no `id = \"...\"`".to_owned()))?;
    let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    if id != stem {
        return Err(bad(format!("its id `{id}` is not its file name `{stem}`")));
    }
    let kind = match table.get("kind").and_then(toml::Value::as_str) {
        Some("find") => {
            let solution = table
                .get("solution")
                .and_then(toml::Value::as_array)
                .ok_or_else(|| {
                    bad("kind \"find\" needs `solution = [\"A\", ...]`, a winning schedule".into())
                })?;
            let solution: Option<Vec<String>> = solution
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect();
            match solution {
                Some(solution) if !solution.is_empty() => PuzzleKind::Find { solution },
                _ => {
                    return Err(bad(
                        "`solution` must be a non-empty list of thread names".into()
                    ));
                }
            }
        }
        Some("safe") => PuzzleKind::Safe,
        Some(other) => {
            return Err(bad(format!(
                "kind `{other}` is neither \"find\" nor \"safe\""
            )));
        }
        None => return Err(bad("no `kind = \"find\"` or `kind = \"safe\"`".to_owned())),
    };
    Ok(PuzzleSource {
        id: id.to_owned(),
        kind,
        file: file.to_path_buf(),
    })
}

pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = text.get(i + 1..i + 3)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn percent_encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"/-_.~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Every file of `dir` with extension `ext`, relative, with `/`, sorted.
fn files_with_extension(dir: &Path, ext: &str) -> Result<Vec<String>, Error> {
    fn walk(root: &Path, dir: &Path, ext: &str, into: &mut Vec<String>) -> std::io::Result<()> {
        for entry in fs::read_dir(dir)? {
            let entry = entry?;
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                walk(root, &path, ext, into)?;
            } else if path.extension().is_some_and(|e| e == ext)
                && let Ok(relative) = path.strip_prefix(root)
            {
                into.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
        Ok(())
    }
    let mut found = Vec::new();
    walk(dir, dir, ext, &mut found)
        .map_err(|e| Error::Io(format!("cannot read {}: {e}", dir.display())))?;
    found.sort();
    Ok(found)
}

/// What [`check`] learnt of a page.
struct Seen {
    ids: BTreeSet<String>,
}

/// An `#anchor` to look for once every page has been loaded.
struct Anchor {
    page: String,
    href: String,
    text: String,
    target: String,
    fragment: String,
    sidebar: bool,
}

/// The smallest text of an SVG file on screen, and where it was seen.
struct SvgText {
    /// In CSS pixels on screen.
    px: f64,
    page: String,
    text: String,
    font: String,
    across: String,
    shown: String,
}

/// The smallest SVG text a reader must read, in CSS pixels at 1280 px.
const SVG_TEXT_PX: f64 = 12.0;

/// The page a screenshot slot wants.
#[derive(Default)]
struct Slots {
    chapter: Option<String>,
    diagram: Option<String>,
    puzzle: Option<String>,
}

/// The run: browser, server, what was seen, the report being written.
struct Run<'a> {
    options: &'a Options,
    browser: Chromium,
    base: String,
    origin: String,
    /// 404.html is for a site root (`<base href="/">`): not loaded under the sub-path.
    skip_404: bool,
    file_base: String,
    report: Report,
    seen: HashMap<String, Seen>,
    anchors: Vec<Anchor>,
    reported_sidebar: BTreeSet<String>,
    current: String,
    slots: Slots,
    /// The smallest text of each SVG file shown with `<img>`, over the pages that show it.
    svg_text: BTreeMap<String, SvgText>,
    /// The step of the check under way, an index of [`STAGES`].
    stage: usize,
    /// The pages the step under way has still to load (the first may be loading).
    left: Vec<String>,
    /// Every heading, title and sidebar entry of the book, lowercase, for the search.
    headings: String,
    /// The first paragraphs of each chapter (page, text), in order, for the search.
    paragraphs: Vec<(String, String)>,
    puzzle_pages: BTreeMap<String, String>,
    progress: &'a mut dyn FnMut(&str),
}

/// Checks the built book of `options.html_dir`; `progress` hears one line per page.
/// `Err` means the check could not run; the book's problems are in the report.
pub fn check(options: &Options, progress: &mut dyn FnMut(&str)) -> Result<Report, Error> {
    let started = Instant::now();
    let html_dir = fs::canonicalize(&options.html_dir).map_err(|e| {
        Error::Input(format!(
            "no built book in {}: {e}",
            options.html_dir.display()
        ))
    })?;
    if !html_dir.join("index.html").is_file() {
        return Err(Error::Input(format!(
            "no built book in {}: it has no index.html (build it with `cargo run -- book`)",
            html_dir.display()
        )));
    }
    let puzzles = match &options.puzzles_dir {
        Some(dir) => read_puzzles(dir)?,
        None => Vec::new(),
    };
    let chromium = match &options.chromium {
        Some(path) => path.clone(),
        None => find_chromium()?,
    };
    fs::create_dir_all(&options.screenshots).map_err(|e| {
        Error::Io(format!(
            "cannot create the screenshot folder {}: {e}",
            options.screenshots.display()
        ))
    })?;
    // mdBook writes the site's path (`site-url`) into 404.html's <base href>: a book built
    // for a Pages project site says `/REPOSITORY/`, and is served here under that path.
    let base_404 = fs::read_to_string(html_dir.join("404.html"))
        .ok()
        .and_then(|html| base_href(&html));
    let sub_path = match base_404.as_deref() {
        Some(base) if base.starts_with('/') && base != "/" => {
            format!("/{}/", base.trim_matches('/'))
        }
        _ => server::SUB_PATH.to_owned(),
    };
    let server = server::Server::start(&html_dir, &sub_path)?;
    let browser = Chromium::launch(&chromium)?;
    let file_base = format!(
        "file://{}/",
        percent_encode_path(&html_dir.to_string_lossy())
    );
    let mut run = Run {
        options,
        browser,
        base: server.base.clone(),
        origin: server.origin.clone(),
        skip_404: base_404.as_deref() == Some("/"),
        file_base,
        report: Report::default(),
        seen: HashMap::new(),
        anchors: Vec::new(),
        reported_sidebar: BTreeSet::new(),
        current: String::new(),
        slots: Slots::default(),
        svg_text: BTreeMap::new(),
        stage: 0,
        left: Vec::new(),
        headings: String::new(),
        paragraphs: Vec::new(),
        puzzle_pages: BTreeMap::new(),
        progress,
    };
    let mut options = options.clone();
    options.html_dir = html_dir;
    run.options_html_dir_check(&options.html_dir)?;
    let steps = (|| {
        run.setup(WIDTH, HEIGHT, false)?;
        run.all_pages(&options.html_dir, &puzzles)?;
        run.stage = 1;
        run.svg_files(&options.html_dir)?;
        run.stage = 2;
        run.search(&options.html_dir)?;
        run.stage = 3;
        run.puzzles_by_hand(&puzzles)?;
        run.stage = 6;
        run.local_reading(&options.html_dir)?;
        run.finish_console()
    })();
    if let Err(error) = steps {
        // A hang stops the check: say what it found before and what it did not get to.
        run.check_anchors();
        let mut unchecked = Vec::new();
        if run.left.is_empty() {
            unchecked.push(format!("{} (unfinished)", STAGES[run.stage]));
        } else {
            unchecked.push(format!("{}: {}", STAGES[run.stage], run.left.join(", ")));
        }
        unchecked.extend(STAGES[run.stage + 1..].iter().map(|s| (*s).to_owned()));
        return Err(Error::Stopped {
            error: Box::new(error),
            problems: run.report.problems,
            unchecked,
        });
    }
    drop(server);
    let mut report = run.report;
    report.elapsed = started.elapsed();
    Ok(report)
}

impl Run<'_> {
    fn options_html_dir_check(&self, html_dir: &Path) -> Result<(), Error> {
        if html_dir.join("index.html").is_file() {
            Ok(())
        } else {
            Err(Error::Input(format!(
                "no index.html in {}",
                html_dir.display()
            )))
        }
    }

    /// Records a problem once (mdBook 0.5 writes each image twice, for its zoom).
    fn problem(&mut self, page: &str, message: String) {
        let problem = Problem {
            page: page.to_owned(),
            message,
        };
        if !self.report.problems.contains(&problem) {
            self.report.problems.push(problem);
        }
    }

    fn setup(&mut self, width: u32, height: u32, mobile: bool) -> Result<(), Error> {
        if self.current.is_empty() {
            for domain in ["Page.enable", "Runtime.enable", "Log.enable"] {
                self.browser.call(domain, json!({}), WAIT, "the tab")?;
            }
            self.browser.call(
                "Page.addScriptToEvaluateOnNewDocument",
                json!({"source": PLAYGROUND_STUB}),
                WAIT,
                "the playground stub",
            )?;
        }
        self.browser.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}),
            WAIT,
            &format!("a {width}×{height} viewport"),
        )?;
        Ok(())
    }

    /// A URL of the book's page or file, shown relative to the book.
    fn relative(&self, url: &str) -> Option<String> {
        let rest = url
            .strip_prefix(&self.base)
            .or_else(|| url.strip_prefix(&self.file_base))?;
        let path = rest.split(['#', '?']).next().unwrap_or("");
        let path = percent_decode(path);
        Some(if path.is_empty() || path.ends_with('/') {
            format!("{path}index.html")
        } else {
            path
        })
    }

    fn show_url(&self, url: &str) -> String {
        self.relative(url).unwrap_or_else(|| url.to_owned())
    }

    /// Turns the console events since the last call into problems of the current page.
    fn finish_console(&mut self) -> Result<(), Error> {
        let page = self.current.clone();
        for event in self.browser.take_events() {
            let params = &event["params"];
            let message = match event["method"].as_str() {
                Some("Runtime.exceptionThrown") => {
                    let details = &params["exceptionDetails"];
                    let text = details["exception"]["description"]
                        .as_str()
                        .map(|d| d.lines().next().unwrap_or(d).to_owned())
                        .unwrap_or_else(|| details["text"].as_str().unwrap_or("").to_owned());
                    let place = details["url"]
                        .as_str()
                        .filter(|u| !u.is_empty())
                        .map(|u| {
                            format!(
                                " at {}:{}",
                                self.show_url(u),
                                details["lineNumber"].as_u64().unwrap_or(0) + 1
                            )
                        })
                        .unwrap_or_default();
                    format!("uncaught exception: {text}{place}")
                }
                Some("Runtime.consoleAPICalled") if params["type"] == "error" => {
                    let args: Vec<String> = params["args"]
                        .as_array()
                        .map(|args| {
                            args.iter()
                                .map(|a| {
                                    a["value"]
                                        .as_str()
                                        .map(str::to_owned)
                                        .or_else(|| a["description"].as_str().map(str::to_owned))
                                        .unwrap_or_else(|| a["value"].to_string())
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    format!("console.error: {}", args.join(" "))
                }
                Some("Log.entryAdded") if params["entry"]["level"] == "error" => {
                    let entry = &params["entry"];
                    // The browser's own request for the site's /favicon.ico (made for a page
                    // without an icon link, such as mdBook's toc.html) is not the book's.
                    if entry["url"]
                        .as_str()
                        .is_some_and(|u| u.ends_with("/favicon.ico"))
                        && !entry["url"]
                            .as_str()
                            .is_some_and(|u| u.starts_with(&self.base))
                    {
                        continue;
                    }
                    let url = entry["url"]
                        .as_str()
                        .filter(|u| !u.is_empty())
                        .map(|u| format!(" ({})", self.show_url(u)))
                        .unwrap_or_default();
                    format!(
                        "console error: {}{url}",
                        entry["text"].as_str().unwrap_or("")
                    )
                }
                _ => continue,
            };
            if !page.is_empty() {
                self.problem(&page, message);
            }
        }
        Ok(())
    }

    /// Loads `url` and waits for its load event; the console of the page before is
    /// accounted first. `label` names the page in messages.
    fn load(&mut self, url: &str, label: &str) -> Result<bool, Error> {
        self.finish_console()?;
        self.current = label.to_owned();
        let navigated = self
            .browser
            .call("Page.navigate", json!({"url": url}), WAIT, label)?;
        if let Some(error) = navigated["errorText"].as_str().filter(|e| !e.is_empty()) {
            self.problem(label, format!("the page did not load: {error}"));
            return Ok(false);
        }
        self.browser
            .wait_for_event("Page.loadEventFired", WAIT, label)?;
        Ok(true)
    }

    fn screenshot(&mut self, name: &str) -> Result<(), Error> {
        // The whole page (up to 6000 px), not only the viewport: the point is to see it.
        let height = self
            .browser
            .evaluate(
                "Math.min(6000, Math.max(innerHeight, document.documentElement.scrollHeight))",
                WAIT,
                &format!("the height of {}", self.current),
            )?
            .as_f64()
            .unwrap_or(f64::from(HEIGHT));
        let width = self
            .browser
            .evaluate("innerWidth", WAIT, &self.current.clone())?
            .as_f64()
            .unwrap_or(f64::from(WIDTH));
        let shot = self.browser.call(
            "Page.captureScreenshot",
            json!({"format": "png", "captureBeyondViewport": true,
                   "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}}),
            WAIT,
            &format!("a screenshot of {}", self.current),
        )?;
        let data = shot["data"].as_str().unwrap_or("");
        let png = base64::engine::general_purpose::STANDARD
            .decode(data)
            .map_err(|e| {
                Error::Browser(format!(
                    "Chromium sent a screenshot that is not base64: {e}"
                ))
            })?;
        let file_name = format!(
            "{}.png",
            name.replace(['/', '\\'], "-").trim_end_matches(".html")
        );
        let path = self
            .options
            .screenshots
            .join(file_name.replace(".html", ""));
        fs::write(&path, png)
            .map_err(|e| Error::Io(format!("cannot write {}: {e}", path.display())))?;
        self.report.screenshots.push(path);
        Ok(())
    }

    fn inspect(&mut self, label: &str) -> Result<Value, Error> {
        self.browser.evaluate(
            include_str!("inspect.js"),
            WAIT,
            &format!("inspecting {label}"),
        )
    }

    fn all_pages(&mut self, html_dir: &Path, puzzles: &[PuzzleSource]) -> Result<(), Error> {
        let pages: Vec<String> = files_with_extension(html_dir, "html")?
            .into_iter()
            .filter(|p| self.options.print_page || p != "print.html")
            .filter(|p| !(self.skip_404 && p == "404.html"))
            .collect();
        if self.skip_404 {
            (self.progress)(
                "404.html: not loaded: its <base href=\"/\"> is for a site's root (build with \
                 MDBOOK_OUTPUT__HTML__SITE_URL=/REPOSITORY/ to check it as Pages serves it)",
            );
        }
        let sources: BTreeMap<&str, &PuzzleSource> =
            puzzles.iter().map(|p| (p.id.as_str(), p)).collect();
        let mut on_pages: BTreeSet<String> = BTreeSet::new();
        self.slots.chapter = first_page(html_dir, &pages, |page, html| {
            page.starts_with("part-2/") && page != "part-2/index.html" && html.contains("<img")
        })
        .or_else(|| {
            first_page(html_dir, &pages, |page, _| {
                page.starts_with("part-2/") && page != "part-2/index.html"
            })
        });
        self.slots.diagram = first_page(html_dir, &pages, |page, html| {
            page.starts_with("part-6/") && (html.contains(".svg\"") || html.contains("<object"))
        });
        self.left = pages.clone();
        for page in &pages {
            let started = Instant::now();
            let url = format!("{}{}", self.base, percent_encode_path(page));
            let before = self.report.problems.len();
            if self.load(&url, page)? {
                let seen = self.inspect(page)?;
                if page != "404.html" {
                    self.page_problems(page, &seen);
                    self.headings
                        .push_str(&seen["headings"].as_str().unwrap_or("").to_lowercase());
                    self.headings.push(' ');
                    if !["index.html", "print.html", "toc.html"].contains(&page.as_str()) {
                        for paragraph in text_list(&seen["paragraphs"]) {
                            self.paragraphs.push((page.clone(), paragraph));
                        }
                    }
                    if !text_list(&seen["svgImages"]).is_empty() {
                        self.svg_text_sizes(page)?;
                    }
                    for id in self.page_puzzles(page, &seen, &sources)? {
                        on_pages.insert(id);
                    }
                }
                self.pick_screenshots(page, &seen)?;
            }
            self.finish_console()?;
            let found = self.report.problems.len() - before;
            if found > 0 {
                self.screenshot(&format!("failed-{page}"))?;
            }
            self.report.pages.push(page.clone());
            self.left.remove(0);
            let line = format!(
                "{page}: {} ({} ms)",
                if found == 0 {
                    "ok".to_owned()
                } else {
                    format!("{found} problems")
                },
                started.elapsed().as_millis()
            );
            (self.progress)(&line);
        }
        self.check_anchors();
        for (svg, small) in std::mem::take(&mut self.svg_text) {
            if small.px < SVG_TEXT_PX {
                self.problem(
                    &svg,
                    format!(
                        "text at {} px on screen (\"{}\": font-size {} in {}, shown {} px wide \
                         on {} at {WIDTH} px): make the viewBox narrower or the font larger \
                         (at least {SVG_TEXT_PX} px on screen)",
                        small.px, small.text, small.font, small.across, small.shown, small.page
                    ),
                );
            }
        }
        for source in puzzles {
            if !on_pages.contains(&source.id) {
                self.problem(
                    &source.file.display().to_string(),
                    format!(
                        "puzzle `{}` is on no page of the book (no div.puzzle[data-puzzle=\"{}\"])",
                        source.id, source.id
                    ),
                );
            }
        }
        Ok(())
    }
}

/// The `href` of the first `<base>` tag of a page.
fn base_href(html: &str) -> Option<String> {
    let at = html.find("<base ")?;
    let tag = &html[at..at + html[at..].find('>')?];
    let value = tag.split("href=").nth(1)?;
    let quote = value.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &value[1..];
    Some(value[..value.find(quote)?].to_owned())
}

/// JSON text of a value, to splice into an expression.
fn js(value: Value) -> String {
    value.to_string()
}

fn text_list(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The shortest word [`body_only_word`] takes, and the stop words of that length the
/// search leaves out.
const BODY_WORD_LETTERS: usize = 7;
const STOP_WORDS: [&str; 3] = ["because", "however", "neither"];

/// A word of the first paragraphs of a chapter (its longest, of the first chapter that has
/// one) whose first six letters are in no heading, title or sidebar entry (`headings`, in
/// lowercase), so that a search index of titles alone cannot find it (the index stems
/// words); with the chapter's page.
fn body_only_word(paragraphs: &[(String, String)], headings: &str) -> Option<(String, String)> {
    for (page, text) in paragraphs {
        let best = text
            .split(|c: char| c.is_whitespace() || c == '-')
            .map(|token| token.trim_matches(|c: char| !c.is_alphanumeric() && c != '_'))
            .filter(|token| {
                token.len() >= BODY_WORD_LETTERS && token.chars().all(|c| c.is_ascii_alphabetic())
            })
            .map(str::to_lowercase)
            .filter(|word| !STOP_WORDS.contains(&word.as_str()) && !headings.contains(&word[..6]))
            .max_by_key(|word| word.len());
        if let Some(word) = best {
            return Some((word, page.clone()));
        }
    }
    None
}

/// A page whose file under `html_dir` matches, in book order of `pages`.
fn first_page(
    html_dir: &Path,
    pages: &[String],
    wanted: impl Fn(&str, &str) -> bool,
) -> Option<String> {
    pages
        .iter()
        .find(|page| {
            let html = fs::read_to_string(html_dir.join(page)).unwrap_or_default();
            wanted(page, &html)
        })
        .cloned()
}

/// Why an element of the page cannot be seen (`null` when it can): not rendered, hidden,
/// of no size, transparent, or clipped to nothing by itself or a parent.
const HIDDEN_JS: &str = "(e => {
    if (!e.getClientRects().length) return 'is not rendered (display: none on it or on a parent)';
    const style = getComputedStyle(e);
    if (style.visibility !== 'visible') return 'has visibility: ' + style.visibility;
    const r = e.getBoundingClientRect();
    if (r.width < 1 || r.height < 1)
        return 'has no size (' + Math.round(r.width) + '×' + Math.round(r.height) + ' px)';
    const name = a => '<' + a.localName + (a.id ? '#' + a.id : '')
        + (a.classList.length ? '.' + [...a.classList].join('.') : '') + '>';
    let [left, top, right, bottom] = [r.left, r.top, r.right, r.bottom];
    for (let a = e; a && a !== document.body && a !== document.documentElement; a = a.parentElement) {
        const s = getComputedStyle(a);
        const who = a === e ? 'it' : 'its parent ' + name(a);
        if (parseFloat(s.opacity) === 0) return 'is transparent: ' + who + ' has opacity: 0';
        if (/^inset\\(\\s*(5\\d|[6-9]\\d|100)(\\.\\d+)?%/.test(s.clipPath))
            return 'is clipped to nothing: ' + who + ' has clip-path: ' + s.clipPath;
        const box = a.getBoundingClientRect();
        const clip = /^rect\\(([^)]*)\\)/.exec(s.clip);
        if (clip && (s.position === 'absolute' || s.position === 'fixed')) {
            const [t, rr, b, l] = clip[1].split(/[\\s,]+/)
                .map((v, i) => v === 'auto' ? [0, box.width, box.height, 0][i] : parseFloat(v));
            left = Math.max(left, box.left + l); right = Math.min(right, box.left + rr);
            top = Math.max(top, box.top + t); bottom = Math.min(bottom, box.top + b);
            if (right - left < 1 || bottom - top < 1)
                return 'is clipped to nothing: ' + who + ' has clip: ' + s.clip;
        }
        if (a === e) continue;
        if (s.overflowX !== 'visible') {
            left = Math.max(left, box.left + a.clientLeft);
            right = Math.min(right, box.left + a.clientLeft + a.clientWidth);
        }
        if (s.overflowY !== 'visible') {
            top = Math.max(top, box.top + a.clientTop);
            bottom = Math.min(bottom, box.top + a.clientTop + a.clientHeight);
        }
        if (right - left < 1 || bottom - top < 1)
            return 'is clipped to nothing: ' + who + ' has overflow: ' + s.overflow + ' and is '
                + Math.round(box.width) + '×' + Math.round(box.height) + ' px';
    }
    return null;
})";

const STATUS_JS: &str = "(id => { const d = document.querySelector('div.puzzle[data-puzzle=\"' + CSS.escape(id) + '\"]'); const s = d && d.querySelector('[role=status]'); return s ? s.textContent.replace(/\\s+/g, ' ').trim() : null; })";

impl Run<'_> {
    fn html_dir(&self) -> PathBuf {
        fs::canonicalize(&self.options.html_dir).unwrap_or_else(|_| self.options.html_dir.clone())
    }

    fn page_problems(&mut self, page: &str, seen: &Value) {
        let html_dir = self.html_dir();
        for image in seen["images"].as_array().into_iter().flatten() {
            let src = image["src"].as_str().unwrap_or("");
            let url = image["url"].as_str().unwrap_or("");
            self.problem(
                page,
                format!(
                    "image `{src}` did not load ({}; alt \"{}\")",
                    self.show_url(url),
                    image["alt"].as_str().unwrap_or("")
                ),
            );
        }
        for embed in seen["embeds"].as_array().into_iter().flatten() {
            let url = embed["url"].as_str().unwrap_or("");
            let exists = self
                .relative(url)
                .is_some_and(|target| html_dir.join(target).is_file());
            if !exists {
                self.problem(
                    page,
                    format!(
                        "<{}> `{}` did not load: {} is not in the book",
                        embed["tag"].as_str().unwrap_or("object"),
                        embed["src"].as_str().unwrap_or(""),
                        self.show_url(url)
                    ),
                );
            }
        }
        if seen["sidebar"].as_u64() == Some(0) {
            self.problem(
                page,
                "the sidebar has no links (mdBook's toc.js did not build it)".to_owned(),
            );
        }
        let ids: BTreeSet<String> = text_list(&seen["ids"]).into_iter().collect();
        self.seen.insert(page.to_owned(), Seen { ids });
        for link in seen["links"].as_array().into_iter().flatten() {
            self.check_link(page, link, &html_dir);
        }
        for pre in seen["pres"].as_array().into_iter().flatten() {
            self.problem(
                page,
                format!(
                    "code block starting `{}` has a scroll bar at {WIDTH} px: it needs {} px, \
                     the column shows {} px (longest line `{}`)",
                    pre["first"].as_str().unwrap_or(""),
                    pre["scroll"],
                    pre["client"],
                    pre["longest"].as_str().unwrap_or("")
                ),
            );
        }
        let text = &seen["text"];
        if let (Some(total), Some(shown)) = (text["total"].as_u64(), text["shown"].as_u64())
            && page != "toc.html"
            && shown * 2 < total
        {
            let hidden = &text["hidden"];
            let culprit = hidden["element"]
                .as_str()
                .map(|element| {
                    format!(
                        " ({} characters are in {element}, starting `{}`)",
                        hidden["chars"],
                        hidden["starts"].as_str().unwrap_or("")
                    )
                })
                .unwrap_or_default();
            self.problem(
                page,
                format!(
                    "only {shown} of the {total} characters of the page's text (in `main`, \
                     leaving out <details> and scripts) are shown, the rest is hidden{culprit}: \
                     an unclosed tag or a display: none that should not be there? Show the text \
                     or remove it"
                ),
            );
        }
        for table in seen["tables"].as_array().into_iter().flatten() {
            self.problem(
                page,
                format!(
                    "table with first row `{}` is wider than the content column at {WIDTH} px: \
                     {} px in {} px",
                    table["header"].as_str().unwrap_or(""),
                    table["width"],
                    seen["column"]
                ),
            );
        }
    }

    /// Measures the text of the page's `<img>` SVGs on screen; the smallest of each file
    /// is kept for the end of the pass.
    fn svg_text_sizes(&mut self, page: &str) -> Result<(), Error> {
        let sizes = self.browser.evaluate(
            include_str!("svgtext.js"),
            WAIT,
            &format!("measuring the SVG text of {page}"),
        )?;
        for item in sizes.as_array().into_iter().flatten() {
            let Some(px) = item["px"].as_f64() else {
                continue;
            };
            let url = item["url"].as_str().unwrap_or("");
            let svg = self.show_url(url);
            if self.svg_text.get(&svg).is_some_and(|seen| seen.px <= px) {
                continue;
            }
            let field = |key: &str| {
                item[key]
                    .as_str()
                    .map_or_else(|| item[key].to_string(), str::to_owned)
            };
            self.svg_text.insert(
                svg,
                SvgText {
                    px,
                    page: page.to_owned(),
                    text: field("text"),
                    font: field("font"),
                    across: field("across"),
                    shown: field("shown"),
                },
            );
        }
        Ok(())
    }

    fn check_link(&mut self, page: &str, link: &Value, html_dir: &Path) {
        let href = link["href"].as_str().unwrap_or("").to_owned();
        let url = link["url"].as_str().unwrap_or("");
        let text = link["text"].as_str().unwrap_or("").to_owned();
        let sidebar = link["sidebar"].as_bool().unwrap_or(false);
        let origin = self.origin.clone();
        let Some(target) = self.relative(url) else {
            if url.starts_with(&format!("{origin}/")) {
                self.problem(
                    page,
                    format!(
                        "link `{href}` (\"{text}\") leaves the book's folder: under GitHub \
                         Pages it would lead to {} outside the site",
                        url.strip_prefix(&origin).unwrap_or(url)
                    ),
                );
            }
            return;
        };
        let fragment = url
            .split_once('#')
            .map(|(_, f)| percent_decode(f))
            .unwrap_or_default();
        let file = html_dir.join(&target);
        let exists = file.is_file() || file.join("index.html").is_file();
        if !exists {
            let message = format!(
                "{}link `{href}` (\"{text}\") leads to {target}, which is not in the book",
                if sidebar { "sidebar " } else { "" }
            );
            if !sidebar || self.reported_sidebar.insert(message.clone()) {
                self.problem(page, message);
            }
            return;
        }
        if !fragment.is_empty() && target.ends_with(".html") {
            self.anchors.push(Anchor {
                page: page.to_owned(),
                href,
                text,
                target,
                fragment,
                sidebar,
            });
        }
    }

    fn check_anchors(&mut self) {
        let anchors = std::mem::take(&mut self.anchors);
        for anchor in anchors {
            let Some(seen) = self.seen.get(&anchor.target) else {
                continue;
            };
            if seen.ids.contains(&anchor.fragment) {
                continue;
            }
            let message = format!(
                "{}link `{}` (\"{}\") points to a missing anchor: no id=\"{}\" in {}",
                if anchor.sidebar { "sidebar " } else { "" },
                anchor.href,
                anchor.text,
                anchor.fragment,
                anchor.target
            );
            if !anchor.sidebar || self.reported_sidebar.insert(message.clone()) {
                self.problem(&anchor.page, message);
            }
        }
    }

    fn page_puzzles(
        &mut self,
        page: &str,
        seen: &Value,
        sources: &BTreeMap<&str, &PuzzleSource>,
    ) -> Result<Vec<String>, Error> {
        let divs = text_list(&seen["puzzleDivs"]);
        if divs.is_empty() {
            return Ok(divs);
        }
        let api_ok = match &seen["puzzleIds"] {
            Value::Array(_) => {
                let ids = text_list(&seen["puzzleIds"]);
                // ids() lists each puzzle once: print.html holds every chapter again, so a
                // puzzle of a chapter and of the puzzles page is there twice.
                let mut distinct = divs.clone();
                let mut once = BTreeSet::new();
                distinct.retain(|id| once.insert(id.clone()));
                if ids != distinct {
                    self.problem(
                        page,
                        format!(
                            "window.coursePuzzles.ids() is [{}], the page's div.puzzle \
                             elements are [{}]",
                            ids.join(", "),
                            divs.join(", ")
                        ),
                    );
                }
                true
            }
            Value::String(error) => {
                self.problem(page, error.clone());
                false
            }
            _ => {
                self.problem(
                    page,
                    format!(
                        "the page has puzzles ({}) but no window.coursePuzzles: puzzles.js did \
                         not run",
                        divs.join(", ")
                    ),
                );
                false
            }
        };
        for id in &divs {
            let Some(source) = sources.get(id.as_str()) else {
                self.problem(
                    page,
                    format!(
                        "puzzle `{id}` (div.puzzle[data-puzzle=\"{id}\"]) has no source \
                         book/src/puzzles/{id}.toml"
                    ),
                );
                continue;
            };
            self.puzzle_pages
                .entry(id.clone())
                .or_insert_with(|| page.to_owned());
            if api_ok {
                self.play_puzzle(page, source)?;
            }
        }
        Ok(divs)
    }

    fn play_puzzle(&mut self, page: &str, source: &PuzzleSource) -> Result<(), Error> {
        let id = &source.id;
        let (kind, solution) = match &source.kind {
            PuzzleKind::Find { solution } => ("find", solution.clone()),
            PuzzleKind::Safe => ("safe", Vec::new()),
        };
        let expression = format!(
            "((id, kind, solution) => {{
                const api = window.coursePuzzles, out = {{}};
                try {{ if (kind === 'find') out.start = api.play(id, []).won; }}
                catch (e) {{ out.playError = String(e); }}
                try {{ if (kind === 'find') out.play = api.play(id, solution); }}
                catch (e) {{ out.playError = String(e); }}
                try {{ out.explore = api.explore(id); }} catch (e) {{ out.exploreError = String(e); }}
                try {{ api.reset(id); }} catch (e) {{ out.resetError = String(e); }}
                return out;
            }})({}, {}, {})",
            js(json!(id)),
            js(json!(kind)),
            js(json!(solution))
        );
        let out =
            self.browser
                .evaluate(&expression, WAIT, &format!("playing puzzle {id} on {page}"))?;
        self.report.puzzles.push(id.clone());
        for key in ["playError", "exploreError", "resetError"] {
            if let Some(error) = out[key].as_str() {
                let call = key.trim_end_matches("Error");
                self.problem(
                    page,
                    format!("puzzle `{id}`: coursePuzzles.{call}() threw {error}"),
                );
            }
        }
        let explore = &out["explore"];
        match kind {
            "find" => {
                let play = &out["play"];
                if out.get("playError").is_none() && play["won"] != Value::Bool(true) {
                    self.problem(
                        page,
                        format!(
                            "puzzle `{id}`: playing its solution [{}] does not win (won: {}, \
                             finished: {}, message: {}{})",
                            solution.join(", "),
                            play["won"],
                            play["finished"],
                            play["message"],
                            play["error"]
                                .as_str()
                                .map(|e| format!(", error: {e}"))
                                .unwrap_or_default()
                        ),
                    );
                }
                if out["start"] == Value::Bool(true) {
                    self.problem(
                        page,
                        format!(
                            "puzzle `{id}` is won before any step: its `win` holds in the \
                             starting state"
                        ),
                    );
                } else if play["won"] == Value::Bool(true)
                    && let Some(error) = play["error"].as_str()
                {
                    self.problem(
                        page,
                        format!(
                            "puzzle `{id}`: its solution [{}] wins, but not as written: {error}",
                            solution.join(", ")
                        ),
                    );
                }
                if out.get("exploreError").is_none() && explore["winnable"] != Value::Bool(true) {
                    self.problem(
                        page,
                        format!(
                            "puzzle `{id}` is \"find\" but explore() says the bad state cannot \
                             be reached (winnable: {}, {} states)",
                            explore["winnable"], explore["states"]
                        ),
                    );
                }
            }
            _ => {
                if out.get("exploreError").is_none() && explore["winnable"] != Value::Bool(false) {
                    self.problem(
                        page,
                        format!(
                            "puzzle `{id}` is \"safe\" but explore() reached the bad state \
                             (winnable: {}, schedule [{}])",
                            explore["winnable"],
                            text_list(&explore["schedule"]).join(", ")
                        ),
                    );
                } else if out.get("exploreError").is_none()
                    && explore["complete"] != Value::Bool(true)
                {
                    // A search cut short proves nothing: the bad state may lie beyond it.
                    self.problem(
                        page,
                        format!(
                            "puzzle `{id}` is \"safe\" but explore() stopped after {} states \
                             without visiting them all (complete: {}), so nothing shows the \
                             bad state is unreachable: make the program's state space smaller",
                            explore["states"], explore["complete"]
                        ),
                    );
                }
            }
        }
        Ok(())
    }

    fn pick_screenshots(&mut self, page: &str, seen: &Value) -> Result<(), Error> {
        if page == "index.html" {
            self.screenshot("index")?;
        }
        if self.slots.chapter.as_deref() == Some(page) {
            self.screenshot(page)?;
        }
        if self.slots.diagram.as_deref() == Some(page) {
            self.screenshot(page)?;
        }
        if self.slots.puzzle.is_none() && !text_list(&seen["puzzleDivs"]).is_empty() {
            self.slots.puzzle = Some(page.to_owned());
            if self.slots.chapter.as_deref() != Some(page) {
                self.screenshot(page)?;
            }
        }
        Ok(())
    }

    fn svg_files(&mut self, html_dir: &Path) -> Result<(), Error> {
        let svgs = files_with_extension(html_dir, "svg")?;
        if svgs.is_empty() {
            return Ok(());
        }
        let index = format!("{}index.html", self.base);
        self.load(&index, "index.html")?;
        let urls: Vec<String> = svgs
            .iter()
            .map(|svg| format!("{}{}", self.base, percent_encode_path(svg)))
            .collect();
        let expression = format!(
            "(async urls => {{
                const out = [];
                for (const url of urls) {{
                    try {{
                        const response = await fetch(url);
                        if (!response.ok) {{ out.push([url, 'HTTP ' + response.status]); continue; }}
                        const doc = new DOMParser().parseFromString(await response.text(), 'image/svg+xml');
                        const error = doc.querySelector('parsererror');
                        if (error) out.push([url, 'not well-formed XML: ' + error.textContent.replace(/\\s+/g, ' ').trim().slice(0, 200)]);
                        else if (doc.documentElement.localName !== 'svg')
                            out.push([url, 'its root element is <' + doc.documentElement.localName + '>, not <svg>']);
                    }} catch (e) {{ out.push([url, String(e)]); }}
                }}
                return out;
            }})({})",
            js(json!(urls))
        );
        let bad = self
            .browser
            .evaluate(&expression, WAIT * 2, "parsing the book's SVG files")?;
        for item in bad.as_array().into_iter().flatten() {
            let url = item[0].as_str().unwrap_or("");
            let file = self.show_url(url);
            self.problem(
                &file,
                format!("SVG file: {}", item[1].as_str().unwrap_or("")),
            );
        }
        Ok(())
    }

    fn search(&mut self, html_dir: &Path) -> Result<(), Error> {
        let pages = files_with_extension(html_dir, "html")?;
        let mut text = String::new();
        for page in &pages {
            if !["print.html", "toc.html", "404.html"].contains(&page.as_str()) {
                text.push_str(&fs::read_to_string(html_dir.join(page)).unwrap_or_default());
            }
        }
        let text = text.to_lowercase();
        let words: Vec<String> = self
            .options
            .search_words
            .iter()
            .filter(|w| text.contains(&w.to_lowercase()))
            .cloned()
            .collect();
        let page = "index.html (search)";
        if words.is_empty() {
            self.problem(
                page,
                format!(
                    "none of the search words [{}] is in the book: the search was not checked",
                    self.options.search_words.join(", ")
                ),
            );
            return Ok(());
        }
        let body_word = body_only_word(&self.paragraphs, &self.headings);
        if body_word.is_none() {
            self.problem(
                page,
                format!(
                    "no chapter's first paragraphs have a word of {BODY_WORD_LETTERS} or more \
                     letters that is in no heading or title: the search of the body text was \
                     not checked"
                ),
            );
        }
        let index = format!("{}index.html", self.base);
        self.load(&index, page)?;
        let opened = self.browser.evaluate(
            "new Promise((ok, fail) => {
                const toggle = document.getElementById('mdbook-search-toggle');
                if (!toggle) return ok('the page has no search button (#mdbook-search-toggle)');
                toggle.click();
                const script = document.getElementById('mdbook-search-index');
                if (!script) return ok('opening the search loaded no search index');
                script.addEventListener('load', () => setTimeout(() => ok(null), 0));
                script.addEventListener('error', () => ok('the search index did not load'));
            })",
            WAIT,
            "opening the search",
        )?;
        if let Some(error) = opened.as_str() {
            self.problem(page, error.to_owned());
            return Ok(());
        }
        for (word, must_find) in words
            .iter()
            .map(|w| (w.as_str(), true))
            .chain([(NONSENSE_WORD, false)])
        {
            let found = self.search_for(word)?;
            self.report
                .searches
                .push((word.to_owned(), found.unwrap_or(0)));
            match found {
                None => self.problem(
                    page,
                    format!("searching for `{word}` showed no result header at all"),
                ),
                Some(0) if must_find => self.problem(
                    page,
                    format!(
                        "searching for `{word}` found nothing, though the book contains the word"
                    ),
                ),
                Some(n) if !must_find && n > 0 => self.problem(
                    page,
                    format!("searching for the nonsense word `{word}` found {n} results"),
                ),
                _ => {}
            }
        }
        // A word of the body text only: an index of the headings and titles finds the words
        // above (the book's are in headings) but not this one.
        if let Some((word, chapter)) = body_word {
            let found = self.search_for(&word)?;
            self.report
                .searches
                .push((word.clone(), found.unwrap_or(0)));
            if found.unwrap_or(0) == 0 {
                self.problem(
                    page,
                    format!(
                        "searching for `{word}`, a word of the body text of {chapter} that is \
                         in no heading or title, found nothing: the search index holds the \
                         titles only (see [output.html.search] in book.toml)"
                    ),
                );
            }
        }
        Ok(())
    }

    /// Types `word` into the search bar, key by key, and counts the results shown.
    fn search_for(&mut self, word: &str) -> Result<Option<usize>, Error> {
        let focused = self.browser.evaluate(
            "(() => { const bar = document.getElementById('mdbook-searchbar');
                      if (!bar) return false; bar.value = ''; bar.focus();
                      return document.activeElement === bar; })()",
            WAIT,
            "focusing the search bar",
        )?;
        if focused != Value::Bool(true) {
            return Ok(None);
        }
        for c in word.chars() {
            let key = c.to_string();
            for kind in ["keyDown", "keyUp"] {
                let mut params = json!({"type": kind, "key": key});
                if kind == "keyDown" {
                    params["text"] = json!(key);
                }
                self.browser.call(
                    "Input.dispatchKeyEvent",
                    params,
                    WAIT,
                    &format!("typing `{word}` into the search bar"),
                )?;
            }
        }
        // mdBook searches on keyup, synchronously; poll for its header under a deadline.
        let (deadline, what) = (
            Instant::now() + Duration::from_secs(WAIT),
            format!("the search results for `{word}`"),
        );
        let expression = format!(
            "(word => {{ const header = document.getElementById('mdbook-searchresults-header');
                        if (!header || !header.textContent.includes(word)) return null;
                        return document.querySelectorAll('#mdbook-searchresults > li').length; }})({})",
            js(json!(word))
        );
        loop {
            let count = self.browser.evaluate(&expression, WAIT, &what)?;
            if let Some(n) = count.as_u64() {
                return Ok(Some(n as usize));
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn puzzles_by_hand(&mut self, puzzles: &[PuzzleSource]) -> Result<(), Error> {
        // Every "find" puzzle, once, on the first page that has it: its buttons are clicked
        // and pressed (a widget may break in one puzzle only, or with three threads).
        let mut by_page: BTreeMap<String, Vec<(String, Vec<String>)>> = BTreeMap::new();
        for puzzle in puzzles {
            if let PuzzleKind::Find { solution } = &puzzle.kind
                && let Some(page) = self.puzzle_pages.get(&puzzle.id)
            {
                by_page
                    .entry(page.clone())
                    .or_default()
                    .push((puzzle.id.clone(), solution.clone()));
            }
        }
        for (page, on_page) in &by_page {
            let url = format!("{}{}", self.base, percent_encode_path(page));
            if !self.load(&url, page)? {
                continue;
            }
            for (id, solution) in on_page {
                self.play_by_hand(id, solution, page)?;
            }
        }
        // Every page on a phone: it may not scroll sideways or stick out of the screen,
        // nor may a puzzle be wider than the screen.
        self.stage = 4;
        self.setup(PHONE_WIDTH, 812, true)?;
        let phone_page = self
            .slots
            .puzzle
            .clone()
            .or_else(|| self.slots.chapter.clone())
            .unwrap_or_else(|| "index.html".to_owned());
        let pages: Vec<String> = self
            .report
            .pages
            .iter()
            .filter(|p| *p != "404.html")
            .cloned()
            .collect();
        self.left = pages.clone();
        for page in &pages {
            let url = format!("{}{}", self.base, percent_encode_path(page));
            let label = format!("{page} at {PHONE_WIDTH} px");
            if self.load(&url, &label)? {
                let seen = self.browser.evaluate(
                    include_str!("phone.js"),
                    WAIT,
                    &format!("measuring {label}"),
                )?;
                self.phone_problems(&label, &seen);
                if *page == phone_page {
                    self.screenshot(&format!("phone-{PHONE_WIDTH}-{phone_page}"))?;
                }
            }
            self.left.remove(0);
        }
        self.stage = 5;
        self.setup(WIDTH, HEIGHT, false)?;
        // The dark theme: mdBook 0.5 reads it from localStorage `mdbook-theme`.
        let dark_page = self
            .slots
            .chapter
            .clone()
            .unwrap_or_else(|| "index.html".to_owned());
        let url = format!("{}{}", self.base, percent_encode_path(&dark_page));
        let label = format!("{dark_page} in the navy theme");
        self.browser.evaluate(
            "localStorage.setItem('mdbook-theme', 'navy')",
            WAIT,
            "choosing the navy theme",
        )?;
        if self.load(&url, &label)? {
            let navy = self.browser.evaluate(
                "document.documentElement.classList.contains('navy')",
                WAIT,
                &label,
            )?;
            if navy != Value::Bool(true) {
                self.problem(
                    &label,
                    "localStorage `mdbook-theme` = navy did not give the page the navy theme"
                        .to_owned(),
                );
            }
            self.screenshot(&format!("navy-{dark_page}"))?;
        }
        self.browser.evaluate(
            "localStorage.removeItem('mdbook-theme')",
            WAIT,
            "going back to the default theme",
        )?;
        Ok(())
    }

    fn phone_problems(&mut self, label: &str, seen: &Value) {
        let width = &seen["width"];
        let mut sticks_out = false;
        for item in seen["out"].as_array().into_iter().flatten() {
            sticks_out = true;
            self.problem(
                label,
                format!(
                    "{} sticks out of the {width} px wide screen (from {} px to {} px): a reader \
                     must scroll the page sideways or cannot see it: let it wrap, or put it in \
                     a box that scrolls (mdBook wraps a Markdown table in one)",
                    item["what"].as_str().unwrap_or(""),
                    item["left"],
                    item["right"]
                ),
            );
        }
        if !sticks_out && seen["scroll"].as_f64() > width.as_f64().map(|w| w + 1.0) {
            self.problem(
                label,
                format!(
                    "the page scrolls sideways: it is {} px wide on a {width} px wide screen: \
                     find what is wider than the screen and let it wrap or scroll in a box",
                    seen["scroll"]
                ),
            );
        }
        for item in seen["puzzles"].as_array().into_iter().flatten() {
            self.problem(
                label,
                format!(
                    "puzzle `{}` is wider than the screen: {} px",
                    item[0].as_str().unwrap_or(""),
                    item[1]
                ),
            );
        }
    }

    fn play_by_hand(&mut self, id: &str, solution: &[String], page: &str) -> Result<(), Error> {
        let label = format!("{page} (puzzle `{id}` by hand)");
        let expected = self.browser.evaluate(
            &format!(
                "((id, solution, status) => {{
                    if (!window.coursePuzzles) return null;
                    const play = window.coursePuzzles.play(id, solution);
                    const won = status(id);
                    window.coursePuzzles.reset(id);
                    return {{ message: play.message || '', played: play.won === true, won,
                             fresh: status(id) }};
                }})({}, {}, {STATUS_JS})",
                js(json!(id)),
                js(json!(solution))
            ),
            WAIT,
            &label,
        )?;
        if expected.is_null() {
            // No window.coursePuzzles: already a problem of the page, found when it loaded.
            return Ok(());
        }
        let won_text = expected["won"].as_str().unwrap_or("").to_owned();
        let fresh_text = expected["fresh"].as_str().unwrap_or("").to_owned();
        let message = expected["message"].as_str().unwrap_or("").trim().to_owned();
        let is_win = |status: &str| {
            (!won_text.is_empty() && status == won_text && won_text != fresh_text)
                || (!message.is_empty() && status.contains(&message))
        };
        if expected["played"] != Value::Bool(true) {
            // Its solution does not win through the API: already a problem of the page.
            return Ok(());
        }
        if expected["won"].is_null() {
            self.problem(
                &label,
                format!("puzzle `{id}` has no element with role=\"status\""),
            );
            return Ok(());
        }
        for by_keyboard in [false, true] {
            let how = if by_keyboard {
                "pressing Enter on"
            } else {
                "clicking"
            };
            let mut stopped = false;
            for (step, thread) in solution.iter().enumerate() {
                let button = self.browser.evaluate(
                    &format!(
                        "((id, thread) => {{
                            const d = document.querySelector('div.puzzle[data-puzzle=\"' + CSS.escape(id) + '\"]');
                            const b = d && d.querySelector('button[data-thread=\"' + CSS.escape(thread) + '\"]');
                            if (!b) return null;
                            b.scrollIntoView({{ block: 'center' }});
                            b.focus();
                            const r = b.getBoundingClientRect();
                            return {{ x: r.left + r.width / 2, y: r.top + r.height / 2,
                                     disabled: b.disabled, focused: document.activeElement === b,
                                     hidden: ({HIDDEN_JS})(b) }};
                        }})({}, {})",
                        js(json!(id)),
                        js(json!(thread))
                    ),
                    WAIT,
                    &label,
                )?;
                let problem = if button.is_null() {
                    Some(format!("has no button[data-thread=\"{thread}\"]"))
                } else if button["disabled"] == Value::Bool(true) {
                    Some(format!(
                        "has its button for thread {thread} disabled at step {}",
                        step + 1
                    ))
                } else if let Some(why) = button["hidden"].as_str() {
                    Some(format!(
                        "has its button for thread {thread} hidden at step {}: the button \
                         {why}; a reader cannot see it: show it",
                        step + 1
                    ))
                } else if by_keyboard && button["focused"] != Value::Bool(true) {
                    Some(format!("cannot focus its button for thread {thread}"))
                } else {
                    None
                };
                if let Some(problem) = problem {
                    self.problem(&label, format!("puzzle `{id}` {problem}"));
                    stopped = true;
                    break;
                }
                if by_keyboard {
                    for kind in ["keyDown", "keyUp"] {
                        let mut params = json!({"type": kind, "key": "Enter", "code": "Enter",
                            "windowsVirtualKeyCode": 13, "nativeVirtualKeyCode": 13});
                        if kind == "keyDown" {
                            params["text"] = json!("\r");
                        }
                        self.browser
                            .call("Input.dispatchKeyEvent", params, WAIT, &label)?;
                    }
                } else {
                    let (x, y) = (&button["x"], &button["y"]);
                    for kind in ["mousePressed", "mouseReleased"] {
                        self.browser.call(
                            "Input.dispatchMouseEvent",
                            json!({"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1}),
                            WAIT,
                            &label,
                        )?;
                    }
                }
            }
            if stopped {
                break;
            }
            let read = self.browser.evaluate(
                &format!(
                    "((id, status) => {{
                        const d = document.querySelector('div.puzzle[data-puzzle=\"' + CSS.escape(id) + '\"]');
                        const s = d && d.querySelector('[role=status]');
                        if (s) s.scrollIntoView({{ block: 'center' }});
                        return {{ text: status(id), hidden: s ? ({HIDDEN_JS})(s) : null }};
                    }})({}, {STATUS_JS})",
                    js(json!(id))
                ),
                WAIT,
                &label,
            )?;
            let status = read["text"].as_str().unwrap_or("").to_owned();
            if let Some(why) = read["hidden"].as_str() {
                self.problem(
                    &label,
                    format!(
                        "puzzle `{id}`: after {how} the buttons its status (role=\"status\") \
                         says \"{status}\", but a reader cannot see it: the status {why}: show it"
                    ),
                );
            }
            if !is_win(&status) {
                self.problem(
                    &label,
                    format!(
                        "{how} the buttons [{}] of puzzle `{id}` did not win: its status says \
                         \"{status}\" (after coursePuzzles.play it says \"{won_text}\")",
                        solution.join(", ")
                    ),
                );
            }
            self.browser.evaluate(
                &format!("window.coursePuzzles.reset({})", js(json!(id))),
                WAIT,
                &label,
            )?;
        }
        Ok(())
    }

    /// index.html and one chapter from `file://`, as a reader who opens the built book
    /// from disk sees them.
    fn local_reading(&mut self, html_dir: &Path) -> Result<(), Error> {
        let mut pages = vec!["index.html".to_owned()];
        if let Some(chapter) = self.slots.chapter.clone() {
            pages.push(chapter);
        }
        for page in pages {
            let label = format!("file://{page}");
            let url = format!("{}{}", self.file_base, percent_encode_path(&page));
            if !self.load(&url, &label)? {
                continue;
            }
            let seen = self.inspect(&label)?;
            for image in seen["images"].as_array().into_iter().flatten() {
                let message = format!(
                    "image `{}` did not load",
                    image["src"].as_str().unwrap_or("")
                );
                self.problem(&label, message);
            }
            if seen["sidebar"].as_u64() == Some(0) {
                self.problem(&label, "the sidebar has no links".to_owned());
            }
            for link in seen["links"].as_array().into_iter().flatten() {
                let url = link["url"].as_str().unwrap_or("");
                if !url.starts_with("file:") {
                    continue;
                }
                let exists = self.relative(url).is_some_and(|target| {
                    let file = html_dir.join(target);
                    file.is_file() || file.join("index.html").is_file()
                });
                if !exists {
                    let message = format!(
                        "{}link `{}` leads to {url}, which is not in the book",
                        if link["sidebar"] == Value::Bool(true) {
                            "sidebar "
                        } else {
                            ""
                        },
                        link["href"].as_str().unwrap_or("")
                    );
                    self.problem(&label, message);
                }
            }
            self.finish_console()?;
        }
        Ok(())
    }
}
