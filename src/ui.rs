//! Output: colours and progress on a terminal, plain lines everywhere else.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Prints a line to stdout. A closed stdout (`course list | head -1`) is not an error worth
/// a panic: the line is dropped.
#[macro_export]
macro_rules! say {
    () => { $crate::ui::print_line("") };
    ($($arg:tt)*) => { $crate::ui::print_line(&format!($($arg)*)) };
}

/// Writes `line` and a newline to stdout, ignoring a closed stdout.
pub fn print_line(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
}

/// How to draw: on a terminal (progress bars, colours) or as plain lines.
#[derive(Debug, Clone, Copy)]
pub struct Ui {
    pub terminal: bool,
    pub color: bool,
}

impl Ui {
    /// Looks at stdout and the usual variables (`NO_COLOR`, `TERM=dumb`).
    pub fn detect() -> Ui {
        let terminal = std::io::stdout().is_terminal();
        let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Ui {
            terminal,
            color: terminal && !dumb && !no_color,
        }
    }

    /// Plain output, for tests.
    pub fn plain() -> Ui {
        Ui {
            terminal: false,
            color: false,
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    pub fn green(&self, text: &str) -> String {
        self.paint("32", text)
    }

    pub fn red(&self, text: &str) -> String {
        self.paint("31", text)
    }

    pub fn yellow(&self, text: &str) -> String {
        self.paint("33", text)
    }

    pub fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }

    pub fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }

    /// A green ✓.
    pub fn tick(&self) -> String {
        self.green("✓")
    }

    /// A red ✗.
    pub fn cross(&self) -> String {
        self.red("✗")
    }

    /// A spinner for one long task (a terminal), or plain lines as its steps change.
    pub fn activity(&self, title: &str) -> Activity {
        if self.terminal {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stdout());
            if let Ok(style) = ProgressStyle::with_template("{spinner} {prefix} {msg} [{elapsed}]")
            {
                bar.set_style(style);
            }
            bar.set_prefix(title.to_owned());
            bar.enable_steady_tick(Duration::from_millis(100));
            Activity {
                bar: Some(bar),
                last: String::new(),
            }
        } else {
            say!("{title}");
            Activity {
                bar: None,
                last: String::new(),
            }
        }
    }

    /// A progress bar over `total` items (a terminal), or one line per item.
    pub fn steps(&self, total: usize) -> Steps {
        let bar = self.terminal.then(|| {
            let bar =
                ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stdout());
            if let Ok(style) =
                ProgressStyle::with_template("{bar:30.cyan/blue} {pos}/{len} {msg} [{elapsed}]")
            {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.enable_steady_tick(Duration::from_millis(100));
            bar
        });
        Steps {
            bar,
            total,
            position: 0,
            current: String::new(),
        }
    }
}

/// See [`Ui::activity`].
pub struct Activity {
    bar: Option<ProgressBar>,
    last: String,
}

impl Activity {
    /// What is happening now (`compiling sync-shim`). Plain output prints each change once.
    pub fn step(&mut self, message: &str) {
        if message == self.last {
            return;
        }
        message.clone_into(&mut self.last);
        match &self.bar {
            Some(bar) => bar.set_message(message.to_owned()),
            None => say!("  {message}"),
        }
    }

    /// Removes the spinner.
    pub fn finish(self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// See [`Ui::steps`].
pub struct Steps {
    bar: Option<ProgressBar>,
    total: usize,
    position: usize,
    current: String,
}

impl Steps {
    /// Starts the next item.
    pub fn start(&mut self, item: &str) {
        self.position += 1;
        item.clone_into(&mut self.current);
        match &self.bar {
            Some(bar) => bar.set_message(item.to_owned()),
            None => say!("[{}/{}] {item}", self.position, self.total),
        }
    }

    /// A detail of the current item (`compiling loom`): shown on a terminal only.
    pub fn detail(&self, detail: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(format!("{}: {detail}", self.current));
        }
    }

    /// Prints a line (above the bar on a terminal).
    pub fn println(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => say!("{line}"),
        }
    }

    /// The current item is done.
    pub fn done(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    /// Removes the bar.
    pub fn finish(self) {
        self.clear();
    }

    /// Removes the bar, keeping it usable (an error is about to be printed).
    pub fn clear(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// `1m 05s`, `12.3 s`.
pub fn duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs >= 60.0 {
        let whole = d.as_secs();
        format!("{}m {:02}s", whole / 60, whole % 60)
    } else {
        format!("{secs:.1} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_well() {
        assert_eq!(duration(Duration::from_millis(12_340)), "12.3 s");
        assert_eq!(duration(Duration::from_secs(65)), "1m 05s");
    }

    #[test]
    fn plain_output_has_no_escape_codes() {
        let ui = Ui::plain();
        assert_eq!(ui.green("ok"), "ok");
        assert_eq!(ui.tick(), "✓");
        let ui = Ui {
            terminal: true,
            color: true,
        };
        assert_eq!(ui.red("x"), "\x1b[31mx\x1b[0m");
    }
}

/// `text` wrapped to `width` columns, each line starting with `indent`.
pub fn wrap(text: &str, width: usize, indent: &str) -> String {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty()
            && indent.len() + line.chars().count() + 1 + word.chars().count() > width
        {
            lines.push(format!("{indent}{line}"));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(format!("{indent}{line}"));
    }
    lines.join("\n")
}

#[cfg(test)]
mod wrap_tests {
    use super::wrap;

    #[test]
    fn wraps_on_words() {
        assert_eq!(
            wrap("one two three four", 12, "  "),
            "  one two\n  three four"
        );
        assert_eq!(
            wrap("averyveryverylongword x", 5, ""),
            "averyveryverylongword\nx"
        );
        assert_eq!(wrap("", 10, "  "), "");
    }
}

/// Writes `warning: {line}` to stderr, ignoring a closed stderr.
pub fn warn(line: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "warning: {line}");
}
