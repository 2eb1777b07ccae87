//! The course's grader: `cargo run -- grade [NN...]` (which runs this package's binary).
//!
//! 1. Assembles a workspace in `<build>/work` (default `target/grade-build/work`) from the grader's own copy of the course, with
//!    only the learner's files (`exercises/*/src`, minus files marked "Provided") taken from
//!    the submission, and the hidden tests added as extra test targets ([`assemble`]).
//! 2. Builds every chosen exercise's tests first, with no time limit ([`build`]).
//! 3. Runs each exercise's test executables under the sandbox, within its course.toml time
//!    limit, the whole process tree killed at the limit ([`run`]); checks that the suite
//!    wrote nothing outside its crate and that no other binary changed ([`grade`]).
//! 4. Scores (all or nothing per exercise by default; `--scoring per-test`) and writes the
//!    reports ([`outputs`]): report.json (schema: `crates/grader/report.schema.json`),
//!    junit.xml, summary.md, classroom.json.
//!
//! Exit code 0 whenever grading ran, whatever the score; 2 when it could not.

pub mod assemble;
pub mod build;
pub mod grade;
mod lock;
pub mod outputs;
pub mod progress;
pub mod report;
pub mod run;

use std::ffi::OsString;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Arg, ArgAction, ArgMatches};
use course::course::Exercise;

pub use report::{Report, Scoring, Status};

/// Why grading could not run: one line for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GradeError(String);

impl GradeError {
    pub fn new(message: impl Into<String>) -> Self {
        GradeError(message.into())
    }
}

impl fmt::Display for GradeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for GradeError {}

/// What to grade, and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// The grader's own copy of the course (holds course.toml): the pristine files.
    pub root: PathBuf,
    /// Exercise numbers or slugs; empty for all of course.toml.
    pub exercises: Vec<String>,
    /// The learner's checkout; `None` grades the grader's own tree.
    pub submission: Option<PathBuf>,
    /// Hidden tests: `exercise-NN/*.rs`.
    pub hidden: Option<PathBuf>,
    /// Where the reports go (default `<root>/target/grade`).
    pub out: Option<PathBuf>,
    /// The cargo target directory for the builds (default `<root>/target/grade-build`).
    pub build_dir: Option<PathBuf>,
    pub repeat: u32,
    pub scoring: Scoring,
    /// Replaces every exercise's course.toml time limit.
    pub time_limit: Option<Duration>,
    /// Address space per process of a suite (RLIMIT_AS).
    pub memory_bytes: Option<u64>,
    pub progress: progress::Mode,
    /// Where the job summary is appended (`$GITHUB_STEP_SUMMARY` by default).
    pub github_step_summary: Option<PathBuf>,
    /// Where the Classroom reporter's `result=` output goes (`$GITHUB_OUTPUT` by default).
    pub github_output: Option<PathBuf>,
}

/// A path from the environment, unless unset or empty.
fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
}

impl Options {
    /// Defaults for grading the course at `root`.
    pub fn new(root: &Path) -> Options {
        Options {
            root: root.to_path_buf(),
            exercises: Vec::new(),
            submission: None,
            hidden: None,
            out: None,
            build_dir: None,
            repeat: 1,
            scoring: Scoring::AllOrNothing,
            time_limit: None,
            memory_bytes: Some(DEFAULT_MEMORY_MIB << 20),
            progress: progress::Mode::Auto,
            github_step_summary: env_path("GITHUB_STEP_SUMMARY"),
            github_output: env_path("GITHUB_OUTPUT"),
        }
    }

    pub fn out_dir(&self) -> PathBuf {
        self.out
            .clone()
            .unwrap_or_else(|| self.root.join("target").join("grade"))
    }

    pub fn build_dir(&self) -> PathBuf {
        self.build_dir
            .clone()
            .unwrap_or_else(|| self.root.join("target").join("grade-build"))
    }

    /// The time limit `ex`'s suite runs under.
    pub fn time_limit_of(&self, ex: &Exercise) -> Duration {
        self.time_limit
            .unwrap_or_else(|| Duration::from_secs(ex.time_limit))
    }
}

/// The default address-space limit of each process of a suite, in MiB.
pub const DEFAULT_MEMORY_MIB: u64 = 4096;

/// Grades, writes the reports into the output directory and returns the report.
pub fn grade_and_write(options: &Options) -> Result<(Report, Vec<PathBuf>), GradeError> {
    let mut progress = progress::Progress::new(options.progress, options.exercises.len().max(1));
    let result = grade::grade(options, &mut progress);
    progress.done();
    let report = result?;
    let written = outputs::write_all(&report, &options.out_dir(), options)?;
    Ok((report, written))
}

const USAGE: &str = "\
usage: cargo run -- grade [NN...] [OPTIONS]

