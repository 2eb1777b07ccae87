//! Mistakes in a chapter's Markdown that mdBook renders without a word: an HTML comment or
//! a `<details>` block that is never closed hides the rest of the page, and a code fence
//! that is never closed turns it into code. The build fails instead, naming the line.

use mdbook_driver::book::{Book, BookItem};
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};

/// What is wrong in `markdown`, one message per mistake, each naming its line (1-based).
pub fn lint(markdown: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut fence: Option<(String, usize)> = None;
    let mut comment: Option<usize> = None;
    let mut open_details: Vec<usize> = Vec::new();
    for (index, line) in markdown.lines().enumerate() {
        let number = index + 1;
        let trimmed = line.trim_start();
        if comment.is_none() {
            if let Some((marker, _)) = &fence {
                // Closed by a run of the same character, at least as long, alone on its line.
                let body = trimmed.trim_end();
                let first = marker.chars().next();
                if body.len() >= marker.len() && body.chars().all(|c| Some(c) == first) {
                    fence = None;
                }
                continue;
            }
            if let Some(marker) = fence_marker(trimmed) {
                fence = Some((marker, number));
                continue;
            }
        }
        let mut rest = strip_code_spans(line);
        loop {
            if comment.is_some() {
                match rest.find("-->") {
                    Some(end) => {
                        comment = None;
                        rest = rest[end + 3..].to_owned();
                    }
                    None => break,
                }
            } else {
                let (before, after) = match rest.find("<!--") {
                    Some(start) => (rest[..start].to_owned(), Some(rest[start + 4..].to_owned())),
                    None => (rest.clone(), None),
                };
                count_details(&before, number, &mut open_details, &mut problems);
                match after {
                    Some(after) => {
                        comment = Some(number);
                        rest = after;
                    }
                    None => break,
                }
            }
        }
    }
    if let Some((marker, line)) = fence {
        problems.push(format!(
            "line {line}: the code block opened with {marker} is never closed, so the rest of \
             the page shows as code"
        ));
    }
    if let Some(line) = comment {
        problems.push(format!(
            "line {line}: the HTML comment `<!--` is never closed with `-->`, so the rest of \
             the page is hidden"
        ));
    }
    for line in open_details {
        problems.push(format!(
            "line {line}: `<details>` is never closed with `</details>`, so the rest of the \
             page is folded into it"
        ));
    }
    problems
}

/// The fence a line opens (three or more backticks or tildes), if it opens one.
fn fence_marker(trimmed: &str) -> Option<String> {
    let first = trimmed.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let run = trimmed.chars().take_while(|c| *c == first).count();
    (run >= 3).then(|| first.to_string().repeat(run))
}

/// The line without its inline code spans (`` `<!--` `` names a comment; it does not open one).
fn strip_code_spans(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(start) = rest.find('`') {
        out.push_str(&rest[..start]);
        let ticks = rest[start..].chars().take_while(|c| *c == '`').count();
        let after = &rest[start + ticks..];
        let closing = "`".repeat(ticks);
        match after.find(&closing) {
            Some(end) => rest = &after[end + ticks..],
            None => {
                // An unmatched backtick is literal text.
                out.push_str(&rest[start..start + ticks]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn count_details(text: &str, line: usize, open: &mut Vec<usize>, problems: &mut Vec<String>) {
    let lower = text.to_ascii_lowercase();
    let mut at = 0;
    while at < lower.len() {
        let opening = lower[at..].find("<details").map(|i| at + i);
        let closing = lower[at..].find("</details>").map(|i| at + i);
        match (opening, closing) {
            (Some(o), c) if c.is_none_or(|c| o < c) => {
                open.push(line);
                at = o + "<details".len();
            }
            (_, Some(c)) => {
                if open.pop().is_none() {
                    problems.push(format!(
                        "line {line}: `</details>` closes nothing (no `<details>` is open)"
                    ));
                }
                at = c + "</details>".len();
            }
            _ => break,
        }
    }
}

/// Fails the build on the first chapter with a mistake [`lint`] finds.
pub struct SourceLint;

impl Preprocessor for SourceLint {
    fn name(&self) -> &str {
        "course-source-lint"
    }

    fn run(&self, _ctx: &PreprocessorContext, book: Book) -> mdbook_driver::errors::Result<Book> {
        let mut failures = Vec::new();
        for item in book.iter() {
            let BookItem::Chapter(chapter) = item else {
                continue;
            };
            let Some(path) = chapter.source_path.as_deref() else {
                continue;
            };
            for problem in lint(&chapter.content) {
                failures.push(format!("book/src/{}: {problem}", path.display()));
            }
        }
        if failures.is_empty() {
            Ok(book)
        } else {
            Err(mdbook_driver::errors::Error::msg(failures.join("; ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::lint;

    #[test]
    fn a_clean_page_has_nothing_to_say() {
        let page = "# Title\n\n<!-- lab: cpu -->\ntext\n<!-- end -->\n\n```rust\n// <!-- in code\n```\n\n\
                    <details class=\"answer\"><summary>Answer</summary>\n\nyes\n\n</details>\n\n\
                    Write `<!--` to open a comment and `</details>` to close.\n";
        assert_eq!(lint(page), Vec::<String>::new());
    }

    #[test]
    fn an_unclosed_comment_is_named_by_its_line() {
        let problems = lint("one\n<!-- a note\nthe rest of the page\n");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with("line 2: the HTML comment"),
            "{problems:?}"
        );
    }

    #[test]
    fn an_unclosed_fence_or_details_is_named_by_its_line() {
        let problems = lint("text\n\n```console\n$ cargo test\n");
        assert!(
            problems[0].starts_with("line 3: the code block opened with ```"),
            "{problems:?}"
        );
        let problems = lint("<details><summary>Answer</summary>\n\nyes\n");
        assert!(
            problems[0].starts_with("line 1: `<details>` is never closed"),
            "{problems:?}"
        );
        let problems = lint("</details>\n");
        assert!(problems[0].contains("closes nothing"), "{problems:?}");
    }

    #[test]
    fn a_longer_fence_is_closed_only_by_its_own_marker() {
        assert!(lint("````md\n```rust\n```\n````\n").is_empty());
        assert!(!lint("````md\n```rust\n```\n").is_empty());
    }
}
