//! What the grader shows while it works: an indicatif bar on a terminal (exercise by
//! exercise, with the running score), plain lines elsewhere (CI logs), nothing when quiet.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use course::course::Exercise;
use indicatif::{ProgressBar, ProgressStyle};

use crate::report::{ExerciseReport, format_score};

/// How to show progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A bar on a terminal, plain lines otherwise (and always in CI).
    Auto,
    Plain,
    Quiet,
}

pub enum Progress {
    Bar(ProgressBar),
    Plain,
    Quiet,
}

impl Progress {
    pub fn new(mode: Mode, exercises: usize) -> Progress {
        let terminal = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        match mode {
            Mode::Quiet => Progress::Quiet,
            Mode::Plain => Progress::Plain,
            Mode::Auto if !terminal => Progress::Plain,
            Mode::Auto => {
                let bar = ProgressBar::new(exercises as u64);
                if let Ok(style) = ProgressStyle::with_template(
                    "{spinner} grading [{bar:24}] {pos}/{len} {elapsed:>4} {msg}",
                ) {
                    bar.set_style(style.progress_chars("=> "));
                }
                bar.enable_steady_tick(Duration::from_millis(120));
                Progress::Bar(bar)
            }
        }
    }

    fn line(text: &str) {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "grade: {text}");
    }

    /// A step of the whole run.
    pub fn note(&mut self, text: &str) {
        match self {
            Progress::Bar(bar) => bar.set_message(text.to_owned()),
            Progress::Plain => Self::line(text),
            Progress::Quiet => {}
        }
    }

    /// An exercise enters a phase (building, running).
    pub fn phase(&mut self, ex: &Exercise, phase: &str) {
        let text = format!("{} {}: {phase}", ex.id(), ex.slug);
        self.note(&text);
    }

    /// A line from cargo while building (shown on the bar only).
    pub fn detail(&mut self, line: &str) {
        if let Progress::Bar(bar) = self {
            let current = bar.message();
            let head = current.split(" · ").next().unwrap_or("").to_owned();
            bar.set_message(format!("{head} · {line}"));
        }
    }

    /// A line a test binary printed (never shown: hidden tests print too).
    pub fn test_line(&mut self, _line: &str) {}

    /// An exercise is graded.
    pub fn finished(&mut self, report: &ExerciseReport, running: f64, max: f64) {
        let text = format!(
            "{:02} {}: {} {} / {} (score so far {} / {})",
            report.number,
            report.slug,
            report.status.name(),
            format_score(report.score),
            format_score(report.max_score),
            format_score(running),
            format_score(max)
        );
        match self {
            Progress::Bar(bar) => {
                bar.println(format!("  {text}"));
                bar.inc(1);
            }
            Progress::Plain => Self::line(&text),
            Progress::Quiet => {}
        }
    }

    pub fn done(&mut self) {
        if let Progress::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}
