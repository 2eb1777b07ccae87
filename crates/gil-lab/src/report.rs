//! Options, and the two ways results come out: tables for people, JSON for tools.

use std::path::PathBuf;

use serde_json::{Value as Json, json};

/// The experiments, in the order they run, each with the line `--help` gives it.
const EXPERIMENT_LIST: [(&str, &str); 10] = [
    (
        "cpu",
        "CPU-bound work: 1 thread vs the same work in each of 2 threads",
    ),
    (
        "interval",
        "2 CPU-bound threads, switch interval from 5 ms down to 1 µs",
    ),
    (
        "io",
        "I/O-bound: 1 thread vs 20 threads, each sleeping the same",
    ),
    (
        "mixed",
        "1 CPU-bound thread alone, and beside 20 I/O-bound threads",
    ),
    (
        "convoy",
        "latency of an I/O thread beside 0, 1, 2 CPU-bound threads",
    ),
    (
        "old-gil",
        "Python 2's GIL (release every 100 instructions) vs ours",
    ),
    (
        "escape",
        "threads vs processes vs native code without the GIL",
    ),
    (
        "lost-update",
        "`counter += bump()` and `counter += 1` in 2 threads",
    ),
    ("speed", "our interpreter's raw speed, against CPython"),
    (
        "timeline",
        "who held the GIL when: SVG and Chrome-trace JSON (Perfetto)",
    ),
];

/// The experiments' names, in the order they run.
pub const EXPERIMENTS: [&str; 10] = {
    let mut names = [""; 10];
    let mut i = 0;
    while i < names.len() {
        names[i] = EXPERIMENT_LIST[i].0;
        i += 1;
    }
    names
};

/// The `--help` text.
pub fn usage() -> String {
    let experiments: String = EXPERIMENT_LIST
        .iter()
        .map(|(name, what)| format!("  {name:<14} {what}\n"))
        .collect();
    format!(
        "\
The GIL lab: the classic GIL measurements on your interpreter's GIL, beside real CPython.

usage: cargo run --release -p exercise-18 --example lab -- [options] [experiment...]
       (-p solution-18 runs it on the reference GIL and pool instead)

options:
  --quick        small sizes: finishes in seconds (the shapes are not reliable then)
  --json         print one JSON document instead of tables
  --no-python    do not run CPython even if python3 is installed
  --out DIR      where the timeline files go (default: target/lab)
  --list         list the experiments and exit
  -h, --help     this text

experiments (default: all of them, in this order):
{experiments}
Set GIL_LAB_PYTHON to use another Python than python3."
    )
}

/// What the command line asked for.
pub struct Options {
    pub quick: bool,
    pub json: bool,
    pub python: bool,
    pub out: PathBuf,
    pub only: Vec<String>,
}

impl Options {
    /// `Ok(None)` for `--help` (and `--list`, which prints itself).
    pub fn parse(args: &[String]) -> Result<Option<Options>, String> {
        let mut options = Options {
            quick: false,
            json: false,
            python: true,
            out: PathBuf::from("target/lab"),
            only: Vec::new(),
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--quick" => options.quick = true,
                "--json" => options.json = true,
                "--no-python" => options.python = false,
                "--out" => {
                    let dir = args.next().ok_or("--out needs a directory")?;
                    options.out = PathBuf::from(dir);
                }
                "--list" => {
                    println!("{}", EXPERIMENTS.join("\n"));
                    std::process::exit(0);
                }
                "-h" | "--help" => return Ok(None),
                name if EXPERIMENTS.contains(&name) => options.only.push(name.to_owned()),
                other if other.starts_with('-') => {
                    return Err(format!("unknown option {other:?}"));
                }
                other => {
                    return Err(format!(
                        "no experiment is called {other:?}; there are: {}",
                        EXPERIMENTS.join(", ")
                    ));
                }
            }
        }
        Ok(Some(options))
    }

    pub fn wants(&self, experiment: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|o| o == experiment)
    }
}

/// One experiment's results.
pub struct Table {
    pub id: &'static str,
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// The raw numbers, for `--json`.
    pub data: Json,
    /// The shapes the published measurements have, and whether this run shows them.
    pub checks: Vec<(String, bool)>,
    /// Lines printed under the table.
    pub notes: Vec<String>,
}

impl Table {
    pub fn new(id: &'static str, title: impl Into<String>, headers: &[&str]) -> Table {
        Table {
            id,
            title: title.into(),
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
            data: json!({}),
            checks: Vec::new(),
            notes: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn check(&mut self, what: impl Into<String>, holds: bool) {
        self.checks.push((what.into(), holds));
    }

    /// A Markdown table: readable in a terminal, and pasted as is into the book.
    pub fn render(&self) -> String {
        let columns = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(columns) {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        let line = |cells: &[String]| {
            let padded: Vec<String> = (0..columns)
                .map(|i| {
                    let cell = cells.get(i).map(String::as_str).unwrap_or("");
                    format!("{cell:<width$}", width = widths[i])
                })
                .collect();
            format!("| {} |", padded.join(" | "))
        };
        let mut out = format!("## {}\n\n", self.title);
        out += &line(&self.headers);
        out += "\n";
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        out += &format!("| {} |\n", rule.join(" | "));
        for row in &self.rows {
            out += &line(row);
            out += "\n";
        }
        for note in &self.notes {
            out += &format!("\n{note}");
        }
        if !self.notes.is_empty() {
            out += "\n";
        }
        // One list item per check: in the book, lines that merely follow each other are
        // one paragraph.
        for (what, holds) in &self.checks {
            out += &format!("\n- {} {what}", if *holds { "✓" } else { "✗" });
        }
        out
    }

    pub fn to_json(&self) -> Json {
        json!({
            "id": self.id,
            "title": self.title,
            "headers": self.headers,
            "rows": self.rows,
            "data": self.data,
            "notes": self.notes,
            "checks": self.checks.iter().map(|(what, holds)| json!({"what": what, "holds": holds})).collect::<Vec<_>>(),
        })
    }
}

/// Seconds, in a unit that suits them. A no-break space (U+00A0) joins the number to its
/// unit, so that a narrow table column in the book never wraps one away from the other.
pub fn seconds(s: f64) -> String {
    if s >= 1.0 {
        format!("{s:.2}\u{a0}s")
    } else if s >= 1e-3 {
        format!("{:.1}\u{a0}ms", s * 1e3)
    } else {
        format!("{:.1}\u{a0}µs", s * 1e6)
    }
}

/// A ratio, as `1.97×`.
pub fn times(ratio: f64) -> String {
    format!("{ratio:.2}×")
}
