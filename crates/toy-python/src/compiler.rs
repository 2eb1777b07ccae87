// The compiler: syntax tree to code objects.
//
// Names are resolved here, once: in a function, a name assigned anywhere in its body (and
// not declared `global`) or a parameter is a local, loaded and stored by index with
// LOAD_FAST/STORE_FAST; every other name is a global, loaded by its slot in the program's
// name table with LOAD_GLOBAL. At the module's top level every name is a global.

use crate::ast::{Expr, ExprKind, Stmt, StmtKind};
use crate::bytecode::{Code, Const, Instr};
use crate::{ProgramData, SyntaxError};
use std::collections::HashMap;

/// Compiles a module: its code object at index 0, then one per function.
pub(crate) fn compile_module(body: &[Stmt]) -> Result<ProgramData, SyntaxError> {
    let mut program = ProgramData {
        // Index 0 is reserved for the module.
        codes: vec![Code::default()],
        names: vec![],
        name_index: HashMap::new(),
        functions: vec![],
    };
    let mut unit = Unit::new("<module>", 1, false);
    unit.emit(Instr::Resume, 1);
    for stmt in body {
        unit.stmt(stmt, &mut program)?;
    }
    let last_line = unit.lines.last().copied().unwrap_or(1);
    let none = unit.constant(Const::None);
    unit.emit(Instr::LoadConst(none), last_line as usize);
    unit.emit(Instr::ReturnValue, last_line as usize);
    program.codes[0] = unit.finish();
    Ok(program)
}

impl ProgramData {
    /// The slot of global `name`, a new one if the program has not used it yet.
    fn global(&mut self, name: &str) -> u32 {
        if let Some(&slot) = self.name_index.get(name) {
            return slot;
        }
        let slot = self.names.len() as u32;
        self.names.push(name.to_string());
        self.name_index.insert(name.to_string(), slot);
        slot
    }
}

struct Loop {
    start: u32,
    breaks: Vec<usize>,
}

struct Unit {
    name: String,
    first_line: usize,
    is_function: bool,
    instrs: Vec<Instr>,
    lines: Vec<u32>,
    consts: Vec<Const>,
    varnames: Vec<String>,
    locals: HashMap<String, u32>,
    argcount: usize,
    loops: Vec<Loop>,
}

fn err(stmt: &Stmt, message: impl Into<String>) -> SyntaxError {
    SyntaxError {
        line: stmt.line,
        column: stmt.column,
        message: message.into(),
    }
}

/// Names assigned in `body` (recursively through blocks) and names declared global.
fn scan(body: &[Stmt], assigned: &mut Vec<String>, globals: &mut Vec<(String, usize, usize)>) {
    for stmt in body {
        match &stmt.kind {
            StmtKind::Assign(n, _) | StmtKind::AugAssign(n, _, _) if !assigned.contains(n) => {
                assigned.push(n.clone());
            }
            StmtKind::Global(ns) => {
                for n in ns {
                    globals.push((n.clone(), stmt.line, stmt.column));
                }
            }
            StmtKind::If { branches, orelse } => {
                for (_, b) in branches {
                    scan(b, assigned, globals);
                }
                scan(orelse, assigned, globals);
            }
            StmtKind::While(_, b) => scan(b, assigned, globals),
            _ => {}
        }
    }
}

impl Unit {
    fn new(name: &str, first_line: usize, is_function: bool) -> Unit {
        Unit {
            name: name.to_string(),
            first_line,
            is_function,
            instrs: vec![],
            lines: vec![],
            consts: vec![],
            varnames: vec![],
            locals: HashMap::new(),
            argcount: 0,
            loops: vec![],
        }
    }

    fn finish(self) -> Code {
        Code {
            name: self.name,
            first_line: self.first_line,
            instrs: self.instrs,
            lines: self.lines,
            consts: self.consts,
            varnames: self.varnames,
            argcount: self.argcount,
        }
    }

    fn emit(&mut self, instr: Instr, line: usize) -> usize {
        self.instrs.push(instr);
        self.lines.push(line as u32);
        self.instrs.len() - 1
    }

    fn here(&self) -> u32 {
        self.instrs.len() as u32
    }

    /// Points the forward jump at `at` to the next instruction to be emitted.
    fn patch(&mut self, at: usize) {
        let target = self.here();
        if let Some(t) = self.instrs[at].jump_target_mut() {
            *t = target;
        }
    }

