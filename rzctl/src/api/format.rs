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

use super::align::align;
use super::ast::{
    AtDoc, AtHandler, AtServerStmt, Body, BodyExpr, Comment, DataType, Field, File, KvExpr, Route,
    ServiceItem, ServiceStmt, Stmt, Tok, TypeExpr,
};

const INDENT: &str = "\t";

#[derive(Debug, Clone, Default)]
struct Cmt {
    text: String,
    line: u32,
}

/// A token ready to print: its text (possibly already prefixed), the comments
/// above it and after it, and the flags goctl keeps when a larger node is
/// flattened into one token.
#[derive(Debug, Clone, Default)]
struct TokNode {
    head: Vec<Cmt>,
    text: String,
    lead: Vec<Cmt>,
    line: u32,
    head_flag: bool,
    lead_flag: bool,
}

/// Anything the line-keeping writer can place: it needs the first and last
/// source line and whether comments surround the node.
trait Node {
    fn pos_line(&self) -> u32;
    fn end_line(&self) -> u32;
    fn has_head(&self) -> bool;
    fn has_lead(&self) -> bool;
    fn format(&self, prefix: &str) -> String;
}

fn cmts(comments: &[Comment]) -> Vec<Cmt> {
    comments
        .iter()
        .map(|c| Cmt {
            text: protect(&c.text),
            line: c.line,
        })
        .collect()
}

/// Marks line breaks inside strings and block comments. goctl removes a
/// space before and after every line break of a node's text, including
/// those inside tokens, so formatting twice would keep eating indentation
/// inside multi-line strings and comments. A mark next to such a break
/// keeps it out of that rule, and a second mark stands for a tab inside a
/// token while columns are aligned (goctl turns such a tab into padding,
/// changing the string it was part of). [`unprotect`] undoes both.
///
/// The marks are Unicode noncharacters that do not occur in the file; a file
/// that holds every candidate is formatted without marks, as goctl would.
#[derive(Clone, Copy)]
struct Marks {
    brk: char,
    tab: char,
}

thread_local! {
    static MARKS: std::cell::Cell<Option<Marks>> = const { std::cell::Cell::new(None) };
}

fn protect(text: &str) -> String {
    let Some(marks) = MARKS.with(std::cell::Cell::get) else {
        return text.to_owned();
    };
    if !text.contains(['\n', '\t']) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut prev = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => {
                if prev == Some(' ') {
                    out.push(marks.brk);
                }
                out.push('\n');
                if chars.peek() == Some(&' ') {
                    out.push(marks.brk);
                }
            }
            '\t' => out.push(marks.tab),
            c => out.push(c),
        }
        prev = Some(c);
    }
    out
}

fn unprotect(text: String) -> String {
    match MARKS.with(std::cell::Cell::get) {
        Some(marks) => text.replace(marks.brk, "").replace(marks.tab, "\t"),
        None => text,
    }
}

/// Runs `render` with marks that the file does not contain.
fn with_marks(file: &File, render: impl FnOnce() -> String) -> String {
    MARKS.with(|m| m.set(choose_marks(file)));
    let out = unprotect(render());
    MARKS.with(|m| m.set(None));
    out
}

fn choose_marks(file: &File) -> Option<Marks> {
    // rendered without marks, the text holds exactly the file's own characters
    MARKS.with(|m| m.set(None));
    let mut text = String::new();
    for stmt in &file.stmts {
        text.push_str(&format_stmt(stmt, ""));
    }
    let mut free = ('\u{fdd0}'..='\u{fdef}').filter(|c| !text.contains(*c));
    let brk = free.next()?;
    let tab = free.next()?;
    Some(Marks { brk, tab })
}

fn tn(tok: &Tok) -> TokNode {
    TokNode {
        head: cmts(&tok.head),
        text: protect(&tok.text),
        lead: cmts(&tok.trailing),
        line: tok.line,
        head_flag: false,
        lead_flag: false,
    }
}

fn is_blank(s: &str) -> bool {
    s.chars()
        .all(|c| matches!(c, ' ' | '\t' | '\n' | '\x0c' | '\r'))
}

