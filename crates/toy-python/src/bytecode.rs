// The bytecode: instructions modelled on CPython 3.11's, code objects, and `dis`.
//
// An instruction is one code unit of two bytes in the listing (opcode, oparg), so offsets go
// 0, 2, 4, ... as in CPython (which also has inline cache entries after some instructions;
// this interpreter has none, so its offsets are denser). In memory an instruction is a Rust
// enum with its argument already resolved: a jump holds the index of its target, a global
// holds its slot in the interpreter's table.

use crate::ast::{BinOp, CmpOp};
use std::fmt::Write as _;

/// A constant of a code object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Const {
    Int(i64),
    Bool(bool),
    None,
    /// A function's code object (its index in the program's code list).
    Code(u32),
}

/// One instruction. Jump targets are instruction indices (offset / 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Instr {
    /// Does nothing; marks the start of a code object (CPython checks the eval breaker
    /// here; this interpreter checks at the CALL that enters the function instead).
    Resume,
    /// Pushes `consts[i]`.
    LoadConst(u32),
    /// Pushes local `i` (an error if it is unbound).
    LoadFast(u32),
    /// Pops into local `i`.
    StoreFast(u32),
    /// Pushes global slot `i` (a native, a global, or a builtin of that name).
    LoadGlobal(u32),
    /// Pops into global slot `i`.
    StoreGlobal(u32),
    /// Pops the code object on top and pushes a function made from it.
    MakeFunction,
    /// Pops two, pushes the result. `inplace` is `+=` and friends (same semantics here).
    BinaryOp(BinOp, bool),
    UnaryNegative,
    UnaryNot,
    CompareOp(CmpOp),
    PopJumpForwardIfFalse(u32),
    PopJumpForwardIfTrue(u32),
    /// Jumps if the top is falsy (keeping it), else pops it: `and`.
    JumpIfFalseOrPop(u32),
    /// Jumps if the top is truthy (keeping it), else pops it: `or`.
    JumpIfTrueOrPop(u32),
    JumpForward(u32),
    /// A loop's back-edge: checks the eval breaker, then jumps.
    JumpBackward(u32),
    /// Calls the callable below `argc` arguments: checks the eval breaker first.
    Call(u32),
    ReturnValue,
    PopTop,
}

impl Instr {
    pub(crate) fn opname(&self) -> &'static str {
        match self {
            Instr::Resume => "RESUME",
            Instr::LoadConst(_) => "LOAD_CONST",
            Instr::LoadFast(_) => "LOAD_FAST",
            Instr::StoreFast(_) => "STORE_FAST",
            Instr::LoadGlobal(_) => "LOAD_GLOBAL",
            Instr::StoreGlobal(_) => "STORE_GLOBAL",
            Instr::MakeFunction => "MAKE_FUNCTION",
            Instr::BinaryOp(..) => "BINARY_OP",
            Instr::UnaryNegative => "UNARY_NEGATIVE",
            Instr::UnaryNot => "UNARY_NOT",
            Instr::CompareOp(_) => "COMPARE_OP",
            Instr::PopJumpForwardIfFalse(_) => "POP_JUMP_FORWARD_IF_FALSE",
            Instr::PopJumpForwardIfTrue(_) => "POP_JUMP_FORWARD_IF_TRUE",
            Instr::JumpIfFalseOrPop(_) => "JUMP_IF_FALSE_OR_POP",
            Instr::JumpIfTrueOrPop(_) => "JUMP_IF_TRUE_OR_POP",
            Instr::JumpForward(_) => "JUMP_FORWARD",
            Instr::JumpBackward(_) => "JUMP_BACKWARD",
            Instr::Call(_) => "CALL",
            Instr::ReturnValue => "RETURN_VALUE",
            Instr::PopTop => "POP_TOP",
        }
    }

    /// The jump target (an instruction index), if this is a jump.
    pub(crate) fn jump_target(&self) -> Option<u32> {
        let mut copy = *self;
        copy.jump_target_mut().copied()
    }

    /// The jump target, for the compiler to patch, if this is a jump.
    pub(crate) fn jump_target_mut(&mut self) -> Option<&mut u32> {
        match self {
            Instr::PopJumpForwardIfFalse(t)
            | Instr::PopJumpForwardIfTrue(t)
            | Instr::JumpIfFalseOrPop(t)
            | Instr::JumpIfTrueOrPop(t)
            | Instr::JumpForward(t)
            | Instr::JumpBackward(t) => Some(t),
            _ => None,
        }
    }
}

