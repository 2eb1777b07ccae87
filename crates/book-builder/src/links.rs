//! Links from the book into the repository: `[exercises/exercise-04-spin-lock/](repo:exercises/exercise-04-spin-lock)`
//! in a chapter becomes a link to that folder.
//!
//! Where such a link leads depends on who reads the book:
//! - the published book (built by the Pages workflow, where GitHub Actions sets
//!   `GITHUB_REPOSITORY`, or wherever `COURSE_REPOSITORY_URL` is set) links to the folder on
//!   the repository's web page (`.../tree/main/exercises/...`);
//! - a book built on the learner's machine links to the folder on their disk (`file://`), which
//!   holds their own code, not the upstream's.
//!
//! The repository's web address also becomes the mdBook menu bar's repository icon and the
//! "suggest an edit" link of every page.

use std::path::{Path, PathBuf};

use mdbook_driver::book::{Book, BookItem};
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};

/// The scheme of a link into the repository, in the book's Markdown.
pub const SCHEME: &str = "repo:";

/// The repository on the web: `https://github.com/OWNER/NAME` and the branch to link to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebRepository {
    pub url: String,
    pub branch: String,
}

impl WebRepository {
    /// From the environment: `COURSE_REPOSITORY_URL` (and `COURSE_REPOSITORY_BRANCH`), or
    /// the variables every GitHub Actions job has (`GITHUB_SERVER_URL`, `GITHUB_REPOSITORY`,
    /// `GITHUB_REF_NAME` when the ref is a branch). `None` on a learner's machine.
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Option<WebRepository> {
        let non_empty = |name: &str| var(name).filter(|value| !value.trim().is_empty());
        let branch = |fallback: Option<String>| {
            non_empty("COURSE_REPOSITORY_BRANCH")
                .or(fallback)
                .unwrap_or_else(|| "main".to_owned())
        };
        if let Some(url) = non_empty("COURSE_REPOSITORY_URL") {
            return Some(WebRepository {
                url: url.trim().trim_end_matches('/').to_owned(),
                branch: branch(None),
            });
        }
        let repository = non_empty("GITHUB_REPOSITORY")?;
        let server = non_empty("GITHUB_SERVER_URL").unwrap_or_else(|| "https://github.com".into());
        let ref_branch = match var("GITHUB_REF_TYPE").as_deref() {
            Some("branch") => non_empty("GITHUB_REF_NAME"),
            _ => None,
        };
        Some(WebRepository {
            url: format!("{}/{}", server.trim_end_matches('/'), repository.trim()),
            branch: branch(ref_branch),
        })
    }

    /// The web page of `path` (relative to the repository's root): a folder's tree or a
    /// file's blob.
    pub fn page_of(&self, path: &str, is_dir: bool) -> String {
        let kind = if is_dir { "tree" } else { "blob" };
        let path = path.trim_matches('/');
        format!("{}/{kind}/{}/{path}", self.url, self.branch)
    }

    /// mdBook's `edit-url-template`: the source of a page, opened in the web editor.
    pub fn edit_url_template(&self) -> String {
        format!("{}/edit/{}/book/{{path}}", self.url, self.branch)
    }
}

/// Replaces every `(repo:PATH)` link target in the chapters. `PATH` must name a file or
/// folder of the repository: a link to nothing is a build error naming the chapter.
pub struct RepositoryLinks {
    /// The repository's root on disk.
    pub root: PathBuf,
    /// Where the published book links; `None` links to the folders on disk.
    pub web: Option<WebRepository>,
}

impl RepositoryLinks {
    fn resolve(&self, path: &str) -> Result<String, String> {
        let relative = path.trim_matches('/');
        if relative.is_empty()
            || relative
                .split('/')
                .any(|part| part == ".." || part == "." || part.is_empty())
        {
            return Err(format!(
                "`{SCHEME}{path}` must be a plain path inside the repository, such as `{SCHEME}exercises/exercise-04-spin-lock`"
            ));
        }
        let on_disk = self.root.join(relative);
        if !on_disk.exists() {
            return Err(format!(
                "`{SCHEME}{path}` names no file or folder of the repository ({} does not exist)",
                on_disk.display()
            ));
        }
        Ok(match &self.web {
            Some(web) => web.page_of(relative, on_disk.is_dir()),
            None => file_url(&on_disk),
        })
    }

