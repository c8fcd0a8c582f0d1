//! The wire shape of .api types, shared by the doc, OpenAPI and TypeScript
//! outputs: which fields a request or a JSON body carries once embedded types
//! are flattened, under which names, read from which source, with which rules.
//!
//! The rules are Go's `encoding/json` and go-zero's binding, because the
//! files and their clients come from go-zero:
//! - an embedded struct's fields move up into the embedding struct, unless
//!   the embedded field has a JSON name of its own, in which case it is one
//!   object-valued field;
//! - a field without a tag is a JSON field named like the Go field;
//! - a field tagged only `path`, `form` or `header` is not part of the JSON
//!   body; a field with several of these keys is read from the first of
//!   path, form, header, json (go-zero's binding order);
//! - of two fields with one wire name, the shallower one wins; at the same
//!   depth the first one wins (Go drops both, which no author means).

use super::model::{ApiSpec, Builtin, Field, GoType, Group, NumberRange, Route, TagEntry};

/// Where a request field is read from, in go-zero's binding order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    Path,
    Form,
    Header,
    Json,
}

impl Source {
    pub const ALL: [Source; 4] = [Source::Path, Source::Form, Source::Header, Source::Json];
    /// The sources that are not the JSON body, in binding order.
    const NOT_JSON: [Source; 3] = [Source::Path, Source::Form, Source::Header];

    /// The tag key that names this source.
    pub fn key(self) -> &'static str {
        match self {
            Source::Path => "path",
            Source::Form => "form",
            Source::Header => "header",
            Source::Json => "json",
        }
    }
}

/// One field as it travels on the wire.
#[derive(Debug, Clone)]
pub struct WireField<'a> {
    /// The wire name: JSON key, query or form key, header name or path parameter.
    pub name: String,
    /// The Go field name (the type name for an embedded field kept whole).
    pub go_name: &'a str,
    pub source: Source,
    pub ty: &'a GoType,
    /// The tag entry that names the field; `None` for an untagged JSON field.
    pub entry: Option<&'a TagEntry>,
    pub docs: &'a [String],
    pub comment: Option<&'a str>,
    /// How many embedded structs down the field was found.
    depth: usize,
}

impl<'a> WireField<'a> {
    /// The field may be absent: `optional`, `omitempty` (left out when empty)
    /// or `default=` (filled in when absent).
    pub fn optional(&self) -> bool {
        self.entry
            .is_some_and(|e| e.optional || e.omitempty || e.default.is_some())
    }

    pub fn default(&self) -> Option<&'a str> {
        self.entry.and_then(|e| e.default.as_deref())
    }

    pub fn options(&self) -> &'a [String] {
        self.entry.map_or(&[], |e| e.options.as_slice())
    }

    pub fn range(&self) -> Option<&'a NumberRange> {
        self.entry.and_then(|e| e.range.as_ref())
    }

    /// Go writes `null` for a nil pointer unless `omitempty` leaves it out.
    pub fn nullable(&self) -> bool {
        matches!(self.ty, GoType::Pointer { .. }) && !self.entry.is_some_and(|e| e.omitempty)
    }

    /// The field's comments: the lines above it, then the one after it.
    pub fn description(&self) -> Option<String> {
        let mut lines: Vec<&str> = self.docs.iter().map(String::as_str).collect();
        lines.extend(self.comment);
        let text = lines
            .iter()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n");
        (!text.is_empty()).then_some(text)
    }
}

/// A field found while flattening, before it is given a wire name.
struct Flat<'a> {
    field: &'a Field,
    go_name: &'a str,
    depth: usize,
}

/// The name of the struct type behind `T` or `*T`.
pub fn named(ty: &GoType) -> Option<&str> {
    match ty {
        GoType::Named { name } => Some(name),
        GoType::Pointer { elem } => named(elem),
        _ => None,
    }
}

/// The fields of a struct type: a declared type (through pointers) or an
/// anonymous struct.
pub fn struct_fields<'a>(spec: &'a ApiSpec, ty: &'a GoType) -> Option<&'a [Field]> {
    match ty {
        GoType::Struct { fields } => Some(fields),
        GoType::Pointer { elem } => struct_fields(spec, elem),
        GoType::Named { name } => spec.find_type(name).map(|t| t.fields.as_slice()),
        _ => None,
    }
}

/// `T` without its pointers.
pub fn deref(ty: &GoType) -> &GoType {
    match ty {
        GoType::Pointer { elem } => deref(elem),
        other => other,
    }
}

