//! The checked description of an API, for code generation: plain data,
//! serializable, free of parser internals. Built by [`crate::api::load`].
//!
//! Types and routes keep the order of the source (the root file first, then
//! each imported file where it is first imported).

use crate::diag::Origin;
use serde::Serialize;
use std::collections::BTreeMap;

/// A whole API: the root file merged with everything it imports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApiSpec {
    /// The `syntax` value without quotes; `v1` when the file has none.
    pub syntax: String,
    /// `info(...)` of the root file, in source order, values without quotes.
    pub info: Vec<KeyValue>,
    /// Every struct type, from all files.
    pub types: Vec<TypeDef>,
    pub service: Service,
}

impl ApiSpec {
    /// The `info` value for `key` (keys compare case-insensitively, as goctl's do).
    pub fn info_value(&self, key: &str) -> Option<&str> {
        self.info
            .iter()
            .find(|kv| kv.key.eq_ignore_ascii_case(key))
            .map(|kv| kv.value.as_str())
    }

    pub fn find_type(&self, name: &str) -> Option<&TypeDef> {
        self.types.iter().find(|t| t.name == name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyValue {
    pub key: String,
    pub value: String,
}

/// `type Name { ... }`: every named type in .api is a struct.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TypeDef {
    pub name: String,
    /// Comment lines above the type, without `//` or `/* */`.
    pub docs: Vec<String>,
    pub fields: Vec<Field>,
    /// The type's name in the source.
    #[serde(skip)]
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Field {
    /// `None` for an embedded type (`Base` or `*Base`), whose fields are
    /// flattened into the containing struct in JSON.
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub ty: GoType,
    pub tag: Option<Tag>,
    /// Comment lines above the field.
    pub docs: Vec<String>,
    /// The comment after the field on its line.
    pub comment: Option<String>,
    /// The field's name (the type, for an embedded field) in the source.
    #[serde(skip)]
    pub origin: Origin,
    /// The field's type in the source.
    #[serde(skip)]
    pub type_origin: Origin,
}

/// A Go type expression.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GoType {
    /// `int`, `string`, `bool`, ...
    Builtin { name: Builtin },
    /// A type declared with `type`.
    Named { name: String },
    /// `any` or `interface{}`.
    Any,
    /// `[]T`
    Slice { elem: Box<GoType> },
    /// `[N]T`
    Array { len: u64, elem: Box<GoType> },
    /// `map[K]V`
    Map {
        key: Box<GoType>,
        value: Box<GoType>,
    },
    /// `*T`
    Pointer { elem: Box<GoType> },
    /// An anonymous nested struct: `Field { A int } `json:"field"``.
    Struct { fields: Vec<Field> },
}

impl GoType {
    /// The type as Go source, e.g. `map[string][]*User`.
    pub fn to_go(&self) -> String {
        match self {
            GoType::Builtin { name } => name.as_str().to_owned(),
            GoType::Named { name } => name.clone(),
            GoType::Any => "any".to_owned(),
            GoType::Slice { elem } => format!("[]{}", elem.to_go()),
            GoType::Array { len, elem } => format!("[{len}]{}", elem.to_go()),
            GoType::Map { key, value } => format!("map[{}]{}", key.to_go(), value.to_go()),
            GoType::Pointer { elem } => format!("*{}", elem.to_go()),
            GoType::Struct { fields } => {
                let inner: Vec<String> = fields
                    .iter()
                    .map(|f| match &f.name {
                        Some(n) => format!("{n} {}", f.ty.to_go()),
                        None => f.ty.to_go(),
                    })
                    .collect();
                format!("struct {{ {} }}", inner.join("; "))
            }
        }
    }
}

/// Go's predeclared types that .api files may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Builtin {
    Bool,
    Int,
    Int8,
    Int16,
    Int32,
    Int64,
    Uint,
    Uint8,
    Uint16,
    Uint32,
    Uint64,
    Uintptr,
    Float32,
    Float64,
    Complex64,
    Complex128,
    String,
    Byte,
    Rune,
}

impl Builtin {
    pub const ALL: [Builtin; 19] = [
        Builtin::Bool,
        Builtin::Int,
        Builtin::Int8,
        Builtin::Int16,
        Builtin::Int32,
        Builtin::Int64,
        Builtin::Uint,
        Builtin::Uint8,
        Builtin::Uint16,
        Builtin::Uint32,
        Builtin::Uint64,
        Builtin::Uintptr,
        Builtin::Float32,
        Builtin::Float64,
        Builtin::Complex64,
        Builtin::Complex128,
        Builtin::String,
        Builtin::Byte,
        Builtin::Rune,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Builtin::Bool => "bool",
            Builtin::Int => "int",
            Builtin::Int8 => "int8",
            Builtin::Int16 => "int16",
            Builtin::Int32 => "int32",
            Builtin::Int64 => "int64",
            Builtin::Uint => "uint",
            Builtin::Uint8 => "uint8",
            Builtin::Uint16 => "uint16",
            Builtin::Uint32 => "uint32",
            Builtin::Uint64 => "uint64",
            Builtin::Uintptr => "uintptr",
            Builtin::Float32 => "float32",
            Builtin::Float64 => "float64",
            Builtin::Complex64 => "complex64",
            Builtin::Complex128 => "complex128",
            Builtin::String => "string",
            Builtin::Byte => "byte",
            Builtin::Rune => "rune",
        }
    }

