//! Options, and the two ways results come out: tables for people, JSON for tools.

use serde_json::{Value as Json, json};

/// The experiments, in the order they run, each with the line `--help` gives it.
const EXPERIMENT_LIST: [(&str, &str); 3] = [
    (
        "start",
        "start and wait for a thread, a process, a green task (and Python's)",
    ),
    (
        "ping-pong",
        "a token passed back and forth: green tasks, threads, processes",
    ),
    (
        "job",
        "the same CPU-bound job in 1 and 2 threads and processes",
    ),
];

/// The experiments' names, in the order they run.
pub const EXPERIMENTS: [&str; 3] = [
    EXPERIMENT_LIST[0].0,
    EXPERIMENT_LIST[1].0,
    EXPERIMENT_LIST[2].0,
];

/// The `--help` text.
pub fn usage() -> String {
    let experiments: String = EXPERIMENT_LIST
        .iter()
        .map(|(name, what)| format!("  {name:<11} {what}\n"))
        .collect();
    format!(
        "\
The Part 1 lab: what starting and switching threads, processes and green tasks costs on
this machine, with your exercise 01 (threads and processes) and 02 (green threads), beside
Python's threading, multiprocessing and asyncio.

usage: cargo run --release -p exercise-01 --example lab -- [options] [experiment...]
       (-p solution-01 runs it on the reference code instead)

options:
  --quick        small sizes: finishes in seconds (the shapes are not reliable then)
  --json         print one JSON document instead of tables
  --no-python    do not run Python even if python3 is installed
  --list         list the experiments and exit
  -h, --help     this text

experiments (default: all of them, in this order):
{experiments}
Set SWITCH_LAB_PYTHON to use another Python than python3."
    )
}

/// What the command line asked for.
pub struct Options {
    pub quick: bool,
    pub json: bool,
    pub python: bool,
    pub only: Vec<String>,
}

impl Options {
    /// `Ok(None)` for `--help` (and `--list`, which prints itself).
    pub fn parse(args: &[String]) -> Result<Option<Options>, String> {
        let mut options = Options {
            quick: false,
            json: false,
            python: true,
            only: Vec::new(),
        };
        for arg in args {
            match arg.as_str() {
                "--quick" => options.quick = true,
                "--json" => options.json = true,
                "--no-python" => options.python = false,
                "--list" => {
                    println!("{}", EXPERIMENTS.join("\n"));
                    std::process::exit(0);
                }
                "-h" | "--help" => return Ok(None),
                name if EXPERIMENTS.contains(&name) => {
                    if !options.only.iter().any(|o| o == name) {
                        options.only.push(name.to_owned());
                    }
                }
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
        // A paragraph per note, for the same reason.
        for note in &self.notes {
            out += &format!("\n{note}\n");
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
    } else if s >= 1e-6 {
        format!("{:.1}\u{a0}µs", s * 1e6)
    } else {
        format!("{:.0}\u{a0}ns", s * 1e9)
    }
}

/// A ratio, as `1.97×`.
pub fn times(ratio: f64) -> String {
    if ratio >= 100.0 {
        format!("{ratio:.0}×")
    } else if ratio >= 10.0 {
        format!("{ratio:.1}×")
    } else {
        format!("{ratio:.2}×")
    }
}
