//! .api types as TypeScript types, and `types.ts`.

use super::names::{jsdoc, property, string, type_name};
use crate::api::model::{ApiSpec, Builtin, Field, GoType, NumberRange};
use crate::api::shape::{
    Source, WireField, bound_fields, element_builtin, is_bytes, is_integer, is_list,
    is_wide_integer, json_fields,
};

/// Writes TypeScript type expressions for one output file.
pub struct TypeWriter<'a> {
    spec: &'a ApiSpec,
    /// Put before declared type names: `$t.` in api.ts, nothing in types.ts.
    prefix: &'static str,
}

impl<'a> TypeWriter<'a> {
    pub fn new(spec: &'a ApiSpec, prefix: &'static str) -> Self {
        Self { spec, prefix }
    }

    /// The TypeScript type of a Go type; nested object types are indented
    /// for a property `depth` levels deep.
    pub fn expr(&self, ty: &GoType, depth: usize) -> String {
        match ty {
            GoType::Builtin { name } => builtin(*name).to_owned(),
            GoType::Named { name } => format!("{}{}", self.prefix, type_name(name)),
            GoType::Any => "unknown".to_owned(),
            GoType::Slice { .. } if is_bytes(ty) => "string".to_owned(),
            GoType::Slice { elem } | GoType::Array { elem, .. } => {
                format!("{}[]", self.expr(elem, depth))
            }
            GoType::Map { value, .. } => {
                let value = self.expr(value, depth);
                // A declared `Record` would shadow TypeScript's in types.ts.
                if self.prefix.is_empty() && self.spec.find_type("Record").is_some() {
                    format!("{{ [key: string]: {value} }}")
                } else {
                    format!("Record<string, {value}>")
                }
            }
            GoType::Pointer { elem } => self.expr(elem, depth),
            GoType::Struct { fields } => {
                let members = self.members(fields, depth + 1);
                if members.is_empty() {
                    "{}".to_owned()
                } else {
                    format!("{{\n{members}{}}}", indent(depth))
                }
            }
        }
    }

    /// The properties of an object type: every name a value of it may carry,
    /// as a request (path, form, header, JSON) or as JSON.
    pub fn members(&self, fields: &[Field], depth: usize) -> String {
        let mut wire = bound_fields(self.spec, fields);
        for f in json_fields(self.spec, fields) {
            if !wire.iter().any(|w| w.name == f.name) {
                wire.push(f);
            }
        }
        let mut out = String::new();
        let mut seen: Vec<&str> = Vec::new();
        for f in &wire {
            // one property per name, whichever source it comes from
            if seen.contains(&f.name.as_str()) {
                continue;
            }
            seen.push(&f.name);
            let pad = indent(depth);
            out.push_str(&jsdoc(&field_notes(f), &pad));
            out.push_str(&format!(
                "{pad}{}{}: {};\n",
                property(&f.name),
                if f.optional() { "?" } else { "" },
                self.field_type(f, depth)
            ));
        }
        out
    }

    /// A field's type: options as a union of literals, `| null` for Go's
    /// nil pointers.
    fn field_type(&self, f: &WireField<'_>, depth: usize) -> String {
        let base = match literal_union(f) {
            Some(union) if is_list(f.ty) => format!("({union})[]"),
            Some(union) => union,
            None => self.expr(f.ty, depth),
        };
        if f.nullable() {
            format!("{base} | null")
        } else {
            base
        }
    }
}

fn indent(depth: usize) -> String {
    "  ".repeat(depth)
}

fn builtin(b: Builtin) -> &'static str {
    match b {
        Builtin::Bool => "boolean",
        Builtin::String => "string",
        Builtin::Complex64 | Builtin::Complex128 => "unknown",
        _ => "number",
    }
}

/// `"a" | "b"` for string options, `1 | 2` for integer options.
fn literal_union(f: &WireField<'_>) -> Option<String> {
    let options = f.options();
    if options.is_empty() {
        return None;
    }
    let literals: Option<Vec<String>> = match element_builtin(f.ty)? {
        Builtin::String => Some(options.iter().map(|o| string(o)).collect()),
        b if is_integer(b) => options
            .iter()
            .map(|o| o.parse::<i64>().ok().map(|n| n.to_string()))
            .collect(),
        _ => None,
    };
    literals.map(|l| l.join(" | "))
}

/// `[1:100)` with whole numbers written without a fraction.
pub fn range_text(r: &NumberRange) -> String {
    let bound = |x: Option<f64>| x.map(|x| x.to_string()).unwrap_or_default();
    format!(
        "{}{}:{}{}",
        if r.min_inclusive { "[" } else { "(" },
        bound(r.min),
        bound(r.max),
        if r.max_inclusive { "]" } else { ")" }
    )
}

/// The JSDoc lines of a field: its comments, then one line saying where it
/// is sent and with which rules.
fn field_notes(f: &WireField<'_>) -> Vec<String> {
    let mut lines: Vec<String> = f
        .description()
        .map(|d| d.lines().map(str::to_owned).collect())
        .unwrap_or_default();
    let mut notes: Vec<String> = Vec::new();
    match f.source {
        Source::Path => notes.push("Path parameter.".to_owned()),
        Source::Form => notes.push("Query or form field.".to_owned()),
        Source::Header => notes.push("Header.".to_owned()),
        Source::Json => {}
    }
    if let Some(d) = f.default() {
        notes.push(format!("Default: {d}."));
    }
    if !f.options().is_empty() && literal_union(f).is_none() {
        notes.push(format!("One of: {}.", f.options().join(", ")));
    }
    if let Some(r) = f.range() {
        notes.push(format!("Range: {}.", range_text(r)));
    }
    if let Some(b) = element_builtin(f.ty).filter(|b| is_wide_integer(*b)) {
        notes.push(format!("Go {}: exact up to 2^53 - 1.", b.as_str()));
    }
    if !notes.is_empty() {
        lines.push(notes.join(" "));
    }
    lines
}

/// `types.ts`: one interface per declared type, in the order of the .api.
pub fn render(spec: &ApiSpec) -> String {
    let writer = TypeWriter::new(spec, "");
    let mut out = format!(
        "// Code generated by rzctl from the .api of {}. DO NOT EDIT.\n\
         //\n\
         // Go's 64-bit integers (int, int64, uint, uint64) are JavaScript numbers\n\
         // here, exact only up to Number.MAX_SAFE_INTEGER (2^53 - 1).\n",
        if spec.service.name.is_empty() {
            "a service".to_owned()
        } else {
            format!("service {}", spec.service.name)
        }
    );
    if spec.types.is_empty() {
        // still a module, so api.ts can import it
        out.push_str("\nexport {};\n");
    }
    for def in &spec.types {
        out.push('\n');
        out.push_str(&jsdoc(&def.docs, ""));
        let members = writer.members(&def.fields, 1);
        out.push_str(&format!(
            "export interface {} {{{}}}\n",
            type_name(&def.name),
            if members.is_empty() {
                String::new()
            } else {
                format!("\n{members}")
            }
        ));
    }
    out
}