    /// The chapter's Markdown with every repository link replaced.
    pub fn rewrite(&self, markdown: &str) -> Result<String, String> {
        let opening = format!("]({SCHEME}");
        let mut out = String::with_capacity(markdown.len());
        let mut rest = markdown;
        while let Some(at) = rest.find(&opening) {
            out.push_str(&rest[..at + 2]);
            let after = &rest[at + opening.len()..];
            let end = after
                .find([')', '\n'])
                .filter(|&end| after.as_bytes()[end] == b')')
                .ok_or_else(|| format!("a `{SCHEME}` link has no closing `)`"))?;
            out.push_str(&self.resolve(&after[..end])?);
            rest = &after[end..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

impl Preprocessor for RepositoryLinks {
    fn name(&self) -> &str {
        "course-repository-links"
    }

    fn run(
        &self,
        _ctx: &PreprocessorContext,
        mut book: Book,
    ) -> mdbook_driver::errors::Result<Book> {
        let mut failure = None;
        book.for_each_mut(|item| {
            let BookItem::Chapter(chapter) = item else {
                return;
            };
            if failure.is_some() {
                return;
            }
            match self.rewrite(&chapter.content) {
                Ok(content) => chapter.content = content,
                Err(reason) => {
                    let source = chapter
                        .source_path
                        .as_deref()
                        .map(|path| format!("book/src/{}", path.display()))
                        .unwrap_or_else(|| chapter.name.clone());
                    failure = Some(format!("{source}: {reason}"));
                }
            }
        });
        match failure {
            Some(reason) => Err(anyhow_like(reason)),
            None => Ok(book),
        }
    }
}

fn anyhow_like(message: String) -> mdbook_driver::errors::Error {
    mdbook_driver::errors::Error::msg(message)
}

/// `file:///abs/path`, with the bytes a URL may not hold percent-encoded.
pub fn file_url(path: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let text = absolute.to_string_lossy().replace('\\', "/");
    let mut url = String::from("file://");
    if !text.starts_with('/') {
        url.push('/');
    }
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' | b':' => {
                url.push(byte as char)
            }
            other => url.push_str(&format!("%{other:02X}")),
        }
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn the_web_repository_comes_from_the_course_variable_or_github_actions() {
        assert_eq!(WebRepository::from_env(env(&[])), None);
        assert_eq!(
            WebRepository::from_env(env(&[("COURSE_REPOSITORY_URL", "https://example.org/c/")])),
            Some(WebRepository {
                url: "https://example.org/c".into(),
                branch: "main".into()
            })
        );
        let actions = WebRepository::from_env(env(&[
            ("GITHUB_SERVER_URL", "https://github.com"),
            ("GITHUB_REPOSITORY", "someone/course"),
            ("GITHUB_REF_TYPE", "branch"),
            ("GITHUB_REF_NAME", "spring-2027"),
        ]))
        .unwrap();
        assert_eq!(actions.url, "https://github.com/someone/course");
        assert_eq!(
            actions.page_of("exercises/exercise-04-spin-lock", true),
            "https://github.com/someone/course/tree/spring-2027/exercises/exercise-04-spin-lock"
        );
        assert_eq!(
            actions.page_of("course.toml", false),
            "https://github.com/someone/course/blob/spring-2027/course.toml"
        );
        // A tag build links to the default branch name, not to the tag as a branch.
        let tag = WebRepository::from_env(env(&[
            ("GITHUB_REPOSITORY", "someone/course"),
            ("GITHUB_REF_TYPE", "tag"),
            ("GITHUB_REF_NAME", "v1"),
        ]))
        .unwrap();
        assert_eq!(tag.branch, "main");
    }

    fn links(web: Option<WebRepository>) -> RepositoryLinks {
        RepositoryLinks {
            root: PathBuf::from(env!("CARGO_MANIFEST_DIR")),
            web,
        }
    }

    #[test]
    fn repository_links_lead_to_the_web_page_or_the_folder_on_disk() {
        let web = links(Some(WebRepository {
            url: "https://github.com/someone/course".into(),
            branch: "main".into(),
        }));
        assert_eq!(
            web.rewrite("see [the code](repo:src) and [the manifest](repo:Cargo.toml).")
                .unwrap(),
            "see [the code](https://github.com/someone/course/tree/main/src) and \
             [the manifest](https://github.com/someone/course/blob/main/Cargo.toml)."
        );
        let local = links(None).rewrite("[here](repo:src/)").unwrap();
        assert!(local.starts_with("[here](file:///"), "{local}");
        assert!(local.ends_with("/book-builder/src)"), "{local}");
        let untouched = "[a](b.md) and `](repo:` in prose has no closing";
        assert!(links(None).rewrite(untouched).is_err());
        assert_eq!(links(None).rewrite("[a](b.md)").unwrap(), "[a](b.md)");
    }

    #[test]
    fn a_link_to_nothing_or_outside_is_an_error_that_says_so() {
        let error = links(None).rewrite("[x](repo:no/such/folder)").unwrap_err();
        assert!(error.contains("names no file or folder"), "{error}");
        let error = links(None).rewrite("[x](repo:../secrets)").unwrap_err();
        assert!(
            error.contains("plain path inside the repository"),
            "{error}"
        );
    }

    #[test]
    fn file_urls_encode_what_a_url_cannot_hold() {
        assert_eq!(
            file_url(Path::new("/home/a b/c#d")),
            "file:///home/a%20b/c%23d"
        );
    }
}
