//! The interleaving puzzles: an mdBook preprocessor that turns each line
//! `{{#puzzle ID}}` of a chapter into the widget of `book/src/puzzles/ID.toml`, and
//! `{{#puzzle-index}}` into the list of every puzzle with its chapter.
//!
//! Every puzzle file is checked here, at build time, with the same small expression
//! language that `book/theme/puzzles.js` runs in the browser (the format and the grammar:
//! `book/src/puzzles/README.md`). The page gets the puzzle as JSON, without its `solution`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use mdbook_preprocessor::book::Book;
use mdbook_preprocessor::errors::Error as MdError;
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};
use serde::{Deserialize, Serialize};

/// The preprocessor; [`crate::build`] registers it.
pub struct Puzzles;

impl Preprocessor for Puzzles {
    fn name(&self) -> &str {
        "course-puzzles"
    }

    fn run(&self, ctx: &PreprocessorContext, mut book: Book) -> Result<Book, MdError> {
        let dir = ctx.root.join(&ctx.config.book.src).join("puzzles");
        let puzzles = load_dir(&dir).map_err(MdError::msg)?;
        let mut pages = Vec::new();
        book.for_each_chapter_mut(|chapter| {
            if let Some(path) = &chapter.path {
                pages.push(Page {
                    path: path.clone(),
                    name: chapter.name.clone(),
                    content: chapter.content.clone(),
                });
            }
        });
        let mut expanded = expand(&puzzles, &pages).map_err(MdError::msg)?.into_iter();
        book.for_each_chapter_mut(|chapter| {
            if chapter.path.is_some()
                && let Some(content) = expanded.next()
            {
                chapter.content = content;
            }
        });
        Ok(book)
    }
}

/// `{{#puzzle ID}}` and `{{#puzzle-index}}`, each alone on its line.
const DIRECTIVE: &str = "{{#puzzle ";
const INDEX_DIRECTIVE: &str = "{{#puzzle-index}}";

/// One chapter, as the preprocessor sees it.
#[derive(Debug, Clone)]
pub struct Page {
    /// Relative to the book's `src`, e.g. `part-2/lost-update.md`.
    pub path: PathBuf,
    /// The chapter's title in SUMMARY.md.
    pub name: String,
    /// Its Markdown.
    pub content: String,
}

// ---------------------------------------------------------------------------------------
// The file format
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
enum Kind {
    /// The reader must reach the bad state.
    Find,
    /// A fixed program: the bad state is unreachable.
    Safe,
}

/// `[shared]` or `locals`: each value with its place in the file, to keep the file's order
/// without toml's `preserve_order` (which cargo would also give the course tool's toml,
/// with two more crates to compile on a learner's first `cargo run`).
type Variables = BTreeMap<String, toml::Spanned<toml::Value>>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PuzzleFile {
    id: String,
    title: String,
    kind: Kind,
    goal: String,
    win: String,
    #[serde(default)]
    explain: Option<String>,
    #[serde(default)]
    solution: Option<Vec<String>>,
    #[serde(default)]
    shared: Variables,
    threads: Vec<ThreadFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThreadFile {
    name: String,
    #[serde(default)]
    like: Option<String>,
    #[serde(default)]
    locals: Variables,
    #[serde(default)]
    lines: Vec<Line>,
}

/// One line of a thread: what is shown, and what one step of it does.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Line {
    code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    label: Option<String>,
    #[serde(default, rename = "await", skip_serializing_if = "Option::is_none")]
    await_: Option<String>,
    #[serde(default, rename = "do", skip_serializing_if = "Option::is_none")]
    do_: Option<String>,
    #[serde(default, rename = "if", skip_serializing_if = "Option::is_none")]
    if_: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    goto: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    blocked: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
enum Value {
    Int(i64),
    Bool(bool),
}

impl Value {
    fn ty(self) -> Type {
        match self {
            Value::Int(_) => Type::Int,
            Value::Bool(_) => Type::Bool,
        }
    }
}

/// A checked puzzle, as the page gets it (the solution is kept apart).
#[derive(Debug, Clone, Serialize)]
pub struct Puzzle {
    id: String,
    title: String,
    kind: Kind,
    goal: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    explain: Option<String>,
    win: String,
    /// In the order of the file.
    shared: Vec<(String, Value)>,
    threads: Vec<Thread>,
    #[serde(skip)]
    solution: Option<Vec<String>>,
    #[serde(skip)]
    file: String,
}

#[derive(Debug, Clone, Serialize)]
struct Thread {
    name: String,
    locals: Vec<(String, Value)>,
    lines: Vec<Line>,
}

impl Puzzle {
    /// The puzzle's id (its file's name without `.toml`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The known winning schedule of a "find" puzzle.
    pub fn solution(&self) -> Option<&[String]> {
        self.solution.as_deref()
    }
}

/// Reads and checks every `*.toml` in `dir`, in the order of their names.
pub fn load_dir(dir: &Path) -> Result<Vec<Puzzle>, String> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("cannot read the puzzles in {}: {e}", dir.display())),
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    let mut sources = Vec::new();
    for path in files {
        let text = fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        sources.push((path, text));
    }
    parse_all(&sources)
}