impl Node for TokNode {
    fn pos_line(&self) -> u32 {
        self.head.first().map_or(self.line, |c| c.line)
    }
    fn end_line(&self) -> u32 {
        self.lead.last().map_or(self.line, |c| c.line)
    }
    fn has_head(&self) -> bool {
        !self.head.is_empty() || self.head_flag
    }
    fn has_lead(&self) -> bool {
        !self.lead.is_empty() || self.lead_flag
    }
    fn format(&self, prefix: &str) -> String {
        let mut parts: Vec<String> = self
            .head
            .iter()
            .map(|c| format!("{prefix}{}", c.text))
            .collect();
        let mut text = format!("{prefix}{}", self.text);
        let lead: Vec<&str> = self
            .lead
            .iter()
            .map(|c| c.text.as_str())
            .filter(|t| !is_blank(t))
            .collect();
        if !lead.is_empty() {
            text.push(' ');
            text.push_str(&lead.join(" "));
        }
        parts.push(text);
        parts.join("\n")
    }
}

#[derive(Clone, Copy, Default)]
struct Opt<'a> {
    prefix: &'a str,
    no_head: bool,
    no_lead: bool,
}

const NONE: Opt<'static> = Opt {
    prefix: "",
    no_head: false,
    no_lead: false,
};

fn with_prefix(prefix: &str) -> Opt<'_> {
    Opt { prefix, ..NONE }
}

const NO_HEAD: Opt<'static> = Opt {
    no_head: true,
    ..NONE
};
const NO_LEAD: Opt<'static> = Opt {
    no_lead: true,
    ..NONE
};
const NO_COMMENT: Opt<'static> = Opt {
    no_head: true,
    no_lead: true,
    prefix: "",
};

/// A copy of a token with a prefix and without some of its comments; the
/// flattening flags are not carried over.
fn transfer(node: &TokNode, opt: Opt<'_>) -> TokNode {
    TokNode {
        head: if opt.no_head {
            Vec::new()
        } else {
            node.head
                .iter()
                .map(|c| Cmt {
                    text: format!("{}{}", opt.prefix, c.text),
                    line: c.line,
                })
                .collect()
        },
        text: format!("{}{}", opt.prefix, node.text),
        lead: if opt.no_lead {
            Vec::new()
        } else {
            node.lead.clone()
        },
        line: node.line,
        head_flag: false,
        lead_flag: false,
    }
}

/// Several tokens joined into one: the head comments of the first, the
/// trailing comments of the last.
fn join(nodes: &[TokNode], infix: &str, opt: Opt<'_>) -> TokNode {
    let texts: Vec<&str> = nodes.iter().map(|n| n.text.as_str()).collect();
    TokNode {
        head: if opt.no_head {
            Vec::new()
        } else {
            nodes.first().map(|n| n.head.clone()).unwrap_or_default()
        },
        text: format!("{}{}", opt.prefix, texts.join(infix)),
        lead: if opt.no_lead {
            Vec::new()
        } else {
            nodes.last().map(|n| n.lead.clone()).unwrap_or_default()
        },
        line: nodes.first().map_or(0, |n| n.pos_line()),
        head_flag: false,
        lead_flag: false,
    }
}

/// A whole node rendered into one token. goctl marks such a token as always
/// having trailing comments (an empty one at the node's end), which makes the
/// next token on a later source line start a new line.
fn flatten(node: &dyn Node, prefix: &str) -> TokNode {
    TokNode {
        head: Vec::new(),
        text: node.format(prefix),
        lead: vec![Cmt {
            text: String::new(),
            line: node.end_line(),
        }],
        line: node.pos_line(),
        head_flag: node.has_head(),
        lead_flag: node.has_lead(),
    }
}

/// Collects text, then aligns columns once at the end, like one goctl writer.
#[derive(Default)]
struct Writer {
    buf: String,
}

struct WriteOpt<'a> {
    same_line: bool,
    prefix: &'a str,
    infix: &'a str,
}

const AUTO: WriteOpt<'static> = WriteOpt {
    same_line: false,
    prefix: "",
    infix: " ",
};
const SAME_LINE: WriteOpt<'static> = WriteOpt {
    same_line: true,
    prefix: "",
    infix: " ",
};
const SAME_LINE_TAB: WriteOpt<'static> = WriteOpt {
    same_line: true,
    prefix: "",
    infix: INDENT,
};
const SAME_LINE_TIGHT: WriteOpt<'static> = WriteOpt {
    same_line: true,
    prefix: "",
    infix: "",
};

impl Writer {
    fn newline(&mut self) {
        self.buf.push('\n');
    }

    fn text(&mut self, text: &str) {
        self.buf.push_str(text);
    }

