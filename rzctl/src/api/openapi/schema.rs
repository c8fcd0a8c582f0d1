//! Go types and go-zero tag rules as JSON Schema (the 2020-12 dialect of
//! OpenAPI 3.1). Declared types become `$ref`s; the ones referred to are
//! collected and written once under `components/schemas`.

use super::document::{OrderedMap, Schema, SchemaType, Value};
use crate::api::model::{ApiSpec, Builtin, Field, GoType, TypeDef};
use crate::api::shape::{
    self, WireField, deref, element_builtin, is_bytes, is_float, is_integer, is_list, is_unsigned,
};

/// Where a declared type's schema lives.
pub fn ref_path(name: &str) -> String {
    format!("#/components/schemas/{name}")
}

/// Builds schemas for one document and remembers the declared types they
/// refer to.
pub struct Schemas<'a> {
    spec: &'a ApiSpec,
    referenced: Vec<&'a str>,
}

impl<'a> Schemas<'a> {
    pub fn new(spec: &'a ApiSpec) -> Self {
        Self {
            spec,
            referenced: Vec::new(),
        }
    }

    /// The schema of a type as it appears in JSON.
    pub fn of_type(&mut self, ty: &'a GoType) -> Schema {
        match ty {
            GoType::Builtin { name } => builtin(*name),
            GoType::Named { name } => {
                if !self.referenced.contains(&name.as_str()) {
                    self.referenced.push(name);
                }
                Schema::reference(ref_path(name))
            }
            GoType::Any => Schema::default(),
            GoType::Slice { .. } if is_bytes(ty) => Schema {
                content_encoding: Some("base64"),
                description: Some("bytes, base64-encoded (Go's []byte)".to_owned()),
                ..Schema::of_type("string")
            },
            GoType::Slice { elem } => Schema {
                items: Some(Box::new(self.of_type(elem))),
                ..Schema::of_type("array")
            },
            GoType::Array { len, elem } => Schema {
                items: Some(Box::new(self.of_type(elem))),
                min_items: Some(*len),
                max_items: Some(*len),
                ..Schema::of_type("array")
            },
            GoType::Map { key, value } => {
                // JSON keys are strings; Go writes integer keys in decimal.
                let integer_keys = matches!(**key, GoType::Builtin { name } if is_integer(name));
                Schema {
                    additional_properties: Some(Box::new(self.of_type(value))),
                    property_names: integer_keys.then(|| {
                        Box::new(Schema {
                            pattern: Some("^-?[0-9]+$"),
                            ..Schema::default()
                        })
                    }),
                    ..Schema::of_type("object")
                }
            }
            // Nullability is a property of fields (see `field`), not of `*T`.
            GoType::Pointer { elem } => self.of_type(elem),
            GoType::Struct { fields } => self.object(fields),
        }
    }

    /// An object with the JSON fields of a struct.
    pub fn object(&mut self, fields: &'a [Field]) -> Schema {
        let wire = shape::json_fields(self.spec, fields);
        self.object_of(&wire)
    }

