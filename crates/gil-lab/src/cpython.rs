//! Real CPython, for the second column: the same workload text, driven by
//! `python/driver.py`, timed inside Python with `time.perf_counter()`.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value as Json;

const DRIVER: &str = include_str!("../python/driver.py");

/// A `python3` found on this machine.
pub struct Python {
    program: String,
    /// Its version, as `sys.version` starts.
    pub version: String,
    /// Seconds each script spins before its timed call (see `_warm_up` in driver.py).
    pub warm_up: f64,
}

impl Python {
    /// `$GIL_LAB_PYTHON`, or `python3` on the PATH; `None` if it does not run.
    pub fn find() -> Option<Python> {
        let program = std::env::var("GIL_LAB_PYTHON").unwrap_or_else(|_| "python3".to_owned());
        let mut python = Python {
            program,
            version: String::new(),
            warm_up: 0.0,
        };
        let answer = python.run("", "version()", Duration::from_secs(20)).ok()?;
        python.version = answer["version"].as_str()?.to_owned();
        Some(python)
    }

    /// Runs `call` (an expression of the driver's helpers) after the prelude, `workload` and
    /// the driver; returns what it printed, as JSON. Killed after `limit`.
    pub fn run(&self, workload: &str, call: &str, limit: Duration) -> Result<Json, String> {
        let script = format!(
            "{prelude}\n{lab_prelude}\n{workload}\n{DRIVER}\n_warm_up({warm_up})\nprint(json.dumps({call}))\n",
            warm_up = self.warm_up,
            prelude = toy_python::CPYTHON_PRELUDE,
            lab_prelude = LAB_PRELUDE,
        );
        let mut child = Command::new(&self.program)
            .arg("-")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("could not start {}: {e}", self.program))?;
        let mut stdin = child.stdin.take().expect("stdin is piped");
        let mut stdout = child.stdout.take().expect("stdout is piped");
        let mut stderr = child.stderr.take().expect("stderr is piped");
        let writer = thread::spawn(move || stdin.write_all(script.as_bytes()));
        let out = thread::spawn(move || {
            let mut text = String::new();
            stdout.read_to_string(&mut text).map(|_| text)
        });
        let err = thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        let start = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
                break status;
            }
            if start.elapsed() > limit {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("python3 took longer than {} s", limit.as_secs()));
            }
            thread::sleep(Duration::from_millis(5));
        };
        let _ = writer.join();
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

/// Python stand-ins for the lab's natives: CPython has no GIL-free `integrate`, so the
/// native rows of the escape experiment have no CPython column; these only make the
/// workload text load.
const LAB_PRELUDE: &str = "\
def integrate(steps):
    raise RuntimeError('no native integrate under CPython')


def integrate_holding_the_gil(steps):
    raise RuntimeError('no native integrate under CPython')
";