/// Checks a set of puzzle files given as (path, text).
fn parse_all(sources: &[(PathBuf, String)]) -> Result<Vec<Puzzle>, String> {
    let mut puzzles: Vec<Puzzle> = Vec::new();
    let mut errors = Vec::new();
    for (path, text) in sources {
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
        match parse_puzzle(
            &path.display().to_string(),
            stem.as_deref().unwrap_or(""),
            text,
        ) {
            Ok(puzzle) => {
                if let Some(other) = puzzles.iter().find(|p| p.id == puzzle.id) {
                    errors.push(format!(
                        "{}: duplicate id \"{}\" (also in {})",
                        puzzle.file, puzzle.id, other.file
                    ));
                } else {
                    puzzles.push(puzzle);
                }
            }
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(puzzles)
    } else {
        Err(errors.join("\n"))
    }
}

const RESERVED: [&str; 9] = [
    "true", "false", "deadlock", "steps", "done", "blocked", "at", "waited", "end",
];

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn values(table: &Variables, field: &str) -> Result<Vec<(String, Value)>, String> {
    let mut in_file_order: Vec<_> = table.iter().collect();
    in_file_order.sort_by_key(|(_, value)| value.span().start);
    let mut out = Vec::new();
    for (name, value) in in_file_order {
        let value = value.get_ref();
        if !valid_name(name) || RESERVED.contains(&name.as_str()) {
            return Err(format!("{field}.{name}: not a usable variable name"));
        }
        let value = match value {
            toml::Value::Integer(n) => Value::Int(*n),
            toml::Value::Boolean(b) => Value::Bool(*b),
            other => {
                return Err(format!(
                    "{field}.{name}: a variable holds an integer or a boolean, not {}",
                    other.type_str()
                ));
            }
        };
        out.push((name.clone(), value));
    }
    Ok(out)
}

/// Parses and checks one puzzle file; every error names `file` and the field.
fn parse_puzzle(file: &str, stem: &str, text: &str) -> Result<Puzzle, String> {
    let raw: PuzzleFile = toml::from_str(text).map_err(|e| {
        let detail = e.to_string().trim_end().replace('\n', "\n    ");
        format!("{file}: {detail}")
    })?;
    let fail = |message: String| format!("{file}: {message}");
    if raw.id != stem {
        return Err(fail(format!(
            "id: \"{}\" does not match the file's name (expected \"{stem}\")",
            raw.id
        )));
    }
    let shared = values(&raw.shared, "shared").map_err(fail)?;

    // Threads, with `like` resolved.
    if raw.threads.is_empty() || raw.threads.len() > 4 {
        return Err(fail("threads: a puzzle has one to four threads".to_owned()));
    }
    let mut threads: Vec<Thread> = Vec::new();
    for (i, t) in raw.threads.iter().enumerate() {
        let at = format!("threads[{i}]");
        if !valid_name(&t.name) || RESERVED.contains(&t.name.as_str()) {
            return Err(fail(format!(
                "{at}.name: \"{}\" is not a usable name",
                t.name
            )));
        }
        if threads.iter().any(|other| other.name == t.name) {
            return Err(fail(format!(
                "{at}.name: a second thread called {}",
                t.name
            )));
        }
        if shared.iter().any(|(name, _)| *name == t.name) {
            return Err(fail(format!(
                "{at}.name: {} is also a shared variable's name",
                t.name
            )));
        }
        let mut locals = values(&t.locals, &format!("{at}.locals")).map_err(fail)?;
        let lines = match &t.like {
            Some(model) => {
                if !t.lines.is_empty() {
                    return Err(fail(format!(
                        "{at}: a thread with `like` takes its lines from {model}; give no `lines`"
                    )));
                }
                let Some(model) = threads.iter().find(|other| other.name == *model) else {
                    return Err(fail(format!(
                        "{at}.like: no earlier thread is called \"{model}\""
                    )));
                };
                // The model's locals, overridden by this thread's own.
                let mut merged = model.locals.clone();
                for (name, value) in locals {
                    match merged.iter_mut().find(|(n, _)| *n == name) {
                        Some(slot) => slot.1 = value,
                        None => merged.push((name, value)),
                    }
                }
                locals = merged;
                model.lines.clone()
            }
            None => t.lines.clone(),
        };
        if lines.is_empty() {
            return Err(fail(format!(
                "{at}.lines: a thread needs at least one line"
            )));
        }
        for (name, _) in &locals {
            if shared.iter().any(|(n, _)| n == name) {
                return Err(fail(format!(
                    "{at}.locals.{name}: also a shared variable; give the local another name"
                )));
            }
        }
        threads.push(Thread {
            name: t.name.clone(),
            locals,
            lines,
        });
    }

    // Labels, then every expression against its scope.
    let mut labels: Vec<HashSet<String>> = Vec::new();
    for (i, thread) in threads.iter().enumerate() {
        let mut set = HashSet::new();
        for (j, line) in thread.lines.iter().enumerate() {
            if let Some(label) = &line.label {
                if !valid_name(label) || RESERVED.contains(&label.as_str()) {
                    return Err(fail(format!(
                        "threads[{i}] ({}), lines[{j}].label: \"{label}\" is not a usable label",
                        thread.name
                    )));
                }
                if !set.insert(label.clone()) {
                    return Err(fail(format!(
                        "threads[{i}] ({}), lines[{j}].label: \"{label}\" is used twice",
                        thread.name
                    )));
                }
            }
        }
        labels.push(set);
    }
    let infos: Vec<ThreadInfo> = threads
        .iter()
        .zip(&labels)
        .map(|(t, labels)| ThreadInfo {
            name: &t.name,
            locals: &t.locals,
            labels,
        })
        .collect();
    for (i, thread) in threads.iter().enumerate() {
        let scope = Scope {
            shared: &shared,
            local: Some(&infos[i]),
            threads: &infos,
        };
        for (j, line) in thread.lines.iter().enumerate() {
            let at = format!("threads[{i}] ({}), lines[{j}]", thread.name);
            if let Some(text) = &line.await_ {
                expect_type(text, &scope, Type::Bool)
                    .map_err(|e| fail(format!("{at}.await: {e}")))?;
            }
            if let Some(text) = &line.do_ {
                check_statements(text, &scope).map_err(|e| fail(format!("{at}.do: {e}")))?;
            }
            if let Some(text) = &line.if_ {
                if line.goto.is_none() {
                    return Err(fail(format!("{at}.if: an `if` needs a `goto`")));
                }
                expect_type(text, &scope, Type::Bool).map_err(|e| fail(format!("{at}.if: {e}")))?;
            }
            if let Some(target) = &line.goto
                && target != "end"
                && !labels[i].contains(target)
            {
                return Err(fail(format!(
                    "{at}.goto: no line of {} has the label \"{target}\"",
                    thread.name
                )));
            }
            if line.blocked.is_some() && line.await_.is_none() {
                return Err(fail(format!(
                    "{at}.blocked: a reason for waiting, on a line with no `await`"
                )));
            }
        }
    }
    let scope = Scope {
        shared: &shared,
        local: None,
        threads: &infos,
    };
    expect_type(&raw.win, &scope, Type::Bool).map_err(|e| fail(format!("win: {e}")))?;

    match (raw.kind, &raw.solution) {
        (Kind::Find, None) => {
            return Err(fail(
                "solution: a \"find\" puzzle needs a known winning schedule".to_owned(),
            ));
        }
        (Kind::Safe, Some(_)) => {
            return Err(fail(
                "solution: a \"safe\" puzzle cannot be won, so it has no solution".to_owned(),
            ));
        }
        _ => {}
    }
    if let Some(solution) = &raw.solution {
        if solution.is_empty() {
            return Err(fail("solution: an empty schedule".to_owned()));
        }
        for (k, name) in solution.iter().enumerate() {
            if !threads.iter().any(|t| t.name == *name) {
                return Err(fail(format!(
                    "solution[{k}]: no thread is called \"{name}\""
                )));
            }
        }
    }
    Ok(Puzzle {
        id: raw.id,
        title: raw.title,
        kind: raw.kind,
        goal: raw.goal,
        explain: raw.explain,
        win: raw.win,
        shared,
        threads,
        solution: raw.solution,
        file: file.to_owned(),
    })
}

// ---------------------------------------------------------------------------------------
// Expressions: the same grammar as puzzles.js
//
//   expr  = or [ "?" expr ":" expr ]
//   or    = and { "||" and }
//   and   = cmp { "&&" cmp }
//   cmp   = sum [ ("==" | "!=" | "<" | "<=" | ">" | ">=") sum ]
//   sum   = prod { ("+" | "-") prod }
//   prod  = unary { "*" unary }
//   unary = ("!" | "-") unary | atom
//   atom  = integer | "true" | "false" | name | name "." name
//         | name "(" [ expr { "," expr } ] ")" | "(" expr ")"
//   do    = name "=" expr { ";" name "=" expr }
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Type {
    Int,
    Bool,
}

impl Type {
    fn name(self) -> &'static str {
        match self {
            Type::Int => "an integer",
            Type::Bool => "a boolean",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Int(i64),
    Name(String),
    Op(&'static str),
}

const OPERATORS: [&str; 20] = [
    "==", "!=", "<=", ">=", "&&", "||", "<", ">", "+", "-", "*", "!", "(", ")", ",", ".", "?", ":",
    "=", ";",
];

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c.is_whitespace() {
            rest = &rest[c.len_utf8()..];
        } else if c.is_ascii_digit() {
            let end = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            let n = rest[..end]
                .parse()
                .map_err(|_| format!("the number {} is too large", &rest[..end]))?;
            tokens.push(Token::Int(n));
            rest = &rest[end..];
        } else if c.is_ascii_alphabetic() || c == '_' {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            tokens.push(Token::Name(rest[..end].to_owned()));
            rest = &rest[end..];
        } else if let Some(op) = OPERATORS.iter().find(|op| rest.starts_with(**op)) {
            tokens.push(Token::Op(op));
            rest = &rest[op.len()..];
        } else {
            return Err(format!("unexpected character `{c}`"));
        }
    }
    Ok(tokens)
}

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Int(i64),
    Bool(bool),
    Name(String),
    /// `A.tmp`: a local of thread A.
    Local(String, String),
    Call(String, Vec<Expr>),
    Unary(&'static str, Box<Expr>),
    Binary(&'static str, Box<Expr>, Box<Expr>),
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn peek_op(&self) -> Option<&'static str> {
        match self.tokens.get(self.pos) {
            Some(Token::Op(op)) => Some(op),
            _ => None,
        }
    }

    fn eat(&mut self, op: &str) -> bool {
        if self.peek_op() == Some(op) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, op: &str) -> Result<(), String> {
        if self.eat(op) {
            Ok(())
        } else {
            Err(format!("expected `{op}` {}", self.where_()))
        }
    }

    fn where_(&self) -> String {
        match self.tokens.get(self.pos) {
            Some(Token::Int(n)) => format!("before `{n}`"),
            Some(Token::Name(name)) => format!("before `{name}`"),
            Some(Token::Op(op)) => format!("before `{op}`"),
            None => "at the end".to_owned(),
        }
    }

    fn expr(&mut self) -> Result<Expr, String> {
        let condition = self.binary(0)?;
        if self.eat("?") {
            let then = self.expr()?;
            self.expect(":")?;
            let otherwise = self.expr()?;
            return Ok(Expr::Cond(
                Box::new(condition),
                Box::new(then),
                Box::new(otherwise),
            ));
        }
        Ok(condition)
    }

    /// Precedence climbing over the binary levels: || , &&, comparisons, + -, *.
    fn binary(&mut self, level: usize) -> Result<Expr, String> {
        const LEVELS: [&[&str]; 5] = [
            &["||"],
            &["&&"],
            &["==", "!=", "<=", ">=", "<", ">"],
            &["+", "-"],
            &["*"],
        ];
        if level == LEVELS.len() {
            return self.unary();
        }
        let mut left = self.binary(level + 1)?;
        while let Some(op) = self.peek_op().filter(|op| LEVELS[level].contains(op)) {
            self.pos += 1;
            let right = self.binary(level + 1)?;
            left = Expr::Binary(op, Box::new(left), Box::new(right));
            if level == 2 && self.peek_op().is_some_and(|op| LEVELS[2].contains(&op)) {
                return Err("comparisons do not chain: use && between two".to_owned());
            }
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, String> {
        for op in ["!", "-"] {
            if self.eat(op) {
                return Ok(Expr::Unary(op, Box::new(self.unary()?)));
            }
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<Expr, String> {
        let token = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        match token {
            Some(Token::Int(n)) => Ok(Expr::Int(n)),
            Some(Token::Op("(")) => {
                let inner = self.expr()?;
                self.expect(")")?;
                Ok(inner)
            }
            Some(Token::Name(name)) if name == "true" => Ok(Expr::Bool(true)),
            Some(Token::Name(name)) if name == "false" => Ok(Expr::Bool(false)),
            Some(Token::Name(name)) => {
                if self.eat("(") {
                    let mut args = Vec::new();
                    if !self.eat(")") {
                        loop {
                            args.push(self.expr()?);
                            if self.eat(")") {
                                break;
                            }
                            self.expect(",")?;
                        }
                    }
                    Ok(Expr::Call(name, args))
                } else if self.eat(".") {
                    match self.tokens.get(self.pos).cloned() {
                        Some(Token::Name(local)) => {
                            self.pos += 1;
                            Ok(Expr::Local(name, local))
                        }
                        _ => Err(format!("expected a local's name after `{name}.`")),
                    }
                } else {
                    Ok(Expr::Name(name))
                }
            }
            _ => {
                self.pos -= 1;
                Err(format!("expected a value {}", self.where_()))
            }
        }
    }
}

fn parse_expr(text: &str) -> Result<Expr, String> {
    let mut parser = Parser {
        tokens: tokenize(text)?,
        pos: 0,
    };
    let expr = parser.expr()?;
    if parser.pos < parser.tokens.len() {
        return Err(format!(
            "unexpected {}",
            parser.where_().replace("before ", "")
        ));
    }
    Ok(expr)
}

struct ThreadInfo<'a> {
    name: &'a str,
    locals: &'a [(String, Value)],
    labels: &'a HashSet<String>,
}

struct Scope<'a> {
    shared: &'a [(String, Value)],
    /// The thread whose line this is; `None` in `win`.
    local: Option<&'a ThreadInfo<'a>>,
    threads: &'a [ThreadInfo<'a>],
}

impl Scope<'_> {
    fn variable(&self, name: &str) -> Result<Type, String> {
        let local = self
            .local
            .and_then(|t| t.locals.iter().find(|(n, _)| n == name));
        let shared = self.shared.iter().find(|(n, _)| n == name);
        match local.or(shared) {
            Some((_, value)) => Ok(value.ty()),
            None => Err(match self.local {
                Some(t) => format!(
                    "unknown name `{name}`: neither a shared variable nor a local of {}",
                    t.name
                ),
                None => format!(
                    "unknown name `{name}`: not a shared variable (a thread's local is \
                     written THREAD.{name})"
                ),
            }),
        }
    }

    fn thread(&self, arg: Option<&Expr>, function: &str) -> Result<&ThreadInfo<'_>, String> {
        let Some(Expr::Name(name)) = arg else {
            return Err(format!("{function}(...) takes a thread's name"));
        };
        self.threads
            .iter()
            .find(|t| t.name == name)
            .ok_or_else(|| format!("{function}({name}): no thread is called {name}"))
    }

    fn check(&self, expr: &Expr) -> Result<Type, String> {
        Ok(match expr {
            Expr::Int(_) => Type::Int,
            Expr::Bool(_) => Type::Bool,
            Expr::Name(name) if name == "deadlock" && self.local.is_some() => {
                return Err("`deadlock` is for `win` only".to_owned());
            }
            Expr::Name(name) if name == "deadlock" => Type::Bool,
            Expr::Name(name) if name == "steps" => Type::Int,
            Expr::Name(name) => self.variable(name)?,
            Expr::Local(thread, name) => {
                let t = self.thread(Some(&Expr::Name(thread.clone())), "a local")?;
                match t.locals.iter().find(|(n, _)| n == name) {
                    Some((_, value)) => value.ty(),
                    None => return Err(format!("{thread}.{name}: {thread} has no local `{name}`")),
                }
            }
            Expr::Call(function, args) => {
                let arity = if function == "at" { 2 } else { 1 };
                if !matches!(function.as_str(), "done" | "blocked" | "waited" | "at") {
                    return Err(format!(
                        "unknown function `{function}` (there are done, blocked, waited and at)"
                    ));
                }
                if self.local.is_some() && matches!(function.as_str(), "blocked" | "waited") {
                    return Err(format!("`{function}(...)` is for `win` only"));
                }
                if args.len() != arity {
                    return Err(format!("{function}(...) takes {arity} argument(s)"));
                }
                let thread = self.thread(args.first(), function)?;
                if function == "at" {
                    match &args[1] {
                        Expr::Name(label) if thread.labels.contains(label) => {}
                        Expr::Name(label) => {
                            return Err(format!(
                                "at({}, {label}): {} has no line labelled \"{label}\"",
                                thread.name, thread.name
                            ));
                        }
                        _ => return Err("at(THREAD, LABEL) takes a label".to_owned()),
                    }
                }
                if function == "waited" {
                    Type::Int
                } else {
                    Type::Bool
                }
            }
            Expr::Unary(op, inner) => {
                let want = if *op == "!" { Type::Bool } else { Type::Int };
                self.operand(inner, want, op)?;
                want
            }
            Expr::Binary(op, left, right) => match *op {
                "+" | "-" | "*" => {
                    self.operand(left, Type::Int, op)?;
                    self.operand(right, Type::Int, op)?;
                    Type::Int
                }
                "<" | "<=" | ">" | ">=" => {
                    self.operand(left, Type::Int, op)?;
                    self.operand(right, Type::Int, op)?;
                    Type::Bool
                }
                "&&" | "||" => {
                    self.operand(left, Type::Bool, op)?;
                    self.operand(right, Type::Bool, op)?;
                    Type::Bool
                }
                _ => {
                    let ty = self.check(left)?;
                    self.operand(right, ty, op)?;
                    Type::Bool
                }
            },
            Expr::Cond(condition, then, otherwise) => {
                self.operand(condition, Type::Bool, "?")?;
                let ty = self.check(then)?;
                self.operand(otherwise, ty, ":")?;
                ty
            }
        })
    }

    fn operand(&self, expr: &Expr, want: Type, op: &str) -> Result<(), String> {
        let got = self.check(expr)?;
        if got == want {
            Ok(())
        } else {
            Err(format!(
                "`{op}` needs {} here, and got {}",
                want.name(),
                got.name()
            ))
        }
    }
}

