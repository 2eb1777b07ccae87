//! Headless Chromium driven over the Chrome DevTools Protocol on a pipe
//! (`--remote-debugging-pipe`): the browser reads NUL-terminated JSON messages on its fd 3
//! and writes its answers and events on its fd 4. No port is opened and no websocket is
//! needed. Every wait for Chromium has a deadline, and the browser's whole process group is
//! killed when [`Chromium`] is dropped, whatever the exit path.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::Error;

/// Where Chromium is: `$CHROMIUM` when set, else `chromium` (Debian's package) or
/// `chromium-browser` on the `PATH`.
pub fn find_chromium() -> Result<PathBuf, Error> {
    if let Some(path) = std::env::var_os("CHROMIUM").filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(Error::ChromiumMissing(format!(
                "CHROMIUM={} is not a file",
                path.display()
            )))
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser"] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
    }
    Err(Error::ChromiumMissing(
        "no `chromium` on the PATH and CHROMIUM is not set".to_owned(),
    ))
}

/// A running headless Chromium with one tab attached.
pub struct Chromium {
    child: Child,
    to_browser: std::io::PipeWriter,
    from_browser: Receiver<Value>,
    /// Events that arrived while waiting for something else, oldest first.
    pending: VecDeque<Value>,
    session: String,
    next_id: u64,
    profile: PathBuf,
    /// Scales every deadline (`COURSE_DEADLINE_SCALE`, as the course's other deadlines).
    scale: f64,
}

/// The timeout of one wait on Chromium, scaled by `COURSE_DEADLINE_SCALE`.
fn deadline_scale() -> f64 {
    std::env::var("COURSE_DEADLINE_SCALE")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| *s >= 1.0)
        .unwrap_or(1.0)
}

