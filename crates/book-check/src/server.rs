//! A tiny HTTP server for the built book, std only: GET and HEAD of the files under one
//! folder, served under a sub-path (`/course-book/`) as GitHub Pages serves a project's
//! site, so that a link that climbs out of the book shows up as a 404.

use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::Error;

/// The sub-path the book is served under unless it says otherwise (a GitHub Pages project
/// site is served under `/REPOSITORY/`).
pub const SUB_PATH: &str = "/course-book/";

/// The server; it stops when dropped.
pub struct Server {
    /// `http://127.0.0.1:PORT/course-book/`
    pub base: String,
    /// `http://127.0.0.1:PORT`
    pub origin: String,
    stop: Arc<AtomicBool>,
    address: std::net::SocketAddr,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Serves `root` under `sub_path` (`/x/`) on a free port of 127.0.0.1.
    pub fn start(root: &Path, sub_path: &str) -> Result<Self, Error> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .map_err(|e| Error::Io(format!("cannot listen on 127.0.0.1: {e}")))?;
        let address = listener
            .local_addr()
            .map_err(|e| Error::Io(format!("cannot read the server's address: {e}")))?;
        let stop = Arc::new(AtomicBool::new(false));
        let root = root.to_path_buf();
        let sub_path: Arc<str> = Arc::from(sub_path);
        let serving = Arc::clone(&sub_path);
        let stopping = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("book-server".to_owned())
            .spawn(move || {
                for stream in listener.incoming() {
                    if stopping.load(Ordering::SeqCst) {
                        return;
                    }
                    let Ok(stream) = stream else { continue };
                    let root = root.clone();
                    let sub_path = Arc::clone(&serving);
                    let _ = std::thread::Builder::new()
                        .name("book-server-connection".to_owned())
                        .spawn(move || {
                            let _ = serve(stream, &root, &sub_path);
                        });
                }
            })
            .map_err(|e| Error::Io(format!("cannot start a thread: {e}")))?;
        Ok(Server {
            base: format!("http://{address}{sub_path}"),
            origin: format!("http://{address}"),
            stop,
            address,
            thread: Some(thread),
        })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees the flag.
        let _ = TcpStream::connect_timeout(&self.address, Duration::from_secs(1));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(stream: TcpStream, root: &Path, sub_path: &str) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.set_write_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
    }
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("");
    let target = parts.next().unwrap_or("");
    let mut stream = stream;
    let (status, content_type, body) = match (method, file_for(root, sub_path, target)) {
        ("GET" | "HEAD", Some(path)) => match std::fs::read(&path) {
            Ok(body) => ("200 OK", content_type(&path), body),
            Err(_) => not_found(),
        },
        ("GET" | "HEAD", None) => not_found(),
        _ => (
            "405 Method Not Allowed",
            "text/plain",
            b"GET only\n".to_vec(),
        ),
    };
    // A file is kept by the browser for the run (each run has a new server on a new port
    // and a new browser profile): every page is loaded at 1280 px, again at 375 px, and the
    // puzzle pages once more, and each load would fetch the same scripts, styles and fonts.
    // A missing file is asked for again each time, so each page that wants it shows it.
    let cache = if status.starts_with("200") {
        "max-age=3600"
    } else {
        "no-store"
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Cache-Control: {cache}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    if method != "HEAD" {
        stream.write_all(&body)?;
    }
    stream.flush()?;
    stream.shutdown(Shutdown::Both)
}

fn not_found() -> (&'static str, &'static str, Vec<u8>) {
    ("404 Not Found", "text/plain", b"not found\n".to_vec())
}

/// The file a request target names under `root`: only under `sub_path`, never outside
/// `root`, a folder's `index.html`.
fn file_for(root: &Path, sub_path: &str, target: &str) -> Option<PathBuf> {
    let path = target.split(['?', '#']).next().unwrap_or("");
    let rest = path.strip_prefix(sub_path)?;
    let decoded = crate::percent_decode(rest);
    let relative = Path::new(&decoded);
    if relative
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return None;
    }
    let file = root.join(relative);
    let file = if file.is_dir() {
        file.join("index.html")
    } else {
        file
    };
    file.is_file().then_some(file)
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "ico" => "image/x-icon",
        "json" => "application/json",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "txt" | "md" | "rs" | "toml" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_files_under_the_sub_path_and_the_root() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        assert_eq!(
            file_for(root, SUB_PATH, "/course-book/Cargo.toml?x=1"),
            Some(root.join("Cargo.toml"))
        );
        assert_eq!(file_for(root, SUB_PATH, "/Cargo.toml"), None);
        assert_eq!(file_for(root, SUB_PATH, "/course-book/../Cargo.toml"), None);
        assert_eq!(
            file_for(root, SUB_PATH, "/course-book/%2e%2e/Cargo.toml"),
            None
        );
        assert_eq!(file_for(root, SUB_PATH, "/course-book/missing.html"), None);
    }
}
