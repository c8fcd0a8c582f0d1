//! Turning raw request values into JSON of the declared kind, and checking the tag options.

use super::spec::{Field, Kind};
use serde_json::{Map, Number, Value};

/// Why a request could not be bound. The message names the field and the rule it broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct BindError {
    /// The dotted field path, e.g. `address.city`; empty for whole-request problems.
    pub field: String,
    /// `required`, `type`, `options`, `range`, `length` or `body`.
    pub rule: &'static str,
    pub message: String,
}

impl BindError {
    fn new(field: &str, rule: &'static str, message: String) -> Self {
        Self {
            field: field.to_owned(),
            rule,
            message,
        }
    }

    pub(crate) fn body(message: impl Into<String>) -> Self {
        Self {
            field: String::new(),
            rule: "body",
            message: message.into(),
        }
    }
}

/// A value as it arrived: text (path, query, form, header) or JSON (body).
pub(crate) enum Raw {
    Text(Vec<String>),
    Json(Value),
}

/// Checks one field and returns the JSON to hand to serde, or `None` to leave it absent.
pub(crate) fn bind_field(
    field: &Field,
    path: &str,
    raw: Option<Raw>,
) -> Result<Option<Value>, BindError> {
    let raw = match raw {
        Some(Raw::Json(Value::Null)) | None => None,
        Some(Raw::Text(values)) if values.is_empty() => None,
        other => other,
    };
    let value = match raw {
        None => match field.default {
            Some(default) => from_text(&field.kind, &[default.to_owned()], path)?,
            None if field.optional => return Ok(None),
            None => {
                return Err(BindError::new(
                    path,
                    "required",
                    format!("field {path:?} is required"),
                ));
            }
        },
        Some(Raw::Text(values)) => from_text(&field.kind, &values, path)?,
        Some(Raw::Json(value)) => check_json(&field.kind, value, path, field.fields)?,
    };
    check_rules(field, &value, path)?;
    Ok(Some(value))
}

/// Binds the fields of a JSON object against `fields`, keeping keys that have no entry.
pub(crate) fn bind_object(
    mut object: Map<String, Value>,
    fields: &[Field],
    prefix: &str,
) -> Result<Map<String, Value>, BindError> {
    for field in fields {
        let path = join(prefix, field.name);
        let raw = object.remove(field.name).map(Raw::Json);
        if let Some(value) = bind_field(field, &path, raw)? {
            object.insert(field.name.to_owned(), value);
        }
    }
    Ok(object)
}

pub(crate) fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

fn type_error(path: &str, kind: &Kind, got: &str) -> BindError {
    BindError::new(
        path,
        "type",
        format!("field {path:?} must be {}, got {got}", kind.describe()),
    )
}

fn from_text(kind: &Kind, values: &[String], path: &str) -> Result<Value, BindError> {
    if let Kind::List(element) = kind {
        let items: Vec<&str> = if values.len() == 1 {
            values[0].split(',').filter(|s| !s.is_empty()).collect()
        } else {
            values.iter().map(String::as_str).collect()
        };
        return items
            .into_iter()
            .map(|item| scalar_from_text(element, item, path))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array);
    }
    let first = values.first().map(String::as_str).unwrap_or_default();
    scalar_from_text(kind, first, path)
}

fn scalar_from_text(kind: &Kind, text: &str, path: &str) -> Result<Value, BindError> {
    let quoted = || format!("{text:?}");
    match kind {
        Kind::String => Ok(Value::String(text.to_owned())),
        Kind::Int => text
            .trim()
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| type_error(path, kind, &quoted())),
        Kind::Uint => text
            .trim()
            .parse::<u64>()
            .map(Value::from)
            .map_err(|_| type_error(path, kind, &quoted())),
        Kind::Float => text
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| type_error(path, kind, &quoted())),
        Kind::Bool => match text.trim() {
            "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(Value::Bool(true)),
            "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(Value::Bool(false)),
            _ => Err(type_error(path, kind, &quoted())),
        },
        Kind::Object => serde_json::from_str::<Value>(text)
            .ok()
            .filter(Value::is_object)
            .ok_or_else(|| type_error(path, kind, &quoted())),
        Kind::Any => {
            Ok(serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned())))
        }
        Kind::List(_) => from_text(kind, &[text.to_owned()], path),
    }
}