/// A compiled function body (or the module's top level).
#[derive(Debug, Clone, Default)]
pub(crate) struct Code {
    /// The function's name, or `<module>`.
    pub name: String,
    /// The line of the `def` (1 for the module).
    pub first_line: usize,
    pub instrs: Vec<Instr>,
    /// The source line of each instruction.
    pub lines: Vec<u32>,
    pub consts: Vec<Const>,
    /// Parameters first, then the other locals.
    pub varnames: Vec<String>,
    pub argcount: usize,
}

/// CPython 3.11 widths: `_OPNAME_WIDTH` and `_OPARG_WIDTH` in `Lib/dis.py`.
const OPNAME_WIDTH: usize = 20;
const OPARG_WIDTH: usize = 5;

fn const_repr(c: Const, codes: &[Code]) -> String {
    match c {
        Const::Int(n) => n.to_string(),
        Const::Bool(true) => "True".into(),
        Const::Bool(false) => "False".into(),
        Const::None => "None".into(),
        Const::Code(i) => match codes.get(i as usize) {
            Some(code) => format!("<code object {}, line {}>", code.name, code.first_line),
            None => "<code object ?>".into(),
        },
    }
}

/// The listing of one code object, line by line as `dis.dis` prints it.
pub(crate) fn disassemble(code: &Code, codes: &[Code], names: &[String], out: &mut String) {
    let max_line = code.lines.iter().copied().max().unwrap_or(0);
    let line_width = if max_line >= 1000 {
        max_line.to_string().len()
    } else {
        3
    };
    let max_offset = code.instrs.len().saturating_sub(1) * 2;
    let offset_width = if max_offset >= 10000 {
        max_offset.to_string().len()
    } else {
        4
    };
    let mut targets = vec![false; code.instrs.len() + 1];
    for instr in &code.instrs {
        if let Some(slot) = instr
            .jump_target()
            .and_then(|t| targets.get_mut(t as usize))
        {
            *slot = true;
        }
    }
    let mut previous_line = None;
    for (i, instr) in code.instrs.iter().enumerate() {
        let line = code.lines.get(i).copied().unwrap_or(0);
        let starts_line = previous_line != Some(line);
        previous_line = Some(line);
        if starts_line && i > 0 {
            out.push('\n');
        }
        let mut fields: Vec<String> = Vec::new();
        if starts_line {
            fields.push(format!("{line:>line_width$}"));
        } else {
            fields.push(" ".repeat(line_width));
        }
        fields.push("   ".into());
        fields.push(if targets[i] { ">>" } else { "  " }.into());
        fields.push(format!("{:>offset_width$}", i * 2));
        fields.push(format!("{:<OPNAME_WIDTH$}", instr.opname()));
        let next = i as i64 + 1;
        let (arg, argrepr): (Option<i64>, String) = match *instr {
            Instr::Resume => (Some(0), String::new()),
            Instr::LoadConst(c) => (
                Some(c as i64),
                code.consts
                    .get(c as usize)
                    .map(|k| const_repr(*k, codes))
                    .unwrap_or_default(),
            ),
            Instr::LoadFast(v) | Instr::StoreFast(v) => (
                Some(v as i64),
                code.varnames.get(v as usize).cloned().unwrap_or_default(),
            ),
            Instr::LoadGlobal(g) | Instr::StoreGlobal(g) => (
                Some(g as i64),
                names.get(g as usize).cloned().unwrap_or_default(),
            ),
            Instr::MakeFunction => (Some(0), String::new()),
            Instr::BinaryOp(op, inplace) => (
                Some(op.oparg(inplace) as i64),
                format!("{}{}", op.symbol(), if inplace { "=" } else { "" }),
            ),
            Instr::CompareOp(op) => (Some(op.oparg() as i64), op.symbol().to_string()),
            Instr::PopJumpForwardIfFalse(t)
            | Instr::PopJumpForwardIfTrue(t)
            | Instr::JumpIfFalseOrPop(t)
            | Instr::JumpIfTrueOrPop(t)
            | Instr::JumpForward(t) => (Some(t as i64 - next), format!("to {}", t as i64 * 2)),
            Instr::JumpBackward(t) => (Some(next - t as i64), format!("to {}", t as i64 * 2)),
            Instr::Call(argc) => (Some(argc as i64), String::new()),
            Instr::UnaryNegative | Instr::UnaryNot | Instr::ReturnValue | Instr::PopTop => {
                (None, String::new())
            }
        };
        if let Some(arg) = arg {
            fields.push(format!("{arg:>OPARG_WIDTH$}"));
            if !argrepr.is_empty() {
                fields.push(format!("({argrepr})"));
            }
        }
        let text = fields.join(" ");
        let _ = writeln!(out, "{}", text.trim_end());
    }
}
