//! Command-line arguments, parsed by hand: a handful of commands, each with at most one
//! exercise and one flag.

use crate::error::{Error, Result};

/// What the user asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Progress over every exercise and the next thing to do (also: no command at all).
    Dashboard,
    /// The exercises with their folders and chapters.
    List,
    /// Run one exercise's graded suite and explain the result.
    Check { exercise: String },
    /// Staged hints for one exercise.
    Hint { exercise: String, mode: HintMode },
    /// Build the book into `target/book`.
    Book { open: bool },
    /// The maintainer check: stubs fail, solutions pass, mutants are caught.
    Verify { exercise: Option<String> },
    /// Rerun the checks on every save (not available yet).
    Watch,
    /// Print the usage of a topic.
    Help(Topic),
}

/// Which hints `hint NN` shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HintMode {
    /// One more than last time.
    Next,
    /// All of them, without changing the count.
    All,
    /// Forget how many were shown.
    Reset,
}

/// A usage text: the general one, or one command's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    General,
    Dashboard,
    List,
    Check,
    Hint,
    Book,
    Verify,
    Watch,
}

impl Topic {
    fn from_command(name: &str) -> Option<Topic> {
        Some(match name {
            "dashboard" => Topic::Dashboard,
            "list" => Topic::List,
            "check" => Topic::Check,
            "hint" => Topic::Hint,
            "book" => Topic::Book,
            "verify" => Topic::Verify,
            "watch" => Topic::Watch,
            _ => return None,
        })
    }
}

const GENERAL: &str = "\
usage: cargo run -- [COMMAND] [ARGS]

commands:
  (none), dashboard     your progress over every exercise, and what to do next
  list                  the exercises with their folders and book chapters
  check NN              run exercise NN's tests and explain the result
  hint NN [--all|--reset]
                        the next hint for exercise NN (one more each time)
  book [--open]         build the book into target/book and show how to open it
  verify [NN]           maintainer check: stubs fail, solutions pass, mutants are caught
  help [COMMAND]        this text, or the usage of one command

NN is an exercise number (4 or 04) or its slug (spin-lock).
`cargo run -- COMMAND --help` explains one command.";

const DASHBOARD: &str = "\
usage: cargo run [-- dashboard]

Shows every exercise with its status (not started, in progress with N of M tests passing,
done), then the next exercise to do, its chapter and the commands to work on it.
Exercises you have changed are tested once; the results are cached in
target/course/progress.toml until you change the exercise again.";

const LIST: &str = "\
usage: cargo run -- list

Lists the exercises in course order with their folders and book chapters.";

const CHECK: &str = "\
usage: cargo run -- check NN

Runs `cargo test -p exercise-NN --no-fail-fast`, shows each test as passed or failed,
the first failure's message, and what to do next. Exits with 0 when every test passes,
1 otherwise. NN is a number (4 or 04) or the exercise's slug (spin-lock).";

const HINT: &str = "\
usage: cargo run -- hint NN [--all | --reset]

Shows the next hint for exercise NN: the first call shows hint 1, the next one hint 2,
and so on (the count is kept in target/course/hints.toml).
  --all     show every hint at once
  --reset   start again from the first hint";

const BOOK: &str = "\
usage: cargo run -- book [--open]

Builds the book from book/ into target/book and prints the page to open.
  --open    also try to open it in your browser";

const VERIFY: &str = "\
usage: cargo run -- verify [NN]

The maintainer check, for every exercise (or only NN): the stub fails its graded suite
(except `source_*` tests), the solution passes it, and every mutant in
tests/mutants/exercise-NN.toml is caught by the tests its `caught_by` names.
Builds in target/course-check. Exits with 0 when everything holds, 1 otherwise.";

const WATCH: &str = "\
usage: cargo run -- watch

Not available yet: run `cargo run -- check NN` after each change instead.";

/// The usage text of `topic`.
pub fn usage(topic: Topic) -> &'static str {
    match topic {
        Topic::General => GENERAL,
        Topic::Dashboard => DASHBOARD,
        Topic::List => LIST,
        Topic::Check => CHECK,
        Topic::Hint => HINT,
        Topic::Book => BOOK,
        Topic::Verify => VERIFY,
        Topic::Watch => WATCH,
    }
}