    fn constant(&mut self, c: Const) -> u32 {
        if let Some(i) = self.consts.iter().position(|k| *k == c) {
            return i as u32;
        }
        self.consts.push(c);
        (self.consts.len() - 1) as u32
    }

    fn load_name(&mut self, name: &str, line: usize, program: &mut ProgramData) {
        if let Some(&i) = self.locals.get(name) {
            self.emit(Instr::LoadFast(i), line);
        } else {
            let slot = program.global(name);
            self.emit(Instr::LoadGlobal(slot), line);
        }
    }

    fn store_name(&mut self, name: &str, line: usize, program: &mut ProgramData) {
        if let Some(&i) = self.locals.get(name) {
            self.emit(Instr::StoreFast(i), line);
        } else {
            let slot = program.global(name);
            self.emit(Instr::StoreGlobal(slot), line);
        }
    }

    fn stmt(&mut self, stmt: &Stmt, program: &mut ProgramData) -> Result<(), SyntaxError> {
        let line = stmt.line;
        match &stmt.kind {
            StmtKind::Expr(e) => {
                self.expr(e, program);
                self.emit(Instr::PopTop, line);
            }
            StmtKind::Assign(name, value) => {
                self.expr(value, program);
                self.store_name(name, line, program);
            }
            StmtKind::AugAssign(name, op, value) => {
                self.load_name(name, line, program);
                self.expr(value, program);
                self.emit(Instr::BinaryOp(*op, true), line);
                self.store_name(name, line, program);
            }
            StmtKind::Pass => {}
            StmtKind::Global(_) => {}
            StmtKind::Break => {
                if self.loops.is_empty() {
                    return Err(err(stmt, "'break' outside loop"));
                }
                let at = self.emit(Instr::JumpForward(0), line);
                if let Some(l) = self.loops.last_mut() {
                    l.breaks.push(at);
                }
            }
            StmtKind::Continue => {
                let Some(start) = self.loops.last().map(|l| l.start) else {
                    return Err(err(stmt, "'continue' not properly in loop"));
                };
                self.emit(Instr::JumpBackward(start), line);
            }
            StmtKind::Return(value) => {
                if !self.is_function {
                    return Err(err(stmt, "'return' outside function"));
                }
                match value {
                    Some(e) => self.expr(e, program),
                    None => {
                        let none = self.constant(Const::None);
                        self.emit(Instr::LoadConst(none), line);
                    }
                }
                self.emit(Instr::ReturnValue, line);
            }
            StmtKind::If { branches, orelse } => {
                let mut ends = Vec::new();
                for (i, (cond, body)) in branches.iter().enumerate() {
                    let skip = self.jump_unless(cond, program);
                    for s in body {
                        self.stmt(s, program)?;
                    }
                    let last = i + 1 == branches.len();
                    if !(last && orelse.is_empty()) {
                        let end_line = self.lines.last().copied().unwrap_or(line as u32) as usize;
                        ends.push(self.emit(Instr::JumpForward(0), end_line));
                    }
                    self.patch(skip);
                }
                for s in orelse {
                    self.stmt(s, program)?;
                }
                for at in ends {
                    self.patch(at);
                }
            }
            StmtKind::While(cond, body) => {
                let start = self.here();
                let exit = self.jump_unless(cond, program);
                self.loops.push(Loop {
                    start,
                    breaks: vec![],
                });
                for s in body {
                    self.stmt(s, program)?;
                }
                self.emit(Instr::JumpBackward(start), line);
                let finished = self.loops.pop();
                self.patch(exit);
                if let Some(l) = finished {
                    for at in l.breaks {
                        self.patch(at);
                    }
                }
            }
            StmtKind::Def { name, params, body } => {
                if self.is_function {
                    return Err(err(
                        stmt,
                        "nested functions are not supported; define functions at the top level",
                    ));
                }
                let code_index = self.function(stmt, name, params, body, program)?;
                let k = self.constant(Const::Code(code_index as u32));
                self.emit(Instr::LoadConst(k), line);
                self.emit(Instr::MakeFunction, line);
                let slot = program.global(name);
                self.emit(Instr::StoreGlobal(slot), line);
            }
        }
        Ok(())
    }