    /// Writes nodes joined by the infix. A node goes on a new line when it
    /// started on a later source line than the previous node ended and either
    /// the writer is free to break lines or comments force it.
    fn nodes(&mut self, nodes: &[&dyn Node], opt: WriteOpt<'_>) {
        let Some(first) = nodes.first() else {
            return;
        };
        let mut parts: Vec<String> = Vec::new();
        let mut line = first.end_line();
        for (idx, node) in nodes.iter().enumerate() {
            let prev_has_lead = idx > 0 && nodes[idx - 1].has_lead();
            let auto = !opt.same_line || node.has_head() || prev_has_lead;
            if auto && node.pos_line() > line {
                parts.push("\n".to_owned());
            }
            line = node.end_line();
            if is_blank(&node.format("")) {
                continue;
            }
            parts.push(node.format(opt.prefix));
        }
        let text = parts
            .join(opt.infix)
            .replace(" \n", "\n")
            .replace("\n ", "\n");
        self.buf.push_str(&text);
    }

    fn finish(self) -> String {
        align(&self.buf)
    }
}

// ---------------------------------------------------------------- data types

/// A data type with its tokens ready to print. Formatting a type may drop
/// comments from its first token, so it works on its own copy.
#[derive(Debug, Clone)]
enum FType {
    Token(TokNode),
    Array {
        lbrack: TokNode,
        len: TokNode,
        rbrack: TokNode,
        elem: Box<FType>,
        is_child: bool,
    },
    Map {
        map: TokNode,
        lbrack: TokNode,
        key: Box<FType>,
        rbrack: TokNode,
        value: Box<FType>,
        is_child: bool,
    },
    Pointer {
        star: TokNode,
        elem: Box<FType>,
    },
    Slice {
        lbrack: TokNode,
        rbrack: TokNode,
        elem: Box<FType>,
    },
    Struct {
        lbrace: TokNode,
        fields: Vec<FField>,
        rbrace: TokNode,
    },
}

#[derive(Debug, Clone)]
struct FField {
    names: Vec<TokNode>,
    ty: FType,
    tag: Option<TokNode>,
}

fn ftype(dt: &DataType) -> FType {
    match dt {
        DataType::Base(t) | DataType::Any(t) | DataType::Interface(t) => FType::Token(tn(t)),
        DataType::Map {
            map,
            lbrack,
            key,
            rbrack,
            value,
        } => FType::Map {
            map: tn(map),
            lbrack: tn(lbrack),
            key: Box::new(ftype(key)),
            rbrack: tn(rbrack),
            value: Box::new(ftype(value)),
            is_child: false,
        },
        DataType::Array {
            lbrack,
            len,
            rbrack,
            elem,
        } => FType::Array {
            lbrack: tn(lbrack),
            len: tn(len),
            rbrack: tn(rbrack),
            elem: Box::new(ftype(elem)),
            is_child: false,
        },
        DataType::Slice {
            lbrack,
            rbrack,
            elem,
        } => FType::Slice {
            lbrack: tn(lbrack),
            rbrack: tn(rbrack),
            elem: Box::new(ftype(elem)),
        },
        DataType::Pointer { star, elem } => FType::Pointer {
            star: tn(star),
            elem: Box::new(ftype(elem)),
        },
        DataType::Struct {
            lbrace,
            fields,
            rbrace,
        } => FType::Struct {
            lbrace: tn(lbrace),
            fields: fields.iter().map(ffield).collect(),
            rbrace: tn(rbrace),
        },
    }
}

fn ffield(f: &Field) -> FField {
    FField {
        names: f.names.iter().map(tn).collect(),
        ty: ftype(&f.data_type),
        tag: f.tag.as_ref().map(tn),
    }
}

impl FType {
    fn first_mut(&mut self) -> &mut TokNode {
        match self {
            FType::Token(t) => t,
            FType::Array { lbrack, .. } | FType::Slice { lbrack, .. } => lbrack,
            FType::Map { map, .. } => map,
            FType::Pointer { star, .. } => star,
            FType::Struct { lbrace, .. } => lbrace,
        }
    }

    fn contains_struct(&self) -> bool {
        match self {
            FType::Token(_) => false,
            FType::Struct { .. } => true,
            FType::Map { key, value, .. } => key.contains_struct() || value.contains_struct(),
            FType::Array { elem, .. } | FType::Slice { elem, .. } | FType::Pointer { elem, .. } => {
                elem.contains_struct()
            }
        }
    }