    /// An object with these fields as properties.
    pub fn object_of(&mut self, fields: &[WireField<'a>]) -> Schema {
        let mut properties = OrderedMap::new();
        let mut required = Vec::new();
        for f in fields {
            properties.insert(f.name.clone(), self.field(f));
            if !f.optional() {
                required.push(f.name.clone());
            }
        }
        Schema::object(properties, required)
    }

    /// A field's schema with its tag rules, comments and nullability.
    pub fn field(&mut self, f: &WireField<'a>) -> Schema {
        let mut schema = self.of_type(f.ty);
        apply_rules(&mut schema, f);
        if f.nullable() {
            schema = nullable(schema);
        }
        if let Some(text) = f.description() {
            schema.description = Some(match schema.description.take() {
                Some(own) => format!("{text}\n\n{own}"),
                None => text,
            });
        }
        schema
    }

    /// The schemas of every declared type referred to so far, and of the
    /// types they refer to, in the order the .api declares them.
    pub fn components(mut self) -> OrderedMap<Schema> {
        let mut built: Vec<(&'a str, Schema)> = Vec::new();
        let mut next = 0;
        while let Some(&name) = self.referenced.get(next) {
            next += 1;
            let schema = match self.spec.find_type(name) {
                Some(def) => self.type_def(def),
                None => Schema::default(),
            };
            built.push((name, schema));
        }
        let mut out = OrderedMap::new();
        for def in &self.spec.types {
            if let Some(i) = built.iter().position(|(n, _)| *n == def.name) {
                let (name, schema) = built.swap_remove(i);
                out.insert(name, schema);
            }
        }
        out
    }

    fn type_def(&mut self, def: &'a TypeDef) -> Schema {
        let mut schema = self.object(&def.fields);
        let docs = def.docs.join("\n");
        if !docs.trim().is_empty() {
            schema.description = Some(docs.trim().to_owned());
        }
        schema
    }
}

/// A builtin's schema: JSON type, format from the OpenAPI format registry,
/// and the lower bound of unsigned types.
fn builtin(b: Builtin) -> Schema {
    let (kind, format) = match b {
        Builtin::Bool => ("boolean", None),
        Builtin::String => ("string", None),
        Builtin::Int | Builtin::Int64 => ("integer", Some("int64")),
        Builtin::Int8 => ("integer", Some("int8")),
        Builtin::Int16 => ("integer", Some("int16")),
        Builtin::Int32 | Builtin::Rune => ("integer", Some("int32")),
        Builtin::Uint | Builtin::Uint64 | Builtin::Uintptr => ("integer", Some("uint64")),
        Builtin::Uint8 | Builtin::Byte => ("integer", Some("uint8")),
        Builtin::Uint16 => ("integer", Some("uint16")),
        Builtin::Uint32 => ("integer", Some("uint32")),
        Builtin::Float32 => ("number", Some("float")),
        Builtin::Float64 => ("number", Some("double")),
        Builtin::Complex64 | Builtin::Complex128 => {
            return Schema {
                description: Some("Go complex numbers have no JSON form".to_owned()),
                ..Schema::default()
            };
        }
    };
    Schema {
        format,
        minimum: is_unsigned(b).then_some(Value::Int(0)),
        ..Schema::of_type(kind)
    }
}

/// `options`, `range` and `default` as schema keywords. For lists, options
/// and range constrain each element, as rzero's binding checks them.
fn apply_rules(schema: &mut Schema, f: &WireField<'_>) {
    let base = element_builtin(f.ty);
    let list = is_list(f.ty) && !is_bytes(deref(f.ty));
    if let Some(text) = f.default() {
        schema.default = Some(if list {
            Value::Array(text.split(',').map(|t| convert(t.trim(), base)).collect())
        } else {
            convert(text, base)
        });
    }
    let target = match schema.items.as_deref_mut() {
        Some(items) if list => items,
        _ => schema,
    };
    if !f.options().is_empty() {
        target.enumeration = f.options().iter().map(|o| convert(o, base)).collect();
    }
    let numeric = base.is_some_and(|b| is_integer(b) || is_float(b));
    if let (Some(range), true) = (f.range(), numeric) {
        let floor = base.is_some_and(is_unsigned).then_some(0.0);
        if let Some(min) = range.min {
            if range.min_inclusive {
                target.minimum = Some(number(floor.map_or(min, |f| min.max(f))));
            } else {
                target.exclusive_minimum = Some(number(min));
                // `minimum: 0` of unsigned types stays only when it still says more
                if floor.is_none_or(|f| min >= f) {
                    target.minimum = None;
                }
            }
        }
        if let Some(max) = range.max {
            if range.max_inclusive {
                target.maximum = Some(number(max));
            } else {
                target.exclusive_maximum = Some(number(max));
            }
        }
    }
}

/// The schema, also admitting `null`.
fn nullable(mut schema: Schema) -> Schema {
    match schema.kind.take() {
        Some(SchemaType::One(kind)) => {
            schema.kind = Some(SchemaType::Many(vec![kind, "null"]));
            if !schema.enumeration.is_empty() {
                schema.enumeration.push(Value::Null);
            }
            schema
        }
        Some(many) => {
            schema.kind = Some(many);
            schema
        }
        // `$ref`s cannot take a type array
        None if schema.reference.is_some() => Schema {
            any_of: vec![schema, Schema::of_type("null")],
            ..Schema::default()
        },
        // no type at all (`any`): null is already allowed
        None => schema,
    }
}

/// A bound as JSON: an integer when it is one.
fn number(x: f64) -> Value {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if x.fract() == 0.0 && x.abs() < EXACT {
        Value::Int(x as i64)
    } else {
        Value::Float(x)
    }
}

/// A tag value (`default=`, `options=`) as a JSON value of the field's type;
/// text that does not parse as that type stays a string.
pub fn convert(text: &str, base: Option<Builtin>) -> Value {
    let Some(b) = base else {
        return Value::String(text.to_owned());
    };
    let parsed = if b == Builtin::Bool {
        // the spellings Go's strconv.ParseBool accepts
        match text {
            "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(Value::Bool(true)),
            "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(Value::Bool(false)),
            _ => None,
        }
    } else if is_unsigned(b) {
        text.parse::<u64>().ok().map(Value::Uint)
    } else if is_integer(b) {
        text.parse::<i64>().ok().map(Value::Int)
    } else if is_float(b) {
        text.parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .map(Value::Float)
    } else {
        None
    };
    parsed.unwrap_or_else(|| Value::String(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_values_take_the_field_type() {
        assert_eq!(convert("5", Some(Builtin::Int)), Value::Int(5));
        assert_eq!(convert("5", Some(Builtin::Uint8)), Value::Uint(5));
        assert_eq!(
            convert("-5", Some(Builtin::Uint8)),
            Value::String("-5".into())
        );
        assert_eq!(convert("2.5", Some(Builtin::Float64)), Value::Float(2.5));
        assert_eq!(convert("T", Some(Builtin::Bool)), Value::Bool(true));
        assert_eq!(
            convert("x", Some(Builtin::String)),
            Value::String("x".into())
        );
        assert_eq!(convert("x", None), Value::String("x".into()));
    }

    #[test]
    fn bounds_are_integers_when_whole() {
        assert_eq!(number(3.0), Value::Int(3));
        assert_eq!(number(0.5), Value::Float(0.5));
        assert_eq!(number(1e300), Value::Float(1e300));
    }

    #[test]
    fn null_joins_the_type_or_wraps_a_reference() {
        let s = nullable(Schema::of_type("string"));
        assert_eq!(s.kind, Some(SchemaType::Many(vec!["string", "null"])));
        let r = nullable(Schema::reference(ref_path("T")));
        assert_eq!(r.any_of.len(), 2);
        assert_eq!(r.reference, None);
        assert_eq!(nullable(Schema::default()), Schema::default());
    }
}
