//! Python, for the second column: `python/lab.py`, written to a temporary directory (so that
//! multiprocessing's spawn and forkserver children can import it) and run with python3,
//! under a deadline.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::thread;
use std::time::Duration;

use serde_json::Value as Json;

use crate::child::Deadline;

const SCRIPT: &str = include_str!("../python/lab.py");

/// A `python3` found on this machine.
pub struct Python {
    program: String,
    script: PathBuf,
    /// `version()` of the script: version, default start method, the methods there are.
    pub about: Json,
}

impl Python {
    /// `$SWITCH_LAB_PYTHON`, or `python3` on the PATH; `Err` with the reason if it does not
    /// run.
    pub fn find() -> Result<Python, String> {
        let program = std::env::var("SWITCH_LAB_PYTHON").unwrap_or_else(|_| "python3".to_owned());
        let dir = std::env::temp_dir().join(format!("switch-lab-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let script = dir.join("lab.py");
        std::fs::write(&script, SCRIPT).map_err(|e| format!("{}: {e}", script.display()))?;
        let mut python = Python {
            program,
            script,
            about: Json::Null,
        };
        python.about = python.run("version()", Duration::from_secs(20))?;
        Ok(python)
    }

    pub fn version(&self) -> String {
        format!(
            "{} {}",
            self.about["implementation"].as_str().unwrap_or("Python"),
            self.about["version"].as_str().unwrap_or("?")
        )
    }

    /// The start method multiprocessing uses when none is named.
    pub fn default_start_method(&self) -> &str {
        self.about["default_start_method"].as_str().unwrap_or("?")
    }

    /// The start methods this platform has.
    pub fn start_methods(&self) -> Vec<String> {
        self.about["start_methods"]
            .as_array()
            .map(|methods| {
                methods
                    .iter()
                    .filter_map(|m| m.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Runs `call` (an expression of the script's functions); returns what it printed, as
    /// JSON. Killed, with its children, after `limit`.
    pub fn run(&self, call: &str, limit: Duration) -> Result<Json, String> {
        let deadline = Deadline::new(limit);
        let mut command = Command::new(&self.program);
        command
            .arg(&self.script)
            .arg(call)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .env("PYTHONUNBUFFERED", "1");
        let (index, pipes) = deadline
            .spawn_group(&mut command)
            .map_err(|e| format!("could not start {}: {e}", self.program))?;
        let mut stdout = pipes.stdout.expect("stdout is piped");
        let mut stderr = pipes.stderr.expect("stderr is piped");
        let out = thread::spawn(move || {
            let mut text = String::new();
            stdout.read_to_string(&mut text).map(|_| text)
        });
        let err = thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        let status = deadline.reap(index).map_err(|e| e.to_string())?;
        if deadline.expired() {
            return Err(deadline.error(&format!("python3 running {call}")));
        }
        let text = out
            .join()
            .map_err(|_| "reading python3's output failed")?
            .map_err(|e| e.to_string())?;
        let errors = err.join().unwrap_or_default();
        if !status.success() {
            let last = errors.lines().last().unwrap_or("").trim().to_owned();
            return Err(format!("python3 failed ({status}): {last}"));
        }
        let last_line = text.lines().last().unwrap_or("");
        serde_json::from_str(last_line).map_err(|e| format!("python3 printed {last_line:?}: {e}"))
    }
}

impl Drop for Python {
    fn drop(&mut self) {
        if let Some(dir) = self.script.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
