//! .api types to Rust structs: field types, serde attributes, and the binding table
//! (`rzero::rest::bind::Bindable::FIELDS`) built from the tag options.
//!
//! `types.rs` holds the user's type names beside what it imports, and `type Range {...}` or
//! `type Option {...}` are valid .api: when a declared type takes the name of an import,
//! rzero's binding items go through the `bind` module (`bind::Field`, `bind::Kind::Int`) or
//! serde's derives are written as paths, and `Option`, `Vec` and `String` become full paths
//! when a declared type takes theirs. Files without such a type keep the short names.

use super::names::{doc_lines, pascal, snake};
use crate::api::model::{ApiSpec, Builtin, Field, GoType, TagEntry};
use crate::diag::{Diagnostics, Origin};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One generated struct.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct StructCtx {
    pub(crate) name: String,
    pub(crate) docs: Vec<String>,
    pub(crate) fields: Vec<FieldCtx>,
    /// `rzero::rest::bind::Field` expressions, one per wire field (embedded types expanded).
    pub(crate) bind: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct FieldCtx {
    pub(crate) ident: String,
    pub(crate) ty: String,
    /// The contents of `#[serde(...)]`, empty for none.
    pub(crate) serde: String,
    pub(crate) docs: Vec<String>,
}

/// Where a field is read from and under which name.
struct Wire<'a> {
    source: &'static str,
    entry: Option<&'a TagEntry>,
    name: String,
}

/// The tag entry that decides a field's source: path, then form, then header, then json,
/// as go-zero reads them; a field without any is a JSON field under its Go name.
fn wire<'a>(field: &'a Field, go_name: &str) -> Wire<'a> {
    let tag = field.tag.as_ref();
    for (key, source) in [
        ("path", "Path"),
        ("form", "Form"),
        ("header", "Header"),
        ("json", "Json"),
    ] {
        if let Some(entry) = tag.and_then(|t| t.get(key)) {
            return Wire {
                source,
                entry: Some(entry),
                name: entry.name.clone(),
            };
        }
    }
    Wire {
        source: "Json",
        entry: None,
        name: go_name.to_owned(),
    }
}

/// How `types.rs` names what it uses but does not declare: short names, or paths where a
/// declared type takes the name.
pub(crate) struct Paths {
    option: &'static str,
    vec: &'static str,
    string: &'static str,
    /// `""` (the items are imported) or `"bind::"` (the module is).
    pub(crate) bind: &'static str,
    /// `""` (the derives are imported) or `"serde::"`.
    pub(crate) serde: &'static str,
}

impl Paths {
    fn avoiding(spec: &ApiSpec) -> Self {
        let declared: BTreeSet<String> = spec.types.iter().map(|t| type_name(&t.name)).collect();
        let pick = |short: &'static str, full: &'static str| {
            if declared.contains(short) {
                full
            } else {
                short
            }
        };
        let any = |names: &[&str]| names.iter().any(|n| declared.contains(*n));
        Self {
            option: pick("Option", "::std::option::Option"),
            vec: pick("Vec", "::std::vec::Vec"),
            string: pick("String", "::std::string::String"),
            bind: if any(&["Bindable", "Field", "Kind", "Range", "Source"]) {
                "bind::"
            } else {
                ""
            },
            serde: if any(&["Serialize", "Deserialize"]) {
                "serde::"
            } else {
                ""
            },
        }
    }
}

/// Builds the structs of a spec.
pub(crate) struct TypeMapper<'a> {
    spec: &'a ApiSpec,
    pub(crate) paths: Paths,
    /// Every struct name and the struct names its fields refer to (for recursion checks).
    refs: BTreeMap<String, BTreeSet<String>>,
    pub(crate) structs: Vec<StructCtx>,
    pub(crate) errors: Diagnostics,
    pub(crate) uses_range: bool,
}

impl<'a> TypeMapper<'a> {
    pub(crate) fn new(spec: &'a ApiSpec) -> Self {
        Self {
            spec,
            paths: Paths::avoiding(spec),
            refs: BTreeMap::new(),
            structs: Vec::new(),
            errors: Diagnostics::new(),
            uses_range: false,
        }
    }

