//! The syntax tree of one .api file, close to the source: every token keeps
//! its text, position and the comments around it, so the formatter can
//! reproduce the file. Later stages use [`crate::api::model`] instead.

use std::ops::Range;

/// A `// line` or `/* block */` comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub text: String,
    pub span: Range<usize>,
    pub line: u32,
}

/// A token with the comments attached to it: `head` comments stand on the
/// lines before it, `trailing` comments follow it on its own line.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tok {
    pub text: String,
    pub span: Range<usize>,
    pub line: u32,
    pub head: Vec<Comment>,
    pub trailing: Vec<Comment>,
}

impl Tok {
    /// The text between the quotes of a string or raw string token.
    pub fn unquoted(&self) -> &str {
        let t = self.text.as_str();
        for q in ['"', '`'] {
            if let Some(inner) = t.strip_prefix(q).and_then(|s| s.strip_suffix(q)) {
                return inner;
            }
        }
        t
    }

    pub fn is_empty_string(&self) -> bool {
        self.text == "\"\"" || self.text == "``"
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct File {
    pub stmts: Vec<Stmt>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stmt {
    Syntax(SyntaxStmt),
    Info(InfoStmt),
    ImportLiteral(ImportLiteralStmt),
    ImportGroup(ImportGroupStmt),
    TypeLiteral(TypeLiteralStmt),
    TypeGroup(TypeGroupStmt),
    Service(ServiceStmt),
    /// Comments after the last token of the file.
    Comment(Comment),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxStmt {
    pub syntax: Tok,
    pub assign: Tok,
    pub value: Tok,
}

/// `key: value` inside `info(...)`, `@server(...)` or `@doc(...)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KvExpr {
    pub key: Tok,
    pub colon: Tok,
    pub value: Tok,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InfoStmt {
    pub info: Tok,
    pub lparen: Tok,
    pub values: Vec<KvExpr>,
    pub rparen: Tok,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportLiteralStmt {
    pub import: Tok,
    pub value: Tok,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportGroupStmt {
    pub import: Tok,
    pub lparen: Tok,
    pub values: Vec<Tok>,
    pub rparen: Tok,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeLiteralStmt {
    pub type_kw: Tok,
    pub expr: TypeExpr,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeGroupStmt {
    pub type_kw: Tok,
    pub lparen: Tok,
    pub exprs: Vec<TypeExpr>,
    pub rparen: Tok,
}

/// `Name Type` or `Name = Type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeExpr {
    pub name: Tok,
    pub assign: Option<Tok>,
    pub data_type: DataType,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataType {
    /// A builtin or a named type.
    Base(Tok),
    /// `any`
    Any(Tok),
    /// `interface{}`
    Interface(Tok),
    Map {
        map: Tok,
        lbrack: Tok,
        key: Box<DataType>,
        rbrack: Tok,
        value: Box<DataType>,
    },
    /// `[N]T` (or `[...]T`, which the checker rejects)
    Array {
        lbrack: Tok,
        len: Tok,
        rbrack: Tok,
        elem: Box<DataType>,
    },
    Slice {
        lbrack: Tok,
        rbrack: Tok,
        elem: Box<DataType>,
    },
    Pointer {
        star: Tok,
        elem: Box<DataType>,
    },
    Struct {
        lbrace: Tok,
        fields: Vec<Field>,
        rbrace: Tok,
    },
}

impl DataType {
    pub fn contains_struct(&self) -> bool {
        match self {
            DataType::Struct { .. } => true,
            DataType::Map { key, value, .. } => key.contains_struct() || value.contains_struct(),
            DataType::Array { elem, .. }
            | DataType::Slice { elem, .. }
            | DataType::Pointer { elem, .. } => elem.contains_struct(),
            DataType::Base(_) | DataType::Any(_) | DataType::Interface(_) => false,
        }
    }

    /// The first token of the type, where diagnostics point.
    pub fn first_tok(&self) -> &Tok {
        match self {
            DataType::Base(t) | DataType::Any(t) | DataType::Interface(t) => t,
            DataType::Map { map, .. } => map,
            DataType::Array { lbrack, .. } | DataType::Slice { lbrack, .. } => lbrack,
            DataType::Pointer { star, .. } => star,
            DataType::Struct { lbrace, .. } => lbrace,
        }
    }

    /// The byte range the type covers in its file.
    pub fn span(&self) -> Range<usize> {
        let start = self.first_tok().span.start;
        let end = match self {
            DataType::Base(t) | DataType::Any(t) | DataType::Interface(t) => t.span.end,
            DataType::Map { value, .. } => value.span().end,
            DataType::Array { elem, .. }
            | DataType::Slice { elem, .. }
            | DataType::Pointer { elem, .. } => elem.span().end,
            DataType::Struct { rbrace, .. } => rbrace.span.end,
        };
        start..end.max(start)
    }
}

/// A struct field: `A, B int `tag``, or an embedded `Base` / `*Base`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Empty for an embedded type.
    pub names: Vec<Tok>,
    pub data_type: DataType,
    pub tag: Option<Tok>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceStmt {
    pub at_server: Option<AtServerStmt>,
    pub service: Tok,
    /// The name, including an `-api` suffix if written.
    pub name: Tok,
    pub lbrace: Tok,
    pub items: Vec<ServiceItem>,
    pub rbrace: Tok,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtServerStmt {
    pub at: Tok,
    pub lparen: Tok,
    pub values: Vec<KvExpr>,
    pub rparen: Tok,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AtDoc {
    Literal {
        at: Tok,
        value: Tok,
    },
    Group {
        at: Tok,
        lparen: Tok,
        values: Vec<KvExpr>,
        rparen: Tok,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtHandler {
    pub at: Tok,
    pub name: Tok,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceItem {
    pub doc: Option<AtDoc>,
    pub handler: AtHandler,
    pub route: Route,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub method: Tok,
    /// The whole path as one token, e.g. `/users/:id`.
    pub path: Tok,
    pub request: Option<Body>,
    pub returns: Option<Tok>,
    pub response: Option<Body>,
}

/// `(Req)`, `([]Req)`, `(*Req)` or `()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    pub lparen: Tok,
    pub expr: Option<BodyExpr>,
    pub rparen: Tok,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyExpr {
    /// `[` and `]` of `[]T`.
    pub brackets: Option<(Tok, Tok)>,
    pub star: Option<Tok>,
    pub value: Tok,
}

impl BodyExpr {
    pub fn text(&self) -> String {
        let mut s = String::new();
        if self.brackets.is_some() {
            s.push_str("[]");
        }
        if self.star.is_some() {
            s.push('*');
        }
        s.push_str(&self.value.text);
        s
    }
}
