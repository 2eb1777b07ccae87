// The virtual machine: globals shared by all threads, natives, and the evaluation loop.
//
// One interpreter thread runs one `execute` loop with its own value stack and frame stack
// (calls between Python functions push a frame instead of recursing in Rust, so deep
// recursion cannot overflow the OS thread's stack). The eval breaker, `Gil::check`, is called
// at JUMP_BACKWARD and at CALL only, as CPython 3.11 checks it at back-edges and on entering
// a function (RESUME) or calling: a thread can lose the GIL only at those points.

use crate::ast::{BinOp, CmpOp};
use crate::bytecode::{Const, Instr};
use crate::gil::{Gil, ThreadId};
use crate::{Blocking, NativeFn, ProgramData, RuntimeError, Value};
use std::collections::HashMap;
use std::io::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU8, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

/// Deepest Python call nesting before a RecursionError (CPython's default limit).
pub const RECURSION_LIMIT: usize = 1000;

/// A builtin function of the language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Builtin {
    Print,
    Abs,
    Min,
    Max,
    SleepMs,
    Spin,
}

/// Every builtin and its name, in the order of the variants: `b as usize` is `b`'s index.
const BUILTINS: [(&str, Builtin); 6] = [
    ("print", Builtin::Print),
    ("abs", Builtin::Abs),
    ("min", Builtin::Min),
    ("max", Builtin::Max),
    ("sleep_ms", Builtin::SleepMs),
    ("spin", Builtin::Spin),
];

// The order above is what `index` and `name` rely on.
const _: () = {
    let mut i = 0;
    while i < BUILTINS.len() {
        assert!(BUILTINS[i].1 as usize == i);
        i += 1;
    }
};

impl Builtin {
    fn by_name(name: &str) -> Option<Builtin> {
        BUILTINS.iter().find(|(n, _)| *n == name).map(|(_, b)| *b)
    }
    fn index(self) -> i64 {
        self as i64
    }
    fn from_index(i: i64) -> Option<Builtin> {
        usize::try_from(i)
            .ok()
            .and_then(|i| BUILTINS.get(i))
            .map(|(_, b)| *b)
    }
    fn name(self) -> &'static str {
        BUILTINS[self as usize].0
    }
}

/// A value on the VM's stack: the language's values plus callables and "unbound".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Obj {
    Int(i64),
    Bool(bool),
    None,
    /// A Python function: index of its code object.
    Func(u32),
    /// A registered native: index in the natives table.
    Native(u32),
    Builtin(Builtin),
    /// A local that has not been assigned yet.
    Unbound,
}

impl Obj {
    fn type_name(self) -> &'static str {
        match self {
            Obj::Int(_) => "int",
            Obj::Bool(_) => "bool",
            Obj::None => "NoneType",
            Obj::Func(_) => "function",
            Obj::Native(_) | Obj::Builtin(_) => "builtin_function_or_method",
            Obj::Unbound => "unbound",
        }
    }

    #[inline(always)]
    fn truthy(self) -> bool {
        match self {
            Obj::Bool(b) => b,
            Obj::Int(n) => n != 0,
            Obj::None | Obj::Unbound => false,
            Obj::Func(_) | Obj::Native(_) | Obj::Builtin(_) => true,
        }
    }

    /// The integer value of an int or a bool (Python's bool is an int subclass).
    #[inline(always)]
    fn as_int(self) -> Option<i64> {
        match self {
            Obj::Int(n) => Some(n),
            Obj::Bool(b) => Some(b as i64),
            _ => None,
        }
    }
}

impl From<Value> for Obj {
    fn from(v: Value) -> Obj {
        match v {
            Value::Int(n) => Obj::Int(n),
            Value::Bool(b) => Obj::Bool(b),
            Value::None => Obj::None,
        }
    }
}

fn const_obj(c: Const) -> Obj {
    match c {
        Const::Int(n) => Obj::Int(n),
        Const::Bool(b) => Obj::Bool(b),
        Const::None => Obj::None,
        Const::Code(i) => Obj::Func(i),
    }
}

