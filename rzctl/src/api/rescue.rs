//! Keeps comments that goctl's layout has no place for.
//!
//! goctl's formatter silently drops comments in some spots, for example
//! between `syntax` and `=`, or between a key and its colon. Files goctl
//! wrote never have comments there, so moving such a comment does not touch
//! byte compatibility: it is put on its own line above the smallest
//! enclosing statement, field, key-value pair or route, where every layout
//! keeps comments.

use std::ops::Range;

use super::ast::{AtDoc, Comment, DataType, Field, File, KvExpr, ServiceItem, Stmt, Tok};
use super::format::vanishes;

/// Moves the comments whose spans start at `lost` above their enclosing
/// construct. Returns how many were moved.
pub fn relocate(file: &mut File, lost: &[usize]) -> usize {
    if lost.is_empty() {
        return 0;
    }
    // take the comments out of wherever they hang now
    let mut taken: Vec<Comment> = Vec::new();
    walk_toks(file, &mut |tok| {
        for list in [&mut tok.head, &mut tok.trailing] {
            let (out, keep): (Vec<Comment>, Vec<Comment>) = std::mem::take(list)
                .into_iter()
                .partition(|c| lost.contains(&c.span.start));
            *list = keep;
            taken.extend(out);
        }
    });
    // file-level comments have no token; they are never lost
    let moved = taken.len();
    // the innermost anchor is the last one visited that contains the comment
    let mut anchor_of: Vec<Option<usize>> = vec![None; taken.len()];
    let mut index = 0;
    walk_anchors(file, &mut |range, _| {
        for (i, c) in taken.iter().enumerate() {
            if range.contains(&c.span.start) {
                anchor_of[i] = Some(index);
            }
        }
        index += 1;
    });
    // comments of statements the layout leaves out become statements of
    // their own where those statements were
    let mut orphans: Vec<Comment> = Vec::new();
    let mut kept: Vec<Comment> = Vec::new();
    let mut kept_anchor: Vec<Option<usize>> = Vec::new();
    for (c, a) in taken.into_iter().zip(anchor_of) {
        if a.is_some() {
            kept.push(c);
            kept_anchor.push(a);
        } else {
            orphans.push(c);
        }
    }
    let anchor_of = kept_anchor;
    let taken = kept;
    for c in orphans {
        let at = file
            .stmts
            .iter()
            .position(|s| stmt_start(s) > c.span.start)
            .unwrap_or(file.stmts.len());
        file.stmts.insert(at, Stmt::Comment(c));
    }
    let mut index = 0;
    let mut taken: Vec<Option<Comment>> = taken.into_iter().map(Some).collect();
    walk_anchors(file, &mut |_, tok| {
        for (i, slot) in taken.iter_mut().enumerate() {
            if anchor_of[i] == Some(index)
                && let Some(mut c) = slot.take()
            {
                // the layout decides line breaks by source lines; a comment
                // above a token sits on an earlier line
                c.line = tok.line.saturating_sub(1);
                tok.head.push(c);
            }
        }
        tok.head.sort_by_key(|c| c.span.start);
        index += 1;
    });
    moved
}

fn stmt_start(stmt: &Stmt) -> usize {
    let tok = match stmt {
        Stmt::Syntax(s) => &s.syntax,
        Stmt::Info(s) => &s.info,
        Stmt::ImportLiteral(s) => &s.import,
        Stmt::ImportGroup(s) => &s.import,
        Stmt::TypeLiteral(s) => &s.type_kw,
        Stmt::TypeGroup(s) => &s.type_kw,
        Stmt::Service(s) => s.at_server.as_ref().map_or(&s.service, |a| &a.at),
        Stmt::Comment(c) => return c.span.start,
    };
    tok.head
        .first()
        .map_or(tok.span.start, |c| c.span.start.min(tok.span.start))
}

fn kv_toks(kv: &mut KvExpr, f: &mut dyn FnMut(&mut Tok)) {
    f(&mut kv.key);
    f(&mut kv.colon);
    f(&mut kv.value);
}

fn type_toks(dt: &mut DataType, f: &mut dyn FnMut(&mut Tok)) {
    match dt {
        DataType::Base(t) | DataType::Any(t) | DataType::Interface(t) => f(t),
        DataType::Map {
            map,
            lbrack,
            key,
            rbrack,
            value,
        } => {
            f(map);
            f(lbrack);
            type_toks(key, f);
            f(rbrack);
            type_toks(value, f);
        }
        DataType::Array {
            lbrack,
            len,
            rbrack,
            elem,
        } => {
            f(lbrack);
            f(len);
            f(rbrack);
            type_toks(elem, f);
        }
        DataType::Slice {
            lbrack,
            rbrack,
            elem,
        } => {
            f(lbrack);
            f(rbrack);
            type_toks(elem, f);
        }
        DataType::Pointer { star, elem } => {
            f(star);
            type_toks(elem, f);
        }
        DataType::Struct {
            lbrace,
            fields,
            rbrace,
        } => {
            f(lbrace);
            for field in fields {
                field_toks(field, f);
            }
            f(rbrace);
        }
    }
}

