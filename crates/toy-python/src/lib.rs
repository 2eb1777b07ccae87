//! A bytecode interpreter for a small subset of Python, for Part 6 of the course (the GIL).
//!
//! Every interpreter thread is a real OS thread that must hold a [`Gil`] to execute
//! bytecode. The GIL itself is pluggable: exercise 18 builds CPython's (switch interval,
//! drop requests, forced switching); [`TickGil`] is the old Python 2 one, for comparison.
//!
//! ```text
//! let program = toy_python::compile(source)?;            // SyntaxError with line:column
//! println!("{}", program.dis());                         // a listing in the style of `dis`
//! let interp = Interpreter::new(&program, gil)?;         // runs the module's top level
//! let a = interp.spawn("work", vec![Value::Int(10)]);    // a real OS thread
//! let b = interp.call("work", &[Value::Int(10)])?;       // on this thread
//! ```
//!
//! # The language
//!
//! The subset: integers (i64) and booleans, `None`; local and global variables; `=` and the
//! augmented assignments `+= -= *= //= %=`; `+ - * // %`, unary `-`, comparisons
//! `< <= > >= == !=`, `and`, `or`, `not`; `while`, `if/elif/else`, `pass`, `break`,
//! `continue`; `def` with positional parameters, `return`, calls, `global`. Builtins:
//! `sleep_ms(n)` blocks without the GIL, `spin(n)` is CPU-heavy native work that keeps the
//! GIL (it returns `sum(range(n))`), `print(...)`, `abs`, `min`, `max`. The same text runs
//! under `python3` after [`CPYTHON_PRELUDE`].
//!
//! Semantics follow Python where the subset overlaps it: `//` and `%` round toward negative
//! infinity, `and`/`or` short-circuit and return an operand, `True + 1 == 2`, a name assigned
//! in a function is local unless declared `global`. Where they differ, the program fails
//! instead of answering differently: integer overflow is an `OverflowError`, a call nests at
//! most [`RECURSION_LIMIT`] deep, chained comparisons, strings, floats, tabs in indentation
//! and nested `def`s are syntax errors. No input makes the compiler or the interpreter panic.
//!
//! # The bytecode
//!
//! A stack machine modelled on CPython 3.11: `RESUME`, `LOAD_CONST`, `LOAD_FAST`/`STORE_FAST`
//! (locals, by index), `LOAD_GLOBAL`/`STORE_GLOBAL` (globals, by a slot resolved at compile
//! time), `BINARY_OP` (with 3.11's oparg: 0 is `+`, 13 is `+=`), `UNARY_NEGATIVE`,
//! `UNARY_NOT`, `COMPARE_OP`, `POP_JUMP_FORWARD_IF_FALSE/TRUE`, `JUMP_IF_FALSE_OR_POP`,
//! `JUMP_IF_TRUE_OR_POP`, `JUMP_FORWARD`, `JUMP_BACKWARD`, `CALL argc`, `RETURN_VALUE`,
//! `POP_TOP`, and `LOAD_CONST <code>` + `MAKE_FUNCTION` + `STORE_GLOBAL` for a `def`. Each
//! instruction is two bytes in the listing, so offsets are 0, 2, 4...; a `while` loop tests
//! at the top and ends in a `JUMP_BACKWARD` to the test. [`Program::dis`] prints it the way
//! `python3 -m dis` does (line, `>>` for jump targets, offset, name, argument, meaning).
//!
//! # The eval breaker
//!
//! A thread calls [`Gil::check`] at every `JUMP_BACKWARD` and every `CALL` (before entering
//! the callee, Python or native), and nowhere else: CPython 3.11 checks its eval breaker at
//! loop back-edges and on function entry (`RESUME`) and calls, so a thread can lose the GIL
//! only there. The consequences match CPython's: `counter += 1` (LOAD_GLOBAL, LOAD_CONST,
//! BINARY_OP, STORE_GLOBAL) never loses an update between threads, because nothing in it can
//! switch threads, but `counter += bump()` can, because the CALL between the load and the
//! store may hand the GIL to another thread that updates `counter` meanwhile.
//!
//! Blocking builtins (`sleep_ms`) and natives registered with [`Blocking::Releases`] call
//! [`Gil::blocking_begin`] and [`Gil::blocking_end`] around the work. Globals live in atomics,
//! so even a broken GIL cannot cause undefined behaviour, only wrong answers.

