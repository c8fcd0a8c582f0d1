//! Semantic checks over all files of an API, and the lowering into
//! [`ApiSpec`]. Checks follow goctl: one service name, unique type names,
//! unique handlers per group, unique routes, declared types only, struct-only
//! type declarations, and the type shapes goctl can generate. Every error is
//! reported, not just the first.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use super::ast::{
    AtDoc, Comment, DataType, Field as AstField, InfoStmt, KvExpr, ServiceStmt, Stmt, Tok, TypeExpr,
};
use super::imports::ParsedFile;
use super::model::{
    ApiSpec, Builtin, Field, GoType, Group, KeyValue, Route, ServerOptions, Service, TypeDef,
};
use super::tag::{check_values, parse_tag};
use crate::diag::{Diagnostic, Diagnostics, Origin, SourceFile};

/// Where something was declared, for "first declared here" notes.
#[derive(Clone)]
struct Site {
    file: Arc<SourceFile>,
    span: Range<usize>,
}

impl Site {
    fn describe(&self) -> String {
        let (line, column) = self.file.line_col(self.span.start);
        format!("{}:{line}:{column}", self.file.name())
    }
}

struct Checker {
    diags: Diagnostics,
    /// Declared type names, to resolve references.
    declared: HashMap<String, Site>,
}

/// Comment text without its `//` or `/* */` markers.
pub fn comment_text(c: &Comment) -> String {
    let t = c.text.as_str();
    if let Some(rest) = t.strip_prefix("//") {
        return rest.trim().to_owned();
    }
    t.strip_prefix("/*")
        .and_then(|s| s.strip_suffix("*/"))
        .unwrap_or(t)
        .trim()
        .to_owned()
}

fn docs(comments: &[Comment]) -> Vec<String> {
    comments.iter().map(comment_text).collect()
}

fn last_tok(dt: &DataType) -> &Tok {
    match dt {
        DataType::Base(t) | DataType::Any(t) | DataType::Interface(t) => t,
        DataType::Map { value, .. } => last_tok(value),
        DataType::Array { elem, .. }
        | DataType::Slice { elem, .. }
        | DataType::Pointer { elem, .. } => last_tok(elem),
        DataType::Struct { rbrace, .. } => rbrace,
    }
}

fn unquote(t: &Tok) -> String {
    t.unquoted().to_owned()
}

fn key_values(values: &[KvExpr]) -> Vec<KeyValue> {
    values
        .iter()
        .map(|kv| KeyValue {
            key: kv.key.text.clone(),
            value: unquote(&kv.value),
        })
        .collect()
}

/// A route prefix as goctl cleans it (`path.Join("/", prefix)`): a leading `/`, no empty,
/// `.` or trailing segments, `..` resolved; `v1` and `/v1/` both become `/v1`, which axum
/// accepts where `v1/x` is refused.
pub fn clean_prefix(prefix: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for segment in prefix.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    format!("/{}", segments.join("/"))
}

/// The span of `option=...` (`default`, `options`, `range`) in the `key:"..."` entry of a tag
/// token, or the whole tag when it cannot be found.
fn option_span(tag: &Tok, key: &str, option: &str) -> Range<usize> {
    let text = tag.text.as_str();
    let entry = text
        .find(&format!("{key}:\""))
        .map_or(0, |i| i + key.len() + 2);
    let Some(found) = text[entry..].find(&format!("{option}=")) else {
        return tag.span.clone();
    };
    let start = entry + found;
    let mut depth = 0i32;
    let mut end = text.len();
    for (i, c) in text[start..].char_indices() {
        match c {
            '[' | '(' => depth += 1,
            ']' | ')' => depth -= 1,
            ',' | '"' if depth <= 0 => {
                end = start + i;
                break;
            }
            _ => {}
        }
    }
    tag.span.start + start..tag.span.start + end
}