fn fresh_temp_dir(what: &str) -> Result<PathBuf, Error> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let dir = std::env::temp_dir().join(format!(
        "book-check-{what}-{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    fs::create_dir_all(&dir)
        .map_err(|e| Error::Io(format!("cannot create {}: {e}", dir.display())))?;
    Ok(dir)
}

/// The process group of the Chromium that is running, 0 when none: a signal handler of
/// the binary kills it on Ctrl+C, when no `Drop` runs.
static RUNNING_GROUP: AtomicI32 = AtomicI32::new(0);

/// Kills the running Chromium's process group, if any. Async-signal-safe (an atomic load
/// and `kill`), so a signal handler may call it.
pub fn kill_running() {
    let group = RUNNING_GROUP.swap(0, Ordering::SeqCst);
    if group > 0 {
        // SAFETY: `kill` has no memory effects; the group is the one `launch` started.
        unsafe {
            libc::kill(-group, libc::SIGKILL);
        }
    }
}

/// Removes the profiles left by checks whose process is gone (killed before its `Drop`).
fn remove_stale_profiles() {
    let Ok(entries) = fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix("book-check-profile-")
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<libc::pid_t>().ok())
        else {
            continue;
        };
        // SAFETY: signal 0 only asks whether the process exists; nothing is sent.
        let gone = unsafe { libc::kill(pid, 0) } != 0
            && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH);
        if gone {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

impl Chromium {
    /// Starts `binary` headless with a fresh profile and attaches to its first tab.
    pub fn launch(binary: &Path) -> Result<Self, Error> {
        remove_stale_profiles();
        let profile = fresh_temp_dir("profile")?;
        let pipe_error = |e: std::io::Error| Error::Io(format!("cannot create a pipe: {e}"));
        // Both ends are close-on-exec; the child gets its two ends as fds 3 and 4 below.
        let (browser_reads, to_browser) = std::io::pipe().map_err(pipe_error)?;
        let (from_browser, browser_writes) = std::io::pipe().map_err(pipe_error)?;
        let read_fd = browser_reads.as_raw_fd();
        let write_fd = browser_writes.as_raw_fd();
        let mut user_data_dir = OsString::from("--user-data-dir=");
        user_data_dir.push(&profile);
        let mut command = Command::new(binary);
        command
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--mute-audio",
                "--remote-debugging-pipe",
            ])
            .arg(user_data_dir)
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(
                fs::File::create(profile.join("chromium-stderr.log"))
                    .map(Stdio::from)
                    .unwrap_or_else(|_| Stdio::null()),
            )
            // Its own process group, so that the renderer and GPU processes die with it.
            .process_group(0);
        // SAFETY: the closure runs in the forked child before exec and calls only `fcntl`
        // and `dup2`, which are async-signal-safe; it allocates nothing and touches no lock.
        // The fds it reads were open in the parent at fork time (the pipe ends are kept
        // alive until after `spawn` returns). Each is first copied above 9, so that the
        // `dup2` onto 3 cannot close the other end when it happens to be fd 3 or 4; `dup2`
        // clears close-on-exec on the copy, so only fds 3 and 4 survive the exec.
        unsafe {
            command.pre_exec(move || {
                let read_high = libc::fcntl(read_fd, libc::F_DUPFD_CLOEXEC, 10);
                let write_high = libc::fcntl(write_fd, libc::F_DUPFD_CLOEXEC, 10);
                if read_high < 0
                    || write_high < 0
                    || libc::dup2(read_high, 3) < 0
                    || libc::dup2(write_high, 4) < 0
                {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = match command.spawn() {
            Ok(child) => child,
            Err(e) => {
                let _ = fs::remove_dir_all(&profile);
                return Err(Error::ChromiumMissing(format!(
                    "cannot start {}: {e}",
                    binary.display()
                )));
            }
        };
        drop(browser_reads);
        drop(browser_writes);
        RUNNING_GROUP.store(child.id() as i32, Ordering::SeqCst);
        let (sender, receiver) = mpsc::channel();
        std::thread::Builder::new()
            .name("chromium-reader".to_owned())
            .spawn(move || {
                let mut reader = BufReader::new(from_browser);
                let mut message = Vec::new();
                loop {
                    message.clear();
                    match reader.read_until(0, &mut message) {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                    if message.last() == Some(&0) {
                        message.pop();
                    }
                    let Ok(value) = serde_json::from_slice::<Value>(&message) else {
                        continue;
                    };
                    if sender.send(value).is_err() {
                        return;
                    }
                }
            })
            .map_err(|e| Error::Io(format!("cannot start a thread: {e}")))?;
        let mut browser = Chromium {
            child,
            to_browser,
            from_browser: receiver,
            pending: VecDeque::new(),
            session: String::new(),
            next_id: 0,
            profile,
            scale: deadline_scale(),
        };
        let targets = browser.call_browser("Target.getTargets", json!({}), 20, "its tabs")?;
        let page = targets["targetInfos"]
            .as_array()
            .and_then(|infos| infos.iter().find(|t| t["type"] == "page"))
            .and_then(|t| t["targetId"].as_str())
            .map(str::to_owned);
        let target_id = match page {
            Some(id) => id,
            None => {
                let created = browser.call_browser(
                    "Target.createTarget",
                    json!({"url": "about:blank"}),
                    20,
                    "a new tab",
                )?;
                created["targetId"].as_str().unwrap_or_default().to_owned()
            }
        };
        let attached = browser.call_browser(
            "Target.attachToTarget",
            json!({"targetId": target_id, "flatten": true}),
            20,
            "attaching to its tab",
        )?;
        browser.session = attached["sessionId"]
            .as_str()
            .ok_or_else(|| Error::Browser("Chromium attached to its tab without a session".into()))?
            .to_owned();
        Ok(browser)
    }

    fn send(&mut self, method: &str, params: Value, session: bool) -> Result<u64, Error> {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({"id": id, "method": method, "params": params});
        if session {
            message["sessionId"] = Value::String(self.session.clone());
        }
        let mut bytes = serde_json::to_vec(&message)
            .map_err(|e| Error::Browser(format!("cannot encode {method}: {e}")))?;
        bytes.push(0);
        self.to_browser
            .write_all(&bytes)
            .and_then(|()| self.to_browser.flush())
            .map_err(|e| Error::Browser(format!("Chromium stopped listening ({method}): {e}")))?;
        Ok(id)
    }

    /// The next message from Chromium, or an error naming `what` once `deadline` passes.
    fn receive(&mut self, deadline: Instant, what: &str, secs: u64) -> Result<Value, Error> {
        let left = deadline.saturating_duration_since(Instant::now());
        match self.from_browser.recv_timeout(left) {
            Ok(message) => Ok(message),
            Err(RecvTimeoutError::Timeout) => Err(Error::Browser(format!(
                "possible hang: Chromium did not answer {what} within {secs} s"
            ))),
            Err(RecvTimeoutError::Disconnected) => Err(Error::Browser(format!(
                "Chromium exited while waiting for {what}{}",
                self.stderr_tail()
            ))),
        }
    }

    fn stderr_tail(&self) -> String {
        let log = fs::read_to_string(self.profile.join("chromium-stderr.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().filter(|l| !l.trim().is_empty()).collect();
        let tail = lines[lines.len().saturating_sub(3)..].join(" | ");
        if tail.is_empty() {
            String::new()
        } else {
            format!(" (its last words: {tail})")
        }
    }

    fn timeout(&self, secs: u64) -> (Instant, u64) {
        let secs = (secs as f64 * self.scale).ceil() as u64;
        (Instant::now() + Duration::from_secs(secs), secs)
    }

    fn call_inner(
        &mut self,
        method: &str,
        params: Value,
        session: bool,
        secs: u64,
        what: &str,
    ) -> Result<Value, Error> {
        let id = self.send(method, params, session)?;
        let (deadline, secs) = self.timeout(secs);
        let what = format!("{method} for {what}");
        loop {
            let message = self.receive(deadline, &what, secs)?;
            if message["id"].as_u64() == Some(id) {
                if let Some(error) = message.get("error") {
                    let text = error["message"].as_str().unwrap_or("an error");
                    return Err(Error::Browser(format!("Chromium refused {what}: {text}")));
                }
                return Ok(message["result"].clone());
            }
            if message.get("method").is_some() {
                self.pending.push_back(message);
            }
        }
    }

    fn call_browser(
        &mut self,
        method: &str,
        params: Value,
        secs: u64,
        what: &str,
    ) -> Result<Value, Error> {
        self.call_inner(method, params, false, secs, what)
    }

    /// Calls `method` in the tab and returns its result; `what` names what it was for in
    /// the messages ("possible hang: Chromium did not answer Page.navigate for X within 20 s").
    pub fn call(
        &mut self,
        method: &str,
        params: Value,
        secs: u64,
        what: &str,
    ) -> Result<Value, Error> {
        self.call_inner(method, params, true, secs, what)
    }

    /// Waits for the event `method` of the tab, keeping the events before it.
    pub fn wait_for_event(&mut self, method: &str, secs: u64, what: &str) -> Result<Value, Error> {
        if let Some(at) = self.pending.iter().position(|m| m["method"] == method) {
            let event = self.pending.remove(at).unwrap_or_default();
            return Ok(event["params"].clone());
        }
        let (deadline, secs) = self.timeout(secs);
        let what = format!("{method} for {what}");
        loop {
            let message = self.receive(deadline, &what, secs)?;
            if message["method"] == method {
                return Ok(message["params"].clone());
            }
            if message.get("method").is_some() {
                self.pending.push_back(message);
            }
        }
    }

    /// The events received so far (and any that are already waiting), oldest first.
    pub fn take_events(&mut self) -> Vec<Value> {
        while let Ok(message) = self.from_browser.try_recv() {
            if message.get("method").is_some() {
                self.pending.push_back(message);
            }
        }
        self.pending.drain(..).collect()
    }

    /// Evaluates `expression` in the page (awaiting it when it is a promise) and returns its
    /// value; an exception in it is an error that names `what`.
    pub fn evaluate(&mut self, expression: &str, secs: u64, what: &str) -> Result<Value, Error> {
        let result = self.call(
            "Runtime.evaluate",
            json!({
                "expression": expression,
                "awaitPromise": true,
                "returnByValue": true,
                "userGesture": true,
            }),
            secs,
            what,
        )?;
        if let Some(exception) = result.get("exceptionDetails") {
            let text = exception["exception"]["description"]
                .as_str()
                .or_else(|| exception["text"].as_str())
                .unwrap_or("an exception");
            let first = text.lines().next().unwrap_or(text);
            return Err(Error::Browser(format!("{what}: the page threw {first}")));
        }
        Ok(result["result"]["value"].clone())
    }

    fn kill(&mut self) {
        let pid = self.child.id() as libc::pid_t;
        let _ = RUNNING_GROUP.compare_exchange(pid, 0, Ordering::SeqCst, Ordering::SeqCst);
        // SAFETY: `kill` has no memory effects; the negative pid names the process group
        // that `process_group(0)` gave Chromium (its own pid), which the child has not been
        // waited for yet, so the id cannot have been reused.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        self.kill();
        // The renderer processes of the group may take a moment to go; the profile is
        // removed once nothing writes to it any more.
        for _ in 0..20 {
            if fs::remove_dir_all(&self.profile).is_ok() || !self.profile.exists() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}