/// One global variable, readable and writable by every thread.
///
/// The GIL is supposed to serialise access, but the GIL may be broken (learner code), so the
/// slot must stay memory-safe on its own: a tag and a payload, two atomics. Under a broken
/// GIL a reader may see the tag of one write and the payload of another (a torn value): a
/// wrong answer, never undefined behaviour, because every (tag, payload) pair decodes to some
/// valid value and callables are bounds-checked when called. Relaxed is enough because a
/// working GIL (a lock) orders the threads' accesses already.
struct Slot {
    tag: AtomicU8,
    payload: AtomicI64,
    /// 0: no native registered under this name; k + 1: native k shadows everything else.
    native: AtomicU32,
    /// The builtin of this name, found when no global of that name is set.
    builtin: Option<Builtin>,
}

const TAG_UNBOUND: u8 = 0;
const TAG_INT: u8 = 1;
const TAG_BOOL: u8 = 2;
const TAG_NONE: u8 = 3;
const TAG_FUNC: u8 = 4;
const TAG_NATIVE: u8 = 5;
const TAG_BUILTIN: u8 = 6;

impl Slot {
    #[inline(always)]
    fn load(&self) -> Obj {
        let tag = self.tag.load(Ordering::Relaxed);
        let payload = self.payload.load(Ordering::Relaxed);
        match tag {
            TAG_INT => Obj::Int(payload),
            TAG_BOOL => Obj::Bool(payload != 0),
            TAG_NONE => Obj::None,
            TAG_FUNC => Obj::Func(payload as u32),
            TAG_NATIVE => Obj::Native(payload as u32),
            TAG_BUILTIN => match Builtin::from_index(payload) {
                Some(b) => Obj::Builtin(b),
                None => Obj::Int(payload),
            },
            _ => Obj::Unbound,
        }
    }

    #[inline(always)]
    fn store(&self, v: Obj) {
        let (tag, payload) = match v {
            Obj::Int(n) => (TAG_INT, n),
            Obj::Bool(b) => (TAG_BOOL, b as i64),
            Obj::None => (TAG_NONE, 0),
            Obj::Func(f) => (TAG_FUNC, f as i64),
            Obj::Native(k) => (TAG_NATIVE, k as i64),
            Obj::Builtin(b) => (TAG_BUILTIN, b.index()),
            Obj::Unbound => (TAG_UNBOUND, 0),
        };
        self.payload.store(payload, Ordering::Relaxed);
        self.tag.store(tag, Ordering::Relaxed);
    }
}

struct Native {
    name: String,
    function: NativeFn,
    blocking: Blocking,
}

/// The shared state of one interpreter.
pub(crate) struct Vm {
    pub program: Arc<ProgramData>,
    pub gil: Arc<dyn Gil>,
    slots: Vec<Slot>,
    /// Globals set from Rust under names the program never mentions.
    extra_globals: Mutex<HashMap<String, Value>>,
    natives: RwLock<Vec<Native>>,
    /// Natives registered under names the program never mentions (callable from Rust).
    extra_natives: RwLock<HashMap<String, u32>>,
    next_thread: AtomicUsize,
    instructions: AtomicU64,
    /// Stop with an error once `instructions` passes this (u64::MAX: no limit).
    instruction_limit: AtomicU64,
}

/// A frame of a caller, saved while its callee runs.
struct Frame {
    code: u32,
    ip: usize,
    bp: usize,
}

/// Releases the GIL when an interpreter thread ends, however it ends.
struct Held<'a> {
    gil: &'a dyn Gil,
    me: ThreadId,
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.gil.release(self.me);
    }
}

type Fallible<T> = Result<T, String>;

fn overflow() -> String {
    "OverflowError: integer overflow (integers here are 64-bit)".to_string()
}

fn zero_division() -> String {
    "ZeroDivisionError: integer division or modulo by zero".to_string()
}

fn floor_div(a: i64, b: i64) -> Fallible<i64> {
    if b == 0 {
        return Err(zero_division());
    }
    let q = a.checked_div(b).ok_or_else(overflow)?;
    if a % b != 0 && ((a < 0) != (b < 0)) {
        Ok(q - 1)
    } else {
        Ok(q)
    }
}

fn floor_mod(a: i64, b: i64) -> Fallible<i64> {
    if b == 0 {
        return Err(zero_division());
    }
    if b == -1 {
        return Ok(0);
    }
    let r = a % b;
    if r != 0 && ((r < 0) != (b < 0)) {
        Ok(r + b)
    } else {
        Ok(r)
    }
}