    /// Flattens the type into one token, first dropping the comments the
    /// caller does not want from the type's first token.
    fn flatten(&self, is_child: bool, opt: Opt<'_>) -> TokNode {
        let mut ty = self.clone();
        {
            let first = ty.first_mut();
            let stripped = transfer(first, Opt { prefix: "", ..opt });
            *first = stripped;
        }
        match &mut ty {
            FType::Array { is_child: c, .. } | FType::Map { is_child: c, .. } => *c = is_child,
            _ => {}
        }
        flatten(&ty, opt.prefix)
    }
}

impl Node for FType {
    fn pos_line(&self) -> u32 {
        match self {
            FType::Token(t) => t.pos_line(),
            FType::Array { lbrack, .. } | FType::Slice { lbrack, .. } => lbrack.pos_line(),
            FType::Map { map, .. } => map.pos_line(),
            FType::Pointer { star, .. } => star.pos_line(),
            FType::Struct { lbrace, .. } => lbrace.pos_line(),
        }
    }

    fn end_line(&self) -> u32 {
        match self {
            FType::Token(t) => t.end_line(),
            FType::Array { elem, .. } | FType::Slice { elem, .. } | FType::Pointer { elem, .. } => {
                elem.end_line()
            }
            FType::Map { value, .. } => value.end_line(),
            FType::Struct { rbrace, .. } => rbrace.end_line(),
        }
    }

    fn has_head(&self) -> bool {
        match self {
            FType::Token(t) => t.has_head(),
            FType::Array { lbrack, .. } | FType::Slice { lbrack, .. } => lbrack.has_head(),
            FType::Map { map, .. } => map.has_head(),
            FType::Pointer { star, .. } => star.has_head(),
            FType::Struct { lbrace, .. } => lbrace.has_head(),
        }
    }

    fn has_lead(&self) -> bool {
        match self {
            FType::Token(t) => t.has_lead(),
            FType::Array { elem, .. } | FType::Slice { elem, .. } | FType::Pointer { elem, .. } => {
                elem.has_lead()
            }
            FType::Map { value, .. } => value.has_lead(),
            FType::Struct { rbrace, .. } => rbrace.has_lead(),
        }
    }

    fn format(&self, prefix: &str) -> String {
        let mut w = Writer::default();
        match self {
            FType::Token(t) => return t.format(prefix),
            FType::Array {
                lbrack,
                len,
                rbrack,
                elem,
                is_child,
            } => {
                let elem_opt = if *is_child { NO_COMMENT } else { NO_HEAD };
                let node = join(
                    &[
                        transfer(lbrack, NO_LEAD),
                        transfer(len, NO_LEAD),
                        transfer(rbrack, NO_HEAD),
                        elem.flatten(false, Opt { prefix, ..elem_opt }),
                    ],
                    "",
                    NONE,
                );
                w.nodes(&[&node], AUTO);
            }
            FType::Map {
                map,
                lbrack,
                key,
                rbrack,
                value,
                is_child,
            } => {
                let value_opt = if *is_child { NO_COMMENT } else { NO_HEAD };
                let node = join(
                    &[
                        transfer(map, NO_LEAD),
                        transfer(lbrack, NO_LEAD),
                        key.flatten(true, NO_COMMENT),
                        transfer(rbrack, NO_COMMENT),
                        value.flatten(
                            false,
                            Opt {
                                prefix,
                                ..value_opt
                            },
                        ),
                    ],
                    "",
                    NONE,
                );
                w.nodes(&[&node], AUTO);
            }
            FType::Pointer { star, elem } => {
                let node = join(
                    &[
                        transfer(
                            star,
                            Opt {
                                prefix,
                                no_lead: true,
                                no_head: false,
                            },
                        ),
                        elem.flatten(false, NO_HEAD),
                    ],
                    "",
                    NONE,
                );
                w.nodes(&[&node], AUTO);
            }
            FType::Slice {
                lbrack,
                rbrack,
                elem,
            } => {
                let node = join(
                    &[
                        transfer(lbrack, NO_LEAD),
                        transfer(rbrack, NO_HEAD),
                        elem.flatten(false, Opt { prefix, ..NO_HEAD }),
                    ],
                    "",
                    NONE,
                );
                w.nodes(&[&node], AUTO);
            }
            FType::Struct {
                lbrace,
                fields,
                rbrace,
            } => format_struct(&mut w, lbrace, fields, rbrace, prefix),
        }
        w.finish()
    }
}

