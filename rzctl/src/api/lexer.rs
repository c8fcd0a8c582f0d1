//! Splits .api source into tokens. Comments are tokens too: the parser attaches
//! them to neighbouring tokens so the formatter can put them back.
//!
//! The token set follows goctl's scanner: strings have no escapes (goctl ends a
//! string at the next quote), `interface{}` is one token, and a number directly
//! followed by a time unit is a duration (`3s`, `500ms`, `1h30m`).

use std::ops::Range;
use std::sync::Arc;

use crate::diag::{Diagnostic, Diagnostics, SourceFile};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Ident,
    Int,
    Duration,
    /// `"..."`
    Str,
    /// `` `...` ``
    RawStr,
    LineComment,
    BlockComment,
    AtServer,
    AtDoc,
    AtHandler,
    Slash,
    Minus,
    Star,
    LParen,
    RParen,
    LBrack,
    RBrack,
    LBrace,
    RBrace,
    Comma,
    Dot,
    Ellipsis,
    Semicolon,
    Colon,
    Assign,
    /// `interface{}`
    Interface,
    /// Something the lexer already reported as an error.
    Illegal,
    Eof,
}

impl Kind {
    /// How the kind is named in "expected ..., found ..." messages.
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Ident => "identifier",
            Kind::Int => "integer",
            Kind::Duration => "duration",
            Kind::Str => "string",
            Kind::RawStr => "raw string",
            Kind::LineComment | Kind::BlockComment => "comment",
            Kind::AtServer => "`@server`",
            Kind::AtDoc => "`@doc`",
            Kind::AtHandler => "`@handler`",
            Kind::Slash => "`/`",
            Kind::Minus => "`-`",
            Kind::Star => "`*`",
            Kind::LParen => "`(`",
            Kind::RParen => "`)`",
            Kind::LBrack => "`[`",
            Kind::RBrack => "`]`",
            Kind::LBrace => "`{`",
            Kind::RBrace => "`}`",
            Kind::Comma => "`,`",
            Kind::Dot => "`.`",
            Kind::Ellipsis => "`...`",
            Kind::Semicolon => "`;`",
            Kind::Colon => "`:`",
            Kind::Assign => "`=`",
            Kind::Interface => "`interface{}`",
            Kind::Illegal => "invalid token",
            Kind::Eof => "end of file",
        }
    }

    pub fn is_comment(self) -> bool {
        matches!(self, Kind::LineComment | Kind::BlockComment)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawToken {
    pub kind: Kind,
    pub span: Range<usize>,
    /// 1-based line of the first character.
    pub line: u32,
}

struct Lexer<'a> {
    file: &'a Arc<SourceFile>,
    src: &'a str,
    pos: usize,
    line: u32,
    tokens: Vec<RawToken>,
    diags: Diagnostics,
}