fn field_toks(field: &mut Field, f: &mut dyn FnMut(&mut Tok)) {
    for n in &mut field.names {
        f(n);
    }
    type_toks(&mut field.data_type, f);
    if let Some(tag) = &mut field.tag {
        f(tag);
    }
}

fn item_toks(item: &mut ServiceItem, f: &mut dyn FnMut(&mut Tok)) {
    match &mut item.doc {
        Some(AtDoc::Literal { at, value }) => {
            f(at);
            f(value);
        }
        Some(AtDoc::Group {
            at,
            lparen,
            values,
            rparen,
        }) => {
            f(at);
            f(lparen);
            for kv in values {
                kv_toks(kv, f);
            }
            f(rparen);
        }
        None => {}
    }
    f(&mut item.handler.at);
    f(&mut item.handler.name);
    let r = &mut item.route;
    f(&mut r.method);
    f(&mut r.path);
    for body in [&mut r.request, &mut r.response].into_iter().flatten() {
        f(&mut body.lparen);
        if let Some(e) = &mut body.expr {
            if let Some((l, rb)) = &mut e.brackets {
                f(l);
                f(rb);
            }
            if let Some(s) = &mut e.star {
                f(s);
            }
            f(&mut e.value);
        }
        f(&mut body.rparen);
    }
    if let Some(t) = &mut r.returns {
        f(t);
    }
}

/// Every token of the file, in no particular order.
fn walk_toks(file: &mut File, f: &mut dyn FnMut(&mut Tok)) {
    for stmt in &mut file.stmts {
        match stmt {
            Stmt::Syntax(s) => {
                f(&mut s.syntax);
                f(&mut s.assign);
                f(&mut s.value);
            }
            Stmt::Info(s) => {
                f(&mut s.info);
                f(&mut s.lparen);
                for kv in &mut s.values {
                    kv_toks(kv, f);
                }
                f(&mut s.rparen);
            }
            Stmt::ImportLiteral(s) => {
                f(&mut s.import);
                f(&mut s.value);
            }
            Stmt::ImportGroup(s) => {
                f(&mut s.import);
                f(&mut s.lparen);
                for v in &mut s.values {
                    f(v);
                }
                f(&mut s.rparen);
            }
            Stmt::TypeLiteral(s) => {
                f(&mut s.type_kw);
                f(&mut s.expr.name);
                if let Some(a) = &mut s.expr.assign {
                    f(a);
                }
                type_toks(&mut s.expr.data_type, f);
            }
            Stmt::TypeGroup(s) => {
                f(&mut s.type_kw);
                f(&mut s.lparen);
                for e in &mut s.exprs {
                    f(&mut e.name);
                    if let Some(a) = &mut e.assign {
                        f(a);
                    }
                    type_toks(&mut e.data_type, f);
                }
                f(&mut s.rparen);
            }
            Stmt::Service(s) => {
                if let Some(a) = &mut s.at_server {
                    f(&mut a.at);
                    f(&mut a.lparen);
                    for kv in &mut a.values {
                        kv_toks(kv, f);
                    }
                    f(&mut a.rparen);
                }
                f(&mut s.service);
                f(&mut s.name);
                f(&mut s.lbrace);
                for item in &mut s.items {
                    item_toks(item, f);
                }
                f(&mut s.rbrace);
            }
            Stmt::Comment(_) => {}
        }
    }
}

/// The byte range a construct covers, including comments after its last
/// token on the same line.
fn extent(first: &Tok, last: &Tok) -> Range<usize> {
    let end = last
        .trailing
        .last()
        .map_or(last.span.end, |c| c.span.end.max(last.span.end));
    first.span.start..end
}

fn last_type_tok(dt: &DataType) -> &Tok {
    match dt {
        DataType::Base(t) | DataType::Any(t) | DataType::Interface(t) => t,
        DataType::Map { value, .. } => last_type_tok(value),
        DataType::Array { elem, .. }
        | DataType::Slice { elem, .. }
        | DataType::Pointer { elem, .. } => last_type_tok(elem),
        DataType::Struct { rbrace, .. } => rbrace,
    }
}