fn format_struct(
    w: &mut Writer,
    lbrace: &TokNode,
    fields: &[FField],
    rbrace: &TokNode,
    prefix: &str,
) {
    let inner = format!("{prefix}{INDENT}");
    if fields.is_empty() && !rbrace.head.is_empty() {
        // goctl would print `{}` and lose these comments (its own `api new`
        // template has one here); keep them inside the braces instead
        w.text(&lbrace.format(""));
        w.newline();
        for c in &rbrace.head {
            w.text(&format!("{inner}{}", c.text));
            w.newline();
        }
        w.text(&transfer(rbrace, NO_HEAD).format(prefix));
        return;
    }
    if fields.is_empty() {
        let brace = join(
            &[
                transfer(lbrace, Opt { prefix, ..NO_LEAD }),
                transfer(rbrace, NO_HEAD),
            ],
            "",
            NONE,
        );
        w.nodes(&[&brace], SAME_LINE);
        return;
    }
    w.text(&lbrace.format(""));
    w.newline();
    for field in fields {
        let last = field.names.len().saturating_sub(1);
        let names: Vec<TokNode> = field
            .names
            .iter()
            .enumerate()
            .map(|(idx, n)| {
                if idx == 0 {
                    transfer(
                        n,
                        Opt {
                            prefix: &inner,
                            ..NO_LEAD
                        },
                    )
                } else if idx < last {
                    transfer(n, NO_COMMENT)
                } else {
                    transfer(n, NO_HEAD)
                }
            })
            .collect();
        let nested = field.ty.contains_struct();
        let type_prefix = if nested || names.is_empty() {
            inner.as_str()
        } else {
            prefix
        };
        let flat = field.ty.flatten(false, with_prefix(type_prefix));
        let tag = field.tag.as_ref();
        if names.is_empty() {
            match (tag, nested) {
                (Some(tag), true) => w.nodes(&[&flat, tag], SAME_LINE),
                (Some(tag), false) => w.nodes(&[&field.ty, tag], SAME_LINE_TAB),
                (None, true) => w.nodes(&[&flat], SAME_LINE),
                (None, false) => w.nodes(&[&flat], SAME_LINE_TAB),
            }
        } else {
            let name = join(&names, ", ", NONE);
            match (tag, nested) {
                (Some(tag), true) => w.nodes(&[&name, &flat, tag], SAME_LINE),
                (Some(tag), false) => w.nodes(&[&name, &field.ty, tag], SAME_LINE_TAB),
                (None, true) => w.nodes(&[&name, &flat], SAME_LINE),
                (None, false) => w.nodes(&[&name, &field.ty], SAME_LINE_TAB),
            }
        }
        w.newline();
    }
    w.text(&rbrace.format(prefix));
}

// ---------------------------------------------------------------- statements

struct TypeExprNode {
    name: TokNode,
    assign: Option<TokNode>,
    ty: FType,
}

impl TypeExprNode {
    fn new(e: &TypeExpr) -> Self {
        Self {
            name: tn(&e.name),
            assign: e.assign.as_ref().map(tn),
            ty: ftype(&e.data_type),
        }
    }
}

impl Node for TypeExprNode {
    fn pos_line(&self) -> u32 {
        self.name.pos_line()
    }
    fn end_line(&self) -> u32 {
        self.ty.end_line()
    }
    fn has_head(&self) -> bool {
        self.name.has_head()
    }
    fn has_lead(&self) -> bool {
        self.ty.has_lead()
    }
    fn format(&self, prefix: &str) -> String {
        let mut w = Writer::default();
        let name = transfer(&self.name, with_prefix(prefix));
        let ty = self.ty.flatten(false, with_prefix(prefix));
        match &self.assign {
            Some(assign) => w.nodes(&[&name, assign, &ty], SAME_LINE),
            None => w.nodes(&[&name, &ty], SAME_LINE),
        }
        w.finish()
    }
}

struct Kv {
    key: TokNode,
    colon: TokNode,
    value: TokNode,
}

fn kvs(values: &[KvExpr]) -> Vec<Kv> {
    values
        .iter()
        .map(|v| Kv {
            key: tn(&v.key),
            colon: tn(&v.colon),
            value: tn(&v.value),
        })
        .collect()
}

fn is_zero_string(t: &TokNode) -> bool {
    t.text == "\"\"" || t.text == "``"
}