/// Tokenizes the whole file. Always ends with an `Eof` token; errors are
/// reported and replaced by `Illegal` tokens so parsing can go on.
pub fn lex(file: &Arc<SourceFile>) -> (Vec<RawToken>, Diagnostics) {
    let mut lexer = Lexer {
        file,
        src: file.text(),
        pos: 0,
        line: 1,
        tokens: Vec::new(),
        diags: Diagnostics::new(),
    };
    lexer.run();
    (lexer.tokens, lexer.diags)
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident_continue(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.src.get(self.pos..).and_then(|s| s.chars().next())
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.src.get(self.pos..).and_then(|s| s.chars().nth(n))
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn push(&mut self, kind: Kind, start: usize, line: u32) {
        self.tokens.push(RawToken {
            kind,
            span: start..self.pos,
            line,
        });
    }

    fn error(&mut self, span: Range<usize>, message: String) {
        self.diags.push(Diagnostic::error(self.file, span, message));
    }

    fn run(&mut self) {
        while let Some(c) = self.peek() {
            if matches!(c, ' ' | '\t' | '\r' | '\n' | '\x0b' | '\x0c') {
                self.bump();
                continue;
            }
            let start = self.pos;
            let line = self.line;
            match c {
                '/' if self.peek_at(1) == Some('/') => self.line_comment(start, line),
                '/' if self.peek_at(1) == Some('*') => self.block_comment(start, line),
                '"' => self.string('"', Kind::Str, start, line),
                '`' => self.string('`', Kind::RawStr, start, line),
                '@' => self.annotation(start, line),
                '.' => {
                    if self.peek_at(1) == Some('.') && self.peek_at(2) == Some('.') {
                        self.pos += 3;
                        self.push(Kind::Ellipsis, start, line);
                    } else {
                        self.bump();
                        self.push(Kind::Dot, start, line);
                    }
                }
                c if is_ident_start(c) => self.ident(start, line),
                c if c.is_ascii_digit() => self.number(start, line),
                _ => {
                    self.bump();
                    let kind = match c {
                        '/' => Kind::Slash,
                        '-' => Kind::Minus,
                        '*' => Kind::Star,
                        '(' => Kind::LParen,
                        ')' => Kind::RParen,
                        '[' => Kind::LBrack,
                        ']' => Kind::RBrack,
                        '{' => Kind::LBrace,
                        '}' => Kind::RBrace,
                        ',' => Kind::Comma,
                        ';' => Kind::Semicolon,
                        ':' => Kind::Colon,
                        '=' => Kind::Assign,
                        _ => {
                            self.error(start..self.pos, format!("unexpected character `{c}`"));
                            Kind::Illegal
                        }
                    };
                    self.push(kind, start, line);
                }
            }
        }
        let end = self.src.len();
        self.tokens.push(RawToken {
            kind: Kind::Eof,
            span: end..end,
            line: self.line,
        });
    }

    fn line_comment(&mut self, start: usize, line: u32) {
        while let Some(c) = self.peek() {
            if c == '\n' {
                break;
            }
            self.bump();
        }
        self.push(Kind::LineComment, start, line);
    }

    fn block_comment(&mut self, start: usize, line: u32) {
        self.pos += 2;
        loop {
            match self.bump() {
                Some('*') if self.peek() == Some('/') => {
                    self.bump();
                    self.push(Kind::BlockComment, start, line);
                    return;
                }
                Some(_) => {}
                None => {
                    self.error(
                        start..start + 2,
                        "unterminated block comment: expected `*/` before the end of the file"
                            .to_owned(),
                    );
                    self.push(Kind::Illegal, start, line);
                    return;
                }
            }
        }
    }

    fn string(&mut self, delim: char, kind: Kind, start: usize, line: u32) {
        self.bump();
        loop {
            match self.bump() {
                Some(c) if c == delim => {
                    self.push(kind, start, line);
                    return;
                }
                Some(_) => {}
                None => {
                    let message = if kind == Kind::Str {
                        "unterminated string: expected a closing `\"`"
                    } else {
                        "unterminated raw string: expected a closing backquote"
                    };
                    self.error(start..start + 1, message.to_owned());
                    self.push(Kind::Illegal, start, line);
                    return;
                }
            }
        }
    }

    fn annotation(&mut self, start: usize, line: u32) {
        self.bump();
        while self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
            self.bump();
        }
        let word = self.src.get(start..self.pos).unwrap_or("@");
        let kind = match word {
            "@server" => Kind::AtServer,
            "@doc" => Kind::AtDoc,
            "@handler" => Kind::AtHandler,
            _ => {
                let message = format!(
                    "unknown annotation `{word}`, expected `@server`, `@doc` or `@handler`"
                );
                self.error(start..self.pos, message);
                Kind::Illegal
            }
        };
        self.push(kind, start, line);
    }

    fn ident(&mut self, start: usize, line: u32) {
        while self.peek().is_some_and(is_ident_continue) {
            self.bump();
        }
        if self.src.get(start..self.pos) == Some("interface")
            && self.peek() == Some('{')
            && self.peek_at(1) == Some('}')
        {
            self.pos += 2;
            self.push(Kind::Interface, start, line);
            return;
        }
        self.push(Kind::Ident, start, line);
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.bump();
        }
    }

    /// An integer, or a Go duration such as `1h30m` or `500ms`.
    fn number(&mut self, start: usize, line: u32) {
        self.digits();
        if !matches!(self.peek(), Some('n' | 'u' | 'µ' | 'm' | 's' | 'h')) {
            self.push(Kind::Int, start, line);
            return;
        }
        if self.peek() == Some('u') && self.peek_at(1) != Some('s') {
            // `1up` is a number and an identifier, as in goctl
            self.push(Kind::Int, start, line);
            return;
        }
        loop {
            let unit_ok = match self.bump() {
                Some('n' | 'u' | 'µ') => {
                    let ok = self.peek() == Some('s');
                    if ok {
                        self.bump();
                    }
                    ok
                }
                Some('m') => {
                    if self.peek() == Some('s') {
                        self.bump();
                    }
                    true
                }
                Some('s' | 'h') => true,
                _ => false,
            };
            if !unit_ok {
                let text = self.src.get(start..self.pos).unwrap_or("");
                self.error(
                    start..self.pos,
                    format!("invalid duration `{text}`, expected units like ns, us, ms, s, m or h"),
                );
                self.push(Kind::Illegal, start, line);
                return;
            }
            if !self.peek().is_some_and(|c| c.is_ascii_digit()) {
                break;
            }
            self.digits();
        }
        self.push(Kind::Duration, start, line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Kind> {
        let file = SourceFile::new("t.api", src);
        lex(&file).0.into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn lexes_punctuation_and_words() {
        assert_eq!(
            kinds("type A { B []*map[string]int `json:\"b\"` }"),
            vec![
                Kind::Ident,
                Kind::Ident,
                Kind::LBrace,
                Kind::Ident,
                Kind::LBrack,
                Kind::RBrack,
                Kind::Star,
                Kind::Ident,
                Kind::LBrack,
                Kind::Ident,
                Kind::RBrack,
                Kind::Ident,
                Kind::RawStr,
                Kind::RBrace,
                Kind::Eof
            ]
        );
    }

    #[test]
    fn lexes_durations_and_numbers() {
        assert_eq!(kinds("3s"), vec![Kind::Duration, Kind::Eof]);
        assert_eq!(kinds("500ms"), vec![Kind::Duration, Kind::Eof]);
        assert_eq!(kinds("1h30m"), vec![Kind::Duration, Kind::Eof]);
        assert_eq!(kinds("10µs"), vec![Kind::Duration, Kind::Eof]);
        assert_eq!(kinds("1024"), vec![Kind::Int, Kind::Eof]);
        assert_eq!(kinds("2fa"), vec![Kind::Int, Kind::Ident, Kind::Eof]);
        assert_eq!(kinds("3n"), vec![Kind::Illegal, Kind::Eof]);
    }

    #[test]
    fn lexes_annotations_and_interface() {
        assert_eq!(
            kinds("@server @doc @handler interface{} ..."),
            vec![
                Kind::AtServer,
                Kind::AtDoc,
                Kind::AtHandler,
                Kind::Interface,
                Kind::Ellipsis,
                Kind::Eof
            ]
        );
    }

    #[test]
    fn reports_unterminated_things() {
        for src in ["\"abc", "`abc", "/* abc", "@foo", "#"] {
            let file = SourceFile::new("t.api", src);
            let (tokens, diags) = lex(&file);
            assert_eq!(diags.len(), 1, "{src}");
            assert_eq!(tokens.first().map(|t| t.kind), Some(Kind::Illegal), "{src}");
        }
    }

    #[test]
    fn counts_lines_for_comments() {
        let file = SourceFile::new("t.api", "// a\n/* b\n c */ x");
        let (tokens, _) = lex(&file);
        let lines: Vec<u32> = tokens.iter().map(|t| t.line).collect();
        assert_eq!(lines, vec![1, 2, 3, 3]);
    }
}