/// The builtin a field's values have: through pointers, and through one
/// slice or array level for list fields (whose rules apply per element).
pub fn element_builtin(ty: &GoType) -> Option<Builtin> {
    match deref(ty) {
        GoType::Builtin { name } => Some(*name),
        GoType::Slice { elem } | GoType::Array { elem, .. } => match deref(elem) {
            GoType::Builtin { name } => Some(*name),
            _ => None,
        },
        _ => None,
    }
}

/// `T` is a slice or array (through pointers).
pub fn is_list(ty: &GoType) -> bool {
    matches!(deref(ty), GoType::Slice { .. } | GoType::Array { .. })
}

/// Go marshals `[]byte` as a base64 string, not as an array of numbers.
pub fn is_bytes(ty: &GoType) -> bool {
    matches!(ty, GoType::Slice { elem } if matches!(**elem, GoType::Builtin { name: Builtin::Byte | Builtin::Uint8 }))
}

fn flatten<'a>(
    spec: &'a ApiSpec,
    fields: &'a [Field],
    depth: usize,
    stack: &mut Vec<&'a str>,
    out: &mut Vec<Flat<'a>>,
) {
    for field in fields {
        if let Some(name) = &field.name {
            out.push(Flat {
                field,
                go_name: name,
                depth,
            });
            continue;
        }
        let Some(type_name) = named(&field.ty) else {
            continue;
        };
        let json_named = field
            .tag
            .as_ref()
            .and_then(|t| t.get("json"))
            .is_some_and(|e| !e.name.is_empty());
        if json_named {
            out.push(Flat {
                field,
                go_name: type_name,
                depth,
            });
            continue;
        }
        // A type that embeds itself (directly or not) contributes nothing more.
        if stack.contains(&type_name) {
            continue;
        }
        if let Some(def) = spec.find_type(type_name) {
            stack.push(type_name);
            flatten(spec, &def.fields, depth + 1, stack, out);
            stack.pop();
        }
    }
}

fn flat_fields<'a>(spec: &'a ApiSpec, fields: &'a [Field]) -> Vec<Flat<'a>> {
    let mut out = Vec::new();
    flatten(spec, fields, 0, &mut Vec::new(), &mut out);
    out
}

fn wire<'a>(flat: &Flat<'a>, source: Source, entry: Option<&'a TagEntry>) -> WireField<'a> {
    let name = match entry {
        Some(e) if !e.name.is_empty() => e.name.clone(),
        _ => flat.go_name.to_owned(),
    };
    WireField {
        name,
        go_name: flat.go_name,
        source,
        ty: &flat.field.ty,
        entry,
        docs: &flat.field.docs,
        comment: flat.field.comment.as_deref(),
        depth: flat.depth,
    }
}

/// The JSON view of a field: `None` when it is not in JSON (`json:"-"`, or
/// tagged only with other sources).
fn as_json<'a>(flat: &Flat<'a>) -> Option<WireField<'a>> {
    let tag = flat.field.tag.as_ref();
    match tag.and_then(|t| t.get("json")) {
        Some(e) if e.name == "-" => None,
        Some(e) => Some(wire(flat, Source::Json, Some(e))),
        None => {
            let bound_elsewhere =
                tag.is_some_and(|t| Source::NOT_JSON.iter().any(|s| t.get(s.key()).is_some()));
            (!bound_elsewhere).then(|| wire(flat, Source::Json, None))
        }
    }
}

/// The request view of a field: its first binding source.
fn as_bound<'a>(flat: &Flat<'a>) -> Option<WireField<'a>> {
    let tag = flat.field.tag.as_ref();
    for source in Source::NOT_JSON {
        if let Some(e) = tag.and_then(|t| t.get(source.key())) {
            return Some(wire(flat, source, Some(e)));
        }
    }
    as_json(flat)
}

/// Keeps one field per (source, name): the shallowest, then the first.
fn dedup(fields: Vec<WireField<'_>>) -> Vec<WireField<'_>> {
    let keep: Vec<bool> = fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            !fields.iter().enumerate().any(|(j, g)| {
                j != i
                    && g.source == f.source
                    && g.name == f.name
                    && (g.depth < f.depth || (g.depth == f.depth && j < i))
            })
        })
        .collect();
    fields
        .into_iter()
        .zip(keep)
        .filter_map(|(f, k)| k.then_some(f))
        .collect()
}

/// The fields of a struct's JSON object, in order.
pub fn json_fields<'a>(spec: &'a ApiSpec, fields: &'a [Field]) -> Vec<WireField<'a>> {
    dedup(
        flat_fields(spec, fields)
            .iter()
            .filter_map(as_json)
            .collect(),
    )
}

