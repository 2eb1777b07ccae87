// The tokenizer: source text to tokens, with INDENT and DEDENT by Python's rules.
//
// Indentation is measured in spaces; a tab in the indentation of a line is a syntax error
// (Python accepts consistent tabs; this subset keeps it simple and says so). Newlines inside
// parentheses do not end a statement, and a backslash at the end of a line joins it with the
// next, as in Python. Blank lines and lines holding only a comment produce no tokens.

use crate::SyntaxError;

/// A token's kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tok {
    Name(String),
    Int(i64),
    // Keywords.
    Def,
    Return,
    If,
    Elif,
    Else,
    While,
    Pass,
    Break,
    Continue,
    Global,
    And,
    Or,
    Not,
    True,
    False,
    None,
    // Operators and punctuation.
    Plus,
    Minus,
    Star,
    SlashSlash,
    Percent,
    Lt,
    Le,
    Gt,
    Ge,
    EqEq,
    NotEq,
    Assign,
    PlusEq,
    MinusEq,
    StarEq,
    SlashSlashEq,
    PercentEq,
    LParen,
    RParen,
    Comma,
    Colon,
    // Layout.
    Newline,
    Indent,
    Dedent,
    Eof,
}

impl Tok {
    /// How the token reads in an error message.
    pub(crate) fn describe(&self) -> String {
        match self {
            Tok::Name(n) => format!("name '{n}'"),
            Tok::Int(n) => format!("number {n}"),
            Tok::Newline => "end of line".to_string(),
            Tok::Indent => "indent".to_string(),
            Tok::Dedent => "dedent".to_string(),
            Tok::Eof => "end of file".to_string(),
            other => format!("'{}'", other.text()),
        }
    }

    fn text(&self) -> &'static str {
        match self {
            Tok::Def => "def",
            Tok::Return => "return",
            Tok::If => "if",
            Tok::Elif => "elif",
            Tok::Else => "else",
            Tok::While => "while",
            Tok::Pass => "pass",
            Tok::Break => "break",
            Tok::Continue => "continue",
            Tok::Global => "global",
            Tok::And => "and",
            Tok::Or => "or",
            Tok::Not => "not",
            Tok::True => "True",
            Tok::False => "False",
            Tok::None => "None",
            Tok::Plus => "+",
            Tok::Minus => "-",
            Tok::Star => "*",
            Tok::SlashSlash => "//",
            Tok::Percent => "%",
            Tok::Lt => "<",
            Tok::Le => "<=",
            Tok::Gt => ">",
            Tok::Ge => ">=",
            Tok::EqEq => "==",
            Tok::NotEq => "!=",
            Tok::Assign => "=",
            Tok::PlusEq => "+=",
            Tok::MinusEq => "-=",
            Tok::StarEq => "*=",
            Tok::SlashSlashEq => "//=",
            Tok::PercentEq => "%=",
            Tok::LParen => "(",
            Tok::RParen => ")",
            Tok::Comma => ",",
            Tok::Colon => ":",
            _ => "?",
        }
    }
}

/// A token and where it starts (1-based line and column, in characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    pub tok: Tok,
    pub line: usize,
    pub column: usize,
}

/// Deepest indentation nesting accepted (keeps the recursive parser's stack small).
const MAX_INDENT_LEVELS: usize = 100;

fn error(line: usize, column: usize, message: impl Into<String>) -> SyntaxError {
    SyntaxError {
        line,
        column,
        message: message.into(),
    }
}

fn keyword(word: &str) -> Option<Tok> {
    Some(match word {
        "def" => Tok::Def,
        "return" => Tok::Return,
        "if" => Tok::If,
        "elif" => Tok::Elif,
        "else" => Tok::Else,
        "while" => Tok::While,
        "pass" => Tok::Pass,
        "break" => Tok::Break,
        "continue" => Tok::Continue,
        "global" => Tok::Global,
        "and" => Tok::And,
        "or" => Tok::Or,
        "not" => Tok::Not,
        "True" => Tok::True,
        "False" => Tok::False,
        "None" => Tok::None,
        _ => return None,
    })
}

/// Python keywords outside the subset: using one gets a clear message instead of a
/// confusing parse error.
fn unsupported_keyword(word: &str) -> bool {
    matches!(
        word,
        "for"
            | "in"
            | "is"
            | "class"
            | "lambda"
            | "import"
            | "from"
            | "as"
            | "with"
            | "try"
            | "except"
            | "finally"
            | "raise"
            | "yield"
            | "async"
            | "await"
            | "del"
            | "assert"
            | "nonlocal"
    )
}

