//! Command-line arguments, parsed by clap (its builder API, not the derive macros). The usage
//! texts are written by hand for learners and given to clap as each command's help; clap's
//! errors are reworded into the tool's one-line messages (see [`parse`]), shown with the usage
//! of the command they are about.

use std::path::PathBuf;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, ArgMatches};

use crate::error::{Error, Result};

/// What the user asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Progress over every exercise and the next thing to do (also: no command at all).
    Dashboard,
    /// The exercises with their folders and chapters.
    List,
    /// Run one exercise's graded suite and explain the result; `focus` narrows it to the
    /// tests whose names contain it (`check 03 slots`).
    Check {
        exercise: String,
        focus: Option<String>,
    },
    /// Staged hints for one exercise.
    Hint { exercise: String, mode: HintMode },
    /// Build the book into `target/book`.
    Book { open: bool, check: bool },
    /// The maintainer check: stubs fail, solutions pass, the contract is covered, mutants
    /// are caught (each `repeat` times), alternatives pass.
    Verify {
        exercise: Option<String>,
        repeat: u32,
    },
    /// The maintainer's mutation sweep of one solution.
    Sweep {
        exercise: String,
        halves: crate::commands::sweep::Halves,
    },
    /// The instructor's grader (crates/grader), with its own arguments.
    Grade { args: Vec<String> },
    /// Check the exercise being worked on again on every save.
    Watch { exercise: Option<String> },
    /// Put an exercise's `src/` back as shipped, keeping the learner's version aside.
    Reset { exercise: String, yes: bool },
    /// Write the student repository of a graded class into `out`.
    Template { out: PathBuf },
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
    Grade,
    Watch,
    Reset,
    Template,
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
            "grade" => Topic::Grade,
            "watch" => Topic::Watch,
            "reset" => Topic::Reset,
            "template" => Topic::Template,
            _ => return None,
        })
    }
}

const GENERAL: &str = "\
usage: cargo run -- [COMMAND] [ARGS]

commands:
  (none), dashboard     your progress over every exercise, and what to do next
  list                  the exercises with their folders and book chapters
  check NN [FOCUS]      run exercise NN's tests and explain the result
  watch [NN]            check the exercise again each time you save one of its files
  hint NN [--all|--reset]
                        the next hint for exercise NN (one more each time)
  reset NN [--yes]      put exercise NN's src/ back as shipped (yours is kept aside)
  book [--open]         build the book into target/book and show how to open it
  verify [NN] [--repeat N]
                        maintainer check: stubs fail, solutions pass, contract covered,
                        mutants caught (N runs each), alternatives pass
  sweep NN [--orderings|--cargo-mutants]
                        maintainer: mutation sweep of solution NN; survivors must be listed
  grade [NN...] [--submission DIR] [--hidden DIR] [--out DIR] [--repeat N]
                        instructor: grade a submission with pristine suites and hidden
                        tests; reports in target/grade
  template OUT_DIR      instructor: write the student repository (no solutions) into OUT_DIR
  help [COMMAND]        this text, or the usage of one command

NN is an exercise number (4 or 04) or its slug (spin-lock).
`cargo run -- COMMAND --help` explains one command.
Inside an exercise folder, `cargo run` checks that exercise.";

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
usage: cargo run -- check NN [FOCUS]

Runs `cargo test -p exercise-NN --no-fail-fast`, shows each test as passed or failed,
the first failure's message, and what to do next. Exits with 0 when every test passes,
1 otherwise. NN is a number (4 or 04) or the exercise's slug (spin-lock).
  FOCUS     run only the tests whose names contain FOCUS, to work on one part of the
            exercise: `cargo run -- check 03 slots`";

const HINT: &str = "\
usage: cargo run -- hint NN [--all | --reset]

Shows the next hint for exercise NN: the first call shows hint 1, the next one hint 2,
and so on (the count is kept in target/course/hints.toml).
  --all     show every hint at once
  --reset   start again from the first hint";

const BOOK: &str = "\
usage: cargo run -- book [--open] [--check]