/// `keyword (` + aligned `key: value` lines + `)`, used by `info`, `@server`
/// and `@doc(...)`. Empty when every value is an empty string.
fn format_kv_block(
    keyword: &TokNode,
    lparen: &TokNode,
    values: &[Kv],
    rparen: &TokNode,
    prefix: &str,
    same_line_open: bool,
) -> String {
    if values.iter().all(|v| is_zero_string(&v.value)) {
        return String::new();
    }
    let mut w = Writer::default();
    let kw = transfer(keyword, Opt { prefix, ..NO_LEAD });
    let open = if same_line_open { SAME_LINE } else { AUTO };
    w.nodes(&[&kw, lparen], open);
    w.newline();
    let inner = format!("{prefix}{INDENT}");
    for v in values {
        let key = join(&[v.key.clone(), v.colon.clone()], "", NONE);
        let key = transfer(
            &key,
            Opt {
                prefix: &inner,
                ..NO_LEAD
            },
        );
        w.nodes(&[&key, &v.value], SAME_LINE_TAB);
        w.newline();
    }
    w.nodes(&[&transfer(rparen, with_prefix(prefix))], AUTO);
    w.finish()
}

struct AtServerNode {
    at: TokNode,
    lparen: TokNode,
    values: Vec<Kv>,
    rparen: TokNode,
}

impl AtServerNode {
    fn new(s: &AtServerStmt) -> Self {
        Self {
            at: tn(&s.at),
            lparen: tn(&s.lparen),
            values: kvs(&s.values),
            rparen: tn(&s.rparen),
        }
    }
    fn format(&self, prefix: &str) -> String {
        format_kv_block(
            &self.at,
            &self.lparen,
            &self.values,
            &self.rparen,
            prefix,
            true,
        )
    }
}

enum DocNode {
    Literal { at: TokNode, value: TokNode },
    Group(AtServerNode),
}

impl DocNode {
    fn new(d: &AtDoc) -> Self {
        match d {
            AtDoc::Literal { at, value } => DocNode::Literal {
                at: tn(at),
                value: tn(value),
            },
            AtDoc::Group {
                at,
                lparen,
                values,
                rparen,
            } => DocNode::Group(AtServerNode {
                at: tn(at),
                lparen: tn(lparen),
                values: kvs(values),
                rparen: tn(rparen),
            }),
        }
    }

    fn pos_line(&self) -> u32 {
        match self {
            DocNode::Literal { at, .. } => at.pos_line(),
            DocNode::Group(g) => g.at.pos_line(),
        }
    }

    fn has_head(&self) -> bool {
        match self {
            DocNode::Literal { at, .. } => at.has_head(),
            DocNode::Group(g) => g.at.has_head(),
        }
    }

    fn format(&self, prefix: &str) -> String {
        match self {
            DocNode::Literal { at, value } => {
                if is_zero_string(value) {
                    return String::new();
                }
                let mut w = Writer::default();
                let at = transfer(at, Opt { prefix, ..NO_LEAD });
                let value = transfer(value, NO_HEAD);
                w.nodes(&[&at, &value], SAME_LINE);
                w.finish()
            }
            DocNode::Group(g) => g.format(prefix),
        }
    }
}

struct BodyNode {
    lparen: TokNode,
    expr: Option<BodyExprNode>,
    rparen: TokNode,
}

struct BodyExprNode {
    lbrack: Option<TokNode>,
    rbrack: Option<TokNode>,
    star: Option<TokNode>,
    value: TokNode,
}

impl BodyNode {
    fn new(b: &Body) -> Self {
        Self {
            lparen: tn(&b.lparen),
            expr: b.expr.as_ref().map(BodyExprNode::new),
            rparen: tn(&b.rparen),
        }
    }
}

impl BodyExprNode {
    fn new(e: &BodyExpr) -> Self {
        Self {
            lbrack: e.brackets.as_ref().map(|(l, _)| tn(l)),
            rbrack: e.brackets.as_ref().map(|(_, r)| tn(r)),
            star: e.star.as_ref().map(tn),
            value: tn(&e.value),
        }
    }

    fn first(&self) -> &TokNode {
        self.lbrack
            .as_ref()
            .or(self.star.as_ref())
            .unwrap_or(&self.value)
    }
}