    /// Maps every type of the spec, in source order, anonymous structs right after their owner.
    pub(crate) fn map_all(&mut self) {
        let mut seen: BTreeMap<String, (&str, &Origin)> = BTreeMap::new();
        for def in &self.spec.types {
            let rust = type_name(&def.name);
            if let Some((other, first)) = seen.insert(rust.clone(), (&def.name, &def.origin)) {
                let mut d = def.origin.error(format!(
                    "types `{other}` and `{}` both become the Rust type `{rust}`; rename one",
                    def.name
                ));
                if let Some(at) = first.describe() {
                    d = d.with_note(format!("`{other}` is declared at {at}"));
                }
                self.errors.push(d);
            }
        }
        for def in &self.spec.types {
            let name = type_name(&def.name);
            let refs = collect_refs(&def.fields);
            self.refs.insert(name, refs);
        }
        for def in &self.spec.types {
            self.map_struct(&type_name(&def.name), &def.docs, &def.fields);
        }
    }

    fn map_struct(&mut self, name: &str, docs: &[String], fields: &[Field]) {
        let index = self.structs.len();
        self.structs.push(StructCtx {
            name: name.to_owned(),
            docs: doc_lines(docs),
            fields: Vec::new(),
            bind: Vec::new(),
        });
        let mut out = Vec::new();
        let mut idents = BTreeSet::new();
        let mut wires = BTreeSet::new();
        for field in fields {
            let Some(go_name) = &field.name else {
                if let Some(f) = self.embedded(name, field) {
                    out.push(f);
                }
                continue;
            };
            let ident = snake(go_name);
            if !idents.insert(ident.clone()) {
                self.errors.push(field.origin.error(format!(
                    "type `{name}`: two fields become the Rust field `{ident}`"
                )));
                continue;
            }
            let wire = wire(field, go_name);
            let skipped = wire.name == "-";
            if !skipped && !wires.insert((wire.source, wire.name.clone())) {
                self.errors.push(field.origin.error(format!(
                    "type `{name}`: two fields are named `{}` in the request/response; field names must be unique",
                    wire.name
                )));
                continue;
            }
            let entry = wire.entry;
            let is_pointer = matches!(field.ty, GoType::Pointer { .. });
            let optional = is_pointer || entry.is_some_and(|e| e.optional || e.omitempty);
            let base = self.rust_type(&field.ty, name, go_name, &field.type_origin);
            let ty = if optional && !is_pointer {
                format!("{}<{base}>", self.paths.option)
            } else {
                base
            };
            let mut serde = Vec::new();
            if skipped {
                serde.push("skip".to_owned());
            } else if wire.name != ident.trim_start_matches("r#") {
                serde.push(format!("rename = {:?}", wire.name));
            }
            if optional && !skipped {
                serde.push(format!(
                    "default, skip_serializing_if = \"{}::is_none\"",
                    self.paths.option
                ));
            }
            let mut docs = field.docs.clone();
            docs.extend(field.comment.clone());
            let docs = doc_lines(&docs);
            out.push(FieldCtx {
                ident,
                ty,
                serde: serde.join(", "),
                docs,
            });
            if !skipped {
                let expr = self.bind_expr(name, go_name, field, &wire, optional);
                self.structs[index].bind.push(expr);
            }
        }
        self.structs[index].fields = out;
    }

    /// An embedded `Base` or `*Base`: flattened in JSON, its fields bound as the outer type's.
    fn embedded(&mut self, owner: &str, field: &Field) -> Option<FieldCtx> {
        let (inner, pointer) = match &field.ty {
            GoType::Pointer { elem } => (elem.as_ref(), true),
            other => (other, false),
        };
        let GoType::Named { name } = inner else {
            self.errors.push(field.origin.error(format!(
                "type `{owner}`: an embedded field must name a type, found `{}`",
                field.ty.to_go()
            )));
            return None;
        };
        let rust = type_name(name);
        let Some(def) = self.spec.find_type(name) else {
            self.errors.push(
                field
                    .origin
                    .error(format!("type `{owner}` embeds unknown type `{name}`")),
            );
            return None;
        };
        let expanded = self.flattened_bind(
            &rust,
            def.fields.clone(),
            &mut BTreeSet::new(),
            &field.origin,
        );
        if let Some(owner_struct) = self.structs.iter_mut().find(|s| s.name == owner) {
            owner_struct.bind.extend(expanded);
        }
        Some(FieldCtx {
            ident: snake(name),
            ty: if pointer {
                format!("{}<{rust}>", self.paths.option)
            } else {
                rust
            },
            serde: "flatten".to_owned(),
            docs: doc_lines(&field.docs),
        })
    }

