//! `rzctl api doc`: Markdown documentation of an [`ApiSpec`], for people.
//!
//! The service first, then each group with its routes (parameters by
//! source, response shape), then every type. Types are written as Go
//! writes them, since the reader wrote the .api in Go's terms.

use super::model::{ApiSpec, GoType, Group, Route, ServerOptions};
use super::shape::{
    RequestShape, Source, WireField, bound_fields, full_path, json_fields, named, route_summary,
    struct_fields,
};
use super::ts::types::range_text;

/// The whole document, ending with a newline.
pub fn render(spec: &ApiSpec) -> String {
    let mut out = String::new();
    service(spec, &mut out);
    for (i, group) in spec.service.groups.iter().enumerate() {
        group_section(spec, group, i, &mut out);
    }
    types(spec, &mut out);
    out
}

fn service(spec: &ApiSpec, out: &mut String) {
    let value = |key: &str| {
        spec.info_value(key)
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let title = value("title").unwrap_or(if spec.service.name.is_empty() {
        "API"
    } else {
        &spec.service.name
    });
    out.push_str(&format!("# {}\n\n", inline(title)));
    if let Some(desc) = value("desc").or_else(|| value("description")) {
        out.push_str(&format!("{}\n\n", desc.trim()));
    }
    let mut facts = Vec::new();
    if !spec.service.name.is_empty() {
        facts.push(("Service", format!("`{}`", spec.service.name)));
    }
    if let Some(v) = value("version") {
        facts.push(("Version", inline(v)));
    }
    match (value("author"), value("email")) {
        (Some(a), Some(e)) => facts.push(("Author", format!("{} <{}>", inline(a), inline(e)))),
        (Some(a), None) => facts.push(("Author", inline(a))),
        (None, Some(e)) => facts.push(("Author", format!("<{}>", inline(e)))),
        (None, None) => {}
    }
    for (key, v) in facts {
        out.push_str(&format!("- {key}: {v}\n"));
    }
    out.push_str(
        "\nEvery response is the JSON envelope `{\"code\": 0, \"msg\": \"ok\", \"data\": ...}`. \
         `code` 0 is success. A business error comes with HTTP 200, a non-zero `code` and no \
         `data`. Errors the server answers itself (400 when the request does not bind, 401 \
         without a valid token, 503 when overloaded or out of time) carry the HTTP status as \
         `code`.\n\n",
    );
}

fn group_title(server: &ServerOptions, index: usize) -> String {
    match &server.group {
        Some(g) => format!("Group `{g}`"),
        None => format!("Group {}", index + 1),
    }
}

fn group_section(spec: &ApiSpec, group: &Group, index: usize, out: &mut String) {
    let s = &group.server;
    out.push_str(&format!("## {}\n\n", group_title(s, index)));
    let mut facts = Vec::new();
    if let Some(p) = &s.prefix {
        facts.push(format!("Prefix: `{p}`"));
    }
    if let Some(key) = &s.jwt {
        facts.push(format!(
            "JWT: required; send `Authorization: Bearer <token>` (secret in config key `{key}`)"
        ));
    }
    if let Some(key) = &s.jwt_transition {
        facts.push(format!("Previous JWT secret accepted: config key `{key}`"));
    }
    if !s.middleware.is_empty() {
        let names: Vec<String> = s.middleware.iter().map(|m| format!("`{m}`")).collect();
        facts.push(format!("Middleware: {}", names.join(", ")));
    }
    if let Some(t) = &s.timeout {
        facts.push(format!("Timeout: {t}"));
    }
    if let Some(n) = s.max_bytes {
        facts.push(format!("Max body: {n} bytes"));
    }
    if s.signature {
        facts.push("Signature: requests must be signed".to_owned());
    }
    if s.sse {
        facts.push("SSE: responses are server-sent events".to_owned());
    }
    for kv in &s.other {
        facts.push(format!("{}: {}", inline(&kv.key), inline(&kv.value)));
    }
    for fact in &facts {
        out.push_str(&format!("- {fact}\n"));
    }
    if !facts.is_empty() {
        out.push('\n');
    }
    for route in &group.routes {
        route_section(spec, group, route, out);
    }
}

fn route_section(spec: &ApiSpec, group: &Group, route: &Route, out: &mut String) {
    let method = route.method.to_ascii_uppercase();
    out.push_str(&format!("### `{method} {}`\n\n", full_path(group, route)));
    let (summary, description) = route_summary(route);
    for text in [summary, description].into_iter().flatten() {
        out.push_str(&format!("{}\n\n", text.trim()));
    }
    out.push_str(&format!("Handler: `{}`\n\n", route.handler));
    // `@doc(...)` keys other than the two above, as the author wrote them
    let others: Vec<String> = route
        .doc_properties
        .iter()
        .filter(|kv| {
            !kv.key.eq_ignore_ascii_case("summary") && !kv.key.eq_ignore_ascii_case("description")
        })
        .map(|kv| format!("- {}: {}\n", inline(&kv.key), inline(&kv.value)))
        .collect();
    if !others.is_empty() {
        out.push_str(&others.concat());
        out.push('\n');
    }

    let shape = RequestShape::of(spec, route);
    match &route.request {
        Some(ty) => out.push_str(&format!("Request: {}\n\n", type_ref(ty))),
        None if route.path_params.is_empty() => out.push_str("Request: none\n\n"),
        None => {}
    }
    let mut rows: Vec<Row> = Vec::new();
    for param in &route.path_params {
        if !shape.from(Source::Path).any(|f| f.name == *param) {
            rows.push(Row::bare(param, "path", "string"));
        }
    }
    // By source, in binding order; within a source, in declaration order.
    for source in Source::ALL {
        for f in shape.from(source) {
            rows.extend(Row::field(spec, f, ""));
        }
    }
    if let Some(ty) = shape.whole_body {
        rows.push(Row::bare("(body)", "json", &ty.to_go()));
    }
    table(&rows, out);

    if route.method.eq_ignore_ascii_case("head") {
        out.push_str("Response: no body (HEAD).\n\n");
        return;
    }
    match &route.response {
        Some(ty) if group.server.sse => out.push_str(&format!(
            "Response: server-sent events (`text/event-stream`); the data of each event is:\n\n```\n{}\n```\n\n",
            json_shape(spec, ty, 0)
        )),
        Some(ty) => out.push_str(&format!(
            "Response:\n\n```\n{{\n  \"code\": 0,\n  \"msg\": \"ok\",\n  \"data\": {}\n}}\n```\n\n",
            json_shape(spec, ty, 1)
        )),
        None => out.push_str(
            "Response:\n\n```\n{\n  \"code\": 0,\n  \"msg\": \"ok\"\n}\n```\n\n",
        ),
    }
}

/// A type in prose, linked to its section when declared.
fn type_ref(ty: &GoType) -> String {
    match named(ty) {
        Some(name) if matches!(ty, GoType::Named { .. } | GoType::Pointer { .. }) => {
            format!("[`{}`](#{})", ty.to_go(), anchor(name))
        }
        _ => format!("`{}`", ty.to_go()),
    }
}

/// The GitHub anchor of a `### Name` heading.
fn anchor(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric() || *c == '-' || *c == '_' || *c == ' ')
        .map(|c| {
            if c == ' ' {
                '-'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

/// A JSON skeleton of a value: the fields of a struct with their Go types,
/// one level deep (declared types are described under Types).
fn json_shape(spec: &ApiSpec, ty: &GoType, depth: usize) -> String {
    let Some(fields) = struct_fields(spec, ty) else {
        return ty.to_go();
    };
    let pad = "  ".repeat(depth + 1);
    let mut lines = Vec::new();
    for f in json_fields(spec, fields) {
        let value = match f.ty {
            GoType::Struct { .. } => json_shape(spec, f.ty, depth + 1),
            // a nil pointer is written as null
            GoType::Pointer { elem } if f.nullable() => format!("{} | null", elem.to_go()),
            other => other.to_go(),
        };
        let optional = if f.optional() { "  (optional)" } else { "" };
        lines.push(format!("{pad}\"{}\": {value}{optional}", f.name));
    }
    if lines.is_empty() {
        return "{}".to_owned();
    }
    format!("{{\n{}\n{}}}", lines.join(",\n"), "  ".repeat(depth))
}

/// One row of a fields table.
struct Row {
    name: String,
    source: &'static str,
    ty: String,
    required: bool,
    default: String,
    options: String,
    range: String,
    description: String,
}

impl Row {
    fn bare(name: &str, source: &'static str, ty: &str) -> Self {
        Row {
            name: name.to_owned(),
            source,
            ty: ty.to_owned(),
            required: true,
            default: String::new(),
            options: String::new(),
            range: String::new(),
            description: String::new(),
        }
    }

    /// The row of a field, then rows for the fields of its anonymous struct
    /// type, named `outer.inner`.
    fn field(spec: &ApiSpec, f: &WireField<'_>, prefix: &str) -> Vec<Row> {
        let name = format!("{prefix}{}", f.name);
        let mut rows = vec![Row {
            name: name.clone(),
            source: f.source.key(),
            ty: match f.ty {
                GoType::Struct { .. } => "object".to_owned(),
                other => other.to_go(),
            },
            required: !f.optional(),
            default: f.default().map(|d| format!("`{d}`")).unwrap_or_default(),
            options: f
                .options()
                .iter()
                .map(|o| format!("`{o}`"))
                .collect::<Vec<_>>()
                .join(", "),
            range: f
                .range()
                .map(|r| format!("`{}`", range_text(r)))
                .unwrap_or_default(),
            description: f.description().unwrap_or_default(),
        }];
        if let GoType::Struct { fields } = f.ty {
            let prefix = format!("{name}.");
            for inner in json_fields(spec, fields) {
                rows.extend(Row::field(spec, &inner, &prefix));
            }
        }
        rows
    }
}

fn table(rows: &[Row], out: &mut String) {
    if rows.is_empty() {
        return;
    }
    out.push_str("| Name | In | Type | Required | Default | Options | Range | Description |\n");
    out.push_str("|---|---|---|---|---|---|---|---|\n");
    for r in rows {
        out.push_str(&format!(
            "| `{}` | {} | `{}` | {} | {} | {} | {} | {} |\n",
            cell(&r.name),
            r.source,
            cell(&r.ty),
            if r.required { "yes" } else { "no" },
            cell(&r.default),
            cell(&r.options),
            cell(&r.range),
            cell(&r.description),
        ));
    }
    out.push('\n');
}

fn types(spec: &ApiSpec, out: &mut String) {
    if spec.types.is_empty() {
        return;
    }
    out.push_str("## Types\n\n");
    for def in &spec.types {
        out.push_str(&format!("### {}\n\n", def.name));
        let docs = def.docs.join("\n");
        if !docs.trim().is_empty() {
            out.push_str(&format!("{}\n\n", docs.trim()));
        }
        let embedded: Vec<String> = def
            .fields
            .iter()
            .filter(|f| f.name.is_none())
            .map(|f| type_ref(&f.ty))
            .collect();
        if !embedded.is_empty() {
            out.push_str(&format!(
                "Embeds {}; their fields are listed here.\n\n",
                embedded.join(", ")
            ));
        }
        // Request fields by their source, then JSON names not bound otherwise.
        let mut wire = bound_fields(spec, &def.fields);
        for f in json_fields(spec, &def.fields) {
            if !wire
                .iter()
                .any(|w| w.name == f.name && w.source == f.source)
            {
                wire.push(f);
            }
        }
        let rows: Vec<Row> = wire.iter().flat_map(|f| Row::field(spec, f, "")).collect();
        if rows.is_empty() {
            out.push_str("No fields.\n\n");
        }
        table(&rows, out);
    }
}

/// Text for a table cell: pipes escaped, lines joined with `<br>`.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
        .lines()
        .collect::<Vec<_>>()
        .join("<br>")
}

/// Text for a heading or list item: on one line.
fn inline(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_keep_tables_intact() {
        assert_eq!(cell("a|b\nc"), "a\\|b<br>c");
        assert_eq!(inline(" a \n b "), "a b");
        assert_eq!(anchor("ListBooksReq"), "listbooksreq");
    }
}