    pub fn from_name(name: &str) -> Option<Builtin> {
        Builtin::ALL.into_iter().find(|b| b.as_str() == name)
    }
}

/// A struct tag such as `json:"name,optional" form:"page,default=1"`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tag {
    /// The tag text between the backquotes.
    pub raw: String,
    pub entries: Vec<TagEntry>,
}

impl Tag {
    /// The entry for `key` (`json`, `path`, `form`, `header`, ...).
    pub fn get(&self, key: &str) -> Option<&TagEntry> {
        self.entries.iter().find(|e| e.key == key)
    }
}

/// One `key:"name,opt,..."` of a tag, with go-zero's options decoded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TagEntry {
    pub key: String,
    /// The first part of the value: the JSON / form / header / path name.
    pub name: String,
    /// `optional`
    pub optional: bool,
    /// `omitempty`
    pub omitempty: bool,
    /// `default=V`
    pub default: Option<String>,
    /// `options=a|b|c` or `options=[a,b,c]`
    pub options: Vec<String>,
    /// `range=[1:100)`
    pub range: Option<NumberRange>,
    /// Parts this decoder does not know, kept verbatim.
    pub other: Vec<String>,
}

/// `range=[min:max]`; a bracket makes its bound inclusive, a parenthesis
/// exclusive; an empty bound is unbounded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NumberRange {
    pub min: Option<f64>,
    pub min_inclusive: bool,
    pub max: Option<f64>,
    pub max_inclusive: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Service {
    /// The service name as written, e.g. `user-api`.
    pub name: String,
    /// One group per `service` block, in source order.
    pub groups: Vec<Group>,
}

/// One `service` block with the `@server(...)` options above it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    pub server: ServerOptions,
    pub routes: Vec<Route>,
    /// The block's `service` name in the source.
    #[serde(skip)]
    pub origin: Origin,
}

/// `@server(...)` keys, decoded.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ServerOptions {
    /// `jwt: Auth`: the config key that holds the JWT secret.
    pub jwt: Option<String>,
    /// `jwtTransition: Previous`: the config key of the previous secret.
    pub jwt_transition: Option<String>,
    /// `group: a/b`: the folder for handlers and logic.
    pub group: Option<String>,
    /// `prefix: /v1`
    pub prefix: Option<String>,
    /// `middleware: A, B`
    pub middleware: Vec<String>,
    /// `timeout: 3s`, as written.
    pub timeout: Option<String>,
    /// The timeout in milliseconds (rounded down).
    pub timeout_ms: Option<u64>,
    /// `maxBytes: 1048576`
    pub max_bytes: Option<u64>,
    /// `signature: true`
    pub signature: bool,
    /// `sse: true`
    pub sse: bool,
    /// Any other key, in source order, values as written.
    pub other: Vec<KeyValue>,
    /// Each key's `key: value` in the source.
    #[serde(skip)]
    pub origins: BTreeMap<String, Origin>,
}

impl ServerOptions {
    /// Where `key` was written; unknown when the block has no such key.
    pub fn origin(&self, key: &str) -> Origin {
        self.origins.get(key).cloned().unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Route {
    /// Lower case, as in the file: `get`, `post`, ...
    pub method: String,
    /// The path without the group prefix, e.g. `/users/:id`.
    pub path: String,
    /// Names of the `:param` segments, in order.
    pub path_params: Vec<String>,
    /// The `@handler` name.
    pub handler: String,
    pub request: Option<GoType>,
    pub response: Option<GoType>,
    /// `@doc "text"`
    pub doc: Option<String>,
    /// `@doc(key: "value" ...)`, values without quotes.
    pub doc_properties: Vec<KeyValue>,
    /// Comment lines above the route (its `@doc` or `@handler`).
    pub comments: Vec<String>,
    /// `method /path` in the source.
    #[serde(skip)]
    pub origin: Origin,
    /// The `@handler` name in the source.
    #[serde(skip)]
    pub handler_origin: Origin,
    /// The request type between the parentheses.
    #[serde(skip)]
    pub request_origin: Origin,
    /// The response type after `returns`.
    #[serde(skip)]
    pub response_origin: Origin,
}