/// Tokens, and an error to report if the parser finds nothing wrong before the end (a
/// parenthesis never closed: the parser usually has a more precise complaint first).
pub(crate) struct Lexed {
    pub tokens: Vec<Token>,
    pub unclosed: Option<SyntaxError>,
}

/// Splits `source` into tokens, ending with NEWLINE (if needed), DEDENTs and EOF.
pub(crate) fn tokenize(source: &str) -> Result<Lexed, SyntaxError> {
    let mut open_parens: Vec<(usize, usize)> = Vec::new();
    let chars: Vec<char> = source.chars().collect();
    let mut tokens: Vec<Token> = Vec::new();
    let mut indents: Vec<usize> = vec![0];
    let mut i = 0usize;
    let mut line = 1usize;
    let mut line_start = 0usize; // index in `chars` of the current line's first character
    let mut depth = 0usize; // open parentheses
    let mut at_line_start = true;
    let col = |i: usize, line_start: usize| i - line_start + 1;

    while i < chars.len() {
        if at_line_start && depth == 0 {
            // Measure the indentation of a logical line.
            let mut width = 0usize;
            let mut j = i;
            while j < chars.len() && (chars[j] == ' ' || chars[j] == '\t' || chars[j] == '\x0c') {
                if chars[j] == '\t' {
                    return Err(error(
                        line,
                        col(j, line_start),
                        "tabs are not allowed in indentation; indent with spaces",
                    ));
                }
                if chars[j] == ' ' {
                    width += 1;
                }
                j += 1;
            }
            // Blank line or comment-only line: no tokens, no indentation change.
            if j >= chars.len() || chars[j] == '\n' || chars[j] == '\r' || chars[j] == '#' {
                while j < chars.len() && chars[j] != '\n' {
                    j += 1;
                }
                if j < chars.len() {
                    j += 1; // the newline
                    line += 1;
                    line_start = j;
                }
                i = j;
                continue;
            }
            let current = *indents.last().unwrap_or(&0);
            if width > current {
                if tokens.is_empty() {
                    return Err(error(line, col(j, line_start), "unexpected indent"));
                }
                if indents.len() > MAX_INDENT_LEVELS {
                    return Err(error(
                        line,
                        col(j, line_start),
                        "too many levels of indentation",
                    ));
                }
                indents.push(width);
                tokens.push(Token {
                    tok: Tok::Indent,
                    line,
                    column: col(j, line_start),
                });
            } else if width < current {
                while width < *indents.last().unwrap_or(&0) {
                    indents.pop();
                    tokens.push(Token {
                        tok: Tok::Dedent,
                        line,
                        column: col(j, line_start),
                    });
                }
                if width != *indents.last().unwrap_or(&0) {
                    return Err(error(
                        line,
                        col(j, line_start),
                        "unindent does not match any outer indentation level",
                    ));
                }
            }
            i = j;
            at_line_start = false;
            continue;
        }

        let c = chars[i];
        let column = col(i, line_start);
        match c {
            ' ' | '\t' | '\x0c' | '\r' => {
                i += 1;
            }
            '#' => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '\n' => {
                if depth == 0 {
                    tokens.push(Token {
                        tok: Tok::Newline,
                        line,
                        column,
                    });
                    at_line_start = true;
                }
                i += 1;
                line += 1;
                line_start = i;
            }
            '\\' => {
                // Explicit line joining: a backslash must be the last thing on its line.
                let mut j = i + 1;
                if j < chars.len() && chars[j] == '\r' {
                    j += 1;
                }
                if j < chars.len() && chars[j] == '\n' {
                    i = j + 1;
                    line += 1;
                    line_start = i;
                } else {
                    return Err(error(
                        line,
                        column,
                        "unexpected character after line continuation character",
                    ));
                }
            }
            '0'..='9' => {
                let mut digits = String::new();
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                    digits.push(chars[i]);
                    i += 1;
                }
                if i < chars.len() && chars[i] == '.' {
                    return Err(error(
                        line,
                        column,
                        "floats are not supported (integers only)",
                    ));
                }
                let valid = digits.chars().all(|d| d.is_ascii_digit() || d == '_')
                    && !digits.ends_with('_')
                    && !digits.contains("__");
                if !valid {
                    return Err(error(
                        line,
                        column,
                        format!("invalid number literal '{digits}'"),
                    ));
                }
                let clean: String = digits.chars().filter(|d| *d != '_').collect();
                if clean.len() > 1 && clean.starts_with('0') && clean.chars().any(|d| d != '0') {
                    return Err(error(
                        line,
                        column,
                        "leading zeros in decimal integer literals are not permitted",
                    ));
                }
                let value: i64 = clean.parse().map_err(|_| {
                    error(
                        line,
                        column,
                        format!("integer literal {clean} does not fit in 64 bits"),
                    )
                })?;
                tokens.push(Token {
                    tok: Tok::Int(value),
                    line,
                    column,
                });
            }
            c if c == '_' || c.is_ascii_alphabetic() => {
                let mut word = String::new();
                while i < chars.len() && (chars[i] == '_' || chars[i].is_ascii_alphanumeric()) {
                    word.push(chars[i]);
                    i += 1;
                }
                if i < chars.len() && !chars[i].is_ascii() && chars[i].is_alphanumeric() {
                    return Err(error(
                        line,
                        col(i, line_start),
                        "only ASCII names are supported",
                    ));
                }
                let tok = match keyword(&word) {
                    Some(k) => k,
                    None if unsupported_keyword(&word) => {
                        return Err(error(
                            line,
                            column,
                            format!("'{word}' is not supported by this Python subset"),
                        ));
                    }
                    None => Tok::Name(word),
                };
                tokens.push(Token { tok, line, column });
            }
            _ => {
                let next = chars.get(i + 1).copied();
                let next2 = chars.get(i + 2).copied();
                let (tok, len) = match (c, next, next2) {
                    ('/', Some('/'), Some('=')) => (Tok::SlashSlashEq, 3),
                    ('/', Some('/'), _) => (Tok::SlashSlash, 2),
                    ('/', _, _) => {
                        return Err(error(
                            line,
                            column,
                            "'/' (true division) is not supported; use '//'",
                        ));
                    }
                    ('+', Some('='), _) => (Tok::PlusEq, 2),
                    ('-', Some('='), _) => (Tok::MinusEq, 2),
                    ('*', Some('*'), _) => {
                        return Err(error(line, column, "'**' is not supported"));
                    }
                    ('*', Some('='), _) => (Tok::StarEq, 2),
                    ('%', Some('='), _) => (Tok::PercentEq, 2),
                    ('<', Some('='), _) => (Tok::Le, 2),
                    ('>', Some('='), _) => (Tok::Ge, 2),
                    ('=', Some('='), _) => (Tok::EqEq, 2),
                    ('!', Some('='), _) => (Tok::NotEq, 2),
                    ('+', _, _) => (Tok::Plus, 1),
                    ('-', _, _) => (Tok::Minus, 1),
                    ('*', _, _) => (Tok::Star, 1),
                    ('%', _, _) => (Tok::Percent, 1),
                    ('<', _, _) => (Tok::Lt, 1),
                    ('>', _, _) => (Tok::Gt, 1),
                    ('=', _, _) => (Tok::Assign, 1),
                    (',', _, _) => (Tok::Comma, 1),
                    (':', _, _) => (Tok::Colon, 1),
                    ('(', _, _) => {
                        depth += 1;
                        open_parens.push((line, column));
                        (Tok::LParen, 1)
                    }
                    (')', _, _) => {
                        if depth == 0 {
                            return Err(error(line, column, "unmatched ')'"));
                        }
                        depth -= 1;
                        open_parens.pop();
                        (Tok::RParen, 1)
                    }
                    ('"', _, _) | ('\'', _, _) => {
                        return Err(error(line, column, "strings are not supported"));
                    }
                    _ => {
                        return Err(error(
                            line,
                            column,
                            format!("invalid character {c:?} in this Python subset"),
                        ));
                    }
                };
                tokens.push(Token { tok, line, column });
                i += len;
            }
        }
    }

    let column = col(i, line_start);
    let unclosed = open_parens
        .first()
        .map(|&(l, c)| error(l, c, "'(' was never closed"));
    if !matches!(
        tokens.last().map(|t| &t.tok),
        None | Some(Tok::Newline) | Some(Tok::Dedent)
    ) {
        tokens.push(Token {
            tok: Tok::Newline,
            line,
            column,
        });
    }
    while indents.len() > 1 {
        indents.pop();
        tokens.push(Token {
            tok: Tok::Dedent,
            line,
            column,
        });
    }
    tokens.push(Token {
        tok: Tok::Eof,
        line,
        column,
    });
    Ok(Lexed { tokens, unclosed })
}
