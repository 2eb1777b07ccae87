//! The course book, built from `book/` with the mdBook library, and the internal links of
//! the built HTML checked. The course tool runs this package's binary through cargo
//! (`cargo run -- book`), so that the mdBook stack is compiled only when the book is wanted;
//! `tests/book.rs` of the course package calls the library.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use mdbook_driver::MDBook;
use mdbook_driver::config::Config;

pub mod links;
pub mod lint;
pub mod puzzles;

/// What went wrong, in one line for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(pub String);

impl Error {
    fn new(message: impl Into<String>) -> Self {
        Error(message.into())
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// `book/` under `root`.
pub fn source_dir(root: &Path) -> PathBuf {
    root.join("book")
}

/// Builds the book of `root` into `output` and returns the directory of the HTML pages
/// (`output` itself, or `output/html` when book.toml asks for several renderers).
/// The book's sources are never written to (mdBook's `create-missing` is turned off).
pub fn build(root: &Path, output: &Path) -> Result<PathBuf> {
    let book_dir = source_dir(root);
    let config_file = book_dir.join("book.toml");
    if !config_file.is_file() {
        return Err(Error::new(format!(
            "the book is not there yet: {} is missing",
            config_file.display()
        )));
    }
    let mdbook_error = |what: &str, e: mdbook_driver::errors::Error| {
        // `{:#}` of an anyhow error is its whole chain of causes on one line.
        let detail = format!("{e:#}").replace('\n', " ");
        Error::new(format!("the book {what}: {detail}"))
    };
    let mut config =
        Config::from_disk(&config_file).map_err(|e| mdbook_error("has a bad book.toml", e))?;
    config
        .update_from_env()
        .map_err(|e| mdbook_error("has a bad setting in the environment", e))?;
    check_html_config(&config)?;
    config.build.build_dir = output.to_path_buf();
    config.build.create_missing = false;
    let web = links::WebRepository::from_env(|name| std::env::var(name).ok());
    if let Some(web) = &web {
        // The menu bar's repository icon and each page's "suggest an edit" link, unless
        // book.toml or the environment already chose them.
        for (key, value) in [
            ("output.html.git-repository-url", web.url.clone()),
            ("output.html.edit-url-template", web.edit_url_template()),
        ] {
            if !config.contains_key(key) {
                config
                    .set(key, value)
                    .map_err(|e| mdbook_error("has a bad repository address", e))?;
            }
        }
    }
    let mut book = MDBook::load_with_config(&book_dir, config)
        .map_err(|e| mdbook_error("cannot be loaded", e))?;
    book.with_preprocessor(links::RepositoryLinks {
        root: root.to_path_buf(),
        web,
    });
    book.with_preprocessor(puzzles::Puzzles);
    book.with_preprocessor(lint::SourceLint);
    book.build().map_err(|e| mdbook_error("did not build", e))?;
    let html = book.build_dir_for("html");
    remove_puzzle_sources(&html)?;
    Ok(html)
}

/// mdBook reads `[output.html]` (with its `search`, `playground`, ... tables) leniently: a
/// misspelt key or a value of the wrong type there makes it log an error and render with
/// the default settings, so the book builds without its theme files, scripts and search
/// settings and nothing fails. Here the same table is read strictly, and a mistake in it is
/// a bad book.toml.
pub fn check_html_config(config: &Config) -> Result<()> {
    config
        .get::<mdbook_driver::config::HtmlConfig>("output.html")
        .map(drop)
        .map_err(|e| {
            let detail = format!("{e:#}").replace('\n', " ");
            let detail = detail.trim_end();
            Error::new(format!(
                "the book has a bad [output.html] in book.toml (mdBook would silently \
                 ignore all of it): {detail}"
            ))
        })
}

/// mdBook copies every file of `src/` that is not Markdown into the output, so the puzzles'
/// TOML (with their winning schedules) would be published beside the pages that embed them
/// without the schedules. The browser check reads them from `book/src/puzzles/` instead.
fn remove_puzzle_sources(html: &Path) -> Result<()> {
    let dir = html.join("puzzles");
    let entries = match fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::new(format!("cannot read {}: {e}", dir.display()))),
    };
    for entry in entries {
        let path = entry
            .map_err(|e| Error::new(format!("cannot read {}: {e}", dir.display())))?
            .path();
        if path.extension().is_some_and(|ext| ext == "toml") {
            fs::remove_file(&path)
                .map_err(|e| Error::new(format!("cannot remove {}: {e}", path.display())))?;
        }
    }
    // Empty now (the format's README is Markdown, which mdBook does not copy).
    let _ = fs::remove_dir(&dir);
    Ok(())
}

/// A link in the built book that leads nowhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    /// The page it is in, relative to the book's HTML directory.
    pub page: String,
    /// The link as written.
    pub link: String,
    /// What is wrong.
    pub reason: String,
}

impl std::fmt::Display for BrokenLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: `{}` {}", self.page, self.link, self.reason)
    }
}

