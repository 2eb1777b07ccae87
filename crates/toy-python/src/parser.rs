// The parser: tokens to a syntax tree, by recursive descent with Python's precedence
// (`or` < `and` < `not` < comparisons < `+ -` < `* // %` < unary `-` < calls and atoms).
// Nesting is bounded so that no input can overflow the stack.

use crate::SyntaxError;
use crate::ast::{BinOp, CmpOp, Expr, ExprKind, Stmt, StmtKind};
use crate::lexer::{Tok, Token};

/// Deepest nesting of expressions and blocks accepted.
const MAX_DEPTH: usize = 150;

pub(crate) fn parse(tokens: Vec<Token>) -> Result<Vec<Stmt>, SyntaxError> {
    let mut parser = Parser {
        tokens,
        pos: 0,
        depth: 0,
    };
    let mut body = Vec::new();
    while parser.peek() != &Tok::Eof {
        if parser.peek() == &Tok::Newline {
            parser.pos += 1;
            continue;
        }
        parser.statement(&mut body)?;
    }
    Ok(body)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn token(&self) -> &Token {
        // The lexer always ends the list with EOF; stay on it.
        let last = self.tokens.len() - 1;
        &self.tokens[self.pos.min(last)]
    }

    fn peek(&self) -> &Tok {
        &self.token().tok
    }

    fn advance(&mut self) -> Token {
        let token = self.token().clone();
        if self.pos < self.tokens.len() - 1 {
            self.pos += 1;
        }
        token
    }

    fn error_here(&self, message: impl Into<String>) -> SyntaxError {
        let token = self.token();
        SyntaxError {
            line: token.line,
            column: token.column,
            message: message.into(),
        }
    }

    fn expect(&mut self, tok: Tok, what: &str) -> Result<Token, SyntaxError> {
        if *self.peek() == tok {
            Ok(self.advance())
        } else {
            Err(self.error_here(format!("expected {what}, found {}", self.peek().describe())))
        }
    }

    fn enter(&mut self) -> Result<(), SyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error_here("too deeply nested"));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// One statement (a compound one, or a simple one ending its line), pushed on `out`.
    fn statement(&mut self, out: &mut Vec<Stmt>) -> Result<(), SyntaxError> {
        let start = self.token().clone();
        match start.tok {
            Tok::Def | Tok::If | Tok::While => {
                self.enter()?;
                let stmt = self.compound()?;
                self.leave();
                out.push(stmt);
                Ok(())
            }
            Tok::Elif | Tok::Else => Err(self.error_here(format!(
                "'{}' without a matching 'if'",
                if start.tok == Tok::Elif {
                    "elif"
                } else {
                    "else"
                }
            ))),
            Tok::Indent => Err(self.error_here("unexpected indent")),
            _ => {
                let stmt = self.simple()?;
                out.push(stmt);
                self.expect(Tok::Newline, "end of line")?;
                Ok(())
            }
        }
    }

    fn compound(&mut self) -> Result<Stmt, SyntaxError> {
        let start = self.advance();
        let (line, column) = (start.line, start.column);
        let kind = match start.tok {
            Tok::Def => {
                let name = self.name("a function name after 'def'")?;
                self.expect(Tok::LParen, "'(' after the function name")?;
                let mut params: Vec<String> = Vec::new();
                if *self.peek() != Tok::RParen {
                    loop {
                        let token = self.token().clone();
                        let param = self.name("a parameter name")?;
                        if params.contains(&param) {
                            return Err(SyntaxError {
                                line: token.line,
                                column: token.column,
                                message: format!(
                                    "duplicate argument '{param}' in function definition"
                                ),
                            });
                        }
                        params.push(param);
                        if *self.peek() == Tok::Comma {
                            self.advance();
                            if *self.peek() == Tok::RParen {
                                break;
                            }
                        } else {
                            break;
                        }
                    }
                }
                self.expect(Tok::RParen, "')' or ','")?;
                let body = self.block()?;
                StmtKind::Def { name, params, body }
            }
            Tok::While => {
                let cond = self.expr()?;
                let body = self.block()?;
                if *self.peek() == Tok::Else {
                    return Err(self.error_here("'while ... else' is not supported"));
                }
                StmtKind::While(cond, body)
            }
            Tok::If => {
                let mut branches = Vec::new();
                let cond = self.expr()?;
                let body = self.block()?;
                branches.push((cond, body));
                let mut orelse = Vec::new();
                loop {
                    match self.peek() {
                        Tok::Elif => {
                            self.advance();
                            let cond = self.expr()?;
                            let body = self.block()?;
                            branches.push((cond, body));
                        }
                        Tok::Else => {
                            self.advance();
                            orelse = self.block()?;
                            break;
                        }
                        _ => break,
                    }
                }
                StmtKind::If { branches, orelse }
            }
            _ => return Err(self.error_here("expected a statement")),
        };
        Ok(Stmt { kind, line, column })
    }

    /// `:` then either a simple statement on the same line or an indented block.
    fn block(&mut self) -> Result<Vec<Stmt>, SyntaxError> {
        self.expect(Tok::Colon, "':'")?;
        let mut body = Vec::new();
        if *self.peek() != Tok::Newline {
            let stmt = self.simple()?;
            body.push(stmt);
            self.expect(Tok::Newline, "end of line")?;
            return Ok(body);
        }
        self.advance();
        if *self.peek() != Tok::Indent {
            return Err(self.error_here("expected an indented block"));
        }
        self.advance();
        while !matches!(self.peek(), Tok::Dedent | Tok::Eof) {
            self.statement(&mut body)?;
        }
        self.expect(Tok::Dedent, "the end of the block")?;
        Ok(body)
    }

    fn name(&mut self, what: &str) -> Result<String, SyntaxError> {
        match self.peek().clone() {
            Tok::Name(n) => {
                self.advance();
                Ok(n)
            }
            other => Err(self.error_here(format!("expected {what}, found {}", other.describe()))),
        }
    }

    fn simple(&mut self) -> Result<Stmt, SyntaxError> {
        let start = self.token().clone();
        let (line, column) = (start.line, start.column);
        let kind = match start.tok {
            Tok::Pass => {
                self.advance();
                StmtKind::Pass
            }
            Tok::Break => {
                self.advance();
                StmtKind::Break
            }
            Tok::Continue => {
                self.advance();
                StmtKind::Continue
            }
            Tok::Return => {
                self.advance();
                if *self.peek() == Tok::Newline {
                    StmtKind::Return(None)
                } else {
                    StmtKind::Return(Some(self.expr()?))
                }
            }
            Tok::Global => {
                self.advance();
                let mut names = vec![self.name("a name after 'global'")?];
                while *self.peek() == Tok::Comma {
                    self.advance();
                    names.push(self.name("a name after ','")?);
                }
                StmtKind::Global(names)
            }
            Tok::Def | Tok::If | Tok::While | Tok::Elif | Tok::Else => {
                return Err(self.error_here(format!(
                    "{} cannot follow ':' on the same line; put it on its own indented line",
                    start.tok.describe()
                )));
            }
            _ => {
                let target = self.expr()?;
                let aug = match self.peek() {
                    Tok::PlusEq => Some(BinOp::Add),
                    Tok::MinusEq => Some(BinOp::Sub),
                    Tok::StarEq => Some(BinOp::Mul),
                    Tok::SlashSlashEq => Some(BinOp::FloorDiv),
                    Tok::PercentEq => Some(BinOp::Mod),
                    _ => None,
                };
                let assign = *self.peek() == Tok::Assign;
                if assign || aug.is_some() {
                    let name = match target.kind {
                        ExprKind::Name(name) => name,
                        ExprKind::Int(_) | ExprKind::Bool(_) | ExprKind::None => {
                            return Err(SyntaxError {
                                line,
                                column,
                                message: "cannot assign to literal".to_string(),
                            });
                        }
                        ExprKind::Call(..) => {
                            return Err(SyntaxError {
                                line,
                                column,
                                message: "cannot assign to function call".to_string(),
                            });
                        }
                        _ => {
                            return Err(SyntaxError {
                                line,
                                column,
                                message: "cannot assign to expression (only to a name)".to_string(),
                            });
                        }
                    };
                    self.advance();
                    let value = self.expr()?;
                    if *self.peek() == Tok::Assign {
                        return Err(
                            self.error_here("chained assignment 'a = b = ...' is not supported")
                        );
                    }
                    match aug {
                        Some(op) => StmtKind::AugAssign(name, op, value),
                        None => StmtKind::Assign(name, value),
                    }
                } else {
                    StmtKind::Expr(target)
                }
            }
        };
        Ok(Stmt { kind, line, column })
    }

    fn expr(&mut self) -> Result<Expr, SyntaxError> {
        self.enter()?;
        let result = self.or_expr();
        self.leave();
        result
    }

    fn or_expr(&mut self) -> Result<Expr, SyntaxError> {
        let mut left = self.and_expr()?;
        while *self.peek() == Tok::Or {
            self.advance();
            let right = self.and_expr()?;
            let line = left.line;
            left = Expr {
                kind: ExprKind::Or(Box::new(left), Box::new(right)),
                line,
            };
        }
        Ok(left)
    }

    fn and_expr(&mut self) -> Result<Expr, SyntaxError> {
        let mut left = self.not_expr()?;
        while *self.peek() == Tok::And {
            self.advance();
            let right = self.not_expr()?;
            let line = left.line;
            left = Expr {
                kind: ExprKind::And(Box::new(left), Box::new(right)),
                line,
            };
        }
        Ok(left)
    }

    fn not_expr(&mut self) -> Result<Expr, SyntaxError> {
        if *self.peek() == Tok::Not {
            let token = self.advance();
            self.enter()?;
            let operand = self.not_expr();
            self.leave();
            return Ok(Expr {
                kind: ExprKind::Not(Box::new(operand?)),
                line: token.line,
            });
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Expr, SyntaxError> {
        let left = self.arith()?;
        let Some(op) = self.cmp_op() else {
            return Ok(left);
        };
        self.advance();
        let right = self.arith()?;
        if self.cmp_op().is_some() {
            return Err(self
                .error_here("chained comparisons like 'a < b < c' are not supported; use 'and'"));
        }
        let line = left.line;
        Ok(Expr {
            kind: ExprKind::Compare(op, Box::new(left), Box::new(right)),
            line,
        })
    }

    fn cmp_op(&self) -> Option<CmpOp> {
        Some(match self.peek() {
            Tok::Lt => CmpOp::Lt,
            Tok::Le => CmpOp::Le,
            Tok::Gt => CmpOp::Gt,
            Tok::Ge => CmpOp::Ge,
            Tok::EqEq => CmpOp::Eq,
            Tok::NotEq => CmpOp::Ne,
            _ => return None,
        })
    }

    fn arith(&mut self) -> Result<Expr, SyntaxError> {
        let mut left = self.term()?;
        loop {
            let op = match self.peek() {
                Tok::Plus => BinOp::Add,
                Tok::Minus => BinOp::Sub,
                _ => return Ok(left),
            };
            self.advance();
            let right = self.term()?;
            let line = left.line;
            left = Expr {
                kind: ExprKind::Binary(op, Box::new(left), Box::new(right)),
                line,
            };
        }
    }

    fn term(&mut self) -> Result<Expr, SyntaxError> {
        let mut left = self.factor()?;
        loop {
            let op = match self.peek() {
                Tok::Star => BinOp::Mul,
                Tok::SlashSlash => BinOp::FloorDiv,
                Tok::Percent => BinOp::Mod,
                _ => return Ok(left),
            };
            self.advance();
            let right = self.factor()?;
            let line = left.line;
            left = Expr {
                kind: ExprKind::Binary(op, Box::new(left), Box::new(right)),
                line,
            };
        }
    }

    fn factor(&mut self) -> Result<Expr, SyntaxError> {
        match self.peek() {
            Tok::Minus | Tok::Plus => {
                let token = self.advance();
                self.enter()?;
                let operand = self.factor();
                self.leave();
                let operand = operand?;
                if token.tok == Tok::Plus {
                    // Unary plus on an integer is the integer itself.
                    return Ok(operand);
                }
                // Fold `-literal` so that `-9223372036854775808` is not needed as a token
                // and `-5` is one constant, as CPython's optimizer does.
                if let ExprKind::Int(n) = operand.kind {
                    return Ok(Expr {
                        kind: ExprKind::Int(-n),
                        line: token.line,
                    });
                }
                Ok(Expr {
                    kind: ExprKind::Neg(Box::new(operand)),
                    line: token.line,
                })
            }
            _ => self.atom(),
        }
    }

    fn atom(&mut self) -> Result<Expr, SyntaxError> {
        let token = self.token().clone();
        let line = token.line;
        let kind = match token.tok {
            Tok::Int(n) => {
                self.advance();
                ExprKind::Int(n)
            }
            Tok::True => {
                self.advance();
                ExprKind::Bool(true)
            }
            Tok::False => {
                self.advance();
                ExprKind::Bool(false)
            }
            Tok::None => {
                self.advance();
                ExprKind::None
            }
            Tok::Name(name) => {
                self.advance();
                if *self.peek() == Tok::LParen {
                    self.advance();
                    let mut args = Vec::new();
                    while *self.peek() != Tok::RParen {
                        args.push(self.expr()?);
                        if *self.peek() == Tok::Comma {
                            self.advance();
                        } else {
                            break;
                        }
                    }
                    self.expect(Tok::RParen, "')' or ',' in the call")?;
                    ExprKind::Call(name, args)
                } else {
                    ExprKind::Name(name)
                }
            }
            Tok::LParen => {
                self.advance();
                let inner = self.expr()?;
                self.expect(Tok::RParen, "')'")?;
                if *self.peek() == Tok::LParen {
                    return Err(self.error_here("only a function's name can be called"));
                }
                return Ok(inner);
            }
            other => {
                return Err(self.error_here(format!(
                    "expected an expression, found {}",
                    other.describe()
                )));
            }
        };
        if *self.peek() == Tok::LParen {
            return Err(self.error_here("only a function's name can be called"));
        }
        Ok(Expr { kind, line })
    }
}