fn describe_json(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("{s:?}"),
        Value::Array(_) => "a list".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

fn check_json(
    kind: &Kind,
    value: Value,
    path: &str,
    fields: &'static [Field],
) -> Result<Value, BindError> {
    let fits = match (kind, &value) {
        (Kind::String, Value::String(_))
        | (Kind::Float, Value::Number(_))
        | (Kind::Bool, Value::Bool(_))
        | (Kind::Any, _) => true,
        (Kind::Int, Value::Number(n)) => n.is_i64() || n.is_u64(),
        (Kind::Uint, Value::Number(n)) => n.is_u64(),
        (Kind::List(element), Value::Array(_)) => {
            let Value::Array(items) = value else {
                return Err(type_error(path, kind, "a list"));
            };
            return items
                .into_iter()
                .enumerate()
                .map(|(i, item)| check_json(element, item, &format!("{path}[{i}]"), fields))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array);
        }
        (Kind::Object, Value::Object(_)) => {
            let Value::Object(object) = value else {
                return Err(type_error(path, kind, "an object"));
            };
            return bind_object(object, fields, path).map(Value::Object);
        }
        _ => false,
    };
    if fits {
        Ok(value)
    } else {
        Err(type_error(path, kind, &describe_json(&value)))
    }
}

fn check_rules(field: &Field, value: &Value, path: &str) -> Result<(), BindError> {
    if let (Some(length), Value::Array(items)) = (field.length, value)
        && items.len() != length
    {
        return Err(BindError::new(
            path,
            "length",
            format!(
                "field {path:?} must have {length} elements, got {}",
                items.len()
            ),
        ));
    }
    let items: Vec<&Value> = match value {
        Value::Array(items) if matches!(field.kind, Kind::List(_)) => items.iter().collect(),
        other => vec![other],
    };
    for item in items {
        if !field.options.is_empty() {
            let text = match item {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            if !field.options.contains(&text.as_str()) {
                return Err(BindError::new(
                    path,
                    "options",
                    format!(
                        "field {path:?} must be one of [{}], got {}",
                        field.options.join("|"),
                        describe_json(item)
                    ),
                ));
            }
        }
        if let Some(range) = field.range {
            let element_numeric = match field.kind {
                Kind::List(element) => element.is_numeric(),
                other => other.is_numeric(),
            };
            if let (true, Some(number)) = (element_numeric, item.as_f64())
                && !range.contains(number)
            {
                return Err(BindError::new(
                    path,
                    "range",
                    format!(
                        "field {path:?} must be in range {range}, got {}",
                        describe_json(item)
                    ),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rest::bind::{Range, Source};

    fn text(v: &str) -> Option<Raw> {
        Some(Raw::Text(vec![v.to_owned()]))
    }

    #[test]
    fn text_is_converted_by_kind() {
        let f = Field::new("age", Source::Form, Kind::Int);
        assert_eq!(
            bind_field(&f, "age", text("42")).unwrap(),
            Some(Value::from(42))
        );
        let err = bind_field(&f, "age", text("old")).unwrap_err();
        assert_eq!(err.rule, "type");
        assert_eq!(err.message, r#"field "age" must be an integer, got "old""#);
        let b = Field::new("on", Source::Header, Kind::Bool);
        assert_eq!(
            bind_field(&b, "on", text("1")).unwrap(),
            Some(Value::Bool(true))
        );
        let l = Field::new("ids", Source::Form, Kind::List(&Kind::Uint));
        assert_eq!(
            bind_field(&l, "ids", text("1,2,3")).unwrap(),
            Some(serde_json::json!([1, 2, 3]))
        );
        let repeated = Some(Raw::Text(vec!["4".into(), "5".into()]));
        assert_eq!(
            bind_field(&l, "ids", repeated).unwrap(),
            Some(serde_json::json!([4, 5]))
        );
    }

    #[test]
    fn required_optional_and_default() {
        let required = Field::new("name", Source::Json, Kind::String);
        let err = bind_field(&required, "name", None).unwrap_err();
        assert_eq!(
            (err.rule, err.message.as_str()),
            ("required", r#"field "name" is required"#)
        );
        let null = bind_field(&required, "name", Some(Raw::Json(Value::Null))).unwrap_err();
        assert_eq!(null.rule, "required");
        assert_eq!(
            bind_field(&required.optional(), "name", None).unwrap(),
            None
        );
        let page = Field::new("page", Source::Form, Kind::Int).default("1");
        assert_eq!(
            bind_field(&page, "page", None).unwrap(),
            Some(Value::from(1))
        );
    }

    #[test]
    fn options_and_range() {
        let sort = Field::new("sort", Source::Form, Kind::String).options(&["time", "likes"]);
        assert!(bind_field(&sort, "sort", text("likes")).is_ok());
        let err = bind_field(&sort, "sort", text("random")).unwrap_err();
        assert_eq!(
            err.message,
            r#"field "sort" must be one of [time|likes], got "random""#
        );
        let size =
            Field::new("size", Source::Json, Kind::Int).range(Range::closed_open(1.0, 100.0));
        assert!(bind_field(&size, "size", Some(Raw::Json(Value::from(99)))).is_ok());
        let err = bind_field(&size, "size", Some(Raw::Json(Value::from(100)))).unwrap_err();
        assert_eq!(
            err.message,
            r#"field "size" must be in range [1:100), got 100"#
        );
        // A default still has to satisfy the rules.
        let bad_default = Field::new("n", Source::Form, Kind::Int)
            .default("0")
            .range(Range::closed(1.0, 5.0));
        assert_eq!(
            bind_field(&bad_default, "n", None).unwrap_err().rule,
            "range"
        );
    }

    #[test]
    fn fixed_size_lists_need_their_length() {
        let codes = Field::new("codes", Source::Json, Kind::List(&Kind::Uint)).length(2);
        let two = Some(Raw::Json(serde_json::json!([1, 2])));
        assert!(bind_field(&codes, "codes", two).is_ok());
        let err = bind_field(&codes, "codes", Some(Raw::Json(serde_json::json!([1])))).unwrap_err();
        assert_eq!(
            (err.rule, err.message.as_str()),
            ("length", r#"field "codes" must have 2 elements, got 1"#)
        );
        let form = Field::new("ids", Source::Form, Kind::List(&Kind::Int)).length(3);
        assert_eq!(
            bind_field(&form, "ids", text("1,2")).unwrap_err().rule,
            "length"
        );
    }

    #[test]
    fn json_kinds_are_strict_and_nested_fields_checked() {
        let age = Field::new("age", Source::Json, Kind::Int);
        let err = bind_field(&age, "age", Some(Raw::Json(Value::from("12")))).unwrap_err();
        assert_eq!(err.message, r#"field "age" must be an integer, got "12""#);
        const CITY: &[Field] =
            &[Field::new("city", Source::Json, Kind::String).options(&["sh", "bj"])];
        let addr = Field::new("addr", Source::Json, Kind::List(&Kind::Object)).fields(CITY);
        let value = serde_json::json!([{"city": "sh"}, {"city": "gz"}]);
        let err = bind_field(&addr, "addr", Some(Raw::Json(value))).unwrap_err();
        assert_eq!(err.field, "addr[1].city");
        assert_eq!(err.rule, "options");
    }
}
