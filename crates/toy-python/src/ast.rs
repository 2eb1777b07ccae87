// The syntax tree the parser builds and the compiler walks.

/// A binary arithmetic operator, with its `BINARY_OP` oparg as in CPython 3.11.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinOp {
    Add,
    Sub,
    Mul,
    FloorDiv,
    Mod,
}

impl BinOp {
    /// The source symbol.
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::FloorDiv => "//",
            BinOp::Mod => "%",
        }
    }
    /// CPython 3.11's `BINARY_OP` argument (NB_ADD = 0, ...); `inplace` adds 13.
    pub(crate) fn oparg(self, inplace: bool) -> u32 {
        let base = match self {
            BinOp::Add => 0,
            BinOp::FloorDiv => 2,
            BinOp::Mul => 5,
            BinOp::Mod => 6,
            BinOp::Sub => 10,
        };
        if inplace { base + 13 } else { base }
    }
}

/// A comparison, with its `COMPARE_OP` oparg as in CPython 3.11.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Lt,
    Le,
    Eq,
    Ne,
    Gt,
    Ge,
}

impl CmpOp {
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
    pub(crate) fn oparg(self) -> u32 {
        match self {
            CmpOp::Lt => 0,
            CmpOp::Le => 1,
            CmpOp::Eq => 2,
            CmpOp::Ne => 3,
            CmpOp::Gt => 4,
            CmpOp::Ge => 5,
        }
    }
}

/// An expression, with the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Expr {
    pub kind: ExprKind,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ExprKind {
    Int(i64),
    Bool(bool),
    None,
    Name(String),
    Neg(Box<Expr>),
    Not(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Compare(CmpOp, Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Call(String, Vec<Expr>),
}

/// A statement, with its line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stmt {
    pub kind: StmtKind,
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StmtKind {
    Expr(Expr),
    Assign(String, Expr),
    AugAssign(String, BinOp, Expr),
    If {
        /// `if` and each `elif`: condition and body.
        branches: Vec<(Expr, Vec<Stmt>)>,
        orelse: Vec<Stmt>,
    },
    While(Expr, Vec<Stmt>),
    Pass,
    Break,
    Continue,
    Return(Option<Expr>),
    Global(Vec<String>),
    Def {
        name: String,
        params: Vec<String>,
        body: Vec<Stmt>,
    },
}
