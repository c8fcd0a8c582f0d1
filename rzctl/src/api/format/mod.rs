//! The canonical layout of .api files, byte-compatible with `goctl api format`
//! (goctl 1.10, its default formatter).
//!
//! goctl lays a file out node by node: each node renders to text (tabs between
//! columns), and every nesting level runs its text through elastic tabstops
//! ([`super::align`]). Whether two tokens stay on one line depends on where
//! comments were and on the source lines of the tokens, so the nodes here
//! carry the line numbers and comment flags goctl decides by. The rules,
//! learned from goctl's output:
//!
//! - tabs indent; struct fields, `@server`, `@doc(...)` and `info` pairs are
//!   aligned in columns; one blank line after every top-level statement except
//!   between consecutive single-line imports; one blank line between routes;
//! - a comment on its own line stays above the token it preceded, a comment
//!   after a token on the same line stays after it;
//! - empty `info()`, `@server()`, `@doc()`, `import ()`, `type ()` and empty
//!   strings in `import ""`/`@doc ""` disappear; `returns ()` and `()` bodies
//!   disappear; `;` after routes disappears.

mod service;
mod types;
mod writer;

use super::ast::{File, Stmt, Tok};
use service::*;
use types::*;
use writer::*;

/// A top-level statement with what the file-level writer needs to know.
struct StmtNode<'a> {
    stmt: &'a Stmt,
}

impl StmtNode<'_> {
    fn first(&self) -> TokNode {
        match self.stmt {
            Stmt::Syntax(s) => tn(&s.syntax),
            Stmt::Info(s) => tn(&s.info),
            Stmt::ImportLiteral(s) => tn(&s.import),
            Stmt::ImportGroup(s) => tn(&s.import),
            Stmt::TypeLiteral(s) => tn(&s.type_kw),
            Stmt::TypeGroup(s) => tn(&s.type_kw),
            Stmt::Service(s) => match &s.at_server {
                Some(a) => tn(&a.at),
                None => tn(&s.service),
            },
            Stmt::Comment(c) => TokNode {
                text: protect(&c.text),
                line: c.line,
                ..TokNode::default()
            },
        }
    }

    /// Line and comment flag of the statement's end.
    fn last(&self) -> (u32, bool) {
        let tok = |t: &Tok| {
            let n = tn(t);
            (n.end_line(), n.has_lead())
        };
        match self.stmt {
            Stmt::Syntax(s) => tok(&s.value),
            Stmt::Info(s) => tok(&s.rparen),
            Stmt::ImportLiteral(s) => tok(&s.value),
            Stmt::ImportGroup(s) => tok(&s.rparen),
            Stmt::TypeLiteral(s) => {
                let ty = ftype(&s.expr.data_type);
                (ty.end_line(), ty.has_lead())
            }
            Stmt::TypeGroup(s) => tok(&s.rparen),
            Stmt::Service(s) => tok(&s.rbrace),
            Stmt::Comment(c) => (c.line, false),
        }
    }
}

impl Node for StmtNode<'_> {
    fn pos_line(&self) -> u32 {
        self.first().pos_line()
    }
    fn end_line(&self) -> u32 {
        self.last().0
    }
    fn has_head(&self) -> bool {
        match self.stmt {
            Stmt::Comment(_) => false,
            _ => self.first().has_head(),
        }
    }
    fn has_lead(&self) -> bool {
        self.last().1
    }
    fn format(&self, prefix: &str) -> String {
        format_stmt(self.stmt, prefix)
    }
}

