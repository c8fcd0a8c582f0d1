//! Type expressions, key-value blocks (`info`, `@server`, `@doc`) and
//! service blocks with their routes.

use super::types::*;
use super::writer::*;
use crate::api::align::align;
use crate::api::ast::{
    AtDoc, AtHandler, AtServerStmt, Body, BodyExpr, KvExpr, Route, ServiceItem, ServiceStmt,
    TypeExpr,
};

pub(super) struct TypeExprNode {
    pub(super) name: TokNode,
    pub(super) assign: Option<TokNode>,
    pub(super) ty: FType,
}

impl TypeExprNode {
    pub(super) fn new(e: &TypeExpr) -> Self {
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

pub(super) struct Kv {
    pub(super) key: TokNode,
    pub(super) colon: TokNode,
    pub(super) value: TokNode,
}

pub(super) fn kvs(values: &[KvExpr]) -> Vec<Kv> {
    values
        .iter()
        .map(|v| Kv {
            key: tn(&v.key),
            colon: tn(&v.colon),
            value: tn(&v.value),
        })
        .collect()
}

pub(super) fn is_zero_string(t: &TokNode) -> bool {
    t.text == "\"\"" || t.text == "``"
}

/// `keyword (` + aligned `key: value` lines + `)`, used by `info`, `@server`
/// and `@doc(...)`. Empty when every value is an empty string.
pub(super) fn format_kv_block(
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

pub(super) struct AtServerNode {
    pub(super) at: TokNode,
    pub(super) lparen: TokNode,
    pub(super) values: Vec<Kv>,
    pub(super) rparen: TokNode,
}

impl AtServerNode {
    pub(super) fn new(s: &AtServerStmt) -> Self {
        Self {
            at: tn(&s.at),
            lparen: tn(&s.lparen),
            values: kvs(&s.values),
            rparen: tn(&s.rparen),
        }
    }
    pub(super) fn format(&self, prefix: &str) -> String {
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

pub(super) enum DocNode {
    Literal { at: TokNode, value: TokNode },
    Group(AtServerNode),
}

impl DocNode {
    pub(super) fn new(d: &AtDoc) -> Self {
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

    pub(super) fn pos_line(&self) -> u32 {
        match self {
            DocNode::Literal { at, .. } => at.pos_line(),
            DocNode::Group(g) => g.at.pos_line(),
        }
    }

    pub(super) fn has_head(&self) -> bool {
        match self {
            DocNode::Literal { at, .. } => at.has_head(),
            DocNode::Group(g) => g.at.has_head(),
        }
    }

    pub(super) fn format(&self, prefix: &str) -> String {
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

pub(super) struct BodyNode {
    pub(super) lparen: TokNode,
    pub(super) expr: Option<BodyExprNode>,
    pub(super) rparen: TokNode,
}

pub(super) struct BodyExprNode {
    pub(super) lbrack: Option<TokNode>,
    pub(super) rbrack: Option<TokNode>,
    pub(super) star: Option<TokNode>,
    pub(super) value: TokNode,
}

impl BodyNode {
    pub(super) fn new(b: &Body) -> Self {
        Self {
            lparen: tn(&b.lparen),
            expr: b.expr.as_ref().map(BodyExprNode::new),
            rparen: tn(&b.rparen),
        }
    }
}

impl BodyExprNode {
    pub(super) fn new(e: &BodyExpr) -> Self {
        Self {
            lbrack: e.brackets.as_ref().map(|(l, _)| tn(l)),
            rbrack: e.brackets.as_ref().map(|(_, r)| tn(r)),
            star: e.star.as_ref().map(tn),
            value: tn(&e.value),
        }
    }

    pub(super) fn first(&self) -> &TokNode {
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
pub(super) struct PathNode(TokNode);

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

pub(super) struct RouteNode {
    pub(super) method: TokNode,
    pub(super) path: PathNode,
    pub(super) request: Option<BodyNode>,
    pub(super) returns: Option<TokNode>,
    pub(super) response: Option<BodyNode>,
}

impl RouteNode {
    pub(super) fn new(r: &Route) -> Self {
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

pub(super) struct ItemNode {
    pub(super) doc: Option<DocNode>,
    pub(super) at: TokNode,
    pub(super) name: TokNode,
    pub(super) route: RouteNode,
}

impl ItemNode {
    pub(super) fn new(item: &ServiceItem) -> Self {
        let AtHandler { at, name } = &item.handler;
        Self {
            doc: item.doc.as_ref().map(DocNode::new),
            at: tn(at),
            name: tn(name),
            route: RouteNode::new(&item.route),
        }
    }

    pub(super) fn format_handler(&self, prefix: &str) -> String {
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
pub(super) struct NameNode(TokNode);

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

pub(super) fn format_service(s: &ServiceStmt, prefix: &str) -> String {
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