    /// The binding entries of an embedded type, its own embedded types expanded too.
    fn flattened_bind(
        &mut self,
        owner: &str,
        fields: Vec<Field>,
        seen: &mut BTreeSet<String>,
        origin: &Origin,
    ) -> Vec<String> {
        if !seen.insert(owner.to_owned()) {
            self.errors
                .push(origin.error(format!("type `{owner}` embeds itself")));
            return Vec::new();
        }
        let mut out = Vec::new();
        for field in &fields {
            match &field.name {
                Some(go_name) => {
                    let wire = wire(field, go_name);
                    if wire.name == "-" {
                        continue;
                    }
                    let optional = matches!(field.ty, GoType::Pointer { .. })
                        || wire.entry.is_some_and(|e| e.optional || e.omitempty);
                    out.push(self.bind_expr(owner, go_name, field, &wire, optional));
                }
                None => {
                    let inner = match &field.ty {
                        GoType::Pointer { elem } => elem.as_ref(),
                        other => other,
                    };
                    if let GoType::Named { name } = inner
                        && let Some(def) = self.spec.find_type(name)
                    {
                        out.extend(self.flattened_bind(
                            &type_name(name),
                            def.fields.clone(),
                            seen,
                            origin,
                        ));
                    }
                }
            }
        }
        out
    }

    fn bind_expr(
        &mut self,
        owner: &str,
        go_name: &str,
        field: &Field,
        wire: &Wire<'_>,
        optional: bool,
    ) -> String {
        let (kind, nested) = self.kind(&field.ty, owner, go_name);
        let mut expr = format!(
            "{b}Field::new({:?}, {b}Source::{}, {kind})",
            wire.name,
            wire.source,
            b = self.paths.bind
        );
        if optional {
            expr.push_str(".optional()");
        }
        if let Some(entry) = wire.entry {
            if let Some(default) = &entry.default {
                expr.push_str(&format!(".default({default:?})"));
            }
            if !entry.options.is_empty() {
                let options: Vec<String> = entry.options.iter().map(|o| format!("{o:?}")).collect();
                expr.push_str(&format!(".options(&[{}])", options.join(", ")));
            }
            if let Some(range) = &entry.range {
                self.uses_range = true;
                let bound =
                    |b: Option<f64>| b.map_or("None".to_owned(), |v| format!("Some({v:?})"));
                expr.push_str(&format!(
                    ".range({}Range::new({}, {}, {}, {}))",
                    self.paths.bind,
                    bound(range.min),
                    range.min_inclusive,
                    bound(range.max),
                    range.max_inclusive
                ));
            }
        }
        // `[N]T` is a `Vec<T>` in Rust; the binding checks the length instead of the type.
        if let GoType::Array { len, .. } = strip_pointer(&field.ty) {
            expr.push_str(&format!(".length({len})"));
        }
        if let Some(nested) = nested
            && !self.reaches(&nested, owner)
        {
            expr.push_str(&format!(
                ".fields(<{nested} as {}Bindable>::FIELDS)",
                self.paths.bind
            ));
        }
        expr
    }

    /// Whether struct `from` refers (transitively) to `to`: a nested field table referring
    /// back to its owner would be a cycle in constant evaluation.
    fn reaches(&self, from: &str, to: &str) -> bool {
        let mut stack = vec![from.to_owned()];
        let mut seen = BTreeSet::new();
        while let Some(current) = stack.pop() {
            if current == to {
                return true;
            }
            if seen.insert(current.clone())
                && let Some(next) = self.refs.get(&current)
            {
                stack.extend(next.iter().cloned());
            }
        }
        false
    }

    /// The `rzero::rest::bind::Kind` of a type, and the struct whose fields to check inside it.
    fn kind(&mut self, ty: &GoType, owner: &str, field: &str) -> (String, Option<String>) {
        let b = self.paths.bind;
        match ty {
            GoType::Builtin { name } => (format!("{b}{}", builtin_kind(*name)), None),
            GoType::Named { name } => (format!("{b}Kind::Object"), Some(type_name(name))),
            GoType::Struct { .. } => (
                format!("{b}Kind::Object"),
                Some(anonymous_name(owner, field)),
            ),
            GoType::Slice { elem } | GoType::Array { elem, .. } => {
                let (inner, nested) = self.kind(elem, owner, field);
                (format!("{b}Kind::List(&{inner})"), nested)
            }
            GoType::Pointer { elem } => self.kind(elem, owner, field),
            GoType::Map { .. } | GoType::Any => (format!("{b}Kind::Any"), None),
        }
    }