fn kv_anchors(values: &mut [KvExpr], f: &mut dyn FnMut(Range<usize>, &mut Tok)) {
    for kv in values {
        let range = extent(&kv.key, &kv.value);
        f(range, &mut kv.key);
    }
}

fn field_anchors(dt: &mut DataType, f: &mut dyn FnMut(Range<usize>, &mut Tok)) {
    let DataType::Struct { fields, .. } = dt else {
        return;
    };
    for field in fields {
        let last = match &field.tag {
            Some(t) => t.clone(),
            None => last_type_tok(&field.data_type).clone(),
        };
        let range = match field.names.first() {
            Some(n) => extent(n, &last),
            None => extent(field.data_type.first_tok(), &last),
        };
        match field.names.first_mut() {
            Some(n) => f(range, n),
            None => match &mut field.data_type {
                DataType::Base(t) | DataType::Any(t) | DataType::Interface(t) => f(range, t),
                DataType::Pointer { star, .. } => f(range, star),
                other => {
                    let tok = match other {
                        DataType::Map { map, .. } => map,
                        DataType::Array { lbrack, .. } | DataType::Slice { lbrack, .. } => lbrack,
                        DataType::Struct { lbrace, .. } => lbrace,
                        _ => continue,
                    };
                    f(range, tok);
                }
            },
        }
        field_anchors(&mut field.data_type, f);
    }
}

/// Constructs whose first token always keeps its head comments, outer
/// before inner, with the range each covers.
fn walk_anchors(file: &mut File, f: &mut dyn FnMut(Range<usize>, &mut Tok)) {
    for stmt in &mut file.stmts {
        if vanishes(stmt) {
            continue;
        }
        match stmt {
            Stmt::Syntax(s) => {
                let range = extent(&s.syntax, &s.value);
                f(range, &mut s.syntax);
            }
            Stmt::Info(s) => {
                let range = extent(&s.info, &s.rparen);
                f(range, &mut s.info);
                kv_anchors(&mut s.values, f);
            }
            Stmt::ImportLiteral(s) => {
                let range = extent(&s.import, &s.value);
                f(range, &mut s.import);
            }
            Stmt::ImportGroup(s) => {
                let range = extent(&s.import, &s.rparen);
                f(range, &mut s.import);
                for v in &mut s.values {
                    let range = extent(v, v);
                    f(range, v);
                }
            }
            Stmt::TypeLiteral(s) => {
                let range = extent(&s.type_kw, last_type_tok(&s.expr.data_type));
                f(range, &mut s.type_kw);
                field_anchors(&mut s.expr.data_type, f);
            }
            Stmt::TypeGroup(s) => {
                let range = extent(&s.type_kw, &s.rparen);
                f(range, &mut s.type_kw);
                for e in &mut s.exprs {
                    let range = extent(&e.name, last_type_tok(&e.data_type));
                    f(range, &mut e.name);
                    field_anchors(&mut e.data_type, f);
                }
            }
            Stmt::Service(s) => {
                let range = match &s.at_server {
                    Some(a) => extent(&a.at, &s.rbrace),
                    None => extent(&s.service, &s.rbrace),
                };
                match &mut s.at_server {
                    // an `@server` with only empty values is left out
                    Some(a) if !a.values.iter().all(|kv| kv.value.is_empty_string()) => {
                        f(range, &mut a.at);
                        kv_anchors(&mut a.values, f);
                    }
                    _ => f(range, &mut s.service),
                }
                for item in &mut s.items {
                    let route = &item.route;
                    let last = route
                        .response
                        .as_ref()
                        .map(|b| &b.rparen)
                        .or(route.returns.as_ref())
                        .or(route.request.as_ref().map(|b| &b.rparen))
                        .unwrap_or(&route.path)
                        .clone();
                    match &mut item.doc {
                        Some(AtDoc::Literal { at, value }) if !value.is_empty_string() => {
                            let range = extent(at, &last);
                            f(range, at);
                        }
                        Some(AtDoc::Group { at, values, .. })
                            if !values.iter().all(|kv| kv.value.is_empty_string()) =>
                        {
                            let range = extent(at, &last);
                            f(range, at);
                            kv_anchors(values, f);
                        }
                        _ => {
                            let first = match &item.doc {
                                Some(AtDoc::Literal { at, .. } | AtDoc::Group { at, .. }) => {
                                    at.clone()
                                }
                                None => item.handler.at.clone(),
                            };
                            let range = extent(&first, &last);
                            f(range, &mut item.handler.at);
                        }
                    }
                }
            }
            Stmt::Comment(_) => {}
        }
    }
}