/// Parses a Go duration (`1h30m`, `500ms`) into nanoseconds.
pub fn parse_duration_nanos(text: &str) -> Option<u128> {
    let mut total: u128 = 0;
    let mut rest = text;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let n: u128 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let (unit, len) = [
            ("ns", 1u128),
            ("us", 1_000),
            ("µs", 1_000),
            ("ms", 1_000_000),
            ("s", 1_000_000_000),
            ("m", 60_000_000_000),
            ("h", 3_600_000_000_000),
        ]
        .into_iter()
        .find(|(u, _)| rest.starts_with(u))
        .map(|(u, f)| (f, u.len()))?;
        total = total.checked_add(n.checked_mul(unit)?)?;
        rest = &rest[len..];
    }
    Some(total)
}

/// Checks every file and builds the model. Returns the model only when no
/// error was found.
pub fn analyze(files: &[ParsedFile]) -> Result<ApiSpec, Diagnostics> {
    let mut checker = Checker {
        diags: Diagnostics::new(),
        declared: HashMap::new(),
    };
    let spec = checker.run(files);
    if checker.diags.is_empty() {
        Ok(spec)
    } else {
        Err(checker.diags)
    }
}

impl Checker {
    fn error(&mut self, file: &Arc<SourceFile>, span: Range<usize>, message: impl Into<String>) {
        self.diags.push(Diagnostic::error(file, span, message));
    }

    fn duplicate(
        &mut self,
        file: &Arc<SourceFile>,
        span: Range<usize>,
        message: String,
        first: &Site,
    ) {
        let d = Diagnostic::error(file, span, message)
            .with_note(format!("first declared at {}", first.describe()));
        self.diags.push(d);
    }

    fn run(&mut self, files: &[ParsedFile]) -> ApiSpec {
        let mut syntax = None;
        let mut info = Vec::new();
        for (index, f) in files.iter().enumerate() {
            let file_syntax = self.check_header(f);
            if index == 0 {
                syntax = file_syntax;
                if let Some(stmt) = f.ast.stmts.iter().find_map(|s| match s {
                    Stmt::Info(i) => Some(i),
                    _ => None,
                }) {
                    info = key_values(&stmt.values);
                }
            }
        }

        // declare every type first: a type may use one declared later or in
        // another file
        let mut exprs: Vec<(&Arc<SourceFile>, &TypeExpr, Vec<String>)> = Vec::new();
        for f in files {
            for stmt in &f.ast.stmts {
                match stmt {
                    Stmt::TypeLiteral(s) => {
                        let mut d = docs(&s.type_kw.head);
                        d.extend(docs(&s.expr.name.head));
                        exprs.push((&f.source, &s.expr, d));
                    }
                    Stmt::TypeGroup(s) => {
                        for e in &s.exprs {
                            exprs.push((&f.source, e, docs(&e.name.head)));
                        }
                    }
                    _ => {}
                }
            }
        }
        for (file, expr, _) in &exprs {
            let name = &expr.name;
            let site = Site {
                file: Arc::clone(file),
                span: name.span.clone(),
            };
            if let Some(first) = self.declared.get(&name.text).cloned() {
                self.duplicate(
                    file,
                    name.span.clone(),
                    format!("duplicate type `{}`", name.text),
                    &first,
                );
            } else if Builtin::from_name(&name.text).is_some() || name.text == "any" {
                self.error(
                    file,
                    name.span.clone(),
                    format!("`{}` is a builtin type and cannot be declared", name.text),
                );
            } else {
                self.declared.insert(name.text.clone(), site);
            }
        }
        let mut types = Vec::new();
        for (file, expr, type_docs) in exprs {
            if let Some(fields) = self.lower_type_decl(file, expr) {
                types.push(TypeDef {
                    name: expr.name.text.clone(),
                    docs: type_docs,
                    fields,
                    origin: Origin::new(file, expr.name.span.clone()),
                });
            }
        }

        let service = self.lower_services(files);
        ApiSpec {
            syntax: syntax.unwrap_or_else(|| "v1".to_owned()),
            info,
            types,
            service,
        }
    }