#![warn(missing_docs)]

pub mod gil;

mod ast;
mod bytecode;
mod compiler;
mod lexer;
mod parser;
mod tick_gil;
mod vm;

pub use gil::{Event, EventKind, Gil, ThreadId};
pub use tick_gil::TickGil;
pub use vm::RECURSION_LIMIT;

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::thread::JoinHandle;

/// A value of the language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    /// A 64-bit integer (Python's are unbounded; overflow here is a runtime error).
    Int(i64),
    /// `True` or `False`.
    Bool(bool),
    /// `None`.
    None,
}

/// Source text that is not a program of the subset: where, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong, in plain words.
    pub message: String,
}

/// A program that failed while running: an unknown name, a division by zero, a bad call...
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeError {
    /// What went wrong, in plain words (with the function and line where known).
    pub message: String,
}

/// A compiled program: the module's top level and its functions. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Program {
    data: Arc<ProgramData>,
}

/// What a [`Program`] shares between its clones and the interpreters running it.
#[derive(Debug)]
pub(crate) struct ProgramData {
    /// Code objects: index 0 is the module's top level, then the functions.
    pub codes: Vec<bytecode::Code>,
    /// Global names, indexed by slot (LOAD_GLOBAL's argument).
    pub names: Vec<String>,
    /// The slot of each name in `names`.
    pub name_index: HashMap<String, u32>,
    /// Indices into `codes` of the functions, in definition order.
    pub functions: Vec<usize>,
}

/// Whether a native function keeps the GIL while it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blocking {
    /// It keeps the GIL: no other thread of the interpreter runs bytecode meanwhile.
    Holds,
    /// The interpreter calls `blocking_begin` before it and `blocking_end` after it, so
    /// other threads run meanwhile. The function must not touch the interpreter.
    Releases,
}

/// A function written in Rust that programs call like a builtin.
pub type NativeFn = Arc<dyn Fn(&[Value]) -> Result<Value, String> + Send + Sync>;

/// A running program: its globals, shared by all its threads, and its GIL. Cheap to clone
/// (a handle); every clone is the same interpreter.
#[derive(Clone)]
pub struct Interpreter {
    vm: Arc<vm::Vm>,
}

/// Python definitions of this interpreter's builtins, to put before a program's text when
/// running it under `python3` (`sleep_ms`, `spin`).
///
/// `spin` uses `sum(range(n))`, which CPython runs in C without checking the eval breaker,
/// so it holds the GIL for its whole run, like this interpreter's native `spin`.
pub const CPYTHON_PRELUDE: &str = "\
import time


def sleep_ms(n):
    time.sleep(n / 1000)


def spin(n):
    return sum(range(n))


";

/// Compiles source text into a program.
pub fn compile(source: &str) -> Result<Program, SyntaxError> {
    let lexed = lexer::tokenize(source)?;
    let end = lexed.tokens.last().map(|t| (t.line, t.column));
    let body = match (parser::parse(lexed.tokens), lexed.unclosed) {
        (Ok(_), Some(unclosed)) => return Err(unclosed),
        (Ok(body), None) => body,
        // The parser ran into the end of the input: the unclosed parenthesis is the cause.
        (Err(e), Some(unclosed)) if Some((e.line, e.column)) == end => return Err(unclosed),
        (Err(e), _) => return Err(e),
    };
    Ok(Program {
        data: Arc::new(compiler::compile_module(&body)?),
    })
}