/// Every internal link (`href`, `src`) in the HTML pages under `html_dir` that does not
/// resolve to a file, or whose `#fragment` is no `id` in the page it points to. Links with a
/// scheme (`https:`, `mailto:`) are not followed.
pub fn broken_links(html_dir: &Path) -> io::Result<Vec<BrokenLink>> {
    let mut pages = Vec::new();
    html_files(html_dir, &mut pages)?;
    pages.sort();
    let mut ids: HashMap<PathBuf, HashSet<String>> = HashMap::new();
    let mut broken = Vec::new();
    for page in &pages {
        let html = fs::read_to_string(page)?;
        let scan = scan(&html);
        let rel_page = page
            .strip_prefix(html_dir)
            .unwrap_or(page)
            .to_string_lossy()
            .replace('\\', "/");
        let base = match scan.base.as_deref() {
            Some(base) if base.starts_with('/') => html_dir.to_path_buf(),
            _ => page.parent().unwrap_or(html_dir).to_path_buf(),
        };
        for link in &scan.links {
            if let Some(reason) = check_link(link, page, &base, html_dir, &mut ids)? {
                broken.push(BrokenLink {
                    page: rel_page.clone(),
                    link: link.clone(),
                    reason,
                });
            }
        }
    }
    Ok(broken)
}

fn check_link(
    link: &str,
    page: &Path,
    base: &Path,
    html_dir: &Path,
    ids: &mut HashMap<PathBuf, HashSet<String>>,
) -> io::Result<Option<String>> {
    if link.is_empty() || link.starts_with("//") || has_scheme(link) {
        return Ok(None);
    }
    let (path_part, fragment) = match link.split_once('#') {
        Some((path, fragment)) => (path, Some(fragment)),
        None => (link, None),
    };
    let path_part = path_part.split('?').next().unwrap_or(path_part);
    let path_part = percent_decode(path_part);
    let target = if path_part.is_empty() {
        page.to_path_buf()
    } else if let Some(absolute) = path_part.strip_prefix('/') {
        normalize(&html_dir.join(absolute))
    } else {
        normalize(&base.join(&path_part))
    };
    let target = if target.is_dir() {
        target.join("index.html")
    } else {
        target
    };
    if !target.is_file() {
        return Ok(Some("points to a file that does not exist".to_owned()));
    }
    let Some(fragment) = fragment.map(percent_decode).filter(|f| !f.is_empty()) else {
        return Ok(None);
    };
    if target.extension().is_none_or(|ext| ext != "html") {
        return Ok(None);
    }
    if !ids.contains_key(&target) {
        let html = fs::read_to_string(&target)?;
        ids.insert(target.clone(), scan(&html).ids);
    }
    let known = ids.get(&target).is_some_and(|ids| ids.contains(&fragment));
    let target_rel = target
        .strip_prefix(html_dir)
        .unwrap_or(&target)
        .to_string_lossy()
        .replace('\\', "/");
    Ok((!known)
        .then(|| format!("points to a missing anchor: no id=\"{fragment}\" in {target_rel}")))
}

fn has_scheme(link: &str) -> bool {
    match link.split_once(':') {
        Some((scheme, _)) => {
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                && !scheme.contains('/')
        }
        None => false,
    }
}

fn html_files(dir: &Path, into: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            html_files(&path, into)?;
        } else if path.extension().is_some_and(|ext| ext == "html") {
            into.push(path);
        }
    }
    Ok(())
}

/// What a page holds: its links, its ids, its `<base href>`.
#[derive(Debug, Default, PartialEq, Eq)]
struct Scan {
    links: Vec<String>,
    ids: HashSet<String>,
    base: Option<String>,
}

/// Reads the attributes of every tag outside comments, scripts and styles.
fn scan(html: &str) -> Scan {
    let mut scan = Scan::default();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        rest = &rest[open..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
            continue;
        }
        let Some(end) = tag_end(rest) else { break };
        let tag = &rest[1..end];
        rest = &rest[end + 1..];
        let name: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '!' || *c == '/')
            .collect::<String>()
            .to_ascii_lowercase();
        for (attr, value) in attributes(tag) {
            match attr.as_str() {
                "href" if name == "base" => scan.base = Some(value),
                "href" | "src" => scan.links.push(value),
                "id" | "name" if attr == "id" || name == "a" => {
                    scan.ids.insert(value);
                }
                _ => {}
            }
        }
        if name == "script" || name == "style" {
            let close = format!("</{name}");
            rest = rest
                .to_ascii_lowercase()
                .find(&close)
                .map_or("", |at| &rest[at..]);
        }
    }
    scan
}

/// The index of the `>` that closes the tag starting at `tag[0] == '<'`, skipping quoted
/// attribute values.
fn tag_end(tag: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in tag.char_indices().skip(1) {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(i),
            _ => {}
        }
    }
    None
}