    /// One `syntax` and one `info` per file, `syntax = "v1"`, unique info keys.
    fn check_header(&mut self, f: &ParsedFile) -> Option<String> {
        let mut syntax: Option<Site> = None;
        let mut value = None;
        let mut info: Option<Site> = None;
        for stmt in &f.ast.stmts {
            match stmt {
                Stmt::Syntax(s) => {
                    if let Some(first) = &syntax {
                        let first = first.clone();
                        self.duplicate(
                            &f.source,
                            s.syntax.span.clone(),
                            "duplicate `syntax` statement".to_owned(),
                            &first,
                        );
                        continue;
                    }
                    syntax = Some(Site {
                        file: Arc::clone(&f.source),
                        span: s.syntax.span.clone(),
                    });
                    if s.value.unquoted() != "v1" {
                        self.error(
                            &f.source,
                            s.value.span.clone(),
                            format!("unsupported syntax {}, expected \"v1\"", s.value.text),
                        );
                    }
                    value = Some(unquote(&s.value));
                }
                Stmt::Info(s) => {
                    if let Some(first) = &info {
                        let first = first.clone();
                        self.duplicate(
                            &f.source,
                            s.info.span.clone(),
                            "duplicate `info` statement".to_owned(),
                            &first,
                        );
                        continue;
                    }
                    info = Some(Site {
                        file: Arc::clone(&f.source),
                        span: s.info.span.clone(),
                    });
                    self.check_unique_keys(&f.source, s);
                }
                _ => {}
            }
        }
        value
    }

    fn check_unique_keys(&mut self, file: &Arc<SourceFile>, s: &InfoStmt) {
        let mut seen: HashMap<&str, Site> = HashMap::new();
        for kv in &s.values {
            if let Some(first) = seen.get(kv.key.text.as_str()).cloned() {
                self.duplicate(
                    file,
                    kv.key.span.clone(),
                    format!("duplicate info key `{}`", kv.key.text),
                    &first,
                );
            } else {
                seen.insert(
                    &kv.key.text,
                    Site {
                        file: Arc::clone(file),
                        span: kv.key.span.clone(),
                    },
                );
            }
        }
    }

    fn lower_type_decl(&mut self, file: &Arc<SourceFile>, expr: &TypeExpr) -> Option<Vec<Field>> {
        match &expr.data_type {
            DataType::Struct { fields, .. } => Some(self.lower_fields(file, fields)),
            other => {
                self.error(
                    file,
                    other.span(),
                    format!(
                        "type `{}` must be a struct: .api types are declared as `type {} {{ ... }}`",
                        expr.name.text, expr.name.text
                    ),
                );
                None
            }
        }
    }

    fn lower_fields(&mut self, file: &Arc<SourceFile>, fields: &[AstField]) -> Vec<Field> {
        let mut out = Vec::new();
        for f in fields {
            let ty = self.lower_type(file, &f.data_type);
            let tag = f.tag.as_ref().and_then(|t| match parse_tag(t.unquoted()) {
                Ok(tag) => Some(tag),
                Err(message) => {
                    self.error(file, t.span.clone(), message);
                    None
                }
            });
            let head = match f.names.first() {
                Some(n) => &n.head,
                None => &f.data_type.first_tok().head,
            };
            let trailing = match &f.tag {
                Some(t) => &t.trailing,
                None => &last_tok(&f.data_type).trailing,
            };
            let comment = (!trailing.is_empty()).then(|| docs(trailing).join(" "));
            let Some(ty) = ty else { continue };
            if let (Some(tag), Some(tok)) = (&tag, &f.tag) {
                for entry in &tag.entries {
                    for problem in check_values(entry, &ty) {
                        let span = option_span(tok, &entry.key, problem.option);
                        self.error(file, span, problem.message);
                    }
                }
            }
            let type_origin = Origin::new(file, f.data_type.span());
            if f.names.is_empty() {
                if !matches!(&ty, GoType::Named { .. })
                    && !matches!(&ty, GoType::Pointer { elem } if matches!(**elem, GoType::Named { .. }))
                {
                    self.error(
                        file,
                        f.data_type.span(),
                        "an embedded field must be a declared type or a pointer to one",
                    );
                }
                out.push(Field {
                    name: None,
                    ty,
                    tag,
                    docs: docs(head),
                    comment,
                    origin: type_origin.clone(),
                    type_origin,
                });
                continue;
            }
            for name in &f.names {
                out.push(Field {
                    name: Some(name.text.clone()),
                    ty: ty.clone(),
                    tag: tag.clone(),
                    docs: docs(head),
                    comment: comment.clone(),
                    origin: Origin::new(file, name.span.clone()),
                    type_origin: type_origin.clone(),
                });
            }
        }
        out
    }