Builds the book from book/ into target/book and prints the page to open. The first time,
the book builder (crates/book-builder, with mdBook) is compiled: about a minute.
  --open    also try to open it in your browser
  --check   then check every page in headless Chromium (crates/book-check: console errors,
            images, links, wide code blocks and tables, search, puzzles), with screenshots
            in target/book-check; needs Debian's `chromium` package or CHROMIUM=/path";

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

const GRADE: &str = "\
usage: cargo run -- grade [NN...] [OPTIONS]

Grades exercises NN (default: all in course.toml) of a submission with this checkout's own
suites, course.toml, Cargo files and support crates: only the learner's files under
exercises/*/src (not those marked \"Provided\") come from the submission. Each suite runs
under its course.toml time limit in a sandbox (the process tree is killed at the limit).
Writes report.json, junit.xml, summary.md and classroom.json into target/grade. Runs the
grader package (crates/grader), compiled the first time. Exits with 0 whenever grading
ran, whatever the score.
  --submission DIR     the learner's checkout (default: this checkout)
  --hidden DIR         hidden tests: DIR/exercise-NN/*.rs, each an extra test target
  --out DIR            where the reports go (default: target/grade)
  --repeat N           run each suite N times; any failure fails it
  --scoring MODE       all-or-nothing (default) or per-test
  --time-limit SECS    one time limit for every suite instead of course.toml's
`cargo run -- grade --help` after the first build lists every option.";

const WATCH: &str = "\
usage: cargo run -- watch [NN]

Checks exercise NN (or the first one not done yet) as `check` does, then again each time
you save one of its .rs or .toml files. When every test passes it moves on to the next
exercise. Type q and Enter, or press Ctrl+C, to stop. Needs a terminal.";

const RESET: &str = "\
usage: cargo run -- reset NN [--yes]

Puts exercise NN's src/ back as the course shipped it (from .course/pristine/), after
asking you. Your version is never thrown away: it is copied to saved/ first, and the
folder is printed.
  --yes     do not ask (needed when there is no terminal to ask on)";

const TEMPLATE: &str = "\
usage: cargo run -- template OUT_DIR

For instructors: writes the student repository of a graded class into OUT_DIR, a folder
that does not exist yet or is empty. It holds the book, the course tool, the support crates
(the grader among them), each exercise's stub as shipped with its graded suites, a student
README and the grading workflow .github/workflows/grade.yml. No solutions, none of the
course's own checks in tests/, no .ci/. OUT_DIR is not made a git repository: the command
prints the steps, and the book's appendix \"For instructors\" explains the rest.";

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
        Topic::Grade => GRADE,
        Topic::Watch => WATCH,
        Topic::Reset => RESET,
        Topic::Template => TEMPLATE,
    }
}

/// The command line as clap sees it. It is built with clap's builder API rather than its
/// derive macros: those need syn and a proc-macro stack that a learner's first `cargo run`
/// would have to compile before anything else.
fn cli() -> clap::Command {
    clap::Command::new("course")
        .bin_name("cargo run --")
        .disable_version_flag(true)
        .override_help(GENERAL)
        .subcommands([
            sub("dashboard", DASHBOARD),
            sub("list", LIST),
            sub("check", CHECK).args([
                exercise_arg().required(true),
                Arg::new("focus").value_name("FOCUS"),
            ]),
            sub("hint", HINT).args([
                exercise_arg().required(true),
                flag("all").conflicts_with("reset"),
                flag("reset"),
            ]),
            sub("book", BOOK).args([flag("open"), flag("check")]),
            sub("verify", VERIFY).args([
                exercise_arg(),
                Arg::new("repeat")
                    .long("repeat")
                    .value_name("N")
                    .default_value("1")
                    .value_parser(clap::value_parser!(u32).range(1..=1000)),
            ]),
            sub("sweep", SWEEP).args([
                exercise_arg().required(true),
                flag("orderings").conflicts_with("cargo-mutants"),
                flag("cargo-mutants"),
            ]),
            // Everything after `grade` goes to the grader as it is, `--help` included.
            sub("grade", GRADE).disable_help_flag(true).arg(
                Arg::new("args")
                    .value_name("ARGS")
                    .num_args(0..)
                    .trailing_var_arg(true)
                    .allow_hyphen_values(true)
                    .action(ArgAction::Append),
            ),
            sub("watch", WATCH).arg(exercise_arg()),
            sub("reset", RESET).args([exercise_arg().required(true), flag("yes").short('y')]),
            sub("template", TEMPLATE).arg(
                Arg::new("out")
                    .value_name("OUT_DIR")
                    .required(true)
                    .value_parser(clap::value_parser!(PathBuf)),
            ),
        ])
}

/// A command whose help is the hand-written `usage`.
fn sub(name: &'static str, usage: &'static str) -> clap::Command {
    clap::Command::new(name).override_help(usage)
}

/// `NN`: an exercise, checked by [`exercise`].
fn exercise_arg() -> Arg {
    Arg::new("exercise").value_name("NN").value_parser(exercise)
}

/// `--name`, true when given.
fn flag(name: &'static str) -> Arg {
    Arg::new(name).long(name).action(ArgAction::SetTrue)
}

/// The [`Command`] that clap's matches stand for.
fn command(matches: &ArgMatches) -> Result<Command> {
    let Some((name, m)) = matches.subcommand() else {
        return Ok(Command::Dashboard);
    };
    // clap checked the values: a required one is there, and of the type its parser gives.
    let text = |id: &str| m.get_one::<String>(id).cloned();
    let exercise = || text("exercise").unwrap_or_default();
    Ok(match name {
        "dashboard" => Command::Dashboard,
        "list" => Command::List,
        "check" => Command::Check {
            exercise: exercise(),
            focus: text("focus"),
        },
        "hint" => Command::Hint {
            exercise: exercise(),
            mode: match (m.get_flag("all"), m.get_flag("reset")) {
                (true, _) => HintMode::All,
                (_, true) => HintMode::Reset,
                _ => HintMode::Next,
            },
        },
        "book" => Command::Book {
            open: m.get_flag("open"),
            check: m.get_flag("check"),
        },
        "verify" => Command::Verify {
            exercise: text("exercise"),
            repeat: m.get_one::<u32>("repeat").copied().unwrap_or(1),
        },
        "sweep" => {
            let (orderings, cargo_mutants) = (m.get_flag("orderings"), m.get_flag("cargo-mutants"));
            Command::Sweep {
                exercise: exercise(),
                halves: crate::commands::sweep::Halves {
                    orderings: orderings || !cargo_mutants,
                    cargo_mutants: cargo_mutants || !orderings,
                },
            }
        }
        "grade" => Command::Grade {
            args: m
                .get_many::<String>("args")
                .map(|args| args.cloned().collect())
                .unwrap_or_default(),
        },
        "watch" => Command::Watch {
            exercise: text("exercise"),
        },
        "reset" => Command::Reset {
            exercise: exercise(),
            yes: m.get_flag("yes"),
        },
        "template" => Command::Template {
            out: m.get_one::<PathBuf>("out").cloned().unwrap_or_default(),
        },
        other => return Err(Error::new(format!("unknown command `{other}`"))),
    })
}

/// An exercise is named by a number or a slug; anything else is a typo worth reporting now.
fn exercise(arg: &str) -> std::result::Result<String, String> {
    let plausible = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if plausible {
        Ok(arg.to_owned())
    } else {
        Err(format!(
            "`{arg}` is not an exercise: give its number (04) or its slug (spin-lock)"
        ))
    }
}

/// The usage that goes with `args`: the command's when the first word names one (or
/// `help COMMAND`), else the general one.
fn topic_of(args: &[&str]) -> Topic {
    match args {
        ["help", name, ..] => Topic::from_command(name).unwrap_or(Topic::General),
        [first, ..] => Topic::from_command(first).unwrap_or(Topic::General),
        [] => Topic::General,
    }
}

/// Parses the arguments after the program name.
pub fn parse<S: AsRef<str>>(args: &[S]) -> Result<Command> {
    let args: Vec<&str> = args.iter().map(AsRef::as_ref).collect();
    let topic = topic_of(&args);
    match cli().try_get_matches_from(std::iter::once("course").chain(args.iter().copied())) {
        Ok(matches) => command(&matches),
        Err(e) if e.kind() == ErrorKind::DisplayHelp => Ok(Command::Help(topic)),
        Err(e) => Err(Error::new(reword(&e, &args)).with_topic(topic)),
    }
}

/// clap's error as the tool's one line: `unknown command `x``, `unexpected argument `05` for
/// `check``, and so on. Anything not foreseen keeps clap's own first line.
fn reword(e: &clap::Error, args: &[&str]) -> String {
    let context = |kind: ContextKind| match e.get(kind) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        Some(ContextValue::Strings(all)) => Some(all.join(" ")),
        _ => None,
    };
    let command = args
        .first()
        .filter(|first| Topic::from_command(first).is_some())
        .copied();
    let for_command = command.map(|c| format!(" for `{c}`")).unwrap_or_default();
    match e.kind() {
        ErrorKind::InvalidSubcommand if args.first() == Some(&"help") => {
            let name = args[1..].join(" ");
            return format!("no help for `{name}`: there is no such command");
        }
        ErrorKind::InvalidSubcommand => {
            if let Some(name) = context(ContextKind::InvalidSubcommand) {
                return format!("unknown command `{name}`");
            }
        }
        ErrorKind::UnknownArgument => {
            if let Some(arg) = context(ContextKind::InvalidArg) {
                return if arg.starts_with('-') {
                    format!("unknown option `{arg}`{for_command}")
                } else {
                    format!("unexpected argument `{arg}`{for_command}")
                };
            }
        }
        ErrorKind::MissingRequiredArgument if command == Some("template") => {
            return "`template` needs a folder to write into, for example \
                    `cargo run -- template ../concurrency-class`"
                .to_owned();
        }
        ErrorKind::MissingRequiredArgument => {
            if let Some(c) = command {
                return format!(
                    "`{c}` needs an exercise number, for example `cargo run -- {c} 04`"
                );
            }
        }
        ErrorKind::ArgumentConflict if command == Some("hint") => {
            return "`hint` takes at most one of --all and --reset".to_owned();
        }
        ErrorKind::ValueValidation => {
            if let Some(reason) = std::error::Error::source(e) {
                return reason.to_string();
            }
        }
        _ => {}
    }
    let rendered = e.render().to_string();
    let first = rendered.lines().next().unwrap_or("bad arguments");
    first
        .strip_prefix("error: ")
        .unwrap_or(first)
        .replace('\'', "`")
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
                exercise: "04".into(),
                focus: None
            }
        );
        assert_eq!(
            ok(&["check", "spin-lock"]),
            Command::Check {
                exercise: "spin-lock".into(),
                focus: None
            }
        );
        assert_eq!(
            ok(&["check", "03", "slots"]),
            Command::Check {
                exercise: "03".into(),
                focus: Some("slots".into())
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
        assert_eq!(ok(&["help", "reset"]), Command::Help(Topic::Reset));
        assert_eq!(ok(&["watch", "-h"]), Command::Help(Topic::Watch));
    }

    #[test]
    fn book_and_verify_options() {
        assert_eq!(
            ok(&["book"]),
            Command::Book {
                open: false,
                check: false
            }
        );
        assert_eq!(
            ok(&["book", "--open"]),
            Command::Book {
                open: true,
                check: false
            }
        );
        assert_eq!(
            ok(&["book", "--check"]),
            Command::Book {
                open: false,
                check: true
            }
        );
        assert_eq!(
            ok(&["verify"]),
            Command::Verify {
                exercise: None,
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
        assert!(parse(&["verify", "--repeat", "many"]).is_err());
        assert!(matches!(
            ok(&["sweep", "04", "--orderings"]),
            Command::Sweep {
                halves: crate::commands::sweep::Halves {
                    orderings: true,
                    cargo_mutants: false
                },
                ..
            }
        ));
        assert!(parse(&["sweep"]).is_err());
        assert_eq!(ok(&["list"]), Command::List);
        assert_eq!(ok(&["watch"]), Command::Watch { exercise: None });
        assert_eq!(
            ok(&["watch", "04"]),
            Command::Watch {
                exercise: Some("04".into())
            }
        );
        assert_eq!(
            ok(&["reset", "04"]),
            Command::Reset {
                exercise: "04".into(),
                yes: false
            }
        );
        assert_eq!(
            ok(&["reset", "--yes", "spin-lock"]),
            Command::Reset {
                exercise: "spin-lock".into(),
                yes: true
            }
        );
    }

    #[test]
    fn mistakes_are_errors_with_the_right_usage() {
        let e = err(&["frobnicate"]);
        assert_eq!(e.message(), "unknown command `frobnicate`");
        assert_eq!(e.topic(), Topic::General);

        let e = err(&["check"]);
        assert!(e.message().contains("needs an exercise number"), "{e}");
        assert_eq!(e.topic(), Topic::Check);

        let e = err(&["check", "04", "slots", "05"]);
        assert_eq!(e.message(), "unexpected argument `05` for `check`");
        assert_eq!(e.topic(), Topic::Check);

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

        let e = err(&["reset"]);
        assert!(
            e.message().contains("`reset` needs an exercise number"),
            "{e}"
        );
        assert_eq!(e.topic(), Topic::Reset);

        let e = err(&["reset", "04", "--force"]);
        assert_eq!(e.message(), "unknown option `--force` for `reset`");

        let e = err(&["watch", "04", "05"]);
        assert_eq!(e.message(), "unexpected argument `05` for `watch`");
        assert_eq!(e.topic(), Topic::Watch);

        let e = err(&["watch", "Spin_Lock"]);
        assert!(e.message().contains("is not an exercise"), "{e}");

        let e = err(&["template"]);
        assert!(e.message().contains("`template` needs a folder"), "{e}");
        assert_eq!(e.topic(), Topic::Template);

        let e = err(&["template", "a", "b"]);
        assert_eq!(e.message(), "unexpected argument `b` for `template`");
    }

    #[test]
    fn grade_passes_everything_on_and_sweep_runs_both_halves_by_default() {
        assert_eq!(ok(&["grade"]), Command::Grade { args: vec![] });
        let args = ["01", "--submission", "../x", "--help", "-q"];
        let mut line = vec!["grade"];
        line.extend(args);
        assert_eq!(
            ok(&line),
            Command::Grade {
                args: args.iter().map(|a| (*a).to_owned()).collect()
            }
        );
        assert_eq!(
            ok(&["sweep", "spin-lock"]),
            Command::Sweep {
                exercise: "spin-lock".into(),
                halves: crate::commands::sweep::Halves {
                    orderings: true,
                    cargo_mutants: true
                }
            }
        );
        assert!(parse(&["sweep", "04", "--orderings", "--cargo-mutants"]).is_err());
        assert!(parse(&["verify", "--repeat", "1001"]).is_err());
    }

    #[test]
    fn template_takes_one_folder() {
        assert_eq!(
            ok(&["template", "../class"]),
            Command::Template {
                out: "../class".into()
            }
        );
        assert_eq!(ok(&["help", "template"]), Command::Help(Topic::Template));
    }

    #[test]
    fn every_usage_text_is_clap_s_help_too() {
        let cli = cli();
        assert_eq!(
            cli.clone().render_help().to_string().trim_end(),
            usage(Topic::General)
        );
        for sub in cli.get_subcommands().filter(|s| s.get_name() != "help") {
            let topic = Topic::from_command(sub.get_name())
                .unwrap_or_else(|| panic!("no usage text for `{}`", sub.get_name()));
            assert_eq!(
                sub.clone().render_help().to_string().trim_end(),
                usage(topic)
            );
            let name = sub.get_name();
            assert!(
                usage(Topic::General).lines().any(|line| line
                    .trim_start()
                    .trim_start_matches("(none), ")
                    .starts_with(&format!("{name} "))),
                "the general usage does not list `{}`",
                sub.get_name()
            );
        }
    }
}
