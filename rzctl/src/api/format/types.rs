//! Data types and struct bodies: aligned field columns, nested structs.

use super::writer::*;
use crate::api::ast::{DataType, Field};

/// A data type with its tokens ready to print. Formatting a type may drop
/// comments from its first token, so it works on its own copy.
#[derive(Debug, Clone)]
pub(super) enum FType {
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
pub(super) struct FField {
    pub(super) names: Vec<TokNode>,
    pub(super) ty: FType,
    pub(super) tag: Option<TokNode>,
}

pub(super) fn ftype(dt: &DataType) -> FType {
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

pub(super) fn ffield(f: &Field) -> FField {
    FField {
        names: f.names.iter().map(tn).collect(),
        ty: ftype(&f.data_type),
        tag: f.tag.as_ref().map(tn),
    }
}

impl FType {
    pub(super) fn first_mut(&mut self) -> &mut TokNode {
        match self {
            FType::Token(t) => t,
            FType::Array { lbrack, .. } | FType::Slice { lbrack, .. } => lbrack,
            FType::Map { map, .. } => map,
            FType::Pointer { star, .. } => star,
            FType::Struct { lbrace, .. } => lbrace,
        }
    }

    pub(super) fn contains_struct(&self) -> bool {
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
    pub(super) fn flatten(&self, is_child: bool, opt: Opt<'_>) -> TokNode {
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

pub(super) fn format_struct(
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