    /// Lowers a field type; `None` (with an error reported) when invalid.
    fn lower_type(&mut self, file: &Arc<SourceFile>, dt: &DataType) -> Option<GoType> {
        match dt {
            DataType::Base(t) => {
                if let Some(b) = Builtin::from_name(&t.text) {
                    Some(GoType::Builtin { name: b })
                } else if self.declared.contains_key(&t.text) {
                    Some(GoType::Named {
                        name: t.text.clone(),
                    })
                } else {
                    self.error(file, t.span.clone(), format!("unknown type `{}`", t.text));
                    None
                }
            }
            DataType::Any(_) | DataType::Interface(_) => Some(GoType::Any),
            DataType::Pointer { elem, .. } => Some(GoType::Pointer {
                elem: Box::new(self.lower_type(file, elem)?),
            }),
            DataType::Slice { elem, .. } => {
                if elem.contains_struct() {
                    self.error(
                        file,
                        dt.span(),
                        "slice elements cannot be anonymous structs: declare a type for them",
                    );
                    return None;
                }
                Some(GoType::Slice {
                    elem: Box::new(self.lower_type(file, elem)?),
                })
            }
            DataType::Array { len, elem, .. } => {
                let Ok(n) = len.text.parse::<u64>() else {
                    self.error(file, len.span.clone(), "array length must be a number");
                    return None;
                };
                if elem.contains_struct() {
                    self.error(
                        file,
                        dt.span(),
                        "array elements cannot be anonymous structs: declare a type for them",
                    );
                    return None;
                }
                Some(GoType::Array {
                    len: n,
                    elem: Box::new(self.lower_type(file, elem)?),
                })
            }
            DataType::Map { key, value, .. } => {
                if !matches!(**key, DataType::Base(_)) {
                    self.error(
                        file,
                        key.span(),
                        "a map key must be a builtin or declared type name",
                    );
                    return None;
                }
                if value.contains_struct() {
                    self.error(
                        file,
                        value.span(),
                        "map values cannot be anonymous structs: declare a type for them",
                    );
                    return None;
                }
                let key = self.lower_type(file, key);
                let value = self.lower_type(file, value);
                Some(GoType::Map {
                    key: Box::new(key?),
                    value: Box::new(value?),
                })
            }
            DataType::Struct { fields, .. } => Some(GoType::Struct {
                fields: self.lower_fields(file, fields),
            }),
        }
    }

    fn lower_services(&mut self, files: &[ParsedFile]) -> Service {
        let mut name: Option<(String, Site)> = None;
        let mut fallback: Option<String> = None;
        let mut groups = Vec::new();
        let mut handlers: HashMap<String, Site> = HashMap::new();
        let mut routes: HashMap<String, Site> = HashMap::new();
        for f in files {
            for stmt in &f.ast.stmts {
                let Stmt::Service(s) = stmt else { continue };
                // goctl takes the name from the blocks that have routes and compares only
                // those, as written: an empty block may name anything, and `user` and
                // `user-api` are two names (its `-api` trimming check compares a name with
                // itself and never fires).
                if s.items.is_empty() {
                    fallback.get_or_insert_with(|| s.name.text.clone());
                } else {
                    match &name {
                        None => {
                            name = Some((
                                s.name.text.clone(),
                                Site {
                                    file: Arc::clone(&f.source),
                                    span: s.name.span.clone(),
                                },
                            ))
                        }
                        Some((first, site)) if *first != s.name.text => {
                            let message = format!(
                                "all service blocks must have one name: expected `{first}`, found `{}`",
                                s.name.text
                            );
                            let mut d = Diagnostic::error(&f.source, s.name.span.clone(), message)
                                .with_note(format!("first declared at {}", site.describe()));
                            if first.trim_end_matches("-api")
                                == s.name.text.trim_end_matches("-api")
                            {
                                d = d.with_note(
                                    "goctl compares service names as written, so a `-api` suffix makes another name",
                                );
                            }
                            self.diags.push(d);
                        }
                        Some(_) => {}
                    }
                }
                groups.push(self.lower_group(&f.source, s, &mut handlers, &mut routes));
            }
        }
        Service {
            name: name.map(|(n, _)| n).or(fallback).unwrap_or_default(),
            groups,
        }
    }