fn is_help(arg: &str) -> bool {
    matches!(arg, "-h" | "--help")
}

/// Parses the arguments after the program name.
pub fn parse<S: AsRef<str>>(args: &[S]) -> Result<Command> {
    let args: Vec<&str> = args.iter().map(AsRef::as_ref).collect();
    let Some((&first, rest)) = args.split_first() else {
        return Ok(Command::Dashboard);
    };
    if is_help(first) {
        return Ok(Command::Help(Topic::General));
    }
    if first == "help" {
        return match rest {
            [] => Ok(Command::Help(Topic::General)),
            [name] => Topic::from_command(name).map(Command::Help).ok_or_else(|| {
                Error::new(format!("no help for `{name}`: there is no such command"))
            }),
            [_, extra, ..] => Err(unexpected(extra, "help", Topic::General)),
        };
    }
    let topic = Topic::from_command(first).ok_or_else(|| {
        if first.starts_with('-') {
            Error::new(format!("unknown option `{first}`"))
        } else {
            Error::new(format!("unknown command `{first}`"))
        }
    })?;
    if rest.iter().any(|arg| is_help(arg)) {
        return Ok(Command::Help(topic));
    }
    let (flags, positionals): (Vec<&str>, Vec<&str>) = rest
        .iter()
        .partition(|arg| arg.starts_with('-') && arg.len() > 1);
    match topic {
        Topic::Dashboard | Topic::List | Topic::Watch => {
            no_flags(first, &flags, topic)?;
            at_most_one(first, &positionals, topic, false)?;
            Ok(match topic {
                Topic::Dashboard => Command::Dashboard,
                Topic::List => Command::List,
                _ => Command::Watch,
            })
        }
        Topic::Check => {
            no_flags(first, &flags, topic)?;
            let exercise = exercise_arg(first, &positionals, topic)?;
            Ok(Command::Check { exercise })
        }
        Topic::Hint => {
            let mode = match flags.as_slice() {
                [] => HintMode::Next,
                ["--all"] => HintMode::All,
                ["--reset"] => HintMode::Reset,
                [one] => {
                    return Err(
                        Error::new(format!("unknown option `{one}` for `hint`")).with_topic(topic)
                    );
                }
                _ => {
                    return Err(Error::new("`hint` takes at most one of --all and --reset")
                        .with_topic(topic));
                }
            };
            let exercise = exercise_arg(first, &positionals, topic)?;
            Ok(Command::Hint { exercise, mode })
        }
        Topic::Book => {
            let open = match flags.as_slice() {
                [] => false,
                ["--open"] => true,
                [one, ..] => {
                    return Err(
                        Error::new(format!("unknown option `{one}` for `book`")).with_topic(topic)
                    );
                }
            };
            at_most_one(first, &positionals, topic, false)?;
            Ok(Command::Book { open })
        }
        Topic::Verify => {
            no_flags(first, &flags, topic)?;
            at_most_one(first, &positionals, topic, true)?;
            let exercise = positionals
                .first()
                .map(|arg| checked_exercise(arg, topic))
                .transpose()?;
            Ok(Command::Verify { exercise })
        }
        Topic::General => Ok(Command::Help(Topic::General)),
    }
}

fn unexpected(arg: &str, command: &str, topic: Topic) -> Error {
    Error::new(format!("unexpected argument `{arg}` for `{command}`")).with_topic(topic)
}

fn no_flags(command: &str, flags: &[&str], topic: Topic) -> Result<()> {
    match flags.first() {
        Some(flag) => {
            Err(Error::new(format!("unknown option `{flag}` for `{command}`")).with_topic(topic))
        }
        None => Ok(()),
    }
}

fn at_most_one(command: &str, positionals: &[&str], topic: Topic, one_allowed: bool) -> Result<()> {
    let allowed = usize::from(one_allowed);
    match positionals.get(allowed) {
        Some(extra) => Err(unexpected(extra, command, topic)),
        None => Ok(()),
    }
}

fn exercise_arg(command: &str, positionals: &[&str], topic: Topic) -> Result<String> {
    match positionals {
        [one] => checked_exercise(one, topic),
        [] => Err(Error::new(format!(
            "`{command}` needs an exercise number, for example `cargo run -- {command} 04`"
        ))
        .with_topic(topic)),
        [_, extra, ..] => Err(unexpected(extra, command, topic)),
    }
}