fn format_stmt(stmt: &Stmt, prefix: &str) -> String {
    match stmt {
        Stmt::Syntax(s) => {
            let mut w = Writer::default();
            let syntax = transfer(&tn(&s.syntax), Opt { prefix, ..NO_LEAD });
            let assign = transfer(&tn(&s.assign), NO_LEAD);
            let value = tn(&s.value);
            w.nodes(
                &[&syntax, &assign, &value],
                WriteOpt {
                    prefix,
                    ..SAME_LINE
                },
            );
            w.finish()
        }
        Stmt::Info(s) => {
            if s.values.is_empty() {
                return String::new();
            }
            format_kv_block(
                &tn(&s.info),
                &tn(&s.lparen),
                &kvs(&s.values),
                &tn(&s.rparen),
                prefix,
                false,
            )
        }
        Stmt::ImportLiteral(s) => {
            if s.value.is_empty_string() {
                return String::new();
            }
            let mut w = Writer::default();
            let import = transfer(&tn(&s.import), Opt { prefix, ..NO_LEAD });
            w.nodes(&[&import, &tn(&s.value)], SAME_LINE);
            w.finish()
        }
        Stmt::ImportGroup(s) => {
            if s.values.iter().all(Tok::is_empty_string) {
                return String::new();
            }
            let mut w = Writer::default();
            let import = transfer(&tn(&s.import), Opt { prefix, ..NO_LEAD });
            w.nodes(&[&import, &tn(&s.lparen)], SAME_LINE);
            w.newline();
            let inner = format!("{prefix}{INDENT}");
            for v in &s.values {
                let node = transfer(&tn(v), with_prefix(&inner));
                w.nodes(&[&node], SAME_LINE);
                w.newline();
            }
            w.nodes(&[&transfer(&tn(&s.rparen), with_prefix(prefix))], AUTO);
            w.finish()
        }
        Stmt::TypeLiteral(s) => {
            let mut w = Writer::default();
            let expr = TypeExprNode::new(&s.expr);
            w.nodes(
                &[&tn(&s.type_kw), &expr],
                WriteOpt {
                    prefix,
                    ..SAME_LINE
                },
            );
            w.finish()
        }
        Stmt::TypeGroup(s) => {
            if s.exprs.is_empty() {
                return String::new();
            }
            let mut w = Writer::default();
            let type_kw = transfer(&tn(&s.type_kw), with_prefix(prefix));
            w.nodes(&[&type_kw, &tn(&s.lparen)], SAME_LINE);
            w.newline();
            let inner = format!("{prefix}{INDENT}");
            for e in &s.exprs {
                let node = TypeExprNode::new(e);
                w.nodes(
                    &[&node],
                    WriteOpt {
                        prefix: &inner,
                        ..AUTO
                    },
                );
                w.newline();
            }
            w.text(&tn(&s.rparen).format(prefix));
            w.finish()
        }
        Stmt::Service(s) => format_service(s, prefix),
        Stmt::Comment(c) => format!("{prefix}{}", protect(&c.text)),
    }
}

/// Whether goctl's layout leaves the statement out entirely (an empty
/// `info()`, `import ""`, `type ()` and the like).
pub(crate) fn vanishes(stmt: &Stmt) -> bool {
    format_stmt(stmt, "").is_empty()
}

/// Formats a parsed file the way `goctl api format` writes it.
pub fn format_file(file: &File) -> String {
    with_marks(file, || render_file(file))
}

fn render_file(file: &File) -> String {
    let mut w = Writer::default();
    for (idx, stmt) in file.stmts.iter().enumerate() {
        if format_stmt(stmt, "").is_empty() {
            continue;
        }
        w.nodes(&[&StmtNode { stmt }], AUTO);
        w.newline();
        let blank_after = match stmt {
            Stmt::Comment(_) => false,
            Stmt::ImportLiteral(_) => {
                !matches!(file.stmts.get(idx + 1), Some(Stmt::ImportLiteral(_)) | None)
            }
            _ => true,
        };
        if blank_after {
            w.newline();
        }
    }
    w.finish()
}

/// Each statement formatted and concatenated with nothing in between, as
/// goctl's formatter tests compare them. Only useful to compare with those.
#[doc(hidden)]
pub fn format_statements_unseparated(file: &File) -> String {
    with_marks(file, || {
        let mut w = Writer::default();
        for stmt in &file.stmts {
            w.text(&format_stmt(stmt, ""));
        }
        w.finish()
    })
}