/// The fields of a request struct with the source each is read from, in order.
pub fn bound_fields<'a>(spec: &'a ApiSpec, fields: &'a [Field]) -> Vec<WireField<'a>> {
    dedup(
        flat_fields(spec, fields)
            .iter()
            .filter_map(as_bound)
            .collect(),
    )
}

/// What a route reads from a request, by source.
#[derive(Debug, Default)]
pub struct RequestShape<'a> {
    /// Every bound field, in declaration order.
    pub fields: Vec<WireField<'a>>,
    /// The request is not a struct (a builtin or `any`): the whole JSON body.
    pub whole_body: Option<&'a GoType>,
}

impl<'a> RequestShape<'a> {
    pub fn of(spec: &'a ApiSpec, route: &'a Route) -> Self {
        let Some(ty) = &route.request else {
            return Self::default();
        };
        match struct_fields(spec, ty) {
            Some(fields) => Self {
                fields: bound_fields(spec, fields),
                whole_body: None,
            },
            None => Self {
                fields: Vec::new(),
                whole_body: Some(ty),
            },
        }
    }

    pub fn from(&self, source: Source) -> impl Iterator<Item = &WireField<'a>> {
        self.fields.iter().filter(move |f| f.source == source)
    }

    pub fn has(&self, source: Source) -> bool {
        self.from(source).next().is_some()
    }

    /// The route has a JSON body: JSON fields, or a non-struct request.
    pub fn has_json_body(&self) -> bool {
        self.whole_body.is_some() || self.has(Source::Json)
    }
}

/// Methods whose requests carry no body, so form fields go in the query.
pub fn form_in_query(method: &str) -> bool {
    !matches!(
        method.to_ascii_lowercase().as_str(),
        "post" | "put" | "patch"
    )
}

/// The group prefix and the route path joined as rzero joins them:
/// `/v1` + `/login` = `/v1/login`, `/v1` + `/` = `/v1`.
pub fn full_path(group: &Group, route: &Route) -> String {
    let prefix = group
        .server
        .prefix
        .as_deref()
        .unwrap_or("")
        .trim_end_matches('/');
    let prefix = if prefix.is_empty() || prefix.starts_with('/') {
        prefix.to_owned()
    } else {
        format!("/{prefix}")
    };
    let path = if route.path.starts_with('/') {
        route.path.clone()
    } else {
        format!("/{}", route.path)
    };
    if prefix.is_empty() {
        path
    } else if path == "/" {
        prefix
    } else {
        format!("{prefix}{path}")
    }
}