    fn lower_group(
        &mut self,
        file: &Arc<SourceFile>,
        s: &ServiceStmt,
        handlers: &mut HashMap<String, Site>,
        routes: &mut HashMap<String, Site>,
    ) -> Group {
        let server = match &s.at_server {
            Some(a) => self.server_options(file, &a.values),
            None => ServerOptions::default(),
        };
        let group_key = server.group.clone().unwrap_or_default();
        let prefix = server.prefix.clone().unwrap_or_default();
        let mut out = Vec::new();
        for item in &s.items {
            let handler = &item.handler.name;
            let site = Site {
                file: Arc::clone(file),
                span: handler.span.clone(),
            };
            let key = format!("{group_key}/{}", handler.text);
            if let Some(first) = handlers.get(&key).cloned() {
                self.duplicate(
                    file,
                    handler.span.clone(),
                    format!("duplicate handler `{}`", handler.text),
                    &first,
                );
            } else {
                handlers.insert(key, site);
            }
            let route = &item.route;
            let full_path = format!("{prefix}{}", route.path.text);
            let route_key = format!("{} {full_path}", route.method.text);
            let route_site = Site {
                file: Arc::clone(file),
                span: route.method.span.start..route.path.span.end,
            };
            if let Some(first) = routes.get(&route_key).cloned() {
                self.duplicate(
                    file,
                    route_site.span.clone(),
                    format!("duplicate route `{route_key}`"),
                    &first,
                );
            } else {
                routes.insert(route_key, route_site);
            }
            let request = route
                .request
                .as_ref()
                .and_then(|b| b.expr.as_ref())
                // `([]T)` is a JSON array body; goctl's analyzer refuses it ("request body
                // must be struct"), rzero binds it, so rzctl accepts it.
                .and_then(|e| self.body_type(file, e));
            let response = route
                .response
                .as_ref()
                .and_then(|b| b.expr.as_ref())
                .and_then(|e| self.body_type(file, e));
            let has_response = route.response.as_ref().is_some_and(|b| b.expr.is_some());
            if server.sse && !has_response {
                self.error(
                    file,
                    route.method.span.start..route.path.span.end,
                    "a route in an `sse: true` service needs a response type",
                );
            }
            let (doc, doc_properties, comments) = match &item.doc {
                Some(AtDoc::Literal { at, value }) => {
                    (Some(unquote(value)), Vec::new(), docs(&at.head))
                }
                Some(AtDoc::Group { at, values, .. }) => (None, key_values(values), docs(&at.head)),
                None => (None, Vec::new(), docs(&item.handler.at.head)),
            };
            let path_params = route
                .path
                .text
                .split('/')
                .filter_map(|seg| seg.strip_prefix(':'))
                .map(str::to_owned)
                .collect();
            let body_origin = |body: &Option<super::ast::Body>| {
                body.as_ref()
                    .and_then(|b| b.expr.as_ref())
                    .map(|e| {
                        let start = e
                            .brackets
                            .as_ref()
                            .map(|(l, _)| l)
                            .or(e.star.as_ref())
                            .unwrap_or(&e.value)
                            .span
                            .start;
                        Origin::new(file, start..e.value.span.end)
                    })
                    .unwrap_or_default()
            };
            out.push(Route {
                method: route.method.text.clone(),
                path: route.path.text.clone(),
                path_params,
                handler: handler.text.clone(),
                request,
                response,
                doc,
                doc_properties,
                comments,
                origin: Origin::new(file, route.method.span.start..route.path.span.end),
                handler_origin: Origin::new(file, handler.span.clone()),
                request_origin: body_origin(&route.request),
                response_origin: body_origin(&route.response),
            });
        }
        Group {
            server,
            routes: out,
            origin: Origin::new(file, s.name.span.clone()),
        }
    }