impl Program {
    /// A listing of every code object, in the style of Python's `dis.dis`: the module's
    /// top level first, then `Disassembly of <code object f>:` and the listing of each
    /// function.
    pub fn dis(&self) -> String {
        let data = &self.data;
        let mut out = String::new();
        bytecode::disassemble(&data.codes[0], &data.codes, &data.names, &mut out);
        for &f in &data.functions {
            out.push('\n');
            out.push_str(&format!(
                "Disassembly of <code object {}>:\n",
                data.codes[f].name
            ));
            bytecode::disassemble(&data.codes[f], &data.codes, &data.names, &mut out);
        }
        out
    }
    /// The listing of one function, or `None` if the program defines no such function.
    pub fn dis_function(&self, name: &str) -> Option<String> {
        let data = &self.data;
        let f = data
            .functions
            .iter()
            .rev()
            .copied()
            .find(|&f| data.codes[f].name == name)?;
        let mut out = String::new();
        bytecode::disassemble(&data.codes[f], &data.codes, &data.names, &mut out);
        Some(out)
    }
    /// The names of the functions the program defines, in order.
    pub fn functions(&self) -> Vec<String> {
        self.data
            .functions
            .iter()
            .map(|&f| self.data.codes[f].name.clone())
            .collect()
    }
}

impl Interpreter {
    /// Makes an interpreter for `program` with `gil` and runs the module's top level (its
    /// global assignments and `def`s) as interpreter thread 0.
    pub fn new(program: &Program, gil: Arc<dyn Gil>) -> Result<Interpreter, RuntimeError> {
        let vm = Arc::new(vm::Vm::new(program.data.clone(), gil));
        vm.run_module()?;
        Ok(Interpreter { vm })
    }
    /// Like [`new`](Self::new), with an instruction limit already set (see
    /// [`set_instruction_limit`](Self::set_instruction_limit)), so that even a top level
    /// that loops forever ends with an error.
    pub fn new_limited(
        program: &Program,
        gil: Arc<dyn Gil>,
        instruction_limit: u64,
    ) -> Result<Interpreter, RuntimeError> {
        let vm = Arc::new(vm::Vm::new(program.data.clone(), gil));
        vm.set_instruction_limit(Some(instruction_limit));
        vm.run_module()?;
        Ok(Interpreter { vm })
    }
    /// Calls `function(*args)` on the current OS thread, as a new interpreter thread: takes
    /// the GIL, runs, releases it.
    pub fn call(&self, function: &str, args: &[Value]) -> Result<Value, RuntimeError> {
        self.vm.call(function, args)
    }
    /// Like [`call`](Self::call), on a new OS thread.
    pub fn spawn(
        &self,
        function: &str,
        args: Vec<Value>,
    ) -> JoinHandle<Result<Value, RuntimeError>> {
        let vm = self.vm.clone();
        let function = function.to_string();
        std::thread::spawn(move || vm.call(&function, &args))
    }
    /// The value of a global, if it exists. A global bound to a function is not a
    /// [`Value`], so it reads as `None` here.
    pub fn global(&self, name: &str) -> Option<Value> {
        self.vm.global(name)
    }
    /// Sets a global (new or existing).
    pub fn set_global(&self, name: &str, value: Value) {
        self.vm.set_global(name, value)
    }
    /// Makes `function` callable by name from programs (it shadows a builtin or global
    /// function of that name).
    pub fn register_native(&self, name: &str, function: NativeFn, blocking: Blocking) {
        self.vm.register_native(name, function, blocking)
    }
    /// Bytecode instructions executed so far, by all threads.
    pub fn instructions(&self) -> u64 {
        self.vm.instructions()
    }
    /// Makes every thread of this interpreter fail with a RuntimeError once the
    /// instructions executed by all threads ([`instructions`](Self::instructions)) pass
    /// `limit` (checked at the eval breaker); `None` removes the limit. For running untrusted
    /// or generated programs that may loop forever.
    pub fn set_instruction_limit(&self, limit: Option<u64>) {
        self.vm.set_instruction_limit(limit)
    }
    /// The GIL this interpreter's threads take.
    pub fn gil(&self) -> &Arc<dyn Gil> {
        &self.vm.gil
    }
}

impl fmt::Display for Value {
    /// As Python prints it: `42`, `True`, `None`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(n) => write!(f, "{n}"),
            Value::Bool(true) => f.write_str("True"),
            Value::Bool(false) => f.write_str("False"),
            Value::None => f.write_str("None"),
        }
    }
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SyntaxError at line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

impl std::error::Error for SyntaxError {}

impl fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RuntimeError {}

impl From<SyntaxError> for RuntimeError {
    fn from(error: SyntaxError) -> RuntimeError {
        RuntimeError {
            message: error.to_string(),
        }
    }
}
