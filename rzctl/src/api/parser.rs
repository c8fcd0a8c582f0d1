//! Recursive-descent parser for .api files, accepting what goctl 1.10's parser
//! accepts plus a few older forms (`type X struct {...}`, unquoted multi-word
//! `info` values). After a syntax error it skips to the next top-level
//! statement, so one run reports several errors.
//!
//! Comments are attached the way goctl attaches them: a comment on the line of
//! the previous token trails that token, any other comment leads the next
//! token, and comments after the last token become statements of their own.
//! Tokens that the tree does not keep (`;`, `,`, old `struct`) hand their
//! comments to a neighbour so no comment is lost.

use std::sync::Arc;

use super::ast::{
    AtDoc, AtHandler, AtServerStmt, Body, BodyExpr, Comment, DataType, Field, File,
    ImportGroupStmt, ImportLiteralStmt, InfoStmt, KvExpr, Route, ServiceItem, ServiceStmt, Stmt,
    SyntaxStmt, Tok, TypeExpr, TypeGroupStmt, TypeLiteralStmt,
};
use super::lexer::{Kind, lex};
use crate::diag::{Diagnostic, Diagnostics, SourceFile};

/// HTTP methods a route may use, as goctl spells them.
pub const HTTP_METHODS: [&str; 9] = [
    "get", "head", "post", "put", "patch", "delete", "connect", "options", "trace",
];

/// Go keywords: goctl refuses them as type and field names.
const GO_KEYWORDS: [&str; 25] = [
    "break",
    "case",
    "chan",
    "const",
    "continue",
    "default",
    "defer",
    "else",
    "fallthrough",
    "for",
    "func",
    "go",
    "goto",
    "if",
    "import",
    "interface",
    "map",
    "package",
    "range",
    "return",
    "select",
    "struct",
    "switch",
    "type",
    "var",
];

/// Marks a parse that failed; its diagnostic is already recorded.
#[derive(Debug)]
struct Failed;

type PResult<T> = Result<T, Failed>;

struct Parser<'a> {
    file: &'a Arc<SourceFile>,
    toks: Vec<(Kind, Tok)>,
    pos: usize,
    /// How deeply types are nested right now.
    depth: usize,
    diags: Diagnostics,
}

/// Deeper type nesting than this is an error, so that no input can exhaust
/// the stack of the parser or of the stages after it.
const MAX_TYPE_DEPTH: usize = 64;