    /// The Rust type of a Go type; anonymous structs become named structs. `origin` is where
    /// the type is written, for errors.
    pub(crate) fn rust_type(
        &mut self,
        ty: &GoType,
        owner: &str,
        field: &str,
        origin: &Origin,
    ) -> String {
        match ty {
            GoType::Builtin { name } => match builtin_type(*name) {
                Some("String") => self.paths.string.to_owned(),
                Some(t) => t.to_owned(),
                None => {
                    self.errors.push(origin.error(format!(
                        "type `{owner}`, field `{field}`: `{}` has no JSON form; use float64 or string",
                        name.as_str()
                    )));
                    "f64".to_owned()
                }
            },
            GoType::Named { name } => type_name(name),
            GoType::Any => "serde_json::Value".to_owned(),
            // Inside a container a Go pointer only means "by reference": the element itself
            // is still required, so `[]*Node` is `Vec<Node>`, not `Vec<Option<Node>>`.
            GoType::Slice { elem } | GoType::Array { elem, .. } => {
                let elem = self.rust_type(strip_pointer(elem), owner, field, origin);
                format!("{}<{elem}>", self.paths.vec)
            }
            GoType::Map { key, value } => {
                let k = self.rust_type(strip_pointer(key), owner, field, origin);
                let v = self.rust_type(strip_pointer(value), owner, field, origin);
                format!("std::collections::HashMap<{k}, {v}>")
            }
            GoType::Pointer { elem } => {
                let elem = self.rust_type(elem, owner, field, origin);
                format!("{}<{elem}>", self.paths.option)
            }
            GoType::Struct { fields } => {
                let name = anonymous_name(owner, field);
                self.refs.insert(name.clone(), collect_refs(fields));
                self.map_struct(&name, &[], fields);
                name
            }
        }
    }
}

fn strip_pointer(ty: &GoType) -> &GoType {
    match ty {
        GoType::Pointer { elem } => strip_pointer(elem),
        other => other,
    }
}

/// The Rust name of a declared .api type.
pub(crate) fn type_name(name: &str) -> String {
    pascal(name)
}

/// `Product` + `Stock` -> `ProductStock`, for a struct declared inline in a field.
fn anonymous_name(owner: &str, field: &str) -> String {
    format!("{owner}{}", pascal(field))
}

fn collect_refs(fields: &[Field]) -> BTreeSet<String> {
    fn walk(ty: &GoType, out: &mut BTreeSet<String>) {
        match ty {
            GoType::Named { name } => {
                out.insert(type_name(name));
            }
            GoType::Slice { elem } | GoType::Array { elem, .. } | GoType::Pointer { elem } => {
                walk(elem, out);
            }
            GoType::Map { key, value } => {
                walk(key, out);
                walk(value, out);
            }
            GoType::Struct { fields } => fields.iter().for_each(|f| walk(&f.ty, out)),
            GoType::Builtin { .. } | GoType::Any => {}
        }
    }
    let mut out = BTreeSet::new();
    fields.iter().for_each(|f| walk(&f.ty, &mut out));
    out
}

/// The Rust type of a Go builtin; `None` for the complex types, which JSON cannot carry.
pub(crate) fn builtin_type(b: Builtin) -> Option<&'static str> {
    Some(match b {
        Builtin::Bool => "bool",
        Builtin::Int | Builtin::Int64 => "i64",
        Builtin::Int8 => "i8",
        Builtin::Int16 => "i16",
        Builtin::Int32 | Builtin::Rune => "i32",
        Builtin::Uint | Builtin::Uint64 | Builtin::Uintptr => "u64",
        Builtin::Uint8 | Builtin::Byte => "u8",
        Builtin::Uint16 => "u16",
        Builtin::Uint32 => "u32",
        Builtin::Float32 => "f32",
        Builtin::Float64 => "f64",
        Builtin::String => "String",
        Builtin::Complex64 | Builtin::Complex128 => return None,
    })
}

fn builtin_kind(b: Builtin) -> &'static str {
    match b {
        Builtin::Bool => "Kind::Bool",
        Builtin::Int
        | Builtin::Int8
        | Builtin::Int16
        | Builtin::Int32
        | Builtin::Int64
        | Builtin::Rune => "Kind::Int",
        Builtin::Uint
        | Builtin::Uint8
        | Builtin::Uint16
        | Builtin::Uint32
        | Builtin::Uint64
        | Builtin::Uintptr
        | Builtin::Byte => "Kind::Uint",
        Builtin::Float32 | Builtin::Float64 | Builtin::Complex64 | Builtin::Complex128 => {
            "Kind::Float"
        }
        Builtin::String => "Kind::String",
    }
}