fn expect_type(text: &str, scope: &Scope, want: Type) -> Result<(), String> {
    let expr = parse_expr(text).map_err(|e| format!("\"{text}\": {e}"))?;
    let got = scope.check(&expr).map_err(|e| format!("\"{text}\": {e}"))?;
    if got != want {
        return Err(format!("\"{text}\" is {}, not {}", got.name(), want.name()));
    }
    Ok(())
}

/// `name = expr; name = expr`: each assignment's target is a local or a shared variable, of
/// the expression's type.
fn check_statements(text: &str, scope: &Scope) -> Result<(), String> {
    let context = |e: String| format!("\"{text}\": {e}");
    for statement in text.split(';') {
        let statement = statement.trim();
        if statement.is_empty() {
            continue;
        }
        let tokens = tokenize(statement).map_err(context)?;
        let (Some(Token::Name(target)), Some(Token::Op("="))) = (tokens.first(), tokens.get(1))
        else {
            return Err(context(format!(
                "`{statement}` is not an assignment `name = expression`"
            )));
        };
        let target_ty = scope.variable(target).map_err(context)?;
        let mut parser = Parser {
            tokens: tokens[2..].to_vec(),
            pos: 0,
        };
        let expr = parser.expr().map_err(context)?;
        if parser.pos < parser.tokens.len() {
            return Err(context(format!(
                "unexpected {}",
                parser.where_().replace("before ", "")
            )));
        }
        let ty = scope.check(&expr).map_err(context)?;
        if ty != target_ty {
            return Err(context(format!(
                "`{target}` holds {}, and is given {}",
                target_ty.name(),
                ty.name()
            )));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Pages
// ---------------------------------------------------------------------------------------

/// A directive line's puzzle id, if the line is `{{#puzzle ID}}`.
fn directive(line: &str) -> Option<&str> {
    let id = line.trim().strip_prefix(DIRECTIVE)?.strip_suffix("}}")?;
    Some(id.trim())
}

/// The lines of `content` that are directives, outside fenced code blocks, with their
/// index: `Some(id)` for `{{#puzzle ID}}`, `None` for `{{#puzzle-index}}`.
fn directives(content: &str) -> Vec<(usize, Option<&str>)> {
    let mut fence: Option<String> = None;
    let mut found = Vec::new();
    for (i, line) in content.lines().enumerate() {
        let trimmed = line.trim_start();
        let marker: String = trimmed
            .chars()
            .take_while(|&c| c == '`' || c == '~')
            .collect();
        if marker.len() >= 3
            && marker
                .chars()
                .all(|c| c == marker.chars().next().unwrap_or('`'))
        {
            match &fence {
                None => fence = Some(marker),
                Some(open) if marker.starts_with(open.as_str()) => fence = None,
                Some(_) => {}
            }
            continue;
        }
        if fence.is_some() {
            continue;
        }
        if trimmed.trim_end() == INDEX_DIRECTIVE {
            found.push((i, None));
        } else if let Some(id) = directive(line) {
            found.push((i, Some(id)));
        }
    }
    found
}

/// Every page's content with its directives replaced. Fails on a directive for a puzzle
/// that does not exist, a puzzle twice on one page, and a puzzle that no page includes.
pub fn expand(puzzles: &[Puzzle], pages: &[Page]) -> Result<Vec<String>, String> {
    let by_id: HashMap<&str, &Puzzle> = puzzles.iter().map(|p| (p.id.as_str(), p)).collect();
    let mut errors = Vec::new();
    // Where each puzzle is included: (page index), in book order.
    let mut included: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut index_pages = Vec::new();
    for (p, page) in pages.iter().enumerate() {
        let mut seen = HashSet::new();
        for (line, id) in directives(&page.content) {
            let Some(id) = id else {
                index_pages.push(p);
                continue;
            };
            if !by_id.contains_key(id) {
                errors.push(format!(
                    "{}:{}: {{{{#puzzle {id}}}}}: there is no puzzle \"{id}\" \
                     (no file puzzles/{id}.toml)",
                    page.path.display(),
                    line + 1
                ));
            } else if !seen.insert(id) {
                errors.push(format!(
                    "{}:{}: the puzzle \"{id}\" is on this page twice",
                    page.path.display(),
                    line + 1
                ));
            } else {
                included.entry(id).or_default().push(p);
            }
        }
    }
    for puzzle in puzzles {
        if !included.contains_key(puzzle.id.as_str()) {
            errors.push(format!(
                "{}: no chapter includes this puzzle: add the line {{{{#puzzle {}}}}} where \
                 the chapter discusses it, or to the puzzles page",
                puzzle.file, puzzle.id
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors.join("\n"));
    }
    let mut out = Vec::new();
    for (p, page) in pages.iter().enumerate() {
        let found = directives(&page.content);
        if found.is_empty() {
            out.push(page.content.clone());
            continue;
        }
        let on_page: HashSet<&str> = found.iter().filter_map(|(_, id)| *id).collect();
        let mut text = String::new();
        let mut next = found.iter().peekable();
        for (i, line) in page.content.lines().enumerate() {
            match next.peek() {
                Some((at, id)) if *at == i => {
                    match id {
                        Some(id) => text.push_str(&widget(by_id[id])),
                        None => text.push_str(&index(puzzles, pages, p, &included, &on_page)),
                    }
                    next.next();
                }
                _ => text.push_str(line),
            }
            text.push('\n');
        }
        out.push(text);
    }
    Ok(out)
}

/// `to`, as a link from the page at `from` (both relative to `src`).
fn relative_link(from: &Path, to: &Path) -> String {
    let depth = from.parent().map_or(0, |dir| dir.components().count());
    let mut link = "../".repeat(depth);
    link.push_str(&to.to_string_lossy().replace('\\', "/"));
    link
}

/// The list of every puzzle that a chapter other than this page includes, by chapter,
/// each with its widget (unless the page includes it itself).
fn index(
    puzzles: &[Puzzle],
    pages: &[Page],
    this: usize,
    included: &HashMap<&str, Vec<usize>>,
    on_page: &HashSet<&str>,
) -> String {
    let mut rows: Vec<(usize, &Puzzle)> = puzzles
        .iter()
        .filter(|p| !on_page.contains(p.id.as_str()))
        .filter_map(|p| {
            let first = included.get(p.id.as_str())?.iter().find(|&&i| i != this)?;
            Some((*first, p))
        })
        .collect();
    // Book order, then the order of the puzzles within their chapter.
    rows.sort_by_key(|(page, p)| {
        let line = pages[*page]
            .content
            .lines()
            .position(|l| directive(l) == Some(p.id.as_str()));
        (*page, line)
    });
    let mut out = String::from("| Puzzle | Chapter | Kind |\n| --- | --- | --- |\n");
    for (page, p) in &rows {
        let kind = match p.kind {
            Kind::Find => "find the bad schedule",
            Kind::Safe => "try to break it",
        };
        let _ = writeln!(
            out,
            "| [{}](#puzzle-{}) | [{}]({}#puzzle-{}) | {kind} |",
            escape_markdown(&p.title),
            p.id,
            escape_markdown(&pages[*page].name),
            relative_link(&pages[this].path, &pages[*page].path),
            p.id
        );
    }
    let mut current = None;
    for (page, p) in &rows {
        if current != Some(*page) {
            let _ = write!(
                out,
                "\n### From “{}”\n\n",
                escape_markdown(&pages[*page].name)
            );
            current = Some(*page);
        }
        out.push_str(&widget(p));
        out.push('\n');
    }
    out
}

fn escape_markdown(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if "\\`*_[]<>|#".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `code` spans of a goal as `<code>` (after escaping).
fn with_code(text: &str) -> String {
    text.split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                format!("<code>{part}</code>")
            } else {
                part.to_owned()
            }
        })
        .collect()
}

/// The widget's HTML: one block with no blank line in it (Markdown would end the block
/// there), surrounded by blank lines. The JSON is safe inside `<script>`: every `<`, `>`
/// and `&` in it is written as a `\u` escape, so no `</script>` or `<!--` can appear.
fn widget(puzzle: &Puzzle) -> String {
    let json = serde_json::to_string(puzzle)
        .unwrap_or_default()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    let id = escape_html(&puzzle.id);
    let mut html = format!(
        "\n<div class=\"puzzle\" id=\"puzzle-{id}\" data-puzzle=\"{id}\">\n\
         <script type=\"application/json\">{json}</script>\n\
         <div class=\"puzzle-fallback\">\n\
         <p class=\"puzzle-title\"><strong>Puzzle: {}</strong></p>\n\
         <p>{}</p>\n\
         <p><em>This puzzle is played in the browser and needs JavaScript. Here are the \
         threads' programs, to step through on paper.</em></p>\n<table><thead><tr>",
        escape_html(&puzzle.title),
        with_code(&escape_html(&puzzle.goal))
    );
    for thread in &puzzle.threads {
        let _ = write!(html, "<th>Thread {}</th>", escape_html(&thread.name));
    }
    html.push_str("</tr></thead><tbody><tr>");
    for thread in &puzzle.threads {
        let code: Vec<String> = thread.lines.iter().map(|l| escape_html(&l.code)).collect();
        // `&#10;` instead of newlines: no line of the block may be blank.
        let _ = write!(html, "<td><pre>{}</pre></td>", code.join("&#10;"));
    }
    html.push_str("</tr></tbody></table>\n</div>\n</div>\n");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
id = "lost-update"
title = "The lost update"
kind = "find"
goal = "Make counter end at 1."
win = "done(A) && done(B) && counter == 1"
solution = ["A", "B", "B", "A"]
[shared]
counter = 0
[[threads]]
name = "A"
locals = { tmp = 0 }
lines = [
  { code = "tmp = counter", do = "tmp = counter", label = "load" },
  { code = "counter = tmp + 1", do = "counter = tmp + 1" },
]
[[threads]]
name = "B"
like = "A"
"#;

    fn one(text: &str) -> Result<Puzzle, String> {
        parse_puzzle("puzzles/lost-update.toml", "lost-update", text)
    }

    fn error_of(text: &str) -> String {
        one(text).expect_err("should fail")
    }

    #[test]
    fn a_good_puzzle_is_parsed_and_its_page_json_has_no_solution() {
        let puzzle = one(GOOD).expect("good");
        assert_eq!(puzzle.threads[1].lines.len(), 2);
        assert_eq!(
            puzzle.threads[1].locals,
            [("tmp".to_owned(), Value::Int(0))]
        );
        assert_eq!(puzzle.solution().map(<[String]>::len), Some(4));
        let html = widget(&puzzle);
        assert!(!html.contains("solution"), "{html}");
        assert!(html.contains("data-puzzle=\"lost-update\""));
        assert!(html.contains(r#""shared":[["counter",0]]"#), "{html}");
        assert!(
            !html.contains("\n\n\n") && !html.trim().contains("\n\n"),
            "{html}"
        );
    }

    #[test]
    fn variables_keep_the_order_of_the_file() {
        let text = GOOD
            .replace("counter = 0\n", "counter = 0\nbusy = false\naim = 2\n")
            .replace("locals = { tmp = 0 }", "locals = { tmp = 0, left = 1 }");
        let puzzle = one(&text).expect("good");
        let names = |vars: &[(String, Value)]| -> Vec<String> {
            vars.iter().map(|(name, _)| name.clone()).collect()
        };
        assert_eq!(names(&puzzle.shared), ["counter", "busy", "aim"]);
        assert_eq!(names(&puzzle.threads[0].locals), ["tmp", "left"]);
        assert_eq!(names(&puzzle.threads[1].locals), ["tmp", "left"], "like A");
    }

    #[test]
    fn script_text_cannot_close_the_script() {
        let text = GOOD.replace("Make counter end at 1.", "</script><!-- & more");
        let html = widget(&one(&text).expect("good"));
        let script = html.split("<script").nth(1).expect("script");
        let json = &script[..script.find("</script>").expect("end")];
        assert!(!json[1..].contains('<'), "{json}");
        assert!(
            json.contains("\\u003c/script\\u003e\\u003c!-- \\u0026 more"),
            "{json}"
        );
    }

    #[test]
    fn unknown_fields_name_the_file_and_the_field() {
        let e = error_of(&GOOD.replace("goal =", "gaol = \"x\"\ngoal ="));
        assert!(e.starts_with("puzzles/lost-update.toml: "), "{e}");
        assert!(e.contains("unknown field `gaol`"), "{e}");
        let e = error_of(&GOOD.replace("label = \"load\"", "lable = \"load\""));
        assert!(e.contains("unknown field `lable`"), "{e}");
    }

    #[test]
    fn the_id_must_be_the_file_name_and_unique() {
        let e = error_of(&GOOD.replace("id = \"lost-update\"", "id = \"lost\""));
        assert!(
            e.contains("id: \"lost\" does not match the file's name"),
            "{e}"
        );
        let sources = vec![
            (PathBuf::from("p/lost-update.toml"), GOOD.to_owned()),
            (PathBuf::from("q/lost-update.toml"), GOOD.to_owned()),
        ];
        let e = parse_all(&sources).expect_err("duplicate");
        assert!(
            e.contains(
                "q/lost-update.toml: duplicate id \"lost-update\" (also in p/lost-update.toml)"
            ),
            "{e}"
        );
    }

    #[test]
    fn solutions_name_real_threads_and_only_find_puzzles_have_one() {
        let e = error_of(&GOOD.replace(r#"["A", "B", "B", "A"]"#, r#"["A", "C"]"#));
        assert!(e.contains("solution[1]: no thread is called \"C\""), "{e}");
        let e = error_of(&GOOD.replace("solution = [\"A\", \"B\", \"B\", \"A\"]\n", ""));
        assert!(e.contains("solution: a \"find\" puzzle needs"), "{e}");
        let e = error_of(&GOOD.replace("kind = \"find\"", "kind = \"safe\""));
        assert!(
            e.contains("solution: a \"safe\" puzzle cannot be won"),
            "{e}"
        );
        let e = error_of(&GOOD.replace("kind = \"find\"", "kind = \"maybe\""));
        assert!(e.contains("unknown variant `maybe`"), "{e}");
    }

    #[test]
    fn gotos_need_labels_that_exist() {
        let e = error_of(&GOOD.replace(
            "do = \"counter = tmp + 1\" }",
            "do = \"counter = tmp + 1\", goto = \"lod\" }",
        ));
        assert!(
            e.contains("threads[0] (A), lines[1].goto: no line of A has the label \"lod\""),
            "{e}"
        );
        let ok = GOOD.replace(
            "do = \"counter = tmp + 1\" }",
            "do = \"counter = tmp + 1\", if = \"counter < 3\", goto = \"load\" }",
        );
        one(&ok).expect("a loop back to a label");
        let e = error_of(&GOOD.replace(
            "do = \"counter = tmp + 1\" }",
            "do = \"counter = tmp + 1\", if = \"counter < 3\" }",
        ));
        assert!(e.contains("lines[1].if: an `if` needs a `goto`"), "{e}");
    }

    #[test]
    fn names_must_be_shared_or_local_and_expressions_must_parse_and_fit() {
        let e = error_of(&GOOD.replace("do = \"tmp = counter\"", "do = \"tmp = countr\""));
        assert!(
            e.contains("lines[0].do: \"tmp = countr\": unknown name `countr`: neither a shared variable nor a local of A"),
            "{e}"
        );
        let e = error_of(&GOOD.replace("counter == 1\"", "tmp == 1\""));
        assert!(
            e.contains("win: \"done(A) && done(B) && tmp == 1\": unknown name `tmp`"),
            "{e}"
        );
        one(&GOOD.replace("counter == 1\"", "A.tmp == 1\"")).expect("a qualified local");
        let e = error_of(&GOOD.replace("counter == 1\"", "counter == (1\""));
        assert!(
            e.contains("win: \"done(A) && done(B) && counter == (1\": expected `)` at the end"),
            "{e}"
        );
        let e = error_of(&GOOD.replace("done(A) && done(B) && counter == 1", "counter + 1"));
        assert!(
            e.contains("win: \"counter + 1\" is an integer, not a boolean"),
            "{e}"
        );
        let e = error_of(&GOOD.replace("counter == 1\"", "counter\""));
        assert!(
            e.contains("`&&` needs a boolean here, and got an integer"),
            "{e}"
        );
        let e = error_of(&GOOD.replace("counter == 1\"", "0 < counter < 2\""));
        assert!(e.contains("comparisons do not chain"), "{e}");
        let e = error_of(&GOOD.replace("do = \"tmp = counter\"", "do = \"tmp = counter > 0\""));
        assert!(
            e.contains("`tmp` holds an integer, and is given a boolean"),
            "{e}"
        );
        let e = error_of(&GOOD.replace("done(A)", "at(A, stor)"));
        assert!(
            e.contains("at(A, stor): A has no line labelled \"stor\""),
            "{e}"
        );
        let e = error_of(&GOOD.replace("done(A)", "finished(A)"));
        assert!(e.contains("unknown function `finished`"), "{e}");
        let e = error_of(&GOOD.replace("do = \"tmp = counter\"", "do = \"tmp == counter\""));
        assert!(e.contains("is not an assignment"), "{e}");
        one(&GOOD.replace(
            "do = \"tmp = counter\"",
            "do = \"tmp = counter > 0 ? -counter * 2 : 1; counter = tmp\"",
        ))
        .expect("a conditional and two assignments");
    }

    fn page(path: &str, content: &str) -> Page {
        Page {
            path: PathBuf::from(path),
            name: format!("Chapter {path}"),
            content: content.to_owned(),
        }
    }

    #[test]
    fn directives_expand_and_bad_ones_fail() {
        let puzzles = vec![one(GOOD).expect("good")];
        let pages = vec![
            page(
                "part-2/lost-update.md",
                "# T\n\nPredict, then play:\n\n{{#puzzle lost-update}}\n\nAfter.\n",
            ),
            page(
                "appendix/puzzles.md",
                "# All\n\n```text\n{{#puzzle nowhere}}\n```\n\n{{#puzzle-index}}\n",
            ),
        ];
        let out = expand(&puzzles, &pages).expect("expands");
        assert!(out[0].contains("<div class=\"puzzle\" id=\"puzzle-lost-update\""));
        assert!(out[0].ends_with("After.\n"));
        assert!(
            out[1].contains("{{#puzzle nowhere}}"),
            "code blocks are left alone"
        );
        assert!(
            out[1].contains(
                "[Chapter part-2/lost-update.md](../part-2/lost-update.md#puzzle-lost-update)"
            ),
            "{}",
            out[1]
        );
        assert!(out[1].contains("id=\"puzzle-lost-update\""));

        let missing = vec![page(
            "a.md",
            "{{#puzzle lost-updates}}\n{{#puzzle lost-update}}\n",
        )];
        let e = expand(&puzzles, &missing).expect_err("no such puzzle");
        assert!(
            e.contains("a.md:1: {{#puzzle lost-updates}}: there is no puzzle \"lost-updates\""),
            "{e}"
        );

        let twice = vec![page(
            "a.md",
            "{{#puzzle lost-update}}\n\n{{#puzzle lost-update}}\n",
        )];
        let e = expand(&puzzles, &twice).expect_err("twice");
        assert!(
            e.contains("a.md:3: the puzzle \"lost-update\" is on this page twice"),
            "{e}"
        );

        let nowhere = vec![page("a.md", "No puzzles here.\n")];
        let e = expand(&puzzles, &nowhere).expect_err("orphan");
        assert!(
            e.contains("puzzles/lost-update.toml: no chapter includes this puzzle"),
            "{e}"
        );
    }

    #[test]
    fn the_book_s_own_puzzles_are_valid() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../book/src/puzzles");
        let puzzles = load_dir(&dir).unwrap_or_else(|e| panic!("{e}"));
        assert!(puzzles.len() >= 5, "{} puzzles", puzzles.len());
    }
}