    fn function(
        &mut self,
        stmt: &Stmt,
        name: &str,
        params: &[String],
        body: &[Stmt],
        program: &mut ProgramData,
    ) -> Result<usize, SyntaxError> {
        let mut assigned = Vec::new();
        let mut globals = Vec::new();
        scan(body, &mut assigned, &mut globals);
        for (g, line, column) in &globals {
            if params.contains(g) {
                return Err(SyntaxError {
                    line: *line,
                    column: *column,
                    message: format!("name '{g}' is parameter and global"),
                });
            }
        }
        let mut unit = Unit::new(name, stmt.line, true);
        for p in params {
            unit.locals.insert(p.clone(), unit.varnames.len() as u32);
            unit.varnames.push(p.clone());
        }
        unit.argcount = params.len();
        for a in assigned {
            if unit.locals.contains_key(&a) || globals.iter().any(|(g, _, _)| *g == a) {
                continue;
            }
            unit.locals.insert(a.clone(), unit.varnames.len() as u32);
            unit.varnames.push(a);
        }
        // Reserve the code's index before compiling the body.
        let index = program.codes.len();
        program.codes.push(Code::default());
        program.functions.push(index);
        unit.emit(Instr::Resume, stmt.line);
        for s in body {
            unit.stmt(s, program)?;
        }
        if unit.instrs.last() != Some(&Instr::ReturnValue) || unit.ends_reachable() {
            let line = unit.lines.last().copied().unwrap_or(stmt.line as u32) as usize;
            let none = unit.constant(Const::None);
            unit.emit(Instr::LoadConst(none), line);
            unit.emit(Instr::ReturnValue, line);
        }
        program.codes[index] = unit.finish();
        Ok(index)
    }

    /// Whether some jump targets the end of the code (so an implicit `return None` is needed
    /// even though the last instruction is a RETURN_VALUE).
    fn ends_reachable(&self) -> bool {
        let end = self.here();
        self.instrs.iter().any(|i| i.jump_target() == Some(end))
    }

    /// Evaluates `cond` and jumps (target patched later) when it is false; returns the
    /// jump's index. `if not x` tests `x` and jumps if true, as CPython compiles it.
    fn jump_unless(&mut self, cond: &Expr, program: &mut ProgramData) -> usize {
        if let ExprKind::Not(inner) = &cond.kind {
            self.expr(inner, program);
            return self.emit(Instr::PopJumpForwardIfTrue(0), cond.line);
        }
        self.expr(cond, program);
        self.emit(Instr::PopJumpForwardIfFalse(0), cond.line)
    }

    fn expr(&mut self, e: &Expr, program: &mut ProgramData) {
        let line = e.line;
        match &e.kind {
            ExprKind::Int(n) => {
                let k = self.constant(Const::Int(*n));
                self.emit(Instr::LoadConst(k), line);
            }
            ExprKind::Bool(b) => {
                let k = self.constant(Const::Bool(*b));
                self.emit(Instr::LoadConst(k), line);
            }
            ExprKind::None => {
                let k = self.constant(Const::None);
                self.emit(Instr::LoadConst(k), line);
            }
            ExprKind::Name(n) => self.load_name(n, line, program),
            ExprKind::Neg(x) => {
                self.expr(x, program);
                self.emit(Instr::UnaryNegative, line);
            }
            ExprKind::Not(x) => {
                self.expr(x, program);
                self.emit(Instr::UnaryNot, line);
            }
            ExprKind::Binary(op, a, b) => {
                self.expr(a, program);
                self.expr(b, program);
                self.emit(Instr::BinaryOp(*op, false), line);
            }
            ExprKind::Compare(op, a, b) => {
                self.expr(a, program);
                self.expr(b, program);
                self.emit(Instr::CompareOp(*op), line);
            }
            ExprKind::And(a, b) => {
                self.expr(a, program);
                let at = self.emit(Instr::JumpIfFalseOrPop(0), line);
                self.expr(b, program);
                self.patch(at);
            }
            ExprKind::Or(a, b) => {
                self.expr(a, program);
                let at = self.emit(Instr::JumpIfTrueOrPop(0), line);
                self.expr(b, program);
                self.patch(at);
            }
            ExprKind::Call(name, args) => {
                self.load_name(name, line, program);
                for a in args {
                    self.expr(a, program);
                }
                self.emit(Instr::Call(args.len() as u32), line);
            }
        }
    }
}