/// `/books/:id` -> `/books/{id}`.
pub fn templated_path(path: &str) -> String {
    path.split('/')
        .map(|segment| match segment.strip_prefix(':') {
            Some(name) if !name.is_empty() => format!("{{{name}}}"),
            _ => segment.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// `admin/user-roles` -> `AdminUserRoles`.
pub fn pascal_case(text: &str) -> String {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// A name per route, unique in the whole API: the handler name, prefixed
/// with the group when another group has a handler of the same name
/// (handlers are only unique per group), numbered if that still collides.
/// Indexed `[group][route]`.
pub fn route_names(spec: &ApiSpec) -> Vec<Vec<String>> {
    let groups = &spec.service.groups;
    let count = |handler: &str| {
        groups
            .iter()
            .flat_map(|g| &g.routes)
            .filter(|r| r.handler == handler)
            .count()
    };
    let mut used: Vec<String> = Vec::new();
    let mut out = Vec::with_capacity(groups.len());
    for (gi, group) in groups.iter().enumerate() {
        let mut names = Vec::with_capacity(group.routes.len());
        for route in &group.routes {
            let base = if count(&route.handler) > 1 {
                let group_name = match &group.server.group {
                    Some(g) => pascal_case(g),
                    None => format!("Group{}", gi + 1),
                };
                format!("{group_name}{}", route.handler)
            } else {
                route.handler.clone()
            };
            let mut name = base.clone();
            let mut n = 2;
            while used.iter().any(|u| u.eq_ignore_ascii_case(&name)) {
                name = format!("{base}{n}");
                n += 1;
            }
            used.push(name.clone());
            names.push(name);
        }
        out.push(names);
    }
    out
}

/// The text of a route's documentation: `@doc "text"` or the `summary` of
/// `@doc(...)`, and the `description` of `@doc(...)`.
pub fn route_summary(route: &Route) -> (Option<&str>, Option<&str>) {
    let property = |key: &str| {
        route
            .doc_properties
            .iter()
            .find(|kv| kv.key.eq_ignore_ascii_case(key))
            .map(|kv| kv.value.as_str())
            .filter(|v| !v.trim().is_empty())
    };
    let summary = route
        .doc
        .as_deref()
        .filter(|d| !d.trim().is_empty())
        .or_else(|| property("summary"));
    (summary, property("description"))
}

/// The builtin is an integer type.
pub fn is_integer(b: Builtin) -> bool {
    !matches!(
        b,
        Builtin::Bool
            | Builtin::String
            | Builtin::Float32
            | Builtin::Float64
            | Builtin::Complex64
            | Builtin::Complex128
    )
}

/// The builtin is a 64-bit integer: JavaScript numbers hold it exactly only
/// up to 2^53 - 1.
pub fn is_wide_integer(b: Builtin) -> bool {
    matches!(
        b,
        Builtin::Int | Builtin::Int64 | Builtin::Uint | Builtin::Uint64 | Builtin::Uintptr
    )
}

pub fn is_unsigned(b: Builtin) -> bool {
    matches!(
        b,
        Builtin::Uint
            | Builtin::Uint8
            | Builtin::Uint16
            | Builtin::Uint32
            | Builtin::Uint64
            | Builtin::Uintptr
            | Builtin::Byte
    )
}

pub fn is_float(b: Builtin) -> bool {
    matches!(b, Builtin::Float32 | Builtin::Float64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::model::{KeyValue, ServerOptions, Service, Tag, TypeDef};
    use crate::diag::Origin;

    fn entry(key: &str, name: &str) -> TagEntry {
        TagEntry {
            key: key.to_owned(),
            name: name.to_owned(),
            optional: false,
            omitempty: false,
            default: None,
            options: Vec::new(),
            range: None,
            other: Vec::new(),
        }
    }

    fn field(name: Option<&str>, ty: GoType, entries: Vec<TagEntry>) -> Field {
        Field {
            name: name.map(str::to_owned),
            ty,
            tag: (!entries.is_empty()).then(|| Tag {
                raw: String::new(),
                entries,
            }),
            docs: Vec::new(),
            comment: None,
            origin: Origin::unknown(),
            type_origin: Origin::unknown(),
        }
    }

    fn int() -> GoType {
        GoType::Builtin {
            name: Builtin::Int64,
        }
    }

    fn named_ty(name: &str) -> GoType {
        GoType::Named {
            name: name.to_owned(),
        }
    }

    fn spec(types: Vec<TypeDef>) -> ApiSpec {
        ApiSpec {
            syntax: "v1".to_owned(),
            info: Vec::<KeyValue>::new(),
            types,
            service: Service {
                name: "s".to_owned(),
                groups: Vec::new(),
            },
        }
    }

    fn def(name: &str, fields: Vec<Field>) -> TypeDef {
        TypeDef {
            name: name.to_owned(),
            docs: Vec::new(),
            fields,
            origin: Origin::unknown(),
        }
    }

    fn names(fields: &[WireField<'_>]) -> Vec<(Source, String)> {
        fields.iter().map(|f| (f.source, f.name.clone())).collect()
    }

    #[test]
    fn embedded_fields_are_flattened_and_outer_fields_win() {
        let s = spec(vec![
            def(
                "Base",
                vec![
                    field(Some("Id"), int(), vec![entry("json", "id")]),
                    field(Some("Page"), int(), vec![entry("form", "page")]),
                ],
            ),
            def(
                "Req",
                vec![
                    field(None, named_ty("Base"), vec![]),
                    field(Some("Id"), int(), vec![entry("json", "id")]),
                    field(Some("Name"), int(), vec![]),
                    field(Some("Skip"), int(), vec![entry("json", "-")]),
                ],
            ),
        ]);
        let req = &s.types[1].fields;
        let json = json_fields(&s, req);
        assert_eq!(
            names(&json),
            vec![
                (Source::Json, "id".to_owned()),
                (Source::Json, "Name".to_owned())
            ]
        );
        // the outer `Id` (depth 0) is kept, not the embedded one
        assert_eq!(json[0].depth, 0);
        let bound = bound_fields(&s, req);
        assert_eq!(
            names(&bound),
            vec![
                (Source::Form, "page".to_owned()),
                (Source::Json, "id".to_owned()),
                (Source::Json, "Name".to_owned())
            ]
        );
    }

    #[test]
    fn an_embedded_type_with_a_json_name_is_one_field_and_cycles_end() {
        let s = spec(vec![
            def(
                "Loop",
                vec![
                    field(None, named_ty("Loop"), vec![]),
                    field(Some("A"), int(), vec![entry("json", "a")]),
                ],
            ),
            def(
                "Outer",
                vec![
                    field(None, named_ty("Loop"), vec![entry("json", "loop")]),
                    field(
                        None,
                        GoType::Pointer {
                            elem: Box::new(named_ty("Loop")),
                        },
                        vec![],
                    ),
                ],
            ),
        ]);
        let json = json_fields(&s, &s.types[1].fields);
        assert_eq!(
            names(&json),
            vec![
                (Source::Json, "loop".to_owned()),
                (Source::Json, "a".to_owned())
            ]
        );
    }

    #[test]
    fn binding_source_follows_go_zero_order() {
        let s = spec(vec![def(
            "Req",
            vec![field(
                Some("Id"),
                int(),
                vec![entry("json", "id"), entry("path", "id")],
            )],
        )]);
        let bound = bound_fields(&s, &s.types[0].fields);
        assert_eq!(bound[0].source, Source::Path);
        // still part of the JSON object, by its json name
        assert_eq!(json_fields(&s, &s.types[0].fields).len(), 1);
    }

    #[test]
    fn optional_default_omitempty_and_nullable() {
        let mut opt = entry("json", "a");
        opt.optional = true;
        let mut def_ = entry("form", "b");
        def_.default = Some("1".to_owned());
        let mut omit = entry("json", "c");
        omit.omitempty = true;
        let ptr = GoType::Pointer {
            elem: Box::new(int()),
        };
        let s = spec(vec![def(
            "T",
            vec![
                field(Some("A"), int(), vec![opt]),
                field(Some("B"), int(), vec![def_]),
                field(Some("C"), ptr.clone(), vec![omit]),
                field(Some("D"), ptr, vec![entry("json", "d")]),
            ],
        )]);
        let f = bound_fields(&s, &s.types[0].fields);
        let optional: Vec<bool> = f.iter().map(WireField::optional).collect();
        assert_eq!(optional, vec![true, true, true, false]);
        let nullable: Vec<bool> = f.iter().map(WireField::nullable).collect();
        assert_eq!(nullable, vec![false, false, false, true]);
        assert_eq!(f[1].default(), Some("1"));
    }

    #[test]
    fn paths_join_like_rzero() {
        let route = |path: &str| Route {
            method: "get".to_owned(),
            path: path.to_owned(),
            path_params: Vec::new(),
            handler: "H".to_owned(),
            request: None,
            response: None,
            doc: None,
            doc_properties: Vec::new(),
            comments: Vec::new(),
            origin: Origin::unknown(),
            handler_origin: Origin::unknown(),
            request_origin: Origin::unknown(),
            response_origin: Origin::unknown(),
        };
        let group = |prefix: Option<&str>| Group {
            server: ServerOptions {
                prefix: prefix.map(str::to_owned),
                ..ServerOptions::default()
            },
            routes: Vec::new(),
            origin: Origin::unknown(),
        };
        assert_eq!(full_path(&group(Some("/v1")), &route("/a")), "/v1/a");
        assert_eq!(full_path(&group(Some("/v1/")), &route("/a")), "/v1/a");
        assert_eq!(full_path(&group(Some("v1")), &route("/")), "/v1");
        assert_eq!(full_path(&group(None), &route("/a/:id")), "/a/:id");
        assert_eq!(templated_path("/a/:id/b/:x-y"), "/a/{id}/b/{x-y}");
    }

    #[test]
    fn route_names_are_unique_across_groups() {
        let route = |handler: &str| Route {
            method: "get".to_owned(),
            path: "/".to_owned(),
            path_params: Vec::new(),
            handler: handler.to_owned(),
            request: None,
            response: None,
            doc: None,
            doc_properties: Vec::new(),
            comments: Vec::new(),
            origin: Origin::unknown(),
            handler_origin: Origin::unknown(),
            request_origin: Origin::unknown(),
            response_origin: Origin::unknown(),
        };
        let mut s = spec(Vec::new());
        s.service.groups = vec![
            Group {
                server: ServerOptions {
                    group: Some("admin/user-roles".to_owned()),
                    ..ServerOptions::default()
                },
                routes: vec![route("List"), route("Get")],
                origin: Origin::unknown(),
            },
            Group {
                server: ServerOptions::default(),
                routes: vec![route("List"), route("AdminUserRolesList")],
                origin: Origin::unknown(),
            },
        ];
        assert_eq!(
            route_names(&s),
            vec![
                vec!["AdminUserRolesList".to_owned(), "Get".to_owned()],
                vec!["Group2List".to_owned(), "AdminUserRolesList2".to_owned()],
            ]
        );
    }
}
