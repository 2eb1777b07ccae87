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
    /// The maintainer check: stubs fail, solutions pass, mutants are caught (each `repeat`
    /// times), the contract is covered, alternatives pass.
    Verify {
        exercise: Option<String>,
        repeat: u32,
    },
    /// The maintainer's mutation sweep of one solution.
    Sweep {
        exercise: String,
        halves: crate::commands::sweep::Halves,
    },
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
    Sweep,
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
            "sweep" => Topic::Sweep,
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
  verify [NN] [--repeat N]
                        maintainer check: stubs fail, solutions pass, contract covered,
                        mutants caught (N runs each), alternatives pass
  sweep NN [--orderings|--cargo-mutants]
                        maintainer: mutation sweep of solution NN; survivors must be listed
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
usage: cargo run -- verify [NN] [--repeat N]

The maintainer check, for every exercise (or only NN): the stub fails its graded suite
(except `source_*` tests), the solution passes it, the contract in
tests/contracts/exercise-NN.toml names only tests that exist (coverage is shown), every
mutant in tests/mutants/exercise-NN.toml is caught by the tests its `caught_by` names, and
every alternative in tests/alternatives/exercise-NN/ passes the whole suite.
  --repeat N   run each mutant's tests N times; it must be caught every time (20 before a
               suite change lands)
Builds in target/course-check. Exits with 0 when everything holds, 1 otherwise.";

const SWEEP: &str = "\
usage: cargo run -- sweep NN [--orderings | --cargo-mutants]

The mutation sweep of exercise NN's solution against its graded suites: every atomic
ordering weakened one at a time (the course's own mutants), then cargo-mutants (install it
with `cargo install cargo-mutants --locked`). Prints the kill rate of each. Every survivor
must be killed by a test or listed, with the reason it is equivalent, in
tests/mutants/exercise-NN.survivors.toml. Exits with 0 when every survivor is listed.
  --orderings      only the ordering sweep (minutes)
  --cargo-mutants  only cargo-mutants (builds a copy of the workspace: longer)";

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
        Topic::Sweep => SWEEP,
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
            // `--repeat N`: the number is the positional after the flag.
            let mut repeat = 1;
            let mut positionals = positionals;
            match flags.as_slice() {
                [] => {}
                ["--repeat"] => {
                    let at = rest.iter().position(|a| a == &"--repeat").unwrap_or(0);
                    let count = rest.get(at + 1).copied().unwrap_or("");
                    repeat = count
                        .parse::<u32>()
                        .ok()
                        .filter(|n| (1..=1000).contains(n))
                        .ok_or_else(|| {
                            Error::new(format!(
                                "--repeat needs a number of runs from 1 to 1000, not `{count}`"
                            ))
                            .with_topic(topic)
                        })?;
                    if let Some(index) = positionals.iter().position(|p| *p == count) {
                        positionals.remove(index);
                    }
                }
                [one, ..] => {
                    return Err(Error::new(format!("unknown option `{one}` for `verify`"))
                        .with_topic(topic));
                }
            }
            at_most_one(first, &positionals, topic, true)?;
            let exercise = positionals
                .first()
                .map(|arg| checked_exercise(arg, topic))
                .transpose()?;
            Ok(Command::Verify { exercise, repeat })
        }
        Topic::Sweep => {
            let halves = match flags.as_slice() {
                [] => crate::commands::sweep::Halves {
                    orderings: true,
                    cargo_mutants: true,
                },
                ["--orderings"] => crate::commands::sweep::Halves {
                    orderings: true,
                    cargo_mutants: false,
                },
                ["--cargo-mutants"] => crate::commands::sweep::Halves {
                    orderings: false,
                    cargo_mutants: true,
                },
                [one] => {
                    return Err(
                        Error::new(format!("unknown option `{one}` for `sweep`")).with_topic(topic)
                    );
                }
                _ => {
                    return Err(Error::new(
                        "`sweep` takes at most one of --orderings and --cargo-mutants",
                    )
                    .with_topic(topic));
                }
            };
            let exercise = exercise_arg(first, &positionals, topic)?;
            Ok(Command::Sweep { exercise, halves })
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
        assert_eq!(
            ok(&["verify"]),
            Command::Verify {
                exercise: None,
                repeat: 1
            }
        );
        assert_eq!(
            ok(&["verify", "05"]),
            Command::Verify {
                exercise: Some("05".into()),
                repeat: 1
            }
        );
        assert_eq!(
            ok(&["verify", "05", "--repeat", "20"]),
            Command::Verify {
                exercise: Some("05".into()),
                repeat: 20
            }
        );
        assert!(
            err(&["verify", "--repeat", "many"])
                .message()
                .contains("--repeat needs a number")
        );
        assert!(matches!(
            ok(&["sweep", "04", "--orderings"]),
            Command::Sweep { .. }
        ));
        assert!(
            err(&["sweep"])
                .message()
                .contains("needs an exercise number")
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