/// `name="value"` pairs of a tag's text (after `<`), with entities decoded.
fn attributes(tag: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let chars: Vec<char> = tag.chars().collect();
    let mut i = chars
        .iter()
        .position(|c| c.is_whitespace())
        .unwrap_or(chars.len());
    while i < chars.len() {
        while i < chars.len() && (chars[i].is_whitespace() || chars[i] == '/') {
            i += 1;
        }
        let start = i;
        while i < chars.len() && !chars[i].is_whitespace() && chars[i] != '=' && chars[i] != '/' {
            i += 1;
        }
        let name: String = chars[start..i]
            .iter()
            .collect::<String>()
            .to_ascii_lowercase();
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        if i >= chars.len() || chars[i] != '=' {
            if name.is_empty() {
                i += 1;
            }
            continue;
        }
        i += 1;
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        let value: String = match chars.get(i) {
            Some(&q) if q == '"' || q == '\'' => {
                let from = i + 1;
                let to = chars[from..]
                    .iter()
                    .position(|&c| c == q)
                    .map_or(chars.len(), |p| from + p);
                i = to + 1;
                chars[from..to].iter().collect()
            }
            _ => {
                let from = i;
                while i < chars.len() && !chars[i].is_whitespace() {
                    i += 1;
                }
                chars[from..i].iter().collect()
            }
        };
        if !name.is_empty() {
            found.push((name, decode_entities(&value)));
        }
    }
    found
}

fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// `base/a/../b` as `base/b`, without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

fn percent_decode(text: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_links_ids_and_skips_scripts_and_comments() {
        let html = r##"<html><head><base href="/"><link rel="stylesheet" href="css/a.css">
<script>var s = '<a href="nope.html">';</script></head>
<body><!-- <a href="commented.html"> -->
<h2 id="the-guard"><a class="header" href="#the-guard">The guard</a></h2>
<a name="old-anchor"></a><img src='img/x.svg' alt="a > b">
<a href="spin-locks.html#the-flag&amp;more" title=x>link</a>
<SCRIPT src="book.js"></SCRIPT><p>after</p><a href="last.html">
</body></html>"##;
        let scan = scan(html);
        assert_eq!(scan.base.as_deref(), Some("/"));
        assert_eq!(
            scan.links,
            [
                "css/a.css",
                "#the-guard",
                "img/x.svg",
                "spin-locks.html#the-flag&more",
                "book.js",
                "last.html"
            ]
        );
        assert!(scan.ids.contains("the-guard"));
        assert!(scan.ids.contains("old-anchor"));
    }

    #[test]
    fn a_mistake_in_output_html_is_an_error_not_a_silently_default_theme() {
        let good: Config = "[output.html]\nadditional-js = [\"theme/puzzles.js\"]\n\
                            [output.html.search]\nlimit-results = 20\n"
            .parse()
            .expect("a good book.toml");
        assert_eq!(check_html_config(&good), Ok(()));
        // A misspelt key, a key in the wrong table, a value of the wrong type.
        for (toml, key) in [
            (
                "[output.html]\nadditonal-css = [\"a.css\"]\n",
                "additonal-css",
            ),
            (
                "[output.html.playground]\nrunnable = true\nlimit-results = 0\n",
                "limit-results",
            ),
            ("[output.html.search]\nenable = \"yes\"\n", "enable"),
        ] {
            let config: Config = toml.parse().expect("valid TOML");
            let error = check_html_config(&config).expect_err(toml).to_string();
            assert!(
                error.contains("bad [output.html]") && error.contains(key),
                "{toml}: {error}"
            );
        }
        let none: Config = "[book]\ntitle = \"x\"\n".parse().expect("no html table");
        assert_eq!(check_html_config(&none), Ok(()));
    }

    #[test]
    fn schemes_and_decoding() {
        assert!(has_scheme("https://example.com"));
        assert!(has_scheme("mailto:a@b.c"));
        assert!(!has_scheme("part-2/spin-locks.html"));
        assert!(!has_scheme("a/b:c.html"));
        assert_eq!(percent_decode("a%20b%zz"), "a b%zz");
    }

    #[test]
    fn broken_files_and_fragments_are_reported_with_their_page() {
        let dir = std::env::temp_dir().join(format!("course-links-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("part-2")).expect("dir");
        fs::write(
            dir.join("index.html"),
            r##"<a href="part-2/a.html#here">ok</a> <a href="part-2/a.html#gone">x</a>
<a href="missing.html">x</a> <a href="https://example.com/">ok</a> <a href="#top">x</a>
<a href="part-2/">ok: the folder's index</a>"##,
        )
        .expect("write");
        fs::write(
            dir.join("part-2/a.html"),
            r#"<h1 id="here">A</h1><a href="../index.html">ok</a>"#,
        )
        .expect("write");
        fs::write(dir.join("part-2/index.html"), "").expect("write");
        let broken = broken_links(&dir).expect("scan");
        let summary: Vec<(String, String)> = broken
            .iter()
            .map(|b| (b.page.clone(), b.link.clone()))
            .collect();
        assert_eq!(
            summary,
            [
                ("index.html".to_owned(), "part-2/a.html#gone".to_owned()),
                ("index.html".to_owned(), "missing.html".to_owned()),
                ("index.html".to_owned(), "#top".to_owned()),
            ]
        );
        assert!(
            broken[0].reason.contains("no id=\"gone\" in part-2/a.html"),
            "{}",
            broken[0]
        );
        let _ = fs::remove_dir_all(&dir);
    }
}