    fn body_type(&mut self, file: &Arc<SourceFile>, e: &super::ast::BodyExpr) -> Option<GoType> {
        let name = &e.value.text;
        let mut ty = if let Some(b) = Builtin::from_name(name) {
            GoType::Builtin { name: b }
        } else if name == "any" {
            GoType::Any
        } else if self.declared.contains_key(name) {
            GoType::Named { name: name.clone() }
        } else {
            self.error(file, e.value.span.clone(), format!("unknown type `{name}`"));
            return None;
        };
        if e.star.is_some() {
            ty = GoType::Pointer { elem: Box::new(ty) };
        }
        if e.brackets.is_some() {
            ty = GoType::Slice { elem: Box::new(ty) };
        }
        Some(ty)
    }

    fn server_options(&mut self, file: &Arc<SourceFile>, values: &[KvExpr]) -> ServerOptions {
        let mut o = ServerOptions::default();
        let mut seen: HashMap<&str, Site> = HashMap::new();
        for kv in values {
            let key = kv.key.text.as_str();
            if let Some(first) = seen.get(key).cloned() {
                self.duplicate(
                    file,
                    kv.key.span.clone(),
                    format!("duplicate @server key `{key}`"),
                    &first,
                );
                continue;
            }
            seen.insert(
                key,
                Site {
                    file: Arc::clone(file),
                    span: kv.key.span.clone(),
                },
            );
            let value = unquote(&kv.value);
            let span = kv.value.span.clone();
            o.origins.insert(
                key.to_owned(),
                Origin::new(file, kv.key.span.start..kv.value.span.end),
            );
            match key {
                "jwt" => o.jwt = Some(value),
                "jwtTransition" => o.jwt_transition = Some(value),
                "group" => o.group = Some(value),
                "prefix" => o.prefix = Some(clean_prefix(&value)),
                "middleware" => {
                    o.middleware = value
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect();
                }
                "timeout" => match parse_duration_nanos(&value) {
                    Some(nanos) => {
                        o.timeout_ms = u64::try_from(nanos / 1_000_000).ok();
                        o.timeout = Some(value);
                    }
                    None => self.error(
                        file,
                        span,
                        format!(
                            "invalid timeout `{value}`: expected a duration such as 3s or 500ms"
                        ),
                    ),
                },
                "maxBytes" => match value.parse::<u64>() {
                    Ok(n) => o.max_bytes = Some(n),
                    Err(_) => self.error(
                        file,
                        span,
                        format!("invalid maxBytes `{value}`: expected a number of bytes"),
                    ),
                },
                "signature" | "sse" => {
                    let flag = match value.as_str() {
                        "true" => true,
                        "false" => false,
                        _ => {
                            self.error(
                                file,
                                span,
                                format!("invalid {key} `{value}`: expected true or false"),
                            );
                            false
                        }
                    };
                    if key == "sse" {
                        o.sse = flag;
                    } else {
                        o.signature = flag;
                    }
                }
                _ => o.other.push(KeyValue {
                    key: key.to_owned(),
                    value,
                }),
            }
        }
        o
    }
}

#[cfg(test)]
mod tests {
    use super::{clean_prefix, parse_duration_nanos};

    #[test]
    fn prefixes_are_cleaned_like_goctl() {
        assert_eq!(clean_prefix("v1"), "/v1");
        assert_eq!(clean_prefix("/v1/"), "/v1");
        assert_eq!(clean_prefix("//a/./b/../c"), "/a/c");
        assert_eq!(clean_prefix("/"), "/");
        assert_eq!(clean_prefix("/api/v1-beta"), "/api/v1-beta");
    }

    #[test]
    fn parses_go_durations() {
        assert_eq!(parse_duration_nanos("3s"), Some(3_000_000_000));
        assert_eq!(parse_duration_nanos("500ms"), Some(500_000_000));
        assert_eq!(parse_duration_nanos("1h30m"), Some(5_400_000_000_000));
        assert_eq!(parse_duration_nanos("10µs"), Some(10_000));
        assert_eq!(parse_duration_nanos("3x"), None);
        assert_eq!(parse_duration_nanos(""), None);
    }
}