impl Node for BodyExprNode {
    fn pos_line(&self) -> u32 {
        self.first().pos_line()
    }
    fn end_line(&self) -> u32 {
        self.value.end_line()
    }
    fn has_head(&self) -> bool {
        self.first().has_head()
    }
    fn has_lead(&self) -> bool {
        self.value.has_lead()
    }
    fn format(&self, _prefix: &str) -> String {
        let mut w = Writer::default();
        let star = self.star.as_ref().map(|s| transfer(s, NO_COMMENT));
        match (&self.lbrack, &self.rbrack) {
            (Some(l), Some(r)) => {
                let l = transfer(l, NO_COMMENT);
                let r = transfer(r, NO_COMMENT);
                match &star {
                    Some(s) => w.nodes(&[&l, &r, s, &self.value], SAME_LINE_TIGHT),
                    None => w.nodes(&[&l, &r, &self.value], SAME_LINE_TIGHT),
                }
            }
            _ => match &star {
                Some(s) => w.nodes(&[s, &self.value], SAME_LINE_TIGHT),
                None => w.nodes(&[&self.value], AUTO),
            },
        }
        w.finish()
    }
}

impl Node for BodyNode {
    fn pos_line(&self) -> u32 {
        self.lparen.pos_line()
    }
    fn end_line(&self) -> u32 {
        self.rparen.end_line()
    }
    fn has_head(&self) -> bool {
        self.lparen.has_head()
    }
    fn has_lead(&self) -> bool {
        self.rparen.has_lead()
    }
    fn format(&self, _prefix: &str) -> String {
        let Some(expr) = &self.expr else {
            return String::new();
        };
        let mut w = Writer::default();
        w.nodes(&[&self.lparen, expr, &self.rparen], SAME_LINE_TIGHT);
        w.finish()
    }
}

/// The path as goctl prints it inside a route with a body: without comments.
struct PathNode(TokNode);

impl Node for PathNode {
    fn pos_line(&self) -> u32 {
        self.0.pos_line()
    }
    fn end_line(&self) -> u32 {
        self.0.end_line()
    }
    fn has_head(&self) -> bool {
        self.0.has_head()
    }
    fn has_lead(&self) -> bool {
        self.0.has_lead()
    }
    fn format(&self, prefix: &str) -> String {
        transfer(&self.0, NO_COMMENT).format(prefix)
    }
}

struct RouteNode {
    method: TokNode,
    path: PathNode,
    request: Option<BodyNode>,
    returns: Option<TokNode>,
    response: Option<BodyNode>,
}

impl RouteNode {
    fn new(r: &Route) -> Self {
        Self {
            method: tn(&r.method),
            path: PathNode(tn(&r.path)),
            request: r.request.as_ref().map(BodyNode::new),
            returns: r.returns.as_ref().map(tn),
            response: r.response.as_ref().map(BodyNode::new),
        }
    }
}

impl Node for RouteNode {
    fn pos_line(&self) -> u32 {
        self.method.pos_line()
    }
    fn end_line(&self) -> u32 {
        if let Some(r) = &self.response {
            r.end_line()
        } else if let Some(r) = &self.returns {
            // goctl takes the start of `returns` here
            r.pos_line()
        } else if let Some(r) = &self.request {
            r.end_line()
        } else {
            self.path.end_line()
        }
    }
    fn has_head(&self) -> bool {
        self.method.has_head()
    }
    fn has_lead(&self) -> bool {
        if let Some(r) = &self.response {
            r.has_lead()
        } else if let Some(r) = &self.returns {
            r.has_lead()
        } else if let Some(r) = &self.request {
            r.has_lead()
        } else {
            self.path.has_lead()
        }
    }
    fn format(&self, prefix: &str) -> String {
        let mut w = Writer::default();
        let method = transfer(&self.method, Opt { prefix, ..NO_LEAD });
        let strip_rparen_head = |b: &BodyNode| BodyNode {
            lparen: b.lparen.clone(),
            expr: b.expr.as_ref().map(|e| BodyExprNode {
                lbrack: e.lbrack.clone(),
                rbrack: e.rbrack.clone(),
                star: e.star.clone(),
                value: e.value.clone(),
            }),
            rparen: transfer(&b.rparen, NO_HEAD),
        };
        match (&self.request, &self.response) {
            (request, Some(response)) => {
                let response = strip_rparen_head(response);
                match (request, response.expr.is_some(), &self.returns) {
                    (Some(req), true, Some(returns)) => {
                        w.nodes(&[&method, &self.path, req, returns, &response], SAME_LINE)
                    }
                    (None, true, Some(returns)) => {
                        w.nodes(&[&method, &self.path, returns, &response], SAME_LINE)
                    }
                    (Some(req), _, _) => w.nodes(&[&method, &self.path, req], SAME_LINE),
                    (None, _, _) => w.nodes(&[&method, &self.path], SAME_LINE),
                }
            }
            (Some(request), None) => {
                let request = strip_rparen_head(request);
                w.nodes(&[&method, &self.path, &request], SAME_LINE);
            }
            (None, None) => {
                let path = transfer(&self.path.0, NO_HEAD);
                w.nodes(&[&method, &path], SAME_LINE);
            }
        }
        w.finish()
    }
}