Grades the exercises NN (default: every exercise in course.toml) of a submission with this
checkout's own suites, course.toml, Cargo files and support crates; only the learner's
files under exercises/*/src (not those marked \"Provided\") come from the submission.
Writes report.json, junit.xml, summary.md and classroom.json into the output folder.
Exits with 0 whenever grading ran, whatever the score; 2 when it could not.

options:
  --submission DIR     the learner's checkout (default: this checkout)
  --hidden DIR         hidden tests: DIR/exercise-NN/*.rs, each an extra test target
  --out DIR            where the reports go (default: target/grade)
  --repeat N           run each suite N times; any failure fails it (default 1)
  --scoring MODE       all-or-nothing (default) or per-test
  --time-limit SECS    use this time limit for every suite instead of course.toml's
  --memory-mib MIB     address space per process of a suite (default 4096; 0: no limit)
  --build-dir DIR      cargo's target folder for the builds (default: target/grade-build)
  --plain              plain progress lines even on a terminal
  --quiet              no progress, only the final table";

/// The arguments, as [`command`] parses them.
#[derive(Debug)]
struct Cli {
    exercises: Vec<String>,
    submission: Option<PathBuf>,
    hidden: Option<PathBuf>,
    out: Option<PathBuf>,
    build_dir: Option<PathBuf>,
    repeat: u32,
    scoring: Scoring,
    time_limit: Option<u64>,
    memory_mib: Option<u64>,
    plain: bool,
    quiet: bool,
    /// The grader's own checkout (default: the one holding the current folder).
    root: Option<PathBuf>,
}

/// The command line as clap sees it, with clap's builder API: the course tool has no
/// derive macros (a learner's first `cargo run` would compile syn for them), and cargo gives
/// the tool's clap the features of every default workspace member's clap, this one's too.
fn command() -> clap::Command {
    let dir = |name: &'static str| {
        Arg::new(name)
            .long(name)
            .value_name("DIR")
            .value_parser(clap::value_parser!(PathBuf))
    };
    let flag = |name: &'static str| Arg::new(name).long(name).action(ArgAction::SetTrue);
    clap::Command::new("course-grader")
        .bin_name("cargo run -- grade")
        .disable_version_flag(true)
        .override_help(USAGE)
        .args([
            Arg::new("exercises")
                .value_name("NN")
                .action(ArgAction::Append),
            dir("submission"),
            dir("hidden"),
            dir("out"),
            dir("build-dir"),
            Arg::new("repeat")
                .long("repeat")
                .value_name("N")
                .default_value("1")
                .value_parser(clap::value_parser!(u32).range(1..=100)),
            Arg::new("scoring")
                .long("scoring")
                .value_name("MODE")
                .default_value("all-or-nothing")
                .value_parser(parse_scoring),
            Arg::new("time-limit")
                .long("time-limit")
                .value_name("SECS")
                .value_parser(clap::value_parser!(u64).range(1..=86_400)),
            Arg::new("memory-mib")
                .long("memory-mib")
                .value_name("MIB")
                .value_parser(clap::value_parser!(u64).range(0..=1_048_576)),
            flag("plain").conflicts_with("quiet"),
            flag("quiet"),
            dir("root").hide(true),
        ])
}

impl Cli {
    /// The values clap matched; it checked them, and the defaulted ones are there.
    fn from_matches(m: &ArgMatches) -> Cli {
        let path = |id: &str| m.get_one::<PathBuf>(id).cloned();
        let number = |id: &str| m.get_one::<u64>(id).copied();
        Cli {
            exercises: m
                .get_many::<String>("exercises")
                .map(|all| all.cloned().collect())
                .unwrap_or_default(),
            submission: path("submission"),
            hidden: path("hidden"),
            out: path("out"),
            build_dir: path("build-dir"),
            repeat: m.get_one::<u32>("repeat").copied().unwrap_or(1),
            scoring: m
                .get_one::<Scoring>("scoring")
                .copied()
                .unwrap_or(Scoring::AllOrNothing),
            time_limit: number("time-limit"),
            memory_mib: number("memory-mib"),
            plain: m.get_flag("plain"),
            quiet: m.get_flag("quiet"),
            root: path("root"),
        }
    }
}

fn parse_scoring(arg: &str) -> Result<Scoring, String> {
    match arg {
        "all-or-nothing" => Ok(Scoring::AllOrNothing),
        "per-test" => Ok(Scoring::PerTest),
        other => Err(format!(
            "`{other}` is not a scoring: use all-or-nothing or per-test"
        )),
    }
}

/// clap's error as one line.
fn reword(e: &clap::Error) -> String {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if e.kind() == ErrorKind::ValueValidation
        && let Some(reason) = std::error::Error::source(e)
    {
        let arg = match e.get(ContextKind::InvalidArg) {
            Some(ContextValue::String(s)) => format!("{s}: "),
            _ => String::new(),
        };
        return format!("{arg}{reason}");
    }
    let rendered = e.render().to_string();
    let first = rendered.lines().next().unwrap_or("bad arguments");
    first
        .strip_prefix("error: ")
        .unwrap_or(first)
        .replace('\'', "`")
}

/// Checks the arguments against the file system and builds the options.
fn options_from(cli: Cli, cwd: &Path) -> Result<Options, GradeError> {
    let absolute = |p: PathBuf| if p.is_absolute() { p } else { cwd.join(p) };
    let root = match cli.root {
        Some(root) => absolute(root),
        None => course::course::find_root(cwd).map_err(|e| GradeError::new(e.message()))?,
    };
    let mut options = Options::new(&root);
    options.exercises = cli.exercises;
    if let Some(submission) = cli.submission.map(absolute) {
        if !submission.is_dir() {
            return Err(GradeError::new(format!(
                "--submission {}: no such folder",
                submission.display()
            )));
        }
        if !submission.join("exercises").is_dir() {
            return Err(GradeError::new(format!(
                "--submission {}: no exercises/ folder in it; point it at a checkout of the course",
                submission.display()
            )));
        }
        options.submission = Some(submission);
    }
    if let Some(hidden) = cli.hidden.map(absolute) {
        if !hidden.is_dir() {
            return Err(GradeError::new(format!(
                "--hidden {}: no such folder (it holds exercise-NN/*.rs)",
                hidden.display()
            )));
        }
        options.hidden = Some(hidden);
    }
    options.out = cli.out.map(absolute);
    options.build_dir = cli.build_dir.map(absolute);
    options.repeat = cli.repeat;
    options.scoring = cli.scoring;
    options.time_limit = cli.time_limit.map(Duration::from_secs);
    if let Some(mib) = cli.memory_mib {
        options.memory_bytes = (mib > 0).then_some(mib << 20);
    }
    options.progress = if cli.quiet {
        progress::Mode::Quiet
    } else if cli.plain {
        progress::Mode::Plain
    } else {
        progress::Mode::Auto
    };
    Ok(options)
}

/// Parses `args` (without the program name) and grades from `cwd`. Returns the exit code:
/// 0 when grading ran (whatever the score), 2 when it could not (one line on stderr).
pub fn run_cli(args: Vec<OsString>, cwd: &Path) -> i32 {
    let fail = |message: &str| {
        let _ = writeln!(std::io::stderr().lock(), "error: {message}");
        2
    };
    let args: Vec<String> = match args
        .into_iter()
        .map(|a| {
            a.into_string()
                .map_err(|bad| format!("the argument {bad:?} is not valid UTF-8"))
        })
        .collect()
    {
        Ok(args) => args,
        Err(message) => return fail(&message),
    };
    let matches =
        command().try_get_matches_from(std::iter::once("course-grader".to_owned()).chain(args));
    let cli = match matches {
        Ok(matches) => Cli::from_matches(&matches),
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelp => {
            println!("{USAGE}");
            return 0;
        }
        Err(e) => {
            let _ = writeln!(std::io::stderr().lock(), "error: {}\n\n{USAGE}", reword(&e));
            return 2;
        }
    };
    let options = match options_from(cli, cwd) {
        Ok(options) => options,
        Err(e) => return fail(&e.0),
    };
    match grade_and_write(&options) {
        Ok((report, written)) => {
            print!("{}", outputs::table(&report));
            let names: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
            println!("reports: {}", names.join(", "));
            0
        }
        Err(e) => fail(&e.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        let args = std::iter::once("course-grader").chain(args.iter().copied());
        command()
            .try_get_matches_from(args)
            .map(|matches| Cli::from_matches(&matches))
    }

    #[test]
    fn every_option_reaches_its_field() {
        let cli = parse(&[
            "01",
            "spin-lock",
            "--submission",
            "s",
            "--hidden",
            "h",
            "--out",
            "o",
            "--build-dir",
            "b",
            "--repeat",
            "3",
            "--scoring",
            "per-test",
            "--time-limit",
            "5",
            "--memory-mib",
            "0",
            "--quiet",
            "--root",
            "r",
        ])
        .expect("valid");
        assert_eq!(cli.exercises, ["01", "spin-lock"]);
        let paths = [
            &cli.submission,
            &cli.hidden,
            &cli.out,
            &cli.build_dir,
            &cli.root,
        ];
        let paths: Vec<Option<&str>> = paths
            .iter()
            .map(|p| p.as_deref().and_then(Path::to_str))
            .collect();
        assert_eq!(
            paths,
            [Some("s"), Some("h"), Some("o"), Some("b"), Some("r")]
        );
        assert_eq!((cli.repeat, cli.scoring), (3, Scoring::PerTest));
        assert_eq!((cli.time_limit, cli.memory_mib), (Some(5), Some(0)));
        assert!(cli.quiet && !cli.plain);
    }

    #[test]
    fn the_defaults_grade_everything_once_all_or_nothing() {
        let cli = parse(&[]).expect("valid");
        assert!(cli.exercises.is_empty() && cli.submission.is_none() && cli.root.is_none());
        assert_eq!((cli.repeat, cli.scoring), (1, Scoring::AllOrNothing));
        assert_eq!((cli.time_limit, cli.memory_mib), (None, None));
        assert!(!cli.quiet && !cli.plain);
        assert!(parse(&["--plain", "--quiet"]).is_err());
        assert!(parse(&["--repeat", "0"]).is_err());
    }
}