#[inline(always)]
fn arith(op: BinOp, inplace: bool, a: Obj, b: Obj) -> Fallible<Obj> {
    let (Some(x), Some(y)) = (a.as_int(), b.as_int()) else {
        return Err(format!(
            "TypeError: unsupported operand type(s) for {}{}: '{}' and '{}'",
            op.symbol(),
            if inplace { "=" } else { "" },
            a.type_name(),
            b.type_name()
        ));
    };
    let r = match op {
        BinOp::Add => x.checked_add(y).ok_or_else(overflow)?,
        BinOp::Sub => x.checked_sub(y).ok_or_else(overflow)?,
        BinOp::Mul => x.checked_mul(y).ok_or_else(overflow)?,
        BinOp::FloorDiv => floor_div(x, y)?,
        BinOp::Mod => floor_mod(x, y)?,
    };
    Ok(Obj::Int(r))
}

fn equal(a: Obj, b: Obj) -> bool {
    match (a.as_int(), b.as_int()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

#[inline(always)]
fn compare(op: CmpOp, a: Obj, b: Obj) -> Fallible<bool> {
    let order = |a: Obj, b: Obj| match (a.as_int(), b.as_int()) {
        (Some(x), Some(y)) => Ok(x.cmp(&y)),
        _ => Err(format!(
            "TypeError: '{}' not supported between instances of '{}' and '{}'",
            op.symbol(),
            a.type_name(),
            b.type_name()
        )),
    };
    Ok(match op {
        CmpOp::Eq => equal(a, b),
        CmpOp::Ne => !equal(a, b),
        CmpOp::Lt => order(a, b)?.is_lt(),
        CmpOp::Le => order(a, b)?.is_le(),
        CmpOp::Gt => order(a, b)?.is_gt(),
        CmpOp::Ge => order(a, b)?.is_ge(),
    })
}

/// `sum(range(n))`, the slow way, so that it costs time proportional to `n`.
pub(crate) fn spin(n: i64) -> Fallible<i64> {
    let mut sum: i64 = 0;
    let mut i: i64 = 0;
    while i < n {
        sum = std::hint::black_box(sum.checked_add(i).ok_or_else(overflow)?);
        i += 1;
    }
    Ok(sum)
}

impl Vm {
    pub(crate) fn new(program: Arc<ProgramData>, gil: Arc<dyn Gil>) -> Vm {
        let slots = program
            .names
            .iter()
            .map(|n| Slot {
                tag: AtomicU8::new(TAG_UNBOUND),
                payload: AtomicI64::new(0),
                native: AtomicU32::new(0),
                builtin: Builtin::by_name(n),
            })
            .collect();
        Vm {
            program,
            gil,
            slots,
            extra_globals: Mutex::new(HashMap::new()),
            natives: RwLock::new(Vec::new()),
            extra_natives: RwLock::new(HashMap::new()),
            next_thread: AtomicUsize::new(0),
            instructions: AtomicU64::new(0),
            instruction_limit: AtomicU64::new(u64::MAX),
        }
    }

    pub(crate) fn set_instruction_limit(&self, limit: Option<u64>) {
        self.instruction_limit
            .store(limit.unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    pub(crate) fn instructions(&self) -> u64 {
        self.instructions.load(Ordering::Relaxed)
    }

    fn slot_of(&self, name: &str) -> Option<&Slot> {
        self.program
            .name_index
            .get(name)
            .and_then(|&i| self.slots.get(i as usize))
    }

    pub(crate) fn global(&self, name: &str) -> Option<Value> {
        match self.slot_of(name) {
            Some(slot) => match slot.load() {
                Obj::Int(n) => Some(Value::Int(n)),
                Obj::Bool(b) => Some(Value::Bool(b)),
                Obj::None => Some(Value::None),
                _ => None,
            },
            None => self
                .extra_globals
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get(name)
                .copied(),
        }
    }

    pub(crate) fn set_global(&self, name: &str, value: Value) {
        match self.slot_of(name) {
            Some(slot) => slot.store(value.into()),
            None => {
                self.extra_globals
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(name.to_string(), value);
            }
        }
    }

    pub(crate) fn register_native(&self, name: &str, function: NativeFn, blocking: Blocking) {
        let index = {
            let mut natives = self.natives.write().unwrap_or_else(PoisonError::into_inner);
            natives.push(Native {
                name: name.to_string(),
                function,
                blocking,
            });
            (natives.len() - 1) as u32
        };
        match self.slot_of(name) {
            // Relaxed is enough: the entry is in the table (behind its lock) before its index
            // is published here, and a CALL that sees the index takes that lock to read it.
            Some(slot) => slot.native.store(index + 1, Ordering::Relaxed),
            None => {
                self.extra_natives
                    .write()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(name.to_string(), index);
            }
        }
    }

    /// What a name means now: a native, a global, or a builtin (in that order).
    #[inline(always)]
    fn load_global(&self, slot: &Slot) -> Obj {
        let native = slot.native.load(Ordering::Relaxed);
        if native != 0 {
            return Obj::Native(native - 1);
        }
        match slot.load() {
            Obj::Unbound => match slot.builtin {
                Some(b) => Obj::Builtin(b),
                None => Obj::Unbound,
            },
            v => v,
        }
    }

    /// `v` as a [`Value`]; `what` names it in the error, and runs only if there is one.
    fn to_value(&self, v: Obj, what: impl FnOnce() -> String) -> Fallible<Value> {
        match v {
            Obj::Int(n) => Ok(Value::Int(n)),
            Obj::Bool(b) => Ok(Value::Bool(b)),
            Obj::None | Obj::Unbound => Ok(Value::None),
            other => Err(format!(
                "TypeError: {} is {}, which is not an int, a bool or None",
                what(),
                self.repr(other)
            )),
        }
    }

    fn repr(&self, v: Obj) -> String {
        match v {
            Obj::Int(n) => n.to_string(),
            Obj::Bool(true) => "True".into(),
            Obj::Bool(false) => "False".into(),
            Obj::None | Obj::Unbound => "None".into(),
            Obj::Func(f) => match self.program.codes.get(f as usize) {
                Some(code) => format!("<function {}>", code.name),
                None => "<function ?>".into(),
            },
            Obj::Native(k) => format!("<built-in function {}>", self.native_name(k)),
            Obj::Builtin(b) => format!("<built-in function {}>", b.name()),
        }
    }

    /// The name native `k` was registered under (entries are never removed or changed).
    fn native_name(&self, k: u32) -> String {
        let natives = self.natives.read().unwrap_or_else(PoisonError::into_inner);
        natives
            .get(k as usize)
            .map_or_else(|| "?".into(), |n| n.name.clone())
    }

    /// Starts an interpreter thread on the calling OS thread: a fresh thread id, the GIL
    /// taken, `body` run, the GIL released (also if `body` fails).
    fn as_new_thread<R>(&self, body: impl FnOnce(ThreadId) -> R) -> R {
        let me = self.next_thread.fetch_add(1, Ordering::Relaxed);
        self.gil.take(me);
        let _held = Held {
            gil: &*self.gil,
            me,
        };
        body(me)
    }

    /// Runs the module's top level as a new interpreter thread.
    pub(crate) fn run_module(&self) -> Result<(), RuntimeError> {
        self.as_new_thread(|me| self.execute(me, 0, &[]).map(|_| ()))
    }

    /// Calls `function(*args)` as a new interpreter thread.
    pub(crate) fn call(&self, function: &str, args: &[Value]) -> Result<Value, RuntimeError> {
        self.as_new_thread(|me| {
            let callee = match self.slot_of(function) {
                Some(slot) => self.load_global(slot),
                None => {
                    let extra = self
                        .extra_natives
                        .read()
                        .unwrap_or_else(PoisonError::into_inner)
                        .get(function)
                        .copied();
                    match (extra, Builtin::by_name(function)) {
                        (Some(k), _) => Obj::Native(k),
                        (None, Some(b)) => Obj::Builtin(b),
                        (None, None) => Obj::Unbound,
                    }
                }
            };
            let fail = |message: String| RuntimeError {
                message: format!("{message} (calling {function} from Rust)"),
            };
            let args: Vec<Obj> = args.iter().map(|&v| v.into()).collect();
            let result = match callee {
                Obj::Unbound => {
                    return Err(fail(format!("NameError: name '{function}' is not defined")));
                }
                Obj::Func(f) => self.execute(me, f, &args)?,
                other => self.call_in_rust(me, other, &args).map_err(fail)?,
            };
            self.to_value(result, || format!("the result of {function}()"))
                .map_err(fail)
        })
    }

    /// Calls a builtin or a native; anything else (but a Python function, which the
    /// caller runs) is not callable.
    #[inline(always)]
    fn call_in_rust(&self, me: ThreadId, callee: Obj, args: &[Obj]) -> Fallible<Obj> {
        match callee {
            Obj::Builtin(b) => self.call_builtin(me, b, args),
            Obj::Native(k) => self.call_native(me, k, args),
            other => Err(format!(
                "TypeError: '{}' object is not callable",
                other.type_name()
            )),
        }
    }

    fn call_native(&self, me: ThreadId, k: u32, args: &[Obj]) -> Fallible<Obj> {
        // Out of the table, because its lock must not be held while the function runs. The
        // name is only for errors: `native_name` reads it then.
        let (function, blocking) = {
            let natives = self.natives.read().unwrap_or_else(PoisonError::into_inner);
            match natives.get(k as usize) {
                Some(n) => (n.function.clone(), n.blocking),
                None => return Err("SystemError: bad native function reference".into()),
            }
        };
        let mut values = Vec::with_capacity(args.len());
        for (i, &a) in args.iter().enumerate() {
            values.push(self.to_value(a, || {
                format!("argument {} of {}()", i + 1, self.native_name(k))
            })?);
        }
        let result = match blocking {
            Blocking::Holds => function(&values),
            Blocking::Releases => {
                self.gil.blocking_begin(me);
                let result = function(&values);
                self.gil.blocking_end(me);
                result
            }
        };
        match result {
            Ok(v) => Ok(v.into()),
            Err(message) => Err(format!("{}(): {message}", self.native_name(k))),
        }
    }

    fn int_arg(&self, name: &str, v: Obj) -> Fallible<i64> {
        v.as_int()
            .ok_or_else(|| format!("TypeError: {name}() needs an int, not '{}'", v.type_name()))
    }

    fn call_builtin(&self, me: ThreadId, b: Builtin, args: &[Obj]) -> Fallible<Obj> {
        let name = b.name();
        let exactly_one = |args: &[Obj]| -> Fallible<Obj> {
            match args {
                [x] => Ok(*x),
                _ => Err(format!(
                    "TypeError: {name}() takes exactly one argument ({} given)",
                    args.len()
                )),
            }
        };
        match b {
            Builtin::Print => {
                let line: Vec<String> = args.iter().map(|&a| self.repr(a)).collect();
                let mut out = std::io::stdout().lock();
                // Printing is best effort: a closed stdout must not kill the program.
                let _ = writeln!(out, "{}", line.join(" "));
                Ok(Obj::None)
            }
            Builtin::Abs => {
                let x = self.int_arg(name, exactly_one(args)?)?;
                Ok(Obj::Int(x.checked_abs().ok_or_else(overflow)?))
            }
            Builtin::Min | Builtin::Max => {
                if args.len() < 2 {
                    return Err(format!(
                        "TypeError: {name}() takes at least 2 arguments here ({} given)",
                        args.len()
                    ));
                }
                let mut best = args[0];
                let mut best_int = self.int_arg(name, best)?;
                for &a in &args[1..] {
                    let x = self.int_arg(name, a)?;
                    let better = if b == Builtin::Min {
                        x < best_int
                    } else {
                        x > best_int
                    };
                    if better {
                        best = a;
                        best_int = x;
                    }
                }
                Ok(best)
            }
            Builtin::SleepMs => {
                let ms = self.int_arg(name, exactly_one(args)?)?;
                if ms < 0 {
                    return Err("ValueError: sleep length must be non-negative".into());
                }
                // `sleep_ms(0)` still asks the OS to sleep, as `time.sleep(0)` does under
                // CPython (about 50-70 µs on Linux, its timer slack); Rust's `sleep` of
                // zero returns without a system call, and the convoy would vanish.
                let length = match ms {
                    0 => std::time::Duration::from_nanos(1),
                    ms => std::time::Duration::from_millis(ms as u64),
                };
                self.gil.blocking_begin(me);
                std::thread::sleep(length);
                self.gil.blocking_end(me);
                Ok(Obj::None)
            }
            Builtin::Spin => {
                let n = self.int_arg(name, exactly_one(args)?)?;
                Ok(Obj::Int(spin(n)?))
            }
        }
    }

    /// The error that ends a thread at instruction `ip - 1` of code object `code_index`
    /// (after `since_check` uncounted instructions): the message, then where it happened.
    /// Out of line, so that the evaluation loop stays small.
    #[cold]
    #[inline(never)]
    fn error_at(
        &self,
        code_index: u32,
        ip: usize,
        since_check: u64,
        message: String,
    ) -> RuntimeError {
        self.instructions.fetch_add(since_check, Ordering::Relaxed);
        let code = &self.program.codes[code_index as usize];
        let line = code.lines.get(ip.wrapping_sub(1)).copied().unwrap_or(0);
        let place = if code_index == 0 {
            format!("at module level, line {line}")
        } else {
            format!("in function {}, line {line}", code.name)
        };
        RuntimeError {
            message: format!("{message} ({place})"),
        }
    }

    /// The evaluation loop: runs code object `entry` with `args` until it returns.
    fn execute(&self, me: ThreadId, entry: u32, args: &[Obj]) -> Result<Obj, RuntimeError> {
        let codes = &self.program.codes[..];
        let mut stack: Vec<Obj> = Vec::with_capacity(64);
        let mut frames: Vec<Frame> = Vec::new();
        let mut since_check: u64 = 0;

        let mut code_index = entry;
        let Some(code) = codes.get(entry as usize) else {
            return Err(RuntimeError {
                message: "SystemError: no such code object".into(),
            });
        };
        if args.len() != code.argcount {
            return Err(RuntimeError {
                message: arity_message(&code.name, code.argcount, args.len()),
            });
        }
        stack.extend_from_slice(args);
        stack.resize(code.varnames.len(), Obj::Unbound);
        let mut instrs: &[Instr] = &code.instrs;
        let mut consts: &[Const] = &code.consts;
        let mut bp: usize = 0;
        let mut ip: usize = 0;

        // Any error: where it happened, then the message.
        macro_rules! fail {
            ($msg:expr) => {
                return Err(self.error_at(code_index, ip, since_check, $msg))
            };
        }
        macro_rules! pop {
            () => {
                match stack.pop() {
                    Some(v) => v,
                    None => fail!("SystemError: value stack underflow".to_string()),
                }
            };
        }
        macro_rules! top {
            () => {
                match stack.last_mut() {
                    Some(v) => v,
                    None => fail!("SystemError: value stack underflow".to_string()),
                }
            };
        }
        macro_rules! check_breaker {
            () => {{
                self.gil.check(me, since_check);
                let total = self
                    .instructions
                    .fetch_add(since_check, Ordering::Relaxed)
                    .saturating_add(since_check);
                since_check = 0;
                if total > self.instruction_limit.load(Ordering::Relaxed) {
                    fail!("RuntimeError: the interpreter's instruction limit was reached".into());
                }
            }};
        }

        loop {
            let Some(&instr) = instrs.get(ip) else {
                fail!("SystemError: fell off the end of the code".to_string());
            };
            ip += 1;
            since_check += 1;
            match instr {
                Instr::LoadFast(i) => match stack.get(bp + i as usize) {
                    Some(&Obj::Unbound) | None => {
                        let name = codes[code_index as usize]
                            .varnames
                            .get(i as usize)
                            .cloned()
                            .unwrap_or_default();
                        fail!(format!(
                            "UnboundLocalError: cannot access local variable '{name}' \
                             where it is not associated with a value"
                        ));
                    }
                    Some(&v) => stack.push(v),
                },
                Instr::StoreFast(i) => {
                    let v = pop!();
                    match stack.get_mut(bp + i as usize) {
                        Some(slot) => *slot = v,
                        None => fail!("SystemError: bad local index".to_string()),
                    }
                }
                Instr::LoadConst(i) => match consts.get(i as usize) {
                    Some(&c) => stack.push(const_obj(c)),
                    None => fail!("SystemError: bad constant index".to_string()),
                },
                Instr::BinaryOp(op, inplace) => {
                    let b = pop!();
                    let a = top!();
                    if let (Obj::Int(x), Obj::Int(y), BinOp::Add) = (*a, b, op) {
                        match x.checked_add(y) {
                            Some(r) => *a = Obj::Int(r),
                            None => fail!(overflow()),
                        }
                    } else {
                        match arith(op, inplace, *a, b) {
                            Ok(r) => *a = r,
                            Err(e) => fail!(e),
                        }
                    }
                }
                Instr::CompareOp(op) => {
                    let b = pop!();
                    let a = top!();
                    let r = if let (Obj::Int(x), Obj::Int(y), CmpOp::Lt) = (*a, b, op) {
                        x < y
                    } else {
                        match compare(op, *a, b) {
                            Ok(r) => r,
                            Err(e) => fail!(e),
                        }
                    };
                    *a = Obj::Bool(r);
                }
                Instr::PopJumpForwardIfFalse(t) => {
                    if !pop!().truthy() {
                        ip = t as usize;
                    }
                }
                Instr::PopJumpForwardIfTrue(t) => {
                    if pop!().truthy() {
                        ip = t as usize;
                    }
                }
                Instr::JumpIfFalseOrPop(t) => {
                    if !top!().truthy() {
                        ip = t as usize;
                    } else {
                        stack.pop();
                    }
                }
                Instr::JumpIfTrueOrPop(t) => {
                    if top!().truthy() {
                        ip = t as usize;
                    } else {
                        stack.pop();
                    }
                }
                Instr::JumpForward(t) => ip = t as usize,
                Instr::JumpBackward(t) => {
                    check_breaker!();
                    ip = t as usize;
                }
                Instr::LoadGlobal(g) => {
                    let Some(slot) = self.slots.get(g as usize) else {
                        fail!("SystemError: bad global index".to_string());
                    };
                    match self.load_global(slot) {
                        Obj::Unbound => {
                            let name = self
                                .program
                                .names
                                .get(g as usize)
                                .cloned()
                                .unwrap_or_default();
                            fail!(format!("NameError: name '{name}' is not defined"));
                        }
                        v => stack.push(v),
                    }
                }
                Instr::StoreGlobal(g) => {
                    let v = pop!();
                    match self.slots.get(g as usize) {
                        Some(slot) => slot.store(v),
                        None => fail!("SystemError: bad global index".to_string()),
                    }
                }
                Instr::UnaryNegative => {
                    let a = top!();
                    match a.as_int() {
                        Some(x) => match x.checked_neg() {
                            Some(r) => *a = Obj::Int(r),
                            None => fail!(overflow()),
                        },
                        None => {
                            let t = a.type_name();
                            fail!(format!("TypeError: bad operand type for unary -: '{t}'"));
                        }
                    }
                }
                Instr::UnaryNot => {
                    let a = top!();
                    *a = Obj::Bool(!a.truthy());
                }
                Instr::Call(argc) => {
                    check_breaker!();
                    let argc = argc as usize;
                    let Some(callee_at) = stack.len().checked_sub(argc + 1) else {
                        fail!("SystemError: value stack underflow".to_string());
                    };
                    match stack[callee_at] {
                        Obj::Func(f) => {
                            let Some(callee) = codes.get(f as usize) else {
                                fail!("SystemError: bad function reference".to_string());
                            };
                            if argc != callee.argcount {
                                fail!(arity_message(&callee.name, callee.argcount, argc));
                            }
                            if frames.len() + 1 >= RECURSION_LIMIT {
                                fail!(
                                    "RecursionError: maximum recursion depth exceeded".to_string()
                                );
                            }
                            frames.push(Frame {
                                code: code_index,
                                ip,
                                bp,
                            });
                            bp = callee_at + 1;
                            stack.resize(bp + callee.varnames.len(), Obj::Unbound);
                            code_index = f;
                            instrs = &callee.instrs;
                            consts = &callee.consts;
                            ip = 0;
                        }
                        other => match self.call_in_rust(me, other, &stack[callee_at + 1..]) {
                            Ok(v) => {
                                stack.truncate(callee_at);
                                stack.push(v);
                            }
                            Err(e) => fail!(e),
                        },
                    }
                }
                Instr::ReturnValue => {
                    let v = pop!();
                    match frames.pop() {
                        None => {
                            self.instructions.fetch_add(since_check, Ordering::Relaxed);
                            return Ok(v);
                        }
                        Some(frame) => {
                            stack.truncate(bp.saturating_sub(1));
                            stack.push(v);
                            code_index = frame.code;
                            ip = frame.ip;
                            bp = frame.bp;
                            let code = &codes[code_index as usize];
                            instrs = &code.instrs;
                            consts = &code.consts;
                        }
                    }
                }
                Instr::PopTop => {
                    pop!();
                }
                Instr::MakeFunction => {
                    // LOAD_CONST already pushed the function for the code object.
                }
                Instr::Resume => {}
            }
        }
    }
}

fn arity_message(name: &str, expected: usize, given: usize) -> String {
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    format!(
        "TypeError: {name}() takes {expected} positional argument{} but {given} {} given",
        plural(expected),
        if given == 1 { "was" } else { "were" }
    )
}