/// Parses one file. The tree holds every statement that parsed; the
/// diagnostics hold every lexical and syntax error.
pub fn parse(file: &Arc<SourceFile>) -> (File, Diagnostics) {
    let (raw, mut diags) = lex(file);
    let text = file.text();
    let mut toks: Vec<(Kind, Tok)> = Vec::new();
    let mut pending: Vec<Comment> = Vec::new();
    for t in raw {
        let slice = text.get(t.span.clone()).unwrap_or("");
        if t.kind.is_comment() {
            let comment_text = if t.kind == Kind::LineComment {
                slice.trim_end_matches('\r').to_owned()
            } else {
                // CRLF files: drop carriage returns at line ends, all of them,
                // so that formatting again finds nothing left to drop
                slice
                    .split('\n')
                    .map(|line| line.trim_end_matches('\r'))
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            let comment = Comment {
                text: comment_text,
                span: t.span,
                line: t.line,
            };
            match toks.last_mut() {
                Some((_, prev)) if prev.line == t.line && pending.is_empty() => {
                    prev.trailing.push(comment)
                }
                _ => pending.push(comment),
            }
            continue;
        }
        let tok = Tok {
            text: slice.to_owned(),
            span: t.span,
            line: t.line,
            head: if t.kind == Kind::Eof {
                Vec::new()
            } else {
                std::mem::take(&mut pending)
            },
            trailing: Vec::new(),
        };
        toks.push((t.kind, tok));
    }
    let mut parser = Parser {
        file,
        toks,
        pos: 0,
        depth: 0,
        diags: Diagnostics::new(),
    };
    let mut stmts = parser.parse_file();
    stmts.extend(pending.into_iter().map(Stmt::Comment));
    diags.extend(parser.diags);
    (File { stmts }, diags)
}

/// Whether an unquoted value is more than one identifier, which goctl 1.10
/// no longer reads unquoted.
fn kinds_merged(raw: &str) -> bool {
    let mut chars = raw.chars();
    !(chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_'))
}

/// Quotes an old unquoted value so that today's goctl reads it too.
fn quote(raw: &str) -> String {
    if !raw.contains('"') {
        format!("\"{raw}\"")
    } else if !raw.contains('`') {
        format!("`{raw}`")
    } else {
        raw.to_owned()
    }
}

fn absorb(target: &mut Tok, dropped: Tok) {
    target.trailing.extend(dropped.head);
    target.trailing.extend(dropped.trailing);
}

impl Parser<'_> {
    fn kind(&self) -> Kind {
        self.kind_at(0)
    }

    fn kind_at(&self, n: usize) -> Kind {
        self.toks.get(self.pos + n).map_or(Kind::Eof, |t| t.0)
    }

    fn tok_at(&self, n: usize) -> Option<&Tok> {
        self.toks.get(self.pos + n).map(|t| &t.1)
    }

    fn text(&self) -> &str {
        self.text_at(0)
    }

    fn text_at(&self, n: usize) -> &str {
        self.tok_at(n).map_or("", |t| t.text.as_str())
    }

    fn is_ident(&self, word: &str) -> bool {
        self.kind() == Kind::Ident && self.text() == word
    }

    fn take(&mut self) -> Tok {
        match self.toks.get(self.pos) {
            Some((Kind::Eof, t)) => t.clone(),
            Some((_, t)) => {
                let t = t.clone();
                self.pos += 1;
                t
            }
            None => Tok::default(),
        }
    }

    fn found(&self) -> String {
        match self.kind() {
            Kind::Ident | Kind::Int | Kind::Duration => format!("`{}`", self.text()),
            Kind::Str | Kind::RawStr => {
                let t = self.text();
                let short: String = t.chars().take(30).collect();
                if short.len() < t.len() {
                    format!("string {short}...")
                } else {
                    format!("string {short}")
                }
            }
            k => k.describe().to_owned(),
        }
    }

    /// Reports "expected X, found Y" at the current token, unless the lexer
    /// already reported that token.
    fn error_expected(&mut self, expected: &str) -> Failed {
        // the lexer reported the bad token already, and an unterminated
        // string or comment that ran to the end leaves nothing to add
        let after_illegal = self.kind() == Kind::Eof
            && self.pos > 0
            && self
                .toks
                .get(self.pos - 1)
                .is_some_and(|t| t.0 == Kind::Illegal);
        if self.kind() != Kind::Illegal && !after_illegal {
            let span = self.tok_at(0).map_or(0..0, |t| t.span.clone());
            let message = format!("expected {expected}, found {}", self.found());
            self.diags.push(Diagnostic::error(self.file, span, message));
        }
        Failed
    }

    fn error_at(&mut self, tok: &Tok, message: String) -> Failed {
        self.diags
            .push(Diagnostic::error(self.file, tok.span.clone(), message));
        Failed
    }

    fn expect(&mut self, kind: Kind, expected: &str) -> PResult<Tok> {
        if self.kind() == kind {
            Ok(self.take())
        } else {
            Err(self.error_expected(expected))
        }
    }

    fn expect_word(&mut self, expected: &str) -> PResult<Tok> {
        self.expect(Kind::Ident, expected)
    }

    /// An identifier that is not a Go keyword (type and field names).
    fn expect_name(&mut self, expected: &str) -> PResult<Tok> {
        let tok = self.expect_word(expected)?;
        if GO_KEYWORDS.contains(&tok.text.as_str()) {
            return Err(self.error_at(
                &tok,
                format!("expected {expected}, found the keyword `{}`", tok.text),
            ));
        }
        Ok(tok)
    }

    fn at_line_start(&self) -> bool {
        let Some(tok) = self.tok_at(0) else {
            return true;
        };
        let text = self.file.text();
        tok.span.start == 0 || text.as_bytes().get(tok.span.start - 1) == Some(&b'\n')
    }

    fn at_stmt_start(&self) -> bool {
        match self.kind() {
            Kind::AtServer => true,
            Kind::Ident => matches!(
                self.text(),
                "syntax" | "info" | "import" | "type" | "service"
            ),
            _ => false,
        }
    }

    /// Skips to the next token that starts a top-level statement at the start
    /// of a line.
    fn recover(&mut self, start: usize) {
        if self.pos == start {
            self.take();
        }
        while self.kind() != Kind::Eof && !(self.at_stmt_start() && self.at_line_start()) {
            self.take();
        }
    }

    fn parse_file(&mut self) -> Vec<Stmt> {
        let mut stmts = Vec::new();
        while self.kind() != Kind::Eof {
            let start = self.pos;
            match self.parse_stmt() {
                Ok(stmt) => stmts.push(stmt),
                Err(Failed) => self.recover(start),
            }
        }
        stmts
    }

    fn parse_stmt(&mut self) -> PResult<Stmt> {
        match (self.kind(), self.text()) {
            (Kind::Ident, "syntax") => self.parse_syntax().map(Stmt::Syntax),
            (Kind::Ident, "info") => self.parse_info().map(Stmt::Info),
            (Kind::Ident, "import") => self.parse_import(),
            (Kind::Ident, "type") => self.parse_type_stmt(),
            (Kind::Ident, "service") | (Kind::AtServer, _) => {
                self.parse_service().map(Stmt::Service)
            }
            _ => {
                Err(self
                    .error_expected("`syntax`, `info`, `import`, `type`, `service` or `@server`"))
            }
        }
    }

    fn parse_syntax(&mut self) -> PResult<SyntaxStmt> {
        let syntax = self.take();
        let assign = self.expect(Kind::Assign, "`=` after `syntax`")?;
        let value = self.expect(Kind::Str, "a string such as \"v1\"")?;
        Ok(SyntaxStmt {
            syntax,
            assign,
            value,
        })
    }

    fn parse_info(&mut self) -> PResult<InfoStmt> {
        let info = self.take();
        let lparen = self.expect(Kind::LParen, "`(` after `info`")?;
        let mut values = Vec::new();
        while !matches!(self.kind(), Kind::RParen | Kind::Eof) {
            values.push(self.parse_info_kv()?);
        }
        let rparen = self.expect(Kind::RParen, "`)` or a `key: value` pair")?;
        Ok(InfoStmt {
            info,
            lparen,
            values,
            rparen,
        })
    }

    fn parse_key_colon(&mut self) -> PResult<(Tok, Tok)> {
        let key = self.expect_word("a key")?;
        let colon = self.expect(Kind::Colon, "`:` after the key")?;
        Ok((key, colon))
    }

    /// `key: "value"`; older files also wrote unquoted words up to the end of
    /// the line, which are kept as they are.
    fn parse_info_kv(&mut self) -> PResult<KvExpr> {
        let (key, colon) = self.parse_key_colon()?;
        match self.kind() {
            Kind::Str | Kind::RawStr => {
                let value = self.take();
                return Ok(KvExpr { key, colon, value });
            }
            Kind::RParen | Kind::Eof | Kind::Illegal => return Err(self.error_expected("a value")),
            _ => {}
        }
        if self.tok_at(0).map(|t| t.line) != Some(colon.line) {
            return Err(self.error_expected("a value on the line of its key"));
        }
        let mut value = self.take();
        while !matches!(self.kind(), Kind::RParen | Kind::Eof)
            && self.tok_at(0).map(|t| t.line) == Some(value.line)
            && value.trailing.is_empty()
            && !(self.kind() == Kind::Ident && self.kind_at(1) == Kind::Colon)
        {
            let next = self.take();
            value.span.end = next.span.end;
            value.trailing = next.trailing;
        }
        let raw = self.file.text().get(value.span.clone()).unwrap_or("");
        value.text = if kinds_merged(raw) {
            quote(raw)
        } else {
            raw.to_owned()
        };
        Ok(KvExpr { key, colon, value })
    }

    fn parse_import(&mut self) -> PResult<Stmt> {
        let import = self.take();
        if self.kind() == Kind::LParen {
            let lparen = self.take();
            let mut values = Vec::new();
            while self.kind() == Kind::Str {
                values.push(self.take());
            }
            let rparen = self.expect(Kind::RParen, "`)` or an import path string")?;
            return Ok(Stmt::ImportGroup(ImportGroupStmt {
                import,
                lparen,
                values,
                rparen,
            }));
        }
        let value = self.expect(Kind::Str, "an import path string or `(`")?;
        Ok(Stmt::ImportLiteral(ImportLiteralStmt { import, value }))
    }

    fn parse_type_stmt(&mut self) -> PResult<Stmt> {
        let type_kw = self.take();
        if self.kind() == Kind::LParen {
            let lparen = self.take();
            let mut exprs = Vec::new();
            while self.kind() == Kind::Ident {
                exprs.push(self.parse_type_expr()?);
            }
            let rparen = self.expect(Kind::RParen, "`)` or a type name")?;
            return Ok(Stmt::TypeGroup(TypeGroupStmt {
                type_kw,
                lparen,
                exprs,
                rparen,
            }));
        }
        let expr = self.parse_type_expr()?;
        Ok(Stmt::TypeLiteral(TypeLiteralStmt { type_kw, expr }))
    }

    fn parse_type_expr(&mut self) -> PResult<TypeExpr> {
        let name = self.expect_name("a type name")?;
        let assign = (self.kind() == Kind::Assign).then(|| self.take());
        let data_type = self.parse_data_type()?;
        Ok(TypeExpr {
            name,
            assign,
            data_type,
        })
    }

    fn parse_data_type(&mut self) -> PResult<DataType> {
        if self.depth >= MAX_TYPE_DEPTH {
            return Err(self.error_expected(&format!(
                "a simpler type (types may nest at most {MAX_TYPE_DEPTH} levels deep)"
            )));
        }
        self.depth += 1;
        let result = self.parse_data_type_inner();
        self.depth -= 1;
        result
    }

    fn parse_data_type_inner(&mut self) -> PResult<DataType> {
        const EXPECTED: &str = "a type";
        match self.kind() {
            Kind::Ident if self.text() == "any" => Ok(DataType::Any(self.take())),
            Kind::Ident if self.text() == "map" => {
                let map = self.take();
                let lbrack = self.expect(Kind::LBrack, "`[` after `map`")?;
                let key = Box::new(self.parse_data_type()?);
                let rbrack = self.expect(Kind::RBrack, "`]` after the map key type")?;
                let value = Box::new(self.parse_data_type()?);
                Ok(DataType::Map {
                    map,
                    lbrack,
                    key,
                    rbrack,
                    value,
                })
            }
            // the older `type X struct {...}` form
            Kind::Ident if self.text() == "struct" && self.kind_at(1) == Kind::LBrace => {
                let dropped = self.take();
                let mut ty = self.parse_struct()?;
                if let DataType::Struct { lbrace, .. } = &mut ty {
                    let mut head = dropped.head;
                    head.append(&mut lbrace.head);
                    lbrace.head = head;
                    let mut trailing = dropped.trailing;
                    trailing.append(&mut lbrace.trailing);
                    lbrace.trailing = trailing;
                }
                Ok(ty)
            }
            Kind::Ident => Ok(DataType::Base(self.expect_name(EXPECTED)?)),
            Kind::LBrace => self.parse_struct(),
            Kind::Interface => Ok(DataType::Interface(self.take())),
            Kind::Star => {
                let star = self.take();
                if self.kind() == Kind::LBrace {
                    return Err(self.error_expected("a type name after `*`"));
                }
                let elem = Box::new(self.parse_data_type()?);
                Ok(DataType::Pointer { star, elem })
            }
            Kind::LBrack => {
                let lbrack = self.take();
                match self.kind() {
                    Kind::RBrack => {
                        let rbrack = self.take();
                        let elem = Box::new(self.parse_data_type()?);
                        Ok(DataType::Slice {
                            lbrack,
                            rbrack,
                            elem,
                        })
                    }
                    Kind::Int | Kind::Ellipsis => {
                        let len = self.take();
                        let rbrack = self.expect(Kind::RBrack, "`]` after the array length")?;
                        let elem = Box::new(self.parse_data_type()?);
                        Ok(DataType::Array {
                            lbrack,
                            len,
                            rbrack,
                            elem,
                        })
                    }
                    _ => Err(self.error_expected("`]` or an array length")),
                }
            }
            _ => Err(self.error_expected(EXPECTED)),
        }
    }

    fn parse_struct(&mut self) -> PResult<DataType> {
        let lbrace = self.take();
        let mut fields = Vec::new();
        while !matches!(self.kind(), Kind::RBrace | Kind::Eof) {
            fields.push(self.parse_field()?);
        }
        let rbrace = self.expect(Kind::RBrace, "`}` or a field")?;
        Ok(DataType::Struct {
            lbrace,
            fields,
            rbrace,
        })
    }

    fn parse_field(&mut self) -> PResult<Field> {
        let mut names = Vec::new();
        let data_type = match self.kind() {
            Kind::Star => {
                let star = self.take();
                let name = self.expect_name("an embedded type name")?;
                let elem = if name.text == "any" {
                    DataType::Any(name)
                } else {
                    DataType::Base(name)
                };
                DataType::Pointer {
                    star,
                    elem: Box::new(elem),
                }
            }
            Kind::Ident => {
                let ident = self.expect_name("a field name")?;
                let next_line = self.tok_at(0).map_or(ident.line, |t| t.line);
                if next_line > ident.line || matches!(self.kind(), Kind::RawStr | Kind::RBrace) {
                    if ident.text == "any" {
                        DataType::Any(ident)
                    } else {
                        DataType::Base(ident)
                    }
                } else {
                    names.push(ident);
                    while self.kind() == Kind::Comma {
                        let comma = self.take();
                        if let Some(last) = names.last_mut() {
                            absorb(last, comma);
                        }
                        names.push(self.expect_name("a field name after `,`")?);
                    }
                    self.parse_data_type()?
                }
            }
            _ => return Err(self.error_expected("a field name, an embedded type or `}`")),
        };
        let tag = (self.kind() == Kind::RawStr).then(|| self.take());
        Ok(Field {
            names,
            data_type,
            tag,
        })
    }

    fn parse_service(&mut self) -> PResult<ServiceStmt> {
        let at_server = if self.kind() == Kind::AtServer {
            let at = self.take();
            let lparen = self.expect(Kind::LParen, "`(` after `@server`")?;
            let mut values = Vec::new();
            while !matches!(self.kind(), Kind::RParen | Kind::Eof) {
                values.push(self.parse_server_kv()?);
            }
            let rparen = self.expect(Kind::RParen, "`)` or a `key: value` pair")?;
            Some(AtServerStmt {
                at,
                lparen,
                values,
                rparen,
            })
        } else {
            None
        };
        if !self.is_ident("service") {
            return Err(self.error_expected("`service`"));
        }
        let service = self.take();
        let mut name = self.expect_word("a service name")?;
        if self.kind() == Kind::Minus {
            let minus = self.take();
            if !self.is_ident("api") {
                return Err(self.error_expected("`api` (a service name may end in `-api`)"));
            }
            let api = self.take();
            name.text = format!("{}-api", name.text);
            name.span.end = api.span.end;
            absorb(&mut name, minus);
            absorb(&mut name, api);
        }
        let lbrace = self.expect(Kind::LBrace, "`{` after the service name")?;
        let mut items = Vec::new();
        while !matches!(self.kind(), Kind::RBrace | Kind::Eof) {
            let start = self.pos;
            match self.parse_service_item() {
                Ok(item) => items.push(item),
                Err(Failed) => {
                    if !self.recover_in_service(start) {
                        return Err(Failed);
                    }
                }
            }
        }
        let rbrace = self.expect(Kind::RBrace, "`}`, `@doc` or `@handler`")?;
        Ok(ServiceStmt {
            at_server,
            service,
            name,
            lbrace,
            items,
            rbrace,
        })
    }

    /// `@server` values are unquoted: `jwt: Auth`, `prefix: /v1/a-b`,
    /// `group: a/b`, `middleware: A, B`, `timeout: 3s`, `maxBytes: 1024`.
    /// The parts are joined without spaces, as goctl does.
    fn parse_server_kv(&mut self) -> PResult<KvExpr> {
        let (key, colon) = self.parse_key_colon()?;
        match self.kind() {
            // `host: 0.0.0.0` in older files continues past the number
            Kind::Int if self.kind_at(1) == Kind::Dot => {}
            Kind::Str | Kind::RawStr | Kind::Int | Kind::Duration => {
                let value = self.take();
                return Ok(KvExpr { key, colon, value });
            }
            Kind::Ident | Kind::Slash => {}
            _ => return Err(self.error_expected("a value")),
        }
        let mut value = self.take();
        let mut needs_word = value.text == "/";
        loop {
            if needs_word {
                if !matches!(self.kind(), Kind::Ident | Kind::Int) {
                    return Err(self.error_expected("a name after the separator"));
                }
            } else if !matches!(
                self.kind(),
                Kind::Slash | Kind::Minus | Kind::Comma | Kind::Dot
            ) {
                break;
            }
            let next = self.take();
            needs_word = !needs_word;
            value.text.push_str(&next.text);
            value.span.end = next.span.end;
            absorb(&mut value, next);
        }
        if value.text.starts_with(|c: char| c.is_ascii_digit()) {
            // `0.0.0.0` from older files; goctl 1.10 reads it only quoted
            value.text = quote(&value.text);
        }
        Ok(KvExpr { key, colon, value })
    }

    /// `key: "value"` inside `@doc(...)`.
    fn parse_doc_kv(&mut self) -> PResult<KvExpr> {
        let (key, colon) = self.parse_key_colon()?;
        if !matches!(self.kind(), Kind::Str | Kind::RawStr | Kind::Ident) {
            return Err(self.error_expected("a string value"));
        }
        let value = self.take();
        Ok(KvExpr { key, colon, value })
    }

    /// Whether the current token is the first of its line (indentation allowed).
    fn first_on_line(&self) -> bool {
        let Some(tok) = self.tok_at(0) else {
            return true;
        };
        self.pos == 0
            || self
                .toks
                .get(self.pos - 1)
                .is_none_or(|(_, prev)| prev.line != tok.line)
    }

    /// A route line: an HTTP method first on its line, then its path.
    fn at_route_start(&self) -> bool {
        self.kind() == Kind::Ident
            && HTTP_METHODS.contains(&self.text())
            && self.kind_at(1) == Kind::Slash
            && self.first_on_line()
    }

    /// After a broken route, skips to the next `@doc`, `@handler` or `}` of the service block
    /// so that the errors of the routes after it are reported too. A route line met on the way
    /// (its `@handler` was the broken part) is parsed for its own errors and dropped. Returns
    /// false when the block has no `}` before the next top-level statement: the caller gives
    /// the block up and the file level resumes there.
    fn recover_in_service(&mut self, start: usize) -> bool {
        if self.pos == start {
            self.take();
        }
        loop {
            match self.kind() {
                Kind::Eof => return false,
                Kind::RBrace | Kind::AtDoc | Kind::AtHandler => return true,
                // the older per-route `@server(handler: X)` starts a route too
                Kind::AtServer
                    if self.kind_at(1) == Kind::LParen && self.text_at(2) == "handler" =>
                {
                    return true;
                }
                _ if self.at_stmt_start() && self.at_line_start() => return false,
                _ if self.at_route_start() => {
                    let _ = self.parse_route();
                }
                _ => {
                    self.take();
                }
            }
        }
    }

    fn parse_service_item(&mut self) -> PResult<ServiceItem> {
        let doc = if self.kind() == Kind::AtDoc {
            let at = self.take();
            if self.kind() == Kind::LParen && self.kind_at(1) == Kind::Str {
                // older form `@doc("text")`, the same as `@doc "text"`
                let lparen = self.take();
                let mut value = self.take();
                let rparen = self.expect(Kind::RParen, "`)` after the @doc text")?;
                let mut head = lparen.head.clone();
                head.append(&mut value.head);
                value.head = head;
                absorb(
                    &mut value,
                    Tok {
                        head: Vec::new(),
                        ..lparen
                    },
                );
                absorb(&mut value, rparen);
                Some(AtDoc::Literal { at, value })
            } else if self.kind() == Kind::LParen {
                let lparen = self.take();
                let mut values = Vec::new();
                while !matches!(self.kind(), Kind::RParen | Kind::Eof) {
                    values.push(self.parse_doc_kv()?);
                }
                let rparen = self.expect(Kind::RParen, "`)` or a `key: value` pair")?;
                Some(AtDoc::Group {
                    at,
                    lparen,
                    values,
                    rparen,
                })
            } else {
                let value = self.expect(Kind::Str, "a string or `(` after `@doc`")?;
                Some(AtDoc::Literal { at, value })
            }
        } else {
            None
        };
        let handler = if self.kind() == Kind::AtServer {
            self.parse_old_route_server()?
        } else {
            let at = self.expect(Kind::AtHandler, "`@handler`")?;
            // `@handler` alone on its line, the route below: the method is not the name
            if self.at_route_start() {
                return Err(self.error_at(
                    &at,
                    "`@handler` needs a name: write `@handler Name` above the route".to_owned(),
                ));
            }
            let name = self.expect_word("a handler name")?;
            AtHandler { at, name }
        };
        let route = self.parse_route()?;
        Ok(ServiceItem {
            doc,
            handler,
            route,
        })
    }

    /// The older per-route `@server(handler: Name)`, read as `@handler Name`.
    fn parse_old_route_server(&mut self) -> PResult<AtHandler> {
        let server = self.take();
        let lparen = self.expect(Kind::LParen, "`(` after `@server`")?;
        let mut values = Vec::new();
        while !matches!(self.kind(), Kind::RParen | Kind::Eof) {
            values.push(self.parse_server_kv()?);
        }
        let rparen = self.expect(Kind::RParen, "`)` or a `key: value` pair")?;
        let Some(index) = values.iter().position(|kv| kv.key.text == "handler") else {
            return Err(self.error_at(
                &server,
                "a route's `@server(...)` needs a `handler` key; write `@handler Name` instead"
                    .to_owned(),
            ));
        };
        let mut name = values.swap_remove(index).value;
        if kinds_merged(&name.text) {
            return Err(self.error_at(
                &name,
                format!("expected a handler name, found `{}`", name.text),
            ));
        }
        let at = Tok {
            text: "@handler".to_owned(),
            span: server.span.clone(),
            line: server.line,
            head: server.head,
            trailing: Vec::new(),
        };
        // the comments inside the old block have no place in the new form
        let mut trailing = server.trailing;
        trailing.extend(lparen.head);
        trailing.extend(lparen.trailing);
        for kv in values {
            absorb(&mut name, kv.key);
            absorb(&mut name, kv.colon);
            absorb(&mut name, kv.value);
        }
        trailing.append(&mut name.trailing);
        trailing.extend(rparen.head);
        trailing.extend(rparen.trailing);
        name.trailing = trailing;
        Ok(AtHandler { at, name })
    }

    fn at_route_end(&self) -> bool {
        matches!(
            self.kind(),
            Kind::LParen
                | Kind::AtDoc
                | Kind::AtHandler
                | Kind::AtServer
                | Kind::Semicolon
                | Kind::RBrace
                | Kind::Eof
        ) || self.is_ident("returns")
    }

    fn parse_route(&mut self) -> PResult<Route> {
        if !(self.kind() == Kind::Ident && HTTP_METHODS.contains(&self.text())) {
            return Err(self.error_expected(
                "an HTTP method (get, head, post, put, patch, delete, connect, options or trace)",
            ));
        }
        let method = self.take();
        let mut path = self.parse_path()?;
        let mut request = None;
        let mut returns = None;
        let mut response = None;
        if self.kind() == Kind::LParen {
            request = Some(self.parse_body()?);
        }
        if self.is_ident("returns") {
            returns = Some(self.take());
            response = Some(self.parse_body()?);
        }
        if self.kind() == Kind::Semicolon {
            let semi = self.take();
            let last = match (&mut response, &mut request) {
                (Some(body), _) | (None, Some(body)) => &mut body.rparen,
                (None, None) => &mut path,
            };
            absorb(last, semi);
        }
        if !matches!(
            self.kind(),
            Kind::AtDoc | Kind::AtHandler | Kind::AtServer | Kind::RBrace | Kind::Eof
        ) {
            let expected = if response.is_some() {
                "`@doc`, `@handler` or `}`"
            } else if request.is_some() {
                "`returns`, `@doc`, `@handler` or `}`"
            } else {
                "`(`, `returns`, `@doc`, `@handler` or `}`"
            };
            return Err(self.error_expected(expected));
        }
        Ok(Route {
            method,
            path,
            request,
            returns,
            response,
        })
    }

    /// `/a/:id/b-c/d.json`, joined into one token.
    fn parse_path(&mut self) -> PResult<Tok> {
        let mut parts: Vec<Tok> = Vec::new();
        if self.kind() != Kind::Slash {
            return Err(self.error_expected("a path starting with `/`"));
        }
        while !self.at_route_end() {
            parts.push(self.expect(Kind::Slash, "`/` or the end of the path")?);
            if self.at_route_end() {
                break;
            }
            if self.kind() == Kind::Colon {
                parts.push(self.take());
            }
            if !matches!(self.kind(), Kind::Ident | Kind::Int | Kind::Duration) {
                return Err(self.error_expected("a path segment"));
            }
            parts.push(self.take());
            while !self.at_route_end() && self.kind() != Kind::Slash {
                match self.kind() {
                    Kind::Minus | Kind::Dot => {
                        parts.push(self.take());
                        if !matches!(self.kind(), Kind::Ident | Kind::Int | Kind::Duration) {
                            return Err(self.error_expected("a path segment"));
                        }
                        parts.push(self.take());
                    }
                    Kind::Ident | Kind::Int | Kind::Duration
                        if self.tok_at(0).map(|t| t.span.start)
                            == parts.last().map(|t| t.span.end) =>
                    {
                        parts.push(self.take());
                    }
                    _ => return Err(self.error_expected("`/`, `(`, `returns` or the next route")),
                }
            }
        }
        let mut iter = parts.into_iter();
        let Some(mut path) = iter.next() else {
            return Err(self.error_expected("a path"));
        };
        let head = std::mem::take(&mut path.head);
        for part in iter {
            path.text.push_str(&part.text);
            path.span.end = part.span.end;
            absorb(&mut path, part);
        }
        // goctl keeps no comment above a path; keep them after it instead
        let mut trailing = head;
        trailing.append(&mut path.trailing);
        path.trailing = trailing;
        Ok(path)
    }

    fn parse_body(&mut self) -> PResult<Body> {
        let lparen = self.expect(Kind::LParen, "`(`")?;
        if self.kind() == Kind::RParen {
            let rparen = self.take();
            return Ok(Body {
                lparen,
                expr: None,
                rparen,
            });
        }
        let brackets = if self.kind() == Kind::LBrack {
            let l = self.take();
            let r = self.expect(Kind::RBrack, "`]`")?;
            Some((l, r))
        } else {
            None
        };
        let star = (self.kind() == Kind::Star).then(|| self.take());
        // a statement on a line of its own is where an unclosed body ends, not its type
        if self.at_stmt_start() && self.at_line_start() {
            return Err(self.error_expected("a type name"));
        }
        let value = self.expect_word("a type name")?;
        let rparen = self.expect(Kind::RParen, "`)`")?;
        Ok(Body {
            lparen,
            expr: Some(BodyExpr {
                brackets,
                star,
                value,
            }),
            rparen,
        })
    }
}