/// An exercise is named by a number or a slug; anything else is a typo worth reporting now.
fn checked_exercise(arg: &str, topic: Topic) -> Result<String> {
    let plausible = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if plausible {
        Ok(arg.to_owned())
    } else {
        Err(Error::new(format!(
            "`{arg}` is not an exercise: give its number (04) or its slug (spin-lock)"
        ))
        .with_topic(topic))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(args: &[&str]) -> Command {
        match parse(args) {
            Ok(command) => command,
            Err(error) => panic!("{args:?} should parse, got: {error}"),
        }
    }

    fn err(args: &[&str]) -> Error {
        match parse(args) {
            Ok(command) => panic!("{args:?} should be rejected, got {command:?}"),
            Err(error) => error,
        }
    }

    #[test]
    fn no_arguments_is_the_dashboard() {
        assert_eq!(ok(&[]), Command::Dashboard);
        assert_eq!(ok(&["dashboard"]), Command::Dashboard);
    }

    #[test]
    fn check_and_hint_take_one_exercise() {
        assert_eq!(
            ok(&["check", "04"]),
            Command::Check {
                exercise: "04".into()
            }
        );
        assert_eq!(
            ok(&["check", "spin-lock"]),
            Command::Check {
                exercise: "spin-lock".into()
            }
        );
        assert_eq!(
            ok(&["hint", "4"]),
            Command::Hint {
                exercise: "4".into(),
                mode: HintMode::Next
            }
        );
        assert_eq!(
            ok(&["hint", "--all", "04"]),
            Command::Hint {
                exercise: "04".into(),
                mode: HintMode::All
            }
        );
        assert_eq!(
            ok(&["hint", "04", "--reset"]),
            Command::Hint {
                exercise: "04".into(),
                mode: HintMode::Reset
            }
        );
    }

    #[test]
    fn help_works_on_every_level() {
        assert_eq!(ok(&["--help"]), Command::Help(Topic::General));
        assert_eq!(ok(&["-h"]), Command::Help(Topic::General));
        assert_eq!(ok(&["help"]), Command::Help(Topic::General));
        assert_eq!(ok(&["help", "hint"]), Command::Help(Topic::Hint));
        assert_eq!(ok(&["check", "--help"]), Command::Help(Topic::Check));
        assert_eq!(ok(&["hint", "04", "-h"]), Command::Help(Topic::Hint));
        assert_eq!(ok(&["verify", "--help"]), Command::Help(Topic::Verify));
    }

    #[test]
    fn book_and_verify_options() {
        assert_eq!(ok(&["book"]), Command::Book { open: false });
        assert_eq!(ok(&["book", "--open"]), Command::Book { open: true });
        assert_eq!(ok(&["verify"]), Command::Verify { exercise: None });
        assert_eq!(
            ok(&["verify", "05"]),
            Command::Verify {
                exercise: Some("05".into())
            }
        );
        assert_eq!(ok(&["list"]), Command::List);
        assert_eq!(ok(&["watch"]), Command::Watch);
    }

    #[test]
    fn mistakes_are_errors_with_the_right_usage() {
        let e = err(&["frobnicate"]);
        assert_eq!(e.message(), "unknown command `frobnicate`");
        assert_eq!(e.topic(), Topic::General);

        let e = err(&["check"]);
        assert!(e.message().contains("needs an exercise number"), "{e}");
        assert_eq!(e.topic(), Topic::Check);

        let e = err(&["check", "04", "05"]);
        assert_eq!(e.message(), "unexpected argument `05` for `check`");

        let e = err(&["hint", "04", "--everything"]);
        assert_eq!(e.message(), "unknown option `--everything` for `hint`");

        let e = err(&["hint", "04", "--all", "--reset"]);
        assert!(e.message().contains("at most one"), "{e}");

        let e = err(&["hint", "Spin_Lock"]);
        assert!(e.message().contains("is not an exercise"), "{e}");

        let e = err(&["list", "--fast"]);
        assert_eq!(e.topic(), Topic::List);

        let e = err(&["help", "nope"]);
        assert!(e.message().contains("no such command"), "{e}");

        let e = err(&["--version"]);
        assert_eq!(e.message(), "unknown option `--version`");
    }
}