struct ItemNode {
    doc: Option<DocNode>,
    at: TokNode,
    name: TokNode,
    route: RouteNode,
}

impl ItemNode {
    fn new(item: &ServiceItem) -> Self {
        let AtHandler { at, name } = &item.handler;
        Self {
            doc: item.doc.as_ref().map(DocNode::new),
            at: tn(at),
            name: tn(name),
            route: RouteNode::new(&item.route),
        }
    }

    fn format_handler(&self, prefix: &str) -> String {
        let mut w = Writer::default();
        let at = transfer(&self.at, Opt { prefix, ..NO_LEAD });
        let name = transfer(&self.name, NO_HEAD);
        w.nodes(&[&at, &name], SAME_LINE);
        w.finish()
    }
}

impl Node for ItemNode {
    fn pos_line(&self) -> u32 {
        self.doc
            .as_ref()
            .map_or(self.at.pos_line(), DocNode::pos_line)
    }
    fn end_line(&self) -> u32 {
        self.route.end_line()
    }
    fn has_head(&self) -> bool {
        self.doc
            .as_ref()
            .map_or(self.at.has_head(), DocNode::has_head)
    }
    fn has_lead(&self) -> bool {
        self.route.has_lead()
    }
    fn format(&self, prefix: &str) -> String {
        let mut w = Writer::default();
        if let Some(doc) = &self.doc {
            // goctl leaves an empty line for `@doc ""` and removes it on the
            // next run; leaving nothing is the stable choice
            let text = doc.format(prefix);
            if !text.is_empty() {
                w.text(&text);
                w.newline();
            }
        }
        w.text(&self.format_handler(prefix));
        w.newline();
        let route = flatten(&self.route, prefix);
        w.nodes(&[&route], AUTO);
        w.newline();
        w.finish()
    }
}

/// The service name; goctl prints it with its trailing comments only.
struct NameNode(TokNode);

impl Node for NameNode {
    fn pos_line(&self) -> u32 {
        self.0.pos_line()
    }
    fn end_line(&self) -> u32 {
        self.0.end_line()
    }
    fn has_head(&self) -> bool {
        self.0.has_head()
    }
    fn has_lead(&self) -> bool {
        self.0.has_lead()
    }
    fn format(&self, _prefix: &str) -> String {
        align(&self.0.format(""))
    }
}

fn format_service(s: &ServiceStmt, prefix: &str) -> String {
    let mut w = Writer::default();
    if let Some(at_server) = &s.at_server {
        let text = AtServerNode::new(at_server).format("");
        if !text.is_empty() {
            w.text(&text);
            w.newline();
        }
    }
    let service = transfer(&tn(&s.service), with_prefix(prefix));
    let name = NameNode(tn(&s.name));
    let lbrace = tn(&s.lbrace);
    w.nodes(&[&service, &name, &lbrace], SAME_LINE);
    let rbrace = transfer(&tn(&s.rbrace), with_prefix(prefix));
    if s.items.is_empty() && !s.rbrace.head.is_empty() {
        // goctl would glue these comments to `{` and swallow the `}` into
        // the last one on the next run; keep them inside the braces
        w.newline();
        for c in &s.rbrace.head {
            w.text(&format!("{prefix}{INDENT}{}", protect(&c.text)));
            w.newline();
        }
        w.text(&transfer(&tn(&s.rbrace), Opt { prefix, ..NO_HEAD }).format(""));
        return w.finish();
    }
    if s.items.is_empty() {
        w.nodes(&[&rbrace], AUTO);
        return w.finish();
    }
    w.newline();
    let inner = format!("{prefix}{INDENT}");
    for (idx, item) in s.items.iter().enumerate() {
        let node = flatten(&ItemNode::new(item), &inner);
        w.nodes(&[&node], AUTO);
        if idx + 1 < s.items.len() {
            w.newline();
        }
    }
    w.nodes(&[&rbrace], AUTO);
    w.finish()
}

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
