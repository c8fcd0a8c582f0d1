//! The printing primitives of goctl's layout: tokens with their comments,
//! the line-keeping writer, and the marks that protect token contents.

use super::format_stmt;
use crate::api::align::align;
use crate::api::ast::{Comment, File, Tok};

pub(super) const INDENT: &str = "\t";

#[derive(Debug, Clone, Default)]
pub(super) struct Cmt {
    pub(super) text: String,
    pub(super) line: u32,
}

/// A token ready to print: its text (possibly already prefixed), the comments
/// above it and after it, and the flags goctl keeps when a larger node is
/// flattened into one token.
#[derive(Debug, Clone, Default)]
pub(super) struct TokNode {
    pub(super) head: Vec<Cmt>,
    pub(super) text: String,
    pub(super) lead: Vec<Cmt>,
    pub(super) line: u32,
    pub(super) head_flag: bool,
    pub(super) lead_flag: bool,
}

/// Anything the line-keeping writer can place: it needs the first and last
/// source line and whether comments surround the node.
pub(super) trait Node {
    fn pos_line(&self) -> u32;
    fn end_line(&self) -> u32;
    fn has_head(&self) -> bool;
    fn has_lead(&self) -> bool;
    fn format(&self, prefix: &str) -> String;
}

pub(super) fn cmts(comments: &[Comment]) -> Vec<Cmt> {
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
pub(super) struct Marks {
    pub(super) brk: char,
    pub(super) tab: char,
}

thread_local! {
    static MARKS: std::cell::Cell<Option<Marks>> = const { std::cell::Cell::new(None) };
}

pub(super) fn protect(text: &str) -> String {
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

pub(super) fn unprotect(text: String) -> String {
    match MARKS.with(std::cell::Cell::get) {
        Some(marks) => text.replace(marks.brk, "").replace(marks.tab, "\t"),
        None => text,
    }
}

/// Runs `render` with marks that the file does not contain.
pub(super) fn with_marks(file: &File, render: impl FnOnce() -> String) -> String {
    MARKS.with(|m| m.set(choose_marks(file)));
    let out = unprotect(render());
    MARKS.with(|m| m.set(None));
    out
}

pub(super) fn choose_marks(file: &File) -> Option<Marks> {
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

pub(super) fn tn(tok: &Tok) -> TokNode {
    TokNode {
        head: cmts(&tok.head),
        text: protect(&tok.text),
        lead: cmts(&tok.trailing),
        line: tok.line,
        head_flag: false,
        lead_flag: false,
    }
}

pub(super) fn is_blank(s: &str) -> bool {
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
pub(super) struct Opt<'a> {
    pub(super) prefix: &'a str,
    pub(super) no_head: bool,
    pub(super) no_lead: bool,
}

pub(super) const NONE: Opt<'static> = Opt {
    prefix: "",
    no_head: false,
    no_lead: false,
};

pub(super) fn with_prefix(prefix: &str) -> Opt<'_> {
    Opt { prefix, ..NONE }
}

pub(super) const NO_HEAD: Opt<'static> = Opt {
    no_head: true,
    ..NONE
};
pub(super) const NO_LEAD: Opt<'static> = Opt {
    no_lead: true,
    ..NONE
};
pub(super) const NO_COMMENT: Opt<'static> = Opt {
    no_head: true,
    no_lead: true,
    prefix: "",
};

/// A copy of a token with a prefix and without some of its comments; the
/// flattening flags are not carried over.
pub(super) fn transfer(node: &TokNode, opt: Opt<'_>) -> TokNode {
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
pub(super) fn join(nodes: &[TokNode], infix: &str, opt: Opt<'_>) -> TokNode {
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
pub(super) fn flatten(node: &dyn Node, prefix: &str) -> TokNode {
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
pub(super) struct Writer {
    pub(super) buf: String,
}

pub(super) struct WriteOpt<'a> {
    pub(super) same_line: bool,
    pub(super) prefix: &'a str,
    pub(super) infix: &'a str,
}

pub(super) const AUTO: WriteOpt<'static> = WriteOpt {
    same_line: false,
    prefix: "",
    infix: " ",
};
pub(super) const SAME_LINE: WriteOpt<'static> = WriteOpt {
    same_line: true,
    prefix: "",
    infix: " ",
};
pub(super) const SAME_LINE_TAB: WriteOpt<'static> = WriteOpt {
    same_line: true,
    prefix: "",
    infix: INDENT,
};
pub(super) const SAME_LINE_TIGHT: WriteOpt<'static> = WriteOpt {
    same_line: true,
    prefix: "",
    infix: "",
};

impl Writer {
    pub(super) fn newline(&mut self) {
        self.buf.push('\n');
    }

    pub(super) fn text(&mut self, text: &str) {
        self.buf.push_str(text);
    }

    /// Writes nodes joined by the infix. A node goes on a new line when it
    /// started on a later source line than the previous node ended and either
    /// the writer is free to break lines or comments force it.
    pub(super) fn nodes(&mut self, nodes: &[&dyn Node], opt: WriteOpt<'_>) {
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

    pub(super) fn finish(self) -> String {
        align(&self.buf)
    }
}
